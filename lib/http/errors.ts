// The one error handler: every throw below a route becomes problem details.
import { ZodError } from "zod";
import { logger } from "@/lib/log";
import { ApiError, type ProblemInit } from "./problem";

/** Zod issues as `{ field: [messages] }` (unknown fields are reported under their own name). */
export function fieldErrors(err: ZodError): Record<string, string[]> {
  // No prototype: a field named "__proto__" or "constructor" is just a name here.
  const out: Record<string, string[]> = Object.create(null);
  const add = (k: string, m: string) => {
    if (!Object.hasOwn(out, k)) out[k] = [];
    out[k].push(m);
  };
  for (const issue of err.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) add([...issue.path, k].join("."), "Unknown field: this request does not take it (see /docs/api). A Client is never named in a body: it is always the caller's own.");
    } else {
      add(issue.path.join(".") || "body", issue.message);
    }
  }
  return out;
}

// Prisma's codes for a database it cannot talk to: not reachable, timed out,
// connection closed, too many connections.
const PRISMA_UNAVAILABLE = new Set(["P1001", "P1002", "P1008", "P1017", "P2037"]);
const NODE_SOCKET = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH"]);
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
/** SQLSTATE: class 08 (connection exception), 57P01-57P03 (shutdown, crash, cannot connect now), 53300 (too many connections). */
const isUnavailableSqlState = (c: string) => /^08[0-9A-Z]{3}$/.test(c) || ["57P01", "57P02", "57P03", "53300"].includes(c);
const UNAVAILABLE_MESSAGE =
  /ECONNREFUSED|Connection terminated|timeout exceeded when trying to connect|terminating connection|database system is (shutting down|starting up|in recovery mode)|Can't reach database|not yet accepting connections|Connection ended unexpectedly|not queryable|Server has closed the connection|Query read timeout/i;

/**
 * PostgreSQL unreachable, refusing connections, or shutting down: recognised
 * by the codes pg, the Prisma adapter and Prisma attach (walking `cause` and
 * Prisma's `meta.driverAdapterError`), with the messages as a last resort.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length) {
    const e = queue.shift();
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const { code, originalCode, message, kind, cause, meta } = e as Record<string, unknown>;
    if (typeof code === "string" && (PRISMA_UNAVAILABLE.has(code) || NODE_SOCKET.has(code) || isUnavailableSqlState(code))) return true;
    if (typeof originalCode === "string" && isUnavailableSqlState(originalCode)) return true;
    if (typeof kind === "string" && ADAPTER_KINDS.has(kind)) return true;
    if (typeof message === "string" && UNAVAILABLE_MESSAGE.test(message)) return true;
    queue.push(cause, (meta as { driverAdapterError?: unknown } | undefined)?.driverAdapterError);
  }
  return false;
}

const UNAVAILABLE: ProblemInit = {
  status: 503,
  code: "Service.Unavailable",
  title: "Service temporarily unavailable",
  detail: "The database cannot be reached. Retry shortly.",
  headers: { "retry-after": "5" },
};

function knownProblem(err: unknown, traceId: string): ProblemInit | null {
  if (err instanceof ApiError) return err.init;
  if (err instanceof ZodError) {
    return { status: 400, code: "Request.Invalid", title: "Invalid request", detail: "The request has invalid fields; see errors.", errors: fieldErrors(err) };
  }
  if ((err as { code?: unknown })?.code === "P2028") {
    // Prisma could not start a transaction in time: overloaded, not broken.
    logger.warn({ err, traceId }, "transaction could not start in time");
    return { status: 503, code: "Service.Busy", title: "Server busy", detail: "Too many concurrent changes. Retry shortly.", headers: { "retry-after": "2" } };
  }
  if (isDatabaseUnavailable(err)) {
    logger.error({ err, traceId }, "database unavailable");
    return UNAVAILABLE;
  }
  return null;
}

const serverError = (traceId: string): ProblemInit => ({
  status: 500,
  code: "Server.Error",
  title: "Internal server error",
  detail: `Something went wrong on our side. Quote trace id ${traceId} when reporting it.`,
});

/** The problem for any throw: a known error as it is, anything else a 500 that reveals nothing internal. */
export function toProblem(err: unknown, traceId: string): ProblemInit {
  const known = knownProblem(err, traceId);
  if (known) return known;
  logger.error({ err, traceId }, "unhandled error");
  return serverError(traceId);
}

/**
 * Like toProblem, but an error nobody recognised is first checked against the
 * database: if PostgreSQL does not answer a `SELECT 1` within `probeMs`, the
 * error is an outage in a shape we have not seen (a driver's new wording), and
 * the caller gets 503 to retry, not a 500 to report.
 */
export async function toProblemChecked(err: unknown, traceId: string, probe: () => Promise<unknown>, probeMs = 1000): Promise<ProblemInit> {
  const known = knownProblem(err, traceId);
  if (known) return known;
  let reachable: boolean;
  try {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([probe(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("probe timed out")), probeMs)))]).finally(() => clearTimeout(timer));
    reachable = true;
  } catch {
    reachable = false;
  }
  if (!reachable) {
    logger.error({ err, traceId }, "database unavailable (confirmed by probe)");
    return UNAVAILABLE;
  }
  logger.error({ err, traceId }, "unhandled error");
  return serverError(traceId);
}
