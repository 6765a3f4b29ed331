import "server-only";
import { widensAccess } from "@/lib/auth/permissions";
import { assertRecentProof } from "@/lib/auth/sudo";
import { actorOf, recordAuditEvent } from "@/lib/audit/record-audit-event";
import { enqueueWebhookEvent } from "@/lib/webhooks/events";
import type { Principal } from "@/lib/auth/principal";
import { lockClient } from "@/lib/clients/lock";
import { db } from "@/lib/db/client";
import { isUuid } from "@/lib/http/keyset";
import { Problems } from "@/lib/http/problem";
import type { RequestMeta } from "@/lib/http/request-meta";
import { KEY_WRITE_TX } from "./create-api-key";
import { assertCanGrant, assertCanManage } from "./grant";
import { getApiKey } from "./list-api-keys";
import type { ApiKeyView, UpdateApiKeyData } from "./schemas";
import { cacheForgetKey } from "./verify-cache";

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Rename a key (revoked and expired keys too: names help read the history),
 * and change what it may do and from where. Each change is audited with its
 * before and after; an access change reaches every instance's verification
 * cache at once (trigger ApiKey_notify_change), and this one's right here.
 * A caller can only give a key what it holds itself, and a key can only
 * rename or change a key it could have made (its scopes, allowlist and
 * lifetime cover the key as it is): assertCanManage, as revoke and rotate.
 */
export async function updateApiKey(principal: Principal, id: string, input: UpdateApiKeyData, meta: RequestMeta): Promise<ApiKeyView> {
  if (!isUuid(id)) throw Problems.notFound("ApiKey.NotFound", "API key");
  const changesAccess = input.scopes !== undefined || input.allowedIps !== undefined;
  await db().$transaction(async (tx) => {
    if (changesAccess) await lockClient(tx, principal.clientId); // key writes of one Client queue on its row
    const key = await tx.apiKey.findFirst({
      where: { id, clientId: principal.clientId },
      select: { id: true, name: true, keyPrefix: true, fullAccess: true, scopes: true, allowedIps: true, expiresAt: true },
    });
    if (!key) throw Problems.notFound("ApiKey.NotFound", "API key");
    const before = { scopes: key.fullAccess ? null : key.scopes, allowedIps: key.allowedIps };
    // Before any write: a restricted key cannot rename a stronger key, nor narrow one into its own and then rotate it.
    assertCanManage(principal, { ...before, expiresAt: key.expiresAt }, changesAccess ? "change the access of" : "rename");
    const actor = actorOf(principal);
    const label = (input.name !== undefined ? input.name : key.name) ?? key.keyPrefix;
    if (input.name !== undefined && key.name !== input.name) {
      await tx.apiKey.update({ where: { id: key.id }, data: { name: input.name } });
      await recordAuditEvent(tx, {
        clientId: principal.clientId,
        action: "apiKey.renamed",
        actor,
        target: { type: "apiKey", id: key.id, label },
        metadata: { keyPrefix: key.keyPrefix, before: key.name, after: input.name },
        meta,
      });
    }
    if (!changesAccess) return;
    const after = { scopes: input.scopes !== undefined ? input.scopes : before.scopes, allowedIps: input.allowedIps ?? before.allowedIps };
    const unchanged =
      (before.scopes === null ? after.scopes === null : after.scopes !== null && same(before.scopes, after.scopes)) && same(before.allowedIps, after.allowedIps);
    if (unchanged) return;
    // The key as it would be must be within the caller too, lifetime included: an expiring key
    // cannot give a key that outlives it more than it holds (as create and rotate refuse).
    assertCanGrant(principal, { ...after, expiresAt: key.expiresAt });
    // Sudo mode: giving a key more (a scope or an address it did not have) needs a person's recent proof; narrowing never does.
    if (widensAccess(before, after)) assertRecentProof(principal, "apiKeys:widen");
    await tx.apiKey.update({
      where: { id: key.id },
      data: { fullAccess: after.scopes === null, scopes: after.scopes ?? [], allowedIps: after.allowedIps },
    });
    await recordAuditEvent(tx, {
      clientId: principal.clientId,
      action: "apiKey.accessChanged",
      actor,
      target: { type: "apiKey", id: key.id, label },
      metadata: { keyPrefix: key.keyPrefix, before, after },
      meta,
    });
    await enqueueWebhookEvent(tx, principal.clientId, "apiKey.accessChanged", {
      id: key.id,
      keyPrefix: key.keyPrefix,
      name: input.name !== undefined ? input.name : key.name,
      scopes: after.scopes,
      allowedIps: [...after.allowedIps],
      widened: widensAccess(before, after),
    });
  }, KEY_WRITE_TX);
  if (changesAccess) cacheForgetKey(id);
  return getApiKey(principal.clientId, id, { forApiKey: principal.type === "apiKey" });
}
