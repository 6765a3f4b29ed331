import "server-only";
// Key requests: four eyes on the keys the Client's keyApproval policy covers.
// One Owner or Admin asks (create's body plus a reason, or keyId to widen a
// key), another approves or denies, the requester claims a new key once within
// 24 hours (the key is created then: no raw key ever waits anywhere); a widening
// is applied on approval. Every write takes the Client row lock first (as key
// writes and member changes do) and moves a request with a conditional UPDATE,
// so two approvers or two claims race safely: one wins, the other gets a 409.
// "Expired" is computed whenever a request is read, and written (and audited)
// by expireKeyRequests: before every decision or claim, and by the hourly sweep.
import { limitColumns, limitColumnsSelect, limitsOf } from "@/lib/api-keys/view";
import { enqueueWebhookEvent } from "@/lib/webhooks/events";
import { countActiveKeys, createApprovedApiKey, checkExpiryPolicy, assertExpiryInFuture, limitReached, KEY_WRITE_TX } from "@/lib/api-keys/create-api-key";
import { assertCanGrant, assertCanManage } from "@/lib/api-keys/grant";
import type { CreateApiKeyData, CreateApiKeyResponse } from "@/lib/api-keys/schemas";
import { cacheForgetKey } from "@/lib/api-keys/verify-cache";
import { actorOf, auditRow, recordAuditEvent } from "@/lib/audit/record-audit-event";
import { widensAccess } from "@/lib/auth/permissions";
import type { UserPrincipal } from "@/lib/auth/principal";
import { assertRecentProof } from "@/lib/auth/sudo";
import { lockClient, type LockedClient } from "@/lib/clients/lock";
import { db, type Tx } from "@/lib/db/client";
import { sqlTransaction } from "@/lib/db/tx";
import { uuidv7 } from "@/lib/db/uuid";
import { env } from "@/lib/env";
import { Prisma } from "@/lib/generated/prisma/client";
import { after, isUuid, NEWEST_FIRST, page, resolveCursor } from "@/lib/http/keyset";
import { ApiError, Problems } from "@/lib/http/problem";
import type { RequestMeta } from "@/lib/http/request-meta";
import { enqueueEmail, mailConfigured } from "@/lib/mail/outbox";
import { keyRequestApprovedEmail, keyRequestDeniedEmail, keyRequestedEmail, type RequestFacts } from "./emails";
import { closeWidenRequests } from "./close";
import { KeyRequestProblems as P } from "./problems";
import {
  CLAIM_TTL_MS,
  keyRequestPagePath,
  keyRequestPageSchema,
  keyRequestSchema,
  needsApproval,
  PENDING_TTL_MS,
  wideningNeedsApproval,
  type CreateKeyRequestData,
  type DenyKeyRequestData,
  type KeyRequestListQuery,
  type KeyRequestStatus,
  type KeyRequestView,
} from "./schemas";

const person = { select: { id: true, name: true, email: true } } as const;
const select = {
  id: true,
  clientId: true,
  status: true,
  keyId: true,
  widen: true,
  name: true,
  expiresAt: true,
  fullAccess: true,
  scopes: true,
  allowedIps: true,
  beforeFullAccess: true,
  beforeScopes: true,
  beforeAllowedIps: true,
  ...limitColumnsSelect,
  reason: true,
  requestedByUserId: true,
  requestedByLabel: true,
  createdAt: true,
  decidedByUserId: true,
  decidedByLabel: true,
  decidedAt: true,
  denyReason: true,
  claimedAt: true,
  requestedBy: person,
  decidedBy: person,
  key: { select: { keyPrefix: true } },
} satisfies Prisma.KeyRequestSelect;
type Row = Prisma.KeyRequestGetPayload<{ select: typeof select }>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The status as of `now`: a pending request past 7 days, or an approved new key unclaimed 24 hours after approval, is expired. */
export function statusAt(r: Pick<Row, "status" | "widen" | "createdAt" | "decidedAt">, now: number): KeyRequestStatus {
  if (r.status === "pending" && r.createdAt.getTime() + PENDING_TTL_MS <= now) return "expired";
  if (r.status === "approved" && !r.widen && r.decidedAt && r.decidedAt.getTime() + CLAIM_TTL_MS <= now) return "expired";
  return r.status;
}

