// Per-key rate limits and quotas, decided inside the verification (checkApiKey)
// for our routes and the verify API alike. One interface, two engines chosen
// once at start: in process (no REDIS_URL: exact for this one instance, no
// I/O, no promise) or Redis (REDIS_URL: one atomic Lua script per decision,
// so N instances serve exactly the limit between them). Keys without limits
// never reach this module.
//
// Rate limit: at most `requests` per window of `windowSeconds`; a window
// starts with the first request after the last one ended (a fixed window per
// key, as rate-limiter-flexible counts). Quota: at most `requests` per UTC day
// or month, reset at the period's start. A refused request spends nothing
// (the script checks both counters before it adds to either).
//
// Counters belong to a counter id (`KeyLimits.counterId`), never to a limit's
// shape: changing a key's limits must not restart its count (a key allowed to
// tighten its own limit could otherwise nudge 3/3600 to 3/3601 for a fresh
// window, or a daily quota to a monthly one for a fresh period). The rate
// counter keeps its window's start (a new length moves the reset to start +
// new length); the quota is always counted in both a day and a month bucket.
//
// Redis unreachable: per the Client's policy (`rateLimitFailMode`), "open"
// (default) decides with the in-process engine instead (a local limit: each
// instance allows the limit on its own), "closed" refuses as rate limited for
// a second. Logged (at most every 10 s) and counted (limitCounters). Never a throw.
// No "server-only" import: the custom server (plain Node) loads this module too.
import Redis from "ioredis";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";

export type RateLimitSpec = { requests: number; windowSeconds: number };
export type QuotaPeriod = "day" | "month";
export type QuotaSpec = { requests: number; period: QuotaPeriod };
export type FailMode = "open" | "closed";
/** What a key carries (in the verification cache): only keys with at least one limit have one. */
/** `counterId`: whose counters these are (the first key of a rotation chain: rotating never resets or doubles them). */
export type KeyLimits = { counterId: string; rateLimit: RateLimitSpec | null; quota: QuotaSpec | null; failMode: FailMode };

/** One limit's state after a decision: the limit, what is left, and seconds until it resets. */
export type LimitState = { limit: number; remaining: number; resetSeconds: number };
export type LimitRefusal = "rateLimited" | "quotaExceeded";
export type LimitDecision =
  | { ok: true; ratelimit: LimitState | null; quota: LimitState | null; spec: KeyLimits }
  | { ok: false; reason: LimitRefusal; retryAfterSeconds: number; ratelimit: LimitState | null; quota: LimitState | null; spec: KeyLimits };

// ---- counters and a hook, for metrics (prom-client is wired elsewhere) ----

export type LimitEvent = "allowed" | LimitRefusal | "redisError" | "failOpen" | "failClosed";
type Counters = Record<LimitEvent, number>;
const g = globalThis as unknown as { __dolfinLimits?: { counters: Counters; hooks: ((e: LimitEvent) => void)[]; engine?: Engine; memory?: MemoryEngine } };
const shared = (g.__dolfinLimits ??= { counters: { allowed: 0, rateLimited: 0, quotaExceeded: 0, redisError: 0, failOpen: 0, failClosed: 0 }, hooks: [] });

/** Monotonic counts of every decision and Redis failure in this process (read them in a metrics collector). */
export const limitCounters: Readonly<Counters> = shared.counters;

/** Called on every event (decisions, Redis errors, fail-open/closed); keep it O(1). Returns an unsubscribe. */
export function onLimitEvent(fn: (e: LimitEvent) => void): () => void {
  shared.hooks.push(fn);
  return () => {
    const i = shared.hooks.indexOf(fn);
    if (i >= 0) shared.hooks.splice(i, 1);
  };
}

function emit(e: LimitEvent): void {
  shared.counters[e]++;
  for (const h of shared.hooks) h(e);
}

// ---- periods ----

const DAY_MS = 86_400_000;

