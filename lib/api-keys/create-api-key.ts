import "server-only";
import { keyNeedsSudo } from "@/lib/auth/permissions";
import { assertRecentProof } from "@/lib/auth/sudo";
import { actorOf, auditRow } from "@/lib/audit/record-audit-event";
import type { Principal } from "@/lib/auth/principal";
import { lockClientSql, lockedOrNotFound, type LockedClient } from "@/lib/clients/lock";
import type { Tx } from "@/lib/db/client";
import { sqlQuery, sqlTransaction } from "@/lib/db/tx";
import { uuidv7 } from "@/lib/db/uuid";
import { Prisma } from "@/lib/generated/prisma/client";
import { ApiError } from "@/lib/http/problem";
import { webhookDeliveriesSql, webhookPayload } from "@/lib/webhooks/events";
import type { RequestMeta } from "@/lib/http/request-meta";
import { grantsFullAccess } from "./access";
import { assertCanGrant } from "./grant";
import { generateKey } from "./key-format";
import { approvalRequired } from "@/lib/key-requests/problems";
import { needsApproval, type KeyApprovalPolicy } from "@/lib/key-requests/schemas";
import type { CreateApiKeyData, CreateApiKeyResponse } from "./schemas";
import { limitColumns, toCreatedResponse } from "./view";

const DAY_MS = 86_400_000;

/**
 * Creates and rotations of one Client queue on its row lock; under a burst a
 * request may wait seconds for a connection and the lock, so allow for it.
 */
export const KEY_WRITE_TX = { maxWait: 10_000, timeout: 15_000 };

/** Any expiry must be after now, whatever the policy. No I/O. */
export function assertExpiryInFuture(expiresAt: Date | null, now: Date): void {
  if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) {
    throw new ApiError({
      status: 400,
      code: "ApiKey.ExpiresAtInPast",
      title: "Expiry is not in the future",
      detail: "expiresAt must be a moment after now.",
      errors: { expiresAt: ["Choose a date and time in the future."] },
    });
  }
}

/** The Client's expiry rules, applied to a requested expiry (null = never). No I/O. */
export function checkExpiryPolicy(client: Pick<LockedClient, "keysMustExpire" | "maxKeyLifetimeDays">, expiresAt: Date | null, now: Date): void {
  assertExpiryInFuture(expiresAt, now);
  if (client.keysMustExpire && expiresAt === null) {
    throw new ApiError({
      status: 400,
      code: "ApiKey.ExpiryRequired",
      title: "An expiry is required",
      detail: "This Client's policy requires every API key to expire.",
      errors: { expiresAt: ["This Client requires keys to expire."] },
    });
  }
  if (client.maxKeyLifetimeDays !== null) {
    const latest = now.getTime() + client.maxKeyLifetimeDays * DAY_MS;
    if (expiresAt === null || expiresAt.getTime() > latest) {
      throw new ApiError({
        status: 400,
        code: "ApiKey.ExpiresAtBeyondPolicy",
        title: "Expiry beyond the Client's policy",
        detail: `This Client allows keys to live at most ${client.maxKeyLifetimeDays} days (until ${new Date(latest).toISOString()}).`,
        errors: { expiresAt: [`Keys may live at most ${client.maxKeyLifetimeDays} days.`] },
      });
    }
  }
}

/**
 * Keys that count against the cap: not revoked, not expired, and not sharing
 * a slot. A key in a rotation's grace period shares its replacement's slot
 * (so a rotation never needs a free slot) while that replacement is live and
 * has not itself been replaced: at most one uncounted predecessor per live
 * key, so chained rotations cannot pile up working keys past the cap.
 * `rotatingId`: the key a rotation is about to replace (it leaves the count,
 * and the predecessor it was sharing its slot with counts again).
 * Call it holding lockClient.
 */
export async function countActiveKeys(tx: Tx, clientId: string, now: Date, rotatingId: string | null = null): Promise<number> {
  const rows = await tx.$queryRaw<{ n: number }[]>(activeKeysSql(clientId, now, rotatingId));
  return rows[0].n;
}