function deadlineOf(r: Row, status: KeyRequestStatus): Date | null {
  if (status === "pending") return new Date(r.createdAt.getTime() + PENDING_TTL_MS);
  if (status === "approved" && !r.widen && r.decidedAt) return new Date(r.decidedAt.getTime() + CLAIM_TTL_MS);
  return null;
}

function view(r: Row, now = Date.now()): KeyRequestView {
  const status = statusAt(r, now);
  return keyRequestSchema.parse({
    id: r.id,
    clientId: r.clientId,
    status,
    kind: r.widen ? "widen" : "create",
    keyId: r.keyId,
    name: r.name,
    expiresAt: iso(r.expiresAt),
    scopes: r.fullAccess ? null : r.scopes,
    allowedIps: r.allowedIps,
    ...limitsOf(r),
    before: r.widen ? { scopes: r.beforeFullAccess ? null : r.beforeScopes, allowedIps: r.beforeAllowedIps } : null,
    reason: r.reason,
    requestedBy: { id: r.requestedBy?.id ?? null, name: r.requestedBy?.name ?? null, email: r.requestedBy?.email ?? r.requestedByLabel },
    createdAt: r.createdAt.toISOString(),
    deadline: iso(deadlineOf(r, status)),
    decidedBy: r.decidedByLabel ? { id: r.decidedBy?.id ?? null, name: r.decidedBy?.name ?? null, email: r.decidedBy?.email ?? r.decidedByLabel } : null,
    decidedAt: iso(r.decidedAt),
    denyReason: r.denyReason,
    claimedAt: iso(r.claimedAt),
  });
}

/** The `where` for requests whose status as of `now` is `status`. */
function statusWhere(status: KeyRequestStatus, now: Date): Prisma.KeyRequestWhereInput {
  const pendingUntil = new Date(now.getTime() - PENDING_TTL_MS);
  const claimUntil = new Date(now.getTime() - CLAIM_TTL_MS);
  switch (status) {
    case "pending":
      return { status: "pending", createdAt: { gt: pendingUntil } };
    case "approved":
      return { status: "approved", OR: [{ widen: true }, { decidedAt: { gt: claimUntil } }] };
    case "expired":
      return {
        OR: [{ status: "expired" }, { status: "pending", createdAt: { lte: pendingUntil } }, { status: "approved", widen: false, decidedAt: { lte: claimUntil } }],
      };
    default:
      return { status };
  }
}

export async function listKeyRequests(clientId: string, q: KeyRequestListQuery) {
  const from = await resolveCursor(q.Cursor, (id) => db().keyRequest.findFirst({ where: { id, clientId }, select: { id: true, createdAt: true } }));
  const now = new Date();
  const rows = await db().keyRequest.findMany({
    where: { AND: [{ clientId }, q.Status ? statusWhere(q.Status, now) : {}, after(from)] },
    orderBy: NEWEST_FIRST,
    take: q.Limit + 1,
    select,
  });
  return keyRequestPageSchema.parse(page(rows, q.Limit, (r) => view(r, now.getTime())));
}

export async function getKeyRequest(clientId: string, id: string): Promise<KeyRequestView> {
  if (!isUuid(id)) throw P.notFound();
  const r = await db().keyRequest.findFirst({ where: { id, clientId }, select });
  if (!r) throw P.notFound();
  return view(r);
}

// ---- emails ---------------------------------------------------------------------------------------------------

function linkTo(id: string): string | null {
  const base = env().APP_URL;
  return base ? `${base.replace(/\/+$/, "")}${keyRequestPagePath(id)}` : null;
}