/** The current quota period [start, end) at `now`, in UTC. */
export function quotaPeriod(period: QuotaPeriod, now: number): { start: number; end: number } {
  if (period === "day") {
    const start = now - (now % DAY_MS);
    return { start, end: start + DAY_MS };
  }
  const d = new Date(now);
  return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

const secondsUntil = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function decision(spec: KeyLimits, refused: LimitRefusal | null, rate: LimitState | null, quota: LimitState | null): LimitDecision {
  if (refused === null) return { ok: true, ratelimit: rate, quota, spec };
  const retryAfterSeconds = refused === "rateLimited" ? rate!.resetSeconds : quota!.resetSeconds;
  return { ok: false, reason: refused, retryAfterSeconds, ratelimit: rate, quota, spec };
}

// ---- engines ----

interface Engine {
  take(keyId: string, spec: KeyLimits, now: number): LimitDecision | Promise<LimitDecision>;
}

const MAX_MEMORY_ENTRIES = 200_000;

/**
 * Counters in this process: exact for this instance, synchronous. One map entry per counter id. The rate
 * counter keeps its window's start, not its length: a changed window keeps the count and the start (it then
 * resets at start + the new length), so editing the limit never restarts the count. The quota counts in a
 * day and a month bucket always (the configured period is checked): switching the period keeps the count.
 */
type Bucket = { count: number; start: number; end: number };
type MemoryCounters = { rate?: { count: number; start: number }; day?: Bucket; month?: Bucket };

function bucket(b: Bucket | undefined, period: QuotaPeriod, now: number): Bucket {
  if (b !== undefined && now >= b.start && now < b.end) return b;
  const p = quotaPeriod(period, now);
  return { count: 0, start: p.start, end: p.end };
}

class MemoryEngine implements Engine {
  private counters = new Map<string, MemoryCounters>();

  take(keyId: string, spec: KeyLimits, now: number): LimitDecision {
    const rs = spec.rateLimit;
    const qs = spec.quota;
    let c = this.counters.get(keyId);
    if (c === undefined) {
      if (this.counters.size >= MAX_MEMORY_ENTRIES) this.prune(now);
      c = {};
      this.counters.set(keyId, c);
    }
    let r = c.rate;
    if (rs && (r === undefined || now >= r.start + rs.windowSeconds * 1000)) r = c.rate = { count: 0, start: now };
    let q: Bucket | undefined;
    if (qs) {
      c.day = bucket(c.day, "day", now);
      c.month = bucket(c.month, "month", now);
      q = qs.period === "day" ? c.day : c.month;
    }
    const refused: LimitRefusal | null = rs && r!.count >= rs.requests ? "rateLimited" : qs && q!.count >= qs.requests ? "quotaExceeded" : null;
    if (refused === null) {
      if (rs) r!.count++;
      if (qs) {
        c.day!.count++;
        c.month!.count++;
      }
    }
    return decision(
      spec,
      refused,
      rs ? { limit: rs.requests, remaining: Math.max(0, rs.requests - r!.count), resetSeconds: secondsUntil(r!.start + rs.windowSeconds * 1000 - now) } : null,
      qs ? { limit: qs.requests, remaining: Math.max(0, qs.requests - q!.count), resetSeconds: secondsUntil(q!.end - now) } : null,
    );
  }

  private prune(now: number): void {
    // A rate window is at most a day long (the schema's bound); a month bucket lives to its month's end.
    for (const [k, c] of this.counters) if ((!c.rate || now >= c.rate.start + DAY_MS) && (!c.month || now >= c.month.end)) this.counters.delete(k);
    if (this.counters.size >= MAX_MEMORY_ENTRIES) this.counters.clear();
  }
}

/**
 * Up to n requests of one counter decided at once, atomically: how many the rate limit and the quota still
 * allow, the first `granted` of them spent, the rest refused (by whichever limit binds first).
 * KEYS: rate (a hash: c = count, s = the window's start in ms, by the caller's clock), the quota's day
 * bucket, its month bucket. The rate key is per counter only (not per window length): a changed window keeps
 * the count and the start. Both quota buckets are always counted; ARGV[5] says which one the limit checks.
 * ARGV: rate limit (0: none), window ms, now ms, quota (0: none), quota period (1 day, 2 month),
 * day bucket ttl ms, month bucket ttl ms, n.
 * Returns { granted, rate count after, rate reset ms, checked quota count after, refused by (1 rate, 2 quota) }.
 */
const TAKE_SCRIPT = `
local rl = tonumber(ARGV[1])
local w = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local q = tonumber(ARGV[4])
local qk = KEYS[2]
if tonumber(ARGV[5]) == 2 then qk = KEYS[3] end
local n = tonumber(ARGV[8])
local r, rs, qc = 0, now, 0
local rateLeft, quotaLeft = n, n
if rl > 0 then
  local h = redis.call('HMGET', KEYS[1], 'c', 's')
  if h[1] and h[2] then
    local s0 = tonumber(h[2])
    -- Current unless it has ended: an instance whose clock (or batch) is a little behind the one that
    -- opened the window is still in it (now < s0 must never start a fresh count).
    if now < s0 + w then
      r = tonumber(h[1])
      rs = s0
    end
  end
  rateLeft = math.max(0, rl - r)
end
if q > 0 then
  qc = tonumber(redis.call('GET', qk) or '0')
  quotaLeft = math.max(0, q - qc)
end
local g = math.min(n, rateLeft, quotaLeft)
local by = 2
if rateLeft <= quotaLeft then by = 1 end
if g > 0 then
  if rl > 0 then
    r = r + g
    redis.call('HSET', KEYS[1], 'c', r, 's', rs)
    redis.call('PEXPIRE', KEYS[1], math.max(1, rs + w - now) + 60000)
  end
  if q > 0 then
    local d = redis.call('INCRBY', KEYS[2], g)
    if d == g then redis.call('PEXPIRE', KEYS[2], ARGV[6]) end
    local m = redis.call('INCRBY', KEYS[3], g)
    if m == g then redis.call('PEXPIRE', KEYS[3], ARGV[7]) end
    if qk == KEYS[2] then qc = d else qc = m end
  end
end
return {g, r, rs + w - now, qc, by}`;

type TakeReply = [number, number, number, number, number];
type LimitRedis = Redis & {
  dolfinTake(rateKey: string, dayKey: string, monthKey: string, rl: number, windowMs: number, now: number, q: number, period: 1 | 2, dayTtl: number, monthTtl: number, n: number): Promise<TakeReply>;
};

const LOG_EVERY_MS = 10_000;

/** The requests of one counter waiting for the next flush. */
type Batch = { keyId: string; spec: KeyLimits; now: number; waiters: ((d: LimitDecision) => void)[] };

/**
 * Counters in Redis, shared by every instance with the same REDIS_PREFIX. Requests of one key that arrive in
 * the same turn of the event loop are decided by one script call (batched at setImmediate: no added wait),
 * and every call of a turn goes out in one pipeline (ioredis auto-pipelining): a hot key costs Redis one
 * round trip per turn, not one per request, and the decision stays exact (the script grants at most what
 * is left).
 */
class RedisEngine implements Engine {
  private lastLog = 0;
  private wasReady = false;
  private pending = new Map<string, Batch>();
  private scheduled = false;
  constructor(
    private redis: LimitRedis,
    private prefix: string,
    private fallback: MemoryEngine,
  ) {
    redis.on("ready", () => (this.wasReady = true));
  }

  take(keyId: string, spec: KeyLimits, now: number): LimitDecision | Promise<LimitDecision> {
    // Once connected, a lost connection fails at once (no queue behind a reconnect); before the first
    // connection is up, a decision waits for it (at most commandTimeout), so a fresh instance counts in Redis.
    if (this.redis.status !== "ready" && this.wasReady) return this.unavailable(new Error(`Redis connection ${this.redis.status}`), keyId, spec, now);
    // One batch per counter and limits (a limit changed mid-turn gets its own).
    const k = `${keyId}|${spec.rateLimit?.requests}|${spec.rateLimit?.windowSeconds}|${spec.quota?.requests}|${spec.quota?.period}`;
    let b = this.pending.get(k);
    if (b === undefined) {
      b = { keyId, spec, now, waiters: [] };
      this.pending.set(k, b);
    }
    const batch = b;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return new Promise<LimitDecision>((resolve) => batch.waiters.push(resolve));
  }

  private flush(): void {
    this.scheduled = false;
    const batches = [...this.pending.values()];
    this.pending.clear();
    for (const b of batches) this.send(b);
  }

  private send({ keyId, spec, now, waiters }: Batch): void {
    const rs = spec.rateLimit;
    const qs = spec.quota;
    const qp = qs ? quotaPeriod(qs.period, now) : null;
    const day = quotaPeriod("day", now);
    const month = quotaPeriod("month", now);
    const windowMs = (rs?.windowSeconds ?? 1) * 1000;
    this.redis
      .dolfinTake(
        `${this.prefix}r:${keyId}`,
        `${this.prefix}q:${keyId}:day:${day.start}`,
        `${this.prefix}q:${keyId}:month:${month.start}`,
        rs?.requests ?? 0,
        windowMs,
        now,
        qs?.requests ?? 0,
        qs?.period === "month" ? 2 : 1,
        day.end - now + 3_600_000,
        month.end - now + 3_600_000,
        waiters.length,
      )
      .then(
        ([granted, r, rateResetMs, qc, by]) => {
          const before = { r: r - granted, q: qc - granted };
          const rateReset = rs ? secondsUntil(rateResetMs) : 0;
          const quotaReset = qp ? secondsUntil(qp.end - now) : 0;
          waiters.forEach((resolve, i) => {
            const spent = Math.min(i + 1, granted); // what this request saw spent after it, in arrival order
            resolve(
              decision(
                spec,
                i < granted ? null : by === 1 ? "rateLimited" : "quotaExceeded",
                rs ? { limit: rs.requests, remaining: Math.max(0, rs.requests - (before.r + spent)), resetSeconds: rateReset } : null,
                qs ? { limit: qs.requests, remaining: Math.max(0, qs.requests - (before.q + spent)), resetSeconds: quotaReset } : null,
              ),
            );
          });
        },
        (err) => {
          for (const resolve of waiters) resolve(this.unavailable(err, keyId, spec, now));
        },
      );
  }

  private unavailable(err: unknown, keyId: string, spec: KeyLimits, now: number): LimitDecision {
    emit("redisError");
    const t = Date.now();
    if (t - this.lastLog >= LOG_EVERY_MS) {
      this.lastLog = t;
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, "rate-limit store (Redis) unreachable: deciding per each Client's rateLimitFailMode");
    }
    if (spec.failMode === "closed") {
      emit("failClosed");
      const state = (limit: number) => ({ limit, remaining: 0, resetSeconds: 1 });
      return { ok: false, reason: "rateLimited", retryAfterSeconds: 1, ratelimit: spec.rateLimit ? state(spec.rateLimit.requests) : null, quota: spec.quota ? state(spec.quota.requests) : null, spec };
    }
    emit("failOpen");
    return this.fallback.take(keyId, spec, now);
  }
}

