// POST /api/api-keys/verify, answered by the custom server itself (never
// entering Next's router): our own services ask whether a key is good, and
// learn why not. Authenticated by x-dolfin-service-token (VERIFY_SERVICE_TOKENS,
// constant-time comparison). Same verification module as our routes.
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { LimitState } from "@/lib/api-keys/limits";
import { checkApiKey, type VerifyOutcome } from "@/lib/api-keys/verify-api-key";
import { verifyRequestSchema, type VerifyResponse } from "@/lib/api-keys/schemas";
import { env } from "@/lib/env";
import { db } from "@/lib/db/client";
import { toProblemChecked } from "@/lib/http/errors";
import { ApiError, problemBody, type ProblemInit } from "@/lib/http/problem";
import { countVerification, metrics, observeVerifyLatency, REFUSAL_CODES } from "@/lib/metrics/counters";

export const VERIFY_PATH = "/api/api-keys/verify";
const MAX_BODY = 16 * 1024;
const REFUSAL = REFUSAL_CODES; // one table: the verify API's codes and the metrics' labels

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
let tokens: { raw: string; digests: Buffer[] } | undefined;

function serviceTokenOk(given: string | undefined): boolean {
  const raw = env().VERIFY_SERVICE_TOKENS;
  if (tokens?.raw !== raw) tokens = { raw, digests: raw.split(",").map((t) => t.trim()).filter(Boolean).map(digest) };
  if (!given || tokens.digests.length === 0) return false;
  const d = digest(given);
  let ok = false;
  for (const t of tokens.digests) ok = timingSafeEqual(d, t) || ok; // every token compared, whatever matched
  return ok;
}

/** A stale answer (the key's last verdict, the database being unreachable) says so. */
export const STALE_HEADER = { "x-dolfin-verification": "stale" };

function send(res: ServerResponse, status: number, body: unknown, requestId: string, type = "application/json", extra: Record<string, string> = {}): void {
  metrics.verifyHttp[status]++;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    "x-request-id": requestId,
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    ...extra,
  });
  res.end(text);
}

/** `close`: refused before the body was read: the answer says `Connection: close` and Node ends the socket after it, so a slow sender cannot keep it. */
function fail(res: ServerResponse, init: ProblemInit, requestId: string, close: boolean): void {
  const headers = close ? { ...init.headers, connection: "close" } : init.headers;
  send(res, init.status, problemBody(init, { instance: VERIFY_PATH, traceId: requestId }), requestId, "application/problem+json", headers);
}

const tooLarge = () => new ApiError({ status: 413, code: "Request.TooLarge", title: "Request body too large", detail: `The body may be at most ${MAX_BODY} bytes.` });

/**
 * A valid key's answer is the same for every request until the key changes, and a change replaces the
 * cached key object: so its JSON is built once per cached key, not once per request.
 */
const validBodies = new WeakMap<object, string>();
const REFUSAL_BODIES = Object.fromEntries(Object.entries(REFUSAL).map(([k, code]) => [k, JSON.stringify({ valid: false, code } satisfies VerifyResponse)]));

const limitJson = (s: LimitState) => `{"limit":${s.limit},"remaining":${s.remaining},"resetSeconds":${s.resetSeconds}}`;

