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

export const logger = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { service: "dolfin-api-keys" },
  redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  timestamp: pino.stdTimeFunctions.isoTime,
});
