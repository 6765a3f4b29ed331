import "server-only";
// Usage reports from ApiKeyUsage: one key, the whole Client, and each listed
// key's last 14 days. Every query names the Client.
import { db } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { isUuid } from "@/lib/http/keyset";
import { Problems } from "@/lib/http/problem";
import { clientUsageSchema, keyUsageSchema, type ClientUsage, type KeyUsage, type RecentUsage, type UsageInterval, type UsageQuery } from "./usage-schemas";

const STEP = { hour: 3_600_000, day: 86_400_000 } as const;
type Row = { start: Date; success: number; expired: number; revoked: number; scope: number; ip: number; rateLimited: number; quotaExceeded: number };
const ZERO = { success: 0, expired: 0, revoked: 0, scope: 0, ip: 0, rateLimited: 0, quotaExceeded: 0 };

function floorTo(d: Date, interval: UsageInterval): number {
  return d.getTime() - (d.getTime() % STEP[interval]);
}

/** Every bucket start in [from, to), zeros filled in. */
function fill(rows: Row[], q: UsageQuery) {
  const byStart = new Map(rows.map((r) => [r.start.getTime(), r]));
  const buckets = [];
  const totals = { ...ZERO };
  for (let t = floorTo(q.from, q.interval); t < q.to.getTime(); t += STEP[q.interval]) {
    const r = byStart.get(t);
    const c = r
      ? { success: r.success, expired: r.expired, revoked: r.revoked, scope: r.scope, ip: r.ip, rateLimited: r.rateLimited, quotaExceeded: r.quotaExceeded }
      : { ...ZERO };
    for (const k of Object.keys(totals) as (keyof typeof ZERO)[]) totals[k] += c[k];
    buckets.push({ start: new Date(t).toISOString(), ...c });
  }
  return { from: new Date(floorTo(q.from, q.interval)).toISOString(), to: q.to.toISOString(), totals, buckets };
}

const sums = Prisma.sql`sum(success)::int AS success, sum(expired)::int AS expired, sum(revoked)::int AS revoked, sum(scope)::int AS scope, sum(ip)::int AS ip,
  sum("rateLimited")::int AS "rateLimited", sum("quotaExceeded")::int AS "quotaExceeded"`;
/** Every refusal, whatever the reason. */
const REFUSED = Prisma.sql`expired + revoked + scope + ip + "rateLimited" + "quotaExceeded"`;
const bucketOf = (interval: UsageInterval) => Prisma.sql`(date_trunc(${interval}, bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;

export async function keyUsage(clientId: string, keyId: string, q: UsageQuery): Promise<KeyUsage> {
  const key = isUuid(keyId) ? await db().apiKey.findFirst({ where: { id: keyId, clientId }, select: { id: true } }) : null;
  if (!key) throw Problems.notFound("ApiKey.NotFound", "API key");
  const rows = await db().$queryRaw<Row[]>`
    SELECT ${bucketOf(q.interval)} AS start, ${sums}
    FROM "ApiKeyUsage"
    WHERE "clientId" = ${clientId}::uuid AND "keyId" = ${key.id}::uuid AND bucket >= ${new Date(floorTo(q.from, q.interval))} AND bucket < ${q.to}
    GROUP BY 1`;
  return keyUsageSchema.parse({ keyId: key.id, interval: q.interval, ...fill(rows, q) });
}

export async function clientUsage(clientId: string, q: UsageQuery): Promise<ClientUsage> {
  const range = Prisma.sql`"clientId" = ${clientId}::uuid AND bucket >= ${new Date(floorTo(q.from, q.interval))} AND bucket < ${q.to}`;
  const [rows, top] = await Promise.all([
    db().$queryRaw<Row[]>`SELECT ${bucketOf(q.interval)} AS start, ${sums} FROM "ApiKeyUsage" WHERE ${range} GROUP BY 1`,
    db().$queryRaw<{ keyId: string; requests: number; refused: number }[]>`
      SELECT "keyId", sum(success + ${REFUSED})::int AS requests, sum(${REFUSED})::int AS refused
      FROM "ApiKeyUsage" WHERE ${range} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`,
  ]);
  const keys = await db().apiKey.findMany({ where: { clientId, id: { in: top.map((t) => t.keyId) } }, select: { id: true, keyPrefix: true, name: true } });
  const byId = new Map(keys.map((k) => [k.id, k]));
  return clientUsageSchema.parse({
    interval: q.interval,
    ...fill(rows, q),
    topKeys: top.filter((t) => byId.has(t.keyId)).map((t) => ({ keyId: t.keyId, keyPrefix: byId.get(t.keyId)!.keyPrefix, name: byId.get(t.keyId)!.name, requests: t.requests, refused: t.refused })),
  });
}

export const RECENT_DAYS = 14;
const REFUSAL_DAYS = 30;

/** What a listed key shows of its use: 14 daily counts for the sparkline, and its refusals over 30 days. */
export type KeyActivity = { usage: RecentUsage; refusals: { ip: number; scope: number; rateLimited: number; quotaExceeded: number } };

/** Each key's activity for a page of the list, from one grouped query over ApiKeyUsage. */
export async function keyActivity(clientId: string, ids: string[], now = new Date()): Promise<Map<string, KeyActivity>> {
  const today = floorTo(now, "day");
  const since = new Date(today - (RECENT_DAYS - 1) * STEP.day);
  const out = new Map<string, KeyActivity>();
  for (const id of ids) {
    out.set(id, {
      usage: { since: since.toISOString(), success: Array<number>(RECENT_DAYS).fill(0), refused: Array<number>(RECENT_DAYS).fill(0) },
      refusals: { ip: 0, scope: 0, rateLimited: 0, quotaExceeded: 0 },
    });
  }
  if (ids.length === 0) return out;
  const rows = await db().$queryRaw<{ keyId: string; start: Date; success: number; refused: number; ip: number; scope: number; rateLimited: number; quotaExceeded: number }[]>`
    SELECT "keyId", ${bucketOf("day")} AS start, sum(success)::int AS success, sum(${REFUSED})::int AS refused,
           sum(ip)::int AS ip, sum(scope)::int AS scope, sum("rateLimited")::int AS "rateLimited", sum("quotaExceeded")::int AS "quotaExceeded"
    FROM "ApiKeyUsage"
    WHERE "clientId" = ${clientId}::uuid AND "keyId" = ANY(${ids}::uuid[]) AND bucket >= ${new Date(now.getTime() - REFUSAL_DAYS * STEP.day)}
    GROUP BY 1, 2`;
  for (const r of rows) {
    const a = out.get(r.keyId);
    if (!a) continue;
    a.refusals.ip += r.ip;
    a.refusals.scope += r.scope;
    a.refusals.rateLimited += r.rateLimited;
    a.refusals.quotaExceeded += r.quotaExceeded;
    const i = Math.round((r.start.getTime() - since.getTime()) / STEP.day);
    if (i >= 0 && i < RECENT_DAYS) {
      a.usage.success[i] = r.success;
      a.usage.refused[i] = r.refused;
    }
  }
  return out;
}
