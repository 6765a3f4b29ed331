// Four eyes on powerful keys (issue 23): the Client policy keyApproval, the
// refusals of direct create and widening PATCH while it is on (people and keys
// alike), and key requests over HTTP: request -> approve -> claim with the key
// holding exactly what was approved, every wrong step refused with its code,
// expiry (the clock moved back in the database), races of two approvers and two
// claims, and the last possible approver kept. Emails: key-requests-mail.test.ts.
import fc from "fast-check";
import { encode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";
import { ALL_SCOPES } from "@/lib/api-keys/access";
import type { KeyApproval } from "@/lib/generated/prisma/client";
import { api, createKey, db, inFuture, makeClient, makeUser, type Tenant, type TestUser } from "./helpers";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Team = { client: Tenant; owner: TestUser; admin: TestUser; member: TestUser };

/** A Live Client with an Owner, an Admin and a Member, its policy set straight in the database. */
async function team(keyApproval: KeyApproval = "write", extra: { maxKeyLifetimeDays?: number | null } = {}): Promise<Team> {
  const client = await makeClient("Live", extra);
  const [owner, admin, member] = await Promise.all([makeUser([[client, "Owner"]]), makeUser([[client, "Admin"]]), makeUser([[client, "Member"]])]);
  await db.client.update({ where: { id: client.id }, data: { keyApproval } });
  return { client, owner, admin, member };
}

const policyBody = (keyApproval?: string) => ({ keysMustExpire: false, maxKeyLifetimeDays: null, maxActiveKeys: 100, ...(keyApproval ? { keyApproval } : {}) });

const ask = (token: string, body: Record<string, unknown>) => api("/api/key-requests", { token, body: { reason: "Nightly payment run", ...body } });
const approve = (token: string, id: string) => api(`/api/key-requests/${id}/approve`, { token, method: "POST" });
const deny = (token: string, id: string, reason = "Too broad") => api(`/api/key-requests/${id}/deny`, { token, body: { reason } });
const claim = (token: string, id: string) => api(`/api/key-requests/${id}/claim`, { token, method: "POST" });

/** A Bearer token whose proof is an hour old (sudo mode refuses it for sensitive actions). */
async function staleToken(u: TestUser, clientId: string): Promise<string> {
  const user = await db.user.findUniqueOrThrow({ where: { id: u.id } });
  return encode({
    salt: "authjs.session-token",
    secret: process.env.TEST_AUTH_SECRET!,
    maxAge: 8 * 3600,
    token: { sub: u.id, email: u.email, name: user.name, activeClientId: clientId, sv: user.sessionVersion, amr: ["pwd"], authTime: Math.floor((Date.now() - HOUR) / 1000) },
  });
}

describe("the keyApproval policy", () => {
  it("cannot be turned on with fewer than two Owners and Admins (409), is Owner-only, audited, and absent keeps it", async () => {
    const client = await makeClient("Live");
    const owner = await makeUser([[client, "Owner"]]);
    const member = await makeUser([[client, "Member"]]);
    const lonely = await api("/api/key-policy", { token: owner.token, method: "PUT", body: policyBody("write") });
    expect(lonely.status).toBe(409);
    expect(lonely.body.code).toBe("Policy.NotEnoughApprovers");
    expect((await db.client.findUniqueOrThrow({ where: { id: client.id } })).keyApproval).toBe("none");
    expect(member.id).toBeTruthy(); // a Member is no approver

    const admin = await makeUser([[client, "Admin"]]);
    const on = await api("/api/key-policy", { token: owner.token, method: "PUT", body: policyBody("write") });
    expect(on.status).toBe(200);
    expect(on.body.keyApproval).toBe("write");
    const kept = await api("/api/key-policy", { token: owner.token, method: "PUT", body: { ...policyBody(), maxActiveKeys: 50 } });
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ keyApproval: "write", maxActiveKeys: 50 });
    expect((await api("/api/key-policy", { token: owner.token })).body.keyApproval).toBe("write");

    const byAdmin = await api("/api/key-policy", { token: admin.token, method: "PUT", body: policyBody("none") });
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.code).toBe("Member.Forbidden");
    const bad = await api("/api/key-policy", { token: owner.token, method: "PUT", body: policyBody("sometimes") });
    expect(bad.status).toBe(400);

    const audit = await db.auditEvent.findMany({ where: { clientId: client.id, action: "client.policyChanged" }, orderBy: { createdAt: "asc" } });
    expect(audit[0].metadata).toMatchObject({ before: { keyApproval: "none" }, after: { keyApproval: "write" } });
  });

  it("while on, direct create of a covered key is 403 ApiKey.ApprovalRequired for a person and for a key; uncovered keys and rotation go through", async () => {
    const t = await team("none");
    const fullKey = await createKey({ token: t.owner.token }); // made before the policy
    const readKey = await createKey({ token: t.owner.token }, { scopes: ["invoices:read"] });
    await db.client.update({ where: { id: t.client.id }, data: { keyApproval: "write" } });

    for (const auth of [{ token: t.owner.token }, { token: t.admin.token }, { apiKey: fullKey.rawKey }]) {
      for (const body of [{}, { scopes: ["payments:write"] }]) {
        const r = await api("/api/api-keys", { ...auth, body });
        expect(r.status).toBe(403);
        expect(r.body.code).toBe("ApiKey.ApprovalRequired");
        expect(r.body.detail).toContain('keyApproval: "write"');
        expect(r.body.detail).toContain("POST /api/key-requests");
      }
      expect((await api("/api/api-keys", { ...auth, body: { scopes: ["payments:read"] } })).status).toBe(201);
    }
    // Under "fullAccess", a writing key needs none; full access still does.
    await db.client.update({ where: { id: t.client.id }, data: { keyApproval: "fullAccess" } });
    expect((await api("/api/api-keys", { token: t.owner.token, body: { scopes: ["payments:write"] } })).status).toBe(201);
    expect((await api("/api/api-keys", { apiKey: fullKey.rawKey, body: {} })).body.code).toBe("ApiKey.ApprovalRequired");
    // Rotation keeps a key's access and needs no approval.
    const rotated = await api(`/api/api-keys/${fullKey.id}/rotate`, { token: t.owner.token, body: { gracePeriodSeconds: 0 } });
    expect(rotated.status).toBe(201);
    expect(rotated.body.scopes).toBeNull();
    expect((await api(`/api/api-keys/${readKey.id}`, { token: t.owner.token })).status).toBe(200);
  });

  it("while on, a PATCH that widens a key into the covered class is refused (person and key); narrowing and renaming are not", async () => {
    const t = await team("none");
    const maker = await createKey({ token: t.owner.token }); // full access: may manage every key
    const k = await createKey({ token: t.owner.token }, { scopes: ["invoices:read"] });
    const writer = await createKey({ token: t.owner.token }, { scopes: ["invoices:write"] });
    await db.client.update({ where: { id: t.client.id }, data: { keyApproval: "write" } });

    for (const auth of [{ token: t.admin.token }, { apiKey: maker.rawKey }]) {
      const wider = await api(`/api/api-keys/${k.id}`, { ...auth, method: "PATCH", body: { scopes: ["invoices:write"] } });
      expect(wider.status).toBe(403);
      expect(wider.body.code).toBe("ApiKey.ApprovalRequired");
      expect(wider.body.detail).toContain("keyId");
      // A covered key given more (another address) needs approval too.
      const moreIps = await api(`/api/api-keys/${writer.id}`, { ...auth, method: "PATCH", body: { allowedIps: ["203.0.113.0/24"] } });
      expect(moreIps.status).toBe(200); // from anywhere to one range is narrowing
      const back = await api(`/api/api-keys/${writer.id}`, { ...auth, method: "PATCH", body: { allowedIps: [] } });
      expect(back.body.code).toBe("ApiKey.ApprovalRequired");
    }
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: k.id } })).scopes).toEqual(["invoices:read"]);
    const narrower = await api(`/api/api-keys/${writer.id}`, { token: t.owner.token, method: "PATCH", body: { scopes: ["invoices:read"], name: "reader now" } });
    expect(narrower.status).toBe(200);
    expect(narrower.body).toMatchObject({ scopes: ["invoices:read"], name: "reader now" });
  });
});

