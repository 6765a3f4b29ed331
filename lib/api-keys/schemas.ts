// The API-key schemas: request bodies (shared by the routes and the settings
// form), and the response shapes every handler parses its output through, so
// no stray column can leak. Browser-safe: no server imports here.
import { z } from "zod";
import { recentUsageSchema } from "./usage-schemas";
import { ALL_SCOPES, canonicalCidr, cidrProblems, MAX_ACCESS_ENTRIES, SCOPE_PATTERN, scopeProblems, sortScopes } from "./access";

export { SCOPE_PATTERN };

export const NAME_MAX = 100;

/**
 * A display name: trimmed and normalised to NFC; blank -> null; at most 100
 * characters; no control characters, and no format characters (bidirectional
 * overrides, zero-width and invisible characters) that would let a name show
 * as something else in the list and the audit log.
 */
export const keyNameSchema = z
  .string({ error: "Name must be a string or null." })
  .trim()
  .max(NAME_MAX, `Name must be at most ${NAME_MAX} characters.`)
  .refine((s) => !/\p{Cc}/u.test(s), "Name must not contain control characters.")
  .refine((s) => !/\p{Cf}/u.test(s), "Name must not contain invisible or text-direction characters.")
  .refine((s) => s.isWellFormed(), "Name must be valid Unicode text.")
  .transform((s) => s.normalize("NFC"))
  .refine((s) => s.length <= NAME_MAX, `Name must be at most ${NAME_MAX} characters.`)
  .transform((s) => (s === "" ? null : s))
  .nullable()
  .transform((s) => s ?? null);

/**
 * The latest expiry a key can have: the last moment whose ISO-8601 form (in
 * UTC, with Z) still has a four-digit year. Later instants cannot be written
 * in our own responses, so they are refused, never stored.
 */
export const MAX_EXPIRES_AT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
export const MAX_EXPIRES_AT_ISO = "9999-12-31T23:59:59Z";

/** RFC 3339 date-time with an explicit offset (Z or ±hh:mm). Must be in the future (checked at request time). */
export const expiresAtSchema = z
  .iso.datetime({ offset: true, error: "expiresAt must be an RFC 3339 date-time with an offset, e.g. 2027-01-31T23:59:59Z." })
  .refine((s) => !Number.isNaN(Date.parse(s)), "expiresAt is not a real date.")
  .refine((s) => !(Date.parse(s) > MAX_EXPIRES_AT_MS), `expiresAt must be at most ${MAX_EXPIRES_AT_ISO} (in UTC).`)
  .nullable();

/** `null`: full access. A list: exactly these resources (write includes read); stored in catalogue order. */
export const scopesSchema = z
  .array(z.string({ error: "Each scope must be a string." }).max(64, "A scope is at most 64 characters."), { error: "scopes must be an array of scope strings, or null for full access." })
  .max(MAX_ACCESS_ENTRIES, `At most ${MAX_ACCESS_ENTRIES} scopes.`)
  .superRefine((list, ctx) => {
    for (const p of scopeProblems(list)) ctx.addIssue({ code: "custom", path: [p.index], message: p.message });
  })
  .transform((list) => sortScopes(list))
  .nullable()
  .meta({
    description: "What the key may do: null for full access, else `<resource>:read` or `<resource>:write` per resource (write includes read).",
    examples: [["invoices:read", "bills:write"]],
  });

/** IP addresses or CIDR ranges (IPv4, IPv6); empty: any address. Stored canonical (network/prefix). */
export const allowedIpsSchema = z
  .array(z.string({ error: "Each entry must be a string." }).max(64, "An entry is at most 64 characters."), { error: "allowedIps must be an array of IP addresses or CIDR ranges." })
  .max(MAX_ACCESS_ENTRIES, `At most ${MAX_ACCESS_ENTRIES} entries.`)
  .superRefine((list, ctx) => {
    for (const p of cidrProblems(list)) ctx.addIssue({ code: "custom", path: [p.index], message: p.message });
  })
  .transform((list) => list.map((e) => (canonicalCidr(e) as { cidr: string }).cidr))
  .meta({ description: "Where the key may be used from: IP addresses or CIDR ranges, IPv4 or IPv6. Empty: any address.", examples: [["203.0.113.0/24", "2001:db8::/32"]] });

export const RATE_LIMIT_MAX_WINDOW_SECONDS = 86_400;
export const LIMIT_MAX_REQUESTS = 1_000_000_000;
export const QUOTA_PERIODS = ["day", "month"] as const;

const requestsSchema = (what: string) =>
  z
    .number({ error: `${what} must be a whole number of requests.` })
    .int(`${what} must be a whole number of requests.`)
    .min(1, `${what} must be at least 1.`)
    .max(LIMIT_MAX_REQUESTS, `${what} must be at most ${LIMIT_MAX_REQUESTS.toLocaleString("en")}.`);

