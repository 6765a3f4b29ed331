// Restricted keys: scopes and IP allowlists, enforced on our routes and by the
// verify API alike, with no way for a key or a person to escalate.
import { afterAll, describe, expect, it } from "vitest";
import { startServer } from "../scripts/lib/stack";
import { api, createKey, db, inFuture, makeClient, makeTenant, makeUser } from "./helpers";

afterAll(() => db.$disconnect());

const SERVICE = { "x-dolfin-service-token": process.env.TEST_SERVICE_TOKEN! };
const verify = (body: unknown) => api("/api/api-keys/verify", { body, headers: SERVICE });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const from = (ip: string) => ({ "x-forwarded-for": ip });

type Created = Awaited<ReturnType<typeof createKey>> & { scopes: string[] | null; allowedIps: string[] };
const make = async (auth: Parameters<typeof createKey>[0], body: Record<string, unknown>) => (await createKey(auth, body)) as Created;

describe("the model", () => {
  it("keys made without scopes have full access from anywhere; scopes and CIDRs are stored canonical and returned everywhere", async () => {
    const t = await makeTenant();
    const full = (await api(`/api/api-keys/${t.key.id}`, { token: t.owner.token })).body;
    expect(full).toMatchObject({ scopes: null, allowedIps: [], refusals: { ip: 0, scope: 0 } });

    const k = await make(
      { token: t.owner.token },
      { scopes: ["customers:read", "invoices:write", "apiKeys:read"], allowedIps: ["203.0.113.77/24", " 2001:DB8:0:0::1 ", "::ffff:198.51.100.4", "10.1.2.3/8"] },
    );
    // Catalogue order; network addresses; single addresses as /32 and /128; IPv4-mapped IPv6 as IPv4.
    expect(k.scopes).toEqual(["invoices:write", "customers:read", "apiKeys:read"]);
    expect(k.allowedIps).toEqual(["203.0.113.0/24", "2001:db8::1/128", "198.51.100.4/32", "10.0.0.0/8"]);
    const got = (await api(`/api/api-keys/${k.id}`, { token: t.owner.token })).body;
    expect({ scopes: got.scopes, allowedIps: got.allowedIps }).toEqual({ scopes: k.scopes, allowedIps: k.allowedIps });
    const listed = (await api("/api/api-keys", { token: t.owner.token })).body.data.find((x: { id: string }) => x.id === k.id);
    expect(listed.scopes).toEqual(k.scopes);
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: k.id } });
    expect(row).toMatchObject({ fullAccess: false, scopes: k.scopes, allowedIps: k.allowedIps });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { targetId: k.id, action: "apiKey.created" } });
    expect(audit.metadata).toMatchObject({ scopes: k.scopes, allowedIps: k.allowedIps });

    // An empty list is a key that can do nothing but prove who it is.
    const none = await make({ token: t.owner.token }, { scopes: [] });
    expect(none.scopes).toEqual([]);
    expect((await api("/api/me", { apiKey: none.rawKey })).status).toBe(200);
    expect((await api("/api/api-keys", { apiKey: none.rawKey })).status).toBe(403);
  });

  it("bad scopes and allowlists are 400 Request.Invalid naming the entry, and nothing is created", async () => {
    const t = await makeTenant();
    const before = await db.apiKey.count({ where: { clientId: t.client.id } });
    const cases: [unknown, string, RegExp][] = [
      [{ scopes: ["invoices:read", "wizards:read"] }, "scopes.1", /not a Dolfin resource/],
      [{ scopes: ["Invoices:READ"] }, "scopes.0", /not a scope/],
      [{ scopes: ["invoices:read", "invoices:read"] }, "scopes.1", /twice/],
      [{ scopes: ["invoices:write", "invoices:read"] }, "scopes.1", /same resource/],
      [{ scopes: "invoices:read" }, "scopes", /array/],
      [{ scopes: [42] }, "scopes.0", /string/],
      [{ scopes: Array.from({ length: 51 }, () => "invoices:read") }, "scopes", /At most 50/],
      [{ allowedIps: ["10.0.0.0/33"] }, "allowedIps.0", /not an IP address or CIDR/],
      [{ allowedIps: ["203.0.113.1", "example.com"] }, "allowedIps.1", /not an IP address or CIDR/],
      [{ allowedIps: ["127.1"] }, "allowedIps.0", /not an IP address or CIDR/],
      [{ allowedIps: ["10.0.0.1/8", "10.9.9.9/8"] }, "allowedIps.1", /twice/],
      [{ allowedIps: ["2001:db8::/129"] }, "allowedIps.0", /not an IP address or CIDR/],
      [{ allowedIps: Array.from({ length: 51 }, (_, i) => `10.0.0.${i}`) }, "allowedIps", /At most 50/],
      [{ allowedIps: null }, "allowedIps", /array/],
    ];
    for (const [body, field, message] of cases) {
      const r = await api("/api/api-keys", { token: t.owner.token, body });
      expect({ body, status: r.status, code: r.body.code }).toEqual({ body, status: 400, code: "Request.Invalid" });
      expect({ body, messages: r.body.errors[field] }).toEqual({ body, messages: [expect.stringMatching(message)] });
    }
    expect(await db.apiKey.count({ where: { clientId: t.client.id } })).toBe(before);
  });
});

