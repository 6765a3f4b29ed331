import { z } from "zod";
import { listQuerySchema, pageSchema } from "@/lib/api-keys/schemas";

export const auditEventSchema = z
  .strictObject({
    id: z.uuid(),
    clientId: z.uuid(),
    action: z.string().describe("apiKey.created, apiKey.rotated, apiKey.revoked, apiKey.renamed, apiKey.accessChanged, apiKey.reportedLeaked, client.policyChanged, member.roleChanged, member.removed, invite.created, invite.resent, invite.revoked, invite.accepted, user.twoFactorReset, webhook.created, webhook.updated, webhook.deleted, webhook.secretRotated, webhook.tested, webhook.deliveryRetried, webhook.disabled"),
    actor: z.strictObject({
      type: z.enum(["user", "apiKey", "anonymous"]),
      id: z.uuid().nullable(),
      label: z.string().nullable().describe("Email of the user or prefix of the key, as it was at the time; null for a person when an API key asks (keys are not shown people data)."),
    }),
    target: z.strictObject({ type: z.string(), id: z.uuid().nullable(), label: z.string().nullable() }),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "AuditEvent" });

export type AuditEventView = z.infer<typeof auditEventSchema>;
export const auditEventPageSchema = pageSchema(auditEventSchema, "AuditEventPage");

export const authFailureSummarySchema = z
  .strictObject({
    since: z.iso.datetime(),
    total: z.number().int(),
    byKey: z.array(z.strictObject({ apiKeyId: z.uuid(), keyPrefix: z.string().nullable(), reason: z.enum(["expired", "revoked", "ip", "scope"]), count: z.number().int(), lastAt: z.iso.datetime(), lastIp: z.string().nullable() })),
  })
  .meta({ id: "AuthFailureSummary" });

/** GET /api/audit-events: the list conventions, plus `TargetId` for one key's (or the Client's policy's) history. */
export const auditQuerySchema = listQuerySchema.extend({
  TargetId: z.uuid("TargetId must be the id (UUID) of a key or of the Client.").optional(),
});
export type AuditQuery = z.output<typeof auditQuerySchema>;
