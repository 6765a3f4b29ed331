// GET /metrics: Prometheus text format (prom-client), answered by our own
// server before Next (like the verify API), only with `Authorization: Bearer
// <METRICS_TOKEN>` (compared in constant time). Without the token configured,
// or without the right one, the request goes on to Next, which answers 404 as
// for any unknown path: the endpoint does not reveal itself.
// The numbers are counted as plain increments where the work happens
// (lib/metrics/counters.ts) and read here only when scraped.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import client, { type Metric } from "prom-client";
import { limitCounters } from "@/lib/api-keys/limits";
import { invalidationsCurrent } from "@/lib/api-keys/verify-cache";
import { pool } from "@/lib/db/client";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";
import { LATENCY_BUCKETS, metrics, VERIFY_PATHS } from "@/lib/metrics/counters";
import { VERIFY_PATH } from "./verify-endpoint";

export const METRICS_PATH = "/metrics";

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
let token: { raw: string; digest: Buffer } | undefined;

/** Whether the request carries `Authorization: Bearer <METRICS_TOKEN>` (false when no token is configured). */
export function metricsAuthorized(req: IncomingMessage): boolean {
  const raw = env().METRICS_TOKEN;
  if (!raw) return false;
  if (token?.raw !== raw) token = { raw, digest: digest(raw) };
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return timingSafeEqual(digest(m ? m[1] : ""), token.digest); // digests: equal lengths, and no length leaks
}

type Value = { value: number; labels?: Record<string, string | number>; metricName?: string };

/**
 * Outbox backlogs: pending rows and the age of the oldest, per kind. One row per sender that uses the outbox:
 * webhook deliveries add theirs here when their table lands ({ kind: "webhook", table: "WebhookDelivery", … }).
 */
const BACKLOGS: { kind: string; sql: string }[] = [
  {
    kind: "email",
    sql: `SELECT count(*)::int AS n, COALESCE(EXTRACT(EPOCH FROM now() - min("createdAt")), 0)::float8 AS age FROM "EmailOutbox" WHERE status = 'Pending'`,
  },
  {
    // Pending deliveries (waiting for their first send or a retry), by the (status, nextAttemptAt) index.
    kind: "webhook",
    sql: `SELECT count(*)::int AS n, COALESCE(EXTRACT(EPOCH FROM now() - min("createdAt")), 0)::float8 AS age FROM "WebhookDelivery" WHERE status = 'Pending'`,
  },
];
const BACKLOG_TIMEOUT_MS = 1_000;

/** The backlogs, read when scraped (at most a second; left out when the database does not answer). */
async function backlogs(): Promise<{ kind: string; n: number; age: number }[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("backlog query timed out")), BACKLOG_TIMEOUT_MS)));
  try {
    return await Promise.race([
      Promise.all(
        BACKLOGS.map(async (b) => {
          const { rows } = await pool().query<{ n: number; age: number }>(b.sql);
          return { kind: b.kind, n: rows[0].n, age: rows[0].age };
        }),
      ),
      timeout,
    ]);
  } catch (err) {
    logger.warn({ err }, "metrics: could not read the outbox and webhook backlogs");
    return [];
  } finally {
    clearTimeout(timer);
  }
}

