// The OpenAPI 3.1 document, generated from the very zod schemas the routes
// parse with (zod-openapi), so the reference cannot drift from the code.
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from "zod-openapi";
import { z } from "zod";
import {
  apiKeyPageSchema,
  apiKeySchema,
  createApiKeyResponseSchema,
  createApiKeySchema,
  leakReportResponseSchema,
  leakReportSchema,
  rotateApiKeySchema,
  updateApiKeySchema,
  verifyRequestSchema,
  verifyResponseSchema,
  API_KEY_LIST_FILTERS,
} from "@/lib/api-keys/schemas";
import { auditEventPageSchema } from "@/lib/audit/schemas";
import { clientUsageSchema, keyUsageSchema, USAGE_INTERVALS, USAGE_MAX_DAYS } from "@/lib/api-keys/usage-schemas";
import { meSchema, reauthenticateResponseSchema, reauthenticateSchema, tokenRequestSchema, tokenResponseSchema } from "@/lib/auth/schemas";
import { keyPolicySchema, keyPolicyViewSchema } from "@/lib/clients/schemas";
import { changeRoleSchema, memberPageSchema, memberSchema } from "@/lib/members/schemas";
import { problemSchema } from "@/lib/http/problem";
import { passkeyPaths } from "@/lib/passkeys/openapi";
import { keyRequestPaths } from "@/lib/key-requests/openapi";
import { githubSecretScanningPaths } from "@/lib/api-keys/github-openapi";
import { webhookPaths, WEBHOOKS_TAG } from "@/lib/webhooks/openapi";
import { twoFactorPaths } from "@/lib/two-factor/openapi";
import { sessionPaths } from "@/lib/auth/sessions-openapi";
import { acceptedInviteSchema, acceptInviteSchema, createdInviteSchema, createInviteSchema, invitePageSchema } from "@/lib/invites/schemas";

const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: problemSchema } } });

const common = {
  "401": problem("`ApiKey.Invalid` (unknown, expired or revoked key: one answer for all three), `Auth.InvalidToken`, `Auth.SessionEnded` (the user signed out everywhere), or `Auth.Unauthenticated` (no credentials; see WWW-Authenticate)."),
  "403": problem(
    "`Member.Forbidden`: not an Admin/Owner of the active Client, or not a member. `Auth.NotUserScopedToken`: an API key calling what only a user may do (policy, sessions). `ApiKey.InsufficientScope`: a restricted key without the scope the route needs (the detail names it). `ApiKey.IpNotAllowed`: a key used from outside its IP allowlist. `Request.CrossOrigin`: a cookie-authenticated write from another origin. `Member.TwoFactorRequired`: the Client requires a second factor and you have none (add one: `POST /api/account/two-factor/totp`; API keys are unaffected). `Auth.ReauthenticationRequired` (sudo mode): a sensitive action (a full-access or writing key on a Live Client, widening a key, the policy, an Owner, a second factor, ending sessions) needs a proof newer than `SUDO_MAX_AGE_SECONDS` (default 15 minutes): with a Bearer token, get a fresh one (`POST /api/auth/token`); in the browser, `POST /api/auth/reauthenticate`. API keys are never asked.",
  ),
  "429": problem(
    "`RateLimit.Exceeded`: see the Retry-After and RateLimit-* headers. With an API key that carries limits: `ApiKey.RateLimited` (over its rate limit) or `ApiKey.QuotaExceeded` (over its UTC day's or month's quota), with `Retry-After` and the `RateLimit-Policy` / `RateLimit` headers (draft-ietf-httpapi-ratelimit-headers: `\"rate\";q=5;w=60` and `\"rate\";r=0;t=42`); such a key's successful answers carry `RateLimit-Policy` and `RateLimit` too.",
  ),
  "503": problem("`Service.Unavailable`: the database cannot be reached; retry shortly."),
  default: problem("Any other error (`Request.MethodNotAllowed`, `Server.Error` with a traceId to quote)."),
} satisfies ZodOpenApiResponsesObject;

const bodyErrors = {
  "413": problem("`Request.TooLarge`: the body is over 16 KiB."),
  "415": problem("`Request.UnsupportedMediaType`: send application/json."),
};

const idParam = z.uuid().meta({ description: "The API key's id." });
const listQuery = z.object({
  Cursor: z.string().optional().meta({ description: "`nextCursor` from the previous page." }),
  Limit: z.number().int().min(1).max(100).optional().meta({ description: "Page size, 1–100 (default 20)." }),
});

