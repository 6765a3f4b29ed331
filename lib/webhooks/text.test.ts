import { describe, expect, it } from "vitest";
import { storableText } from "./text";

describe("storableText (a receiver's answer as stored)", () => {
  it("drops NUL and other control characters, keeps tab and newline", () => {
    expect(storableText("ok\u0000\u0001 done\u007f\tx\ny\r", 100)).toBe("ok done\tx\ny");
  });
  it("replaces lone surrogates, also one left by the cut", () => {
    expect(storableText("a\uD800b", 100)).toBe("a\uFFFDb");
    expect(storableText("ab😀", 3)).toBe("ab\uFFFD");
    expect(storableText("x".repeat(2000), 1024)).toHaveLength(1024);
  });
});
