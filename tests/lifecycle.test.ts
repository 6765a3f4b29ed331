// Rotation with a grace period, Client key policy, last use, audit trail,
// failed-auth counting and leak reports.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey } from "@/lib/api-keys/key-format";
import { api, createKey, db, inFuture, makeClient, makeTenant, makeUser, type Tenant, type TestUser } from "./helpers";

afterAll(() => db.$disconnect());

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("rotate", () => {
  let t: Awaited<ReturnType<typeof makeTenant>>;
  let member: TestUser;
  beforeAll(async () => {
    t = await makeTenant();
    member = await makeUser([[t.client, "Member"]]);
  });

  it("default grace: a new key like create, the old one works for 24 hours more, both linked", async () => {
    const old = await createKey({ token: t.owner.token }, { name: "Rotating", expiresAt: inFuture(30) });
    const r = await api(`/api/api-keys/${old.id}/rotate`, { token: t.owner.token, method: "POST" });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body).sort()).toEqual(["allowedIps", "clientId", "createdAt", "expiresAt", "id", "keyPrefix", "name", "quota", "rateLimit", "rawKey", "scopes"]);
    expect(r.headers.get("location")).toBe(`/api/api-keys/${r.body.id}`);
    expect(r.body.name).toBe("Rotating");
    // Same lifetime, counted from now.
    expect(Math.abs(new Date(r.body.expiresAt).getTime() - (Date.now() + 30 * 86_400_000))).toBeLessThan(60_000);
    expect((await api("/api/me", { apiKey: r.body.rawKey })).status).toBe(200);
    expect((await api("/api/me", { apiKey: old.rawKey })).status).toBe(200);
    const oldView = await api(`/api/api-keys/${old.id}`, { token: t.owner.token });
    expect(Math.abs(new Date(oldView.body.expiresAt).getTime() - (Date.now() + 86_400_000))).toBeLessThan(60_000);
    expect(oldView.body.rotatedToId).toBe(r.body.id);
    const newView = await api(`/api/api-keys/${r.body.id}`, { token: t.owner.token });
    expect(newView.body.rotatedFromId).toBe(old.id);
    const actions = (await db.auditEvent.findMany({ where: { targetId: { in: [old.id, r.body.id] } }, orderBy: { createdAt: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["apiKey.created", "apiKey.rotated", "apiKey.created"]);
  });

  it("after the grace window the old key stops working", async () => {
    const old = await createKey({ token: t.owner.token });
    const r = await api(`/api/api-keys/${old.id}/rotate`, { token: t.owner.token, body: { gracePeriodSeconds: 3600 } });
    expect(r.status).toBe(201);
    expect((await api("/api/me", { apiKey: old.rawKey })).status).toBe(200);
    // Move the end of the grace window into the past, as if the hour had gone by
    // (a change behind the app's back is seen once the verify cache's sub-second TTL passes).
    await db.apiKey.update({ where: { id: old.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    await new Promise((r) => setTimeout(r, 800));
    expect((await api("/api/me", { apiKey: old.rawKey })).status).toBe(401);
    expect((await api("/api/me", { apiKey: r.body.rawKey })).status).toBe(200);
  });

  it("grace 0 retires the old key at once; a key that never expired gets a new key that never expires", async () => {
    const old = await createKey({ token: t.owner.token }, { name: null });
    const r = await api(`/api/api-keys/${old.id}/rotate`, { apiKey: t.key.rawKey, body: { gracePeriodSeconds: 0 } });
    expect(r.status).toBe(201);
    expect(r.body.expiresAt).toBeNull();
    expect((await api("/api/me", { apiKey: old.rawKey })).status).toBe(401);
  });

  it("never extends the old key: one expiring sooner than the grace keeps its expiry", async () => {
    const soon = new Date(Date.now() + 600_000).toISOString();
    const old = await createKey({ token: t.owner.token }, { expiresAt: soon });
    await api(`/api/api-keys/${old.id}/rotate`, { token: t.owner.token, body: { gracePeriodSeconds: 604800 } });
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: old.id } });
    expect(row.expiresAt!.toISOString()).toBe(new Date(soon).toISOString());
  });

  it("an explicit expiresAt for the new key is honoured", async () => {
    const old = await createKey({ token: t.owner.token });
    const expiresAt = inFuture(5);
    const r = await api(`/api/api-keys/${old.id}/rotate`, { token: t.owner.token, body: { expiresAt } });
    expect(r.body.expiresAt).toBe(new Date(expiresAt).toISOString());
  });

  it("refuses dead keys (409 ApiKey.NotActive), a second rotation, bad grace values, Members and other Clients", async () => {
    const revoked = await createKey({ token: t.owner.token });
    await api(`/api/api-keys/${revoked.id}/revoke`, { token: t.owner.token, method: "POST" });
    expect((await api(`/api/api-keys/${revoked.id}/rotate`, { token: t.owner.token, method: "POST" })).body.code).toBe("ApiKey.NotActive");
    const expired = await createKey({ token: t.owner.token });
    await db.apiKey.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const e = await api(`/api/api-keys/${expired.id}/rotate`, { token: t.owner.token, method: "POST" });
    expect([e.status, e.body.code]).toEqual([409, "ApiKey.NotActive"]);
    const once = await createKey({ token: t.owner.token });
    expect((await api(`/api/api-keys/${once.id}/rotate`, { token: t.owner.token, method: "POST" })).status).toBe(201);
    expect((await api(`/api/api-keys/${once.id}/rotate`, { token: t.owner.token, method: "POST" })).status).toBe(409);

    const k = await createKey({ token: t.owner.token });
    for (const body of [{ gracePeriodSeconds: 100 }, { gracePeriodSeconds: "3600" }, { grace: 0 }, { expiresAt: "2020-01-01T00:00:00Z" }]) {
      const r = await api(`/api/api-keys/${k.id}/rotate`, { token: t.owner.token, body });
      expect(r.status).toBe(400);
    }
    expect((await api(`/api/api-keys/${k.id}/rotate`, { token: member.token, method: "POST" })).status).toBe(403);
    const other = await makeTenant();
    const foreign = await api(`/api/api-keys/${k.id}/rotate`, { apiKey: other.key.rawKey, method: "POST" });
    expect([foreign.status, foreign.body.code]).toEqual([404, "ApiKey.NotFound"]);
    expect(await db.apiKey.count({ where: { rotatedFromId: k.id } })).toBe(0);
  });
});

describe("Client key policy", () => {
  let c: Tenant;
  let owner: TestUser;
  let admin: TestUser;
  beforeAll(async () => {
    c = await makeClient();
    owner = await makeUser([[c, "Owner"]]);
    admin = await makeUser([[c, "Admin"]]);
  });
  const put = (body: unknown, auth: { token?: string; apiKey?: string }) => api("/api/key-policy", { ...auth, method: "PUT", body });

  it("only an Owner may change it; anyone in the Client may read it; the change is audited", async () => {
    const policy = { keysMustExpire: true, maxKeyLifetimeDays: 90, maxActiveKeys: 50 };
    expect((await put(policy, { token: admin.token })).status).toBe(403);
    const key = await createKey({ token: admin.token }, { expiresAt: inFuture(1) });
    const byKey = await put(policy, { apiKey: key.rawKey });
    expect([byKey.status, byKey.body.code]).toEqual([403, "Auth.NotUserScopedToken"]);
    const r = await put(policy, { token: owner.token });
    expect(r.status).toBe(200);
    // The answer also says how many keys count against the cap now: the admin's one key.
    expect(r.body).toEqual({ ...policy, requireTwoFactor: false, keyApproval: "none", rateLimitFailMode: "open", activeKeys: 1 });
    expect((await api("/api/key-policy", { token: admin.token })).body).toEqual({ ...policy, requireTwoFactor: false, keyApproval: "none", rateLimitFailMode: "open", activeKeys: 1 });
    const ev = await db.auditEvent.findFirstOrThrow({ where: { clientId: c.id, action: "client.policyChanged" } });
    expect(ev.metadata).toMatchObject({ after: policy });
    await put({ keysMustExpire: false, maxKeyLifetimeDays: null, maxActiveKeys: 100 }, { token: owner.token });
  });

  it("rejects bad policies", async () => {
    for (const body of [{}, { keysMustExpire: "yes", maxKeyLifetimeDays: null, maxActiveKeys: 1 }, { keysMustExpire: true, maxKeyLifetimeDays: 0, maxActiveKeys: 1 }, { keysMustExpire: true, maxKeyLifetimeDays: null, maxActiveKeys: 0 }, { keysMustExpire: true, maxKeyLifetimeDays: 1.5, maxActiveKeys: 5 }]) {
      const r = await put(body, { token: owner.token });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe("Request.Invalid");
    }
  });

  it("keys must expire: 400 ApiKey.ExpiryRequired; max lifetime: 400 ApiKey.ExpiresAtBeyondPolicy", async () => {
    const p = await makeClient("Live", { keysMustExpire: true, maxKeyLifetimeDays: 30 });
    const o = await makeUser([[p, "Owner"]]);
    const none = await api("/api/api-keys", { token: o.token, body: {} });
    expect([none.status, none.body.code]).toEqual([400, "ApiKey.ExpiryRequired"]);
    const far = await api("/api/api-keys", { token: o.token, body: { expiresAt: inFuture(31) } });
    expect([far.status, far.body.code]).toEqual([400, "ApiKey.ExpiresAtBeyondPolicy"]);
    expect(far.body.errors.expiresAt).toBeTruthy();
    const ok = await api("/api/api-keys", { token: o.token, body: { expiresAt: inFuture(29) } });
    expect(ok.status).toBe(201);
    // Rotation is held to the policy too.
    const rot = await api(`/api/api-keys/${ok.body.id}/rotate`, { token: o.token, body: { expiresAt: inFuture(40) } });
    expect(rot.body.code).toBe("ApiKey.ExpiresAtBeyondPolicy");
    const capOnly = await makeClient("Live", { maxKeyLifetimeDays: 7 });
    const o2 = await makeUser([[capOnly, "Owner"]]);
    expect((await api("/api/api-keys", { token: o2.token, body: {} })).body.code).toBe("ApiKey.ExpiresAtBeyondPolicy");
  });

  it("the active-key cap: 409 ApiKey.LimitReached; revoked and expired keys do not count; rotation needs no free slot", async () => {
    const p = await makeClient("Live", { maxActiveKeys: 2 });
    const o = await makeUser([[p, "Owner"]]);
    const a = await createKey({ token: o.token });
    const b = await createKey({ token: o.token });
    const over = await api("/api/api-keys", { token: o.token, body: {} });
    expect([over.status, over.body.code]).toEqual([409, "ApiKey.LimitReached"]);
    expect((await api(`/api/api-keys/${a.id}/rotate`, { token: o.token, body: { gracePeriodSeconds: 0 } })).status).toBe(201);
    await api(`/api/api-keys/${b.id}/revoke`, { token: o.token, method: "POST" });
    expect((await api("/api/api-keys", { token: o.token, body: {} })).status).toBe(201);
  });

  it("parallel creates at the cap make exactly the keys that fit, never more", async () => {
    const p = await makeClient("Live", { maxActiveKeys: 8 });
    const o = await makeUser([[p, "Owner"]]);
    for (let i = 0; i < 3; i++) await createKey({ token: o.token });
    const results = await Promise.all(Array.from({ length: 30 }, () => api("/api/api-keys", { token: o.token, body: {} })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(25);
    expect(await db.apiKey.count({ where: { clientId: p.id } })).toBe(8);
    // A refused create leaves nothing behind: no key, no audit event.
    expect(await db.auditEvent.count({ where: { clientId: p.id, action: "apiKey.created" } })).toBe(8);
  });

  it("creates and rotations racing on one Client neither deadlock nor break the cap", async () => {
    const p = await makeClient("Live", { maxActiveKeys: 12 });
    const o = await makeUser([[p, "Owner"]]);
    const seeds = [];
    for (let i = 0; i < 6; i++) seeds.push(await createKey({ token: o.token }));
    const results = await Promise.all([
      ...seeds.map((k) => api(`/api/api-keys/${k.id}/rotate`, { token: o.token, body: { gracePeriodSeconds: 3600 } })),
      ...Array.from({ length: 14 }, () => api("/api/api-keys", { token: o.token, body: {} })),
    ]);
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.slice(0, 6)).toEqual([201, 201, 201, 201, 201, 201]); // rotation never needs a free slot
    const created = statuses.slice(6).filter((s) => s === 201).length;
    expect(created).toBe(6);
    const active = await db.apiKey.count({ where: { clientId: p.id, revokedAt: null, rotatedTo: { is: null } } });
    expect(active).toBe(12);
  });
});

describe("the active-key count behind the cap", () => {
  const exact = (clientId: string) =>
    db.apiKey.count({ where: { clientId, revokedAt: null, rotatedTo: { is: null }, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] } });
  const counter = async (clientId: string) => (await db.client.findUniqueOrThrow({ where: { id: clientId } })).activeKeyCount;

  it("follows creates, revocations, rotations and leak reports, never below the true count", async () => {
    const p = await makeClient("Live", { maxActiveKeys: 50 });
    const o = await makeUser([[p, "Owner"]]);
    const keys = [];
    for (let i = 0; i < 5; i++) keys.push(await createKey({ token: o.token }));
    expect(await counter(p.id)).toBe(5);
    await api(`/api/api-keys/${keys[0].id}/revoke`, { token: o.token, method: "POST" });
    await api(`/api/api-keys/${keys[0].id}/revoke`, { token: o.token, method: "POST" }); // twice: counted once
    expect(await counter(p.id)).toBe(4);
    await api(`/api/api-keys/${keys[1].id}/rotate`, { token: o.token, body: { gracePeriodSeconds: 3600 } });
    expect(await counter(p.id)).toBe(4); // the new key replaces the old
    await api(`/api/api-keys/${keys[1].id}/revoke`, { token: o.token, method: "POST" }); // already replaced
    expect(await counter(p.id)).toBe(4);
    await api("/api/api-keys/leaks", { body: { keys: [keys[2].rawKey] } });
    expect(await counter(p.id)).toBe(4 - 1);
    expect(await counter(p.id)).toBe(await exact(p.id));
    // Written straight to the database, past the app: the triggers still count.
    const raw = generateKey("Live");
    await db.apiKey.create({ data: { clientId: p.id, keyPrefix: raw.keyPrefix, keyHash: raw.keyHash } });
    expect(await counter(p.id)).toBe(await exact(p.id));
  });

  it("keys that expired keep their slot in the count until the cap is reached; then an exact recount frees them", async () => {
    const p = await makeClient("Live", { maxActiveKeys: 3 });
    const o = await makeUser([[p, "Owner"]]);
    const keys = [];
    for (let i = 0; i < 3; i++) keys.push(await createKey({ token: o.token }));
    expect((await api("/api/api-keys", { token: o.token, body: {} })).body.code).toBe("ApiKey.LimitReached");
    await db.apiKey.update({ where: { id: keys[0].id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await counter(p.id)).toBe(3); // an upper bound: expiry is not an event
    // What people are shown is exact.
    expect((await api("/api/key-policy", { token: o.token })).body).toMatchObject({ maxActiveKeys: 3, activeKeys: 2 });
    const r = await api("/api/api-keys", { token: o.token, body: {} });
    expect(r.status).toBe(201);
    expect(await counter(p.id)).toBe(3);
    expect(await exact(p.id)).toBe(3);
    expect((await api("/api/api-keys", { token: o.token, body: {} })).body.code).toBe("ApiKey.LimitReached");
  });

  it("a revocation frees its slot at once", async () => {
    const p = await makeClient("Live", { maxActiveKeys: 2 });
    const o = await makeUser([[p, "Owner"]]);
    const a = await createKey({ token: o.token });
    await createKey({ token: o.token });
    expect((await api("/api/api-keys", { token: o.token, body: {} })).status).toBe(409);
    await api(`/api/api-keys/${a.id}/revoke`, { token: o.token, method: "POST" });
    expect((await api("/api/api-keys", { token: o.token, body: {} })).status).toBe(201);
  });

  it("revocations, rotations, leak reports and creates racing on one Client's keys: no deadlock, no 5xx, the count stays exact", async () => {
    const p = await makeClient("Live", { maxActiveKeys: 100 });
    const o = await makeUser([[p, "Owner"]]);
    const keys = [];
    for (let i = 0; i < 8; i++) keys.push(await createKey({ token: o.token }));
    const results = await Promise.all(
      keys.flatMap((k, i) => [
        api(`/api/api-keys/${k.id}/rotate`, { token: o.token, body: { gracePeriodSeconds: 3600 } }),
        api(`/api/api-keys/${k.id}/revoke`, { token: o.token, method: "POST" }),
        ...(i % 2 ? [api("/api/api-keys/leaks", { body: { keys: [k.rawKey] } })] : []),
        api("/api/api-keys", { token: o.token, body: {} }),
      ]),
    );
    expect(results.map((r) => r.status).filter((s) => s >= 500)).toEqual([]);
    expect(await counter(p.id)).toBe(await exact(p.id));
  });
});

describe("last use", () => {
  it("records when, from where and with what; at most one write a minute", async () => {
    const t = await makeTenant();
    const k = await createKey({ token: t.owner.token });
    await api("/api/me", { apiKey: k.rawKey, headers: { "user-agent": "billing-sync/1.2" } });
    const first = await until(() => db.apiKey.findUniqueOrThrow({ where: { id: k.id } }), (r) => r.lastUsedAt !== null);
    expect(first.lastUsedAt).not.toBeNull();
    expect(first.lastUsedIp).toBe("127.0.0.1");
    expect(first.lastUsedUserAgent).toBe("billing-sync/1.2");
    await api("/api/me", { apiKey: k.rawKey, headers: { "user-agent": "other-agent/9" } });
    await new Promise((r) => setTimeout(r, 500));
    const second = await db.apiKey.findUniqueOrThrow({ where: { id: k.id } });
    expect(second.lastUsedAt!.getTime()).toBe(first.lastUsedAt!.getTime());
    expect(second.lastUsedUserAgent).toBe("billing-sync/1.2");
    const listed = await api(`/api/api-keys/${k.id}`, { token: t.owner.token });
    expect(listed.body).toMatchObject({ lastUsedIp: "127.0.0.1", lastUsedUserAgent: "billing-sync/1.2" });
  });
});

describe("audit trail", () => {
  it("GET /api/audit-events: Admin/Owner, newest first, paged, scoped to the Client", async () => {
    const t = await makeTenant();
    const admin = await makeUser([[t.client, "Admin"]]);
    const member = await makeUser([[t.client, "Member"]]);
    const k = await createKey({ token: admin.token }, { name: "Audited" });
    await api(`/api/api-keys/${k.id}/revoke`, { token: admin.token, method: "POST", headers: { "user-agent": "audit-test" } });
    expect((await api("/api/audit-events", { token: member.token })).status).toBe(403);
    const r = await api("/api/audit-events?Limit=2", { token: admin.token });
    expect(r.status).toBe(200);
    expect(r.body.data.map((e: { action: string }) => e.action)).toEqual(["apiKey.revoked", "apiKey.created"]);
    expect(r.body.data[0]).toMatchObject({ actor: { type: "user", id: admin.id, label: admin.email }, target: { type: "apiKey", id: k.id, label: "Audited" }, userAgent: "audit-test", ip: "127.0.0.1" });
    expect(r.body.hasMore).toBe(true);
    const next = await api(`/api/audit-events?Limit=2&Cursor=${r.body.nextCursor}`, { token: admin.token });
    expect(next.body.data.map((e: { action: string }) => e.action)).toEqual(["apiKey.created"]);
    expect(next.body.hasMore).toBe(false);
    const other = await makeTenant();
    const foreign = await api("/api/audit-events?Limit=100", { apiKey: other.key.rawKey });
    expect(foreign.body.data.every((e: { clientId: string }) => e.clientId === other.client.id)).toBe(true);
    expect((await api(`/api/audit-events?Cursor=${r.body.data[0].id}`, { apiKey: other.key.rawKey })).status).toBe(400);
  });

  it("TargetId narrows the trail to one key's history, paged, and never reaches another Client", async () => {
    const t = await makeTenant();
    const a = await createKey({ token: t.owner.token }, { name: "Tracked" });
    await createKey({ token: t.owner.token }, { name: "Noise" });
    await api(`/api/api-keys/${a.id}`, { token: t.owner.token, method: "PATCH", body: { name: "Tracked (renamed)" } });
    const rotated = await api(`/api/api-keys/${a.id}/rotate`, { token: t.owner.token, body: { gracePeriodSeconds: 0 } });
    const h = await api(`/api/audit-events?TargetId=${a.id}&Limit=2`, { token: t.owner.token });
    expect(h.status).toBe(200);
    expect(h.body.data.map((e: { action: string }) => e.action)).toEqual(["apiKey.rotated", "apiKey.renamed"]);
    expect(h.body.hasMore).toBe(true);
    const rest = await api(`/api/audit-events?TargetId=${a.id}&Limit=2&Cursor=${h.body.nextCursor}`, { token: t.owner.token });
    expect(rest.body.data.map((e: { action: string }) => e.action)).toEqual(["apiKey.created"]);
    // The new key's history starts with its creation by rotation.
    const n = await api(`/api/audit-events?TargetId=${rotated.body.id}`, { token: t.owner.token });
    expect(n.body.data).toHaveLength(1);
    expect(n.body.data[0]).toMatchObject({ action: "apiKey.created", metadata: { rotatedFromId: a.id } });
    // Another Client asking about this key sees nothing; a bad id is 400.
    const other = await makeTenant();
    const foreign = await api(`/api/audit-events?TargetId=${a.id}`, { apiKey: other.key.rawKey });
    expect([foreign.status, foreign.body.data]).toEqual([200, []]);
    const bad = await api("/api/audit-events?TargetId=nope", { token: t.owner.token });
    expect([bad.status, bad.body.code]).toEqual([400, "Request.Invalid"]);
    expect(bad.body.errors.TargetId).toBeTruthy();
  });

  it("failed authentications with dead or unknown keys are counted, not stored one row each", async () => {
    const t = await makeTenant();
    const k = await createKey({ token: t.owner.token });
    await api(`/api/api-keys/${k.id}/revoke`, { token: t.owner.token, method: "POST" });
    const eventsBefore = await db.auditEvent.count({ where: { clientId: t.client.id } });
    for (let i = 0; i < 5; i++) expect((await api("/api/me", { apiKey: k.rawKey })).status).toBe(401);
    const unknown = generateKey("Live").rawKey;
    await api("/api/me", { apiKey: unknown });
    const row = await until(() => db.authFailureCount.findFirst({ where: { subject: k.id } }), (r) => (r?.count ?? 0) >= 5);
    expect(row).toMatchObject({ clientId: t.client.id, reason: "revoked", count: 5, lastIp: "127.0.0.1" });
    expect(await db.auditEvent.count({ where: { clientId: t.client.id } })).toBe(eventsBefore);
    const unknownRow = await until(() => db.authFailureCount.findFirst({ where: { subject: "unknown" } }), (r) => r !== null);
    expect(unknownRow!.count).toBeGreaterThanOrEqual(1);
  });
});

describe("leak reports", () => {
  it("revokes a live key at once, audits it with the reporter's IP, and says only how many strings were checked", async () => {
    const t = await makeTenant();
    const leaked = await createKey({ token: t.owner.token }, { name: "Pasted in a gist" });
    const stranger = generateKey("Live").rawKey; // well-formed, not ours
    const badChecksum = leaked.rawKey.slice(0, -1) + (leaked.rawKey.endsWith("a") ? "b" : "a");
    const r = await api("/api/api-keys/leaks", { body: { keys: [leaked.rawKey, stranger, badChecksum, "ghp_notours", ""] }, headers: { "x-forwarded-for": "203.0.113.7" } });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ accepted: 2 });
    expect((await api("/api/me", { apiKey: leaked.rawKey })).status).toBe(401);
    const view = await api(`/api/api-keys/${leaked.id}`, { token: t.owner.token });
    expect(view.body).toMatchObject({ status: "revoked", revokedReason: "leaked" });
    const ev = await db.auditEvent.findFirstOrThrow({ where: { targetId: leaked.id, action: "apiKey.reportedLeaked" } });
    expect(ev).toMatchObject({ actorType: "Anonymous", ip: "203.0.113.7" });
    // Reporting again changes nothing and looks the same.
    const again = await api("/api/api-keys/leaks", { body: { keys: [leaked.rawKey] } });
    expect(again.body).toEqual({ accepted: 1 });
    expect(await db.auditEvent.count({ where: { targetId: leaked.id, action: "apiKey.reportedLeaked" } })).toBe(1);
    // Other keys of the Client are untouched.
    expect((await api("/api/me", { apiKey: t.key.rawKey })).status).toBe(200);
  });

  it("only invalid strings: 202 with nothing accepted; bad shapes: 400", async () => {
    expect((await api("/api/api-keys/leaks", { body: { keys: ["dol_live_" + "A".repeat(49)] } })).body).toEqual({ accepted: 0 });
    for (const body of [{}, { keys: "x" }, { keys: [1] }, { keys: [] }, { keys: Array(101).fill("x") }, { keys: ["x"], extra: 1 }]) {
      const r = await api("/api/api-keys/leaks", { body });
      expect(r.status).toBe(400);
    }
  });
});
