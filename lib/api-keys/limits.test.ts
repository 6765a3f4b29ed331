// The in-process engine with an injected clock: windows, quotas reset at the UTC period's start, refusals spend nothing.
import { beforeAll, describe, expect, it } from "vitest";

let decideLimits: typeof import("./limits").decideLimits;
let limitCounters: typeof import("./limits").limitCounters;
let limitHeaders: typeof import("./limits").limitHeaders;
let quotaPeriod: typeof import("./limits").quotaPeriod;

beforeAll(async () => {
  process.env.DATABASE_URL ??= "postgresql://unused@127.0.0.1:1/unused";
  process.env.AUTH_SECRET ??= "unit-test-secret-0123456789abcdef0123";
  delete process.env.REDIS_URL; // the in-process engine
  ({ decideLimits, limitCounters, limitHeaders, quotaPeriod } = await import("./limits"));
});

const sync = <T>(v: T | Promise<T>): T => {
  if (v instanceof Promise) throw new Error("the in-process engine must answer without a promise");
  return v;
};

let n = 0;
const spec = (over: Partial<import("./limits").KeyLimits> = {}) => ({ counterId: `k${++n}`, rateLimit: null, quota: null, failMode: "open" as const, ...over });

describe("in-process limits", () => {
  it("allows exactly the rate limit per window, then refuses with the wait, and a new window starts after", () => {
    const s = spec({ rateLimit: { requests: 5, windowSeconds: 60 } });
    const t0 = Date.UTC(2027, 0, 10, 12, 0, 30);
    const remaining = [];
    for (let i = 0; i < 5; i++) {
      const d = sync(decideLimits(s, t0 + i * 1000));
      expect(d.ok).toBe(true);
      remaining.push(d.ratelimit!.remaining);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    const refused = sync(decideLimits(s, t0 + 10_000));
    expect(refused).toMatchObject({ ok: false, reason: "rateLimited", retryAfterSeconds: 50 });
    expect(limitHeaders(refused, t0)).toEqual({ "ratelimit-policy": '"rate";q=5;w=60', ratelimit: '"rate";r=0;t=50', "retry-after": "50" });
    expect(sync(decideLimits(s, t0 + 60_000)).ok).toBe(true);
  });

  it("a daily quota resets at the start of the next UTC day, a monthly one at the next month", () => {
    const day = spec({ quota: { requests: 2, period: "day" } });
    const late = Date.UTC(2027, 0, 31, 23, 59, 58);
    expect(sync(decideLimits(day, late)).ok).toBe(true);
    expect(sync(decideLimits(day, late)).ok).toBe(true);
    expect(sync(decideLimits(day, late + 1000))).toMatchObject({ ok: false, reason: "quotaExceeded", retryAfterSeconds: 1 });
    expect(sync(decideLimits(day, Date.UTC(2027, 1, 1, 0, 0, 0))).ok).toBe(true);

    const month = spec({ quota: { requests: 1, period: "month" } });
    expect(sync(decideLimits(month, Date.UTC(2027, 1, 10))).ok).toBe(true);
    const r = sync(decideLimits(month, Date.UTC(2027, 1, 27)));
    expect(r).toMatchObject({ ok: false, reason: "quotaExceeded", retryAfterSeconds: 2 * 86_400 });
    expect(limitHeaders(r, Date.UTC(2027, 1, 27))["ratelimit-policy"]).toBe('"quota";q=1;w=2419200'); // February 2027: 28 days
    expect(sync(decideLimits(month, Date.UTC(2027, 2, 1))).ok).toBe(true);
  });

  it("a request refused by one limit spends nothing of the other", () => {
    const s = spec({ rateLimit: { requests: 1, windowSeconds: 1 }, quota: { requests: 2, period: "day" } });
    const t = Date.UTC(2027, 5, 1, 8);
    expect(sync(decideLimits(s, t)).ok).toBe(true);
    for (let i = 0; i < 10; i++) expect(sync(decideLimits(s, t + 10))).toMatchObject({ ok: false, reason: "rateLimited" });
    const second = sync(decideLimits(s, t + 1000));
    expect(second.ok).toBe(true);
    expect(second.quota!.remaining).toBe(0);
    expect(sync(decideLimits(s, t + 2000))).toMatchObject({ ok: false, reason: "quotaExceeded" });
  });

  it("changing the window keeps the count and the window's start (no fresh counter per window length)", () => {
    const counterId = `nudge-${++n}`;
    const t0 = Date.UTC(2027, 0, 10, 12);
    const at = (windowSeconds: number) => spec({ counterId, rateLimit: { requests: 3, windowSeconds } });
    for (let i = 0; i < 3; i++) expect(sync(decideLimits(at(3600), t0 + i)).ok).toBe(true);
    // The review's loop: nudge the window by a second each time; every request stays refused.
    for (let w = 3601; w <= 3615; w++) expect(sync(decideLimits(at(w), t0 + 1000 + w))).toMatchObject({ ok: false, reason: "rateLimited" });
    // The reset moves to start + the new window: a shorter window resets sooner, a longer one later.
    expect(sync(decideLimits(at(7200), t0 + 3_600_000))).toMatchObject({ ok: false, retryAfterSeconds: 3600 });
    expect(sync(decideLimits(at(60), t0 + 60_000)).ok).toBe(true);
    expect(sync(decideLimits(at(60), t0 + 60_001))).toMatchObject({ ok: true, ratelimit: { remaining: 1 } });
  });

  it("switching the quota's period keeps what was spent: a day's requests count toward the month and back", () => {
    const counterId = `period-${++n}`;
    const t = Date.UTC(2027, 3, 10, 9);
    const q = (period: "day" | "month") => spec({ counterId, quota: { requests: 3, period } });
    for (let i = 0; i < 3; i++) expect(sync(decideLimits(q("day"), t)).ok).toBe(true);
    expect(sync(decideLimits(q("month"), t + 1000))).toMatchObject({ ok: false, reason: "quotaExceeded" });
    expect(sync(decideLimits(q("day"), t + 2000))).toMatchObject({ ok: false, reason: "quotaExceeded" });
    // Next day: the day has room, the month (3 spent) has none.
    const next = Date.UTC(2027, 3, 11, 9);
    expect(sync(decideLimits(q("month"), next))).toMatchObject({ ok: false, reason: "quotaExceeded" });
    expect(sync(decideLimits(q("day"), next))).toMatchObject({ ok: true, quota: { remaining: 2 } });
  });

  it("counts every decision for the metrics", () => {
    const before = { ...limitCounters };
    const s = spec({ rateLimit: { requests: 1, windowSeconds: 60 } });
    sync(decideLimits(s, 0));
    sync(decideLimits(s, 1));
    expect(limitCounters.allowed - before.allowed).toBe(1);
    expect(limitCounters.rateLimited - before.rateLimited).toBe(1);
  });

  it("UTC periods", () => {
    expect(quotaPeriod("month", Date.UTC(2028, 1, 29, 23))).toEqual({ start: Date.UTC(2028, 1, 1), end: Date.UTC(2028, 2, 1) });
    expect(quotaPeriod("day", Date.UTC(2028, 11, 31, 23, 59))).toEqual({ start: Date.UTC(2028, 11, 31), end: Date.UTC(2029, 0, 1) });
  });
});
