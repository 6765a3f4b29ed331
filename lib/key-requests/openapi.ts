// The OpenAPI operations of key requests (assembled by lib/openapi/document.ts).
import { z } from "zod";
import type { ZodOpenApiPathsObject, ZodOpenApiResponsesObject } from "zod-openapi";
import { createApiKeyResponseSchema } from "@/lib/api-keys/schemas";
import { createKeyRequestSchema, denyKeyRequestSchema, KEY_REQUEST_STATUSES, keyRequestPageSchema, keyRequestSchema } from "./schemas";

type Response = ZodOpenApiResponsesObject[`${1 | 2 | 3 | 4 | 5}${string}`];
type Common = Record<"401" | "403" | "429" | "503" | "default", Response> & ZodOpenApiResponsesObject;

const idParam = z.object({ id: z.uuid().meta({ description: "The key request's id." }) });
const listQuery = z.object({
  Cursor: z.string().optional().meta({ description: "`nextCursor` from the previous page." }),
  Limit: z.number().int().min(1).max(100).optional().meta({ description: "Page size, 1–100 (default 20)." }),
  Status: z.enum(KEY_REQUEST_STATUSES).optional().meta({ description: "Only requests with this status (as of now: `expired` includes those past their time)." }),
});

const PEOPLE = "People only: an API key gets `403 Auth.NotUserScopedToken`.";

