import "server-only";
import { actorOf, recordAuditEvent } from "@/lib/audit/record-audit-event";
import { enqueueWebhookEvent } from "@/lib/webhooks/events";
import type { Principal } from "@/lib/auth/principal";
import { lockClient } from "@/lib/clients/lock";
import { db } from "@/lib/db/client";
import { Problems } from "@/lib/http/problem";
import type { RequestMeta } from "@/lib/http/request-meta";
import { isUuid } from "@/lib/http/keyset";
import { assertCanManage } from "./grant";
import { cacheForgetKey } from "./verify-cache";

/**
 * Revoke a key of the caller's Client. Idempotent: revoking a revoked key changes nothing and succeeds.
 * A key may only revoke keys it could have made (assertCanManage); people within their role.
 */
export async function revokeApiKey(principal: Principal, id: string, meta: RequestMeta): Promise<void> {
  if (!isUuid(id)) throw Problems.notFound("ApiKey.NotFound", "API key");
  const keyId = await db().$transaction(async (tx) => {
    // Client row first, as every key write takes it (the key count's trigger updates it), so none deadlock.
    await lockClient(tx, principal.clientId);
    const key = await tx.apiKey.findFirst({
      where: { id, clientId: principal.clientId },
      select: { id: true, name: true, keyPrefix: true, fullAccess: true, scopes: true, allowedIps: true, expiresAt: true },
    });
    if (!key) throw Problems.notFound("ApiKey.NotFound", "API key");
    assertCanManage(principal, { scopes: key.fullAccess ? null : key.scopes, allowedIps: key.allowedIps, expiresAt: key.expiresAt }, "revoke");
    const { count } = await tx.apiKey.updateMany({
      where: { id, clientId: principal.clientId, revokedAt: null },
      data: { revokedAt: new Date(), revokedReason: "Manual" },
    });
    if (count === 0) return key.id; // already revoked
    await recordAuditEvent(tx, {
      clientId: principal.clientId,
      action: "apiKey.revoked",
      actor: actorOf(principal),
      target: { type: "apiKey", id: key.id, label: key.name ?? key.keyPrefix },
      metadata: { keyPrefix: key.keyPrefix },
      meta,
    });
    await enqueueWebhookEvent(tx, principal.clientId, "apiKey.revoked", { id: key.id, keyPrefix: key.keyPrefix, name: key.name, reason: "Manual" });
    return key.id;
  });
  // After commit, so no request can re-cache the old state; by the id the database holds
  // (the caller's string may differ in case), or the entry would survive.
  cacheForgetKey(keyId);
}
