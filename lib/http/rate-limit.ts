import "server-only";
// Rate limits whose counters live in PostgreSQL (rate-limiter-flexible), so
// every app instance counts against the same budget.
import pg from "pg";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";
import { addressKey } from "./address";
import { ApiError } from "./problem";

export type LimitName = "keyWrites" | "authFailures" | "leakReports" | "signInFailures" | "signInAccount" | "invites" | "passkeyOptions" | "reauthOptions" | "githubUnverified" | "webhookSends";

/** The limits keyed by the caller's address: their keys go through addressKey. */
const PER_ADDRESS: ReadonlySet<LimitName> = new Set<LimitName>(["authFailures", "leakReports", "signInFailures", "passkeyOptions", "githubUnverified"]);

/** The key a limit counts under: the address's bucket for the per-address limits, else the key itself. */
const keyFor = (name: LimitName, key: string): string => (PER_ADDRESS.has(name) ? addressKey(key) : key);

const g = globalThis as unknown as { __dolfinLimiters?: Map<LimitName, RateLimiterPostgres>; __dolfinLimiterPool?: pg.Pool };

function pool(): pg.Pool {
  if (!g.__dolfinLimiterPool) {
    const p = new pg.Pool({ connectionString: env().DATABASE_URL, max: 4, connectionTimeoutMillis: 3_000, idleTimeoutMillis: 30_000 });
    // An idle connection dropped by the server (restart, outage) must not crash the process.
    p.on("error", (err) => logger.warn({ err }, "rate-limit pool connection lost"));
    g.__dolfinLimiterPool = p;
  }
  return g.__dolfinLimiterPool;
}

function points(name: LimitName): number {
  const e = env();
  return {
    keyWrites: e.RATE_LIMIT_KEY_WRITES_PER_MINUTE,
    authFailures: e.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE,
    leakReports: e.RATE_LIMIT_LEAK_REPORTS_PER_MINUTE,
    signInFailures: e.RATE_LIMIT_SIGN_IN_FAILURES_PER_MINUTE,
    signInAccount: e.RATE_LIMIT_SIGN_IN_FAILURES_PER_ACCOUNT,
    invites: e.RATE_LIMIT_INVITES_PER_HOUR,
    passkeyOptions: e.RATE_LIMIT_PASSKEY_OPTIONS_PER_MINUTE,
    reauthOptions: e.RATE_LIMIT_PASSKEY_OPTIONS_PER_MINUTE,
    githubUnverified: e.RATE_LIMIT_GITHUB_UNVERIFIED_PER_MINUTE,
    webhookSends: e.RATE_LIMIT_WEBHOOK_SENDS_PER_MINUTE,
  }[name];
}

/** The window of each limit, in seconds. */
const WINDOW: Record<LimitName, number> = { keyWrites: 60, authFailures: 60, leakReports: 60, signInFailures: 60, signInAccount: 900, invites: 3600, passkeyOptions: 60, reauthOptions: 60, githubUnverified: 60, webhookSends: 60 };

function limiter(name: LimitName): RateLimiterPostgres {
  g.__dolfinLimiters ??= new Map();
  let l = g.__dolfinLimiters.get(name);
  if (!l) {
    l = new RateLimiterPostgres({
      storeClient: pool(),
      storeType: "pool",
      tableName: "rate_limits",
      tableCreated: true, // created by the migrations
      keyPrefix: name,
      points: points(name),
      duration: WINDOW[name],
    });
    g.__dolfinLimiters.set(name, l);
  }
  return l;
}

export type RateLimitState = { limit: number; remaining: number; resetSeconds: number };

export function rateLimitHeaders(s: RateLimitState): Record<string, string> {
  return { "ratelimit-limit": String(s.limit), "ratelimit-remaining": String(Math.max(0, s.remaining)), "ratelimit-reset": String(s.resetSeconds) };
}

function exceeded(name: LimitName, s: RateLimitState): ApiError {
  return new ApiError({
    status: 429,
    code: "RateLimit.Exceeded",
    title: "Too many requests",
    detail: `Rate limit for ${name} exceeded (${s.limit} per ${WINDOW[name] === 60 ? "minute" : `${WINDOW[name] / 60} minutes`}). Retry in ${s.resetSeconds} s.`,
    headers: { "retry-after": String(s.resetSeconds), ...rateLimitHeaders(s) },
  });
}

