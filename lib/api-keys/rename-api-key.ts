import "server-only";
import { actorOf, recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { Principal } from "@/lib/auth/principal";
import { db } from "@/lib/db/client";
import { isUuid } from "@/lib/http/keyset";
import { Problems } from "@/lib/http/problem";
import type { RequestMeta } from "@/lib/http/request-meta";
import { getApiKey } from "./list-api-keys";
import type { ApiKeyView, RenameApiKeyData } from "./schemas";

/** Rename a key of the caller's Client (revoked and expired keys too: names help read the history). Audited when it changes. */
export async function renameApiKey(principal: Principal, id: string, input: RenameApiKeyData, meta: RequestMeta): Promise<ApiKeyView> {
  if (!isUuid(id)) throw Problems.notFound("ApiKey.NotFound", "API key");
  await db().$transaction(async (tx) => {
    const key = await tx.apiKey.findFirst({ where: { id, clientId: principal.clientId }, select: { id: true, name: true, keyPrefix: true } });
    if (!key) throw Problems.notFound("ApiKey.NotFound", "API key");
    if (key.name === input.name) return;
    await tx.apiKey.update({ where: { id: key.id }, data: { name: input.name } });
    await recordAuditEvent(tx, {
      clientId: principal.clientId,
      action: "apiKey.renamed",
      actor: actorOf(principal),
      target: { type: "apiKey", id: key.id, label: input.name ?? key.keyPrefix },
      metadata: { keyPrefix: key.keyPrefix, before: key.name, after: input.name },
      meta,
    });
  });
  return getApiKey(principal.clientId, id);
}