/** Redis keys start with REDIS_PREFIX, else "dolfin:<database name>:": test runs sharing a Redis never meet, a deployment's instances share. */
export function redisPrefix(): string {
  const e = env();
  if (e.REDIS_PREFIX) return e.REDIS_PREFIX;
  let name = "default";
  try {
    name = decodeURIComponent(new URL(e.DATABASE_URL).pathname.slice(1)) || "postgres";
  } catch {
    // keep the default
  }
  return `dolfin:${name}:`;
}

function memory(): MemoryEngine {
  return (shared.memory ??= new MemoryEngine());
}

function engine(): Engine {
  if (shared.engine) return shared.engine;
  const url = env().REDIS_URL;
  if (!url) return (shared.engine = memory());
  const redis = new Redis(url, {
    // Commands issued in the same tick go out as one pipeline: one round trip for many verifications.
    enableAutoPipelining: true,
    // Down means down: a command in flight when the connection drops fails at once (then the fail mode
    // decides); RedisEngine.take never queues one behind a reconnect (only behind the first connect).
    enableOfflineQueue: true,
    maxRetriesPerRequest: 0,
    commandTimeout: env().REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(100 * times, 2_000),
  }) as LimitRedis;
  redis.on("error", () => {}); // each failed command is counted and logged where it fails
  redis.defineCommand("dolfinTake", { numberOfKeys: 3, lua: TAKE_SCRIPT });
  return (shared.engine = new RedisEngine(redis, redisPrefix(), memory()));
}

