import { describe, expect, it } from "vitest";
import {
  cacheForgetKey,
  cacheGeneration,
  cacheGet,
  cacheSetIfCurrent,
  heardUntil,
  heartbeatAnswered,
  heartbeatStart,
  invalidationsCurrent,
  RECONCILE_MARGIN_MS,
  reconciled,
  reconcileStart,
  setInvalidationsLive,
  staleEntry,
  type CacheEntry,
} from "./verify-cache";

const entry = (id: string): CacheEntry => ({ at: Date.now(), key: null, reason: "revoked", id, clientId: "c" });

describe("the verification cache's invalidation generations", () => {
  setInvalidationsLive(true);

  it("a lookup caches its answer when nothing about its key changed while it ran", () => {
    const since = cacheGeneration();
    cacheForgetKey("other-key"); // another key's change does not matter
    expect(cacheSetIfCurrent("h1", entry("k1"), since)).toBe(true);
    expect(cacheGet("h1", Date.now())?.id).toBe("k1");
  });

  it("a lookup does not cache when its key was forgotten while it ran (the id was not cached yet)", () => {
    const since = cacheGeneration();
    cacheForgetKey("K2"); // by an id in another case: the same key
    expect(cacheSetIfCurrent("h2", entry("k2"), since)).toBe(false);
    expect(cacheGet("h2", Date.now())).toBeUndefined();
    // The next lookup, begun after the change, caches.
    expect(cacheSetIfCurrent("h2", entry("k2"), cacheGeneration())).toBe(true);
  });

  it("a lookup does not cache across the invalidation channel going down or up", () => {
    let since = cacheGeneration();
    setInvalidationsLive(false);
    expect(cacheSetIfCurrent("h3", entry("k3"), since)).toBe(false);
    since = cacheGeneration();
    setInvalidationsLive(true);
    expect(cacheSetIfCurrent("h3", entry("k3"), since)).toBe(false);
    expect(cacheSetIfCurrent("h3", entry("k3"), cacheGeneration())).toBe(true);
  });

  it("when the remembered forgets overflow, lookups in flight cache nothing", () => {
    const since = cacheGeneration();
    for (let i = 0; i < 10_001; i++) cacheForgetKey(`flood-${i}`);
    expect(cacheSetIfCurrent("h4", entry("k4"), since)).toBe(false);
    expect(cacheSetIfCurrent("h4", entry("k4"), cacheGeneration())).toBe(true);
  });
});

describe("the last verdicts (served while the database is unreachable)", () => {
  const live = (id: string, at = Date.now()): CacheEntry => ({ at, key: { id, clientId: "c", clientType: "Live", keyPrefix: "dol_live_x", scopes: null, allowedIps: [], expiresAt: null, rateLimit: null, quota: null } });

  it("a looked-up key's verdict outlives the channel's drop, within the window; an unknown key's never serves", () => {
    setInvalidationsLive(true);
    reconciled(reconcileStart(), []);
    expect(cacheSetIfCurrent("s1", live("s1k"), cacheGeneration())).toBe(true);
    expect(cacheSetIfCurrent("s2", { at: Date.now(), key: null, reason: "unknown" }, cacheGeneration())).toBe(true);
    setInvalidationsLive(false);
    expect(cacheGet("s1", Date.now())).toBeUndefined(); // the cache itself was emptied, as before
    expect(staleEntry("s1", Date.now(), 60_000)?.key?.id).toBe("s1k");
    expect(staleEntry("s2", Date.now(), 60_000)).toBeUndefined();
    // Known as of the drop: past the window after it, it is not served.
    expect(staleEntry("s1", Date.now() + 61_000, 60_000)).toBeUndefined();
  });

  it("a forgotten key (announced, or read back by a reconciliation) is not served", () => {
    setInvalidationsLive(true);
    reconciled(reconcileStart(), []);
    cacheSetIfCurrent("s3", live("s3k"), cacheGeneration());
    cacheSetIfCurrent("s4", live("s4k"), cacheGeneration());
    cacheForgetKey("s3k");
    expect(staleEntry("s3", Date.now(), 60_000)).toBeUndefined();
    setInvalidationsLive(false);
    const r = reconcileStart();
    expect(r.since.getTime()).toBeLessThanOrEqual(Date.now() - RECONCILE_MARGIN_MS);
    reconciled(r, ["s4k"]);
    expect(staleEntry("s4", Date.now(), 60_000)).toBeUndefined();
  });

  it("the channel back counts as current only once a reconciliation begun after it finished", () => {
    setInvalidationsLive(false);
    const before = reconcileStart(); // e.g. the pool's, while the channel was still down
    setInvalidationsLive(true);
    expect(invalidationsCurrent()).toBe(false);
    reconciled(before, []);
    expect(invalidationsCurrent()).toBe(false);
    reconciled(reconcileStart(), []);
    expect(invalidationsCurrent()).toBe(true);
    // Current: an old entry's verdict is held as of now.
    cacheSetIfCurrent("s5", live("s5k", Date.now() - 3_600_000), cacheGeneration());
    expect(staleEntry("s5", Date.now(), 60_000)?.key?.id).toBe("s5k");
  });

  it("only proofs move what was heard: an answered heartbeat (sent while live and reconciled), never a drop nor a heartbeat from before one", () => {
    setInvalidationsLive(true);
    reconciled(reconcileStart(), []);
    cacheSetIfCurrent("s6", live("s6k"), cacheGeneration());
    const proven = heardUntil();
    // Live, but nothing proven since: the window runs out all the same (a silent partition).
    expect(staleEntry("s6", proven + 61_000, 60_000)).toBeUndefined();
    const h = heartbeatStart();
    heartbeatAnswered(h);
    // Entries live long only while the last proof is recent: past a heartbeat's period and timeout, briefly.
    cacheSetIfCurrent("s7", live("s7k"), cacheGeneration());
    expect(cacheGet("s7", h.sentAt + 1_000)?.key?.id).toBe("s7k");
    expect(cacheGet("s7", h.sentAt + 6_000)).toBeUndefined();
    expect(heardUntil()).toBe(Math.max(proven, h.sentAt));
    const late = heartbeatStart();
    setInvalidationsLive(false);
    // The drop is not a proof: what was heard stays at the last heartbeat.
    expect(heardUntil()).toBe(Math.max(proven, h.sentAt));
    setInvalidationsLive(true);
    reconciled({ ...reconcileStart(), startedAt: h.sentAt }, []);
    heartbeatAnswered({ ...late, sentAt: late.sentAt + 5_000 }); // sent on the connection before the drop
    expect(heardUntil()).toBe(Math.max(proven, h.sentAt));
    expect(staleEntry("s6", heardUntil() + 60_000, 60_000)?.key?.id).toBe("s6k");
    expect(staleEntry("s6", heardUntil() + 60_001, 60_000)).toBeUndefined();
  });
});