/** Requests per window; null: none. The window starts with the first request after the previous one ended. */
export const rateLimitSchema = z
  .strictObject(
    {
      requests: requestsSchema("rateLimit.requests"),
      windowSeconds: z
        .number({ error: "rateLimit.windowSeconds must be a whole number of seconds." })
        .int("rateLimit.windowSeconds must be a whole number of seconds.")
        .min(1, "rateLimit.windowSeconds must be at least 1.")
        .max(RATE_LIMIT_MAX_WINDOW_SECONDS, `rateLimit.windowSeconds must be at most ${RATE_LIMIT_MAX_WINDOW_SECONDS} (a day).`),
    },
    { error: (iss) => (iss.code === "unrecognized_keys" ? undefined : "rateLimit must be { requests, windowSeconds } or null.") },
  )
  .nullable()
  .meta({
    id: "RateLimit",
    description: "At most `requests` per `windowSeconds` (1 to 86,400); over it: 429 ApiKey.RateLimited. null: no rate limit.",
    examples: [{ requests: 100, windowSeconds: 60 }],
  });

/** Requests per UTC day or month; null: none. */
export const quotaSchema = z
  .strictObject(
    {
      requests: requestsSchema("quota.requests"),
      period: z.enum(QUOTA_PERIODS, { error: "quota.period must be day or month." }),
    },
    { error: (iss) => (iss.code === "unrecognized_keys" ? undefined : "quota must be { requests, period } or null.") },
  )
  .nullable()
  .meta({
    id: "Quota",
    description: "At most `requests` per UTC day or month (reset at its start); over it: 429 ApiKey.QuotaExceeded. null: no quota.",
    examples: [{ requests: 100000, period: "month" }],
  });

export type RateLimit = NonNullable<z.infer<typeof rateLimitSchema>>;
export type Quota = NonNullable<z.infer<typeof quotaSchema>>;

export const createApiKeySchema = z
  .strictObject(
    {
      name: keyNameSchema.optional().transform((v) => v ?? null),
      expiresAt: expiresAtSchema.optional().transform((v) => (v ? new Date(v) : null)),
      scopes: scopesSchema.optional().transform((v) => v ?? null),
      allowedIps: allowedIpsSchema.optional().transform((v) => v ?? []),
      rateLimit: rateLimitSchema.optional().transform((v) => v ?? null),
      quota: quotaSchema.optional().transform((v) => v ?? null),
    },
    { error: (iss) => (iss.code === "unrecognized_keys" ? undefined : "The body must be a JSON object.") },
  )
  .meta({
    id: "CreateApiKeyRequest",
    description:
      "Every field is optional. Without scopes the key has full access; without allowedIps it works from any address; without rateLimit and quota it is not limited. A key can never be given more than its creator holds. Unknown fields are rejected: the Client is always the caller's own.",
  });

/** PATCH /api/api-keys/{id}: rename, change what the key may do and from where (the edit forms use it too). */
export const updateApiKeySchema = z
  .strictObject(
    {
      name: keyNameSchema.optional(),
      scopes: scopesSchema.optional(),
      allowedIps: allowedIpsSchema.optional(),
      rateLimit: rateLimitSchema.optional(),
      quota: quotaSchema.optional(),
    },
    { error: (iss) => (iss.code === "unrecognized_keys" ? undefined : "The body must be a JSON object.") },
  )
  .refine((b) => b.name !== undefined || b.scopes !== undefined || b.allowedIps !== undefined || b.rateLimit !== undefined || b.quota !== undefined, {
    message: "Send at least one of name, scopes, allowedIps, rateLimit and quota.",
  })
  .meta({
    id: "UpdateApiKeyRequest",
    description:
      "Only what is sent changes. name: blank or null removes it. scopes: null is full access. allowedIps: empty is any address. rateLimit, quota: null removes it. A key's secret, Client and expiry never change.",
  });

export type UpdateApiKeyInput = z.input<typeof updateApiKeySchema>;
export type UpdateApiKeyData = z.output<typeof updateApiKeySchema>;

export type CreateApiKeyInput = z.input<typeof createApiKeySchema>;
export type CreateApiKeyData = z.output<typeof createApiKeySchema>;

const isoDate = z.iso.datetime().describe("ISO-8601, UTC, with Z");