describe("request -> approve -> claim", () => {
  it("the key is created at claim, by the requester, holding exactly what was approved; every step audited", async () => {
    const t = await team("write");
    const asked = { name: "Payments sync", expiresAt: inFuture(30), scopes: ["payments:write", "invoices:read"], allowedIps: ["203.0.113.0/24", "127.0.0.1"] };
    const r = await ask(t.admin.token, asked);
    expect(r.status).toBe(201);
    expect(r.headers.get("location")).toBe(`/api/key-requests/${r.body.id}`);
    expect(r.body).toMatchObject({
      status: "pending",
      kind: "create",
      keyId: null,
      name: "Payments sync",
      scopes: ["invoices:read", "payments:write"],
      allowedIps: ["203.0.113.0/24", "127.0.0.1/32"],
      reason: "Nightly payment run",
      requestedBy: { id: t.admin.id, email: t.admin.email },
      decidedBy: null,
    });
    expect(new Date(r.body.expiresAt).getTime()).toBe(new Date(asked.expiresAt).getTime());
    expect(new Date(r.body.deadline).getTime() - new Date(r.body.createdAt).getTime()).toBe(7 * DAY);
    const keysBefore = await db.apiKey.count({ where: { clientId: t.client.id } });

    const pendingList = await api("/api/key-requests?Status=pending", { token: t.member.token });
    expect(pendingList.status).toBe(200);
    expect(pendingList.body.data.map((x: { id: string }) => x.id)).toEqual([r.body.id]);
    expect((await api("/api/key-requests?Status=approved", { token: t.owner.token })).body.data).toEqual([]);

    const ok = await approve(t.owner.token, r.body.id);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: "approved", decidedBy: { id: t.owner.id, email: t.owner.email } });
    expect(new Date(ok.body.deadline).getTime() - new Date(ok.body.decidedAt).getTime()).toBe(DAY);
    expect(await db.apiKey.count({ where: { clientId: t.client.id } })).toBe(keysBefore); // no key waits anywhere

    const c = await claim(t.admin.token, r.body.id);
    expect(c.status).toBe(201);
    expect(c.body.rawKey).toMatch(/^dol_live_/);
    expect(c.body).toMatchObject({ name: "Payments sync", scopes: ["invoices:read", "payments:write"], allowedIps: ["203.0.113.0/24", "127.0.0.1/32"] });
    expect(new Date(c.body.expiresAt).getTime()).toBe(new Date(asked.expiresAt).getTime());
    expect(c.headers.get("location")).toBe(`/api/api-keys/${c.body.id}`);

    const key = await api(`/api/api-keys/${c.body.id}`, { token: t.owner.token });
    expect(key.body).toMatchObject({ createdBy: { type: "user", id: t.admin.id }, scopes: ["invoices:read", "payments:write"], status: "active" });
    expect((await api("/api/me", { apiKey: c.body.rawKey })).status).toBe(200); // from 127.0.0.1, inside its allowlist

    const after = await api(`/api/key-requests/${r.body.id}`, { token: t.admin.token });
    expect(after.body).toMatchObject({ status: "claimed", keyId: c.body.id, deadline: null });
    expect(after.text).not.toContain(c.body.rawKey);

    const events = await db.auditEvent.findMany({ where: { clientId: t.client.id, OR: [{ targetId: r.body.id }, { targetId: c.body.id }] }, orderBy: { createdAt: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["keyRequest.created", "keyRequest.approved", "apiKey.created", "keyRequest.claimed"]);
    expect(events.find((e) => e.action === "apiKey.created")!.metadata).toMatchObject({ keyRequestId: r.body.id });
    expect(events.find((e) => e.action === "apiKey.created")!.actorUserId).toBe(t.admin.id);
    expect(events.find((e) => e.action === "keyRequest.approved")!.actorUserId).toBe(t.owner.id);
  });

  it("refuses self-approval, Members, API keys, a stale proof, a second claim, someone else's claim, a claim before approval or after deny", async () => {
    const t = await team("fullAccess");
    const key = await createKey({ token: t.owner.token }, { scopes: ["apiKeys:write"] });
    const r = await ask(t.admin.token, { name: "Full" });
    expect(r.status).toBe(201);
    const id = r.body.id;

    expect((await approve(t.admin.token, id)).body.code).toBe("KeyRequest.SelfApproval");
    expect((await approve(t.admin.token, id)).status).toBe(403);
    const byMember = await approve(t.member.token, id);
    expect(byMember.status).toBe(403);
    expect(byMember.body.code).toBe("Member.Forbidden");
    for (const [path, body] of [
      ["/api/key-requests", { reason: "x" }],
      [`/api/key-requests/${id}/approve`, undefined],
      [`/api/key-requests/${id}/deny`, { reason: "no" }],
      [`/api/key-requests/${id}/claim`, undefined],
    ] as const) {
      const byKey = await api(path, { apiKey: key.rawKey, method: "POST", body });
      expect(byKey.status).toBe(403);
      expect(byKey.body.code).toBe("Auth.NotUserScopedToken");
    }
    expect((await api("/api/key-requests", { apiKey: key.rawKey })).body.code).toBe("Auth.NotUserScopedToken");
    expect((await claim(t.admin.token, id)).body.code).toBe("KeyRequest.NotApproved");
    // Another Client's Owner: not found, whatever the verb.
    const stranger = await team("write");
    for (const res of [await approve(stranger.owner.token, id), await deny(stranger.owner.token, id), await api(`/api/key-requests/${id}`, { token: stranger.owner.token })]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe("KeyRequest.NotFound");
    }
    const stale = await approve(await staleToken(t.owner, t.client.id), id);
    expect(stale.status).toBe(403);
    expect(stale.body.code).toBe("Auth.ReauthenticationRequired");
    expect((await api(`/api/key-requests/${id}`, { token: t.owner.token })).body.status).toBe("pending");

    expect((await approve(t.owner.token, id)).status).toBe(200);
    expect((await approve(t.owner.token, id)).body.code).toBe("KeyRequest.NotPending");
    expect((await deny(t.owner.token, id)).body.code).toBe("KeyRequest.NotPending");
    const other = await claim(t.owner.token, id);
    expect(other.status).toBe(403);
    expect(other.body.code).toBe("KeyRequest.NotRequester");
    expect((await claim(t.admin.token, id)).status).toBe(201);
    const again = await claim(t.admin.token, id);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("KeyRequest.AlreadyClaimed");

    const d = await ask(t.admin.token, { name: "Denied one" });
    const denied = await deny(t.owner.token, d.body.id, "Ask for payments:write only.");
    expect(denied.status).toBe(200);
    expect(denied.body).toMatchObject({ status: "denied", denyReason: "Ask for payments:write only.", decidedBy: { id: t.owner.id } });
    expect((await claim(t.admin.token, d.body.id)).body.code).toBe("KeyRequest.Denied");
    expect((await approve(t.owner.token, d.body.id)).body.code).toBe("KeyRequest.NotPending");
    expect(await db.apiKey.count({ where: { clientId: t.client.id, name: "Denied one" } })).toBe(0);
    const events = await db.auditEvent.findMany({ where: { targetId: d.body.id } });
    expect(events.map((e) => e.action).sort()).toEqual(["keyRequest.created", "keyRequest.denied"]);
  });

  it("checks the request as create would, now and again at claim (the policy may have tightened)", async () => {
    const t = await team("write");
    const noReason = await api("/api/key-requests", { token: t.admin.token, body: { name: "x" } });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors.reason).toBeTruthy();
    expect((await ask(t.admin.token, { reason: "y".repeat(501) })).status).toBe(400);
    expect((await ask(t.admin.token, { scopes: ["nope:write"] })).status).toBe(400);
    expect((await ask(t.admin.token, { expiresAt: new Date(Date.now() - 1000).toISOString() })).body.code).toBe("ApiKey.ExpiresAtInPast");
    const notNeeded = await ask(t.admin.token, { scopes: ["invoices:read"] });
    expect(notNeeded.status).toBe(409);
    expect(notNeeded.body.code).toBe("KeyRequest.NotRequired");
    const byMember = await ask(t.member.token, { scopes: ["invoices:write"] });
    expect(byMember.body.code).toBe("Member.Forbidden");

    const r = await ask(t.admin.token, { name: "Long lived", expiresAt: inFuture(60), scopes: ["bills:write"] });
    expect(r.status).toBe(201);
    expect((await approve(t.owner.token, r.body.id)).status).toBe(200);
    await db.client.update({ where: { id: t.client.id }, data: { maxKeyLifetimeDays: 30 } });
    const tooLong = await claim(t.admin.token, r.body.id);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.code).toBe("ApiKey.ExpiresAtBeyondPolicy");
    // Refused whole: still approved, no key.
    expect((await api(`/api/key-requests/${r.body.id}`, { token: t.admin.token })).body.status).toBe("approved");
    expect(await db.apiKey.count({ where: { clientId: t.client.id, name: "Long lived" } })).toBe(0);
    const over = await ask(t.admin.token, { expiresAt: inFuture(60), scopes: ["bills:write"] });
    expect(over.body.code).toBe("ApiKey.ExpiresAtBeyondPolicy");
  });

  it("pending requests expire after 7 days, approved ones after 24 hours unclaimed: read right away, refused, audited once", async () => {
    const t = await team("write");
    const p = await ask(t.admin.token, { name: "Old pending" });
    const a = await ask(t.admin.token, { name: "Old approved" });
    expect((await approve(t.owner.token, a.body.id)).status).toBe(200);
    await db.keyRequest.update({ where: { id: p.body.id }, data: { createdAt: new Date(Date.now() - 7 * DAY - 1000) } });
    await db.keyRequest.update({ where: { id: a.body.id }, data: { decidedAt: new Date(Date.now() - DAY - 1000) } });

    const read = await api(`/api/key-requests/${p.body.id}`, { token: t.member.token });
    expect(read.body).toMatchObject({ status: "expired", deadline: null });
    const expiredList = await api("/api/key-requests?Status=expired", { token: t.owner.token });
    expect(expiredList.body.data.map((x: { id: string }) => x.id).sort()).toEqual([p.body.id, a.body.id].sort());
    expect((await api("/api/key-requests?Status=pending", { token: t.owner.token })).body.data).toEqual([]);

    const late = await approve(t.owner.token, p.body.id);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe("KeyRequest.Expired");
    const lateClaim = await claim(t.admin.token, a.body.id);
    expect(lateClaim.status).toBe(409);
    expect(lateClaim.body.code).toBe("KeyRequest.Expired");
    expect((await claim(t.admin.token, p.body.id)).body.code).toBe("KeyRequest.Expired");
    const rows = await db.keyRequest.findMany({ where: { id: { in: [p.body.id, a.body.id] } } });
    expect(rows.map((x) => x.status)).toEqual(["expired", "expired"]);
    const audits = await db.auditEvent.findMany({ where: { clientId: t.client.id, action: "keyRequest.expired" } });
    expect(audits.map((x) => x.targetId).sort()).toEqual([p.body.id, a.body.id].sort());
  });

  it("a request naming keyId widens that key on approval (no claim)", async () => {
    const t = await team("write");
    const k = await createKey({ token: t.owner.token }, { name: "Reader", scopes: ["invoices:read"], allowedIps: ["203.0.113.0/24"] });
    const bad = await ask(t.admin.token, { keyId: k.id, name: "renamed", scopes: ["invoices:write"] });
    expect(bad.status).toBe(400);
    const r = await ask(t.admin.token, { keyId: k.id, scopes: ["invoices:write"] });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: "widen", keyId: k.id, name: "Reader", scopes: ["invoices:write"], allowedIps: ["203.0.113.0/24"], before: { scopes: ["invoices:read"], allowedIps: ["203.0.113.0/24"] } });
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: k.id } })).scopes).toEqual(["invoices:read"]);
    const ok = await approve(t.owner.token, r.body.id);
    expect(ok.body).toMatchObject({ status: "approved", deadline: null });
    const key = await api(`/api/api-keys/${k.id}`, { token: t.owner.token });
    expect(key.body.scopes).toEqual(["invoices:write"]);
    expect((await claim(t.admin.token, r.body.id)).body.code).toBe("KeyRequest.NotClaimable");
    const changed = await db.auditEvent.findFirstOrThrow({ where: { targetId: k.id, action: "apiKey.accessChanged" } });
    expect(changed.metadata).toMatchObject({ keyRequestId: r.body.id, before: { scopes: ["invoices:read"] }, after: { scopes: ["invoices:write"] } });
    // A key already covered and not widened: nothing to approve.
    expect((await ask(t.admin.token, { keyId: k.id, scopes: ["invoices:write"] })).body.code).toBe("KeyRequest.NotRequired");
  });
});

