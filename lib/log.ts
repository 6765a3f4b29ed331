// Structured JSON logs (pino). Secrets are redacted by path wherever they
// could appear; the code never passes a raw key to the logger in the first place.
import pino from "pino";

export const REDACT_PATHS = [
  "rawKey",
  "*.rawKey",
  "password",
  "*.password",
  "token",
  "*.token",
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-dolfin-api-key"]',
  'headers["x-dolfin-api-key"]',
  "headers.authorization",
  "headers.cookie",
];

let second = Number.NaN;
let secondPrefix = "";

/**
 * pino's timestamp (`,"time":"2026-11-28T06:06:33.853Z"`, what isoTime writes)
 * with the date formatted once a second. Inside a request Next.js 16 replaces
 * the global Date (each `new Date()` asks the request's async context whether
 * it may), so a Date per line cost more than the line's other fields.
 */
export function isoTime(now = Date.now()): string {
  const ms = ((now % 1000) + 1000) % 1000;
  if (now - ms !== second) {
    second = now - ms;
    secondPrefix = `,"time":"${new Date(second).toISOString().slice(0, 20)}`;
  }
  return `${secondPrefix}${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}Z"`;
}

export const logger = pino(
  {
    level: process.env.LOG_LEVEL ?? "info",
    base: { service: "dolfin-api-keys" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: isoTime,
  },
  // Written synchronously, one write(2) per line (pino's default; a line is
  // never lost in a crash): 13-15 us of CPU to a file here, profiled, ~2% of
  // GET /api/me. The asynchronous mode hands each line to libuv's thread pool
  // and back (one experiment: ~12% of /api/me's throughput; the full bench did
  // not show it); buffering lines (one write per 4 KB) gained nothing
  // measurable (README). Log to a file, a terminal or a pipe whose reader keeps
  // up (a container runtime does): a stalled reader stalls the server.
  pino.destination({ dest: 1, sync: true }),
);

/**
 * The access log: one line per API request, whose fields the route wrapper
 * picks (ids, method, path, status, timing), never a header or a body. Nothing
 * there to redact, so it skips the redaction pass (a third of a line's cost).
 */
export const accessLog = logger.child({}, { redact: [] });