export const createApiKeyResponseSchema = z
  .strictObject({
    id: z.uuid(),
    clientId: z.uuid(),
    rawKey: z.string().describe("The secret. Returned once, never again: store it now."),
    keyPrefix: z.string().describe("The public start of the key, to tell keys apart."),
    name: z.string().nullable(),
    createdAt: isoDate,
    expiresAt: isoDate.nullable(),
    // Always sent by this server; optional here only so that a response valid under Dolfin's seed contract stays valid.
    scopes: z.array(z.enum(ALL_SCOPES as [string, ...string[]])).nullable().optional().describe("What the key may do; null: full access. Always present in this server's responses."),
    allowedIps: z.array(z.string()).optional().describe("Where the key may be used from (canonical CIDRs); empty: any address. Always present in this server's responses."),
    rateLimit: rateLimitSchema.optional().describe("The key's rate limit (null: none). Always present in this server's responses."),
    quota: quotaSchema.optional().describe("The key's quota (null: none). Always present in this server's responses."),
  })
  .meta({ id: "CreateApiKeyResponse" });

export type CreateApiKeyResponse = z.infer<typeof createApiKeyResponseSchema>;

export const API_KEY_STATUSES = ["active", "expired", "revoked"] as const;
export type ApiKeyStatus = (typeof API_KEY_STATUSES)[number];

export const actorSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("user"),
      id: z.uuid(),
      name: z.string().nullable().describe("Null when an API key asks: keys learn no person's name or email."),
      email: z.string().nullable().describe("Null when an API key asks."),
    }),
    z.strictObject({ type: z.literal("apiKey"), id: z.uuid(), keyPrefix: z.string(), name: z.string().nullable() }),
  ])
  .nullable()
  .meta({ id: "Actor" });

export const apiKeySchema = z
  .strictObject({
    id: z.uuid(),
    clientId: z.uuid(),
    name: z.string().nullable(),
    keyPrefix: z.string(),
    status: z.enum(API_KEY_STATUSES),
    createdAt: isoDate,
    createdBy: actorSchema,
    expiresAt: isoDate.nullable(),
    revokedAt: isoDate.nullable(),
    revokedReason: z.enum(["manual", "leaked"]).nullable(),
    lastUsedAt: isoDate.nullable(),
    lastUsedIp: z.string().nullable(),
    lastUsedUserAgent: z.string().nullable(),
    rotatedFromId: z.uuid().nullable().describe("The key this one replaced by rotation."),
    rotatedToId: z.uuid().nullable().describe("The key that replaced this one by rotation."),
    scopes: z.array(z.enum(ALL_SCOPES as [string, ...string[]])).nullable().describe("null: full access."),
    allowedIps: z.array(z.string()).describe("CIDR ranges (canonical); empty: any address."),
    rateLimit: rateLimitSchema,
    quota: quotaSchema,
    refusals: z
      .strictObject({ ip: z.number().int(), scope: z.number().int(), rateLimited: z.number().int(), quotaExceeded: z.number().int() })
      .describe("Requests with this key refused in the last 30 days: from outside the allowlist, for a missing scope, over its rate limit, over its quota."),
    usage: recentUsageSchema,
  })
  .meta({ id: "ApiKey", description: "An API key as listed: never the raw key or its hash." });

export type ApiKeyView = z.infer<typeof apiKeySchema>;

export const listQuerySchema = z.strictObject({
  Cursor: z.string().min(1, "Cursor must not be empty.").max(200).optional(),
  Limit: z.coerce
    .number({ error: "Limit must be a whole number from 1 to 100." })
    .int("Limit must be a whole number from 1 to 100.")
    .min(1, "Limit must be a whole number from 1 to 100.")
    .max(100, "Limit must be a whole number from 1 to 100.")
    .default(20),
});

/** What the list can keep: a status, or "expiring" (active, not replaced, expiring within EXPIRING_SOON_DAYS). */
export const API_KEY_LIST_FILTERS = ["active", "expiring", "expired", "revoked"] as const;
export type ApiKeyListFilter = (typeof API_KEY_LIST_FILTERS)[number];

/** GET /api/api-keys: the list conventions, plus an optional `Status` filter. */
export const apiKeyListQuerySchema = listQuerySchema.extend({
  Status: z.enum(API_KEY_LIST_FILTERS, { error: "Status must be active, expiring, expired or revoked." }).optional(),
});
export type ApiKeyListQuery = z.output<typeof apiKeyListQuerySchema>;

export function pageSchema<T extends z.ZodType>(item: T, id: string) {
  return z
    .strictObject({ data: z.array(item), nextCursor: z.string().nullable(), hasMore: z.boolean() })
    .meta({ id });
}

export const apiKeyPageSchema = pageSchema(apiKeySchema, "ApiKeyPage");

export const GRACE_PERIODS = [0, 3600, 86400, 604800] as const;
export const DEFAULT_GRACE_SECONDS = 86400;

