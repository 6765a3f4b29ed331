// Verification results cached in-process by key hash. Every key write makes
// PostgreSQL announce the key (LISTEN/NOTIFY, lib/api-keys/key-events.ts) and
// every instance drops it at once, so hits may live long. While that channel
// is down, entries live only briefly (and the cache was emptied when it
// dropped), so a revocation elsewhere is still felt within a second.
// The map lives on globalThis: the custom server's verify API and the Next.js
// routes (bundled separately) share one cache per process.
// Beside it, the last verdicts (`last`): what this process last read for each
// known key, kept past the TTL and across the channel's drops, to answer for
// a short while when the database cannot be reached (staleEntry, below).
// What was heard is only ever what was proven: a heartbeat on the listener
// connection answered (PostgreSQL delivers the notifications committed before
// a query to that connection ahead of its answer), or a reconciliation read
// the change log. A silent partition proves nothing, so the window runs out.
// No "server-only" import here: the custom server (plain Node) loads this module too.
import { metrics } from "@/lib/metrics/counters";
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

/**
 * What this process has heard: every last verdict holds every change committed before `mark`, the
 * time the last proof was sent: a heartbeat answered on the listener connection while the channel was
 * `live` and `reconciled` (what changed while it was down read back, see reconciled()), or a
 * reconciliation's query. Never the time a drop was noticed: a change before it may never have arrived.
 */
type Heard = { reconciled: boolean; mark: number; epoch: number };

const g = globalThis as unknown as {
  __dolfinVerifyCache?: Map<string, CacheEntry>;
  __dolfinVerifyIds?: Map<string, string>;
  __dolfinKeyEventsLive?: boolean;
  __dolfinVerifyGen?: Generations;
  __dolfinVerifyLast?: { byHash: Map<string, CacheEntry>; ids: Map<string, string>; heard: Heard };
};
const cache = (g.__dolfinVerifyCache ??= new Map<string, CacheEntry>());
/** Key id -> hash, so an invalidation by id costs one lookup, not a scan. */
const ids = (g.__dolfinVerifyIds ??= new Map<string, string>());
const gen = (g.__dolfinVerifyGen ??= { n: 0, floor: 0, forgotten: new Map<string, number>() });
/** Past this many remembered forgets, they are dropped and every lookup in flight caches nothing. */
const MAX_FORGOTTEN = 10_000;
// The last verdicts, by hash (and id -> hash), and what was heard; at start, nothing is known before now.
const last = (g.__dolfinVerifyLast ??= { byHash: new Map(), ids: new Map(), heard: { reconciled: false, mark: Date.now(), epoch: 0 } });

/** Whether this process currently receives key invalidations (set by the listener). */
export function setInvalidationsLive(live: boolean): void {
  if (!live) {
    cache.clear(); // whatever was missed while disconnected is forgotten
    ids.clear();
    // The last verdicts stay, current as of the last proof (`mark`, unchanged: not the drop's time).
  }
  // Live again: what was announced while nobody listened is not known until reconciled() says so.
  last.heard.reconciled = false;
  last.heard.epoch++;
  // Either way, a lookup begun before now caches nothing: its answer may predate a change
  // announced while nobody listened (and on reconnect, entries would live the long TTL again).
  gen.floor = ++gen.n;
  g.__dolfinKeyEventsLive = live;
}

/** Whether this process hears every key change: the channel is up and what it missed was read back (the metric). */
export function invalidationsCurrent(): boolean {
  return g.__dolfinKeyEventsLive === true && last.heard.reconciled;
}

/** Until when (ms) the last verdicts are known to hold every change: the last proof's sending time. */
export function heardUntil(): number {
  return last.heard.mark;
}

export type Heartbeat = { sentAt: number; epoch: number };

/** A heartbeat on the listener connection is about to be sent: note when (before the query). */
export function heartbeatStart(): Heartbeat {
  return { sentAt: Date.now(), epoch: last.heard.epoch };
}

/**
 * The heartbeat was answered: every notification committed before it was sent has arrived (and was
 * acted on) before its answer. If the channel was live and reconciled all along, everything until
 * h.sentAt is heard.
 */
