import "server-only";
// Secret-scanner reports: anyone may tell us where a key leaked. Strings that
// are not well-formed Dolfin keys (format + checksum) are dropped without a
// database lookup; live matches are revoked at once and audited. The answer
// never says which keys existed.
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { enqueueWebhookEvent } from "@/lib/webhooks/events";
import { lockClients } from "@/lib/clients/lock";
import { db } from "@/lib/db/client";
import type { RequestMeta } from "@/lib/http/request-meta";
import { closeWidenRequests } from "@/lib/key-requests/close";
import { hashKey, isWellFormedKey } from "./key-format";
import { cacheForgetKey } from "./verify-cache";

export async function reportLeakedKeys(keys: string[], meta: RequestMeta): Promise<{ accepted: number }> {
  const hashes = [...new Set(keys.map((k) => k.trim()).filter(isWellFormedKey))].map(hashKey);
  if (hashes.length === 0) return { accepted: 0 };
  const now = new Date();
  const revoked: string[] = [];
  await db().$transaction(async (tx) => {
    const live = await tx.apiKey.findMany({
      where: { keyHash: { in: hashes }, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
      select: { id: true, clientId: true, name: true, keyPrefix: true },
    });
    // Client rows first, in one order, as every key write takes them (the key count's trigger updates them), so none deadlock.
    await lockClients(tx, live.map((k) => k.clientId));
    for (const k of live) {
      const { count } = await tx.apiKey.updateMany({ where: { id: k.id, revokedAt: null }, data: { revokedAt: now, revokedReason: "Leaked" } });
      if (count === 0) continue;
      revoked.push(k.id);
      await recordAuditEvent(tx, {
        clientId: k.clientId,
        action: "apiKey.reportedLeaked",
        actor: { type: "anonymous", label: "leak report" },
        target: { type: "apiKey", id: k.id, label: k.name ?? k.keyPrefix },
        metadata: { keyPrefix: k.keyPrefix }, // the reporter's address is the event's ip (hidden from keys), not metadata
        meta,
      });
      await closeWidenRequests(tx, { clientId: k.clientId, keyId: k.id, cause: "keyRevoked", actor: { type: "anonymous", label: "leak report" }, meta }, now);
      await enqueueWebhookEvent(tx, k.clientId, "apiKey.leaked", { id: k.id, keyPrefix: k.keyPrefix, name: k.name, revoked: true });
    }
  });
  revoked.forEach(cacheForgetKey);
  return { accepted: hashes.length };
}