const state = (limit: number, r: RateLimiterRes): RateLimitState => ({
  limit,
  remaining: r.remainingPoints,
  resetSeconds: Math.max(1, Math.ceil(r.msBeforeNext / 1000)),
});

/** Spend one point of `name` for `key`; over the limit: throws 429 problem details. */
export async function consume(name: LimitName, key: string): Promise<RateLimitState> {
  const limit = points(name);
  try {
    return state(limit, await limiter(name).consume(keyFor(name, key), 1));
  } catch (err) {
    if (err instanceof RateLimiterRes) throw exceeded(name, state(limit, err));
    throw err; // database trouble: the error handler answers 503
  }
}

// Blocked failure keys (IPs) are remembered here too, so a blocked client
// costs no database round trip until its window ends.
const blockedUntil = new Map<string, number>();

/** Throws 429 when `key` already used up its `name` failures budget (memory only: no I/O on the hot path). */
export function assertNotBlocked(name: LimitName, key: string): void {
  key = keyFor(name, key);
  const until = blockedUntil.get(`${name}:${key}`);
  if (until === undefined) return;
  const ms = until - Date.now();
  if (ms <= 0) {
    blockedUntil.delete(`${name}:${key}`);
    return;
  }
  throw exceeded(name, { limit: points(name), remaining: 0, resetSeconds: Math.ceil(ms / 1000) });
}

/** Count a failure (bad key, bad token, bad password); throws 429 once the budget is spent. */
export async function recordFailure(name: LimitName, key: string): Promise<void> {
  key = keyFor(name, key);
  try {
    await consume(name, key);
  } catch (err) {
    if (err instanceof ApiError && err.init.status === 429) {
      const reset = Number(err.init.headers?.["retry-after"] ?? 60);
      blockedUntil.set(`${name}:${key}`, Date.now() + reset * 1000);
      if (blockedUntil.size > 100_000) blockedUntil.clear();
    }
    throw err;
  }
}

/**
 * The sign-in limits around one password check, for every door that takes a
 * password (sign-in and the token route; accepting an invitation as an
 * existing account): refused (429) while the address or the account has spent
 * its failures, before the password is even checked; a wrong password (`check`
 * answers null) counts against both. `account` is the email as typed,
 * normalised, whether or not it exists; with no address known, no per-address
 * bucket (never one shared by everybody).
 */
export async function limitPasswordCheck<T>(ip: string | null, account: string | null, check: () => Promise<T | null>): Promise<T | null> {
  if (ip !== null) assertNotBlocked("signInFailures", ip);
  if (account !== null) assertNotBlocked("signInAccount", account);
  // Every check spends its failure before it runs, in the shared counters (atomic, every instance),
  // and a right password gives it back: a burst of parallel guesses cannot all be checked against a
  // count that none of them has added to yet, and the guess past the budget is refused unchecked.
  await countSignInFailure(ip, account);
  const result = await check();
  if (result !== null) await refundSignInFailure(ip, account);
  return result;
}

async function refundSignInFailure(ip: string | null, account: string | null): Promise<void> {
  await Promise.all([ip !== null ? limiter("signInFailures").reward(keyFor("signInFailures", ip), 1) : null, account !== null ? limiter("signInAccount").reward(account, 1) : null]).catch((err) =>
    logger.warn({ err }, "could not give back a sign-in's reserved failure"),
  );
}

/** Count a failed sign-in (a wrong password or second factor) per address and per account; both counted, whichever of them is now spent (each throws its 429). */
export async function countSignInFailure(ip: string | null, account: string | null): Promise<void> {
  const counted = await Promise.allSettled([
    ip !== null ? recordFailure("signInFailures", ip) : null,
    account !== null ? recordFailure("signInAccount", account) : null,
  ]);
  const spent = counted.find((r) => r.status === "rejected");
  if (spent) throw spent.reason;
}
