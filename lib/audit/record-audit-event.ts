import "server-only";
import type { Principal } from "@/lib/auth/principal";
import type { Tx } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { RequestMeta } from "@/lib/http/request-meta";

export const AUDIT_ACTIONS = [
  "apiKey.created",
  "apiKey.rotated",
  "apiKey.revoked",
  "apiKey.renamed",
  "apiKey.accessChanged",
  "apiKey.reportedLeaked",
  "client.policyChanged",
  "member.roleChanged",
  "member.removed",
  "invite.created",
  "invite.resent",
  "invite.revoked",
  "invite.accepted",
  "user.twoFactorReset",
  "webhook.created",
  "webhook.updated",
  "webhook.deleted",
  "webhook.secretRotated",
  "webhook.tested",
  "webhook.deliveryRetried",
  "webhook.disabled",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type Actor =
  | { type: "user"; userId: string; label: string }
  | { type: "apiKey"; apiKeyId: string; label: string }
  | { type: "anonymous"; label: string }
  | { type: "operator"; label: string };

export function actorOf(p: Principal): Actor {
  return p.type === "apiKey"
    ? { type: "apiKey", apiKeyId: p.apiKeyId, label: p.keyPrefix }
    : { type: "user", userId: p.userId, label: p.email };
}

export type AuditInput = {
  clientId: string;
  action: AuditAction;
  actor: Actor;
  target: { type: "apiKey" | "client" | "user" | "invite" | "webhook"; id: string; label?: string | null };
  metadata?: Prisma.InputJsonValue;
  meta: Pick<RequestMeta, "ip" | "userAgent">;
};

/** The columns of one audit event (for Prisma here, and for the raw insert on the create hot path). */
export function auditRow(e: AuditInput) {
  return {
    clientId: e.clientId,
    action: e.action,
    // The operator's command line has no account: recorded as an anonymous actor with its label.
    actorType: (e.actor.type === "user" ? "User" : e.actor.type === "apiKey" ? "ApiKey" : "Anonymous") as "User" | "ApiKey" | "Anonymous",
    actorUserId: e.actor.type === "user" ? e.actor.userId : null,
    actorApiKeyId: e.actor.type === "apiKey" ? e.actor.apiKeyId : null,
    actorLabel: e.actor.label,
    targetType: e.target.type,
    targetId: e.target.id,
    targetLabel: e.target.label ?? null,
    metadata: e.metadata,
    ip: e.meta.ip,
    userAgent: e.meta.userAgent,
  };
}

/** Write one audit event inside the caller's transaction (it commits or rolls back with the change). */
export async function recordAuditEvent(tx: Tx, e: AuditInput): Promise<void> {
  await tx.auditEvent.create({ data: auditRow(e) });
}