describe("enforcement on our routes", () => {
  it("each route needs its scope: apiKeys:read for list/get/history, apiKeys:write for create/update/revoke/rotate; the 403 names the scope", async () => {
    const t = await makeTenant();
    const reader = await make({ token: t.owner.token }, { scopes: ["apiKeys:read"] });
    const writer = await make({ token: t.owner.token }, { scopes: ["apiKeys:write"] });
    const other = await make({ token: t.owner.token }, { scopes: ["invoices:write", "bills:read"] });
    // A key the writer could have made itself (a full-access one it could not rotate: see "no escalation").
    const target = await make({ token: t.owner.token }, { scopes: ["apiKeys:read"] });

    const reads = [`/api/api-keys`, `/api/api-keys/${target.id}`, `/api/audit-events`, `/api/audit-events?TargetId=${target.id}`, "/api/key-policy"];
    for (const path of reads) {
      expect({ path, s: (await api(path, { apiKey: reader.rawKey })).status }).toEqual({ path, s: 200 });
      expect({ path, s: (await api(path, { apiKey: writer.rawKey })).status }).toEqual({ path, s: 200 }); // write includes read
      const r = await api(path, { apiKey: other.rawKey });
      expect({ path, s: r.status, code: r.body.code }).toEqual({ path, s: 403, code: "ApiKey.InsufficientScope" });
      expect(r.body.detail).toContain("apiKeys:read");
    }
    const writes: [string, string, unknown][] = [
      ["POST", "/api/api-keys", {}],
      ["PATCH", `/api/api-keys/${target.id}`, { name: "renamed" }],
      ["POST", `/api/api-keys/${target.id}/rotate`, {}],
      ["POST", `/api/api-keys/${target.id}/revoke`, undefined],
    ];
    for (const [method, path, body] of writes) {
      for (const k of [reader, other]) {
        const r = await api(path, { method, apiKey: k.rawKey, body });
        expect({ path, s: r.status, code: r.body.code }).toEqual({ path, s: 403, code: "ApiKey.InsufficientScope" });
        expect(r.body.detail).toContain("apiKeys:write");
      }
    }
    // Nothing was changed by the refused writes...
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: target.id } });
    expect(row).toMatchObject({ name: null, revokedAt: null });
    // ...and the key with apiKeys:write can do each of them.
    expect((await api(`/api/api-keys/${target.id}`, { method: "PATCH", apiKey: writer.rawKey, body: { name: "renamed" } })).status).toBe(200);
    expect((await api(`/api/api-keys/${target.id}/rotate`, { apiKey: writer.rawKey, body: {} })).status).toBe(201);
    expect((await api(`/api/api-keys/${target.id}/revoke`, { method: "POST", apiKey: writer.rawKey })).status).toBe(204);
    // Whoever they are, keys may always ask who they are; never what only people may do.
    for (const k of [reader, writer, other]) expect((await api("/api/me", { apiKey: k.rawKey })).status).toBe(200);
    const policy = await api("/api/key-policy", { method: "PUT", apiKey: writer.rawKey, body: { keysMustExpire: false, maxKeyLifetimeDays: null, maxActiveKeys: 50 } });
    expect(policy.body.code).toBe("Auth.NotUserScopedToken");
  });

  it("old keys (full access) are unchanged: they still do everything a key could", async () => {
    const t = await makeTenant();
    const made = await make({ apiKey: t.key.rawKey }, { name: "child of a full key" });
    expect(made.scopes).toBeNull();
    expect((await api(`/api/api-keys/${made.id}/rotate`, { apiKey: t.key.rawKey, body: {} })).status).toBe(201);
  });
});

