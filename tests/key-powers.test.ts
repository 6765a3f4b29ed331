// What a key may do to other keys, and what it may read about people (security
// review): a key manages (revokes, renames, changes, rotates) only keys it
// could have made; an update respects the caller's lifetime as create and
// rotate do; a key reads key events only, without people's data.
import { afterAll, describe, expect, it } from "vitest";
import { api, createKey, db, inFuture, makeTenant, makeUser } from "./helpers";

afterAll(() => db.$disconnect());

const from = (ip: string) => ({ "x-forwarded-for": ip });
type Made = Awaited<ReturnType<typeof createKey>>;

describe("PATCH respects the calling key's lifetime", () => {
  it("a key that expires in an hour cannot raise a never-expiring key to apiKeys:write (as it cannot create or rotate one)", async () => {
    const t = await makeTenant();
    const hour = new Date(Date.now() + 3_600_000).toISOString();
    const ci = await createKey({ token: t.owner.token }, { name: "ci", scopes: ["apiKeys:write"], expiresAt: hour });
    const reader = await createKey({ token: t.owner.token }, { name: "reader", scopes: ["apiKeys:read"] });
    // Create and rotate already refuse a key that outlives the caller...
    expect((await api("/api/api-keys", { apiKey: ci.rawKey, body: { scopes: ["apiKeys:write"], expiresAt: null } })).body.code).toBe("ApiKey.ScopeEscalation");
    // ...and so does update.
    const r = await api(`/api/api-keys/${reader.id}`, { method: "PATCH", apiKey: ci.rawKey, body: { scopes: ["apiKeys:write"] } });
    expect({ status: r.status, code: r.body.code }).toEqual({ status: 403, code: "ApiKey.ScopeEscalation" });
    expect(r.body.detail).toMatch(/never expires/);
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: reader.id } });
    expect(row.scopes).toEqual(["apiKeys:read"]);
    expect(await db.auditEvent.count({ where: { targetId: reader.id, action: "apiKey.accessChanged" } })).toBe(0);
    // The reader still cannot mint anything.
    expect((await api("/api/api-keys", { apiKey: reader.rawKey, body: { expiresAt: null } })).body.code).toBe("ApiKey.InsufficientScope");

    // A key that expires within the caller's lifetime can be given what the caller holds.
    const shortReader = await createKey({ token: t.owner.token }, { name: "short", scopes: ["apiKeys:read"], expiresAt: new Date(Date.now() + 1_800_000).toISOString() });
    const ok = await api(`/api/api-keys/${shortReader.id}`, { method: "PATCH", apiKey: ci.rawKey, body: { scopes: ["apiKeys:write"] } });
    expect({ status: ok.status, scopes: ok.body.scopes }).toEqual({ status: 200, scopes: ["apiKeys:write"] });
  });
});

