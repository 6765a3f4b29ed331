// The one door for every API route: request id, authentication, permission,
// error handling and the request log. Handlers receive a resolved principal
// and never deal with credentials or error formatting themselves.
import type { NextRequest } from "next/server";
import { authenticate, authenticateAccount, keyScopeFor, principalCan, type AccountPrincipal, type Principal, type UserPrincipal } from "@/lib/auth/principal";
import type { Permission } from "@/lib/auth/permissions";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { accessLog, logger } from "@/lib/log";
import { toProblemChecked } from "./errors";
import { ApiError, problemResponse, Problems, type ProblemInit } from "./problem";
import { requestMeta, type RequestMeta } from "./request-meta";

type RouteContext<P> = { params: Promise<P> };

export type HandlerContext<P> = { req: NextRequest; params: P; meta: RequestMeta };
export type AuthedContext<P> = HandlerContext<P> & { principal: Principal };

type Caller = Principal | AccountPrincipal;

function finish(req: NextRequest, meta: RequestMeta, started: number, res: Response, principal: Caller | null): Response {
  res.headers.set("x-request-id", meta.requestId);
  if (!res.headers.has("cache-control")) res.headers.set("cache-control", "no-store");
  // API responses are data: nothing in them may run, load or be framed.
  res.headers.set("content-security-policy", "default-src 'none'; frame-ancestors 'none'");
  // The key was verified from its last verdict while the database was unreachable.
  if (principal?.type === "apiKey" && principal.stale) res.headers.set("x-dolfin-verification", "stale");
  // A key with a rate limit or quota: every answer says where it stands (draft-ietf-httpapi-ratelimit-headers).
  if (principal?.type === "apiKey" && principal.limitHeaders) for (const h in principal.limitHeaders) if (!res.headers.has(h)) res.headers.set(h, principal.limitHeaders[h]);
  accessLog.info(
    {
      requestId: meta.requestId,
      method: req.method,
      route: req.nextUrl.pathname,
      status: res.status,
      durationMs: Math.round(performance.now() - started),
      principal: principal?.type ?? "anonymous",
      clientId: principal && "clientId" in principal ? principal.clientId : undefined,
    },
    "request",
  );
  return res;
}

