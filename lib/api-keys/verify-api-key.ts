// The one verification module: our own x-dolfin-api-key routes and the verify
// API (server/verify-endpoint.ts) both call checkApiKey. No "server-only"
// import: the custom server (plain Node) loads it too.
import { db, within } from "@/lib/db/client";
import { env } from "@/lib/env";
import { isDatabaseUnavailable } from "@/lib/http/errors";
import { logger } from "@/lib/log";
import { expandScopes, ipMatcher } from "./access";
import { countAuthFailure } from "./auth-failures";
import { countUsage } from "./usage";
import { hashKey, isWellFormedKey } from "./key-format";
import { decideLimits, type LimitDecision, type LimitRefusal, type QuotaSpec, type RateLimitSpec } from "./limits";
import { cacheGeneration, cacheGet, cacheSetIfCurrent, staleEntry, type CacheEntry } from "./verify-cache";

export type VerifiedKey = {
  id: string;
  clientId: string;
  clientType: "Live" | "Sandbox";
  keyPrefix: string;
  /** null: full access. */
  scopes: string[] | null;
  /** Canonical CIDRs; empty: any address. */
  allowedIps: string[];
  expiresAt: number | null;
  rateLimit: RateLimitSpec | null;
  quota: QuotaSpec | null;
};

/**
 * Why a key was refused: the verify API tells our services. For the first
 * three the integration only ever sees one 401; "ip" and "scope" are 403s
 * that say what is wrong (the key itself is good).
 */
export type RefusalReason = "unknown" | "expired" | "revoked" | "ip" | "scope" | LimitRefusal;

/** What the request needs of a key: the end client's address, and a scope (null: none in particular). */
export type VerifyContext = { ip: string | null; userAgent: string | null; permission?: string | null };

/**
 * `limits`: the decision of the key's rate limit and quota (absent for a key without any).
 * `stale`: answered from the key's last verdict while the database could not be reached (VERIFY_STALE_SECONDS).
 */
export type VerifyOutcome = ({ ok: true; key: VerifiedKey; limits?: LimitDecision } | { ok: false; reason: RefusalReason; limits?: LimitDecision }) & { stale?: true };