async function factsOf(tx: Tx, r: Row): Promise<RequestFacts> {
  const client = await tx.client.findUniqueOrThrow({ where: { id: r.clientId }, select: { name: true, type: true } });
  return {
    clientName: client.name,
    clientType: client.type,
    kind: r.widen ? "widen" : "create",
    keyName: r.name,
    keyPrefix: r.widen ? (r.key?.keyPrefix ?? null) : null,
    scopes: r.fullAccess ? null : r.scopes,
    allowedIps: r.allowedIps,
    expiresAt: r.expiresAt,
    ...limitsOf(r),
    reason: r.reason,
    link: linkTo(r.id),
  };
}

/** The requester's current email (they may have none left: a deleted account). */
const requesterEmail = (r: Row) => r.requestedBy?.email ?? null;

// ---- expiry ---------------------------------------------------------------------------------------------------

/**
 * Write "expired" on the requests past their time (one Client's, or every Client's for the sweep), each with its
 * audit event. The conditional UPDATE takes each row once, however many servers sweep at once.
 */
export async function expireKeyRequests(clientId: string | null = null, now = new Date()): Promise<number> {
  // On the pool directly (a plain BEGIN/COMMIT): no interactive-transaction start timeout for a background sweep.
  return sqlTransaction(async (tx) => {
    const rows = await tx.query<{ id: string; clientId: string; name: string | null; wasApproved: boolean; requestedByLabel: string }>(Prisma.sql`
      UPDATE "KeyRequest" SET status = 'expired', "expiredAt" = ${now}
      WHERE (${clientId}::uuid IS NULL OR "clientId" = ${clientId}::uuid)
        AND ((status = 'pending' AND "createdAt" <= ${new Date(now.getTime() - PENDING_TTL_MS)})
          OR (status = 'approved' AND NOT widen AND "decidedAt" <= ${new Date(now.getTime() - CLAIM_TTL_MS)}))
      RETURNING id, "clientId", name, "decidedAt" IS NOT NULL AS "wasApproved", "requestedByLabel"`);
    if (rows.length === 0) return 0;
    const audits = rows.map((r) => {
      const a = auditRow({
        clientId: r.clientId,
        action: "keyRequest.expired",
        actor: { type: "operator", label: "Dolfin (expiry)" },
        target: { type: "keyRequest", id: r.id, label: r.name ?? r.requestedByLabel },
        metadata: { was: r.wasApproved ? "approved" : "pending", requestedBy: r.requestedByLabel },
        meta: { ip: null, userAgent: null },
      });
      return Prisma.sql`(${uuidv7(now.getTime())}::uuid, ${a.clientId}::uuid, ${a.action}, ${a.actorType}::"ActorType", ${a.actorLabel}, ${a.targetType}, ${a.targetId}::uuid, ${a.targetLabel}, ${JSON.stringify(a.metadata)}::jsonb, ${now}::timestamptz)`;
    });
    await tx.query(Prisma.sql`
      INSERT INTO "AuditEvent" (id, "clientId", action, "actorType", "actorLabel", "targetType", "targetId", "targetLabel", metadata, "createdAt")
      VALUES ${Prisma.join(audits)}`);
    return rows.length;
  });
}

/** A request in a webhook event: what was asked, never the reason's free text beyond what the audit log shows. */
const requestEvent = (r: Row) => ({
  id: r.id,
  kind: r.widen ? "widen" : "create",
  name: r.name,
  keyId: r.keyId,
  scopes: r.fullAccess ? null : r.scopes,
  allowedIps: r.allowedIps,
  expiresAt: r.expiresAt?.toISOString() ?? null,
});

// ---- create ---------------------------------------------------------------------------------------------------

/** Owners and Admins of the Client other than `exceptUserIds`. */
async function approversBut(tx: Tx, clientId: string, exceptUserIds: (string | null)[]) {
  return tx.clientMember.findMany({
    where: { clientId, role: { in: ["Owner", "Admin"] }, userId: { notIn: exceptUserIds.filter((x): x is string => x !== null) } },
    select: { userId: true, user: { select: { email: true } } },
  });
}

const noApprover = () =>
  new ApiError({
    status: 409,
    code: "Policy.NotEnoughApprovers",
    title: "Nobody else can approve",
    detail: "Approval needs another Owner or Admin of this Client, and there is none besides you. Invite or promote an Admin first.",
  });