/**
 * At server start: with REDIS_URL, connect now, so the first requests are counted in Redis rather than waiting
 * for (or, past the command timeout, falling back from) a connection made on first use.
 */
export function warmLimitStore(): void {
  if (env().REDIS_URL) engine();
}

/** Whether counters are shared through Redis (REDIS_URL) or kept in this process. */
export function limitStore(): "redis" | "memory" {
  return env().REDIS_URL ? "redis" : "memory";
}

/**
 * The decision for one request of a key with limits, at `now` (injectable: the tests move the clock). Spends
 * one request of each limit when allowed; a refusal spends nothing. Synchronous in process, a promise with
 * Redis; never throws.
 */
export function decideLimits(spec: KeyLimits, now: number): LimitDecision | Promise<LimitDecision> {
  const d = engine().take(spec.counterId, spec, now);
  return d instanceof Promise ? d.then(counted) : counted(d);
}

function counted(d: LimitDecision): LimitDecision {
  emit(d.ok ? "allowed" : d.reason);
  return d;
}

/** For tests and shutdown: close the Redis connection (if any); the next decision opens a new one. */
export async function closeLimitStore(): Promise<void> {
  const e = shared.engine;
  shared.engine = undefined;
  if (e instanceof RedisEngine) await (e as unknown as { redis: Redis }).redis.quit().catch(() => {});
}

