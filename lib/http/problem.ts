// RFC 7807 problem details: the one error shape of every API response.
import { z } from "zod";

export type ProblemInit = {
  status: number;
  /** Dolfin error code, `Entity.Reason`. */
  code: string;
  title: string;
  detail?: string;
  /** Field errors: `{ field: [messages] }`. */
  errors?: Record<string, string[]>;
  headers?: Record<string, string>;
};

/** Throw from anywhere below a route; the error handler turns it into problem+json. */
export class ApiError extends Error {
  readonly init: ProblemInit;
  constructor(init: ProblemInit) {
    super(init.detail ?? init.title);
    this.name = "ApiError";
    this.init = init;
  }
}

export const problemSchema = z
  .object({
    type: z.string().meta({ description: "`urn:dolfin:problem:<code>`." }),
    title: z.string().meta({ description: "A short, fixed summary of the code." }),
    status: z.number().int().meta({ description: "The HTTP status, repeated." }),
    detail: z.string().nullable().meta({ description: "What went wrong this time, for a person to read." }),
    instance: z.string().nullable().meta({ description: "The request's path." }),
    code: z.string().meta({ description: "`Entity.Reason` (e.g. `ApiKey.ExpiresAtInPast`): what a program should branch on." }),
    traceId: z.string().meta({ description: "Equal to the `x-request-id` response header: quote it when asking for help." }),
    errors: z.record(z.string(), z.array(z.string())).optional().meta({ description: "Field errors: `{ \"field.path\": [messages] }`, on `Request.Invalid`." }),
  })
  .meta({ id: "ProblemDetails" });

export type Problem = z.infer<typeof problemSchema>;

export function problemType(code: string): string {
  return `urn:dolfin:problem:${code}`;
}

export function problemBody(init: ProblemInit, ctx: { instance: string | null; traceId: string }): Problem {
  return {
    type: problemType(init.code),
    title: init.title,
    status: init.status,
    detail: init.detail ?? null,
    instance: ctx.instance,
    code: init.code,
    traceId: ctx.traceId,
    ...(init.errors ? { errors: init.errors } : {}),
  };
}

export function problemResponse(init: ProblemInit, ctx: { instance: string | null; traceId: string }): Response {
  const body = problemBody(init, ctx);
  return new Response(JSON.stringify(body), {
    status: init.status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store", ...init.headers },
  });
}

// The errors the app raises in more than one place.
export const Problems = {
  invalidApiKey: () =>
    new ApiError({ status: 401, code: "ApiKey.Invalid", title: "Invalid API key", detail: "The API key is unknown, expired or revoked." }),
  unauthenticated: () =>
    new ApiError({
      status: 401,
      code: "Auth.Unauthenticated",
      title: "Authentication required",
      detail: "Send an API key in the x-dolfin-api-key header, or a Bearer token.",
      headers: { "www-authenticate": 'Bearer realm="dolfin", ApiKey header="x-dolfin-api-key"' },
    }),
  invalidToken: () =>
    new ApiError({
      status: 401,
      code: "Auth.InvalidToken",
      title: "Invalid or expired token",
      detail: "The Bearer token could not be verified or has expired. Obtain a new one from POST /api/auth/token.",
      headers: { "www-authenticate": 'Bearer realm="dolfin", error="invalid_token"' },
    }),
  sessionEnded: () =>
    new ApiError({
      status: 401,
      code: "Auth.SessionEnded",
      title: "Session ended",
      detail: "This session or token was ended (signed out everywhere, or ended from the account's session list), or the user no longer exists. Sign in again, or obtain a new token from POST /api/auth/token.",
      headers: { "www-authenticate": 'Bearer realm="dolfin", error="invalid_token"' },
    }),
  notUserScoped: () =>
    new ApiError({
      status: 403,
      code: "Auth.NotUserScopedToken",
      title: "A user is required",
      detail: "API keys cannot do this: call with a user's Bearer token or from a signed-in browser.",
    }),
  insufficientScope: (scope: string) =>
    new ApiError({
      status: 403,
      code: "ApiKey.InsufficientScope",
      title: "The API key lacks a permission",
      detail: `This request needs the ${scope} permission, which this API key does not have. An Admin or Owner can grant it on the key (PATCH /api/api-keys/{id}, scopes).`,
    }),
  ipNotAllowed: () =>
    new ApiError({
      status: 403,
      code: "ApiKey.IpNotAllowed",
      title: "Address not allowed for this API key",
      detail: "This API key may not be used from this address. An Admin or Owner can change the key's IP allowlist.",
    }),
  /** A good key over its rate limit or quota: 429 with Retry-After and the RateLimit headers. */
  keyLimited: (reason: "rateLimited" | "quotaExceeded", retryAfterSeconds: number, headers: Record<string, string>) =>
    new ApiError({
      status: 429,
      code: reason === "rateLimited" ? "ApiKey.RateLimited" : "ApiKey.QuotaExceeded",
      title: reason === "rateLimited" ? "API key rate limit exceeded" : "API key quota exceeded",
      detail:
        reason === "rateLimited"
          ? `This API key has sent all the requests its rate limit allows for now. Retry in ${retryAfterSeconds} s.`
          : `This API key has used its quota for this period. It resets in ${retryAfterSeconds} s (at the start of the next UTC day or month).`,
      headers,
    }),
  scopeEscalation: (detail: string) => new ApiError({ status: 403, code: "ApiKey.ScopeEscalation", title: "More than the caller holds", detail }),
  forbidden: (detail = "You must be an Admin or Owner of this Client.") =>
    new ApiError({ status: 403, code: "Member.Forbidden", title: "Forbidden", detail }),
  /** The Client requires a second factor (its policy) and this person has none: their account routes stay open to add one. */
  twoFactorRequired: (clientName: string) =>
    new ApiError({
      status: 403,
      code: "Member.TwoFactorRequired",
      title: "Second factor required by this Client",
      detail: `${clientName} requires everyone to use a second factor. Set up an authenticator app on your account first (POST /api/account/two-factor/totp, or Settings > Account), then try again.`,
    }),
  notFound: (code: string, what: string) => new ApiError({ status: 404, code, title: `${what} not found` }),
  invalid: (detail: string, errors?: Record<string, string[]>) =>
    new ApiError({ status: 400, code: "Request.Invalid", title: "Invalid request", detail, errors }),
};
