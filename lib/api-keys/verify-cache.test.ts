import { describe, expect, it } from "vitest";
import { cacheForgetKey, cacheGeneration, cacheGet, cacheSetIfCurrent, setInvalidationsLive, type CacheEntry } from "./verify-cache";

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
