// The body-read gate: how many bodies are read at once, in all and per address.
import { describe, expect, it } from "vitest";
import { BodyReadGate } from "./body";
import { ApiError } from "./problem";

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof ApiError ? { status: err.init.status, code: err.init.code, retryAfter: err.init.headers?.["retry-after"] } : err;
  }
  return null;
};

describe("BodyReadGate", () => {
  it("lets an address read at most perAddress bodies at once, refused at once with 429 beyond", () => {
    const gate = new BodyReadGate({ total: 16, perAddress: 2 });
    const a1 = gate.enter("203.0.113.1");
    gate.enter("203.0.113.1");
    expect(refusal(() => gate.enter("203.0.113.1"))).toEqual({ status: 429, code: "RateLimit.Exceeded", retryAfter: "1" });
    gate.enter("203.0.113.2"); // another address is not held up
    expect(gate.size).toBe(3);
    a1();
    a1(); // releasing twice frees one slot only
    expect(gate.size).toBe(2);
    expect(refusal(() => gate.enter("203.0.113.1"))).toBeNull();
  });

  it("reads at most `total` bodies at once whoever sends them: 503 beyond", () => {
    const gate = new BodyReadGate({ total: 4, perAddress: 2 });
    const releases = ["a", "a", "b", "b"].map((ip) => gate.enter(ip));
    expect(refusal(() => gate.enter("c"))).toEqual({ status: 503, code: "Service.Busy", retryAfter: "1" });
    expect(refusal(() => gate.enter(null))).toMatchObject({ status: 503 });
    releases[0]();
    expect(refusal(() => gate.enter(null))).toBeNull(); // no address: the total alone applies
    expect(gate.size).toBe(4);
  });
});