describe("a key manages only keys it could have made", () => {
  it("a narrow CI key cannot revoke, rename, change or rotate a stronger key; keys it covers it can; people keep their role's power", async () => {
    const t = await makeTenant(); // t.key: full access, from anywhere, never expires (the "production" key)
    const ci = await createKey({ token: t.owner.token }, { name: "ci", scopes: ["apiKeys:write", "invoices:read"], allowedIps: ["10.0.0.0/8"], expiresAt: inFuture(10) });
    const auth = { apiKey: ci.rawKey, headers: from("10.1.2.3") };
    // Each of these is beyond the CI key in one way only.
    const stronger: [string, Made][] = [
      ["full access", t.key],
      ["a scope it lacks", await createKey({ token: t.owner.token }, { scopes: ["invoices:write"], allowedIps: ["10.1.0.0/16"], expiresAt: inFuture(5) })],
      ["any address", await createKey({ token: t.owner.token }, { scopes: ["invoices:read"], expiresAt: inFuture(5) })],
      ["an address outside", await createKey({ token: t.owner.token }, { scopes: ["invoices:read"], allowedIps: ["192.0.2.0/24"], expiresAt: inFuture(5) })],
      ["outlives it", await createKey({ token: t.owner.token }, { scopes: ["invoices:read"], allowedIps: ["10.1.0.0/16"], expiresAt: inFuture(11) })],
      ["never expires", await createKey({ token: t.owner.token }, { scopes: ["invoices:read"], allowedIps: ["10.1.0.0/16"] })],
    ];
    for (const [why, k] of stronger) {
      const before = await db.apiKey.findUniqueOrThrow({ where: { id: k.id } });
      const calls: [string, string, unknown][] = [
        ["POST", `/api/api-keys/${k.id}/revoke`, undefined],
        ["PATCH", `/api/api-keys/${k.id}`, { name: "pwned" }],
        ["PATCH", `/api/api-keys/${k.id}`, { scopes: ["invoices:read"], allowedIps: ["10.1.2.3"] }],
        ["POST", `/api/api-keys/${k.id}/rotate`, { expiresAt: inFuture(1), gracePeriodSeconds: 0 }],
      ];
      for (const [method, path, body] of calls) {
        const r = await api(path, { ...auth, method, body });
        expect({ why, method, path, body, status: r.status, code: r.body?.code }).toEqual({ why, method, path, body, status: 403, code: "ApiKey.ScopeEscalation" });
        expect(r.body.detail).toMatch(/could have made/);
      }
      expect({ why, row: await db.apiKey.findUniqueOrThrow({ where: { id: k.id } }) }).toEqual({ why, row: before });
      expect(await db.auditEvent.count({ where: { targetId: k.id, action: { not: "apiKey.created" } } })).toBe(0);
    }
    // The production key still works.
    expect((await api("/api/me", { apiKey: t.key.rawKey })).status).toBe(200);

    // A key it covers (narrower scopes, inside its allowlist, expiring no later): rename, change, rotate, revoke.
    const mine = await createKey({ token: t.owner.token }, { scopes: ["invoices:read"], allowedIps: ["10.1.0.0/16"], expiresAt: inFuture(9) });
    expect((await api(`/api/api-keys/${mine.id}`, { ...auth, method: "PATCH", body: { name: "renamed" } })).status).toBe(200);
    expect((await api(`/api/api-keys/${mine.id}`, { ...auth, method: "PATCH", body: { scopes: ["apiKeys:read"] } })).status).toBe(200);
    const rotated = await api(`/api/api-keys/${mine.id}/rotate`, { ...auth, body: { expiresAt: inFuture(8), gracePeriodSeconds: 0 } });
    expect(rotated.status).toBe(201);
    expect((await api(`/api/api-keys/${rotated.body.id}/revoke`, { ...auth, method: "POST" })).status).toBe(204);
    // Itself too.
    expect((await api(`/api/api-keys/${ci.id}`, { ...auth, method: "PATCH", body: { name: "ci (old)" } })).status).toBe(200);

    // People keep their role's power: an Admin revokes the full-access key.
    const admin = await makeUser([[t.client, "Admin"]]);
    expect((await api(`/api/api-keys/${stronger[1][1].id}`, { method: "PATCH", token: admin.token, body: { name: "by a person" } })).status).toBe(200);
    expect((await api(`/api/api-keys/${t.key.id}/revoke`, { method: "POST", token: admin.token })).status).toBe(204);
  });
});

