import "server-only";
// Closing the pending widening requests of a key that can no longer be widened as asked: revoked or rotated
// (in the revocation's or rotation's own transaction), or changed since the request was made (at approval).
// They become "expired" (expiredAt set), each audited as keyRequest.expired with the cause, so they no longer
// wait for a decision nor hold back the demotion of the last approver. The requester is not emailed: expiry
// never is (the page shows it).
import { auditRow, type AuditInput } from "@/lib/audit/record-audit-event";
import type { Tx } from "@/lib/db/client";
import type { RequestMeta } from "@/lib/http/request-meta";

export type CloseCause = "keyRevoked" | "keyRotated" | "keyChanged" | "keyNotActive";

/** Close the pending widening requests of `keyId` (or only request `onlyId`), as `actor` did. Returns how many were closed. */
export async function closeWidenRequests(
  tx: Tx,
  c: { clientId: string; keyId: string | null; cause: CloseCause; actor: AuditInput["actor"]; meta: Pick<RequestMeta, "ip" | "userAgent">; onlyId?: string },
  now = new Date(),
): Promise<number> {
  const { clientId, keyId, cause, onlyId } = c;
  const where = onlyId ? { clientId, id: onlyId, status: "pending" as const } : { clientId, keyId, widen: true, status: "pending" as const };
  const rows = await tx.keyRequest.findMany({ where, select: { id: true, name: true, requestedByLabel: true } });
  if (rows.length === 0) return 0;
  await tx.keyRequest.updateMany({ where: { ...where, id: { in: rows.map((r) => r.id) } }, data: { status: "expired", expiredAt: now } });
  await tx.auditEvent.createMany({
    data: rows.map((r) =>
      auditRow({
        clientId,
        action: "keyRequest.expired",
        actor: c.actor,
        target: { type: "keyRequest", id: r.id, label: r.name ?? r.requestedByLabel },
        metadata: { was: "pending", cause, keyId, requestedBy: r.requestedByLabel },
        meta: c.meta,
      }),
    ),
  });
  return rows.length;
}