/** `seconds`: how long the verification waited for the database; 0 for a cache hit (answered in the same tick, and no clock read: one costs ~300 ns on our hosts). */
function answer(res: ServerResponse, r: VerifyOutcome, requestId: string, seconds: number): void {
  countVerification("verify_api", r);
  observeVerifyLatency("verify_api", seconds);
  const extra = r.stale ? STALE_HEADER : undefined;
  if (!r.ok) {
    if (r.limits && !r.limits.ok) return send(res, 200, `{"valid":false,"code":"${REFUSAL[r.reason]}","retryAfterSeconds":${r.limits.retryAfterSeconds}}`, requestId, undefined, extra);
    return send(res, 200, REFUSAL_BODIES[r.reason], requestId, undefined, extra);
  }
  let text = validBodies.get(r.key);
  if (text === undefined) {
    const body: VerifyResponse = {
      valid: true,
      keyId: r.key.id,
      clientId: r.key.clientId,
      clientType: r.key.clientType,
      keyPrefix: r.key.keyPrefix,
      expiresAt: r.key.expiresAt === null ? null : new Date(r.key.expiresAt).toISOString(),
      scopes: r.key.scopes,
    };
    text = JSON.stringify(body);
    validBodies.set(r.key, text);
  }
  // A key with limits: where it stands after this request, after the cached part (lib/api-keys/limits.ts).
  if (r.limits) {
    const l = r.limits;
    text = `${text.slice(0, -1)}${l.ratelimit ? `,"ratelimit":${limitJson(l.ratelimit)}` : ""}${l.quota ? `,"quota":${limitJson(l.quota)}` : ""}}`;
  }
  send(res, 200, text, requestId, undefined, r.stale ? STALE_HEADER : undefined);
}

/** Any throw: the one error handler, as for every route (bad input is problem details, an outage a 503). */
function failWith(res: ServerResponse, err: unknown, requestId: string, close = false, verifying = false): void {
  void toProblemChecked(err, requestId, () => db().$queryRaw`SELECT 1`).then((init) => {
    if (verifying && init.status === 503) countVerification("verify_api", "unavailable");
    fail(res, init, requestId, close);
  });
}

/** The body once read, parsed and checked; answered without a promise when the cache knows the key. */
function decide(res: ServerResponse, text: string, requestId: string): void {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError({ status: 400, code: "Request.InvalidJson", title: "Malformed JSON", detail: "The body is not valid JSON." });
  }
  const input = verifyRequestSchema.parse(json);
  const ctx = { ip: input.ip ?? null, userAgent: null, permission: input.permission ?? null };
  const r = checkApiKey(input.key.trim(), ctx);
  if (!(r instanceof Promise)) return answer(res, r, requestId, 0);
  const started = performance.now();
  r.then(
    (v) => answer(res, v, requestId, (performance.now() - started) / 1000),
    (err) => failWith(res, err, requestId, false, true),
  );
}

export function handleVerify(req: IncomingMessage, res: ServerResponse): void {
  const incoming = req.headers["x-request-id"];
  const requestId = typeof incoming === "string" && /^[A-Za-z0-9._-]{8,64}$/.test(incoming) ? incoming : randomUUID();
  try {
    if (req.method !== "POST") {
      throw new ApiError({ status: 405, code: "Request.MethodNotAllowed", title: "Method not allowed", detail: "Use POST.", headers: { allow: "POST" } });
    }
    const token = req.headers["x-dolfin-service-token"];
    if (!serviceTokenOk(typeof token === "string" ? token : undefined)) {
      throw new ApiError({
        status: 401,
        code: "Service.Unauthenticated",
        title: "Service token required",
        detail: "The verify API is for Dolfin's own services: send a valid x-dolfin-service-token.",
      });
    }
    const type = String(req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    if (type !== "application/json") throw new ApiError({ status: 415, code: "Request.UnsupportedMediaType", title: "Unsupported media type", detail: "Send application/json." });
    if (Number(req.headers["content-length"] ?? 0) > MAX_BODY) throw tooLarge();
  } catch (err) {
    return failWith(res, err, requestId, true); // the body is never read
  }
  // Read the body with callbacks (no promise per request on the hot path).
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on("data", (c: Buffer) => {
    if (over) return;
    size += c.length;
    if (size > MAX_BODY) {
      over = true;
      failWith(res, tooLarge(), requestId, true); // the rest is never read
    } else chunks.push(c);
  });
  req.on("end", () => {
    if (over) return;
    try {
      decide(res, chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks).toString("utf8"), requestId);
    } catch (err) {
      failWith(res, err, requestId);
    }
  });
  req.on("error", (err) => failWith(res, err, requestId));
}
