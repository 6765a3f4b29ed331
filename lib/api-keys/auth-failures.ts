// No "server-only" import: the custom server (plain Node) loads this module too.
// Failed authentications with well-formed keys are counted in memory and
// flushed as one upsert per (hour, subject) every few seconds: a burst of
// guesses costs a handful of writes, not one row each.
import { db } from "@/lib/db/client";
import { logger } from "@/lib/log";

type Entry = { bucket: Date; subject: string; clientId: string | null; reason: string; count: number; lastIp: string | null; lastAt: Date };

const FLUSH_MS = 2_000;
// On globalThis: the custom server and Next's bundle share one map per process, so shutdown flushes both.
const g = globalThis as unknown as { __dolfinAuthFailures?: { pending: Map<string, Entry>; timer: NodeJS.Timeout | null } };
const state = (g.__dolfinAuthFailures ??= { pending: new Map(), timer: null });
const pending = state.pending;

export function countAuthFailure(f: { subject: string; clientId: string | null; reason: "unknown" | "expired" | "revoked" | "ip" | "scope"; ip: string | null }): void {
  const now = new Date();
  const bucket = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
  const k = `${bucket.getTime()}|${f.subject}|${f.reason}`;
  const e = pending.get(k);
  if (e) {
    e.count++;
    e.lastIp = f.ip;
    e.lastAt = now;
  } else if (pending.size < 10_000) {
    pending.set(k, { bucket, subject: f.subject, clientId: f.clientId, reason: f.reason, count: 1, lastIp: f.ip, lastAt: now });
  }
  state.timer ??= setTimeout(() => void flushAuthFailures(), FLUSH_MS);
  state.timer.unref?.();
}

export async function flushAuthFailures(): Promise<void> {
  if (state.timer) clearTimeout(state.timer);
  state.timer = null;
  const batch = [...pending.values()];
  pending.clear();
  for (const e of batch) {
    try {
      await db().$executeRaw`
        INSERT INTO "AuthFailureCount" (bucket, subject, "clientId", reason, count, "lastIp", "lastAt")
        VALUES (${e.bucket}, ${e.subject}, ${e.clientId}::uuid, ${e.reason}, ${e.count}, ${e.lastIp}, ${e.lastAt})
        ON CONFLICT (bucket, subject, reason) DO UPDATE
        SET count = "AuthFailureCount".count + EXCLUDED.count, "lastIp" = EXCLUDED."lastIp", "lastAt" = EXCLUDED."lastAt"`;
    } catch (err) {
      logger.warn({ err }, "could not record failed authentications");
    }
  }
}
