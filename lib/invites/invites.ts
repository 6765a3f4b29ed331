import "server-only";
// Invitations: create, list, resend, revoke, look up by token, accept. Every
// write locks the Client row first (as key writes and member changes do), so
// "one pending invite per email" and the pending cap cannot race. The token is
// 32 random bytes; only its SHA-256 is stored, and the link carries it in the
// URL fragment (#), which browsers never send to a server: it cannot reach an
// access log or a Referer header.
import { createHash, randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import { actorOf, recordAuditEvent, type Actor } from "@/lib/audit/record-audit-event";
import { enqueueWebhookEvent } from "@/lib/webhooks/events";
import type { UserPrincipal } from "@/lib/auth/principal";
import { can, type Role } from "@/lib/auth/permissions";
import { assertRecentProof } from "@/lib/auth/sudo";
import { lockClient } from "@/lib/clients/lock";
import { db, type Tx } from "@/lib/db/client";
import { env } from "@/lib/env";
import { Prisma } from "@/lib/generated/prisma/client";
import { after, isUuid, NEWEST_FIRST, page, resolveCursor } from "@/lib/http/keyset";
import { ApiError, Problems } from "@/lib/http/problem";
import { assertNotBlocked, consume, limitPasswordCheck, recordFailure } from "@/lib/http/rate-limit";
import type { RequestMeta } from "@/lib/http/request-meta";
import { enqueueEmail, mailConfigured } from "@/lib/mail/outbox";
import { inviteEmail } from "@/lib/mail/templates";
import { mayTouch } from "@/lib/members/rules";
import {
  acceptedInviteSchema,
  createdInviteSchema,
  invitePageSchema,
  inviteSchema,
  passwordProblem,
  type AcceptedInvite,
  type AcceptInviteData,
  type CreatedInviteView,
  type CreateInviteData,
  type InviteView,
} from "./schemas";

const DAY_MS = 86_400_000;

/** Who invites: a signed-in Admin/Owner, or the operator at the deploy shell. */
export type Inviter = { type: "user"; principal: UserPrincipal } | { type: "operator"; label: string };

export const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");
const newToken = () => randomBytes(32).toString("base64url");
export const inviteUrl = (baseUrl: string, token: string) => `${baseUrl.replace(/\/+$/, "")}/invite#${token}`;

const select = {
  id: true,
  email: true,
  role: true,
  expiresAt: true,
  createdAt: true,
  lastSentAt: true,
  invitedByLabel: true,
  acceptedAt: true,
  revokedAt: true,
} satisfies Prisma.ClientInviteSelect;
type Row = Prisma.ClientInviteGetPayload<{ select: typeof select }>;

function statusOf(r: Row, now = Date.now()): InviteView["status"] {
  if (r.acceptedAt) return "accepted";
  if (r.revokedAt) return "revoked";
  return r.expiresAt.getTime() <= now ? "expired" : "pending";
}

function view(r: Row): InviteView {
  return inviteSchema.parse({
    id: r.id,
    email: r.email,
    role: r.role,
    status: statusOf(r),
    expiresAt: r.expiresAt.toISOString(),
    createdAt: r.createdAt.toISOString(),
    lastSentAt: r.lastSentAt.toISOString(),
    invitedBy: r.invitedByLabel,
    acceptedAt: r.acceptedAt?.toISOString() ?? null,
  });
}

const pendingWhere = (now: Date) => ({ acceptedAt: null, revokedAt: null, expiresAt: { gt: now } });

const conflict = (code: string, title: string, detail: string) => new ApiError({ status: 409, code, title, detail });
const invalidLink = () =>
  new ApiError({
    status: 400,
    code: "ClientInvite.Invalid",
    title: "Invalid or expired invitation",
    detail: "This invitation link is invalid or has expired. Ask whoever invited you for a new one.",
  });

function actorFor(inviter: Inviter): Actor {
  return inviter.type === "user" ? actorOf(inviter.principal) : { type: "operator", label: inviter.label };
}

/** An Admin may invite Admins and Members; only an Owner may invite (or resend to, or revoke) an Owner. */
function assertMayInvite(inviter: Inviter, role: Role): void {
  if (inviter.type === "user" && !mayTouch(inviter.principal.role, role, role)) {
    throw Problems.forbidden("Only an Owner can invite an Owner.");
  }
}

/**
 * The inviter's role as it is now, read under the Client lock: a request that
 * began before its inviter was removed or demoted must not issue (or resend) a
 * link that the removal or demotion, committed meanwhile, would have revoked.
 */
async function assertStillMayInvite(tx: Tx, inviter: Inviter, clientId: string, role: Role): Promise<void> {
  if (inviter.type !== "user") return;
  const now = await tx.clientMember.findUnique({ where: { clientId_userId: { clientId, userId: inviter.principal.userId } }, select: { role: true } });
  if (!now) throw Problems.forbidden("You are no longer a member of this Client.");
  if (!can(now.role, "invites:write")) throw Problems.forbidden("Your role no longer lets you invite people.");
  assertMayInvite({ type: "user", principal: { ...inviter.principal, role: now.role } }, role);
}

async function queueInviteEmail(tx: Tx, inv: { id: string; email: string; role: Role; expiresAt: Date }, clientId: string, invitedBy: string, url: string): Promise<boolean> {
  if (!mailConfigured()) return false;
  const client = await tx.client.findUniqueOrThrow({ where: { id: clientId }, select: { name: true, type: true } });
  const mail = inviteEmail({ clientName: client.name, clientType: client.type, role: inv.role, invitedBy, expiresAt: inv.expiresAt });
  await enqueueEmail(tx, { ...mail, to: inv.email, secretLink: url, subjectId: inv.id });
  return true;
}

/**
 * With mail configured the link goes only to the invitee's mailbox: a person
 * who invites never sees it (else they could accept it themselves, for an
 * address with no account yet, and own that account). Without mail
 * (development) it is shown once, to be sent by hand. The operator at the
 * deploy shell always gets it (they hold the database anyway).
 */
const created = (inviter: Inviter, r: Row, url: string, emailQueued: boolean): CreatedInviteView =>
  createdInviteSchema.parse({ ...view(r), inviteUrl: emailQueued && inviter.type === "user" ? null : url, emailQueued });

/**
 * Create's rules for issuing a link to `email` (also on resend, so an expired
 * invitation cannot come back around them): not already a member, no other
 * live invitation for the address, under the pending cap. Under the Client lock.
 */
async function assertMayIssue(tx: Tx, clientId: string, email: string, now: Date, except?: string): Promise<void> {
  const member = await tx.clientMember.findFirst({ where: { clientId, user: { email } }, select: { id: true } });
  if (member) throw conflict("ClientInvite.AlreadyMember", "Already a member", `${email} is already a member of this Client.`);
  const others = except ? { id: { not: except } } : {};
  const pending = await tx.clientInvite.findFirst({ where: { clientId, email, ...pendingWhere(now), ...others }, select: { id: true } });
  if (pending) {
    throw conflict(
      "ClientInvite.AlreadyPending",
      "Already invited",
      except ? `${email} has a newer pending invitation. Resend that one instead.` : `${email} already has a pending invitation. Resend it instead of inviting again.`,
    );
  }
  const pendingCount = await tx.clientInvite.count({ where: { clientId, ...pendingWhere(now), ...others } });
  if (pendingCount >= env().MAX_PENDING_INVITES) {
    throw conflict("ClientInvite.TooMany", "Too many pending invitations", `This Client has ${pendingCount} pending invitations. Revoke some before inviting more.`);
  }
}

export async function createInvite(inviter: Inviter, clientId: string, input: CreateInviteData, meta: RequestMeta, baseUrl: string): Promise<CreatedInviteView> {
  assertMayInvite(inviter, input.role);
  if (inviter.type === "user") await consume("invites", clientId);
  const token = newToken();
  const url = inviteUrl(baseUrl, token);
  const now = new Date();
  const invitedBy = inviter.type === "user" ? inviter.principal.name || inviter.principal.email : inviter.label;
  return db().$transaction(async (tx) => {
    await lockClient(tx, clientId);
    await assertStillMayInvite(tx, inviter, clientId, input.role);
    await assertMayIssue(tx, clientId, input.email, now);
    const row = await tx.clientInvite.create({
      data: {
        clientId,
        email: input.email,
        role: input.role,
        tokenHash: hashToken(token),
        expiresAt: new Date(now.getTime() + env().INVITE_TTL_DAYS * DAY_MS),
        invitedByUserId: inviter.type === "user" ? inviter.principal.userId : null,
        invitedByLabel: invitedBy.slice(0, 200),
      },
      select,
    });
    await recordAuditEvent(tx, {
      clientId,
      action: "invite.created",
      actor: actorFor(inviter),
      target: { type: "invite", id: row.id, label: row.email },
      metadata: { email: row.email, role: row.role, expiresAt: row.expiresAt.toISOString() },
      meta,
    });
    await enqueueWebhookEvent(tx, clientId, "invitation.created", { id: row.id, email: row.email, role: row.role, expiresAt: row.expiresAt.toISOString() });
    const emailQueued = await queueInviteEmail(tx, row, clientId, invitedBy, url);
    return created(inviter, row, url, emailQueued);
  });
}

export async function listInvites(clientId: string, q: { Cursor?: string; Limit: number }) {
  const from = await resolveCursor(q.Cursor, (id) => db().clientInvite.findFirst({ where: { id, clientId }, select: { id: true, createdAt: true } }));
  const rows = await db().clientInvite.findMany({ where: { clientId, ...after(from) }, orderBy: NEWEST_FIRST, take: q.Limit + 1, select });
  return invitePageSchema.parse(page(rows, q.Limit, view));
}

async function lockedInvite(tx: Tx, principal: UserPrincipal, id: string) {
  await lockClient(tx, principal.clientId);
  const row = isUuid(id) ? await tx.clientInvite.findFirst({ where: { id, clientId: principal.clientId }, select }) : null;
  if (!row) throw Problems.notFound("ClientInvite.NotFound", "Invitation");
  await assertStillMayInvite(tx, { type: "user", principal }, principal.clientId, row.role);
  return row;
}

/** A new link (and expiry) for a pending or expired invitation, under create's rules; the old link dies. */
export async function resendInvite(principal: UserPrincipal, id: string, meta: RequestMeta, baseUrl: string): Promise<CreatedInviteView> {
  await consume("invites", principal.clientId);
  const token = newToken();
  const url = inviteUrl(baseUrl, token);
  const now = new Date();
  return db().$transaction(async (tx) => {
    const old = await lockedInvite(tx, principal, id);
    // A new link for an Owner's invitation grants Owner as much as the first one did: the same recent proof.
    if (old.role === "Owner") assertRecentProof(principal, "owners:grant");
    if (old.acceptedAt || old.revokedAt) {
      throw conflict("ClientInvite.NotPending", "Invitation is closed", `This invitation was already ${old.acceptedAt ? "accepted" : "revoked"}. Invite the person again instead.`);
    }
    await assertMayIssue(tx, principal.clientId, old.email, now, old.id);
    const row = await tx.clientInvite.update({
      where: { id: old.id },
      // Whoever issues the live link is its inviter (the email names them), so their removal revokes it.
      data: {
        tokenHash: hashToken(token),
        expiresAt: new Date(now.getTime() + env().INVITE_TTL_DAYS * DAY_MS),
        lastSentAt: now,
        sendCount: { increment: 1 },
        invitedByUserId: principal.userId,
        invitedByLabel: (principal.name || principal.email).slice(0, 200),
      },
      select,
    });
    await recordAuditEvent(tx, {
      clientId: principal.clientId,
      action: "invite.resent",
      actor: actorOf(principal),
      target: { type: "invite", id: row.id, label: row.email },
      metadata: { email: row.email, role: row.role, expiresAt: row.expiresAt.toISOString() },
      meta,
    });
    await enqueueWebhookEvent(tx, principal.clientId, "invitation.resent", { id: row.id, email: row.email, role: row.role, expiresAt: row.expiresAt.toISOString() });
    const emailQueued = await queueInviteEmail(tx, row, principal.clientId, principal.name || principal.email, url);
    return created({ type: "user", principal }, row, url, emailQueued);
  });
}

/** The link stops working. Idempotent; an accepted invitation cannot be revoked (remove the member instead). */
export async function revokeInvite(principal: UserPrincipal, id: string, meta: RequestMeta): Promise<void> {
  await db().$transaction(async (tx) => {
    const row = await lockedInvite(tx, principal, id);
    if (row.revokedAt) return;
    if (row.acceptedAt) throw conflict("ClientInvite.NotPending", "Invitation was accepted", "This invitation was accepted: remove the member instead.");
    await tx.clientInvite.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
    await recordAuditEvent(tx, {
      clientId: principal.clientId,
      action: "invite.revoked",
      actor: actorOf(principal),
      target: { type: "invite", id: row.id, label: row.email },
      metadata: { email: row.email, role: row.role },
      meta,
    });
    await enqueueWebhookEvent(tx, principal.clientId, "invitation.revoked", { id: row.id, email: row.email, role: row.role, reason: "revoked" });
  });
}

/**
 * A member removed or given another role (call it in that change's
 * transaction, under the Client lock). Removed (`newRole` null): their own
 * pending invitations to this Client die (they cannot come back through one),
 * and so do all those they sent. Given another role: those they sent that the
 * new role could not send (a Member sends none; an Admin no Owner's). Each
 * revocation is audited like one by hand. Returns how many died.
 */
export async function revokeInvitesOnMemberChange(
  tx: Tx,
  principal: UserPrincipal,
  target: { userId: string; email: string },
  newRole: Role | null,
  meta: RequestMeta,
): Promise<number> {
  const clientId = principal.clientId;
  const open = { clientId, acceptedAt: null, revokedAt: null };
  const candidates = await tx.clientInvite.findMany({
    where: newRole === null ? { ...open, OR: [{ invitedByUserId: target.userId }, { email: target.email.trim().toLowerCase() }] } : { ...open, invitedByUserId: target.userId },
    select: { id: true, email: true, role: true, invitedByUserId: true },
  });
  const doomed = candidates.filter((i) => newRole === null || !(can(newRole, "invites:write") && mayTouch(newRole, i.role, i.role)));
  if (doomed.length === 0) return 0;
  await tx.clientInvite.updateMany({ where: { id: { in: doomed.map((i) => i.id) }, ...open }, data: { revokedAt: new Date() } });
  for (const i of doomed) {
    await recordAuditEvent(tx, {
      clientId,
      action: "invite.revoked",
      actor: actorOf(principal),
      target: { type: "invite", id: i.id, label: i.email },
      metadata: { email: i.email, role: i.role, reason: i.invitedByUserId === target.userId ? (newRole === null ? "inviterRemoved" : "inviterDemoted") : "memberRemoved" },
      meta,
    });
    await enqueueWebhookEvent(tx, clientId, "invitation.revoked", {
      id: i.id,
      email: i.email,
      role: i.role,
      reason: i.invitedByUserId === target.userId ? (newRole === null ? "inviterRemoved" : "inviterDemoted") : "memberRemoved",
    });
  }
  return doomed.length;
}

export type InviteLookup = {
  clientId: string;
  clientName: string;
  clientType: "Live" | "Sandbox";
  email: string;
  role: Role;
  invitedBy: string;
  expiresAt: string;
  accountExists: boolean;
};

/** What a pending, unexpired invitation grants, for the accept page; null for any other token. */
export async function lookupInvite(token: string): Promise<InviteLookup | null> {
  if (typeof token !== "string" || token.length < 20 || token.length > 200) return null;
  const row = await db().clientInvite.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { ...select, client: { select: { id: true, name: true, type: true } } },
  });
  if (!row || statusOf(row) !== "pending") return null;
  const account = await db().user.findUnique({ where: { email: row.email }, select: { id: true } });
  return {
    clientId: row.client.id,
    clientName: row.client.name,
    clientType: row.client.type,
    email: row.email,
    role: row.role,
    invitedBy: row.invitedByLabel,
    expiresAt: row.expiresAt.toISOString(),
    accountExists: account !== null,
  };
}