/** At most one last-use write per key per minute (per instance here, and across instances in SQL). */
export const LAST_USE_WRITE_INTERVAL_MS = 60_000;
/** How long a key lookup may wait on the database before the last verdict (or a 503) answers instead. */
export const VERIFY_LOOKUP_TIMEOUT_MS = 3_000;
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
 * The verdict for a cache entry: alive, then the allowlist (before the scope:
 * nothing about a key's powers is told to an address it does not serve), then
 * the scope asked for. Records last use, or counts the refusal by reason.
 */
function verdict(entry: CacheEntry, now: number, ctx: VerifyContext): VerifyOutcome | Promise<VerifyOutcome> {
  const key = entry.key;
  let reason: Exclude<RefusalReason, LimitRefusal>;
  if (key && (key.expiresAt === null || key.expiresAt > now)) {
    if (!entry.ipOk!(ctx.ip)) reason = "ip";
    else if (ctx.permission && entry.granted !== null && !entry.granted!.has(ctx.permission)) reason = "scope";
    else if (entry.limits !== undefined) {
      // Only keys with a rate limit or quota get here (lib/api-keys/limits.ts): in process, no promise; with Redis, one.
      const d = decideLimits(entry.limits, now);
      return d instanceof Promise ? d.then((v) => limited(key, v, now, ctx)) : limited(key, d, now, ctx);
    } else {
      recordLastUse(key.id, ctx);
      countUsage(key.id, key.clientId, "success", now);
      return { ok: true, key };
    }
  } else reason = key ? "expired" : (entry.reason ?? "unknown");
  const id = key?.id ?? entry.id;
  const clientId = key?.clientId ?? entry.clientId ?? null;
  countAuthFailure({ subject: id ?? "unknown", clientId, reason, ip: ctx.ip });
  if (id && clientId && reason !== "unknown") countUsage(id, clientId, reason, now);
  return { ok: false, reason };
}

/** A limited key's verdict: allowed (last use, a success) or refused for its limit (counted in its usage). */
function limited(key: VerifiedKey, d: LimitDecision, now: number, ctx: VerifyContext): VerifyOutcome {
  if (d.ok) {
    recordLastUse(key.id, ctx);
    countUsage(key.id, key.clientId, "success", now);
    return { ok: true, key, limits: d };
  }
  countUsage(key.id, key.clientId, d.reason, now);
  return { ok: false, reason: d.reason, limits: d };
}

/**
 * The hot path of every API-key check. The verdict comes without any I/O when
 * it can (a malformed key or bad checksum, or a key in the cache, which every
 * key write invalidates on every instance): then it is returned as is, no
 * promise. Otherwise one indexed lookup by hash (computed once), whose answer
 * is cached. Records last use, or counts the refusal.
 */
export function checkApiKey(rawKey: string, ctx: VerifyContext): VerifyOutcome | Promise<VerifyOutcome> {
  if (!isWellFormedKey(rawKey)) return { ok: false, reason: "unknown" };
  const hash = hashKey(rawKey);
  const now = Date.now();
  const entry = cacheGet(hash, now);
  return entry ? verdict(entry, now, ctx) : lookup(hash, ctx);
}

async function lookup(hash: string, ctx: VerifyContext): Promise<VerifyOutcome> {
  const now = Date.now();
  // Noted before the query: a change announced while it runs must not be cached over (cacheSetIfCurrent).
  const since = cacheGeneration();
  // Bounded: a database that holds the bytes without answering gets the last verdict or a 503 within seconds.
  const row = await within(db().apiKey.findUnique({
    where: { keyHash: hash },
    select: {
      id: true,
      clientId: true,
      keyPrefix: true,
      expiresAt: true,
      revokedAt: true,
      fullAccess: true,
      scopes: true,
      allowedIps: true,
      rateLimitRequests: true,
      rateLimitWindowSeconds: true,
      quotaRequests: true,
      quotaPeriod: true,
      limitCounterKeyId: true,
      client: { select: { type: true, rateLimitFailMode: true } },
    },
  }), VERIFY_LOOKUP_TIMEOUT_MS, "key lookup").catch((err: unknown) => lastVerdict(err, hash, now));
  if (row instanceof Stale) {
    // Limits keep counting (in process or Redis) while the database is away.
    const v = verdict(row.entry, now, ctx);
    return v instanceof Promise ? v.then(markStale) : markStale(v);
  }
  let e: CacheEntry;
  if (!row) e = { at: now, key: null, reason: "unknown" };
  else if (row.revokedAt !== null) e = { at: now, key: null, reason: "revoked", clientId: row.clientId, id: row.id };
  else {
    const scopes = row.fullAccess ? null : row.scopes;
    const rateLimit = row.rateLimitRequests !== null && row.rateLimitWindowSeconds !== null ? { requests: row.rateLimitRequests, windowSeconds: row.rateLimitWindowSeconds } : null;
    const quota = row.quotaRequests !== null && row.quotaPeriod !== null ? { requests: row.quotaRequests, period: row.quotaPeriod } : null;
    e = {
      at: now,
      key: {
        id: row.id,
        clientId: row.clientId,
        clientType: row.client.type,
        keyPrefix: row.keyPrefix,
        expiresAt: row.expiresAt?.getTime() ?? null,
        scopes,
        allowedIps: row.allowedIps,
        rateLimit,
        quota,
      },
      // Parsed once per cache fill: a check is then a set lookup and a few bit comparisons.
      granted: scopes === null ? null : expandScopes(scopes),
      ipOk: ipMatcher(row.allowedIps),
      ...(rateLimit || quota ? { limits: { counterId: row.limitCounterKeyId ?? row.id, rateLimit, quota, failMode: row.client.rateLimitFailMode } } : {}),
    };
  }
  cacheSetIfCurrent(hash, e, since);
  return verdict(e, now, ctx);
}

const markStale = (v: VerifyOutcome): VerifyOutcome => ({ ...v, stale: true });

class Stale {
  constructor(readonly entry: CacheEntry) {}
}

/**
 * The database is away: a key verified within VERIFY_STALE_SECONDS gets its last verdict (no revocation can
 * commit meanwhile, and none missed before: verify-cache.ts staleEntry); an unknown key, or any other error, throws (503).
 */
function lastVerdict(err: unknown, hash: string, now: number): Stale {
  const last = isDatabaseUnavailable(err) ? staleEntry(hash, now, env().VERIFY_STALE_SECONDS * 1000) : undefined;
  if (!last) throw err;
  return new Stale(last);
}