describe("no escalation", () => {
  it("a key cannot give a key more than it holds: scopes, full access, rotation or update of a stronger key", async () => {
    const t = await makeTenant();
    const parent = await make({ token: t.owner.token }, { scopes: ["apiKeys:write", "invoices:read", "bills:write"] });
    const auth = { apiKey: parent.rawKey };

    const beyond = await api("/api/api-keys", { ...auth, body: { scopes: ["invoices:write", "bills:read", "customers:read"] } });
    expect(beyond.status).toBe(403);
    expect(beyond.body.code).toBe("ApiKey.ScopeEscalation");
    expect(beyond.body.detail).toContain("invoices:write, customers:read");
    expect(beyond.body.detail).not.toContain("bills:read");
    const full = await api("/api/api-keys", { ...auth, body: { name: "master" } });
    expect(full.body.code).toBe("ApiKey.ScopeEscalation");
    expect(full.body.detail).toMatch(/Full access/);

    // Within its own: fine (bills:read is inside bills:write).
    const child = await make(auth, { scopes: ["invoices:read", "bills:read"] });
    expect(child.scopes).toEqual(["invoices:read", "bills:read"]);

    // A stronger key can be neither rotated (its replacement would be full access) nor have its access changed.
    const rotate = await api(`/api/api-keys/${t.key.id}/rotate`, { ...auth, body: {} });
    expect(rotate.body.code).toBe("ApiKey.ScopeEscalation");
    const narrow = await api(`/api/api-keys/${t.key.id}`, { method: "PATCH", ...auth, body: { scopes: ["invoices:read"] } });
    expect(narrow.body.code).toBe("ApiKey.ScopeEscalation");
    const widen = await api(`/api/api-keys/${child.id}`, { method: "PATCH", ...auth, body: { scopes: ["invoices:write"] } });
    expect(widen.body.code).toBe("ApiKey.ScopeEscalation");
    const itself = await api(`/api/api-keys/${parent.id}`, { method: "PATCH", ...auth, body: { scopes: null } });
    expect(itself.body.code).toBe("ApiKey.ScopeEscalation");
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: t.key.id } })).fullAccess).toBe(true);
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: parent.id } })).scopes).toEqual(["invoices:read", "bills:write", "apiKeys:write"]);
    // Narrowing a key it could have made is fine, and rotating one too.
    expect((await api(`/api/api-keys/${child.id}`, { method: "PATCH", ...auth, body: { scopes: ["bills:read"] } })).body.scopes).toEqual(["bills:read"]);
    const rotated = await api(`/api/api-keys/${child.id}/rotate`, { ...auth, body: {} });
    expect(rotated.status).toBe(201);
    expect(rotated.body.scopes).toEqual(["bills:read"]);
  });

  it("a key with an allowlist can only make keys inside it, and none that outlive it", async () => {
    const t = await makeTenant();
    const parent = await make({ token: t.owner.token }, { scopes: ["apiKeys:write"], allowedIps: ["10.0.0.0/8", "2001:db8::/32"], expiresAt: inFuture(10) });
    const auth = { apiKey: parent.rawKey, headers: from("10.20.30.40") };
    const refused = async (body: object, text: RegExp) => {
      const r = await api("/api/api-keys", { ...auth, body: { expiresAt: inFuture(5), ...body } });
      expect({ body, status: r.status, code: r.body.code }).toEqual({ body, status: 403, code: "ApiKey.ScopeEscalation" });
      expect(r.body.detail).toMatch(text);
    };
    await refused({ scopes: ["apiKeys:read"] }, /any address/); // no list: anywhere
    await refused({ scopes: ["apiKeys:read"], allowedIps: ["10.1.0.0/16", "11.0.0.0/8"] }, /11\.0\.0\.0\/8/);
    await refused({ scopes: ["apiKeys:read"], allowedIps: ["0.0.0.0/0"] }, /0\.0\.0\.0\/0/);
    await refused({ scopes: ["apiKeys:read"], allowedIps: ["2001:db8::/16"] }, /2001::\/16/); // named in canonical form
    await refused({ scopes: ["apiKeys:read"], allowedIps: ["10.1.0.0/16"], expiresAt: inFuture(11) }, /outlive/);
    await refused({ scopes: ["apiKeys:read"], allowedIps: ["10.1.0.0/16"], expiresAt: null }, /outlive/);
    const ok = await api("/api/api-keys", { ...auth, body: { scopes: ["apiKeys:read"], allowedIps: ["10.1.0.0/16", "10.9.9.9", "2001:db8:1::/48"], expiresAt: inFuture(5) } });
    expect(ok.status).toBe(201);
  });

  it("people: Admins and Owners hold every scope (full access is theirs to give); Members may not manage keys", async () => {
    const client = await makeClient();
    const admin = await makeUser([[client, "Admin"]]);
    const member = await makeUser([[client, "Member"]]);
    expect((await make({ token: admin.token }, {})).scopes).toBeNull();
    expect((await make({ token: admin.token }, { scopes: ["clients:write", "members:write"] })).scopes).toEqual(["clients:write", "members:write"]);
    const m = await api("/api/api-keys", { token: member.token, body: { scopes: ["invoices:read"] } });
    expect(m.body.code).toBe("Member.Forbidden");
  });
});

