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
import { assertCanGrant } from "./grant";
import { generateKey } from "./key-format";
import type { CreateApiKeyData, CreateApiKeyResponse } from "./schemas";
import { toCreatedResponse } from "./view";

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
export function checkExpiryPolicy(client: Omit<LockedClient, "id" | "type" | "maxActiveKeys">, expiresAt: Date | null, now: Date): void {
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
      INSERT INTO "ApiKey" (id, "clientId", name, "keyPrefix", "keyHash", "createdAt", "expiresAt", "createdByUserId", "createdByApiKeyId", "fullAccess", scopes, "allowedIps")
      SELECT ${id}::uuid, c.id, ${input.name}, ${key.keyPrefix}, ${key.keyHash}, ${now}::timestamptz, ${input.expiresAt}::timestamptz,
             ${principal.type === "user" ? principal.userId : null}::uuid, ${principal.type === "apiKey" ? principal.apiKeyId : null}::uuid,
             ${input.scopes === null}, ${input.scopes ?? []}::text[], ${input.allowedIps}::text[]
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
 * The hot write path is one statement, committed on its own: it locks the
 * Client row only if the Client is under its cap ("activeKeyCount", which
 * triggers keep at or above the true count) and the expiry fits its policy,
 * and inserts the key and its audit event under that lock. Waiting for the
 * lock re-reads the row, so the count an earlier create added is seen and
 * two creates can never both take the last slot.
 *
 * When the gate says no, the slow path finds out exactly why under the same
 * lock: the policy (precise error), or a true count of active keys (keys that
 * expired since still sit in "activeKeyCount"), which it writes back.
 */
export async function createApiKey(principal: Principal, input: CreateApiKeyData, meta: RequestMeta): Promise<CreateApiKeyResponse> {
  const now = new Date();
  // Cheap refusals first, before any database work (the policy parts are checked under the lock).
  assertExpiryInFuture(input.expiresAt, now);
  assertCanGrant(principal, { scopes: input.scopes, allowedIps: input.allowedIps, expiresAt: input.expiresAt });
  // Sudo mode: a person makes a full-access or writing key on a Live Client only with a recent proof.
  if (keyNeedsSudo(principal.clientType, input.scopes)) assertRecentProof(principal, "apiKeys:powerful");
  const key = generateKey(principal.clientType);
  const id = uuidv7(now.getTime());
  const a = auditRow({
    clientId: principal.clientId,
    action: "apiKey.created",
    actor: actorOf(principal),
    target: { type: "apiKey", id, label: input.name ?? key.keyPrefix },
    metadata: { keyPrefix: key.keyPrefix, name: input.name, expiresAt: input.expiresAt?.toISOString() ?? null, scopes: input.scopes, allowedIps: input.allowedIps },
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
    },
    key.rawKey,
  );
  const exp = input.expiresAt;
  const gate = Prisma.sql`
    SELECT id FROM "Client"
    WHERE id = ${principal.clientId}::uuid
      AND "activeKeyCount" < "maxActiveKeys"
      AND (NOT "keysMustExpire" OR ${exp}::timestamptz IS NOT NULL)
      AND ("maxKeyLifetimeDays" IS NULL OR ${exp}::timestamptz <= ${now}::timestamptz + make_interval(secs => "maxKeyLifetimeDays" * 86400))
    FOR NO KEY UPDATE`;
  const [{ n }] = await sqlQuery<{ n: number }>(insertKeySql(gate, id, principal, input, key, now, a));
  if (n === 0) {
    const full = await sqlTransaction(async (tx) => {
      const locked = lockedOrNotFound(await tx.query<LockedClient>(lockClientSql(principal.clientId)));
      checkExpiryPolicy(locked, input.expiresAt, now); // the policy as it is now, under the lock
      const [{ n: active }] = await tx.query<{ n: number }>(activeKeysSql(principal.clientId, now, null));
      await tx.query(Prisma.sql`UPDATE "Client" SET "activeKeyCount" = ${active}::int WHERE id = ${principal.clientId}::uuid`);
      if (active >= locked.maxActiveKeys) return { active, max: locked.maxActiveKeys }; // commit the recount, then refuse
      await tx.query(insertKeySql(Prisma.sql`SELECT ${principal.clientId}::uuid AS id`, id, principal, input, key, now, a));
      return null;
    });
    if (full) throw limitReached(full.active, full.max);
  }
  return response;
}
