import "server-only";
// Leaked-key reports. Two doors lead here: secret scanners posting strings to
// POST /api/api-keys/leaks (anyone), and GitHub secret scanning's signed
// reports (github-secret-scanning.ts). Both end in revokeLeakedKeys: live
// keys we issued are revoked at once, audited, and their Client's Owners and
// Admins emailed, and apiKey.leaked queued for its webhooks, in one transaction. Strings that are not well-formed Dolfin
// keys (format + checksum) never reach the database.
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { enqueueWebhookEvent } from "@/lib/webhooks/events";
import { lockClients } from "@/lib/clients/lock";
import { db, type Tx } from "@/lib/db/client";
import { env } from "@/lib/env";
import type { RequestMeta } from "@/lib/http/request-meta";
import { closeWidenRequests } from "@/lib/key-requests/close";
import { enqueueEmail, mailConfigured } from "@/lib/mail/outbox";
import { leakedKeysEmail, type LeakedKey } from "@/lib/mail/templates";
import { hashKey, isWellFormedKey } from "./key-format";
import { cacheForgetKey } from "./verify-cache";

/** Where a key was found, when the reporter says (GitHub does). */
export type LeakPlace = { url: string | null; source: string | null };
/** Who reports: the audit actor's label, who the email says reported it, and where each key was found (by key hash). */
export type LeakReporter = { label: string; reporter: string; places?: ReadonlyMap<string, LeakPlace> };

/** The anonymous endpoint: the answer (`202 { accepted }`) never says which keys existed. */
export async function reportLeakedKeys(keys: string[], meta: RequestMeta): Promise<{ accepted: number }> {
  const hashes = [...new Set(keys.map((k) => k.trim()).filter(isWellFormedKey))].map(hashKey);
  await revokeLeakedKeys(hashes, meta, { label: "leak report", reporter: "A secret scanner" });
  return { accepted: hashes.length };
}

/**
 * Revoke the live keys among `hashes` (SHA-256 of well-formed keys). Returns the hashes of every key we
 * issued, whatever its state (what GitHub calls true positives). One lookup when none is live; else one
 * transaction: Client rows locked, each key revoked (conditionally: a key revoked meanwhile is skipped),
 * audited with where it was found, and the Owners and Admins of each Client emailed once.
 */
export async function revokeLeakedKeys(hashes: string[], meta: RequestMeta, by: LeakReporter): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const now = new Date();
  const issued = await db().apiKey.findMany({
    where: { keyHash: { in: hashes } },
    select: { id: true, clientId: true, name: true, keyPrefix: true, keyHash: true, revokedAt: true, expiresAt: true },
  });
  const live = issued.filter((k) => k.revokedAt === null && (k.expiresAt === null || k.expiresAt > now));
  const revoked: string[] = [];
  if (live.length > 0) {
    await db().$transaction(async (tx) => {
      // Client rows first, in one order, as every key write takes them (the key count's trigger updates them), so none deadlock.
      await lockClients(tx, live.map((k) => k.clientId));
      const byClient = new Map<string, LeakedKey[]>();
      for (const k of live) {
        const { count } = await tx.apiKey.updateMany({ where: { id: k.id, revokedAt: null }, data: { revokedAt: now, revokedReason: "Leaked" } });
        if (count === 0) continue;
        revoked.push(k.id);
        const place = by.places?.get(k.keyHash);
        await recordAuditEvent(tx, {
          clientId: k.clientId,
          action: "apiKey.reportedLeaked",
          actor: { type: "anonymous", label: by.label },
          target: { type: "apiKey", id: k.id, label: k.name ?? k.keyPrefix },
          // The reporter's address is the event's ip (hidden from keys), not metadata.
          metadata: { keyPrefix: k.keyPrefix, ...(place ? { url: place.url, source: place.source } : {}) },
          meta,
        });
        // A pending request to widen it can never be applied now: closed with it.
        await closeWidenRequests(tx, { clientId: k.clientId, keyId: k.id, cause: "keyRevoked", actor: { type: "anonymous", label: by.label }, meta }, now);
        // Where it was found, when the reporter says (GitHub): the receiver can go and take it down.
        await enqueueWebhookEvent(tx, k.clientId, "apiKey.leaked", { id: k.id, keyPrefix: k.keyPrefix, name: k.name, revoked: true, url: place?.url ?? undefined, source: place?.source ?? undefined });
        byClient.set(k.clientId, [...(byClient.get(k.clientId) ?? []), { name: k.name, keyPrefix: k.keyPrefix, url: place?.url ?? null, source: place?.source ?? null }]);
      }
      if (mailConfigured()) await emailOwnersAndAdmins(tx, byClient, by.reporter);
    });
  }
  revoked.forEach(cacheForgetKey);
  return new Set(issued.map((k) => k.keyHash));
}

/** One email per Owner or Admin per Client, listing that Client's keys just revoked (a security notice: sent whatever their reminder setting). */
async function emailOwnersAndAdmins(tx: Tx, byClient: Map<string, LeakedKey[]>, reporter: string): Promise<void> {
  if (byClient.size === 0) return;
  const clients = await tx.client.findMany({
    where: { id: { in: [...byClient.keys()] } },
    select: { id: true, name: true, type: true, members: { where: { role: { in: ["Owner", "Admin"] } }, select: { user: { select: { email: true } } } } },
  });
  for (const c of clients) {
    const email = leakedKeysEmail({ clientName: c.name, clientType: c.type, reporter, keys: byClient.get(c.id)!, appUrl: env().APP_URL ?? null });
    for (const m of c.members) await enqueueEmail(tx, { ...email, to: m.user.email, subjectId: c.id });
  }
}
