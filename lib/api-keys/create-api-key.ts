import "server-only";
import { actorOf, recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { Principal } from "@/lib/auth/principal";
import { db, type Tx } from "@/lib/db/client";
import { ApiError } from "@/lib/http/problem";
import type { RequestMeta } from "@/lib/http/request-meta";
import { generateKey } from "./key-format";
import type { CreateApiKeyData, CreateApiKeyResponse } from "./schemas";
import { createdKeySelect, toCreatedResponse } from "./view";

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
  const rows = await tx.$queryRaw<LockedClient[]>`
    SELECT id, type::text AS type, "keysMustExpire", "maxKeyLifetimeDays", "maxActiveKeys"
    FROM "Client" WHERE id = ${clientId}::uuid FOR NO KEY UPDATE`;
  if (!rows[0]) throw new ApiError({ status: 404, code: "Client.NotFound", title: "Client not found" });
  return rows[0];
}

/** The Client's expiry rules, applied to a requested expiry (null = never). No I/O. */
export function checkExpiryPolicy(client: Omit<LockedClient, "id" | "type" | "maxActiveKeys">, expiresAt: Date | null, now: Date): void {
  if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) {
    throw new ApiError({
      status: 400,
      code: "ApiKey.ExpiresAtInPast",
      title: "Expiry is not in the future",
      detail: "expiresAt must be a moment after now.",
      errors: { expiresAt: ["Choose a date and time in the future."] },
    });
  }
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
export function countActiveKeys(tx: Tx, clientId: string, now: Date, excludeKeyId?: string): Promise<number> {
  return tx.apiKey.count({
    where: {
      clientId,
      revokedAt: null,
      OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
      rotatedTo: { is: null },
      ...(excludeKeyId ? { id: { not: excludeKeyId } } : {}),
    },
  });
}

export function limitReached(active: number, max: number): ApiError {
  return new ApiError({
    status: 409,
    code: "ApiKey.LimitReached",
    title: "Active key limit reached",
    detail: `This Client already has ${active} active keys (limit ${max}). Revoke one first.`,
  });
}

export async function createApiKey(principal: Principal, input: CreateApiKeyData, meta: RequestMeta): Promise<CreateApiKeyResponse> {
  const now = new Date();
  // Cheap refusals first, before any database work (the policy parts are checked under the lock).
  checkExpiryPolicy({ keysMustExpire: false, maxKeyLifetimeDays: null }, input.expiresAt, now);
  const key = generateKey(principal.clientType);
  const created = await db().$transaction(async (tx) => {
    // Insert first, lock last: the Client's lock is held only for the count and the commit.
    const row = await tx.apiKey.create({
      data: {
        clientId: principal.clientId,
        name: input.name,
        keyPrefix: key.keyPrefix,
        keyHash: key.keyHash,
        expiresAt: input.expiresAt,
        createdByUserId: principal.type === "user" ? principal.userId : null,
        createdByApiKeyId: principal.type === "apiKey" ? principal.apiKeyId : null,
      },
      select: createdKeySelect,
    });
    await recordAuditEvent(tx, {
      clientId: principal.clientId,
      action: "apiKey.created",
      actor: actorOf(principal),
      target: { type: "apiKey", id: row.id, label: row.name ?? row.keyPrefix },
      metadata: { keyPrefix: row.keyPrefix, name: row.name, expiresAt: row.expiresAt?.toISOString() ?? null },
      meta,
    });
    const locked = await lockClient(tx, principal.clientId);
    checkExpiryPolicy(locked, input.expiresAt, now); // the policy as it is now, under the lock
    // A new statement after the lock: it sees every key committed by earlier lock holders, plus our own.
    const active = await countActiveKeys(tx, principal.clientId, now);
    if (active > locked.maxActiveKeys) throw limitReached(active - 1, locked.maxActiveKeys);
    return { row, rawKey: key.rawKey };
  }, KEY_WRITE_TX);
  const { row, rawKey } = created;
  return toCreatedResponse(row, rawKey);
}
