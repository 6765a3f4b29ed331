// Key requests (four eyes on powerful keys): the request and response bodies,
// shared by the routes, the settings page's forms and the OpenAPI document.
// Browser-safe: no server imports here.
//
// The Client policy `keyApproval` (PUT /api/key-policy, Owners only, audited):
//   "none" (default) | "fullAccess" (keys with full access need approval) | "write" (full access or any …:write scope).
//   Turning it on with fewer than two Owners and Admins: 409 Policy.NotEnoughApprovers.
//   Every `:write` scope grants what full access grants, so such a list counts as full access (needsApproval).
//   While it is on, POST /api/api-keys for a covered key, and PATCH /api/api-keys/{id} widening a key into the
//   covered class or widening a covered key at all (a scope, an address), answer 403 ApiKey.ApprovalRequired
//   (people and API keys alike); narrowing is free. Rotation needs no approval, but may not extend a covered
//   key's life (a later or no expiresAt: 403 ApiKey.ApprovalRequired; the default is capped at the old expiry).
//   Revoking or rotating a key closes its pending widening requests (status expired, audited keyRequest.expired).
//   Demoting or removing the last possible approver of a pending request: 409 Member.LastApprover.
//
// Endpoints (people only: an API key gets 403 Auth.NotUserScopedToken on every one):
//   POST /api/key-requests                 body createKeyRequestSchema -> 201 KeyRequest (status "pending"); Owner/Admin
//                                          (a new key's rateLimit/quota as create takes them; with keyId: 400 if sent)
//                                          (a Member: 403 Member.Forbidden). The other Owners and Admins are emailed.
//   GET  /api/key-requests?Status=&Cursor=&Limit=   -> 200 KeyRequestPage (newest first; any member)
//   GET  /api/key-requests/{id}            -> 200 KeyRequest
//   POST /api/key-requests/{id}/approve    (no body) -> 200 KeyRequest ("approved"; a widening is applied now).
//                                          Owner/Admin, not the requester, with a fresh proof (sudo mode).
//   POST /api/key-requests/{id}/deny       body denyKeyRequestSchema { reason } -> 200 KeyRequest ("denied").
//                                          Owner/Admin; the requester may withdraw their own request this way.
//   POST /api/key-requests/{id}/claim      (no body) -> 201 create's response (rawKey shown once, scopes, allowedIps).
//                                          The requester only, once, within 24 hours of approval; a fresh proof on Live
//                                          like create.
//
// Error codes (besides the usual 400 Request.Invalid, 401s, 403 Member.Forbidden / Auth.ReauthenticationRequired):
//   404 KeyRequest.NotFound (also another Client's id) | 404 ApiKey.NotFound (keyId of a widening request)
//   409 KeyRequest.NotRequired     the policy does not cover what is asked (create the key directly)
//   403 KeyRequest.SelfApproval    the requester approving their own request
//   403 KeyRequest.NotRequester    someone else claiming
//   409 KeyRequest.NotPending      approving or denying a request already decided (or expired: KeyRequest.Expired)
//   409 KeyRequest.NotApproved     claiming a pending request
//   409 KeyRequest.Denied          claiming a denied request
//   409 KeyRequest.AlreadyClaimed  claiming twice
//   409 KeyRequest.Expired         pending for more than 7 days, or approved and unclaimed for more than 24 hours
//   409 KeyRequest.NotClaimable    claiming a widening request (it was applied on approval)
//   409 KeyRequest.KeyNotActive    a widening request whose key is revoked, expired or rotated (the request is closed)
//   409 KeyRequest.KeyChanged      approving a widening whose key's scopes, allowlist or expiry differ from `before`
//                                  (a restriction made since would be undone): the request is closed (expired)
//   and create's own: 400 ApiKey.ExpiresAtInPast / ExpiryRequired / ExpiresAtBeyondPolicy, 403 ApiKey.ScopeEscalation,
//   409 ApiKey.LimitReached (checked when the request is made and again at claim: the policy may have tightened).
import { z } from "zod";
import { ALL_SCOPES, grantsFullAccess } from "@/lib/api-keys/access";
import { allowedIpsSchema, expiresAtSchema, keyNameSchema, listQuerySchema, pageSchema, quotaSchema, rateLimitSchema, scopesSchema } from "@/lib/api-keys/schemas";

export const KEY_APPROVAL_POLICIES = ["none", "fullAccess", "write"] as const;
export type KeyApprovalPolicy = (typeof KEY_APPROVAL_POLICIES)[number];

export const KEY_REQUEST_STATUSES = ["pending", "approved", "denied", "claimed", "expired"] as const;
export type KeyRequestStatus = (typeof KEY_REQUEST_STATUSES)[number];