/**
 * Exchange a token for membership. `signedInUserId`: the browser's user, who
 * must be the invited email's. Otherwise the invited email's account proves
 * itself with its password, or, when there is no account, one is made with
 * `name` and `password`. One transaction marks the invitation accepted only if
 * it is still pending and unexpired, so a double click or twenty parallel
 * accepts make exactly one membership (and at most one account).
 * Failed attempts count against the address's sign-in failures, and a wrong
 * password against the account's as well (a locked account cannot accept).
 */
export async function acceptInvite(input: AcceptInviteData, meta: RequestMeta, signedInUserId: string | null = null): Promise<AcceptedInvite> {
  if (meta.ip !== null) assertNotBlocked("signInFailures", meta.ip);
  const fail = async (err: ApiError): Promise<never> => {
    if (meta.ip !== null) await recordFailure("signInFailures", meta.ip);
    throw err;
  };
  const found = await lookupInvite(input.token);
  if (!found) return fail(invalidLink());

  let userId: string | null = null;
  let newAccount: { name: string; passwordHash: string } | null = null;
  const account = await db().user.findUnique({ where: { email: found.email }, select: { id: true, passwordHash: true } });
  if (signedInUserId !== null) {
    if (!account || account.id !== signedInUserId) {
      throw new ApiError({
        status: 403,
        code: "ClientInvite.WrongAccount",
        title: "This invitation is for someone else",
        detail: `This invitation is for ${found.email}. Sign out, then open the link again.`,
      });
    }
    userId = account.id;
  } else if (account) {
    // A sign-in: the account's sign-in limit (the same bucket) applies before and after the check, from any address.
    const password = input.password;
    const ok = await limitPasswordCheck(meta.ip, found.email, async () => (password && (await verify(account.passwordHash, password).catch(() => false)) ? true : null));
    if (!ok) throw new ApiError({ status: 401, code: "Auth.InvalidCredentials", title: "Wrong password", detail: `Enter the password of ${found.email}.`, errors: { password: ["That password is not right."] } });
    userId = account.id;
  } else {
    const errors: Record<string, string[]> = {};
    if (!input.name) errors.name = ["Enter your name."];
    const pw = input.password === undefined ? "Choose a password." : passwordProblem(input.password, found.email);
    if (pw) errors.password = [pw];
    if (Object.keys(errors).length) throw Problems.invalid("A new account needs a name and a password.", errors);
    newAccount = { name: input.name!, passwordHash: await hash(input.password!) };
  }

  try {
    return await db().$transaction(async (tx) => {
      const [inv] = await tx.$queryRaw<{ id: string; clientId: string; email: string; role: Role }[]>`
        UPDATE "ClientInvite" SET "acceptedAt" = now()
        WHERE "tokenHash" = ${hashToken(input.token)} AND "acceptedAt" IS NULL AND "revokedAt" IS NULL AND "expiresAt" > now()
        RETURNING id, "clientId", email, role::text AS role`;
      if (!inv) throw invalidLink();
      const uid = userId ?? (await tx.user.create({ data: { email: inv.email, name: newAccount!.name, passwordHash: newAccount!.passwordHash }, select: { id: true } })).id;
      await tx.clientInvite.update({ where: { id: inv.id }, data: { acceptedByUserId: uid } });
      // Already a member (joined some other way meanwhile): the existing role stays.
      const existing = await tx.clientMember.findUnique({ where: { clientId_userId: { clientId: inv.clientId, userId: uid } }, select: { role: true } });
      const role = existing?.role ?? inv.role;
      if (!existing) await tx.clientMember.create({ data: { clientId: inv.clientId, userId: uid, role } });
      await recordAuditEvent(tx, {
        clientId: inv.clientId,
        action: "invite.accepted",
        actor: { type: "user", userId: uid, label: inv.email },
        target: { type: "invite", id: inv.id, label: inv.email },
        metadata: { email: inv.email, role, newAccount: newAccount !== null },
        meta,
      });
      await enqueueWebhookEvent(tx, inv.clientId, "invitation.accepted", { id: inv.id, email: inv.email, role, userId: uid });
      if (!existing) await enqueueWebhookEvent(tx, inv.clientId, "member.added", { id: uid, email: inv.email, role, invitationId: inv.id });
      return acceptedInviteSchema.parse({ clientId: inv.clientId, userId: uid, email: inv.email, role, newAccount: newAccount !== null });
    });
  } catch (err) {
    if (err instanceof ApiError && err.init.code === "ClientInvite.Invalid") return fail(err);
    // Another invitation made this email's account a moment ago.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw conflict("ClientInvite.AccountExists", "An account now exists", `An account for ${found.email} exists now: enter its password to accept.`);
    }
    throw err;
  }
}
