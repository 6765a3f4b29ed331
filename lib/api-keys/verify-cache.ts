// Verification results cached in-process by key hash. Every key write makes
// PostgreSQL announce the key (LISTEN/NOTIFY, lib/api-keys/key-events.ts) and
// every instance drops it at once, so hits may live long. While that channel
// is down, entries live only briefly (and the cache was emptied when it
// dropped), so a revocation elsewhere is still felt within a second.
// The map lives on globalThis: the custom server's verify API and the Next.js
// routes (bundled separately) share one cache per process.
// No "server-only" import here: the custom server (plain Node) loads this module too.
import type { IpMatcher } from "./access";
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
  reason?: "unknown" | "expired" | "revoked";
  clientId?: string;
  id?: string;
};

const g = globalThis as unknown as { __dolfinVerifyCache?: Map<string, CacheEntry>; __dolfinVerifyIds?: Map<string, string>; __dolfinKeyEventsLive?: boolean };
const cache = (g.__dolfinVerifyCache ??= new Map<string, CacheEntry>());
/** Key id -> hash, so an invalidation by id costs one lookup, not a scan. */
const ids = (g.__dolfinVerifyIds ??= new Map<string, string>());

/** Whether this process currently receives key invalidations (set by the listener). */
export function setInvalidationsLive(live: boolean): void {
  if (!live) {
    cache.clear(); // whatever was missed while disconnected is forgotten
    ids.clear();
  }
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

export function cacheSet(hash: string, entry: CacheEntry): void {
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
  const hash = ids.get(id);
  if (hash === undefined) return;
  ids.delete(id);
  cache.delete(hash);
}