describe("the audit log read with a key", () => {
  it("has key events only, and no people's emails, IP addresses or user agents; people still see everything", async () => {
    const t = await makeTenant();
    const reader = await createKey({ token: t.owner.token }, { name: "auditor", scopes: ["apiKeys:read"] });
    const writer = await createKey({ token: t.owner.token }, { name: "writer", scopes: ["apiKeys:write"] });
    const personUa = { "user-agent": "Mozilla/5.0 (the owner's laptop)", "x-forwarded-for": "198.51.100.23" };
    const keyUa = { "user-agent": "ci-runner/1.0", "x-forwarded-for": "203.0.113.9" };
    // People events: an invitation and a role change, with a person's email, IP and user agent.
    const invitee = `invitee-${Date.now()}@example.test`;
    expect((await api("/api/client-invites", { token: t.owner.token, headers: personUa, body: { email: invitee, role: "Admin" } })).status).toBe(201);
    const member = await makeUser([[t.client, "Member"]]);
    expect((await api(`/api/members/${member.id}`, { method: "PATCH", token: t.owner.token, headers: personUa, body: { role: "Admin" } })).status).toBe(200);
    // Key events by a person and by a key.
    const byPerson = await createKey({ token: t.owner.token, headers: personUa }, { name: "made by a person", scopes: ["apiKeys:read"] });
    const byKey = await createKey({ apiKey: writer.rawKey, headers: keyUa }, { name: "made by a key", scopes: ["apiKeys:read"] });

    // Members and invitations are people's business: 403 for keys.
    expect((await api("/api/members", { apiKey: reader.rawKey })).status).toBe(403);

    const seen = await api("/api/audit-events?Limit=100", { apiKey: reader.rawKey });
    expect(seen.status).toBe(200);
    const events = seen.body.data as { action: string; actor: { type: string; label: string | null }; target: { type: string; id: string }; ip: string | null; userAgent: string | null }[];
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect({ action: e.action, target: e.target.type }).toEqual({ action: expect.stringMatching(/^apiKey\./), target: "apiKey" });
    const text = JSON.stringify(seen.body);
    for (const secret of [invitee, member.email, t.owner.email, "198.51.100.23", "the owner's laptop"]) expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
    const personMade = events.find((e) => e.target.id === byPerson.id && e.action === "apiKey.created")!;
    expect(personMade).toMatchObject({ actor: { type: "user", label: null }, ip: null, userAgent: null });
    const keyMade = events.find((e) => e.target.id === byKey.id && e.action === "apiKey.created")!;
    expect(keyMade).toMatchObject({ actor: { type: "apiKey", label: writer.keyPrefix }, ip: "203.0.113.9", userAgent: "ci-runner/1.0" });
    // Narrowing to a person (the member's id) shows nothing either.
    expect((await api(`/api/audit-events?TargetId=${member.id}`, { apiKey: reader.rawKey })).body.data).toEqual([]);

    // A person (Owner) still reads the whole trail with its details.
    const full = await api("/api/audit-events?Limit=100", { token: t.owner.token });
    const actions = new Set((full.body.data as { action: string }[]).map((e) => e.action));
    expect(actions).toEqual(new Set(["apiKey.created", "invite.created", "member.roleChanged"]));
    const ownerMade = (full.body.data as typeof events).find((e) => e.target.id === byPerson.id)!;
    expect(ownerMade).toMatchObject({ actor: { type: "user", label: t.owner.email }, ip: "198.51.100.23", userAgent: "Mozilla/5.0 (the owner's laptop)" });
  });

  it("learns no person through the key list or a leak report's event: a creator is an id, a reporter's address is not in the metadata", async () => {
    const t = await makeTenant();
    const reader = await createKey({ token: t.owner.token }, { name: "auditor", scopes: ["apiKeys:read"] });
    const leaked = await createKey({ token: t.owner.token }, { name: "leaked", scopes: ["apiKeys:read"] });
    expect((await api("/api/api-keys/leaks", { headers: from("192.0.2.77"), body: { keys: [leaked.rawKey] } })).status).toBe(202);
    const list = await api("/api/api-keys?Limit=100", { apiKey: reader.rawKey });
    const one = await api(`/api/api-keys/${reader.id}`, { apiKey: reader.rawKey });
    const events = await api(`/api/audit-events?TargetId=${leaked.id}`, { apiKey: reader.rawKey });
    for (const r of [list, one, events]) {
      expect(r.status).toBe(200);
      for (const secret of [t.owner.email, "192.0.2.77"]) expect({ secret, found: r.text.includes(secret) }).toEqual({ secret, found: false });
    }
    expect(one.body.createdBy).toEqual({ type: "user", id: t.owner.id, name: null, email: null });
    expect(events.body.data.find((e: { action: string }) => e.action === "apiKey.reportedLeaked")).toMatchObject({ metadata: { keyPrefix: leaked.keyPrefix }, ip: null });
    // People still see who made it and where the report came from.
    const mine = await api(`/api/api-keys/${reader.id}`, { token: t.owner.token });
    expect(mine.body.createdBy).toMatchObject({ type: "user", id: t.owner.id, email: t.owner.email });
    const full = await api(`/api/audit-events?TargetId=${leaked.id}`, { token: t.owner.token });
    expect(full.body.data.find((e: { action: string }) => e.action === "apiKey.reportedLeaked")).toMatchObject({ ip: "192.0.2.77" });
  });
});
