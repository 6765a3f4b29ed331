import { describe, expect, it } from "vitest";
import { assertMayChange, mayTouch } from "./rules";

describe("who may change whom", () => {
  it("Owners touch anyone; Admins anyone but Owners, and never grant Owner; Members nobody", () => {
    expect(mayTouch("Owner", "Owner", "Admin")).toBe(true);
    expect(mayTouch("Admin", "Member", "Admin")).toBe(true);
    expect(mayTouch("Admin", "Member", null)).toBe(true);
    expect(mayTouch("Admin", "Member", "Owner")).toBe(false);
    expect(mayTouch("Admin", "Owner", "Admin")).toBe(false);
    expect(mayTouch("Admin", "Owner", null)).toBe(false);
    expect(mayTouch("Member", "Member", "Admin")).toBe(false);
  });
  it("the last Owner stays", () => {
    expect(() => assertMayChange("Owner", "Owner", "Admin", 1)).toThrow(expect.objectContaining({ init: expect.objectContaining({ code: "Member.LastOwner", status: 409 }) }));
    expect(() => assertMayChange("Owner", "Owner", null, 1)).toThrow(expect.objectContaining({ init: expect.objectContaining({ code: "Member.LastOwner" }) }));
    expect(() => assertMayChange("Owner", "Owner", "Admin", 2)).not.toThrow();
    expect(() => assertMayChange("Owner", "Admin", null, 1)).not.toThrow();
    expect(() => assertMayChange("Admin", "Owner", "Member", 3)).toThrow(expect.objectContaining({ init: expect.objectContaining({ code: "Member.Forbidden" }) }));
  });
});
