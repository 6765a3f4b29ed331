import { describe, expect, it } from "vitest";
import { checksum, generateKey, hashKey, isWellFormedKey, randomBase62, RAW_KEY_LENGTH, toBase62 } from "./key-format";

describe("key format", () => {
  it("generates Live and Sandbox keys with their prefixes, the right length and a valid checksum", () => {
    const live = generateKey("Live");
    const test = generateKey("Sandbox");
    expect(live.rawKey).toMatch(/^dol_live_[0-9A-Za-z]{49}$/);
    expect(test.rawKey).toMatch(/^dol_test_[0-9A-Za-z]{49}$/);
    expect(live.rawKey).toHaveLength(RAW_KEY_LENGTH);
    expect(isWellFormedKey(live.rawKey)).toBe(true);
    expect(isWellFormedKey(test.rawKey)).toBe(true);
  });

  it("keyPrefix is the environment prefix plus 8 random characters, and never the whole key", () => {
    const k = generateKey("Live");
    expect(k.keyPrefix).toHaveLength("dol_live_".length + 8);
    expect(k.rawKey.startsWith(k.keyPrefix)).toBe(true);
  });

  it("stores only a SHA-256 hash, which is stable and differs from the key", () => {
    const k = generateKey("Live");
    expect(k.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(k.keyHash).toBe(hashKey(k.rawKey));
    expect(k.keyHash).not.toContain(k.rawKey.slice(9, 20));
    // Known value: the hex SHA-256 of the key's UTF-8 bytes (what existing rows hold).
    expect(hashKey("dol_live_example")).toBe("728f30aa136efb85a8206dbc36a8dddffca7033d135e33023f03f21398d5797b");
  });

  it("rejects a key with one character changed, truncated, extended or with a wrong prefix", () => {
    const { rawKey } = generateKey("Live");
    const i = 20;
    const flipped = rawKey.slice(0, i) + (rawKey[i] === "a" ? "b" : "a") + rawKey.slice(i + 1);
    expect(isWellFormedKey(flipped)).toBe(false);
    expect(isWellFormedKey(rawKey.slice(0, -1))).toBe(false);
    expect(isWellFormedKey(rawKey + "x")).toBe(false);
    expect(isWellFormedKey(rawKey.replace("dol_live_", "dol_prod_"))).toBe(false);
    expect(isWellFormedKey("")).toBe(false);
    expect(isWellFormedKey("dol_live_" + "a".repeat(49))).toBe(false);
  });

  it("checksums are 6 base62 characters of CRC32 (known value)", () => {
    // crc32("hello") = 0x3610a686 = 907060870
    expect(checksum("hello")).toBe(toBase62(907060870, 6));
    expect(toBase62(0, 6)).toBe("000000");
    expect(toBase62(61, 1)).toBe("z");
    expect(toBase62(62, 2)).toBe("10");
  });

  it("draws base62 characters uniformly and without repeats between keys", () => {
    const s = randomBase62(62 * 2000);
    const counts = new Map<string, number>();
    for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Each of the 62 symbols should appear ~2000 times; allow a wide, non-flaky band.
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(1600);
      expect(n).toBeLessThan(2400);
    }
    const keys = new Set(Array.from({ length: 2000 }, () => generateKey("Live").rawKey));
    expect(keys.size).toBe(2000);
  });
});