describe("review fixes", () => {
  const WRITES = ALL_SCOPES.filter((x) => x.endsWith(":write"));

  it("under fullAccess, a key holding every write scope counts as full access: create, PATCH and request agree; a covered key widened at all needs approval, narrowing not", async () => {
    const t = await team("none");
    const maker = await createKey({ token: t.owner.token }); // full access, before the policy
    const reader = await createKey({ token: t.owner.token }, { scopes: ["invoices:read"] });
    const writesOnly = await createKey({ token: t.owner.token }, { scopes: WRITES, allowedIps: ["203.0.113.0/24"] });
    await db.client.update({ where: { id: t.client.id }, data: { keyApproval: "fullAccess" } });

    for (const auth of [{ token: t.admin.token }, { apiKey: maker.rawKey }]) {
      const created = await api("/api/api-keys", { ...auth, body: { scopes: WRITES } });
      expect(created.status).toBe(403);
      expect(created.body.code).toBe("ApiKey.ApprovalRequired");
      const patched = await api(`/api/api-keys/${reader.id}`, { ...auth, method: "PATCH", body: { scopes: WRITES } });
      expect(patched.status).toBe(403);
      expect(patched.body.code).toBe("ApiKey.ApprovalRequired");
      // A key already covered: dropping or widening its allowlist is a widening too.
      for (const allowedIps of [[], ["203.0.113.0/24", "198.51.100.7"], ["203.0.0.0/16"]]) {
        const wider = await api(`/api/api-keys/${writesOnly.id}`, { ...auth, method: "PATCH", body: { allowedIps } });
        expect(wider.status).toBe(403);
        expect(wider.body.code).toBe("ApiKey.ApprovalRequired");
      }
    }
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: reader.id } })).scopes).toEqual(["invoices:read"]);
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: writesOnly.id } })).allowedIps).toEqual(["203.0.113.0/24"]);
    expect(await db.apiKey.count({ where: { clientId: t.client.id } })).toBe(3);
    // Narrowing stays free.
    const narrower = await api(`/api/api-keys/${writesOnly.id}`, { token: t.admin.token, method: "PATCH", body: { allowedIps: ["203.0.113.7"] } });
    expect(narrower.status).toBe(200);
    // One fewer write scope is not full access: created directly.
    expect((await api("/api/api-keys", { token: t.admin.token, body: { scopes: WRITES.slice(1) } })).status).toBe(201);
    // And the request for it is taken (not 409 KeyRequest.NotRequired), as is widening into it.
    const r = await ask(t.admin.token, { name: "All writes", scopes: WRITES });
    expect(r.status).toBe(201);
    expect(r.body.status).toBe("pending");
    const w = await ask(t.admin.token, { keyId: reader.id, scopes: WRITES });
    expect(w.status).toBe(201);
    const ipw = await ask(t.admin.token, { keyId: writesOnly.id, allowedIps: [] });
    expect(ipw.status).toBe(201);
  });

  it("approving a widening of a key changed since the request is 409 KeyRequest.KeyChanged, changes nothing on the key, and closes the request", async () => {
    const t = await team("write");
    const k = await createKey({ token: t.owner.token }, { name: "svc", scopes: ["invoices:read", "customers:read"] });
    const r = await ask(t.admin.token, { keyId: k.id, scopes: ["invoices:read", "customers:read", "payments:write"] });
    expect(r.status).toBe(201);
    expect(r.body.before).toEqual({ scopes: ["invoices:read", "customers:read"], allowedIps: [] });
    // Restricted after the request: one scope removed, one address only.
    const narrowed = await api(`/api/api-keys/${k.id}`, { token: t.owner.token, method: "PATCH", body: { scopes: ["invoices:read"], allowedIps: ["10.1.2.3"] } });
    expect(narrowed.status).toBe(200);
    const no = await approve(t.owner.token, r.body.id);
    expect(no.status).toBe(409);
    expect(no.body.code).toBe("KeyRequest.KeyChanged");
    expect(no.body.detail).toContain("before");
    const key = await db.apiKey.findUniqueOrThrow({ where: { id: k.id } });
    expect(key.scopes).toEqual(["invoices:read"]);
    expect(key.allowedIps).toEqual(["10.1.2.3/32"]);
    const read = await api(`/api/key-requests/${r.body.id}`, { token: t.member.token });
    expect(read.body).toMatchObject({ status: "expired", decidedBy: null, deadline: null });
    const closed = await db.auditEvent.findFirstOrThrow({ where: { targetId: r.body.id, action: "keyRequest.expired" } });
    expect(closed.metadata).toMatchObject({ cause: "keyChanged", keyId: k.id });
    expect(closed.actorUserId).toBe(t.owner.id);
    expect((await approve(t.owner.token, r.body.id)).body.code).toBe("KeyRequest.Expired");
    // Asked again from the key as it is now, it is applied exactly (the allowlist kept).
    const again = await ask(t.admin.token, { keyId: k.id, scopes: ["invoices:read", "payments:write"] });
    expect(again.body).toMatchObject({ allowedIps: ["10.1.2.3/32"], before: { scopes: ["invoices:read"], allowedIps: ["10.1.2.3/32"] } });
    expect((await approve(t.owner.token, again.body.id)).status).toBe(200);
    expect(await db.apiKey.findUniqueOrThrow({ where: { id: k.id } })).toMatchObject({ scopes: ["invoices:read", "payments:write"], allowedIps: ["10.1.2.3/32"] });
  });

  it("rotating a covered key cannot extend its life (403 ApiKey.ApprovalRequired); the default lifetime is capped at the old expiry", async () => {
    const t = await team("fullAccess");
    const r = await ask(t.admin.token, { name: "Approved for 2 days", expiresAt: inFuture(2), scopes: null, allowedIps: ["203.0.113.0/24"] });
    expect((await approve(t.owner.token, r.body.id)).status).toBe(200);
    const k = await claim(t.admin.token, r.body.id);
    expect(k.status).toBe(201);
    const oldExpiry = new Date(k.body.expiresAt).getTime();
    for (const body of [{ gracePeriodSeconds: 0, expiresAt: null }, { gracePeriodSeconds: 0, expiresAt: inFuture(3) }]) {
      const rot = await api(`/api/api-keys/${k.body.id}/rotate`, { token: t.admin.token, body });
      expect(rot.status).toBe(403);
      expect(rot.body.code).toBe("ApiKey.ApprovalRequired");
    }
    const still = await db.apiKey.findUniqueOrThrow({ where: { id: k.body.id }, include: { rotatedTo: true } });
    expect(still.expiresAt!.getTime()).toBe(oldExpiry);
    expect(still.rotatedTo).toBeNull();
    // The default keeps at most the approved expiry.
    const rot = await api(`/api/api-keys/${k.body.id}/rotate`, { token: t.admin.token, body: { gracePeriodSeconds: 0 } });
    expect(rot.status).toBe(201);
    expect(rot.body.scopes).toBeNull();
    expect(new Date(rot.body.expiresAt).getTime()).toBeLessThanOrEqual(oldExpiry);
    // An earlier expiry is fine.
    const sooner = await api(`/api/api-keys/${rot.body.id}/rotate`, { token: t.admin.token, body: { gracePeriodSeconds: 0, expiresAt: inFuture(1) } });
    expect(sooner.status).toBe(201);
    // A key the policy does not cover rotates as before (a longer life is its own business).
    const reader = await createKey({ token: t.owner.token }, { scopes: ["invoices:read"], expiresAt: inFuture(1) });
    expect((await api(`/api/api-keys/${reader.id}/rotate`, { token: t.owner.token, body: { gracePeriodSeconds: 0, expiresAt: null } })).status).toBe(201);
  });

  it("a reason longer than 500 characters after NFC normalisation, or with a lone surrogate, is 400 (request and deny), never a 500", async () => {
    const t = await team("write");
    const long = "\u0958".repeat(500); // each decomposes under NFC into two code points
    for (const reason of [long, "x\ud800y", "a".repeat(501)]) {
      const r = await ask(t.admin.token, { name: "Too long", reason });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe("Request.Invalid");
    }
    expect(await db.keyRequest.count({ where: { clientId: t.client.id } })).toBe(0);
    const r = await ask(t.admin.token, { name: "Fine", reason: "\u0958".repeat(250) });
    expect(r.status).toBe(201);
    for (const reason of [long, "\udfff"]) {
      const d = await deny(t.owner.token, r.body.id, reason);
      expect(d.status).toBe(400);
      expect(d.body.code).toBe("Request.Invalid");
    }
    expect((await api(`/api/key-requests/${r.body.id}`, { token: t.owner.token })).body.status).toBe("pending");
  });

  it("revoking or rotating a key closes its pending widening requests in the same change (read as expired, audited, no longer holding back a demotion)", async () => {
    const client = await makeClient("Live");
    const [o1, o2] = await Promise.all([makeUser([[client, "Owner"]]), makeUser([[client, "Owner"]])]);
    await db.client.update({ where: { id: client.id }, data: { keyApproval: "write" } });
    const a = await createKey({ token: o1.token }, { scopes: ["invoices:read"] });
    const b = await createKey({ token: o1.token }, { scopes: ["invoices:read"] });
    const ra = await ask(o1.token, { keyId: a.id, scopes: ["invoices:write"] });
    const rb = await ask(o1.token, { keyId: b.id, scopes: ["invoices:write"] });
    expect([ra.status, rb.status]).toEqual([201, 201]);
    expect((await api(`/api/members/${o2.id}`, { token: o1.token, method: "PATCH", body: { role: "Member" } })).body.code).toBe("Member.LastApprover");

    expect((await api(`/api/api-keys/${a.id}/revoke`, { token: o1.token, method: "POST" })).status).toBe(204);
    const rot = await api(`/api/api-keys/${b.id}/rotate`, { token: o1.token, body: { gracePeriodSeconds: 3600 } });
    expect(rot.status).toBe(201);
    for (const [r, cause] of [[ra, "keyRevoked"], [rb, "keyRotated"]] as const) {
      expect((await api(`/api/key-requests/${r.body.id}`, { token: o1.token })).body.status).toBe("expired");
      expect((await db.keyRequest.findUniqueOrThrow({ where: { id: r.body.id } })).status).toBe("expired");
      const ev = await db.auditEvent.findFirstOrThrow({ where: { targetId: r.body.id, action: "keyRequest.expired" } });
      expect(ev.metadata).toMatchObject({ cause, was: "pending" });
      expect(ev.actorUserId).toBe(o1.id);
      expect((await approve(o2.token, r.body.id)).body.code).toBe("KeyRequest.Expired");
    }
    expect((await api("/api/key-requests?Status=pending", { token: o1.token })).body.data).toEqual([]);
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: b.id } })).scopes).toEqual(["invoices:read"]);
    expect((await api(`/api/members/${o2.id}`, { token: o1.token, method: "PATCH", body: { role: "Member" } })).status).toBe(200);
  });
});

