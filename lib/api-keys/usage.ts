// Per-key usage, counted per hour: successes and refusals by reason. Never a
// database write on the request path: each verdict bumps a counter in memory,
// and every few seconds (and on graceful shutdown) one statement upserts every
// (key, hour) touched since, adding to what other instances wrote.
// The pending map lives on globalThis: the custom server's verify API and the
// Next.js routes (bundled separately) share one per process.
// No "server-only" import: the custom server (plain Node) loads this module too.
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";

export const USAGE_REASONS = ["expired", "revoked", "scope", "ip", "rateLimited", "quotaExceeded"] as const;
export type UsageOutcome = "success" | (typeof USAGE_REASONS)[number];

type Counts = {
  keyId: string;
  clientId: string;
  bucket: number;
  success: number;
  expired: number;
  revoked: number;
  scope: number;
  ip: number;
  rateLimited: number;
  quotaExceeded: number;
};

const HOUR = 3_600_000;
const MAX_PENDING = 100_000;

type State = { pending: Map<string, Counts>; timer: NodeJS.Timeout | null; off?: boolean };
const g = globalThis as unknown as { __dolfinUsage?: State };
const state: State = (g.__dolfinUsage ??= { pending: new Map(), timer: null });

/** Count one verdict for a key. O(1), no I/O. */
export function countUsage(keyId: string, clientId: string, outcome: UsageOutcome, now = Date.now()): void {
  if ((state.off ??= env().USAGE_COUNTING === "off")) return; // read once, on first use (never at import: next build loads this)
  const bucket = now - (now % HOUR);
  const k = keyId + bucket;
  let c = state.pending.get(k);
  if (!c) {
    if (state.pending.size >= MAX_PENDING) return; // a flood of distinct keys: drop rather than grow without bound
    c = { keyId, clientId, bucket, success: 0, expired: 0, revoked: 0, scope: 0, ip: 0, rateLimited: 0, quotaExceeded: 0 };
    state.pending.set(k, c);
  }
  c[outcome]++;
  if (!state.timer) {
    state.timer = setTimeout(() => void flushUsage(), env().USAGE_FLUSH_MS);
    state.timer.unref?.();
  }
}

/** Write what was counted: one upsert for every (key, hour) pending. Safe to call at any time. */
export async function flushUsage(): Promise<void> {
  if (state.timer) clearTimeout(state.timer);
  state.timer = null;
  if (state.pending.size === 0) return;
  const batch = [...state.pending.values()];
  state.pending.clear();
  try {
    await db().$executeRaw`
      INSERT INTO "ApiKeyUsage" ("keyId", "clientId", bucket, success, expired, revoked, scope, ip, "rateLimited", "quotaExceeded")
      SELECT u."keyId", u."clientId", u.bucket, u.success, u.expired, u.revoked, u.scope, u.ip, u."rateLimited", u."quotaExceeded"
      FROM unnest(${batch.map((c) => c.keyId)}::uuid[], ${batch.map((c) => c.clientId)}::uuid[], ${batch.map((c) => new Date(c.bucket))}::timestamptz[],
                  ${batch.map((c) => c.success)}::int[], ${batch.map((c) => c.expired)}::int[], ${batch.map((c) => c.revoked)}::int[],
                  ${batch.map((c) => c.scope)}::int[], ${batch.map((c) => c.ip)}::int[],
                  ${batch.map((c) => c.rateLimited)}::int[], ${batch.map((c) => c.quotaExceeded)}::int[])
        AS u("keyId", "clientId", bucket, success, expired, revoked, scope, ip, "rateLimited", "quotaExceeded")
      WHERE EXISTS (SELECT 1 FROM "ApiKey" k WHERE k.id = u."keyId")
      ON CONFLICT ("keyId", bucket) DO UPDATE SET
        success = "ApiKeyUsage".success + EXCLUDED.success,
        expired = "ApiKeyUsage".expired + EXCLUDED.expired,
        revoked = "ApiKeyUsage".revoked + EXCLUDED.revoked,
        scope = "ApiKeyUsage".scope + EXCLUDED.scope,
        ip = "ApiKeyUsage".ip + EXCLUDED.ip,
        "rateLimited" = "ApiKeyUsage"."rateLimited" + EXCLUDED."rateLimited",
        "quotaExceeded" = "ApiKeyUsage"."quotaExceeded" + EXCLUDED."quotaExceeded"`;
  } catch (err) {
    logger.warn({ err, rows: batch.length }, "could not record key usage");
  }
}

/** Delete hourly rows older than USAGE_RETENTION_DAYS. Idempotent: every instance may run it. */
export async function pruneUsage(now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - env().USAGE_RETENTION_DAYS * 86_400_000);
  return db().$executeRaw`DELETE FROM "ApiKeyUsage" WHERE bucket < ${cutoff}`;
}

/**
 * Prune at start and then every hour (unref'd: never keeps the process alive). `also`: other rows pruned
 * in the same pass (old sessions: instrumentation.ts passes them, so the custom server never loads them).
 */
export function startUsageRetention(also: { what: string; prune: () => Promise<number> }[] = []): void {
  const g2 = globalThis as unknown as { __dolfinUsageRetention?: boolean };
  if (g2.__dolfinUsageRetention) return;
  g2.__dolfinUsageRetention = true;
  const run = () => {
    pruneUsage().then(
      (n) => n > 0 && logger.info({ deleted: n }, "pruned old key usage"),
      (err) => logger.warn({ err }, "could not prune key usage"),
    );
    for (const job of also) {
      job.prune().then(
        (n) => n > 0 && logger.info({ deleted: n }, `pruned old ${job.what}`),
        (err) => logger.warn({ err }, `could not prune ${job.what}`),
      );
    }
  };
  setTimeout(run, 1_000).unref?.();
  setInterval(run, 3_600_000).unref?.();
}
