// POST /api/api-keys: the Create API key contract, every way of calling it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "@/lib/api-keys/key-format";
import { api, createKey, db, inFuture, makeClient, makeTenant, makeUser, signInCookie, type Tenant, type TestUser } from "./helpers";

let acme: Tenant;
let sandbox: Tenant;
let owner: TestUser; // Owner of acme and sandbox
let admin: TestUser;
let member: TestUser;
let acmeKey: string;

beforeAll(async () => {
  acme = await makeClient("Live");
  sandbox = await makeClient("Sandbox");
  owner = await makeUser([[acme, "Owner"], [sandbox, "Owner"]]);
  admin = await makeUser([[acme, "Admin"]]);
  member = await makeUser([[acme, "Member"]]);
  acmeKey = (await createKey({ token: owner.token })).rawKey;
});
afterAll(() => db.$disconnect());

const keyCount = (clientId: string) => db.apiKey.count({ where: { clientId } });

describe("201 Created", () => {
  it("returns exactly the contract's fields, a Location and no-store; the key authenticates", async () => {
    const expiresAt = inFuture(30);
    const r = await api("/api/api-keys", { apiKey: acmeKey, body: { name: "Billing sync", expiresAt } });
    expect(r.status).toBe(201);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(Object.keys(r.body).sort()).toEqual(["allowedIps", "clientId", "createdAt", "expiresAt", "id", "keyPrefix", "name", "quota", "rateLimit", "rawKey", "scopes"]);
    expect(r.body.clientId).toBe(acme.id);
    expect(r.body.name).toBe("Billing sync");
    expect(r.body.expiresAt).toBe(new Date(expiresAt).toISOString());
    expect(r.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(r.body.rawKey).toMatch(/^dol_live_[0-9A-Za-z]{49}$/);
    expect(r.body.rawKey.startsWith(r.body.keyPrefix)).toBe(true);
    expect(r.headers.get("location")).toBe(`/api/api-keys/${r.body.id}`);

    const me = await api("/api/me", { apiKey: r.body.rawKey });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ type: "apiKey", clientId: acme.id, apiKeyId: r.body.id, userId: null, role: null });

    const loc = await api(r.headers.get("location")!, { apiKey: r.body.rawKey });
    expect(loc.status).toBe(200);
    expect(loc.body).toMatchObject({ id: r.body.id, keyPrefix: r.body.keyPrefix, status: "active" });
    expect(loc.text).not.toContain(r.body.rawKey);
  });

  it("stores only the hash: no column of the row holds the raw key", async () => {
    const k = await createKey({ apiKey: acmeKey });
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: k.id } });
    expect(row.keyHash).toBe(hashKey(k.rawKey));
    expect(JSON.stringify(row)).not.toContain(k.rawKey.slice(9));
    const audit = await db.auditEvent.findMany({ where: { targetId: k.id } });
    expect(JSON.stringify(audit)).not.toContain(k.rawKey.slice(9));
  });

  it("with no body fields: name and expiresAt are null, not absent", async () => {
    const r = await api("/api/api-keys", { apiKey: acmeKey, body: {} });
    expect(r.status).toBe(201);
    expect(r.body.name).toBeNull();
    expect(r.body.expiresAt).toBeNull();
  });

  it("trims the name and turns a blank one into null", async () => {
    expect((await createKey({ apiKey: acmeKey }, { name: "  Payroll  " })).name).toBe("Payroll");
    expect((await createKey({ apiKey: acmeKey }, { name: "   " })).name).toBeNull();
    expect((await createKey({ apiKey: acmeKey }, { name: null, expiresAt: null })).name).toBeNull();
    expect((await createKey({ apiKey: acmeKey }, { name: "é".repeat(100) })).name).toHaveLength(100);
  });

  it("accepts an expiry with any offset and answers in UTC with Z", async () => {
    const k = await createKey({ apiKey: acmeKey }, { expiresAt: "2099-06-01T12:00:00+02:00" });
    expect(k.expiresAt).toBe("2099-06-01T10:00:00.000Z");
  });

  it("writes an audit event in the same transaction", async () => {
    const k = await createKey({ token: admin.token }, { name: "audited" });
    const events = await db.auditEvent.findMany({ where: { targetId: k.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ clientId: acme.id, action: "apiKey.created", actorType: "User", actorUserId: admin.id, targetType: "apiKey" });
    expect(events[0].userAgent).toBeTruthy();
  });

  it("records who created it: the user, or the API key", async () => {
    const byUser = await createKey({ token: owner.token });
    const byKey = await createKey({ apiKey: byUser.rawKey });
    const rows = await db.apiKey.findMany({ where: { id: { in: [byUser.id, byKey.id] } } });
    const u = rows.find((r) => r.id === byUser.id)!;
    const k = rows.find((r) => r.id === byKey.id)!;
    expect([u.createdByUserId, u.createdByApiKeyId]).toEqual([owner.id, null]);
    expect([k.createdByUserId, k.createdByApiKeyId]).toEqual([null, byUser.id]);
  });
});

