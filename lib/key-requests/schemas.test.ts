import { describe, expect, it } from "vitest";
import { ALL_SCOPES } from "@/lib/api-keys/access";
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
    expect(r).toEqual({ kind: "create", name: null, expiresAt: null, scopes: null, allowedIps: [], reason: "why" });
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