/** The exact number of the Client's active keys now (for display; the cap itself is checked under the lock). */
export async function activeKeyCount(clientId: string): Promise<number> {
  const [{ n }] = await sqlQuery<{ n: number }>(activeKeysSql(clientId, new Date(), null));
  return n;
}

function activeKeysSql(clientId: string, now: Date, rotatingId: string | null): Prisma.Sql {
  return Prisma.sql`
    SELECT count(*)::int AS n FROM "ApiKey" k
    WHERE k."clientId" = ${clientId}::uuid AND k."revokedAt" IS NULL AND (k."expiresAt" IS NULL OR k."expiresAt" > ${now})
      AND (${rotatingId}::uuid IS NULL OR k.id <> ${rotatingId}::uuid)
      AND NOT EXISTS (
        SELECT 1 FROM "ApiKey" r
        WHERE r."rotatedFromId" = k.id AND r."revokedAt" IS NULL AND (r."expiresAt" IS NULL OR r."expiresAt" > ${now})
          AND (${rotatingId}::uuid IS NULL OR r.id <> ${rotatingId}::uuid)
          AND NOT EXISTS (SELECT 1 FROM "ApiKey" s WHERE s."rotatedFromId" = r.id))`;
}

export function limitReached(active: number, max: number): ApiError {
  return new ApiError({
    status: 409,
    code: "ApiKey.LimitReached",
    title: "Active key limit reached",
    detail: `This Client already has ${active} active keys (limit ${max}). Revoke one first.`,
  });
}

/**
 * The insert of a key, its audit event and its webhook deliveries, as CTEs `k`, `audit` and `hooks` of one
 * statement; rows come only through `gate` (a CTE named `c` that yields the
 * Client's id when the key may be made, and nothing otherwise).
 */
function insertKeySql(gate: Prisma.Sql, id: string, principal: Principal, input: CreateApiKeyData, key: { keyPrefix: string; keyHash: string }, now: Date, a: ReturnType<typeof auditRow>): Prisma.Sql {
  return Prisma.sql`
    WITH c AS (${gate}), k AS (
      INSERT INTO "ApiKey" (id, "clientId", name, "keyPrefix", "keyHash", "createdAt", "expiresAt", "createdByUserId", "createdByApiKeyId", "fullAccess", scopes, "allowedIps",
                            "rateLimitRequests", "rateLimitWindowSeconds", "quotaRequests", "quotaPeriod", "limitCounterKeyId")
      SELECT ${id}::uuid, c.id, ${input.name}, ${key.keyPrefix}, ${key.keyHash}, ${now}::timestamptz, ${input.expiresAt}::timestamptz,
             ${principal.type === "user" ? principal.userId : null}::uuid, ${principal.type === "apiKey" ? principal.apiKeyId : null}::uuid,
             ${input.scopes === null}, ${input.scopes ?? []}::text[], ${input.allowedIps}::text[],
             ${input.rateLimit?.requests ?? null}::int, ${input.rateLimit?.windowSeconds ?? null}::int, ${input.quota?.requests ?? null}::int,
             ${input.quota?.period ?? null}::"QuotaPeriod", ${limitCounterOf(principal)}::uuid
      FROM c
      RETURNING id
    ), audit AS (
      INSERT INTO "AuditEvent" (id, "clientId", action, "actorType", "actorUserId", "actorApiKeyId", "actorLabel", "targetType", "targetId", "targetLabel", metadata, ip, "userAgent", "createdAt")
      SELECT ${uuidv7(now.getTime())}::uuid, ${a.clientId}::uuid, ${a.action}, ${a.actorType}::"ActorType", ${a.actorUserId}::uuid, ${a.actorApiKeyId}::uuid,
             ${a.actorLabel}, ${a.targetType}, k.id, ${a.targetLabel}, ${JSON.stringify(a.metadata)}::jsonb, ${a.ip}, ${a.userAgent}, ${now}::timestamptz
      FROM k
    ), hooks AS (${webhookDeliveriesSql(a.clientId, "apiKey.created", webhookPayload("apiKey.created", { id, clientId: a.clientId, keyPrefix: key.keyPrefix, name: input.name, expiresAt: input.expiresAt?.toISOString() ?? null, fullAccess: input.scopes === null, scopes: input.scopes ?? [] }, now), { when: Prisma.sql`EXISTS (SELECT 1 FROM k)` })})
    SELECT count(*)::int AS n FROM k`;
}

