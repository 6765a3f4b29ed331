// What /metrics reports, counted as plain numbers: the hot paths (a cached
// verification) pay one increment, never a label lookup or an allocation.
// The state lives on globalThis: the custom server (which answers the verify
// API and /metrics, server/metrics.ts) and the Next.js routes (bundled
// separately) count into one place per process. prom-client reads these
// numbers only when scraped. Label values are fixed sets (no key or Client ids).
// No "server-only" import, and no prom-client here: the custom server and the
// Next.js bundle both load this module.

/** Where a verification was asked: the verify API, or our own routes' x-dolfin-api-key check. */
export type VerifyPath = "verify_api" | "routes";
export const VERIFY_PATHS: readonly VerifyPath[] = ["verify_api", "routes"];

/** Upper bounds (seconds) of the verification latency histogram. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type Histogram = { buckets: number[]; sum: number; count: number };
const histogram = (): Histogram => ({ buckets: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 });

/** Outcome label -> count; outcomes are "valid", the refusal codes (ApiKey.*), and "unavailable" (503). */
type Outcomes = Record<string, number>;

export type MetricsState = {
  verifications: Record<VerifyPath, Outcomes>;
  /** Answers served from the last verdicts while the database was unreachable (lib/api-keys/verify-cache.ts). */
  stale: Record<VerifyPath, number>;
  latency: Record<VerifyPath, Histogram>;
  cache: { hits: number; misses: number };
  /** HTTP responses: route label -> status -> count (route labels are bounded, see httpRoute). */
  http: Map<string, Map<number, number>>;
  /** The verify API's responses by status (its hot path: one array increment). */
  verifyHttp: Float64Array;
};

const g = globalThis as unknown as { __dolfinMetrics?: MetricsState };
export const metrics: MetricsState = (g.__dolfinMetrics ??= {
  verifications: { verify_api: {}, routes: {} },
  stale: { verify_api: 0, routes: 0 },
  latency: { verify_api: histogram(), routes: histogram() },
  cache: { hits: 0, misses: 0 },
  http: new Map(),
  verifyHttp: new Float64Array(600),
});

/** Refusal reasons (lib/api-keys/verify-api-key.ts RefusalReason) -> the code the verify API answers. */
export const REFUSAL_CODES = {
  unknown: "ApiKey.Invalid",
  expired: "ApiKey.Expired",
  revoked: "ApiKey.Revoked",
  ip: "ApiKey.IpNotAllowed",
  scope: "ApiKey.InsufficientScope",
  rateLimited: "ApiKey.RateLimited",
  quotaExceeded: "ApiKey.QuotaExceeded",
} as const;

/** One verification's outcome: `valid`, a refusal reason (counted under its ApiKey.* code), or `unavailable`. */
export function countVerification(path: VerifyPath, outcome: { ok: true; stale?: boolean } | { ok: false; reason: string; stale?: boolean } | "unavailable"): void {
  const o = metrics.verifications[path];
  const label = outcome === "unavailable" ? "unavailable" : outcome.ok ? "valid" : ((REFUSAL_CODES as Record<string, string>)[outcome.reason] ?? outcome.reason);
  o[label] = (o[label] ?? 0) + 1;
  if (outcome !== "unavailable" && outcome.stale) metrics.stale[path]++;
}

export function observeVerifyLatency(path: VerifyPath, seconds: number): void {
  const h = metrics.latency[path];
  h.sum += seconds;
  h.count++;
  const b = LATENCY_BUCKETS;
  for (let i = 0; i < b.length; i++) {
    if (seconds <= b[i]) {
      h.buckets[i]++;
      return;
    }
  }
}

/** At most this many distinct route labels; past it, further ones count as "other". */
const MAX_ROUTES = 150;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A route's fixed segment: lowercase words with hyphens (our routes' names); anything else (digits, capitals, odd characters) is an id. */
const WORD = /^[a-z]+(?:-[a-z]+)*(?:\.json)?$/;
/** Labels that always exist, whatever the status. */
const FIXED = new Set(["unmatched", "other", "pages", "/_next", "/metrics"]);

/**
 * A bounded route label for a request path: our API routes with their ids as
 * `{id}` (UUIDs and any id-like segment: digits, capitals, odd characters, over
 * 40 characters), a 404 as "unmatched", pages as "pages", Next's assets as "/_next".
 */
export function httpRoute(pathname: string, status: number): string {
  if (status === 404) return "unmatched";
  if (pathname.startsWith("/_next/")) return "/_next";
  if (!pathname.startsWith("/api/")) return pathname === "/metrics" ? pathname : "pages";
  const parts = pathname.split("/");
  for (let i = 2; i < parts.length; i++) {
    const p = parts[i];
    if (UUID.test(p) || p.length > 40 || !WORD.test(p)) parts[i] = "{id}";
  }
  return parts.join("/");
}

/**
 * Count one response. A new route label is made only by a response below 400: anyone can send error-making
 * requests to made-up paths (a 401 needs no credential), and those must not fill the label cap before our
 * real routes get theirs. An error on a path without a label yet counts under "unmatched".
 */
export function countHttp(route: string, status: number): void {
  let byStatus = metrics.http.get(route);
  if (!byStatus) {
    if (!FIXED.has(route)) {
      if (status >= 400) return countHttp("unmatched", status);
      if (metrics.http.size >= MAX_ROUTES) return countHttp("other", status);
    }
    byStatus = new Map();
    metrics.http.set(route, byStatus);
  }
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
}