const usageQuery = z.object({
  From: z.string().optional().meta({ description: "Start, RFC 3339 with offset (default: 14 days before To; 48 hours by hour)." }),
  To: z.string().optional().meta({ description: "End, RFC 3339 with offset (default: now)." }),
  Interval: z.enum(USAGE_INTERVALS).optional().meta({ description: "hour or day (default day)." }),
});

const exampleKey = {
  id: "01937a1c-5d2e-7c4b-9a3f-2b1e8d7c6a5f",
  clientId: "01937a1c-1111-7000-8000-000000000001",
  rawKey: "dol_live_3xT9aB2qK7mN4pR8sV1wY6zC0dF5gH2jL9nQ3tX7uA1b2C3d",
  keyPrefix: "dol_live_3xT9aB2q",
  name: "Billing sync",
  createdAt: "2026-11-26T10:00:00.000Z",
  expiresAt: "2026-12-26T10:00:00.000Z",
  scopes: ["invoices:read", "customers:read"],
  allowedIps: ["203.0.113.0/24"],
};

const createOp: ZodOpenApiOperationObject = {
  operationId: "createApiKey",
  tags: ["ApiKeys"],
  summary: "Create API key",
  description:
    "Mint a new API key for the calling Client. Bearer and session callers must be Admin/Owner of the active Client; an API key needs `apiKeys:write`. The raw key is in this response only: store it now. `scopes` restricts what the key may do (omit for full access), `allowedIps` where from (omit for anywhere). No escalation: a key can never be given more than its creator holds, and a key-made key stays within its maker's allowlist and lifetime.",
  requestBody: {
    required: true,
    content: {
      "application/json": {
        schema: createApiKeySchema,
        examples: {
          thirtyDays: { value: { name: "Billing sync", expiresAt: "2026-12-26T10:00:00Z" } },
          neverExpires: { value: { name: null, expiresAt: null } },
          restricted: { value: { name: "Invoice reader", scopes: ["invoices:read", "customers:read"], allowedIps: ["203.0.113.0/24", "2001:db8::/32"] } },
        },
      },
    },
  },
  responses: {
    "201": {
      description: "Created. `Location` points at the new key; `Cache-Control: no-store`.",
      headers: z.object({ location: z.string().meta({ description: "/api/api-keys/{id}" }) }),
      content: { "application/json": { schema: createApiKeyResponseSchema, examples: { created: { value: exampleKey } } } },
    },
    "400": problem("`ApiKey.ExpiresAtInPast`, `ApiKey.ExpiryRequired`, `ApiKey.ExpiresAtBeyondPolicy`, `Request.Invalid` (with `errors`, e.g. `scopes.2`: an unknown scope; `allowedIps.0`: not a CIDR), `Request.MalformedJson`."),
    "409": problem("`ApiKey.LimitReached`: the Client's cap on active keys."),
    ...bodyErrors,
    ...common,
    "403": problem(
      "`ApiKey.ApprovalRequired`: the Client's key policy (`keyApproval`) says this key needs a second person's approval (full access, or every `:write` scope, which grants the same; with `write` any write scope), whoever asks: ask for it with `POST /api/key-requests`. `ApiKey.ScopeEscalation`: more than the caller holds (scopes beyond its own, an allowlist wider than its own, a lifetime beyond its own, or a rate limit or quota looser than its own; the detail names what). Also every 403 listed for other routes (`Member.Forbidden`, `ApiKey.InsufficientScope`, `ApiKey.IpNotAllowed`, `Request.CrossOrigin`, `Member.TwoFactorRequired`). `Auth.ReauthenticationRequired`: a person creating or rotating a full-access or writing key on a Live Client, whose proof is older than `SUDO_MAX_AGE_SECONDS` (see the other 403s).",
    ),
  },
};