describe("races and the last approver", () => {
  it("of two approvers at once one wins; of two claims at once one wins and one key is made", async () => {
    const t = await team("write");
    const second = await makeUser([[t.client, "Owner"]]);
    for (let round = 0; round < 3; round++) {
      const r = await ask(t.admin.token, { name: `Race ${round}` });
      const votes = await Promise.all([approve(t.owner.token, r.body.id), approve(second.token, r.body.id)]);
      expect(votes.map((v) => v.status).sort()).toEqual([200, 409]);
      expect(votes.find((v) => v.status === 409)!.body.code).toBe("KeyRequest.NotPending");
      const claims = await Promise.all([claim(t.admin.token, r.body.id), claim(t.admin.token, r.body.id), claim(t.admin.token, r.body.id)]);
      expect(claims.map((c) => c.status).sort()).toEqual([201, 409, 409]);
      expect(await db.apiKey.count({ where: { clientId: t.client.id, name: `Race ${round}` } })).toBe(1);
      expect(await db.auditEvent.count({ where: { targetId: r.body.id, action: "keyRequest.approved" } })).toBe(1);
    }
    // Cursor pages like the key list, newest first.
    const first = await api("/api/key-requests?Limit=2", { token: t.member.token });
    expect(first.body).toMatchObject({ hasMore: true });
    expect(first.body.data.map((x: { name: string }) => x.name)).toEqual(["Race 2", "Race 1"]);
    const next = await api(`/api/key-requests?Limit=2&Cursor=${first.body.nextCursor}`, { token: t.member.token });
    expect(next.body).toMatchObject({ hasMore: false, nextCursor: null });
    expect(next.body.data.map((x: { name: string; status: string }) => [x.name, x.status])).toEqual([["Race 0", "claimed"]]);
  });

  it("demoting or removing the last person who could approve a pending request is 409 Member.LastApprover", async () => {
    const client = await makeClient("Live");
    const [o1, o2] = await Promise.all([makeUser([[client, "Owner"]]), makeUser([[client, "Owner"]])]);
    await db.client.update({ where: { id: client.id }, data: { keyApproval: "fullAccess" } });
    const r = await ask(o1.token, { name: "Needs o2" });
    expect(r.status).toBe(201);
    const demote = await api(`/api/members/${o2.id}`, { token: o1.token, method: "PATCH", body: { role: "Member" } });
    expect(demote.status).toBe(409);
    expect(demote.body.code).toBe("Member.LastApprover");
    const leave = await api(`/api/members/${o2.id}`, { token: o2.token, method: "DELETE" });
    expect(leave.body.code).toBe("Member.LastApprover");
    // An Admin is a possible approver too.
    const admin = await makeUser([[client, "Admin"]]);
    expect((await api(`/api/members/${o2.id}`, { token: o1.token, method: "PATCH", body: { role: "Admin" } })).status).toBe(200);
    expect((await api(`/api/members/${admin.id}`, { token: o1.token, method: "DELETE" })).status).toBe(204);
    expect((await api(`/api/members/${o2.id}`, { token: o1.token, method: "PATCH", body: { role: "Member" } })).body.code).toBe("Member.LastApprover");
    // Once it is decided, nothing holds them.
    expect((await deny(o1.token, r.body.id, "Withdrawn")).body).toMatchObject({ status: "denied" });
    expect((await api(`/api/members/${o2.id}`, { token: o1.token, method: "PATCH", body: { role: "Member" } })).status).toBe(200);
  });
});