export async function createKeyRequest(principal: UserPrincipal, input: CreateKeyRequestData, meta: RequestMeta): Promise<KeyRequestView> {
  const now = new Date();
  if (input.kind === "create") {
    // Create's own checks, now (and again at claim time: the policy may have tightened).
    assertExpiryInFuture(input.expiresAt, now);
    assertCanGrant(principal, { scopes: input.scopes, allowedIps: input.allowedIps, expiresAt: input.expiresAt, rateLimit: input.rateLimit, quota: input.quota });
  }
  return db().$transaction(async (tx) => {
    const locked = await lockClient(tx, principal.clientId);
    let data: Prisma.KeyRequestUncheckedCreateInput;
    const base = { clientId: locked.id, reason: input.reason, requestedByUserId: principal.userId, requestedByLabel: principal.email, createdAt: now };
    if (input.kind === "create") {
      checkExpiryPolicy(locked, input.expiresAt, now);
      if (!needsApproval(locked.keyApproval, input.scopes)) throw P.notRequired(locked.keyApproval);
      const active = await countActiveKeys(tx, locked.id, now);
      if (active >= locked.maxActiveKeys) throw limitReached(active, locked.maxActiveKeys);
      data = {
        ...base,
        name: input.name,
        expiresAt: input.expiresAt,
        fullAccess: input.scopes === null,
        scopes: input.scopes ?? [],
        allowedIps: input.allowedIps,
        ...limitColumns({ rateLimit: input.rateLimit, quota: input.quota }),
      };
    } else {
      const key = await tx.apiKey.findFirst({
        where: { id: input.keyId, clientId: locked.id },
        select: { id: true, name: true, fullAccess: true, scopes: true, allowedIps: true, expiresAt: true, revokedAt: true, rotatedTo: { select: { id: true } }, ...limitColumnsSelect },
      });
      if (!key) throw Problems.notFound("ApiKey.NotFound", "API key");
      if (key.revokedAt || (key.expiresAt && key.expiresAt <= now) || key.rotatedTo) throw P.keyNotActive();
      const before = { scopes: key.fullAccess ? null : key.scopes, allowedIps: key.allowedIps };
      const wanted = { scopes: input.scopes !== undefined ? input.scopes : before.scopes, allowedIps: input.allowedIps ?? before.allowedIps };
      assertCanManage(principal, { ...before, expiresAt: key.expiresAt, ...limitsOf(key) }, "change the access of");
      assertCanGrant(principal, { ...wanted, expiresAt: key.expiresAt, ...limitsOf(key) });
      if (!wideningNeedsApproval(locked.keyApproval, widensAccess(before, wanted), wanted, before)) throw P.notRequired(locked.keyApproval);
      data = {
        ...base,
        widen: true,
        keyId: key.id,
        name: key.name,
        expiresAt: key.expiresAt,
        fullAccess: wanted.scopes === null,
        scopes: wanted.scopes ?? [],
        allowedIps: wanted.allowedIps,
        beforeFullAccess: key.fullAccess,
        beforeScopes: key.scopes,
        beforeAllowedIps: key.allowedIps,
      };
    }
    const approvers = await approversBut(tx, locked.id, [principal.userId]);
    if (approvers.length === 0) throw noApprover();
    const r = await tx.keyRequest.create({ data, select });
    await recordAuditEvent(tx, {
      clientId: locked.id,
      action: "keyRequest.created",
      actor: actorOf(principal),
      target: { type: "keyRequest", id: r.id, label: r.name ?? principal.email },
      metadata: {
        kind: r.widen ? "widen" : "create",
        keyId: r.keyId,
        name: r.name,
        expiresAt: iso(r.expiresAt),
        scopes: r.fullAccess ? null : r.scopes,
        allowedIps: r.allowedIps,
        ...limitsOf(r),
        reason: r.reason,
      },
      meta,
    });
    await enqueueWebhookEvent(tx, locked.id, "keyRequest.created", { ...requestEvent(r), requestedBy: principal.email });
    if (mailConfigured()) {
      const email = keyRequestedEmail({ ...(await factsOf(tx, r)), requester: principal.name ? `${principal.name} (${principal.email})` : principal.email });
      for (const a of approvers) await enqueueEmail(tx, { ...email, to: a.user.email, subjectId: r.id });
    }
    return view(r, now.getTime());
  }, KEY_WRITE_TX);
}

