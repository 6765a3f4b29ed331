import { describe, expect, it } from "vitest";
import { ALL_SCOPES } from "@/lib/api-keys/access";
import { keyRequestApprovedEmail, type RequestFacts } from "./emails";
import { createKeyRequestSchema, denyKeyRequestSchema, needsApproval, wideningNeedsApproval } from "./schemas";

describe("needsApproval", () => {
  it("covers full access under fullAccess, and also any write scope under write; never under none", () => {
    expect(needsApproval("none", null)).toBe(false);
    expect(needsApproval("fullAccess", null)).toBe(true);
    expect(needsApproval("fullAccess", ["bills:write"])).toBe(false);
    expect(needsApproval("write", ["bills:write", "invoices:read"])).toBe(true);
    expect(needsApproval("write", ["bills:read"])).toBe(false);
    expect(needsApproval("write", [])).toBe(false);
  });
  it("a change needs approval only when it gives more and lands in the covered class", () => {
    expect(wideningNeedsApproval("write", true, { scopes: ["bills:write"] })).toBe(true);
    expect(wideningNeedsApproval("write", false, { scopes: ["bills:write"] })).toBe(false);
    expect(wideningNeedsApproval("fullAccess", true, { scopes: ["bills:write"] })).toBe(false);
  });
  it("every write scope is full access; a covered key given more needs approval even if it stays where it was", () => {
    const writes = ALL_SCOPES.filter((s) => s.endsWith(":write"));
    expect(needsApproval("fullAccess", writes)).toBe(true);
    expect(needsApproval("fullAccess", [...writes].reverse())).toBe(true);
    expect(needsApproval("fullAccess", writes.slice(1))).toBe(false);
    expect(wideningNeedsApproval("fullAccess", true, { scopes: null }, { scopes: null })).toBe(true);
    expect(wideningNeedsApproval("write", true, { scopes: ["bills:read"] }, { scopes: ["bills:write"] })).toBe(true);
    expect(wideningNeedsApproval("write", false, { scopes: ["bills:read"] }, { scopes: ["bills:write"] })).toBe(false);
  });
});

describe("createKeyRequestSchema", () => {
  it("a new key: create's body with create's defaults, plus a trimmed reason", () => {
    const r = createKeyRequestSchema.parse({ reason: "  why  " });
    expect(r).toEqual({ kind: "create", name: null, expiresAt: null, scopes: null, allowedIps: [], rateLimit: null, quota: null, reason: "why" });
  });
  it("a widening: keyId with scopes or allowedIps only; what is absent stays undefined (unchanged)", () => {
    const id = "01937a1c-5d2e-7c4b-9a3f-2b1e8d7c6a5f";
    expect(createKeyRequestSchema.parse({ keyId: id, scopes: ["bills:write"], reason: "r" })).toEqual({ kind: "widen", keyId: id, scopes: ["bills:write"], allowedIps: undefined, reason: "r" });
    expect(createKeyRequestSchema.safeParse({ keyId: id, reason: "r" }).success).toBe(false);
    expect(createKeyRequestSchema.safeParse({ keyId: id, scopes: null, name: "x", reason: "r" }).success).toBe(false);
    expect(createKeyRequestSchema.safeParse({ keyId: id, scopes: null, expiresAt: null, reason: "r" }).success).toBe(false);
  });
  it("refuses a missing, blank, too long or control-character reason, and unknown fields", () => {
    for (const reason of [undefined, "   ", "x".repeat(501), "a\u0007b", "a\u202eb"]) expect(createKeyRequestSchema.safeParse({ reason }).success).toBe(false);
    expect(createKeyRequestSchema.safeParse({ reason: "line one\nline two" }).success).toBe(true);
    expect(createKeyRequestSchema.safeParse({ reason: "r", clientId: "x" }).success).toBe(false);
    expect(denyKeyRequestSchema.safeParse({}).success).toBe(false);
  });
  it("counts the reason after NFC normalisation and refuses ill-formed text", () => {
    expect(createKeyRequestSchema.safeParse({ reason: "\u0958".repeat(500) }).success).toBe(false); // 1000 code points in NFC
    expect(createKeyRequestSchema.safeParse({ reason: "\u0958".repeat(250) }).success).toBe(true);
    for (const reason of ["x\ud800y", "\udfff"]) {
      expect(createKeyRequestSchema.safeParse({ reason }).success).toBe(false);
      expect(denyKeyRequestSchema.safeParse({ reason }).success).toBe(false);
    }
  });
});

describe("limits on a request", () => {
  const id = "01937a1c-5d2e-7c4b-9a3f-2b1e8d7c6a5f";
  it("a new key carries create's rateLimit and quota (absent and null: none), checked as create checks them", () => {
    const limits = { rateLimit: { requests: 100, windowSeconds: 60 }, quota: { requests: 10_000, period: "day" as const } };
    expect(createKeyRequestSchema.parse({ ...limits, reason: "r" })).toMatchObject({ kind: "create", ...limits });
    expect(createKeyRequestSchema.parse({ rateLimit: null, quota: null, reason: "r" })).toMatchObject({ rateLimit: null, quota: null });
    for (const bad of [{ rateLimit: { requests: 1, windowSeconds: 86_401 } }, { rateLimit: { requests: 0, windowSeconds: 1 } }, { quota: { requests: 5, period: "year" } }, { quota: 5 }]) {
      expect(createKeyRequestSchema.safeParse({ ...bad, reason: "r" }).success, JSON.stringify(bad)).toBe(false);
    }
  });
  it("a widening refuses rateLimit and quota, even null", () => {
    for (const extra of [{ rateLimit: { requests: 1, windowSeconds: 1 } }, { quota: { requests: 1, period: "month" } }, { rateLimit: null }, { quota: null }]) {
      const res = createKeyRequestSchema.safeParse({ keyId: id, scopes: ["bills:write"], ...extra, reason: "r" });
      expect(res.success).toBe(false);
      expect(res.error!.issues[0].path).toEqual([Object.keys(extra)[0]]);
    }
  });
  it("the emails state a new key's limits", () => {
    const f: RequestFacts = {
      clientName: "Acme",
      clientType: "Live",
      kind: "create",
      keyName: "Sync",
      keyPrefix: null,
      scopes: ["bills:write"],
      allowedIps: [],
      expiresAt: null,
      rateLimit: { requests: 100, windowSeconds: 60 },
      quota: { requests: 10_000, period: "day" },
      reason: "r",
      link: null,
    };
    const mail = keyRequestApprovedEmail({ ...f, approver: "Ann", claimBy: null });
    expect(mail.text).toContain("Limits: rate 100 a minute, quota 10,000 a day");
    expect(mail.html).toContain("Limits: rate 100 a minute, quota 10,000 a day");
    expect(keyRequestApprovedEmail({ ...f, rateLimit: null, quota: null, approver: "Ann", claimBy: null }).text).toContain("Limits: none");
  });
});