describe("bad input", () => {
  it("no body or id a person can send makes a 5xx; every refusal is problem details and changes nothing", async () => {
    const t = await team("write");
    const k = await createKey({ token: t.owner.token }, { scopes: ["invoices:read"] });
    const r = await ask(t.admin.token, { name: "Fuzzed" });
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom(null, "", " ", "\u202e", "x".repeat(600), "9999-12-31T23:59:59-14:00", "not-a-uuid", k.id, r.body.id, ["invoices:write", "invoices:write"], ["0.0.0.0/0"], ["nope:write"]),
    );
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({ keyId: value, name: value, expiresAt: value, scopes: value, allowedIps: value, reason: value, extra: value }, { requiredKeys: [] }),
    );
    const target = fc.oneof(fc.constantFrom(r.body.id, k.id, "00000000-0000-0000-0000-000000000000", "x", "%2e%2e", "1".repeat(300)));
    const op = fc.constantFrom("ask", "approve", "deny", "claim", "get", "list");
    const before = await db.keyRequest.count({ where: { clientId: t.client.id } });
    await fc.assert(
      fc.asyncProperty(op, body, target, value, async (o, b, id, status) => {
        const who = [t.owner.token, t.admin.token, t.member.token][id.length % 3];
        const res =
          o === "ask"
            ? await api("/api/key-requests", { token: who, rawBody: JSON.stringify(b) ?? "", headers: { "content-type": "application/json" }, method: "POST" })
            : o === "list"
              ? await api(`/api/key-requests?Status=${encodeURIComponent(String(status))}&Limit=${encodeURIComponent(String(status))}`, { token: who })
              : o === "get"
                ? await api(`/api/key-requests/${encodeURIComponent(id)}`, { token: who })
                : await api(`/api/key-requests/${encodeURIComponent(id)}/${o}`, { token: who, method: "POST", rawBody: JSON.stringify(b) ?? "", headers: { "content-type": "application/json" } });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(res.headers.get("content-type")).toContain("application/problem+json");
      }),
      { numRuns: 150, seed: 2323 },
    );
    // Only well-formed asks may have added requests; the fuzzed one is still pending or decided, never half-changed.
    const rows = await db.keyRequest.findMany({ where: { clientId: t.client.id } });
    expect(rows.length).toBeGreaterThanOrEqual(before);
    for (const row of rows) expect(row.reason.length).toBeGreaterThan(0);
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: k.id } })).revokedAt).toBeNull();
  }, 120_000);
});

