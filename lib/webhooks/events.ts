import "server-only";
// Webhook events: other services call enqueueWebhookEvent() inside the
// transaction of the change they announce, so a delivery row exists if and
// only if that change committed (the mail outbox's pattern). One row per
// subscribed, enabled endpoint of the Client; the worker (lib/webhooks/worker.ts)
// sends them. Payloads are thin and never carry a raw key, hash or token.
import type { Tx } from "@/lib/db/client";
import type { SqlTx } from "@/lib/db/tx";
import { uuidv7 } from "@/lib/db/uuid";
import { Prisma } from "@/lib/generated/prisma/client";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "./event-types";

export { WEBHOOK_EVENT_TYPES, type WebhookEventType };

type Fields = Record<string, string | number | boolean | null | string[] | undefined>;
/** What an event says: ids, labels and times only (never a secret). */
export type WebhookEventInput = { id: string } & Fields;
export type WebhookEventData = WebhookEventInput & { clientId: string };

/** The body sent, exactly as signed: `{ type, timestamp, data }`. */
export function webhookPayload(type: WebhookEventType | "webhook.test", data: WebhookEventData, at = new Date()): string {
  return JSON.stringify({ type, timestamp: at.toISOString(), data });
}

/**
 * The INSERT of one delivery per enabled endpoint of `clientId` subscribed to
 * `type` (or only `endpointId`, for a test event). A statement of its own, or a
 * CTE of a bigger one (key create's single statement, with `when` tying it to the insert).
 */
export function webhookDeliveriesSql(clientId: string, type: string, payload: string, opts: { endpointId?: string; eventId?: string; when?: Prisma.Sql } = {}): Prisma.Sql {
  const eventId = opts.eventId ?? uuidv7();
  const endpoints = opts.endpointId ? Prisma.sql`e.id = ${opts.endpointId}::uuid` : Prisma.sql`e.enabled AND ${type} = ANY(e.events)`;
  const only = opts.when ? Prisma.sql`${endpoints} AND ${opts.when}` : endpoints;
  return Prisma.sql`
    INSERT INTO "WebhookDelivery" (id, "endpointId", "clientId", "eventId", "eventType", payload)
    SELECT gen_random_uuid(), e.id, e."clientId", ${eventId}::uuid, ${type}, ${payload}
    FROM "WebhookEndpoint" e
    WHERE e."clientId" = ${clientId}::uuid AND ${only}`;
}

/** Queue `type` for the Client's subscribed endpoints, in the caller's (Prisma) transaction. */
export async function enqueueWebhookEvent(tx: Tx, clientId: string, type: WebhookEventType, data: WebhookEventInput): Promise<void> {
  await tx.$executeRaw(webhookDeliveriesSql(clientId, type, webhookPayload(type, { ...data, clientId })));
}

/** The same in a hand-written SQL transaction (lib/db/tx.ts). */
export async function enqueueWebhookEventSql(tx: SqlTx, clientId: string, type: WebhookEventType, data: WebhookEventInput): Promise<void> {
  await tx.query(webhookDeliveriesSql(clientId, type, webhookPayload(type, { ...data, clientId })));
}
