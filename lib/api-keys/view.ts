import "server-only";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { KeyActivity } from "./usage-report";
import { apiKeySchema, createApiKeyResponseSchema, type ApiKeyStatus, type ApiKeyView, type CreateApiKeyResponse, type Quota, type RateLimit } from "./schemas";

/** The columns a listed key is built from: never keyHash. */
export const apiKeyViewSelect = {
  id: true,
  clientId: true,
  name: true,
  keyPrefix: true,
  createdAt: true,
  expiresAt: true,
  revokedAt: true,
  revokedReason: true,
  lastUsedAt: true,
  lastUsedIp: true,
  lastUsedUserAgent: true,
  rotatedFromId: true,
  rotatedTo: { select: { id: true } },
  fullAccess: true,
  scopes: true,
  allowedIps: true,
  rateLimitRequests: true,
  rateLimitWindowSeconds: true,
  quotaRequests: true,
  quotaPeriod: true,
  createdByUser: { select: { id: true, name: true, email: true } },
  createdByApiKey: { select: { id: true, keyPrefix: true, name: true } },
} satisfies Prisma.ApiKeySelect;

export type ApiKeyRow = Prisma.ApiKeyGetPayload<{ select: typeof apiKeyViewSelect }>;

export function statusOf(k: { revokedAt: Date | null; expiresAt: Date | null }, now = Date.now()): ApiKeyStatus {
  if (k.revokedAt) return "revoked";
  if (k.expiresAt && k.expiresAt.getTime() <= now) return "expired";
  return "active";
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const limitColumnsSelect = { rateLimitRequests: true, rateLimitWindowSeconds: true, quotaRequests: true, quotaPeriod: true } as const;

type LimitColumns = { rateLimitRequests: number | null; rateLimitWindowSeconds: number | null; quotaRequests: number | null; quotaPeriod: "day" | "month" | null };

/** A key's limits from its columns (each whole or null). */
export function limitsOf(k: LimitColumns): { rateLimit: RateLimit | null; quota: Quota | null } {
  return {
    rateLimit: k.rateLimitRequests !== null && k.rateLimitWindowSeconds !== null ? { requests: k.rateLimitRequests, windowSeconds: k.rateLimitWindowSeconds } : null,
    quota: k.quotaRequests !== null && k.quotaPeriod !== null ? { requests: k.quotaRequests, period: k.quotaPeriod } : null,
  };
}

/** The columns of a key's limits (null: none). */
export function limitColumns(l: { rateLimit: RateLimit | null; quota: Quota | null }): LimitColumns {
  return {
    rateLimitRequests: l.rateLimit?.requests ?? null,
    rateLimitWindowSeconds: l.rateLimit?.windowSeconds ?? null,
    quotaRequests: l.quota?.requests ?? null,
    quotaPeriod: l.quota?.period ?? null,
  };
}

/** `forApiKey`: a key asks; keys are not people and learn no person's name or email (the creator is their id only). */
export function toApiKeyView(k: ApiKeyRow, { usage, refusals }: KeyActivity, opts: { forApiKey?: boolean } = {}): ApiKeyView {
  return apiKeySchema.parse({
    id: k.id,
    clientId: k.clientId,
    name: k.name,
    keyPrefix: k.keyPrefix,
    status: statusOf(k),
    createdAt: k.createdAt.toISOString(),
    createdBy: k.createdByUser
      ? { type: "user", ...k.createdByUser, ...(opts.forApiKey ? { name: null, email: null } : {}) }
      : k.createdByApiKey
        ? { type: "apiKey", ...k.createdByApiKey }
        : null,
    expiresAt: iso(k.expiresAt),
    revokedAt: iso(k.revokedAt),
    revokedReason: k.revokedReason === "Leaked" ? "leaked" : k.revokedReason === "Manual" ? "manual" : null,
    lastUsedAt: iso(k.lastUsedAt),
    lastUsedIp: k.lastUsedIp,
    lastUsedUserAgent: k.lastUsedUserAgent,
    rotatedFromId: k.rotatedFromId,
    rotatedToId: k.rotatedTo?.id ?? null,
    scopes: k.fullAccess ? null : k.scopes,
    allowedIps: k.allowedIps,
    ...limitsOf(k),
    refusals,
    usage,
  });
}

/** The columns a create or rotate response is built from. */
export const createdKeySelect = {
  id: true,
  clientId: true,
  keyPrefix: true,
  name: true,
  createdAt: true,
  expiresAt: true,
  fullAccess: true,
  scopes: true,
  allowedIps: true,
  rateLimitRequests: true,
  rateLimitWindowSeconds: true,
  quotaRequests: true,
  quotaPeriod: true,
} satisfies Prisma.ApiKeySelect;

/** The one response that carries the raw key (create and rotate alike). */
export function toCreatedResponse(row: Prisma.ApiKeyGetPayload<{ select: typeof createdKeySelect }>, rawKey: string): CreateApiKeyResponse {
  return createApiKeyResponseSchema.parse({
    id: row.id,
    clientId: row.clientId,
    rawKey,
    keyPrefix: row.keyPrefix,
    name: row.name,
    createdAt: row.createdAt.toISOString(),
    expiresAt: iso(row.expiresAt),
    scopes: row.fullAccess ? null : row.scopes,
    allowedIps: row.allowedIps,
    ...limitsOf(row),
  });
}