/** A pending request expires this long after it was made. */
export const PENDING_TTL_MS = 7 * 86_400_000;
/** An approved request can be claimed this long after its approval. */
export const CLAIM_TTL_MS = 86_400_000;
export const REASON_MAX = 500;

/**
 * Whether a key with these scopes (null: full access) needs approval under `policy`: the one test create, PATCH,
 * rotation, key requests and the forms use. A list holding every `:write` scope grants what full access grants,
 * so it counts as full access (grantsFullAccess).
 */
export function needsApproval(policy: KeyApprovalPolicy, scopes: readonly string[] | null): boolean {
  if (policy === "none") return false;
  if (grantsFullAccess(scopes)) return true;
  return policy === "write" && scopes!.some((s) => s.endsWith(":write"));
}

/**
 * Whether changing a key's access from `before` to `after` needs approval: it gives more (`widens`), and the key
 * lands in the covered class or already was in it (a covered key given another scope or address needs approval
 * too; narrowing never does).
 */
export function wideningNeedsApproval(
  policy: KeyApprovalPolicy,
  widens: boolean,
  after: { scopes: readonly string[] | null },
  before?: { scopes: readonly string[] | null },
): boolean {
  return widens && (needsApproval(policy, after.scopes) || (before !== undefined && needsApproval(policy, before.scopes)));
}

/** In words, for messages and the page. */
export const KEY_APPROVAL_TEXT: Record<KeyApprovalPolicy, string> = {
  none: "No approval needed",
  fullAccess: "Keys with full access need a second person's approval",
  write: "Keys with full access or any write scope need a second person's approval",
};

const objectError = { error: (iss: { code: string }) => (iss.code === "unrecognized_keys" ? undefined : "The body must be a JSON object.") };

/**
 * Why the key is needed: trimmed, 1 to 500 characters (counted as the database counts them, code points, after
 * NFC normalisation, which can lengthen text), line breaks allowed, no other control or invisible characters,
 * well-formed Unicode only (a lone surrogate is refused, as in key names).
 */