describe("who may call", () => {
  it("Owner and Admin by Bearer token may create; a Member may not (403 Member.Forbidden)", async () => {
    expect((await api("/api/api-keys", { token: owner.token, body: {} })).status).toBe(201);
    expect((await api("/api/api-keys", { token: admin.token, body: {} })).status).toBe(201);
    const before = await keyCount(acme.id);
    const r = await api("/api/api-keys", { token: member.token, body: {} });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("Member.Forbidden");
    expect(r.headers.get("content-type")).toBe("application/problem+json");
    expect(await keyCount(acme.id)).toBe(before);
  });

  it("the browser session cookie works like a Bearer token", async () => {
    const cookie = await signInCookie(admin.email);
    const r = await api("/api/api-keys", { cookie, body: { name: "from the browser" } });
    expect(r.status).toBe(201);
    expect(r.body.clientId).toBe(acme.id);
    const m = await api("/api/api-keys", { cookie: await signInCookie(member.email), body: {} });
    expect(m.status).toBe(403);
  });

  it("the session token itself is accepted as a Bearer token", async () => {
    const cookie = await signInCookie(owner.email);
    const token = cookie.slice("authjs.session-token=".length);
    const me = await api("/api/me", { token });
    expect(me.body).toMatchObject({ type: "user", userId: owner.id, role: "Owner" });
  });

  it("x-dolfin-client-id picks another of the user's Clients: a Sandbox key is dol_test_", async () => {
    const r = await api("/api/api-keys", { token: owner.token, headers: { "x-dolfin-client-id": sandbox.id }, body: {} });
    expect(r.status).toBe(201);
    expect(r.body.clientId).toBe(sandbox.id);
    expect(r.body.rawKey).toMatch(/^dol_test_/);
  });

  it("x-dolfin-client-id naming a Client the user does not belong to is 403, and writes nothing", async () => {
    const other = await makeClient();
    const before = await keyCount(other.id);
    for (const id of [other.id, "not-a-uuid", "00000000-0000-0000-0000-000000000000"]) {
      const r = await api("/api/api-keys", { token: admin.token, headers: { "x-dolfin-client-id": id }, body: {} });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe("Member.Forbidden");
    }
    expect(await keyCount(other.id)).toBe(before);
  });

  it("a user of another Client only ever acts on their own Client", async () => {
    const globex = await makeTenant();
    const r = await api("/api/api-keys", { token: globex.owner.token, body: {} });
    expect(r.body.clientId).toBe(globex.client.id);
    const forged = await api("/api/api-keys", { token: globex.owner.token, headers: { "x-dolfin-client-id": acme.id }, body: {} });
    expect(forged.status).toBe(403);
  });

  it("roles are read from the database on every request: a demotion takes effect at once", async () => {
    const c = await makeClient();
    const u = await makeUser([[c, "Admin"]]);
    expect((await api("/api/api-keys", { token: u.token, body: {} })).status).toBe(201);
    await db.clientMember.update({ where: { clientId_userId: { clientId: c.id, userId: u.id } }, data: { role: "Member" } });
    expect((await api("/api/api-keys", { token: u.token, body: {} })).status).toBe(403);
    await db.clientMember.delete({ where: { clientId_userId: { clientId: c.id, userId: u.id } } });
    const gone = await api("/api/api-keys", { token: u.token, body: {} });
    expect(gone.status).toBe(403);
    expect(gone.body.code).toBe("Member.Forbidden");
  });

  it("no credentials: 401 with WWW-Authenticate", async () => {
    const r = await api("/api/api-keys", { body: {} });
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toMatch(/Bearer/);
    expect(r.body.code).toBe("Auth.Unauthenticated");
  });

  it("a Bearer token that is not ours, tampered or malformed is 401", async () => {
    for (const token of ["nonsense", owner.token.slice(0, -4) + "AAAA", "a.b.c.d.e"]) {
      const r = await api("/api/me", { token });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe("Auth.InvalidToken");
    }
    const basic = await api("/api/me", { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(basic.status).toBe(401);
  });

  it("when a request carries both, the API key wins", async () => {
    const globex = await makeTenant();
    const me = await api("/api/me", { apiKey: globex.key.rawKey, token: owner.token });
    expect(me.body).toMatchObject({ type: "apiKey", clientId: globex.client.id });
    const bad = await api("/api/me", { apiKey: "dol_live_nope", token: owner.token });
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe("ApiKey.Invalid");
  });
});

describe("dead keys: unknown, expired and revoked look the same (401 ApiKey.Invalid)", () => {
  it("gives one body for all three, and the key cannot create", async () => {
    const expired = await createKey({ apiKey: acmeKey });
    await db.apiKey.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const revoked = await createKey({ apiKey: acmeKey });
    await db.apiKey.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
    const unknown = "dol_live_" + "A".repeat(43);
    const garbage = "hello";
    const bodies = [];
    for (const k of [expired.rawKey, revoked.rawKey, unknown, garbage, ""]) {
      const r = await api("/api/api-keys", { apiKey: k, body: {} });
      expect(r.status).toBe(401);
      const { traceId, ...rest } = r.body;
      expect(traceId).toBeTruthy();
      bodies.push(rest);
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(bodies[0].code).toBe("ApiKey.Invalid");
  });

  it("a key whose expiry is exactly now is already dead", async () => {
    const k = await createKey({ apiKey: acmeKey });
    await db.apiKey.update({ where: { id: k.id }, data: { expiresAt: new Date() } });
    expect((await api("/api/me", { apiKey: k.rawKey })).status).toBe(401);
  });
});

describe("bad input: a precise problem, and nothing written", () => {
  const cases: [string, { body?: unknown; rawBody?: string; headers?: Record<string, string> }, number, string][] = [
    ["expiry in the past", { body: { expiresAt: "2020-01-01T00:00:00Z" } }, 400, "ApiKey.ExpiresAtInPast"],
    ["expiry one second ago", { body: { expiresAt: new Date(Date.now() - 1000).toISOString() } }, 400, "ApiKey.ExpiresAtInPast"],
    ["expiry without offset", { body: { expiresAt: "2099-01-01T00:00:00" } }, 400, "Request.Invalid"],
    ["expiry as a date only", { body: { expiresAt: "2099-01-01" } }, 400, "Request.Invalid"],
    ["expiry that is no date", { body: { expiresAt: "2099-02-30T00:00:00Z" } }, 400, "Request.Invalid"],
    ["expiry as a number", { body: { expiresAt: 4102444800 } }, 400, "Request.Invalid"],
    ["name too long", { body: { name: "x".repeat(101) } }, 400, "Request.Invalid"],
    ["name as a number", { body: { name: 42 } }, 400, "Request.Invalid"],
    ["name with a NUL byte", { body: { name: "a\u0000b" } }, 400, "Request.Invalid"],
    ["name with a lone surrogate", { rawBody: '{"name":"\\ud800"}', headers: { "content-type": "application/json" } }, 400, "Request.Invalid"],
    ["an unknown field (clientId)", { body: { clientId: "00000000-0000-0000-0000-000000000000" } }, 400, "Request.Invalid"],
    ["an array body", { body: [] }, 400, "Request.Invalid"],
    ["a null body", { body: null }, 400, "Request.Invalid"],
    ["a string body", { body: "hello" }, 400, "Request.Invalid"],
    ["malformed JSON", { rawBody: '{"name": ', headers: { "content-type": "application/json" } }, 400, "Request.MalformedJson"],
    ["invalid UTF-8", { rawBody: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]) as unknown as string, headers: { "content-type": "application/json" } }, 400, "Request.MalformedJson"],
    ["an empty body", { rawBody: "", headers: { "content-type": "application/json" } }, 400, "Request.Invalid"],
    ["text/plain", { rawBody: "{}", headers: { "content-type": "text/plain" } }, 415, "Request.UnsupportedMediaType"],
    ["form encoding", { rawBody: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } }, 415, "Request.UnsupportedMediaType"],
    ["a body over 16 KiB", { body: { name: "x".repeat(17 * 1024) } }, 413, "Request.TooLarge"],
  ];

  for (const [label, req, status, code] of cases) {
    it(`${label} → ${status} ${code}`, async () => {
      const before = await keyCount(acme.id);
      const r = await api("/api/api-keys", { apiKey: acmeKey, method: "POST", ...req });
      expect(r.status).toBe(status);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      expect(r.body).toMatchObject({ status, code, instance: "/api/api-keys" });
      for (const f of ["type", "title", "detail", "traceId"]) expect(typeof r.body[f]).toBe("string");
      expect(r.body.traceId).toBe(r.headers.get("x-request-id"));
      expect(await keyCount(acme.id)).toBe(before);
    });
  }

  it("field errors name the field: { errors: { field: [messages] } }", async () => {
    const r = await api("/api/api-keys", { apiKey: acmeKey, body: { name: 1, expiresAt: "soon", clientId: "x" } });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.errors).sort()).toEqual(["clientId", "expiresAt", "name"]);
    for (const msgs of Object.values(r.body.errors)) expect((msgs as string[]).length).toBeGreaterThan(0);
  });

  it("a chunked body over 16 KiB without Content-Length is refused too", async () => {
    const big = "x".repeat(20 * 1024);
    const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(`{"name":"${big}"}`)); c.close(); } });
    const r = await fetch(`${process.env.TEST_BASE_URL}/api/api-keys`, {
      method: "POST",
      headers: { "x-dolfin-api-key": acmeKey, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(r.status).toBe(413);
  });

  it("an unsupported method is 405 problem details", async () => {
    const r = await api("/api/api-keys", { apiKey: acmeKey, method: "DELETE" });
    expect(r.status).toBe(405);
  });
});

describe("found by fuzzing", () => {
  it("an unknown field named __proto__ is a 400 with field errors, not a 500", async () => {
    const r = await api("/api/api-keys/leaks", { rawBody: '{"__proto__": {"a": 1}, "keys": ["x"]}', headers: { "content-type": "application/json" }, method: "POST" });
    expect(r.status).toBe(400);
    expect(r.body.errors).toHaveProperty("__proto__");
    const c = await api("/api/api-keys", { rawBody: '{"constructor": 1}', headers: { "content-type": "application/json", "x-dolfin-api-key": "dol_live_x" }, method: "POST" });
    expect(c.status).toBe(401);
  });
});
