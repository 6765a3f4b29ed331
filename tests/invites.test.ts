// Invitations over HTTP on real PostgreSQL: invite, list, resend, revoke,
// accept (new and existing accounts), the races and the secrets.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createKey, db, makeClient, makeUser, PASSWORD, uid, type Tenant, type TestUser } from "./helpers";

afterAll(() => db.$disconnect());

let client: Tenant;
let owner: TestUser;
let admin: TestUser;
let member: TestUser;
beforeAll(async () => {
  client = await makeClient();
  owner = await makeUser([[client, "Owner"]]);
  admin = await makeUser([[client, "Admin"]]);
  member = await makeUser([[client, "Member"]]);
});

const tokenOf = (inviteUrl: string) => decodeURIComponent(new URL(inviteUrl).hash.slice(1));
const email = () => `new-${uid()}@example.test`;
const NEW_PASSWORD = "a long enough password 42";

async function invite(by: TestUser, body: { email: string; role: string }) {
  const r = await api("/api/client-invites", { token: by.token, body });
  return r;
}

describe("POST /api/client-invites", () => {
  it("an Owner invites: 201 with the one-time link (token in the fragment, only its hash stored), audited", async () => {
    const to = email();
    const r = await invite(owner, { email: `  ${to.toUpperCase()} `, role: "Admin" });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ email: to, role: "Admin", status: "pending", invitedBy: expect.any(String), emailQueued: false });
    const url = new URL(r.body.inviteUrl);
    expect(url.pathname).toBe("/invite");
    expect(url.search).toBe("");
    const token = tokenOf(r.body.inviteUrl);
    expect(Buffer.from(token, "base64url").length).toBeGreaterThanOrEqual(32);
    const row = await db.clientInvite.findUniqueOrThrow({ where: { id: r.body.id } });
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token);
    const days = (row.expiresAt.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    expect(await db.auditEvent.count({ where: { clientId: client.id, action: "invite.created", targetId: r.body.id } })).toBe(1);

    const list = await api("/api/client-invites", { token: admin.token });
    expect(list.status).toBe(200);
    expect(list.body.data.find((i: { id: string }) => i.id === r.body.id)).toMatchObject({ email: to, status: "pending" });
    expect(list.text).not.toContain(token);
    expect(list.text).not.toContain("inviteUrl");
  });

  it("one pending invitation per email (case-insensitive), none for members; only an Owner invites an Owner", async () => {
    const to = email();
    expect((await invite(owner, { email: to, role: "Member" })).status).toBe(201);
    const dup = await invite(admin, { email: to.toUpperCase(), role: "Member" });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("ClientInvite.AlreadyPending");
    const already = await invite(owner, { email: member.email.toUpperCase(), role: "Admin" });
    expect(already.status).toBe(409);
    expect(already.body.code).toBe("ClientInvite.AlreadyMember");
    const asAdmin = await invite(admin, { email: email(), role: "Owner" });
    expect(asAdmin.status).toBe(403);
    expect(asAdmin.body.code).toBe("Member.Forbidden");
    expect((await invite(member, { email: email(), role: "Member" })).status).toBe(403);
    const key = await createKey({ token: owner.token });
    expect((await api("/api/client-invites", { apiKey: key.rawKey, body: { email: email(), role: "Member" } })).body.code).toBe("Auth.NotUserScopedToken");
    for (const body of [{}, { email: "nope", role: "Member" }, { email: email(), role: "King" }, { email: email(), role: "Member", clientId: client.id }]) {
      const bad = await api("/api/client-invites", { token: owner.token, body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe("accepting", () => {
  it("a new person sets a name and password, joins with the role, and can sign in; the link then is dead", async () => {
    const to = email();
    const r = await invite(owner, { email: to, role: "Admin" });
    const token = tokenOf(r.body.inviteUrl);
    const weak = await api("/api/client-invites/accept", { body: { token, name: "Nia New", password: "short" } });
    expect(weak.status).toBe(400);
    expect(weak.body.errors.password).toBeDefined();
    const asEmail = await api("/api/client-invites/accept", { body: { token, name: "Nia New", password: to } });
    expect(asEmail.status).toBe(400);
    const ok = await api("/api/client-invites/accept", { body: { token, name: "Nia New", password: NEW_PASSWORD } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ clientId: client.id, email: to, role: "Admin", newAccount: true });
    const t = await api("/api/auth/token", { body: { email: to, password: NEW_PASSWORD } });
    expect(t.status).toBe(200);
    expect((await api("/api/me", { token: t.body.token })).body).toMatchObject({ clientId: client.id, role: "Admin" });
    const again = await api("/api/client-invites/accept", { body: { token, name: "Nia New", password: NEW_PASSWORD } });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe("ClientInvite.Invalid");
    expect((await db.clientInvite.findUniqueOrThrow({ where: { id: r.body.id } })).acceptedAt).not.toBeNull();
    expect(await db.auditEvent.count({ where: { clientId: client.id, action: "invite.accepted", targetId: r.body.id } })).toBe(1);
  });

  it("an existing account (of another Client) joins with its own password; a wrong one is refused", async () => {
    const other = await makeClient("Sandbox");
    const person = await makeUser([[other, "Owner"]]);
    const r = await invite(owner, { email: person.email.toUpperCase(), role: "Member" });
    const token = tokenOf(r.body.inviteUrl);
    const wrong = await api("/api/client-invites/accept", { body: { token, password: "not the password" } });
    expect(wrong.status).toBe(401);
    const ok = await api("/api/client-invites/accept", { body: { token, password: PASSWORD } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ userId: person.id, role: "Member", newAccount: false });
    expect(await db.user.count({ where: { email: person.email } })).toBe(1);
    expect(await db.clientMember.count({ where: { userId: person.id } })).toBe(2);
  });

  it("invalid, revoked, expired and used links all get the same answer", async () => {
    const answers: unknown[] = [];
    answers.push((await api("/api/client-invites/accept", { body: { token: "x".repeat(43), password: NEW_PASSWORD, name: "X" } })).body.code);
    const revoked = await invite(owner, { email: email(), role: "Member" });
    expect((await api(`/api/client-invites/${revoked.body.id}/revoke`, { method: "POST", token: owner.token })).status).toBe(204);
    expect((await api(`/api/client-invites/${revoked.body.id}/revoke`, { method: "POST", token: owner.token })).status).toBe(204);
    answers.push((await api("/api/client-invites/accept", { body: { token: tokenOf(revoked.body.inviteUrl), password: NEW_PASSWORD, name: "X" } })).body.code);
    const expired = await invite(owner, { email: email(), role: "Member" });
    await db.clientInvite.update({ where: { id: expired.body.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    answers.push((await api("/api/client-invites/accept", { body: { token: tokenOf(expired.body.inviteUrl), password: NEW_PASSWORD, name: "X" } })).body.code);
    expect(answers).toEqual(["ClientInvite.Invalid", "ClientInvite.Invalid", "ClientInvite.Invalid"]);
    // An expired invitation shows as such and can be resent.
    const list = await api("/api/client-invites?Limit=100", { token: owner.token });
    expect(list.body.data.find((i: { id: string }) => i.id === expired.body.id).status).toBe("expired");
    const resent = await api(`/api/client-invites/${expired.body.id}/resend`, { method: "POST", token: owner.token });
    expect(resent.status).toBe(200);
    expect(resent.body.status).toBe("pending");
  });

  it("resend gives a new link and kills the old one; another Client's invitation is not found", async () => {
    const r = await invite(admin, { email: email(), role: "Member" });
    const resent = await api(`/api/client-invites/${r.body.id}/resend`, { method: "POST", token: admin.token });
    expect(resent.status).toBe(200);
    expect(resent.body.inviteUrl).not.toBe(r.body.inviteUrl);
    expect((await api("/api/client-invites/accept", { body: { token: tokenOf(r.body.inviteUrl), name: "Old", password: NEW_PASSWORD } })).status).toBe(400);
    expect((await api("/api/client-invites/accept", { body: { token: tokenOf(resent.body.inviteUrl), name: "New", password: NEW_PASSWORD } })).status).toBe(200);
    expect((await api(`/api/client-invites/${r.body.id}/resend`, { method: "POST", token: admin.token })).body.code).toBe("ClientInvite.NotPending");

    const stranger = await makeUser([[await makeClient(), "Owner"]]);
    for (const op of ["resend", "revoke"]) expect((await api(`/api/client-invites/${r.body.id}/${op}`, { method: "POST", token: stranger.token })).status).toBe(404);
    expect((await api(`/api/client-invites/${r.body.id.toUpperCase()}/revoke`, { method: "POST", token: stranger.token })).status).toBe(404);
    expect((await api(`/api/client-invites/not-an-id/revoke`, { method: "POST", token: owner.token })).status).toBe(404);
  });

  it("twenty parallel accepts of one link make exactly one account and one membership", async () => {
    const to = email();
    const r = await invite(owner, { email: to, role: "Member" });
    const token = tokenOf(r.body.inviteUrl);
    const results = await Promise.all(Array.from({ length: 20 }, () => api("/api/client-invites/accept", { body: { token, name: "Racer", password: NEW_PASSWORD } })));
    const statuses = results.map((x) => x.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const s of statuses) expect([200, 400, 409]).toContain(s);
    expect(await db.user.count({ where: { email: to } })).toBe(1);
    const u = await db.user.findUniqueOrThrow({ where: { email: to } });
    expect(await db.clientMember.count({ where: { userId: u.id } })).toBe(1);
  });

  it("removing a member revokes their pending invitations to that Client", async () => {
    const person = await makeUser([[await makeClient(), "Owner"]]);
    const r = await invite(owner, { email: person.email, role: "Admin" });
    await db.clientMember.create({ data: { clientId: client.id, userId: person.id, role: "Member" } }); // joined some other way
    expect((await api(`/api/members/${person.id}`, { method: "DELETE", token: owner.token })).status).toBe(204);
    expect((await db.clientInvite.findUniqueOrThrow({ where: { id: r.body.id } })).revokedAt).not.toBeNull();
    expect((await api("/api/client-invites/accept", { body: { token: tokenOf(r.body.inviteUrl), password: PASSWORD } })).status).toBe(400);
  });

  it("removing a person revokes the invitations they sent; demoting them revokes those they could no longer send (audited)", async () => {
    const c = await makeClient();
    const boss = await makeUser([[c, "Owner"]]);
    const mallory = await makeUser([[c, "Admin"]]);
    const sent = await invite(mallory, { email: email(), role: "Admin" });
    expect(sent.status).toBe(201);
    expect((await api(`/api/members/${mallory.id}`, { method: "DELETE", token: boss.token })).status).toBe(204);
    const back = await api("/api/client-invites/accept", { body: { token: tokenOf(sent.body.inviteUrl), name: "Mallory Again", password: NEW_PASSWORD } });
    expect(back.status).toBe(400);
    expect(back.body.code).toBe("ClientInvite.Invalid");
    expect(await db.clientMember.count({ where: { clientId: c.id } })).toBe(1);
    expect(await db.auditEvent.findFirst({ where: { clientId: c.id, action: "invite.revoked", targetId: sent.body.id } })).toMatchObject({ actorUserId: boss.id });

    // An Owner made Admin loses the Owner invitations she sent and keeps the others; made Member, she loses them all.
    const olga = await makeUser([[c, "Owner"]]);
    const toOwner = await invite(olga, { email: email(), role: "Owner" });
    const toAdmin = await invite(olga, { email: email(), role: "Admin" });
    const revokedAt = async (id: string) => (await db.clientInvite.findUniqueOrThrow({ where: { id } })).revokedAt;
    expect((await api(`/api/members/${olga.id}`, { method: "PATCH", token: boss.token, body: { role: "Admin" } })).status).toBe(200);
    expect(await revokedAt(toOwner.body.id)).not.toBeNull();
    expect(await revokedAt(toAdmin.body.id)).toBeNull();
    expect(await db.auditEvent.count({ where: { clientId: c.id, action: "invite.revoked", targetId: toOwner.body.id } })).toBe(1);
    expect((await api(`/api/members/${olga.id}`, { method: "PATCH", token: boss.token, body: { role: "Member" } })).status).toBe(200);
    expect(await revokedAt(toAdmin.body.id)).not.toBeNull();
    expect((await api("/api/client-invites/accept", { body: { token: tokenOf(toAdmin.body.inviteUrl), name: "Too Late", password: NEW_PASSWORD } })).status).toBe(400);
  });

  it("resend applies create's rules to an expired invitation: never a second live invitation for an email, none for a member", async () => {
    const to = email();
    const first = await invite(owner, { email: to, role: "Member" });
    await db.clientInvite.update({ where: { id: first.body.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const second = await invite(owner, { email: to, role: "Admin" });
    expect(second.status).toBe(201);
    const revived = await api(`/api/client-invites/${first.body.id}/resend`, { method: "POST", token: owner.token });
    expect(revived.status).toBe(409);
    expect(revived.body.code).toBe("ClientInvite.AlreadyPending");
    const live = () => db.clientInvite.count({ where: { clientId: client.id, email: to, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } } });
    expect(await live()).toBe(1);
    // Joined through the second: the expired first cannot bring them in again.
    expect((await api("/api/client-invites/accept", { body: { token: tokenOf(second.body.inviteUrl), name: "Joined", password: NEW_PASSWORD } })).status).toBe(200);
    const member = await api(`/api/client-invites/${first.body.id}/resend`, { method: "POST", token: owner.token });
    expect(member.status).toBe(409);
    expect(member.body.code).toBe("ClientInvite.AlreadyMember");
    expect(await live()).toBe(0);
  });

  it("no invite token reaches the logs or any database column", async () => {
    const r = await invite(owner, { email: email(), role: "Member" });
    const token = tokenOf(r.body.inviteUrl);
    await api("/api/client-invites/accept", { body: { token, name: "Secret Keeper", password: NEW_PASSWORD } });
    await api("/api/client-invites/accept", { body: { token, name: "Secret Keeper", password: NEW_PASSWORD } });
    await new Promise((res) => setTimeout(res, 500));
    const log = fs.readFileSync(process.env.TEST_SERVER_LOG!, "utf8");
    expect(log.includes(token.slice(0, 30))).toBe(false);
    expect(log.includes(NEW_PASSWORD)).toBe(false);
    const tables = await db.$queryRaw<{ tablename: string }[]>`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`;
    for (const { tablename } of tables) {
      const rows = await db.$queryRawUnsafe<{ j: string }[]>(`SELECT row_to_json(t)::text AS j FROM "${tablename}" t`);
      expect(rows.map((x) => x.j).join("\n").includes(token.slice(0, 30)), `the token is stored in ${tablename}`).toBe(false);
    }
  });
});