// ---- decide ---------------------------------------------------------------------------------------------------

/** Under the Client lock: the request, and the caller's role as it is now (a demotion committed meanwhile counts). */
async function lockedRequest(tx: Tx, principal: UserPrincipal, id: string): Promise<{ locked: LockedClient; r: Row }> {
  const locked = await lockClient(tx, principal.clientId);
  const r = await tx.keyRequest.findFirst({ where: { id, clientId: locked.id }, select });
  if (!r) throw P.notFound();
  return { locked, r };
}

async function assertStillApprover(tx: Tx, principal: UserPrincipal): Promise<void> {
  const m = await tx.clientMember.findUnique({ where: { clientId_userId: { clientId: principal.clientId, userId: principal.userId } }, select: { role: true } });
  if (!m) throw Problems.forbidden("You are no longer a member of this Client.");
  if (m.role !== "Owner" && m.role !== "Admin") throw Problems.forbidden();
}

const stateProblem = (status: KeyRequestStatus, pendingWas: boolean) => (status === "expired" ? P.expired(pendingWas) : P.notPending(status));

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Is the key's access (and expiry) still what the widening request recorded when it was made? */
function sameAccess(
  key: { fullAccess: boolean; scopes: readonly string[]; allowedIps: readonly string[]; expiresAt: Date | null },
  was: { fullAccess: boolean | null; scopes: readonly string[]; allowedIps: readonly string[]; expiresAt: Date | null },
): boolean {
  return (
    key.fullAccess === was.fullAccess &&
    (key.fullAccess || sameList(key.scopes, was.scopes)) &&
    sameList(key.allowedIps, was.allowedIps) &&
    (key.expiresAt?.getTime() ?? null) === (was.expiresAt?.getTime() ?? null)
  );
}

