// Which key changes need sudo mode (lib/auth/permissions.ts keyNeedsSudo, widensAccess).
import { describe, expect, it } from "vitest";
import { keyNeedsSudo, widensAccess } from "./permissions";

describe("keyNeedsSudo", () => {
  it("full access or any write scope on a Live Client; never on Sandbox; never read-only", () => {
    expect(keyNeedsSudo("Live", null)).toBe(true);
    expect(keyNeedsSudo("Live", ["invoices:read", "bills:write"])).toBe(true);
    expect(keyNeedsSudo("Live", ["invoices:read", "bills:read"])).toBe(false);
    expect(keyNeedsSudo("Sandbox", null)).toBe(false);
    expect(keyNeedsSudo("Sandbox", ["bills:write"])).toBe(false);
  });
});

describe("widensAccess", () => {
  const key = { scopes: ["invoices:read"], allowedIps: ["10.0.0.0/8"] };
  it("more scopes, full access, read to write, or a wider allowlist widen", () => {
    expect(widensAccess(key, { ...key, scopes: ["invoices:read", "bills:read"] })).toBe(true);
    expect(widensAccess(key, { ...key, scopes: null })).toBe(true);
    expect(widensAccess(key, { ...key, scopes: ["invoices:write"] })).toBe(true);
    expect(widensAccess(key, { ...key, allowedIps: [] })).toBe(true);
    expect(widensAccess(key, { ...key, allowedIps: ["10.0.0.0/8", "192.0.2.0/24"] })).toBe(true);
  });
  it("the same, fewer scopes or a narrower allowlist do not", () => {
    expect(widensAccess(key, key)).toBe(false);
    expect(widensAccess(key, { scopes: [], allowedIps: ["10.1.0.0/16"] })).toBe(false);
    expect(widensAccess({ scopes: null, allowedIps: [] }, { scopes: ["bills:write"], allowedIps: ["192.0.2.1/32"] })).toBe(false);
    expect(widensAccess({ scopes: null, allowedIps: [] }, { scopes: null, allowedIps: [] })).toBe(false);
  });
});
