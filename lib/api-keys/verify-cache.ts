// Verification results cached in-process by key hash. Every key write makes
// PostgreSQL announce the key (LISTEN/NOTIFY, lib/api-keys/key-events.ts) and
// every instance drops it at once, so hits may live long. While that channel
// is down, entries live only briefly (and the cache was emptied when it
// dropped), so a revocation elsewhere is still felt within a second.
// The map lives on globalThis: the custom server's verify API and the Next.js
// routes (bundled separately) share one cache per process.
// No "server-only" import here: the custom server (plain Node) loads this module too.
import type { IpMatcher } from "./access";
import type { KeyLimits } from "./limits";
import type { VerifiedKey } from "./verify-api-key";

/** How long an entry lives while invalidations arrive. */
export const VERIFY_CACHE_TTL_MS = 60_000;
/** How long an entry lives while the invalidation channel is down. */
export const VERIFY_CACHE_FALLBACK_TTL_MS = 750;
const MAX_ENTRIES = 50_000;

export type CacheEntry = {
  at: number;
  key: VerifiedKey | null;
  /** For a live key: every permission its scopes allow (write expanded to read); null: full access. */
  granted?: Set<string> | null;
  /** For a live key: is an address inside its allowlist (always true without one)? */
  ipOk?: IpMatcher;
  /** For a live key with a rate limit or quota (and its Client's fail mode); absent: no limits, nothing to decide. */
  limits?: KeyLimits;
  reason?: "unknown" | "expired" | "revoked";
  clientId?: string;
  id?: string;
};

/**
 * Invalidation generations. A lookup reads the row, awaits, then caches it;
 * an invalidation that lands in between finds nothing to forget (the id is not
 * cached yet), so the lookup must not cache what it read. Invalidations come
 * by key id, lookups go by hash (the id is known only once the row is read):
 * every forget takes the next number of one counter and records it under the
 * id; a lookup notes the counter before its query and caches only if its row's
 * id was not forgotten since (and nothing wholesale, below `floor`, happened).
 */
type Generations = { n: number; floor: number; forgotten: Map<string, number> };

const g = globalThis as unknown as {
  __dolfinVerifyCache?: Map<string, CacheEntry>;
  __dolfinVerifyIds?: Map<string, string>;
  __dolfinKeyEventsLive?: boolean;
  __dolfinVerifyGen?: Generations;
};
const cache = (g.__dolfinVerifyCache ??= new Map<string, CacheEntry>());
/** Key id -> hash, so an invalidation by id costs one lookup, not a scan. */
const ids = (g.__dolfinVerifyIds ??= new Map<string, string>());
const gen = (g.__dolfinVerifyGen ??= { n: 0, floor: 0, forgotten: new Map<string, number>() });
/** Past this many remembered forgets, they are dropped and every lookup in flight caches nothing. */
const MAX_FORGOTTEN = 10_000;

/** Whether this process currently receives key invalidations (set by the listener). */
export function setInvalidationsLive(live: boolean): void {
  if (!live) {
    cache.clear(); // whatever was missed while disconnected is forgotten
    ids.clear();
  }
  // Either way, a lookup begun before now caches nothing: its answer may predate a change
  // announced while nobody listened (and on reconnect, entries would live the long TTL again).
  gen.floor = ++gen.n;
  g.__dolfinKeyEventsLive = live;
}

export function cacheTtlMs(): number {
  return g.__dolfinKeyEventsLive ? VERIFY_CACHE_TTL_MS : VERIFY_CACHE_FALLBACK_TTL_MS;
}

export function cacheGet(hash: string, now: number): CacheEntry | undefined {
  const e = cache.get(hash);
  if (!e) return undefined;
  if (now - e.at >= cacheTtlMs()) {
    cache.delete(hash);
    return undefined;
  }
  return e;
}

/** The generation to note before a lookup's query, for cacheSetIfCurrent. */
export function cacheGeneration(): number {
  return gen.n;
}

/**
 * Cache a lookup's answer unless its key was forgotten (revoked, rotated or
 * changed, here or elsewhere) or the channel went up or down since `since`
 * (cacheGeneration() before the query): then the answer may be older than the
 * change, and the next request reads again. Returns whether it cached.
 */
export function cacheSetIfCurrent(hash: string, entry: CacheEntry, since: number): boolean {
  if (since < gen.floor) return false;
  const id = entry.key?.id ?? entry.id;
  if (id !== undefined) {
    const forgotten = gen.forgotten.get(id);
    if (forgotten !== undefined && forgotten > since) return false;
  }
  cacheSet(hash, entry);
  return true;
}

function cacheSet(hash: string, entry: CacheEntry): void {
  if (cache.size >= MAX_ENTRIES) {
    // Drop the oldest tenth (Map keeps insertion order).
    let n = MAX_ENTRIES / 10;
    for (const [k, e] of cache) {
      cache.delete(k);
      const id = e.key?.id ?? e.id;
      if (id) ids.delete(id);
      if (--n <= 0) break;
    }
  }
  cache.set(hash, entry);
  const id = entry.key?.id ?? entry.id;
  if (id) ids.set(id, hash);
}

/** Forget a key at once (revoked, rotated or changed, here or on another instance). */
export function cacheForgetKey(keyId: string): void {
  const id = keyId.toLowerCase();
  if (gen.forgotten.size >= MAX_FORGOTTEN) {
    gen.forgotten.clear();
    gen.floor = gen.n + 1; // what was remembered is lost: lookups in flight cache nothing
  }
  gen.forgotten.set(id, ++gen.n);
  const hash = ids.get(id);
  if (hash === undefined) return;
  ids.delete(id);
  cache.delete(hash);
}