/**
 * A key made by a limited API key spends its maker's counters (the maker's own `limitCounterKeyId ?? id`):
 * "at least as limited" then holds for the family's total, not for each child (a chain of children with
 * the same limit would otherwise multiply it). Keys made by people, or by unlimited keys, count on their own.
 */
function limitCounterOf(principal: Principal): string | null {
  return principal.type === "apiKey" ? (principal.limitCounterId ?? null) : null;
}

/** A statement runner inside the caller's transaction (SqlTx.query, or Prisma's tx.$queryRaw). */
type Run = <R extends Record<string, unknown>>(sql: Prisma.Sql) => Promise<R[]>;

type Prepared = { id: string; key: ReturnType<typeof generateKey>; a: ReturnType<typeof auditRow>; response: CreateApiKeyResponse };

/** Create's refusals that need no database, then the key, its audit row and the answer (built before anything is written). */
function prepare(principal: Principal, input: CreateApiKeyData, meta: RequestMeta, now: Date, extra: Record<string, unknown> = {}): Prepared {
  assertExpiryInFuture(input.expiresAt, now);
  assertCanGrant(principal, { scopes: input.scopes, allowedIps: input.allowedIps, expiresAt: input.expiresAt, rateLimit: input.rateLimit, quota: input.quota });
  // Sudo mode: a person makes a full-access or writing key on a Live Client only with a recent proof.
  if (keyNeedsSudo(principal.clientType, input.scopes)) assertRecentProof(principal, "apiKeys:powerful");
  const key = generateKey(principal.clientType);
  const id = uuidv7(now.getTime());
  const a = auditRow({
    clientId: principal.clientId,
    action: "apiKey.created",
    actor: actorOf(principal),
    target: { type: "apiKey", id, label: input.name ?? key.keyPrefix },
    metadata: { keyPrefix: key.keyPrefix, name: input.name, expiresAt: input.expiresAt?.toISOString() ?? null, scopes: input.scopes, allowedIps: input.allowedIps, rateLimit: input.rateLimit, quota: input.quota, ...extra },
    meta,
  });
  // The answer is built (and checked against its schema) before anything is written:
  // a response that cannot be given must never follow a committed key.
  const response = toCreatedResponse(
    {
      id,
      clientId: principal.clientId,
      keyPrefix: key.keyPrefix,
      name: input.name,
      createdAt: now,
      expiresAt: input.expiresAt,
      fullAccess: input.scopes === null,
      scopes: input.scopes ?? [],
      allowedIps: input.allowedIps,
      ...limitColumns(input),
    },
    key.rawKey,
  );
  return { id, key, a, response };
}

/**
 * Under the Client lock the caller's transaction holds: the policy as it is now (expiry; approval unless
 * `approved`), an exact count of active keys (written back), then the insert. Returns the cap when it is
 * reached (nothing inserted).
 */
async function insertLocked(run: Run, locked: LockedClient, principal: Principal, input: CreateApiKeyData, p: Prepared, now: Date, approved: boolean) {
  checkExpiryPolicy(locked, input.expiresAt, now);
  if (!approved && needsApproval(locked.keyApproval, input.scopes)) throw approvalRequired(locked.keyApproval, "create");
  const [{ n: active }] = await run<{ n: number }>(activeKeysSql(principal.clientId, now, null));
  await run(Prisma.sql`UPDATE "Client" SET "activeKeyCount" = ${active}::int WHERE id = ${principal.clientId}::uuid`);
  if (active >= locked.maxActiveKeys) return { active, max: locked.maxActiveKeys };
  await run(insertKeySql(Prisma.sql`SELECT ${principal.clientId}::uuid AS id`, p.id, principal, input, p.key, now, p.a));
  return null;
}

