// Limits in words, for the page and the audit log. Browser-safe.
import type { Quota, RateLimit } from "./schemas";

const WINDOWS: Record<number, string> = { 1: "second", 60: "minute", 3600: "hour", 86400: "day" };

export function windowText(seconds: number): string {
  return WINDOWS[seconds] ?? `${seconds.toLocaleString("en")} s`;
}

/** "100 a minute", "5 per 90 s", "no rate limit". */
export function rateLimitText(r: RateLimit | null | undefined): string {
  if (!r) return "no rate limit";
  const w = WINDOWS[r.windowSeconds];
  return w ? `${r.requests.toLocaleString("en")} a ${w}` : `${r.requests.toLocaleString("en")} per ${r.windowSeconds.toLocaleString("en")} s`;
}

/** "10,000 a month", "no quota". */
export function quotaText(q: Quota | null | undefined): string {
  return q ? `${q.requests.toLocaleString("en")} a ${q.period}` : "no quota";
}