export function buildOpenApiDocument() {
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "Dolfin API — API keys",
      version: "v1",
      description: [
        "Manage the API keys a Client's integrations use. Authenticate with **one** of:",
        "",
        "- `x-dolfin-api-key: <raw key>` — acts as the key's Client;",
        "- `Authorization: Bearer <token>` — a user (get a token from `POST /api/auth/token`; valid 8 hours); `x-dolfin-client-id` picks another of the user's Clients;",
        "- the browser session cookie (`authjs.session-token`) — writes must come from the app's own origin.",
        "",
        "Errors are RFC 7807 problem details (`application/problem+json`) with a `code` (`Entity.Reason`) and a `traceId` equal to the `x-request-id` header.",
        "Lists take `Cursor` and `Limit` and answer `{ data, nextCursor, hasMore }`. Timestamps are ISO-8601 UTC; optional fields are `null`, never absent.",
      ].join("\n"),
    },
    servers: [{ url: "/", description: "This server" }],
    security: [{ ApiKeyAuth: [] }, { BearerAuth: [] }, { SessionCookie: [] }],
    tags: [
      { name: "ApiKeys", description: "Create, list, update, rotate and revoke the Client's keys; their usage; leak reports; the verify API of Dolfin's own services." },
      { name: "Audit", description: "Who did what to which key, member, invitation or policy, from where, and when." },
      { name: "Clients", description: "The Client's key policy and its members." },
      { name: "KeyRequests", description: "Four eyes on powerful keys: while the key policy's `keyApproval` is on, the keys it covers are asked for, approved by a second Owner or Admin, and claimed once by their requester." },
      { name: "ClientInvites", description: "Invite people to the Client. An invitation link works once, for the invited email." },
      { name: "Auth", description: "Who is calling, Bearer tokens, and signing out everywhere." },
      WEBHOOKS_TAG,
      { name: "Meta", description: "Health checks and this document." },
    ],
    components: {
      securitySchemes: {
        ApiKeyAuth: { type: "apiKey", in: "header", name: "x-dolfin-api-key", description: "A raw key: dol_live_… or dol_test_…" },
        BearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWE", description: "A user's session token from POST /api/auth/token." },
        SessionCookie: { type: "apiKey", in: "cookie", name: "authjs.session-token", description: "The browser session (same-origin writes only)." },
        ServiceToken: { type: "apiKey", in: "header", name: "x-dolfin-service-token", description: "A token of one of Dolfin's own services (VERIFY_SERVICE_TOKENS): the verify API only." },
      },
    },
    paths: {
      "/api/api-keys": {
        post: createOp,
        get: {
          operationId: "listApiKeys",
          tags: ["ApiKeys"],
          summary: "List API keys",
          description: "The active Client's keys, newest first. Any member or key of the Client. Never a raw key or hash. `Status` keeps only active, expired or revoked keys, or `expiring`: active keys (not replaced by a rotation) that expire within EXPIRING_SOON_DAYS (default 14).",
          requestParams: { query: listQuery.extend({ Status: z.enum(API_KEY_LIST_FILTERS).optional().meta({ description: "Only keys with this status, or expiring soon." }) }) },
          responses: { "200": { description: "A page of keys.", content: { "application/json": { schema: apiKeyPageSchema } } }, "400": problem("`Request.Invalid`: bad Limit or Status, or a Cursor this list did not return."), ...common },
        },
      },
      "/api/api-keys/{id}": {
        get: {
          operationId: "getApiKey",
          tags: ["ApiKeys"],
          summary: "Get an API key",
          requestParams: { path: z.object({ id: idParam }) },
          responses: { "200": { description: "The key.", content: { "application/json": { schema: apiKeySchema } } }, "404": problem("`ApiKey.NotFound` (also for another Client's key)."), ...common },
        },
        patch: {
          operationId: "updateApiKey",
          tags: ["ApiKeys"],
          summary: "Update an API key",
          description:
            "Rename a key, or change what it may do (`scopes`) and where from (`allowedIps`). Only what is sent changes; each change is audited with before and after, and an access change is felt by every instance at once. An API key may only rename or change a key it could have made (its scopes, allowlist and lifetime cover the key as it is), and only give it access within its own (`ApiKey.ScopeEscalation`). Admin/Owner, or an API key with `apiKeys:write`.",
          requestParams: { path: z.object({ id: idParam }) },
          requestBody: { required: true, content: { "application/json": { schema: updateApiKeySchema, examples: { rename: { value: { name: "Billing sync (production)" } }, restrict: { value: { scopes: ["invoices:read"], allowedIps: ["203.0.113.7"] } }, fullAccess: { value: { scopes: null, allowedIps: [] } } } } } },
          responses: {
            "200": { description: "The key as it now is.", content: { "application/json": { schema: apiKeySchema } } },
            "400": problem("`Request.Invalid`: nothing to change, a name too long or not text, an unknown or repeated scope, an entry that is not an IP or CIDR (field errors name the entry)."),
            "404": problem("`ApiKey.NotFound` (also for another Client's key)."),
            ...bodyErrors,
            ...common,
            "403": problem(
              "`ApiKey.ApprovalRequired`: widening the key into what the Client's key policy (`keyApproval`) covers, or widening a key it already covers at all (another scope, another address, removing the allowlist), needs a second person's approval: ask with `POST /api/key-requests` and `keyId`. A list of every `:write` scope counts as full access. Narrowing never needs approval. `ApiKey.ScopeEscalation`: more than the caller holds. And every 403 of the other routes.",
            ),
          },
        },
      },
      "/api/api-keys/{id}/usage": {
        get: {
          operationId: "getApiKeyUsage",
          tags: ["ApiKeys"],
          summary: "A key's usage",
          description: `Verifications of one key per UTC hour or day (our routes and the verify API alike): successes, and refusals by reason. Counted in memory by each instance and written every few seconds, so the last seconds may not show yet. Default: the last 14 days by day (48 hours by hour); at most ${USAGE_MAX_DAYS} days.`,
          requestParams: { path: z.object({ id: idParam }), query: usageQuery },
          responses: {
            "200": { description: "Every bucket of the range, zeros included.", content: { "application/json": { schema: keyUsageSchema } } },
            "400": problem("`Request.Invalid`: a bad From/To/Interval, From not before To, or a range over 90 days."),
            "404": problem("`ApiKey.NotFound` (also for another Client's key)."),
            ...common,
          },
        },
      },
      "/api/usage": {
        get: {
          operationId: "getClientUsage",
          tags: ["ApiKeys"],
          summary: "The Client's key usage",
          description: "All of the Client's keys together per UTC hour or day, and the ten keys with the most requests in the range. Same query as a key's usage.",
          requestParams: { query: usageQuery },
          responses: {
            "200": { description: "Every bucket of the range, and the busiest keys.", content: { "application/json": { schema: clientUsageSchema } } },
            "400": problem("`Request.Invalid`: a bad From/To/Interval, From not before To, or a range over 90 days."),
            ...common,
          },
        },
      },
      "/api/api-keys/{id}/revoke": {
        post: {
          operationId: "revokeApiKey",
          tags: ["ApiKeys"],
          summary: "Revoke an API key",
          description: "The key stops working at once. Idempotent. Admin/Owner, or an API key of the same Client with `apiKeys:write` that could have made the key (its scopes, allowlist and lifetime cover it; else `ApiKey.ScopeEscalation`).",
          requestParams: { path: z.object({ id: idParam }) },
          responses: { "204": { description: "Revoked (or already revoked)." }, "404": problem("`ApiKey.NotFound` (also for another Client's key)."), ...common },
        },
      },
      "/api/api-keys/{id}/rotate": {
        post: {
          operationId: "rotateApiKey",
          tags: ["ApiKeys"],
          summary: "Rotate an API key",
          description: "Creates a replacement with the same name, scopes and allowlist (and lifetime, unless `expiresAt` is given); the old key works until the end of the grace period, never longer than it already would. An API key may only rotate a key it could have made, into a key within its own scopes, allowlist and lifetime (`ApiKey.ScopeEscalation`). Rotation keeps a key's access and needs no approval, but while the key policy's `keyApproval` covers the key it may not extend its life: an `expiresAt` later than the current key's (or `null` for a key that expires) is `403 ApiKey.ApprovalRequired`, and the default lifetime is capped at the current key's expiry. Pending requests to widen the old key are closed (`expired`).",
          requestParams: { path: z.object({ id: idParam }) },
          requestBody: { required: false, content: { "application/json": { schema: rotateApiKeySchema, examples: { oneHour: { value: { gracePeriodSeconds: 3600 } } } } } },
          responses: {
            "201": { description: "The new key, exactly like create.", content: { "application/json": { schema: createApiKeyResponseSchema } } },
            "400": problem("`Request.Invalid`, `ApiKey.ExpiresAtInPast`, `ApiKey.ExpiryRequired`, `ApiKey.ExpiresAtBeyondPolicy`."),
            "404": problem("`ApiKey.NotFound`."),
            "409": problem("`ApiKey.NotActive`: revoked, expired or already rotated."),
            ...bodyErrors,
            ...common,
          },
        },
      },
      "/api/api-keys/leaks": {
        post: {
          operationId: "reportLeakedApiKeys",
          tags: ["ApiKeys"],
          summary: "Report leaked API keys",
          description: "For secret scanners; no authentication. Live keys that match are revoked at once, audited, and (with mail) their Client's Owners and Admins emailed. The answer never says which keys existed. GitHub secret scanning has its own signed endpoint: `POST /api/api-keys/leaks/github`.",
          security: [{}],
          requestBody: { required: true, content: { "application/json": { schema: leakReportSchema, examples: { found: { value: { keys: ["dol_live_3xT9aB2qK7mN4pR8sV1wY6zC0dF5gH2jL9nQ3tX7uA1b2C3d"] } } } } } },
          responses: { "202": { description: "Accepted for checking.", content: { "application/json": { schema: leakReportResponseSchema } } }, "400": problem("`Request.Invalid`."), ...bodyErrors, ...common },
        },
      },
      ...githubSecretScanningPaths(problem, common),
      "/api/audit-events": {
        get: {
          operationId: "listAuditEvents",
          tags: ["Audit"],
          summary: "List audit events",
          description: "The Client's audit trail, newest first. Admin/Owner, or an API key of the Client with `apiKeys:read`. `TargetId` narrows it to one key's history (or, with the Client's id, its policy changes). An API key gets key events only (never policy, member or invitation events), and no people data: when a person acted, `actor.label` (their email), `ip` and `userAgent` are null (likewise `ip` and `userAgent` of anonymous leak reports); a key's own label, IP and user agent are kept.",
          requestParams: { query: listQuery.extend({ TargetId: z.uuid().optional().meta({ description: "Only events about this key (or the Client)." }) }) },
          responses: { "200": { description: "A page of events.", content: { "application/json": { schema: auditEventPageSchema } } }, "400": problem("`Request.Invalid`: bad Limit, TargetId or Cursor."), ...common },
        },
      },
      "/api/key-policy": {
        get: {
          operationId: "getKeyPolicy",
          tags: ["Clients"],
          summary: "Get the Client's key policy",
          responses: { "200": { description: "The policy, and how many keys count against its cap now.", content: { "application/json": { schema: keyPolicyViewSchema } } }, ...common },
        },
        put: {
          operationId: "updateKeyPolicy",
          tags: ["Clients"],
          summary: "Replace the Client's key policy",
          description:
            "Owner only, in sudo mode (a proof within `SUDO_MAX_AGE_SECONDS`, else `403 Auth.ReauthenticationRequired`). Key rules apply to keys created or rotated from now on. `keyApproval` (absent: unchanged): keys with full access (`fullAccess`), or also with any write scope (`write`), need a second Owner's or Admin's approval (`POST /api/key-requests`); rotation keeps a key's access and needs none. `requireTwoFactor` (absent: unchanged): everyone in the Client must have a second factor to use it (`403 Member.TwoFactorRequired` until they add one); API keys are unaffected.",
          requestBody: { required: true, content: { "application/json": { schema: keyPolicySchema, examples: { ninetyDays: { value: { keysMustExpire: true, maxKeyLifetimeDays: 90, maxActiveKeys: 100 } } } } } },
          responses: {
            "200": { description: "The saved policy, and how many keys count against its cap now.", content: { "application/json": { schema: keyPolicyViewSchema } } },
            "400": problem("`Request.Invalid`."),
            "409": problem("`Client.TwoFactorNeeded`: turning `requireTwoFactor` on without a second factor of your own: add one first. `Policy.NotEnoughApprovers`: turning `keyApproval` on with fewer than two Owners and Admins."),
            ...bodyErrors,
            ...common,
          },
        },
      },
      "/api/me": {
        get: {
          operationId: "getMe",
          tags: ["Auth"],
          summary: "Who am I",
          description: "Proof that a credential works, and for which Client.",
          responses: { "200": { description: "The caller.", content: { "application/json": { schema: meSchema } } }, ...common },
        },
      },
      "/api/auth/token": {
        post: {
          operationId: "createToken",
          tags: ["Auth"],
          summary: "Exchange email and password for a Bearer token",
          security: [{}],
          requestBody: { required: true, content: { "application/json": { schema: tokenRequestSchema, examples: { signIn: { value: { email: "alice@example.com", password: "correct horse battery staple" } } } } } },
          responses: {
            "200": { description: "A token valid for 8 hours.", content: { "application/json": { schema: tokenResponseSchema } } },
            "400": problem("`Request.Invalid` (a malformed `otp` or `recoveryCode` too)."),
            "401": problem(
              "`Auth.InvalidCredentials`. `Auth.SecondFactorRequired`: the password is right and the account has a second factor: send `otp` (or `recoveryCode`) with the email and password. `Auth.InvalidSecondFactor`: the code is wrong or already used (counted like a wrong password).",
            ),
            "403": problem("`Member.Forbidden`: not a member of the requested Client."),
            "429": common["429"],
            "503": common["503"],
            default: common.default,
          },
        },
      },
      "/api/members": {
        get: {
          operationId: "listMembers",
          tags: ["Clients"],
          summary: "List the Client's members",
          description: "The people of the active Client and their roles, newest first. Any member; users only.",
          security: [{ BearerAuth: [] }, { SessionCookie: [] }],
          requestParams: { query: listQuery },
          responses: { "200": { description: "A page of members.", content: { "application/json": { schema: memberPageSchema } } }, "400": problem("`Request.Invalid`."), ...common },
        },
      },
      "/api/members/{userId}": {
        patch: {
          operationId: "changeMemberRole",
          tags: ["Clients"],
          summary: "Change a member's role",
          description: "Admin/Owner. Only an Owner may grant the Owner role or change an Owner. The last Owner cannot be demoted. Takes effect on the member's next request. Audited.",
          security: [{ BearerAuth: [] }, { SessionCookie: [] }],
          requestParams: { path: z.object({ userId: z.uuid().meta({ description: "The member's user id." }) }) },
          requestBody: { required: true, content: { "application/json": { schema: changeRoleSchema, examples: { promote: { value: { role: "Admin" } } } } } },
          responses: {
            "200": { description: "The member with their new role.", content: { "application/json": { schema: memberSchema } } },
            "400": problem("`Request.Invalid`."),
            "404": problem("`Member.NotFound` (also for someone of another Client)."),
            "409": problem("`Member.LastOwner`: the Client must keep at least one Owner."),
            ...bodyErrors,
            ...common,
          },
        },
        delete: {
          operationId: "removeMember",
          tags: ["Clients"],
          summary: "Remove a member",
          description: "Admin/Owner (an Owner only by an Owner). The last Owner cannot be removed. The person loses access to this Client on their next request. Audited.",
          security: [{ BearerAuth: [] }, { SessionCookie: [] }],
          requestParams: { path: z.object({ userId: z.uuid().meta({ description: "The member's user id." }) }) },
          responses: {
            "204": { description: "Removed." },
            "404": problem("`Member.NotFound`."),
            "409": problem("`Member.LastOwner`."),
            ...common,
          },
        },
      },
      "/api/api-keys/verify": {
        post: {
          operationId: "verifyApiKey",
          tags: ["ApiKeys"],
          summary: "Verify an API key (for Dolfin's own services)",
          description:
            "Answered by the serving layer itself, without the Next.js router: the hot path of every AR/AP request on the platform. Our services send the integration's key, the end client's `ip` and the `permission` the request needs (a scope string such as `invoices:write`). The verdict applies the key's rules exactly as our own routes do: alive, then its IP allowlist (a key with one is refused when no `ip` is given), then its scopes. A refused key is `200 { valid: false, code }` with the reason (`ApiKey.Invalid`, `ApiKey.Expired`, `ApiKey.Revoked`: the integration itself gets one 401 for those; `ApiKey.IpNotAllowed`, `ApiKey.InsufficientScope`: 403s that say what is wrong). A valid key's answer carries its `scopes` (null: full access). Last comes the key's rate limit and quota, decided and spent in the same call (exact across instances with Redis): over one, `{ valid: false, code, retryAfterSeconds }` with `ApiKey.RateLimited` or `ApiKey.QuotaExceeded`; a valid key with limits has `ratelimit` and `quota` `{ limit, remaining, resetSeconds }` (each present when the key has it). Authenticate with `x-dolfin-service-token` (VERIFY_SERVICE_TOKENS).",
          security: [{ ServiceToken: [] }],
          requestBody: { required: true, content: { "application/json": { schema: verifyRequestSchema, examples: { check: { value: { key: "dol_live_…", ip: "203.0.113.7", permission: "invoices:write" } } } } } },
          responses: {
            "200": {
              description: "The verdict. While the database cannot be reached, a key verified within `VERIFY_STALE_SECONDS` (60) gets its last verdict, marked `x-dolfin-verification: stale` (its expiry still checked); an unknown key gets 503.",
              headers: z.object({ "x-dolfin-verification": z.literal("stale").optional().meta({ description: "Present only on a stale answer." }) }),
              content: { "application/json": { schema: verifyResponseSchema } },
            },
            "400": problem("`Request.Invalid` with field `errors`, or `Request.InvalidJson`."),
            "401": problem("`Service.Unauthenticated`: no valid x-dolfin-service-token."),
            ...bodyErrors,
            "503": common["503"],
            default: common.default,
          },
        },
      },
      "/api/client-invites": {
        get: {
          operationId: "listClientInvites",
          tags: ["ClientInvites"],
          summary: "List invitations",
          description: "The active Client's invitations (pending, accepted, revoked, expired), newest first. Admin/Owner; users only. Never a token.",
          security: [{ BearerAuth: [] }, { SessionCookie: [] }],
          requestParams: { query: listQuery },
          responses: { "200": { description: "A page of invitations.", content: { "application/json": { schema: invitePageSchema } } }, "400": problem("`Request.Invalid`."), ...common },
        },
        post: {
          operationId: "createClientInvite",
          tags: ["ClientInvites"],
          summary: "Invite someone",
          description:
            "Admin/Owner; only an Owner may invite an Owner. When the server has mail configured, the link is emailed to the invited address only: the answer says `emailQueued: true` and `inviteUrl` is null (whoever invites never holds the link). Without mail (development), `inviteUrl` carries the secret token and is returned here only (like `rawKey`). The link works once, for the invited email, until `expiresAt` (7 days by default). Audited.",
          security: [{ BearerAuth: [] }, { SessionCookie: [] }],
          requestBody: { required: true, content: { "application/json": { schema: createInviteSchema, examples: { admin: { value: { email: "alice@example.com", role: "Admin" } } } } } },
          responses: {
            "201": { description: "Invited.", content: { "application/json": { schema: createdInviteSchema } } },
            "400": problem("`Request.Invalid` with field `errors`."),
            "409": problem("`ClientInvite.AlreadyMember`, `ClientInvite.AlreadyPending` (resend instead), `ClientInvite.TooMany`."),
            ...bodyErrors,
            ...common,
          },
        },
      },
      "/api/client-invites/{id}/resend": {
        post: {
          operationId: "resendClientInvite",
          tags: ["ClientInvites"],
          summary: "Resend an invitation",
          description:
            "A new link and a new expiry for a pending or expired invitation, under the same rules as inviting (not a member, no other pending invitation for the email, the pending cap); the old link stops working. The new link is emailed (`inviteUrl` null) or, without mail, returned once in `inviteUrl`. Audited.",
          security: [{ BearerAuth: [] }, { SessionCookie: [] }],
          requestParams: { path: z.object({ id: z.uuid().meta({ description: "The invitation's id." }) }) },
          responses: {
            "200": { description: "Resent.", content: { "application/json": { schema: createdInviteSchema } } },
            "404": problem("`ClientInvite.NotFound` (also for another Client's)."),
            "409": problem("`ClientInvite.NotPending`: accepted or revoked; `ClientInvite.AlreadyMember`, `ClientInvite.AlreadyPending`, `ClientInvite.TooMany` as when inviting."),
            ...common,
          },
        },
      },
      "/api/client-invites/{id}/revoke": {
        post: {
          operationId: "revokeClientInvite",
          tags: ["ClientInvites"],
          summary: "Revoke an invitation",
          description: "The link stops working at once. Idempotent. Audited.",
          security: [{ BearerAuth: [] }, { SessionCookie: [] }],
          requestParams: { path: z.object({ id: z.uuid().meta({ description: "The invitation's id." }) }) },
          responses: {
            "204": { description: "Revoked (or already was)." },
            "404": problem("`ClientInvite.NotFound`."),
            "409": problem("`ClientInvite.NotPending`: already accepted (remove the member instead)."),
            ...common,
          },
        },
      },
      "/api/client-invites/accept": {
        post: {
          operationId: "acceptClientInvite",
          tags: ["ClientInvites"],
          summary: "Accept an invitation",
          description:
            "Exchange an invitation token for membership. If an account has the invited email, send its `password`; otherwise send `name` and a new `password` (at least 12 characters, not the email) and the account is made. Works once: any invalid, expired, revoked or used token gets the same `400 ClientInvite.Invalid`. Failures are rate limited per address like sign-ins; with an existing account this is a sign-in: a wrong password counts against the account's sign-in limit too, and an account locked by wrong passwords (here or at sign-in) gets `429` even with the right one.",
          security: [{}],
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: acceptInviteSchema,
                examples: {
                  newAccount: { value: { token: "Jx7q…(from the link's #fragment)", name: "Alice Martin", password: "correct horse battery staple" } },
                  existingAccount: { value: { token: "Jx7q…(from the link's #fragment)", password: "the account's password" } },
                },
              },
            },
          },
          responses: {
            "200": { description: "Joined.", content: { "application/json": { schema: acceptedInviteSchema } } },
            "400": problem("`ClientInvite.Invalid`, or `Request.Invalid` with field `errors` (name, password)."),
            "401": problem("`Auth.InvalidCredentials`: the existing account's password is wrong."),
            "409": problem("`ClientInvite.AccountExists`: an account for the email was made meanwhile; send its password."),
            "429": common["429"],
            ...bodyErrors,
            "503": common["503"],
            default: common.default,
          },
        },
      },
      "/api/auth/reauthenticate": {
        post: {
          operationId: "reauthenticate",
          tags: ["Auth"],
          summary: "Prove it is you again (sudo mode)",
          description:
            "For the browser's session: send one proof (your password, a code from your authenticator app, a recovery code, or one of your passkeys' answer to `POST /api/auth/reauthenticate/passkey-options`) and the session may do the sensitive actions for `SUDO_MAX_AGE_SECONDS` (answered as `sudoUntil`); the renewed session cookie comes back in Set-Cookie, and its `amr` gains the method (a passkey: `hwk`). A wrong proof counts like a failed sign-in: a password or code per address and per account; a passkey (not one of yours, or a challenge not made for your re-authentication, spent or expired) per address only, and a passkey is never refused because the account's password failures are spent. A Bearer token is renewed by getting a new one (`POST /api/auth/token`): `400 Auth.ReauthenticateWithToken`.",
          security: [{ SessionCookie: [] }],
          requestBody: {
            required: true,
            content: { "application/json": { schema: reauthenticateSchema, examples: { password: { value: { password: "correct horse battery staple" } }, code: { value: { otp: "123456" } }, passkey: { value: { passkey: { id: "rV3tq8aN0tGmXoPZs1Q4yA", rawId: "rV3tq8aN0tGmXoPZs1Q4yA", type: "public-key", response: { clientDataJSON: "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiLi4uIn0", authenticatorData: "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ", signature: "MEUCIQDm3l7f0Q" }, clientExtensionResults: {} } } } } } },
          },
          responses: {
            "200": { description: "Proven: sensitive actions are allowed until `sudoUntil`.", content: { "application/json": { schema: reauthenticateResponseSchema } } },
            "400": problem("`Request.Invalid`: not exactly one of `password`, `otp`, `recoveryCode`, `passkey`, or a malformed code. `Passkey.MalformedResponse`: a `passkey` that is not a WebAuthn answer. `Auth.ReauthenticateWithToken`: called with a Bearer token."),
            "401": problem("`Auth.InvalidProof`: the password, code or passkey is not right (or the code or the passkey's challenge was used); counted like a wrong sign-in. Also the usual 401s."),
            ...bodyErrors,
            "403": common["403"],
            "429": common["429"],
            "503": common["503"],
            default: common.default,
          },
        },
      },
      "/api/auth/sessions/end": {
        post: {
          operationId: "endAllSessions",
          tags: ["Auth"],
          summary: "Sign out everywhere",
          description: "Ends every browser session and Bearer token of the calling user, this one included: each is refused with `401 Auth.SessionEnded` from its next request, on every instance. Any signed-in user, also one who belongs to no Client, in sudo mode (`403 Auth.ReauthenticationRequired` for a proof older than `SUDO_MAX_AGE_SECONDS`); an API key gets 403.",
          security: [{ BearerAuth: [] }, { SessionCookie: [] }],
          responses: { "204": { description: "Every session and token of yours has ended." }, ...common },
        },
      },
      ...twoFactorPaths(problem, common, bodyErrors),
      ...sessionPaths(problem, common),
      ...passkeyPaths(problem, common, bodyErrors),
      ...keyRequestPaths(problem, common, bodyErrors),
      ...webhookPaths(problem, common, bodyErrors),
      "/api/health": {
        get: { operationId: "health", tags: ["Meta"], summary: "Liveness (no database)", security: [{}], responses: { "200": { description: "Up.", content: { "application/json": { schema: healthSchema } } }, default: common.default } },
      },
      "/api/health/ready": {
        get: {
          operationId: "ready",
          tags: ["Meta"],
          summary: "Readiness (one database round trip)",
          security: [{}],
          responses: { "200": { description: "Ready.", content: { "application/json": { schema: healthSchema } } }, "503": common["503"], default: common.default },
        },
      },
      "/api/openapi.json": {
        get: { operationId: "openapi", tags: ["Meta"], summary: "This document", security: [{}], responses: { "200": { description: "OpenAPI 3.1", content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } } } },
      },
    },
  });
}

export const healthSchema = z.strictObject({ status: z.literal("ok") }).meta({ id: "Health" });

let cached: ReturnType<typeof buildOpenApiDocument> | undefined;
export function openApiDocument() {
  return (cached ??= buildOpenApiDocument());
}
