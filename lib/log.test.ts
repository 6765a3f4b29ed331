import { describe, expect, it } from "vitest";
import { isoTime } from "./log";

describe("log timestamps", () => {
  it("write what pino's isoTime writes, for every millisecond and across seconds, days and years", () => {
    const starts = [Date.UTC(2026, 10, 28, 6, 6, 33, 0), Date.UTC(2026, 11, 31, 23, 59, 59, 990), Date.UTC(2028, 1, 29, 0, 0, 0, 0), 0];
    for (const start of starts) {
      for (let t = start; t < start + 2_500; t += 7) expect(isoTime(t)).toBe(`,"time":"${new Date(t).toISOString()}"`);
      // and back in time (a clock set back): still exact
      for (let t = start + 2_500; t > start; t -= 333) expect(isoTime(t)).toBe(`,"time":"${new Date(t).toISOString()}"`);
    }
  });
});
