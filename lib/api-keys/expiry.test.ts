import { describe, expect, it } from "vitest";
import { createApiKeySchema } from "./schemas";
import { allowedChoices, createKeyFormSchema, endOfLocalDay, expiryFromChoice, localDateString } from "./expiry";

describe("expiry choices", () => {
  const now = new Date("2026-11-26T10:00:00Z");
  it("presets add whole days to now", () => {
    expect(expiryFromChoice("30", undefined, now)!.toISOString()).toBe("2026-12-26T10:00:00.000Z");
    expect(expiryFromChoice("365", undefined, now)!.toISOString()).toBe("2027-11-26T10:00:00.000Z");
    expect(expiryFromChoice("never", undefined, now)).toBeNull();
  });
  it("a custom date lasts until the end of that local day; impossible dates are refused", () => {
    const end = endOfLocalDay("2027-02-28")!;
    expect([end.getFullYear(), end.getMonth(), end.getDate(), end.getHours(), end.getMinutes()]).toEqual([2027, 1, 28, 23, 59]);
    expect(endOfLocalDay("2027-02-30")).toBeNull();
    expect(endOfLocalDay("tomorrow")).toBeNull();
  });
  it("the form refuses past and missing custom dates, accepts today and later", () => {
    const s = createKeyFormSchema();
    const today = localDateString(new Date());
    expect(s.safeParse({ name: "", expiration: "custom", customDate: "2020-01-01" }).success).toBe(false);
    expect(s.safeParse({ name: "", expiration: "custom" }).success).toBe(false);
    expect(s.safeParse({ name: "", expiration: "custom", customDate: today }).success).toBe(true);
    expect(s.safeParse({ name: "x".repeat(101), expiration: "30" }).success).toBe(false);
  });
  it("what the form produces is what the API schema accepts", () => {
    const body = { name: "  CI  ", expiresAt: expiryFromChoice("90", undefined)!.toISOString() };
    const parsed = createApiKeySchema.parse(body);
    expect(parsed.name).toBe("CI");
  });
  it("policy narrows the choices", () => {
    expect([...allowedChoices({ keysMustExpire: true, maxKeyLifetimeDays: null })]).not.toContain("never");
    const capped = allowedChoices({ keysMustExpire: false, maxKeyLifetimeDays: 60 });
    expect(capped.has("60")).toBe(true);
    expect(capped.has("90")).toBe(false);
    expect(capped.has("never")).toBe(false);
  });
});
