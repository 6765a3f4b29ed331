import "server-only";
// Verification results cached in-process by key hash, for a short TTL. A
// revocation elsewhere is seen within the TTL; a revocation on this instance
// drops the entry at once. Unknown hashes are cached too: a key nobody has
// created cannot become valid, because new keys are fresh random strings.
import type { VerifiedKey } from "./verify-api-key";

/** How long a revocation on another instance can be outlived. */
export const VERIFY_CACHE_TTL_MS = 750;
const MAX_ENTRIES = 50_000;

type Entry = { at: number; key: (VerifiedKey & { expiresAt: number | null }) | null; reason?: "unknown" | "expired" | "revoked"; clientId?: string; id?: string };

const cache = new Map<string, Entry>();

export function cacheGet(hash: string, now: number): Entry | undefined {
  const e = cache.get(hash);
  if (!e) return undefined;
  if (now - e.at >= VERIFY_CACHE_TTL_MS) {
    cache.delete(hash);
    return undefined;
  }
  return e;
}

export function cacheSet(hash: string, entry: Entry): void {
  if (cache.size >= MAX_ENTRIES) {
    // Drop the oldest tenth (Map keeps insertion order).
    let n = MAX_ENTRIES / 10;
    for (const k of cache.keys()) {
      cache.delete(k);
      if (--n <= 0) break;
    }
  }
  cache.set(hash, entry);
}

/** Forget a key at once (revoked or rotated on this instance). */
export function cacheForgetKey(keyId: string): void {
  for (const [hash, e] of cache) if (e.key?.id === keyId || e.id === keyId) cache.delete(hash);
}
