import "server-only";
// The Client's people: list, change a role, remove. Every change locks the
// Client row first, so two Owners demoting each other at once cannot leave the
// Client without an Owner.
import { lockClient } from "@/lib/clients/lock";
import { actorOf, recordAuditEvent } from "@/lib/audit/record-audit-event";
import { enqueueWebhookEvent } from "@/lib/webhooks/events";
import type { UserPrincipal } from "@/lib/auth/principal";
import type { Role } from "@/lib/auth/permissions";
import { db, type Tx } from "@/lib/db/client";
import { after, isUuid, NEWEST_FIRST, page, resolveCursor } from "@/lib/http/keyset";
import { Problems } from "@/lib/http/problem";
import type { RequestMeta } from "@/lib/http/request-meta";
import { revokeInvitesOnMemberChange } from "@/lib/invites/invites";
import { assertMayChange } from "./rules";
import { memberPageSchema, memberSchema, type MemberView } from "./schemas";

const select = {
  id: true,
  role: true,
  createdAt: true,
  user: { select: { id: true, email: true, name: true, factors: { where: { confirmedAt: { not: null } }, select: { id: true }, take: 1 } } },
} as const;
type Row = { role: Role; createdAt: Date; user: { id: string; email: string; name: string; factors: { id: string }[] } };
const view = (r: Row): MemberView =>
  memberSchema.parse({ userId: r.user.id, email: r.user.email, name: r.user.name, role: r.role, joinedAt: r.createdAt.toISOString(), twoFactor: r.user.factors.length > 0 });

/** The Client's members, newest first (list conventions). */
export async function listMembers(clientId: string, q: { Cursor?: string; Limit: number }) {
  const from = await resolveCursor(q.Cursor, (id) => db().clientMember.findFirst({ where: { id, clientId }, select: { id: true, createdAt: true } }));
  const rows = await db().clientMember.findMany({ where: { clientId, ...after(from) }, orderBy: NEWEST_FIRST, take: q.Limit + 1, select });
  return memberPageSchema.parse(page(rows, q.Limit, view));
}

/** Under the Client lock: the actor's and the target's current roles, and how many Owners there are. */
async function lockedState(tx: Tx, principal: UserPrincipal, userId: string) {
  await lockClient(tx, principal.clientId);
  const [target, actor, owners] = await Promise.all([
    isUuid(userId) ? tx.clientMember.findUnique({ where: { clientId_userId: { clientId: principal.clientId, userId } }, select }) : null,
    tx.clientMember.findUnique({ where: { clientId_userId: { clientId: principal.clientId, userId: principal.userId } }, select: { role: true } }),
    tx.clientMember.count({ where: { clientId: principal.clientId, role: "Owner" } }),
  ]);
  if (!target) throw Problems.notFound("Member.NotFound", "Member");
  if (!actor) throw Problems.forbidden("You are no longer a member of this Client.");
  return { target, actorRole: actor.role, owners };
}

export async function changeMemberRole(principal: UserPrincipal, userId: string, role: Role, meta: RequestMeta): Promise<MemberView> {
  return db().$transaction(async (tx) => {
    const { target, actorRole, owners } = await lockedState(tx, principal, userId);
    if (target.role === role) return view(target);
    assertMayChange(actorRole, target.role, role, owners);
    const updated = await tx.clientMember.update({ where: { id: target.id }, data: { role }, select });
    // The invitations they sent that their new role could not send die with the old role.
    await revokeInvitesOnMemberChange(tx, principal, { userId: target.user.id, email: target.user.email }, role, meta);
    await recordAuditEvent(tx, {
      clientId: principal.clientId,
      action: "member.roleChanged",
      actor: actorOf(principal),
      target: { type: "user", id: target.user.id, label: target.user.email },
      metadata: { before: target.role, after: role },
      meta,
    });
    await enqueueWebhookEvent(tx, principal.clientId, "member.roleChanged", { id: target.user.id, email: target.user.email, before: target.role, role });
    return view(updated);
  });
}

/** Remove someone from the Client (oneself included: leaving). Their sessions lose this Client on their next request. */
export async function removeMember(principal: UserPrincipal, userId: string, meta: RequestMeta): Promise<void> {
  await db().$transaction(async (tx) => {
    const { target, actorRole, owners } = await lockedState(tx, principal, userId);
    assertMayChange(actorRole, target.role, null, owners);
    await tx.clientMember.delete({ where: { id: target.id } });
    // Nor can they come back through an invitation: neither one sent to them nor one they sent.
    await revokeInvitesOnMemberChange(tx, principal, { userId: target.user.id, email: target.user.email }, null, meta);
    await recordAuditEvent(tx, {
      clientId: principal.clientId,
      action: "member.removed",
      actor: actorOf(principal),
      target: { type: "user", id: target.user.id, label: target.user.email },
      metadata: { role: target.role },
      meta,
    });
    await enqueueWebhookEvent(tx, principal.clientId, "member.removed", { id: target.user.id, email: target.user.email, role: target.role });
  });
}
