// The one door for every API route: request id, authentication, permission,
// error handling and the request log. Handlers receive a resolved principal
// and never deal with credentials or error formatting themselves.
import type { NextRequest } from "next/server";
import { authenticate, principalCan, type Principal } from "@/lib/auth/principal";
import type { Permission } from "@/lib/auth/permissions";
import { logger } from "@/lib/log";
import { toProblem } from "./errors";
import { ApiError, problemResponse, Problems } from "./problem";
import { requestMeta, type RequestMeta } from "./request-meta";

type RouteContext<P> = { params: Promise<P> };

export type HandlerContext<P> = { req: NextRequest; params: P; meta: RequestMeta };
export type AuthedContext<P> = HandlerContext<P> & { principal: Principal };

function finish(req: NextRequest, meta: RequestMeta, started: number, res: Response, principal: Principal | null): Response {
  res.headers.set("x-request-id", meta.requestId);
  if (!res.headers.has("cache-control")) res.headers.set("cache-control", "no-store");
  logger.info(
    {
      requestId: meta.requestId,
      method: req.method,
      route: req.nextUrl.pathname,
      status: res.status,
      durationMs: Math.round(performance.now() - started),
      principal: principal?.type ?? "anonymous",
      clientId: principal?.clientId,
    },
    "request",
  );
  return res;
}

async function run<P>(
  req: NextRequest,
  ctx: RouteContext<P>,
  body: (meta: RequestMeta, setPrincipal: (p: Principal) => void) => Promise<Response>,
): Promise<Response> {
  const started = performance.now();
  const meta = requestMeta(req);
  let principal: Principal | null = null;
  try {
    const res = await body(meta, (p) => (principal = p));
    return finish(req, meta, started, res, principal);
  } catch (err) {
    const init = toProblem(err, meta.requestId);
    return finish(req, meta, started, problemResponse(init, { instance: req.nextUrl.pathname, traceId: meta.requestId }), principal);
  }
}

/** A route that needs a caller with `permission` for their active Client. */
export function withAuth<P = Record<string, never>>(
  options: { permission: Permission },
  handler: (ctx: AuthedContext<P>) => Promise<Response>,
) {
  return (req: NextRequest, ctx: RouteContext<P>) =>
    run(req, ctx, async (meta, setPrincipal) => {
      const principal = await authenticate(req, meta);
      if (!principal) throw Problems.unauthenticated();
      setPrincipal(principal);
      if (!principalCan(principal, options.permission)) throw Problems.forbidden();
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

export function methodNotAllowed(allowed: string[]) {
  return (req: NextRequest, ctx: RouteContext<Record<string, string>>) =>
    run(req, ctx, async () => {
      throw new ApiError({ status: 405, code: "Request.MethodNotAllowed", title: "Method not allowed", headers: { allow: allowed.join(", ") } });
    });
}