async function run<P>(
  req: NextRequest,
  ctx: RouteContext<P>,
  body: (meta: RequestMeta, setPrincipal: (p: Caller) => void) => Promise<Response>,
): Promise<Response> {
  const started = performance.now();
  const meta = requestMeta(req);
  let principal: Caller | null = null;
  try {
    const res = await body(meta, (p) => (principal = p));
    return finish(req, meta, started, res, principal);
  } catch (err) {
    let init: ProblemInit;
    try {
      init = await toProblemChecked(err, meta.requestId, () => db().$queryRaw`SELECT 1`);
    } catch (handlerErr) {
      // The error handler itself must never be the reason for a bare 500.
      logger.error({ err: handlerErr, cause: err, traceId: meta.requestId }, "error handler failed");
      init = { status: 500, code: "Server.Error", title: "Internal server error", detail: `Quote trace id ${meta.requestId} when reporting it.` };
    }
    return finish(req, meta, started, problemResponse(init, { instance: req.nextUrl.pathname, traceId: meta.requestId }), principal);
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A write authenticated by the browser's cookie must come from this app's own
 * pages (CSRF defence). API-key and Bearer callers carry their credential
 * explicitly and are not affected.
 */
function assertSameOrigin(req: NextRequest): void {
  const appUrl = env().APP_URL;
  const expectedHost = appUrl ? new URL(appUrl).host : (req.headers.get("x-forwarded-host") ?? req.headers.get("host"));
  const origin = req.headers.get("origin");
  let ok: boolean;
  if (origin && origin !== "null") {
    try {
      ok = new URL(origin).host === expectedHost && (!appUrl || new URL(origin).protocol === new URL(appUrl).protocol);
    } catch {
      ok = false;
    }
  } else {
    ok = req.headers.get("sec-fetch-site") === "same-origin";
  }
  if (!ok) {
    throw new ApiError({
      status: 403,
      code: "Request.CrossOrigin",
      title: "Cross-origin request refused",
      detail: "Requests authenticated by the session cookie must come from this app's own pages. Integrations should use an API key or a Bearer token.",
    });
  }
}

/** A route that needs a caller with `permission` for their active Client. */
export function withAuth<P = Record<string, never>>(
  options: { permission: Permission },
  handler: (ctx: AuthedContext<P>) => Promise<Response>,
) {
  return (req: NextRequest, ctx: RouteContext<P>) =>
    run(req, ctx, async (meta, setPrincipal) => {
      const found = authenticate(req, meta, options.permission);
      const principal = found instanceof Promise ? await found : found; // a cached key: no promise
      if (!principal) throw Problems.unauthenticated();
      setPrincipal(principal);
      if (principal.type === "user" && principal.via === "session" && !SAFE_METHODS.has(req.method)) assertSameOrigin(req);
      // An API key can never hold a user-only permission (policy, people): say so, not "ask an Admin".
      if (!principalCan(principal, options.permission)) {
        if (principal.type === "user") throw Problems.forbidden();
        const scope = keyScopeFor(options.permission);
        throw scope ? Problems.insufficientScope(scope) : Problems.notUserScoped();
      }
      return handler({ req, params: await ctx.params, meta, principal });
    });
}

export type UserContext<P> = HandlerContext<P> & { principal: UserPrincipal };

/** A route only a person may call (Bearer or session): an API key gets 403 Auth.NotUserScopedToken. */
export function withUser<P = Record<string, never>>(options: { permission: Permission }, handler: (ctx: UserContext<P>) => Promise<Response>) {
  return withAuth<P>(options, async (ctx) => {
    if (ctx.principal.type !== "user") throw Problems.notUserScoped();
    return handler({ ...ctx, principal: ctx.principal });
  });
}

export type AccountContext<P> = HandlerContext<P> & { principal: AccountPrincipal };

/**
 * A route about the caller's own account (end their sessions): any signed-in person, whether or not they
 * belong to a Client (one removed from every Client must still be able to end a stolen token); never an API key.
 */
export function withAccount<P = Record<string, never>>(handler: (ctx: AccountContext<P>) => Promise<Response>) {
  return (req: NextRequest, ctx: RouteContext<P>) =>
    run(req, ctx, async (meta, setPrincipal) => {
      if (req.headers.has("x-dolfin-api-key")) {
        const key = await authenticate(req, meta); // a bad key is refused as anywhere else; a good one is not a person
        if (key) setPrincipal(key);
        throw Problems.notUserScoped();
      }
      const principal = await authenticateAccount(req, meta);
      if (!principal) throw Problems.unauthenticated();
      setPrincipal(principal);
      if (principal.via === "session" && !SAFE_METHODS.has(req.method)) assertSameOrigin(req);
      return handler({ req, params: await ctx.params, meta, principal });
    });
}

/** A route anyone may call (health, token exchange, leak reports): same errors and logs. */
export function withPublic<P = Record<string, never>>(handler: (ctx: HandlerContext<P>) => Promise<Response>) {
  return (req: NextRequest, ctx: RouteContext<P>) => run(req, ctx, async (meta) => handler({ req, params: await ctx.params, meta }));
}

export function json(data: unknown, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  return new Response(JSON.stringify(data), {
    status: init.status ?? 200,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...init.headers },
  });
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

/** Problem-details 405 for the methods a route does not implement (Next's own 405 has no body). */
export function notAllowed(allowed: string[]) {
  const handler = (req: NextRequest, ctx: RouteContext<Record<string, string>>) =>
    run(req, ctx, async () => {
      throw new ApiError({
        status: 405,
        code: "Request.MethodNotAllowed",
        title: "Method not allowed",
        detail: `Use ${allowed.join(" or ")}.`,
        headers: { allow: allowed.join(", ") },
      });
    });
  return { GET: handler, POST: handler, PUT: handler, PATCH: handler, DELETE: handler };
}