export const rotateApiKeySchema = z
  .strictObject(
    {
      gracePeriodSeconds: z
        .union(GRACE_PERIODS.map((s) => z.literal(s)) as unknown as [z.ZodLiteral<0>, z.ZodLiteral<3600>, z.ZodLiteral<86400>, z.ZodLiteral<604800>], {
          error: "gracePeriodSeconds must be one of 0, 3600, 86400 or 604800.",
        })
        .default(DEFAULT_GRACE_SECONDS)
        .describe("How long the old key keeps working: 0 (revoke now), 1 hour, 1 day (default) or 7 days."),
      expiresAt: expiresAtSchema
        .optional()
        .transform((v) => (v === undefined ? undefined : v ? new Date(v) : null))
        .describe("Expiry of the new key. Omitted: the old key's lifetime, counted from now (or none). A key the keyApproval policy covers: never later than the old key's expiry (later, or null for a key that expires: 403 ApiKey.ApprovalRequired)."),
    },
    { error: (iss) => (iss.code === "unrecognized_keys" ? undefined : "The body must be a JSON object.") },
  )
  .meta({ id: "RotateApiKeyRequest" });

export type RotateApiKeyData = z.output<typeof rotateApiKeySchema>;

export const LEAK_REPORT_MAX = 100;

export const leakReportSchema = z
  .strictObject(
    {
      keys: z
        .array(z.string({ error: "Each entry of keys must be a string." }).max(1000), { error: "keys must be an array of strings." })
        .min(1, "keys must not be empty.")
        .max(LEAK_REPORT_MAX, `At most ${LEAK_REPORT_MAX} keys per report.`),
    },
    { error: (iss) => (iss.code === "unrecognized_keys" ? undefined : "The body must be a JSON object.") },
  )
  .meta({ id: "LeakReportRequest" });

export const leakReportResponseSchema = z
  .strictObject({ accepted: z.number().int().describe("How many strings had a valid Dolfin key format and checksum, and were checked.") })
  .meta({ id: "LeakReportResponse" });

const ipAddress = z.union([z.ipv4(), z.ipv6()]);

export const verifyRequestSchema = z
  .strictObject(
    {
      key: z.string({ error: "key must be a string." }).min(1, "key is required.").max(1000),
      ip: z
        .string({ error: "ip must be a string or null." })
        .max(64)
        .refine((s) => ipAddress.safeParse(s).success, "ip must be an IPv4 or IPv6 address.")
        .nullable()
        .optional()
        .describe("The end client's address as the calling service saw it: checked against the key's allowlist (a key with one is refused without it), recorded as the key's last use."),
      permission: z
        .string({ error: "permission must be a string or null." })
        .regex(SCOPE_PATTERN, "permission must look like invoices:read or bills:write.")
        .nullable()
        .optional()
        .describe("The scope the request needs, e.g. invoices:write: a key without it is refused with ApiKey.InsufficientScope."),
    },
    { error: (iss) => (iss.code === "unrecognized_keys" ? undefined : "The body must be a JSON object.") },
  )
  .meta({ id: "VerifyApiKeyRequest" });

export const VERIFY_REFUSALS = ["ApiKey.Invalid", "ApiKey.Expired", "ApiKey.Revoked", "ApiKey.InsufficientScope", "ApiKey.IpNotAllowed", "ApiKey.RateLimited", "ApiKey.QuotaExceeded"] as const;

const limitStateSchema = z.strictObject({
  limit: z.number().int(),
  remaining: z.number().int().describe("Requests left after this one."),
  resetSeconds: z.number().int().describe("Seconds until the window or period starts again."),
});

export const verifyResponseSchema = z
  .discriminatedUnion("valid", [
    z.strictObject({
      valid: z.literal(true),
      keyId: z.uuid(),
      clientId: z.uuid(),
      clientType: z.enum(["Live", "Sandbox"]),
      keyPrefix: z.string(),
      expiresAt: isoDate.nullable(),
      scopes: z.array(z.string()).nullable().describe("What the key may do (null: full access)."),
      ratelimit: limitStateSchema.optional().describe("Present when the key has a rate limit: this request was counted against it."),
      quota: limitStateSchema.optional().describe("Present when the key has a quota: this request was counted against it."),
    }),
    z.strictObject({
      valid: z.literal(false),
      code: z
        .enum(VERIFY_REFUSALS)
        .describe("Why: unknown or malformed, expired, revoked, lacks the permission asked, used from outside its allowlist, over its rate limit, or over its quota."),
      retryAfterSeconds: z.number().int().optional().describe("With ApiKey.RateLimited and ApiKey.QuotaExceeded: when to try again."),
    }),
  ])
  .meta({ id: "VerifyApiKeyResponse" });
export type VerifyResponse = z.infer<typeof verifyResponseSchema>;
