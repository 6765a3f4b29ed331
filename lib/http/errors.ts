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
      for (const k of issue.keys) add([...issue.path, k].join("."), "Unknown field. The Client is always the caller's own; only name and expiresAt may be sent.");
    } else {
      add(issue.path.join(".") || "body", issue.message);
    }
  }
  return out;
}

/** PostgreSQL unreachable, refusing connections, or shutting down. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === "object" && !seen.has(e)) {
    seen.add(e);
    const { code, message, kind } = e as { code?: unknown; message?: unknown; kind?: unknown };
    if (typeof code === "string" && ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P02", "57P03", "08006", "08001", "08003", "08004"].includes(code)) return true;
    if (kind === "DatabaseNotReachable" || kind === "ConnectionClosed" || kind === "SocketTimeout") return true;
    if (typeof message === "string" && /ECONNREFUSED|Connection terminated|timeout exceeded when trying to connect|terminating connection|database system is (shutting down|starting up)|Can't reach database|the database system is not yet accepting connections|Connection ended unexpectedly|not queryable/i.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export function toProblem(err: unknown, traceId: string): ProblemInit {
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
    return {
      status: 503,
      code: "Service.Unavailable",
      title: "Service temporarily unavailable",
      detail: "The database cannot be reached. Retry shortly.",
      headers: { "retry-after": "5" },
    };
  }
  logger.error({ err, traceId }, "unhandled error");
  return { status: 500, code: "Server.Error", title: "Internal server error", detail: `Something went wrong on our side. Quote trace id ${traceId} when reporting it.` };
}
