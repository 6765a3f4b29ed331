import "server-only";
import { actorOf, recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { Principal } from "@/lib/auth/principal";
import { db, type Tx } from "@/lib/db/client";
import { ApiError } from "@/lib/http/problem";
import type { RequestMeta } from "@/lib/http/request-meta";
import { generateKey } from "./key-format";
import { createApiKeyResponseSchema, type CreateApiKeyData, type CreateApiKeyResponse } from "./schemas";

const DAY_MS = 86_400_000;

/**
 * Creates and rotations of one Client queue on its row lock; under a burst a
 * request may wait seconds for a connection and the lock, so allow for it.
 */
export const KEY_WRITE_TX = { maxWait: 10_000, timeout: 15_000 };

type LockedClient = { id: string; type: "Live" | "Sandbox"; keysMustExpire: boolean; maxKeyLifetimeDays: number | null; maxActiveKeys: number };

/**
 * Lock the Client row for the rest of the transaction: concurrent creates and
 * rotations for one Client queue here, so the active-key count cannot race.
 */
export async function lockClient(tx: Tx, clientId: string): Promise<LockedClient> {
  const rows = await tx.$queryRaw<LockedClient[]>`
    SELECT id, type::text AS type, "keysMustExpire", "maxKeyLifetimeDays", "maxActiveKeys"
    FROM "Client" WHERE id = ${clientId}::uuid FOR UPDATE`;
  if (!rows[0]) throw new ApiError({ status: 404, code: "Client.NotFound", title: "Client not found" });
  return rows[0];
}

/** Apply the Client's key policy to a requested expiry (null = never). */
export async function checkKeyPolicy(tx: Tx, client: LockedClient, expiresAt: Date | null, now: Date, opts: { excludeKeyId?: string } = {}): Promise<void> {
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
  const active = await tx.apiKey.count({
    where: {
      clientId: client.id,
      revokedAt: null,
      OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
      ...(opts.excludeKeyId ? { id: { not: opts.excludeKeyId } } : {}),
    },
  });
  if (active >= client.maxActiveKeys) {
    throw new ApiError({
      status: 409,
      code: "ApiKey.LimitReached",
      title: "Active key limit reached",
      detail: `This Client already has ${active} active keys (limit ${client.maxActiveKeys}). Revoke one first.`,
    });
  }
}

export async function createApiKey(principal: Principal, input: CreateApiKeyData, meta: RequestMeta): Promise<CreateApiKeyResponse> {
  const now = new Date();
  const created = await db().$transaction(async (tx) => {
    const client = await lockClient(tx, principal.clientId);
    await checkKeyPolicy(tx, client, input.expiresAt, now);
    const key = generateKey(client.type);
    const row = await tx.apiKey.create({
      data: {
        clientId: client.id,
        name: input.name,
        keyPrefix: key.keyPrefix,
        keyHash: key.keyHash,
        expiresAt: input.expiresAt,
        createdByUserId: principal.type === "user" ? principal.userId : null,
        createdByApiKeyId: principal.type === "apiKey" ? principal.apiKeyId : null,
      },
      select: { id: true, clientId: true, keyPrefix: true, name: true, createdAt: true, expiresAt: true },
    });
    await recordAuditEvent(tx, {
      clientId: client.id,
      action: "apiKey.created",
      actor: actorOf(principal),
      target: { type: "apiKey", id: row.id, label: row.name ?? row.keyPrefix },
      metadata: { keyPrefix: row.keyPrefix, name: row.name, expiresAt: row.expiresAt?.toISOString() ?? null },
      meta,
    });
    return { row, rawKey: key.rawKey };
  }, KEY_WRITE_TX);
  const { row, rawKey } = created;
  return createApiKeyResponseSchema.parse({
    id: row.id,
    clientId: row.clientId,
    rawKey,
    keyPrefix: row.keyPrefix,
    name: row.name,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
  });
}