export const reasonSchema = z
  .string({ error: "reason must be a string." })
  .trim()
  .min(1, "Say why this is needed.")
  .max(REASON_MAX, `At most ${REASON_MAX} characters.`)
  .refine((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/.test(s), "The reason must not contain control characters.")
  .refine((s) => !/\p{Cf}/u.test(s), "The reason must not contain invisible or text-direction characters.")
  .refine((s) => s.isWellFormed(), "The reason must be valid Unicode text.")
  .transform((s) => s.normalize("NFC"))
  .refine((s) => [...s].length <= REASON_MAX, `At most ${REASON_MAX} characters.`);

/**
 * POST /api/key-requests. A new key: create's body (name, expiresAt, scopes, allowedIps, rateLimit, quota; the same
 * defaults and checks) plus `reason`; the limits are bound by the approval and the claimed key has exactly them.
 * Or, with `keyId`, a widening of that key: `scopes` and/or `allowedIps`, each the full target (not an addition);
 * an absent field is the key's value when asked, recorded with the rest in `before`. Approval applies the target
 * only while the key still equals `before` (else 409 KeyRequest.KeyChanged), so nothing absent resets.
 * Plus `reason`; no name, expiresAt, rateLimit or quota then (a key's limits change by PATCH, no approval needed).
 */
export const createKeyRequestSchema = z
  .strictObject(
    {
      keyId: z.uuid("keyId must be the id (UUID) of one of this Client's keys.").optional().meta({ description: "Widen this existing key instead of asking for a new one (applied on approval)." }),
      name: keyNameSchema.optional(),
      expiresAt: expiresAtSchema.optional(),
      scopes: scopesSchema.optional(),
      allowedIps: allowedIpsSchema.optional(),
      // Create's own fields (the same checks and messages): absent or null is no limit.
      rateLimit: rateLimitSchema.optional(),
      quota: quotaSchema.optional(),
      reason: reasonSchema.meta({ description: "Why the key is needed, for the approver (up to 500 characters)." }),
    },
    objectError,
  )
  .superRefine((b, ctx) => {
    if (b.keyId === undefined) return;
    if (b.name !== undefined) ctx.addIssue({ code: "custom", path: ["name"], message: "A request to widen a key changes only scopes and allowedIps: rename it directly." });
    if (b.expiresAt !== undefined) ctx.addIssue({ code: "custom", path: ["expiresAt"], message: "A key's expiry never changes: ask for a new key instead." });
    for (const f of ["rateLimit", "quota"] as const)
      if (b[f] !== undefined) ctx.addIssue({ code: "custom", path: [f], message: `A request to widen a key does not change its limits: change ${f} on the key directly (PATCH /api/api-keys/{id}).` });
    if (b.scopes === undefined && b.allowedIps === undefined) ctx.addIssue({ code: "custom", path: ["scopes"], message: "Say what the key should hold: scopes and/or allowedIps." });
  })
  .transform((b) =>
    b.keyId !== undefined
      ? { kind: "widen" as const, keyId: b.keyId, scopes: b.scopes, allowedIps: b.allowedIps, reason: b.reason }
      : {
          kind: "create" as const,
          name: b.name ?? null,
          expiresAt: b.expiresAt ? new Date(b.expiresAt) : null,
          scopes: b.scopes ?? null,
          allowedIps: b.allowedIps ?? [],
          rateLimit: b.rateLimit ?? null,
          quota: b.quota ?? null,
          reason: b.reason,
        },
  )
  .meta({
    id: "CreateKeyRequestRequest",
    description:
      "A new key: the body of `POST /api/api-keys` (with its `rateLimit` and `quota`) plus `reason`. Or `keyId` with `scopes` and/or `allowedIps` (what is absent stays as it is) plus `reason`: a request to widen that key, applied when approved (no `rateLimit` or `quota`: a key's limits change by `PATCH /api/api-keys/{id}`).",
  });

export type CreateKeyRequestInput = z.input<typeof createKeyRequestSchema>;
export type CreateKeyRequestData = z.output<typeof createKeyRequestSchema>;

export const denyKeyRequestSchema = z
  .strictObject({ reason: reasonSchema.meta({ description: "Why not: emailed to the requester (up to 500 characters)." }) }, objectError)
  .meta({ id: "DenyKeyRequestRequest" });
export type DenyKeyRequestData = z.output<typeof denyKeyRequestSchema>;

const isoDate = z.iso.datetime().describe("ISO-8601, UTC, with Z");
const person = z
  .strictObject({
    id: z.uuid().nullable().describe("Null when the account was deleted since."),
    name: z.string().nullable(),
    email: z.string().describe("As it was when they acted."),
  })
  .meta({ id: "KeyRequestPerson" });
const access = {
  scopes: z.array(z.enum(ALL_SCOPES as [string, ...string[]])).nullable().describe("null: full access."),
  allowedIps: z.array(z.string()).describe("CIDR ranges (canonical); empty: any address."),
};

export const keyRequestSchema = z
  .strictObject({
    id: z.uuid(),
    clientId: z.uuid(),
    status: z.enum(KEY_REQUEST_STATUSES).describe("Computed now: a pending request past 7 days, or an approved one unclaimed 24 hours after approval, is `expired`."),
    kind: z.enum(["create", "widen"]).describe("`create`: a new key, claimed by the requester once approved. `widen`: more access for `keyId`, applied on approval."),
    keyId: z.uuid().nullable().describe("`widen`: the key to widen. `create`: the key the claim created (null until claimed)."),
    name: z.string().nullable().describe("The key's name (a widening: the key's name when it was asked)."),
    expiresAt: isoDate.nullable().describe("The key's expiry as asked (null: never). Not when the request expires: see `deadline`."),
    ...access,
    rateLimit: rateLimitSchema.describe("`create`: the key's rate limit as asked (null: none), given to the key at claim. `widen`: always null."),
    quota: quotaSchema.describe("`create`: the key's quota as asked (null: none), given to the key at claim. `widen`: always null."),
    before: z.strictObject(access).nullable().describe("`widen`: the key's access when it was asked; null for `create`."),
    reason: z.string(),
    requestedBy: person,
    createdAt: isoDate,
    deadline: isoDate.nullable().describe("Pending: when the request expires (7 days after it was made). Approved `create`: the last moment to claim (24 hours after approval). Otherwise null."),
    decidedBy: person.nullable().describe("Who approved or denied it."),
    decidedAt: isoDate.nullable(),
    denyReason: z.string().nullable(),
    claimedAt: isoDate.nullable(),
  })
  .meta({ id: "KeyRequest", description: "A request for a key (or more access for a key) that the Client's keyApproval policy covers. Never a raw key." });

export type KeyRequestView = z.infer<typeof keyRequestSchema>;

export const keyRequestPageSchema = pageSchema(keyRequestSchema, "KeyRequestPage");

export const keyRequestListQuerySchema = listQuerySchema.extend({
  Status: z.enum(KEY_REQUEST_STATUSES, { error: "Status must be pending, approved, denied, claimed or expired." }).optional(),
});
export type KeyRequestListQuery = z.output<typeof keyRequestListQuerySchema>;

/** The page that shows one request (the emails link here). */
export const keyRequestPagePath = (id: string) => `/settings/api-keys?view=requests&request=${encodeURIComponent(id)}`;