export async function approveKeyRequest(principal: UserPrincipal, id: string, meta: RequestMeta): Promise<KeyRequestView> {
  if (!isUuid(id)) throw P.notFound();
  await expireKeyRequests(principal.clientId);
  let widened: string | null = null;
  const result = await db().$transaction(async (tx) => {
    const { r } = await lockedRequest(tx, principal, id);
    await assertStillApprover(tx, principal);
    if (r.requestedByUserId === principal.userId) throw P.selfApproval();
    const now = new Date();
    const status = statusAt(r, now.getTime());
    if (status !== "pending") throw stateProblem(status, r.decidedAt === null);
    assertRecentProof(principal, "keyRequests:approve");
    const actor = actorOf(principal);
    // A widening applies only to the key as it was asked about (`before`, and its expiry): a key since revoked,
    // rotated or expired, or changed (narrowed, restricted), closes the request instead, so approval can never
    // undo a later restriction. Committed, then refused (409).
    const key =
      r.widen && r.keyId
        ? await tx.apiKey.findFirst({
            where: { id: r.keyId, clientId: principal.clientId },
            select: { id: true, name: true, keyPrefix: true, fullAccess: true, scopes: true, allowedIps: true, expiresAt: true, revokedAt: true, rotatedTo: { select: { id: true } } },
          })
        : null;
    if (r.widen) {
      const problem =
        !key || key.revokedAt || (key.expiresAt && key.expiresAt <= now) || key.rotatedTo
          ? ("keyNotActive" as const)
          : !sameAccess(key, { fullAccess: r.beforeFullAccess, scopes: r.beforeScopes, allowedIps: r.beforeAllowedIps, expiresAt: r.expiresAt })
            ? ("keyChanged" as const)
            : null;
      if (problem) {
        await closeWidenRequests(tx, { clientId: principal.clientId, keyId: r.keyId, cause: problem, actor, meta, onlyId: r.id }, now);
        return { problem };
      }
    }
    // Exactly the request as it was made: the conditional UPDATE moves it from pending once, whoever else tries.
    const moved = await tx.keyRequest.updateMany({
      where: { id: r.id, clientId: principal.clientId, status: "pending", createdAt: { gt: new Date(now.getTime() - PENDING_TTL_MS) } },
      data: { status: "approved", decidedByUserId: principal.userId, decidedByLabel: principal.email, decidedAt: now },
    });
    if (moved.count !== 1) throw P.notPending("decided");
    if (r.widen && key) {
      const before = { scopes: key.fullAccess ? null : key.scopes, allowedIps: key.allowedIps };
      const wanted = { scopes: r.fullAccess ? null : r.scopes, allowedIps: r.allowedIps };
      await tx.apiKey.update({ where: { id: key.id }, data: { fullAccess: r.fullAccess, scopes: r.scopes, allowedIps: r.allowedIps } });
      await recordAuditEvent(tx, {
        clientId: principal.clientId,
        action: "apiKey.accessChanged",
        actor,
        target: { type: "apiKey", id: key.id, label: key.name ?? key.keyPrefix },
        metadata: { keyPrefix: key.keyPrefix, before, after: wanted, keyRequestId: r.id },
        meta,
      });
      widened = key.id;
    }
    await recordAuditEvent(tx, {
      clientId: principal.clientId,
      action: "keyRequest.approved",
      actor,
      target: { type: "keyRequest", id: r.id, label: r.name ?? r.requestedByLabel },
      metadata: { kind: r.widen ? "widen" : "create", keyId: r.keyId, requestedBy: r.requestedByLabel },
      meta,
    });
    await enqueueWebhookEvent(tx, principal.clientId, "keyRequest.approved", { ...requestEvent(r), requestedBy: r.requestedByLabel, approvedBy: principal.email });
    const updated = await tx.keyRequest.findUniqueOrThrow({ where: { id: r.id }, select });
    const to = requesterEmail(updated);
    if (mailConfigured() && to) {
      const email = keyRequestApprovedEmail({
        ...(await factsOf(tx, updated)),
        approver: principal.name ? `${principal.name} (${principal.email})` : principal.email,
        claimBy: r.widen ? null : new Date(now.getTime() + CLAIM_TTL_MS),
      });
      await enqueueEmail(tx, { ...email, to, subjectId: r.id });
    }
    return { view: view(updated, now.getTime()) };
  }, KEY_WRITE_TX);
  if ("problem" in result) throw result.problem === "keyChanged" ? P.keyChanged() : P.keyNotActive();
  if (widened) cacheForgetKey(widened);
  return result.view;
}

export async function denyKeyRequest(principal: UserPrincipal, id: string, input: DenyKeyRequestData, meta: RequestMeta): Promise<KeyRequestView> {
  if (!isUuid(id)) throw P.notFound();
  await expireKeyRequests(principal.clientId);
  return db().$transaction(async (tx) => {
    const { r } = await lockedRequest(tx, principal, id);
    await assertStillApprover(tx, principal);
    const now = new Date();
    const status = statusAt(r, now.getTime());
    if (status !== "pending") throw stateProblem(status, r.decidedAt === null);
    const moved = await tx.keyRequest.updateMany({
      where: { id: r.id, clientId: principal.clientId, status: "pending", createdAt: { gt: new Date(now.getTime() - PENDING_TTL_MS) } },
      data: { status: "denied", decidedByUserId: principal.userId, decidedByLabel: principal.email, decidedAt: now, denyReason: input.reason },
    });
    if (moved.count !== 1) throw P.notPending("decided");
    const withdrawn = r.requestedByUserId === principal.userId;
    await recordAuditEvent(tx, {
      clientId: principal.clientId,
      action: "keyRequest.denied",
      actor: actorOf(principal),
      target: { type: "keyRequest", id: r.id, label: r.name ?? r.requestedByLabel },
      metadata: { kind: r.widen ? "widen" : "create", keyId: r.keyId, requestedBy: r.requestedByLabel, reason: input.reason, withdrawn },
      meta,
    });
    await enqueueWebhookEvent(tx, principal.clientId, "keyRequest.denied", { ...requestEvent(r), requestedBy: r.requestedByLabel, deniedBy: principal.email, withdrawn });
    const updated = await tx.keyRequest.findUniqueOrThrow({ where: { id: r.id }, select });
    const to = requesterEmail(updated);
    if (mailConfigured() && to && !withdrawn) {
      const email = keyRequestDeniedEmail({
        ...(await factsOf(tx, updated)),
        denier: principal.name ? `${principal.name} (${principal.email})` : principal.email,
        denyReason: input.reason,
      });
      await enqueueEmail(tx, { ...email, to, subjectId: r.id });
    }
    return view(updated, now.getTime());
  }, KEY_WRITE_TX);
}

