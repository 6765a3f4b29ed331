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

export const logger = pino(
  {
    level: process.env.LOG_LEVEL ?? "info",
    base: { service: "dolfin-api-keys" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  // Written asynchronously: lines wait in a buffer while a write is in flight (one
  // syscall for many under load, none on the request's path). pino writes what is
  // left synchronously when the process exits, graceful shutdown or crash alike.
  pino.destination({ dest: 1, sync: false }),
);

/**
 * The access log: one line per API request, whose fields the route wrapper
 * picks (ids, method, path, status, timing), never a header or a body. Nothing
 * there to redact, so it skips the redaction pass (a third of a line's cost).
 */
export const accessLog = logger.child({}, { redact: [] });