export function keyRequestPaths(problem: (description: string) => Response, common: Common, bodyErrors: ZodOpenApiResponsesObject): ZodOpenApiPathsObject {
  const people: Record<string, string[]>[] = [{ BearerAuth: [] }, { SessionCookie: [] }];
  const notFound = problem("`KeyRequest.NotFound` (also for another Client's request).");
  return {
    "/api/key-requests": {
      post: {
        operationId: "createKeyRequest",
        tags: ["KeyRequests"],
        summary: "Ask for a key that needs approval",
        description: `While the Client's key policy has \`keyApproval\` on, a key it covers (full access, or every \`:write\` scope, which grants the same; with \`write\`, also any write scope) cannot be created directly (\`403 ApiKey.ApprovalRequired\`): ask for it here with create's body (its \`rateLimit\` and \`quota\` included: bound by the approval, the claimed key has exactly them) and a \`reason\`. Or name \`keyId\` to widen an existing key into the covered class, or a key already covered (applied on approval). A widening states the full target of each field it names (\`scopes\`, \`allowedIps\`); a field left out is the key's value now; the key's access now is recorded in \`before\`, and approval applies only while the key still has exactly that (and its expiry). Create's rules are checked now (expiry, the policy's lifetime, the cap, no escalation) and again when the key is claimed. The other Owners and Admins are emailed. Owner/Admin. ${PEOPLE}`,
        security: people,
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: createKeyRequestSchema,
              examples: {
                newKey: {
                  value: {
                    name: "Payments sync",
                    expiresAt: "2027-01-31T23:59:59Z",
                    scopes: ["payments:write", "invoices:read"],
                    allowedIps: ["203.0.113.0/24"],
                    rateLimit: { requests: 100, windowSeconds: 60 },
                    quota: { requests: 10000, period: "day" },
                    reason: "The nightly payment run for our ERP.",
                  },
                },
                widen: { value: { keyId: "01937a1c-5d2e-7c4b-9a3f-2b1e8d7c6a5f", scopes: ["invoices:write"], reason: "It must now mark invoices paid." } },
              },
            },
          },
        },
        responses: {
          "201": { description: "Asked: `status` is `pending`. `Location` points at it.", content: { "application/json": { schema: keyRequestSchema } } },
          "400": problem("`Request.Invalid` (with `errors`: e.g. `reason` missing or over 500 characters, a bad `rateLimit` or `quota` (create's checks), `name`, `expiresAt`, `rateLimit` or `quota` with `keyId`), `ApiKey.ExpiresAtInPast`, `ApiKey.ExpiryRequired`, `ApiKey.ExpiresAtBeyondPolicy`."),
          "404": problem("`ApiKey.NotFound`: `keyId` is not one of this Client's keys."),
          "409": problem("`KeyRequest.NotRequired`: the policy does not cover what is asked (create or change the key directly). `KeyRequest.KeyNotActive`: `keyId` is revoked, expired or rotated. `ApiKey.LimitReached`. `Policy.NotEnoughApprovers`: nobody besides you could approve it."),
          ...bodyErrors,
          ...common,
          "403": problem("`ApiKey.ScopeEscalation`: more than you hold. `Member.Forbidden`: a Member. `Auth.NotUserScopedToken`: an API key. And the other 403s of every route."),
        },
      },
      get: {
        operationId: "listKeyRequests",
        tags: ["KeyRequests"],
        summary: "List key requests",
        description: `The Client's key requests, newest first (list conventions). Any member. ${PEOPLE}`,
        security: people,
        requestParams: { query: listQuery },
        responses: { "200": { description: "A page of requests.", content: { "application/json": { schema: keyRequestPageSchema } } }, "400": problem("`Request.Invalid`: bad Limit, Status or Cursor."), ...common },
      },
    },
    "/api/key-requests/{id}": {
      get: {
        operationId: "getKeyRequest",
        tags: ["KeyRequests"],
        summary: "Get a key request",
        description: PEOPLE,
        security: people,
        requestParams: { path: idParam },
        responses: { "200": { description: "The request.", content: { "application/json": { schema: keyRequestSchema } } }, "404": notFound, ...common },
      },
    },
    "/api/key-requests/{id}/approve": {
      post: {
        operationId: "approveKeyRequest",
        tags: ["KeyRequests"],
        summary: "Approve a key request",
        description: `An Owner or Admin other than the requester, in sudo mode (a proof within \`SUDO_MAX_AGE_SECONDS\`, else \`403 Auth.ReauthenticationRequired\`). The approval covers exactly the request as made (name, scopes, allowlist, expiry): nothing about it can change. A new key is then claimed by its requester within 24 hours; a widening is applied now (felt by every instance at once). The requester is emailed. Of two approvers at once, one wins; the other gets \`409 KeyRequest.NotPending\`. ${PEOPLE}`,
        security: people,
        requestParams: { path: idParam },
        responses: {
          "200": { description: "Approved.", content: { "application/json": { schema: keyRequestSchema } } },
          "404": notFound,
          "409": problem("`KeyRequest.NotPending`: already approved or denied (or claimed). `KeyRequest.Expired`: pending for more than 7 days. `KeyRequest.KeyNotActive`: the key to widen is revoked, expired or rotated. `KeyRequest.KeyChanged`: the key's scopes, allowlist or expiry are no longer those recorded in `before` (approving would undo that change). With either, the request is closed (`expired`, audited)."),
          ...common,
          "403": problem("`KeyRequest.SelfApproval`: your own request. `Member.Forbidden`: a Member. `Auth.ReauthenticationRequired`: prove it is you again. `Auth.NotUserScopedToken`: an API key."),
        },
      },
    },
    "/api/key-requests/{id}/deny": {
      post: {
        operationId: "denyKeyRequest",
        tags: ["KeyRequests"],
        summary: "Deny a key request",
        description: `An Owner or Admin; the requester may withdraw their own request this way. The reason is emailed to the requester. ${PEOPLE}`,
        security: people,
        requestParams: { path: idParam },
        requestBody: { required: true, content: { "application/json": { schema: denyKeyRequestSchema, examples: { tooBroad: { value: { reason: "Full access is too much: ask for payments:write only." } } } } } },
        responses: {
          "200": { description: "Denied.", content: { "application/json": { schema: keyRequestSchema } } },
          "400": problem("`Request.Invalid`: a reason of 1 to 500 characters (after NFC normalisation), well-formed Unicode, is required."),
          "404": notFound,
          "409": problem("`KeyRequest.NotPending`: already decided. `KeyRequest.Expired`."),
          ...bodyErrors,
          ...common,
        },
      },
    },
    "/api/key-requests/{id}/claim": {
      post: {
        operationId: "claimKeyRequest",
        tags: ["KeyRequests"],
        summary: "Claim an approved key",
        description: `The requester only, once, within 24 hours of approval: the key is created now, holding exactly what was approved, and answered like create (the raw key, shown this once). Create's rules apply again (the policy may have tightened): expiry, lifetime, the cap, no escalation; on a Live Client a recent proof, like create. Of two claims at once, one wins. ${PEOPLE}`,
        security: people,
        requestParams: { path: idParam },
        responses: {
          "201": {
            description: "The new key, exactly like create's answer. `Location` points at the key.",
            headers: z.object({ location: z.string().meta({ description: "/api/api-keys/{id}" }) }),
            content: { "application/json": { schema: createApiKeyResponseSchema } },
          },
          "400": problem("`ApiKey.ExpiresAtInPast`, `ApiKey.ExpiryRequired`, `ApiKey.ExpiresAtBeyondPolicy`: the key as approved no longer fits (make a new request)."),
          "404": notFound,
          "409": problem("`KeyRequest.NotApproved` (still pending), `KeyRequest.Denied`, `KeyRequest.AlreadyClaimed`, `KeyRequest.Expired` (pending 7 days, or approved and unclaimed 24 hours), `KeyRequest.NotClaimable` (a widening: applied on approval), `ApiKey.LimitReached`."),
          ...common,
          "403": problem("`KeyRequest.NotRequester`: only the requester claims. `ApiKey.ScopeEscalation`, `Member.Forbidden`, `Auth.ReauthenticationRequired`, `Auth.NotUserScopedToken`."),
        },
      },
    },
  };
}