// ---- claim ----------------------------------------------------------------------------------------------------

/**
 * The requester, once, within 24 hours of approval: the key is created now, with exactly what was approved, by
 * create's own service under the same lock (create's rules again: the policy may have tightened since). The claim
 * and the key commit together, or neither does.
 */
export async function claimKeyRequest(principal: UserPrincipal, id: string, meta: RequestMeta): Promise<CreateApiKeyResponse> {
  if (!isUuid(id)) throw P.notFound();
  await expireKeyRequests(principal.clientId);
  return db().$transaction(async (tx) => {
    const { locked, r } = await lockedRequest(tx, principal, id);
    if (r.requestedByUserId !== principal.userId) throw P.notRequester();
    if (r.widen) throw P.notClaimable();
    const now = new Date();
    const status = statusAt(r, now.getTime());
    if (status === "pending") throw P.notApproved();
    if (status === "denied") throw P.denied();
    if (status === "claimed") throw P.alreadyClaimed();
    if (status === "expired") throw P.expired(r.decidedAt === null);
    const moved = await tx.keyRequest.updateMany({
      where: { id: r.id, clientId: locked.id, status: "approved", claimedAt: null, decidedAt: { gt: new Date(now.getTime() - CLAIM_TTL_MS) } },
      data: { status: "claimed", claimedAt: now },
    });
    if (moved.count !== 1) throw P.alreadyClaimed();
    const created = await createApprovedApiKey(
      tx,
      locked,
      principal,
      // Exactly what was approved, its limits too (nothing about a request changes after it was made).
      { name: r.name, expiresAt: r.expiresAt, scopes: (r.fullAccess ? null : r.scopes) as CreateApiKeyData["scopes"], allowedIps: r.allowedIps, ...limitsOf(r) },
      meta,
      r.id,
    );
    await tx.keyRequest.update({ where: { id: r.id }, data: { keyId: created.id } });
    await recordAuditEvent(tx, {
      clientId: locked.id,
      action: "keyRequest.claimed",
      actor: actorOf(principal),
      target: { type: "keyRequest", id: r.id, label: r.name ?? r.requestedByLabel },
      metadata: { keyId: created.id, keyPrefix: created.keyPrefix, approvedBy: r.decidedByLabel },
      meta,
    });
    await enqueueWebhookEvent(tx, locked.id, "keyRequest.claimed", { ...requestEvent(r), keyId: created.id, keyPrefix: created.keyPrefix, requestedBy: r.requestedByLabel });
    return created;
  }, KEY_WRITE_TX);
}

// ---- members --------------------------------------------------------------------------------------------------

/**
 * Before demoting an Owner or Admin to Member, or removing them (under the Client lock): every pending request must
 * keep someone who could approve it (an Owner or Admin other than its requester). 409 Member.LastApprover if not.
 */
export async function assertApproversRemain(tx: Tx, clientId: string, leavingUserId: string, now = new Date()): Promise<void> {
  const remaining = await approversBut(tx, clientId, [leavingUserId]);
  if (remaining.length >= 2) return;
  const orphaned = await tx.keyRequest.count({
    where: {
      clientId,
      ...statusWhere("pending", now),
      // With one approver left, only their own requests lose every approver; with none, all of them do.
      ...(remaining.length === 1 ? { requestedByUserId: remaining[0].userId } : {}),
    },
  });
  if (orphaned > 0) throw P.lastApprover(orphaned);
}
