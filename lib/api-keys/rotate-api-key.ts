import "server-only";
import { keyNeedsSudo } from "@/lib/auth/permissions";
import { assertRecentProof } from "@/lib/auth/sudo";
import { actorOf, recordAuditEvent } from "@/lib/audit/record-audit-event";
import { enqueueWebhookEvent } from "@/lib/webhooks/events";
import type { Principal } from "@/lib/auth/principal";
import { db } from "@/lib/db/client";
import { ApiError, Problems } from "@/lib/http/problem";
import type { RequestMeta } from "@/lib/http/request-meta";
import { lockClient } from "@/lib/clients/lock";
import { checkExpiryPolicy, countActiveKeys, KEY_WRITE_TX, limitReached } from "./create-api-key";
import { assertCanGrant, assertCanManage } from "./grant";
import { generateKey } from "./key-format";
import { isUuid } from "@/lib/http/keyset";
import { cacheForgetKey } from "./verify-cache";
import { MAX_EXPIRES_AT_MS, type CreateApiKeyResponse, type RotateApiKeyData } from "./schemas";
import { createdKeySelect, toCreatedResponse } from "./view";

const notActive = (detail: string) => new ApiError({ status: 409, code: "ApiKey.NotActive", title: "Key is not active", detail });

/**
 * Replace a key: a new key with the same name (and, unless given, the same
 * lifetime counted from now); the old key keeps working for the grace period
 * and never longer than it already would.
 */
export async function rotateApiKey(principal: Principal, id: string, input: RotateApiKeyData, meta: RequestMeta): Promise<CreateApiKeyResponse> {
  if (!isUuid(id)) throw Problems.notFound("ApiKey.NotFound", "API key");
  const now = new Date();
  const { response, oldId } = await db().$transaction(async (tx) => {
    const client = await lockClient(tx, principal.clientId);
    const old = await tx.apiKey.findFirst({
      where: { id, clientId: client.id },
      select: {
        id: true,
        name: true,
        keyPrefix: true,
        createdAt: true,
        expiresAt: true,
        revokedAt: true,
        fullAccess: true,
        scopes: true,
        allowedIps: true,
        rotatedTo: { select: { id: true } },
      },
    });
    if (!old) throw Problems.notFound("ApiKey.NotFound", "API key");
    // Rotation ends the old key: only a caller that could have made it may (as revoke, rename and update).
    const access = { scopes: old.fullAccess ? null : old.scopes, allowedIps: old.allowedIps };
    assertCanManage(principal, { ...access, expiresAt: old.expiresAt }, "rotate");
    if (old.revokedAt) throw notActive("A revoked key cannot be rotated. Create a new key instead.");
    if (old.expiresAt && old.expiresAt <= now) throw notActive("An expired key cannot be rotated. Create a new key instead.");
    if (old.rotatedTo) throw notActive("This key was already rotated; rotate its replacement instead.");

    // The old lifetime counted from now, but never past the latest expiry a key can have.
    const expiresAt =
      input.expiresAt !== undefined
        ? input.expiresAt
        : old.expiresAt
          ? new Date(Math.min(MAX_EXPIRES_AT_MS, now.getTime() + (old.expiresAt.getTime() - old.createdAt.getTime())))
          : null;
    checkExpiryPolicy(client, expiresAt, now);
    // The new key carries the old one's access: a caller may only mint it if it could have granted that access.
    assertCanGrant(principal, { ...access, expiresAt });
    // Sudo mode: minting a full-access or writing key on a Live Client again needs a person's recent proof.
    if (keyNeedsSudo(client.type, access.scopes)) assertRecentProof(principal, "apiKeys:powerful");
    // The key being replaced shares its replacement's slot (rotation never needs a free slot); a key it had replaced counts again.
    const active = await countActiveKeys(tx, client.id, now, old.id);
    if (active >= client.maxActiveKeys) throw limitReached(active, client.maxActiveKeys);

    const key = generateKey(client.type);
    const created = await tx.apiKey.create({
      data: {
        clientId: client.id,
        name: old.name,
        keyPrefix: key.keyPrefix,
        keyHash: key.keyHash,
        expiresAt,
        fullAccess: old.fullAccess,
        scopes: old.scopes,
        allowedIps: old.allowedIps,
        rotatedFromId: old.id,
        createdByUserId: principal.type === "user" ? principal.userId : null,
        createdByApiKeyId: principal.type === "apiKey" ? principal.apiKeyId : null,
      },
      select: createdKeySelect,
    });
    // After the new key exists (so the Client's key count sees the old one as replaced, not expiring).
    // The old key never outlives the grace period, its own expiry, or its replacement (it shares the
    // replacement's slot under the cap, so it must not be left working alone).
    const oldExpiresAt = new Date(
      Math.min(now.getTime() + input.gracePeriodSeconds * 1000, old.expiresAt?.getTime() ?? Infinity, created.expiresAt?.getTime() ?? Infinity),
    );
    await tx.apiKey.update({ where: { id: old.id }, data: { expiresAt: oldExpiresAt } });
    const actor = actorOf(principal);
    await recordAuditEvent(tx, {
      clientId: client.id,
      action: "apiKey.rotated",
      actor,
      target: { type: "apiKey", id: old.id, label: old.name ?? old.keyPrefix },
      metadata: {
        keyPrefix: old.keyPrefix,
        newKeyId: created.id,
        newKeyPrefix: created.keyPrefix,
        gracePeriodSeconds: input.gracePeriodSeconds,
        oldKeyExpiresAt: oldExpiresAt.toISOString(),
      },
      meta,
    });
    await recordAuditEvent(tx, {
      clientId: client.id,
      action: "apiKey.created",
      actor,
      target: { type: "apiKey", id: created.id, label: created.name ?? created.keyPrefix },
      metadata: { keyPrefix: created.keyPrefix, name: created.name, expiresAt: created.expiresAt?.toISOString() ?? null, rotatedFromId: old.id, ...access },
      meta,
    });
    await enqueueWebhookEvent(tx, client.id, "apiKey.rotated", {
      id: old.id,
      keyPrefix: old.keyPrefix,
      name: old.name,
      newKeyId: created.id,
      newKeyPrefix: created.keyPrefix,
      expiresAt: oldExpiresAt.toISOString(),
    });
    await enqueueWebhookEvent(tx, client.id, "apiKey.created", {
      id: created.id,
      keyPrefix: created.keyPrefix,
      name: created.name,
      expiresAt: created.expiresAt?.toISOString() ?? null,
      fullAccess: old.fullAccess,
      scopes: old.fullAccess ? [] : old.scopes,
      rotatedFromId: old.id,
    });
    // Built inside the transaction: if the answer cannot be given, nothing is committed.
    return { response: toCreatedResponse(created, key.rawKey), oldId: old.id };
  }, KEY_WRITE_TX);
  cacheForgetKey(oldId); // the old key's new expiry applies here at once (by the id the database holds)
  return response;
}