describe("limits on a request", () => {
  it("a new key's rateLimit and quota are part of the request, bound by the approval, and the claimed key has exactly them", async () => {
    const t = await team("write");
    const limits = { rateLimit: { requests: 100, windowSeconds: 60 }, quota: { requests: 10_000, period: "day" } };
    const r = await ask(t.admin.token, { name: "Limited sync", scopes: ["payments:write"], ...limits });
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({ kind: "create", ...limits });
    const row = await db.keyRequest.findUniqueOrThrow({ where: { id: r.body.id } });
    expect(row).toMatchObject({ rateLimitRequests: 100, rateLimitWindowSeconds: 60, quotaRequests: 10_000, quotaPeriod: "day" });
    const created = await db.auditEvent.findFirstOrThrow({ where: { targetId: r.body.id, action: "keyRequest.created" } });
    expect(created.metadata).toMatchObject(limits);

    const ok = await approve(t.owner.token, r.body.id);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: "approved", ...limits });
    const c = await claim(t.admin.token, r.body.id);
    expect(c.status, c.text).toBe(201);
    const key = await api(`/api/api-keys/${c.body.id}`, { token: t.owner.token });
    expect(key.status).toBe(200);
    expect(key.body.rateLimit).toEqual(limits.rateLimit);
    expect(key.body.quota).toEqual(limits.quota);

    // Without limits: none asked, none given (absent and null alike).
    const plain = await ask(t.admin.token, { name: "Unlimited", scopes: ["payments:write"], rateLimit: null });
    expect(plain.status, plain.text).toBe(201);
    expect(plain.body).toMatchObject({ rateLimit: null, quota: null });
    expect((await approve(t.owner.token, plain.body.id)).status).toBe(200);
    const c2 = await claim(t.admin.token, plain.body.id);
    const key2 = await api(`/api/api-keys/${c2.body.id}`, { token: t.owner.token });
    expect(key2.body).toMatchObject({ rateLimit: null, quota: null });
  });

  it("a bad limit is 400 Request.Invalid naming the field, with create's checks, and nothing is written", async () => {
    const t = await team("write");
    const before = await db.keyRequest.count({ where: { clientId: t.client.id } });
    const bad: [Record<string, unknown>, string][] = [
      [{ rateLimit: { requests: 100, windowSeconds: 0 } }, "rateLimit.windowSeconds"],
      [{ rateLimit: { requests: 100, windowSeconds: 86_401 } }, "rateLimit.windowSeconds"],
      [{ rateLimit: { requests: 1.5, windowSeconds: 60 } }, "rateLimit.requests"],
      [{ rateLimit: { requests: 100 } }, "rateLimit.windowSeconds"],
      [{ rateLimit: 100 }, "rateLimit"],
      [{ quota: { requests: 10, period: "week" } }, "quota.period"],
      [{ quota: { requests: 0, period: "day" } }, "quota.requests"],
      [{ quota: { requests: 10, period: "day", burst: 2 } }, "quota"],
    ];
    for (const [limit, field] of bad) {
      const res = await ask(t.admin.token, { name: "Bad limit", scopes: ["payments:write"], ...limit });
      expect(res.status, JSON.stringify(limit)).toBe(400);
      expect(res.body.code).toBe("Request.Invalid");
      expect(Object.keys(res.body.errors ?? {}).some((k) => k.startsWith(field)), `${JSON.stringify(limit)}: ${JSON.stringify(res.body.errors)}`).toBe(true);
    }
    expect(await db.keyRequest.count({ where: { clientId: t.client.id } })).toBe(before);
    expect(await db.auditEvent.count({ where: { clientId: t.client.id, action: "keyRequest.created" } })).toBe(0);
  });

  it("a widening request carries no limits: rateLimit or quota with keyId (even null) is 400, nothing written", async () => {
    const t = await team("write");
    const k = await createKey({ token: t.owner.token }, { scopes: ["invoices:read"] });
    for (const limit of [{ rateLimit: { requests: 10, windowSeconds: 1 } }, { quota: { requests: 10, period: "month" } }, { rateLimit: null }]) {
      const res = await ask(t.admin.token, { keyId: k.id, scopes: ["invoices:write"], ...limit });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("Request.Invalid");
      const field = Object.keys(limit)[0];
      expect(res.body.errors?.[field]?.[0]).toMatch(/does not change its limits.*PATCH/);
    }
    expect(await db.keyRequest.count({ where: { clientId: t.client.id } })).toBe(0);
    const fine = await ask(t.admin.token, { keyId: k.id, scopes: ["invoices:write"] });
    expect(fine.status).toBe(201);
    expect(fine.body).toMatchObject({ kind: "widen", rateLimit: null, quota: null });
  });
});