describe("IP allowlists", () => {
  it("allow and deny for IPv4, IPv6 and IPv4-mapped addresses, through a trusted proxy (the shared server trusts loopback)", async () => {
    const t = await makeTenant();
    const k = await make({ token: t.owner.token }, { allowedIps: ["203.0.113.0/24", "2001:db8::/32"] });
    const status = async (ip: string) => (await api("/api/me", { apiKey: k.rawKey, headers: from(ip) })).status;
    expect(await status("203.0.113.200")).toBe(200);
    expect(await status("::ffff:203.0.113.5")).toBe(200);
    expect(await status("2001:db8:ffff::1")).toBe(200);
    const denied = await api("/api/me", { apiKey: k.rawKey, headers: from("198.51.100.7") });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe("ApiKey.IpNotAllowed");
    expect(denied.text).not.toContain("203.0.113"); // the detail never echoes the list
    expect(await status("2001:db9::1")).toBe(403);
    expect(await status("::ffff:198.51.100.7")).toBe(403);
    // With no forwarded address, the proxy itself (loopback) is the client: not on the list.
    expect((await api("/api/me", { apiKey: k.rawKey })).status).toBe(403);
    // The refusals are counted per key and shown with it (flushed every few seconds).
    let refusals = { ip: 0, scope: 0 };
    for (let i = 0; i < 60 && refusals.ip < 4; i++) {
      await sleep(100);
      refusals = (await api(`/api/api-keys/${k.id}`, { token: t.owner.token })).body.refusals;
    }
    expect(refusals).toEqual({ ip: 4, scope: 0, rateLimited: 0, quotaExceeded: 0 });
  });

  it("directly (no trusted proxy): the socket address decides, whatever X-Forwarded-For claims", async () => {
    const t = await makeTenant();
    const local = await make({ token: t.owner.token }, { allowedIps: ["127.0.0.0/8", "::1"] });
    const remote = await make({ token: t.owner.token }, { allowedIps: ["203.0.113.0/24"] });
    const server = await startServer({ databaseUrl: process.env.TEST_DATABASE_URL!, authSecret: process.env.TEST_AUTH_SECRET! });
    try {
      const me = (key: string, headers: Record<string, string> = {}) => fetch(`${server.url}/api/me`, { headers: { "x-dolfin-api-key": key, ...headers } });
      expect((await me(local.rawKey)).status).toBe(200);
      expect((await me(local.rawKey, from("203.0.113.9"))).status).toBe(200);
      const spoofed = await me(remote.rawKey, from("203.0.113.9"));
      expect(spoofed.status).toBe(403);
      expect((await spoofed.json()).code).toBe("ApiKey.IpNotAllowed");
    } finally {
      await server.stop();
    }
  }, 120_000);
});

