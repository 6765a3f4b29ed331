// GET /api/members, PATCH/DELETE /api/members/{userId}: roles and the last-Owner rule.
import { afterAll, describe, expect, it } from "vitest";
import { api, db, makeClient, makeUser } from "./helpers";

afterAll(() => db.$disconnect());

async function team() {
  const c = await makeClient();
  const owner = await makeUser([[c, "Owner"]]);
  const admin = await makeUser([[c, "Admin"]]);
  const member = await makeUser([[c, "Member"]]);
  return { c, owner, admin, member };
}
const role = (clientId: string, userId: string) => db.clientMember.findUniqueOrThrow({ where: { clientId_userId: { clientId, userId } } }).then((m) => m.role);

describe("members", () => {
  it("anyone in the Client lists its members (and only its), paged; API keys may not", async () => {
    const { c, owner, admin, member } = await team();
    await team(); // another Client's people never show
    const r = await api("/api/members?Limit=2", { token: member.token });
    expect(r.status).toBe(200);
    expect(r.body.data.map((m: { email: string }) => m.email)).toEqual([member.email, admin.email]);
    const rest = await api(`/api/members?Limit=2&Cursor=${r.body.nextCursor}`, { token: member.token });
    expect(rest.body.data).toEqual([expect.objectContaining({ email: owner.email, role: "Owner", userId: owner.id })]);
    expect(rest.body.hasMore).toBe(false);
    const key = (await api("/api/api-keys", { token: owner.token, body: {} })).body.rawKey;
    expect((await api("/api/members", { apiKey: key })).body.code).toBe("Auth.NotUserScopedToken");
    expect(await db.clientMember.count({ where: { clientId: c.id } })).toBe(3);
  });

  it("an Admin promotes a Member to Admin, audited; a demotion takes effect on the next request", async () => {
    const { c, admin, member } = await team();
    const r = await api(`/api/members/${member.id}`, { token: admin.token, method: "PATCH", body: { role: "Admin" } });
    expect([r.status, r.body.role]).toEqual([200, "Admin"]);
    expect((await api("/api/api-keys", { token: member.token, body: {} })).status).toBe(201);
    await api(`/api/members/${member.id}`, { token: admin.token, method: "PATCH", body: { role: "Member" } });
    expect((await api("/api/api-keys", { token: member.token, body: {} })).body.code).toBe("Member.Forbidden");
    const events = await db.auditEvent.findMany({ where: { clientId: c.id, action: "member.roleChanged" }, orderBy: { createdAt: "asc" } });
    expect(events.map((e) => e.metadata)).toEqual([{ before: "Member", after: "Admin" }, { before: "Admin", after: "Member" }]);
    expect(events[0]).toMatchObject({ targetType: "user", targetId: member.id, targetLabel: member.email, actorUserId: admin.id });
  });

  it("only an Owner touches the Owner role; Members change nothing", async () => {
    const { c, owner, admin, member } = await team();
    for (const [who, body] of [[admin, { role: "Owner" }], [member, { role: "Admin" }]] as const) {
      const r = await api(`/api/members/${member.id}`, { token: who.token, method: "PATCH", body });
      expect([r.status, r.body.code]).toEqual([403, "Member.Forbidden"]);
    }
    expect((await api(`/api/members/${owner.id}`, { token: admin.token, method: "PATCH", body: { role: "Member" } })).status).toBe(403);
    expect((await api(`/api/members/${owner.id}`, { token: admin.token, method: "DELETE" })).status).toBe(403);
    expect(await role(c.id, owner.id)).toBe("Owner");
    const up = await api(`/api/members/${admin.id}`, { token: owner.token, method: "PATCH", body: { role: "Owner" } });
    expect(up.body.role).toBe("Owner");
  });

  it("the last Owner can be neither demoted nor removed (409 Member.LastOwner); with two, one may step down", async () => {
    const { c, owner, admin } = await team();
    const self = await api(`/api/members/${owner.id}`, { token: owner.token, method: "PATCH", body: { role: "Admin" } });
    expect([self.status, self.body.code]).toEqual([409, "Member.LastOwner"]);
    expect((await api(`/api/members/${owner.id}`, { token: owner.token, method: "DELETE" })).body.code).toBe("Member.LastOwner");
    await api(`/api/members/${admin.id}`, { token: owner.token, method: "PATCH", body: { role: "Owner" } });
    expect((await api(`/api/members/${owner.id}`, { token: owner.token, method: "PATCH", body: { role: "Admin" } })).status).toBe(200);
    expect(await db.clientMember.count({ where: { clientId: c.id, role: "Owner" } })).toBe(1);
  });

  it("two Owners demoting each other at once: exactly one succeeds, the Client keeps an Owner", async () => {
    const c = await makeClient();
    const a = await makeUser([[c, "Owner"]]);
    const b = await makeUser([[c, "Owner"]]);
    const [x, y] = await Promise.all([
      api(`/api/members/${b.id}`, { token: a.token, method: "PATCH", body: { role: "Member" } }),
      api(`/api/members/${a.id}`, { token: b.token, method: "PATCH", body: { role: "Member" } }),
    ]);
    // The loser is no longer an Owner when its turn comes (roles are re-read under the Client lock).
    expect([x.status, y.status].sort()).toEqual([200, 403]);
    expect(await db.clientMember.count({ where: { clientId: c.id, role: "Owner" } })).toBe(1);
  });

  it("removing someone ends their access to this Client at once; other Clients' people are 404; bad roles 400", async () => {
    const { c, owner, member } = await team();
    const other = await team();
    expect((await api(`/api/members/${other.member.id}`, { token: owner.token, method: "DELETE" })).body.code).toBe("Member.NotFound");
    expect((await api(`/api/members/not-a-uuid`, { token: owner.token, method: "DELETE" })).status).toBe(404);
    for (const body of [{}, { role: "owner" }, { role: "Superuser" }, { role: "Admin", userId: owner.id }]) {
      const r = await api(`/api/members/${member.id}`, { token: owner.token, method: "PATCH", body });
      expect([r.status, r.body.code]).toEqual([400, "Request.Invalid"]);
    }
    expect((await api("/api/api-keys", { token: member.token })).status).toBe(200);
    expect((await api(`/api/members/${member.id}`, { token: owner.token, method: "DELETE" })).status).toBe(204);
    expect((await api("/api/api-keys", { token: member.token })).body.code).toBe("Member.Forbidden");
    expect(await db.auditEvent.count({ where: { clientId: c.id, action: "member.removed", targetId: member.id } })).toBe(1);
    expect(await db.clientMember.count({ where: { clientId: other.c.id } })).toBe(3);
  });
});