/**
 * The hot write path is one statement, committed on its own: it locks the
 * Client row only if the Client is under its cap ("activeKeyCount", which
 * triggers keep at or above the true count), the expiry fits its policy and
 * the key needs no approval (keyApproval), and inserts the key and its audit
 * event under that lock. Waiting for the lock re-reads the row, so the count
 * an earlier create added is seen and two creates can never both take the
 * last slot.
 *
 * When the gate says no, the slow path finds out exactly why under the same
 * lock: the policy (precise error), or a true count of active keys (keys that
 * expired since still sit in "activeKeyCount"), which it writes back.
 */
export async function createApiKey(principal: Principal, input: CreateApiKeyData, meta: RequestMeta): Promise<CreateApiKeyResponse> {
  const now = new Date();
  const cls = accessClass(input.scopes);
  // A person asking for a powerful key under the approval policy learns so before being asked to prove it is them
  // (one small read, on a rare path; the gate below is what holds under races, for keys too).
  if (principal.type === "user" && cls !== "read") {
    const c = await sqlQuery<{ keyApproval: KeyApprovalPolicy }>(Prisma.sql`SELECT "keyApproval"::text AS "keyApproval" FROM "Client" WHERE id = ${principal.clientId}::uuid`);
    if (c[0] && needsApproval(c[0].keyApproval, input.scopes)) throw approvalRequired(c[0].keyApproval, "create");
  }
  // Cheap refusals first, before any database work (the policy parts are checked under the lock).
  const p = prepare(principal, input, meta, now);
  const exp = input.expiresAt;
  const gate = Prisma.sql`
    SELECT id FROM "Client"
    WHERE id = ${principal.clientId}::uuid
      AND "activeKeyCount" < "maxActiveKeys"
      AND (NOT "keysMustExpire" OR ${exp}::timestamptz IS NOT NULL)
      AND ("maxKeyLifetimeDays" IS NULL OR ${exp}::timestamptz <= ${now}::timestamptz + make_interval(secs => "maxKeyLifetimeDays" * 86400))
      AND NOT ((${cls} = 'full' AND "keyApproval" <> 'none') OR (${cls} = 'write' AND "keyApproval" = 'write'))
    FOR NO KEY UPDATE`;
  const [{ n }] = await sqlQuery<{ n: number }>(insertKeySql(gate, p.id, principal, input, p.key, now, p.a));
  if (n === 0) {
    const full = await sqlTransaction(async (tx) => {
      const locked = lockedOrNotFound(await tx.query<LockedClient>(lockClientSql(principal.clientId)));
      return insertLocked(tx.query, locked, principal, input, p, now, false);
    });
    if (full) throw limitReached(full.active, full.max);
  }
  return p.response;
}

/**
 * A key whose request was approved (lib/key-requests claim), inside the claim's transaction, which holds the
 * Client lock: create's every rule again (the policy may have tightened since the request), except approval.
 * Its audit event names the request. A Client at its cap refuses (the transaction rolls back, claim included).
 */
export async function createApprovedApiKey(tx: Tx, locked: LockedClient, principal: Principal, input: CreateApiKeyData, meta: RequestMeta, keyRequestId: string): Promise<CreateApiKeyResponse> {
  const now = new Date();
  const p = prepare(principal, input, meta, now, { keyRequestId });
  const full = await insertLocked((sql) => tx.$queryRaw(sql), locked, principal, input, p, now, true);
  if (full) throw limitReached(full.active, full.max);
  return p.response;
}

/** full: full access, or every write scope (the same power: grantsFullAccess); write: any write scope; read: read scopes only. */
function accessClass(scopes: readonly string[] | null): "full" | "write" | "read" {
  return grantsFullAccess(scopes) ? "full" : scopes!.some((s) => s.endsWith(":write")) ? "write" : "read";
}