export function heartbeatAnswered(h: Heartbeat): void {
  if (g.__dolfinKeyEventsLive && last.heard.reconciled && h.epoch === last.heard.epoch) last.heard.mark = Math.max(last.heard.mark, h.sentAt);
}

/** How much time a reconciliation reads back before heardUntil(): announcements in flight when the channel dropped, transactions that committed a while after their change, clocks. */
export const RECONCILE_MARGIN_MS = 30_000;

export type Reconciliation = { since: Date; startedAt: number; epoch: number };

/** Begin a reconciliation: read every key changed after `since`, then call reconciled(). Note it before the query. */
export function reconcileStart(): Reconciliation {
  return { since: new Date(heardUntil() - RECONCILE_MARGIN_MS), startedAt: Date.now(), epoch: last.heard.epoch };
}

/**
 * A reconciliation read the keys changed since `r.since` (its query began at `r.startedAt`): forget
 * them (here and in the last verdicts); the last verdicts are then known as of r.startedAt, and, if
 * the channel was already live when it began, current again. `all`: the change log does not reach
 * back that far: forget every last verdict.
 */
export function reconciled(r: Reconciliation, changedIds: Iterable<string>, all = false): void {
  if (all) {
    last.byHash.clear();
    last.ids.clear();
    cache.clear();
    ids.clear();
    gen.floor = ++gen.n;
  }
  for (const id of changedIds) cacheForgetKey(id);
  last.heard.mark = Math.max(last.heard.mark, r.startedAt);
  if (g.__dolfinKeyEventsLive && r.epoch === last.heard.epoch) last.heard.reconciled = true;
}

/**
 * The last verdict for a key, when the database cannot be reached: only a known key (live, expired
 * or revoked; never "unknown"), and only within `windowMs` of the last proof (heardUntil). A change
 * committed before that proof was heard (its key forgotten here); one after it may be missed, so
 * it is served for at most `windowMs` after the proof. Undefined otherwise.
 */
export function staleEntry(hash: string, now: number, windowMs: number): CacheEntry | undefined {
  const e = last.byHash.get(hash);
  if (!e) return undefined;
  return now - heardUntil() <= windowMs ? e : undefined;
}

/**
 * How old the last proof may be for entries to live the long TTL: a heartbeat's period and timeout
 * (key-events.ts, 2 s each) and a second to spare. Older, the channel is as good as down, even before
 * the unanswered heartbeat says so.
 */
export const LIVE_PROOF_MAX_AGE_MS = 5_000;

export function cacheTtlMs(now = Date.now()): number {
  return g.__dolfinKeyEventsLive && now - last.heard.mark <= LIVE_PROOF_MAX_AGE_MS ? VERIFY_CACHE_TTL_MS : VERIFY_CACHE_FALLBACK_TTL_MS;
}

export function cacheGet(hash: string, now: number): CacheEntry | undefined {
  const e = cache.get(hash);
  if (!e) {
    metrics.cache.misses++;
    return undefined;
  }
  if (now - e.at >= cacheTtlMs(now)) {
    cache.delete(hash);
    metrics.cache.misses++;
    return undefined;
  }
  metrics.cache.hits++;
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
  remember(hash, entry, id);
  return true;
}

/** Keep a looked-up verdict as the key's last one (known keys only; an unknown hash drops what was kept). */
function remember(hash: string, entry: CacheEntry, id: string | undefined): void {
  const known = last.byHash.get(hash);
  if (known) last.byHash.delete(hash); // re-inserted last: the oldest-first eviction below keeps hot keys
  if (entry.key === null && entry.reason === "unknown") {
    if (known) last.ids.delete(known.key?.id ?? known.id ?? "");
    return;
  }
  if (last.byHash.size >= MAX_ENTRIES) {
    let n = MAX_ENTRIES / 10;
    for (const [k, e] of last.byHash) {
      last.byHash.delete(k);
      last.ids.delete(e.key?.id ?? e.id ?? "");
      if (--n <= 0) break;
    }
  }
  last.byHash.set(hash, entry);
  if (id) last.ids.set(id, hash);
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
  const kept = last.ids.get(id);
  if (kept !== undefined) {
    last.ids.delete(id);
    last.byHash.delete(kept);
  }
  const hash = ids.get(id);
  if (hash === undefined) return;
  ids.delete(id);
  cache.delete(hash);
}