// ---- headers (draft-ietf-httpapi-ratelimit-headers) ----

/** The policy window of a quota, in seconds (a month's own length). */
function quotaWindowSeconds(period: QuotaPeriod, now: number): number {
  const p = quotaPeriod(period, now);
  return (p.end - p.start) / 1000;
}

/** `RateLimit-Policy` and `RateLimit` for a decision (and `Retry-After` when refused). */
export function limitHeaders(d: LimitDecision, now: number): Record<string, string> {
  const policy: string[] = [];
  const state: string[] = [];
  if (d.ratelimit && d.spec.rateLimit) {
    policy.push(`"rate";q=${d.spec.rateLimit.requests};w=${d.spec.rateLimit.windowSeconds}`);
    state.push(`"rate";r=${d.ratelimit.remaining};t=${d.ratelimit.resetSeconds}`);
  }
  if (d.quota && d.spec.quota) {
    policy.push(`"quota";q=${d.spec.quota.requests};w=${quotaWindowSeconds(d.spec.quota.period, now)}`);
    state.push(`"quota";r=${d.quota.remaining};t=${d.quota.resetSeconds}`);
  }
  const h: Record<string, string> = {};
  if (policy.length) {
    h["ratelimit-policy"] = policy.join(", ");
    h["ratelimit"] = state.join(", ");
  }
  if (!d.ok) h["retry-after"] = String(d.retryAfterSeconds);
  return h;
}
