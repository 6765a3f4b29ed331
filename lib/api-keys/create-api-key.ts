import "server-only";
import { actorOf, auditRow } from "@/lib/audit/record-audit-event";
import type { Principal } from "@/lib/auth/principal";
import { db, type Tx } from "@/lib/db/client";
import { uuidv7 } from "@/lib/db/uuid";
import { Prisma } from "@/lib/generated/prisma/client";
import { ApiError } from "@/lib/http/problem";
import type { RequestMeta } from "@/lib/http/request-meta";
import { generateKey } from "./key-format";
import type { CreateApiKeyData, CreateApiKeyResponse } from "./schemas";
import { toCreatedResponse } from "./view";

const DAY_MS = 86_400_000;

/**
 * Creates and rotations of one Client queue on its row lock; under a burst a
 * request may wait seconds for a connection and the lock, so allow for it.
 */
export const KEY_WRITE_TX = { maxWait: 10_000, timeout: 15_000 };

type LockedClient = { id: string; type: "Live" | "Sandbox"; keysMustExpire: boolean; maxKeyLifetimeDays: number | null; maxActiveKeys: number };

/**
 * Lock the Client row until the transaction ends. Every key write takes this
 * lock before it counts active keys, so the count and the insert cannot race.
 * FOR NO KEY UPDATE, not FOR UPDATE: inserting a key takes a KEY SHARE lock on
 * the Client row (the foreign key), which NO KEY UPDATE does not conflict with,
 * so a create may insert first and lock after without deadlocking another.
 */
export async function lockClient(tx: Tx, clientId: string): Promise<LockedClient> {
  return lockedOrNotFound(await tx.$queryRaw<LockedClient[]>(lockClientSql(clientId)));
}

/** The locking SELECT itself, also the final query of create's combined statement. */
function lockClientSql(clientId: string): Prisma.Sql {
  return Prisma.sql`
    SELECT id, type::text AS type, "keysMustExpire", "maxKeyLifetimeDays", "maxActiveKeys"
    FROM "Client" WHERE id = ${clientId}::uuid FOR NO KEY UPDATE`;
}

function lockedOrNotFound(rows: LockedClient[]): LockedClient {
  if (!rows[0]) throw new ApiError({ status: 404, code: "Client.NotFound", title: "Client not found" });
  return rows[0];
}

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
 * Keys that count against the cap: not revoked, not expired, and not already
 * replaced by a rotation (an old key in its grace period is on its way out, so
 * a rotation never needs a free slot). Call it holding lockClient.
 */
export async function countActiveKeys(tx: Tx, clientId: string, now: Date, excludeKeyId: string | null = null): Promise<number> {
  const rows = await tx.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM "ApiKey" k
    WHERE k."clientId" = ${clientId}::uuid AND k."revokedAt" IS NULL AND (k."expiresAt" IS NULL OR k."expiresAt" > ${now})
      AND NOT EXISTS (SELECT 1 FROM "ApiKey" r WHERE r."rotatedFromId" = k.id)
      AND (${excludeKeyId}::uuid IS NULL OR k.id <> ${excludeKeyId}::uuid)`;
  return rows[0].n;
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
 * The hot write path, in two statements under one transaction: (1) insert the
 * key and its audit event and lock the Client row, (2) count active keys in a
 * new snapshot, so every key committed by earlier lock holders is seen. The
 * lock is held only for the count and the commit.
 */
export async function createApiKey(principal: Principal, input: CreateApiKeyData, meta: RequestMeta): Promise<CreateApiKeyResponse> {
  const now = new Date();
  // Cheap refusals first, before any database work (the policy parts are checked under the lock).
  assertExpiryInFuture(input.expiresAt, now);
  const key = generateKey(principal.clientType);
  const id = uuidv7(now.getTime());
  const a = auditRow({
    clientId: principal.clientId,
    action: "apiKey.created",
    actor: actorOf(principal),
    target: { type: "apiKey", id, label: input.name ?? key.keyPrefix },
    metadata: { keyPrefix: key.keyPrefix, name: input.name, expiresAt: input.expiresAt?.toISOString() ?? null },
    meta,
  });
  await db().$transaction(async (tx) => {
    const locked = lockedOrNotFound(
      await tx.$queryRaw<LockedClient[]>`
      WITH k AS (
        INSERT INTO "ApiKey" (id, "clientId", name, "keyPrefix", "keyHash", "createdAt", "expiresAt", "createdByUserId", "createdByApiKeyId")
        VALUES (${id}::uuid, ${principal.clientId}::uuid, ${input.name}, ${key.keyPrefix}, ${key.keyHash}, ${now}, ${input.expiresAt},
                ${principal.type === "user" ? principal.userId : null}::uuid, ${principal.type === "apiKey" ? principal.apiKeyId : null}::uuid)
        RETURNING id
      ), audit AS (
        INSERT INTO "AuditEvent" (id, "clientId", action, "actorType", "actorUserId", "actorApiKeyId", "actorLabel", "targetType", "targetId", "targetLabel", metadata, ip, "userAgent", "createdAt")
        SELECT ${uuidv7(now.getTime())}::uuid, ${a.clientId}::uuid, ${a.action}, ${a.actorType}::"ActorType", ${a.actorUserId}::uuid, ${a.actorApiKeyId}::uuid,
               ${a.actorLabel}, ${a.targetType}, k.id, ${a.targetLabel}, ${JSON.stringify(a.metadata)}::jsonb, ${a.ip}, ${a.userAgent}, ${now}
        FROM k
      )
      ${lockClientSql(principal.clientId)}`,
    );
    checkExpiryPolicy(locked, input.expiresAt, now); // the policy as it is now, under the lock
    const active = await countActiveKeys(tx, principal.clientId, now);
    if (active > locked.maxActiveKeys) throw limitReached(active - 1, locked.maxActiveKeys);
  }, KEY_WRITE_TX);
  return toCreatedResponse(
    { id, clientId: principal.clientId, keyPrefix: key.keyPrefix, name: input.name, createdAt: now, expiresAt: input.expiresAt },
    key.rawKey,
  );
}