describe("the verify API decides scopes and allowlists for every service", () => {
  it("permission and ip: InsufficientScope, IpNotAllowed (also when no ip is given), and the scopes of a valid key", async () => {
    const t = await makeTenant();
    const k = await make({ token: t.owner.token }, { scopes: ["invoices:write", "customers:read"], allowedIps: ["198.51.100.0/24", "2001:db8::/32"] });
    const ok = await verify({ key: k.rawKey, ip: "198.51.100.3", permission: "invoices:read" });
    expect(ok.body).toMatchObject({ valid: true, keyId: k.id, scopes: ["invoices:write", "customers:read"] });
    expect((await verify({ key: k.rawKey, ip: "2001:db8::5", permission: "invoices:write" })).body.valid).toBe(true);
    expect((await verify({ key: k.rawKey, ip: "::ffff:198.51.100.3", permission: "customers:read" })).body.valid).toBe(true);
    expect((await verify({ key: k.rawKey, ip: "198.51.100.3", permission: "customers:write" })).body).toEqual({ valid: false, code: "ApiKey.InsufficientScope" });
    expect((await verify({ key: k.rawKey, ip: "198.51.100.3", permission: "bills:read" })).body).toEqual({ valid: false, code: "ApiKey.InsufficientScope" });
    expect((await verify({ key: k.rawKey, ip: "192.0.2.1", permission: "invoices:read" })).body).toEqual({ valid: false, code: "ApiKey.IpNotAllowed" });
    expect((await verify({ key: k.rawKey, permission: "invoices:read" })).body).toEqual({ valid: false, code: "ApiKey.IpNotAllowed" });
    expect((await verify({ key: k.rawKey, ip: null })).body).toEqual({ valid: false, code: "ApiKey.IpNotAllowed" });
    // The allowlist is checked first: an outside address learns nothing about the key's scopes.
    expect((await verify({ key: k.rawKey, ip: "192.0.2.1", permission: "bills:write" })).body.code).toBe("ApiKey.IpNotAllowed");
    // A full-access key answers scopes: null and passes any permission.
    const full = await verify({ key: t.key.rawKey, permission: "agent:write" });
    expect(full.body).toMatchObject({ valid: true, scopes: null });
  });
});

describe("changing access", () => {
  it("PATCH changes scopes and allowlist, audited with before and after, and felt at once", async () => {
    const t = await makeTenant();
    const k = await make({ token: t.owner.token }, { scopes: ["apiKeys:read"] });
    expect((await api("/api/api-keys", { apiKey: k.rawKey })).status).toBe(200); // cached now
    const r = await api(`/api/api-keys/${k.id}`, { method: "PATCH", token: t.owner.token, body: { scopes: ["invoices:read"], allowedIps: ["192.0.2.0/24"] } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ scopes: ["invoices:read"], allowedIps: ["192.0.2.0/24"], name: null });
    expect((await api("/api/api-keys", { apiKey: k.rawKey, headers: from("192.0.2.1") })).body.code).toBe("ApiKey.InsufficientScope");
    expect((await api("/api/me", { apiKey: k.rawKey, headers: from("192.0.3.1") })).body.code).toBe("ApiKey.IpNotAllowed");
    const audit = await db.auditEvent.findFirstOrThrow({ where: { targetId: k.id, action: "apiKey.accessChanged" } });
    expect(audit.metadata).toMatchObject({
      before: { scopes: ["apiKeys:read"], allowedIps: [] },
      after: { scopes: ["invoices:read"], allowedIps: ["192.0.2.0/24"] },
    });
    // Back to full access from anywhere; a PATCH that changes nothing records nothing.
    expect((await api(`/api/api-keys/${k.id}`, { method: "PATCH", token: t.owner.token, body: { scopes: null, allowedIps: [] } })).body.scopes).toBeNull();
    expect((await api("/api/api-keys", { apiKey: k.rawKey })).status).toBe(200);
    await api(`/api/api-keys/${k.id}`, { method: "PATCH", token: t.owner.token, body: { scopes: null } });
    expect(await db.auditEvent.count({ where: { targetId: k.id, action: "apiKey.accessChanged" } })).toBe(2);
    // An empty PATCH is a 400, not a silent no-op.
    expect((await api(`/api/api-keys/${k.id}`, { method: "PATCH", token: t.owner.token, body: {} })).status).toBe(400);
  });

  it("rotation carries scopes and allowlist over to the new key", async () => {
    const t = await makeTenant();
    const k = await make({ token: t.owner.token }, { scopes: ["bills:write"], allowedIps: ["192.0.2.0/24"] });
    const r = await api(`/api/api-keys/${k.id}/rotate`, { token: t.owner.token, body: {} });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ scopes: ["bills:write"], allowedIps: ["192.0.2.0/24"] });
    expect(await db.apiKey.findUniqueOrThrow({ where: { id: r.body.id } })).toMatchObject({ fullAccess: false, scopes: ["bills:write"] });
  });
});