function registry(): client.Registry {
  const reg = new client.Registry();
  client.collectDefaultMetrics({ register: reg });
  /** A metric whose values are read from the plain counters when scraped. */
  const add = (name: string, help: string, type: "counter" | "gauge" | "histogram", values: () => Value[] | Promise<Value[]>) => {
    const m = {
      name,
      help,
      type,
      aggregator: "sum",
      get: async () => ({ name, help, type, aggregator: "sum", values: await values() }),
      reset: () => {},
    };
    reg.registerMetric(m as unknown as Metric);
  };

  add("dolfin_verifications_total", "API-key verifications by path (verify_api: the verify API; routes: our own routes' key check) and outcome (valid, the refusal code, or unavailable: 503)", "counter", () =>
    VERIFY_PATHS.flatMap((path) => Object.entries(metrics.verifications[path]).map(([outcome, value]) => ({ value, labels: { path, outcome } }))),
  );
  add("dolfin_verifications_stale_total", "Verifications answered from the key's last verdict while the database was unreachable (VERIFY_STALE_SECONDS)", "counter", () =>
    VERIFY_PATHS.map((path) => ({ value: metrics.stale[path], labels: { path } })),
  );
  add("dolfin_verification_duration_seconds", "Verification latency by path: the wait for the database; a cache hit (answered without I/O) counts as 0", "histogram", () =>
    VERIFY_PATHS.flatMap((path) => {
      const h = metrics.latency[path];
      let cumulative = 0;
      const buckets: Value[] = LATENCY_BUCKETS.map((le, i) => ({ metricName: "dolfin_verification_duration_seconds_bucket", value: (cumulative += h.buckets[i]), labels: { le, path } }));
      return [
        ...buckets,
        { metricName: "dolfin_verification_duration_seconds_bucket", value: h.count, labels: { le: "+Inf", path } },
        { metricName: "dolfin_verification_duration_seconds_sum", value: h.sum, labels: { path } },
        { metricName: "dolfin_verification_duration_seconds_count", value: h.count, labels: { path } },
      ];
    }),
  );
  add("dolfin_verify_cache_hits_total", "Verifications answered from the in-process cache", "counter", () => [{ value: metrics.cache.hits }]);
  add("dolfin_verify_cache_misses_total", "Verifications that had to read the key from the database", "counter", () => [{ value: metrics.cache.misses }]);
  add("dolfin_key_events_listening", "1 while this instance hears every key change (LISTEN dolfin_api_key_changed up, and what it missed while down read back), else 0", "gauge", () => [{ value: invalidationsCurrent() ? 1 : 0 }]);
  // The limiter keeps its own counts (lib/api-keys/limits.ts limitCounters): read here, nothing added to its path.
  add("dolfin_rate_limit_decisions_total", "Per-key rate-limit and quota decisions (failOpen/failClosed: decided while Redis was unreachable)", "counter", () =>
    (["allowed", "rateLimited", "quotaExceeded", "failOpen", "failClosed"] as const).map((decision) => ({ value: limitCounters[decision], labels: { decision } })),
  );
  add("dolfin_redis_errors_total", "Redis calls of the per-key limiter that failed (it then decides by the Client's rateLimitFailMode)", "counter", () => [{ value: limitCounters.redisError }]);
  add("dolfin_http_requests_total", "HTTP responses by route (id-like segments as {id}; 404s, and errors on paths without a label, as unmatched; pages as pages) and status", "counter", () =>
    [
      ...[...metrics.http].flatMap(([route, byStatus]) => [...byStatus].map(([status, value]) => ({ value, labels: { route, status } }))),
      ...[...metrics.verifyHttp.entries()].filter(([, n]) => n > 0).map(([status, value]) => ({ value, labels: { route: VERIFY_PATH, status } })),
    ],
  );
  // Both backlog gauges come from one query per scrape.
  let pending: Promise<{ kind: string; n: number; age: number }[]> | null = null;
  const once = () => (pending ??= backlogs().finally(() => setTimeout(() => (pending = null), 0)));
  add("dolfin_outbox_backlog", "Outbox rows waiting to be sent, by kind", "gauge", async () => (await once()).map((b) => ({ value: b.n, labels: { kind: b.kind } })));
  add("dolfin_outbox_oldest_age_seconds", "Age of the oldest outbox row waiting to be sent, by kind (0: none)", "gauge", async () =>
    (await once()).map((b) => ({ value: b.age, labels: { kind: b.kind } })),
  );
  return reg;
}

let reg: client.Registry | undefined;

/** Answer a scrape (the caller checked metricsAuthorized). */
export async function handleMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
  reg ??= registry();
  try {
    const text = await reg.metrics();
    res.writeHead(200, { "content-type": reg.contentType, "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
    res.end(req.method === "HEAD" ? undefined : text);
  } catch (err) {
    logger.error({ err }, "metrics: scrape failed");
    res.writeHead(500, { "content-type": "text/plain" }).end("metrics unavailable\n");
  }
}
