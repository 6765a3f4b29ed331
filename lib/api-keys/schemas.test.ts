import { describe, expect, it } from "vitest";
import { createApiKeySchema, leakReportSchema, listQuerySchema, rotateApiKeySchema } from "./schemas";

const ok = (v: unknown) => createApiKeySchema.safeParse(v).success;

describe("createApiKeySchema", () => {
  it("every field optional; absent and null mean null (full access from anywhere, no limits)", () => {
    const none = { name: null, expiresAt: null, scopes: null, allowedIps: [], rateLimit: null, quota: null };
    expect(createApiKeySchema.parse({})).toEqual(none);
    expect(createApiKeySchema.parse({ name: null, expiresAt: null, scopes: null, rateLimit: null, quota: null })).toEqual(none);
  });
  it("limits: a window of 1 s to a day, a day or a month, whole positive counts, nothing else", () => {
    expect(createApiKeySchema.parse({ rateLimit: { requests: 5, windowSeconds: 60 }, quota: { requests: 9, period: "month" } })).toMatchObject({
      rateLimit: { requests: 5, windowSeconds: 60 },
      quota: { requests: 9, period: "month" },
    });
    for (const bad of [{ rateLimit: { requests: 5, windowSeconds: 86_401 } }, { rateLimit: { requests: 1.5, windowSeconds: 1 } }, { rateLimit: { requests: 5, windowSeconds: 60, burst: 2 } }, { quota: { requests: 5, period: "year" } }, { quota: 5 }]) {
      expect(ok(bad), JSON.stringify(bad)).toBe(false);
    }
  });
  it("trims the name, turns blank into null, allows 100 characters and no more", () => {
    expect(createApiKeySchema.parse({ name: "  CI  " }).name).toBe("CI");
    expect(createApiKeySchema.parse({ name: " \t " }).name).toBeNull();
    expect(ok({ name: "x".repeat(100) })).toBe(true);
    expect(ok({ name: "x".repeat(101) })).toBe(false);
    expect(ok({ name: ` ${"x".repeat(100)} ` })).toBe(true); // trimmed before counting
  });
  it("refuses control characters, lone surrogates and non-strings in the name", () => {
    for (const name of ["a\u0000b", "a\nb", "\u0007", "\ud800", 42, true, {}, []]) expect(ok({ name })).toBe(false);
    expect(ok({ name: "Ünïcödé 🔑 名前" })).toBe(true);
  });
  it("refuses format characters (bidi overrides, zero-width, BOM) and normalises to NFC", () => {
    for (const name of ["pay\u202Eyolf", "a\u200Bb", "\u2066x\u2069", "na\ufeffme", "a\u00ADb", "a\u200Db"]) expect(ok({ name })).toBe(false);
    expect(createApiKeySchema.parse({ name: "Cafe\u0301" }).name).toBe("Caf\u00e9");
    expect(createApiKeySchema.parse({ name: "e\u0301".repeat(50) }).name).toBe("\u00e9".repeat(50));
  });
  it("expiresAt: nothing after 9999-12-31T23:59:59Z once converted to UTC", () => {
    expect(createApiKeySchema.parse({ expiresAt: "9999-12-31T23:59:59Z" }).expiresAt?.toISOString()).toBe("9999-12-31T23:59:59.000Z");
    expect(ok({ expiresAt: "9999-12-31T23:59:59.999Z" })).toBe(true);
    expect(ok({ expiresAt: "9999-12-31T23:59:59+14:00" })).toBe(true); // earlier in UTC
    for (const expiresAt of ["9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59-00:01", "9999-12-31T23:00:00-01:00"]) {
      const r = createApiKeySchema.safeParse({ expiresAt });
      expect(r.success, expiresAt).toBe(false);
      expect(r.error!.issues[0].path).toEqual(["expiresAt"]);
    }
    expect(rotateApiKeySchema.safeParse({ expiresAt: "9999-12-31T23:59:59-14:00" }).success).toBe(false);
  });
  it("expiresAt: RFC 3339 with an offset, a real date; parsed to a Date", () => {
    expect(createApiKeySchema.parse({ expiresAt: "2030-01-01T00:00:00+02:00" }).expiresAt?.toISOString()).toBe("2029-12-31T22:00:00.000Z");
    expect(ok({ expiresAt: "2030-01-01T00:00:00.123456Z" })).toBe(true);
    for (const expiresAt of ["2030-01-01", "2030-01-01T00:00:00", "2030-02-30T00:00:00Z", "2030-13-01T00:00:00Z", "tomorrow", 1893456000, ""]) {
      expect(ok({ expiresAt })).toBe(false);
    }
  });
  it("refuses unknown fields, naming them, and anything that is not an object", () => {
    const r = createApiKeySchema.safeParse({ clientId: "x", name: "n" });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ code: "unrecognized_keys", keys: ["clientId"] });
    for (const v of [null, [], "x", 1, true]) expect(ok(v)).toBe(false);
  });
});

describe("other request schemas", () => {
  it("rotate: only the four grace periods, default one day", () => {
    expect(rotateApiKeySchema.parse({}).gracePeriodSeconds).toBe(86400);
    for (const g of [0, 3600, 86400, 604800]) expect(rotateApiKeySchema.parse({ gracePeriodSeconds: g }).gracePeriodSeconds).toBe(g);
    for (const g of [1, -1, 86400.5, "3600", null]) expect(rotateApiKeySchema.safeParse({ gracePeriodSeconds: g }).success).toBe(false);
    expect(rotateApiKeySchema.parse({}).expiresAt).toBeUndefined();
    expect(rotateApiKeySchema.parse({ expiresAt: null }).expiresAt).toBeNull();
  });
  it("leak reports: 1 to 100 strings", () => {
    expect(leakReportSchema.safeParse({ keys: ["a"] }).success).toBe(true);
    expect(leakReportSchema.safeParse({ keys: Array(100).fill("a") }).success).toBe(true);
    for (const keys of [[], Array(101).fill("a"), [1], "a", null]) expect(leakReportSchema.safeParse({ keys }).success).toBe(false);
  });
  it("list query: Limit 1–100 (default 20), a non-empty Cursor, nothing else", () => {
    expect(listQuerySchema.parse({})).toEqual({ Limit: 20 });
    expect(listQuerySchema.parse({ Limit: "100" }).Limit).toBe(100);
    for (const q of [{ Limit: "0" }, { Limit: "101" }, { Limit: "1.5" }, { Limit: "x" }, { Cursor: "" }, { limit: "5" }]) expect(listQuerySchema.safeParse(q).success).toBe(false);
  });
});
