import "server-only";
import { db } from "@/lib/db/client";
import { logger } from "@/lib/log";
import { countAuthFailure } from "./auth-failures";
import { hashKey, isWellFormedKey } from "./key-format";
import { cacheGet, cacheSet } from "./verify-cache";

export type VerifiedKey = { id: string; clientId: string; clientType: "Live" | "Sandbox"; keyPrefix: string };

/** At most one last-use write per key per minute (per instance here, and across instances in SQL). */
export const LAST_USE_WRITE_INTERVAL_MS = 60_000;
const lastWrite = new Map<string, number>();

function recordLastUse(keyId: string, ctx: { ip: string | null; userAgent: string | null }): void {
  const now = Date.now();
  const prev = lastWrite.get(keyId);
  if (prev !== undefined && now - prev < LAST_USE_WRITE_INTERVAL_MS) return;
  lastWrite.set(keyId, now);
  if (lastWrite.size > 50_000) lastWrite.clear();
  // Off the request's critical path: the response does not wait for this write.
  const cutoff = new Date(now - LAST_USE_WRITE_INTERVAL_MS);
  db()
    .apiKey.updateMany({
      where: { id: keyId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: cutoff } }] },
      data: { lastUsedAt: new Date(now), lastUsedIp: ctx.ip, lastUsedUserAgent: ctx.userAgent },
    })
    .catch((err) => logger.warn({ err, keyId }, "could not record key last use"));
}

/**
 * The hot path of every API-key request. A malformed key or a bad checksum is
 * refused without touching the database; otherwise an in-process cache (TTL
 * below a second) or one indexed lookup by hash. Unknown, expired and revoked
 * keys are indistinguishable to the caller (null).
 */
export async function verifyApiKey(rawKey: string, ctx: { ip: string | null; userAgent: string | null }): Promise<VerifiedKey | null> {
  if (!isWellFormedKey(rawKey)) return null;
  const hash = hashKey(rawKey);
  const now = Date.now();
  let entry = cacheGet(hash, now);
  if (!entry) {
    const row = await db().apiKey.findUnique({
      where: { keyHash: hash },
      select: { id: true, clientId: true, keyPrefix: true, expiresAt: true, revokedAt: true, client: { select: { type: true } } },
    });
    if (!row) entry = { at: now, key: null, reason: "unknown" };
    else if (row.revokedAt !== null) entry = { at: now, key: null, reason: "revoked", clientId: row.clientId, id: row.id };
    else
      entry = {
        at: now,
        key: { id: row.id, clientId: row.clientId, clientType: row.client.type, keyPrefix: row.keyPrefix, expiresAt: row.expiresAt?.getTime() ?? null },
      };
    cacheSet(hash, entry);
  }
  const key = entry.key;
  if (key && (key.expiresAt === null || key.expiresAt > now)) {
    recordLastUse(key.id, ctx);
    return { id: key.id, clientId: key.clientId, clientType: key.clientType, keyPrefix: key.keyPrefix };
  }
  const reason = key ? "expired" : (entry.reason ?? "unknown");
  countAuthFailure({ subject: key?.id ?? entry.id ?? "unknown", clientId: key?.clientId ?? entry.clientId ?? null, reason, ip: ctx.ip });
  return null;
}
