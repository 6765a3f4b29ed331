import "server-only";
// Webhook endpoints: create (the secret answered once, stored sealed), list,
// get, update, delete, rotate the secret (the old one signs beside the new one
// for 24 hours), send a test event, list deliveries, retry one. Owners and
// Admins only (routes: withUser "webhooks:manage"); every change audited in
// its transaction; the Client in every query.
import { actorOf, recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { UserPrincipal } from "@/lib/auth/principal";
import { db, type Tx } from "@/lib/db/client";
import { uuidv7 } from "@/lib/db/uuid";
import type { Prisma } from "@/lib/generated/prisma/client";
import { after, isUuid, NEWEST_FIRST, page, resolveCursor } from "@/lib/http/keyset";
import { ApiError, Problems } from "@/lib/http/problem";
import { consume } from "@/lib/http/rate-limit";
import type { RequestMeta } from "@/lib/http/request-meta";
import { seal } from "@/lib/mail/seal";
import { webhookDeliveriesSql, webhookPayload } from "./events";
import {
  createdWebhookEndpointSchema,
  MAX_ENDPOINTS,
  rotatedWebhookSecretSchema,
  webhookDeliverySchema,
  webhookEndpointSchema,
  type CreatedWebhookEndpointView,
  type CreateWebhookEndpointData,
  type RotatedWebhookSecretView,
  type UpdateWebhookEndpointData,
  type WebhookDeliveryView,
  type WebhookEndpointView,
} from "./schemas";
import { newWebhookSecret } from "./signing";
import { assertTargetAllowed } from "./target";

export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

export const sealSecret = (s: string) => seal(s, undefined, "webhook secret");

const select = {
  id: true,
  url: true,
  description: true,
  events: true,
  enabled: true,
  disabledReason: true,
  previousSecretExpiresAt: true,
  failingSince: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.WebhookEndpointSelect;
type Row = Prisma.WebhookEndpointGetPayload<{ select: typeof select }>;

function view(r: Row, now = Date.now()): WebhookEndpointView {
  const overlap = r.previousSecretExpiresAt && r.previousSecretExpiresAt.getTime() > now ? r.previousSecretExpiresAt.toISOString() : null;
  return webhookEndpointSchema.parse({
    ...r,
    previousSecretExpiresAt: overlap,
    failingSince: r.failingSince?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  });
}

const notFound = () => Problems.notFound("Webhook.NotFound", "Webhook endpoint");
const label = (url: string) => url.slice(0, 320);

async function findOwn(tx: Pick<Tx, "webhookEndpoint">, p: UserPrincipal, id: string): Promise<Row> {
  if (!isUuid(id)) throw notFound();
  const row = await tx.webhookEndpoint.findFirst({ where: { id, clientId: p.clientId }, select });
  if (!row) throw notFound();
  return row;
}

/** Endpoint writes of one Client queue on its first endpoint-count read: a plain advisory lock per Client keeps the cap exact. */
async function lockEndpoints(tx: Tx, clientId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${"webhooks:" + clientId}, 0))`;
}

export async function createWebhookEndpoint(p: UserPrincipal, input: CreateWebhookEndpointData, meta: RequestMeta): Promise<CreatedWebhookEndpointView> {
  const url = await assertTargetAllowed(input.url);
  const secret = newWebhookSecret();
  const id = uuidv7();
  return db().$transaction(async (tx) => {
    await lockEndpoints(tx, p.clientId);
    const count = await tx.webhookEndpoint.count({ where: { clientId: p.clientId } });
    if (count >= MAX_ENDPOINTS) {
      throw new ApiError({ status: 409, code: "Webhook.LimitReached", title: "Too many webhook endpoints", detail: `A Client may have at most ${MAX_ENDPOINTS} webhook endpoints. Delete one first.` });
    }
    const row = await tx.webhookEndpoint.create({
      data: { id, clientId: p.clientId, url, events: input.events, description: input.description, secret: sealSecret(secret) },
      select,
    });
    await recordAuditEvent(tx, {
      clientId: p.clientId,
      action: "webhook.created",
      actor: actorOf(p),
      target: { type: "webhook", id, label: label(url) },
      metadata: { url, events: input.events },
      meta,
    });
    // Built inside the transaction: an answer that cannot be given rolls the endpoint back.
    return createdWebhookEndpointSchema.parse({ ...view(row), secret });
  });
}

export async function listWebhookEndpoints(p: UserPrincipal, q: { Cursor?: string; Limit: number }) {
  const pos = await resolveCursor(q.Cursor, (id) => db().webhookEndpoint.findFirst({ where: { id, clientId: p.clientId }, select: { id: true, createdAt: true } }));
  const rows = await db().webhookEndpoint.findMany({ where: { clientId: p.clientId, ...after(pos) }, orderBy: NEWEST_FIRST, take: q.Limit + 1, select });
  return page(rows, q.Limit, (r) => view(r));
}

export async function getWebhookEndpoint(p: UserPrincipal, id: string): Promise<WebhookEndpointView> {
  return view(await findOwn(db(), p, id));
}

export async function updateWebhookEndpoint(p: UserPrincipal, id: string, input: UpdateWebhookEndpointData, meta: RequestMeta): Promise<WebhookEndpointView> {
  const url = input.url === undefined ? undefined : await assertTargetAllowed(input.url);
  return db().$transaction(async (tx) => {
    const before = await findOwn(tx, p, id);
    const data: Prisma.WebhookEndpointUpdateInput = {};
    if (url !== undefined) data.url = url;
    if (input.events !== undefined) data.events = input.events;
    if (input.description !== undefined) data.description = input.description;
    if (input.enabled !== undefined && input.enabled !== before.enabled) {
      data.enabled = input.enabled;
      data.disabledReason = input.enabled ? null : "manual";
      data.failingSince = null; // turned back on: past failures are forgiven
    }
    const row = await tx.webhookEndpoint.update({ where: { id: before.id }, data, select });
    const changed = (["url", "events", "description", "enabled"] as const).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(row[k]));
    if (changed.length) {
      await recordAuditEvent(tx, {
        clientId: p.clientId,
        action: "webhook.updated",
        actor: actorOf(p),
        target: { type: "webhook", id: row.id, label: label(row.url) },
        metadata: Object.fromEntries(changed.map((k) => [k, { from: before[k], to: row[k] }])) as Prisma.InputJsonValue,
        meta,
      });
    }
    return view(row);
  });
}

export async function deleteWebhookEndpoint(p: UserPrincipal, id: string, meta: RequestMeta): Promise<void> {
  await db().$transaction(async (tx) => {
    const row = await findOwn(tx, p, id);
    await tx.webhookEndpoint.delete({ where: { id: row.id } }); // its deliveries go with it (cascade)
    await recordAuditEvent(tx, { clientId: p.clientId, action: "webhook.deleted", actor: actorOf(p), target: { type: "webhook", id: row.id, label: label(row.url) }, metadata: { url: row.url }, meta });
  });
}

export async function rotateWebhookSecret(p: UserPrincipal, id: string, meta: RequestMeta): Promise<RotatedWebhookSecretView> {
  const secret = newWebhookSecret();
  return db().$transaction(async (tx) => {
    const row = await findOwn(tx, p, id);
    const until = new Date(Date.now() + ROTATION_OVERLAP_MS);
    // The current secret becomes the previous one (one rotating twice within a day drops the oldest).
    await tx.$executeRaw`
      UPDATE "WebhookEndpoint" SET "previousSecret" = secret, "previousSecretExpiresAt" = ${until}, secret = ${sealSecret(secret)}, "updatedAt" = now()
      WHERE id = ${row.id}::uuid AND "clientId" = ${p.clientId}::uuid`;
    await recordAuditEvent(tx, { clientId: p.clientId, action: "webhook.secretRotated", actor: actorOf(p), target: { type: "webhook", id: row.id, label: label(row.url) }, metadata: { previousSecretExpiresAt: until.toISOString() }, meta });
    return rotatedWebhookSecretSchema.parse({ secret, previousSecretExpiresAt: until.toISOString() });
  });
}

const disabledConflict = () =>
  new ApiError({ status: 409, code: "Webhook.Disabled", title: "Endpoint disabled", detail: "This endpoint is turned off. Turn it on (PATCH enabled: true) first." });

/** Test events and retries of one endpoint: RATE_LIMIT_WEBHOOK_SENDS_PER_MINUTE (429 with Retry-After), counted for endpoints of the caller's Client only. */
async function limitSends(p: UserPrincipal, id: string): Promise<void> {
  const row = await findOwn(db(), p, id);
  await consume("webhookSends", row.id);
}

/** Queue `webhook.test` for this endpoint alone. Answers the delivery. */
export async function sendTestEvent(p: UserPrincipal, id: string, meta: RequestMeta): Promise<WebhookDeliveryView> {
  await limitSends(p, id);
  return db().$transaction(async (tx) => {
    const row = await findOwn(tx, p, id);
    if (!row.enabled) throw disabledConflict();
    const eventId = uuidv7();
    const payload = webhookPayload("webhook.test", { id: row.id, clientId: p.clientId, message: "A test event from Dolfin." });
    await tx.$executeRaw(webhookDeliveriesSql(p.clientId, "webhook.test", payload, { endpointId: row.id, eventId }));
    await recordAuditEvent(tx, { clientId: p.clientId, action: "webhook.tested", actor: actorOf(p), target: { type: "webhook", id: row.id, label: label(row.url) }, meta });
    const d = await tx.webhookDelivery.findFirstOrThrow({ where: { endpointId: row.id, eventId }, select: deliverySelect });
    return deliveryView(d);
  });
}

const deliverySelect = {
  id: true,
  eventId: true,
  eventType: true,
  status: true,
  attempts: true,
  lastStatusCode: true,
  lastAttemptAt: true,
  nextAttemptAt: true,
  deliveredAt: true,
  createdAt: true,
  log: { orderBy: { at: "desc" }, take: 10, select: { at: true, statusCode: true, error: true, durationMs: true } },
} satisfies Prisma.WebhookDeliverySelect;
type DeliveryRow = Prisma.WebhookDeliveryGetPayload<{ select: typeof deliverySelect }>;

function deliveryView(d: DeliveryRow): WebhookDeliveryView {
  return webhookDeliverySchema.parse({
    ...d,
    lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
    nextAttemptAt: d.status === "Pending" ? d.nextAttemptAt.toISOString() : null,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    log: d.log.map((a) => ({ ...a, at: a.at.toISOString() })),
  });
}

export async function listDeliveries(p: UserPrincipal, endpointId: string, q: { Cursor?: string; Limit: number }) {
  const ep = await findOwn(db(), p, endpointId);
  const where = { endpointId: ep.id, clientId: p.clientId };
  const pos = await resolveCursor(q.Cursor, (id) => db().webhookDelivery.findFirst({ where: { ...where, id }, select: { id: true, createdAt: true } }));
  const rows = await db().webhookDelivery.findMany({ where: { ...where, ...after(pos) }, orderBy: NEWEST_FIRST, take: q.Limit + 1, select: deliverySelect });
  return page(rows, q.Limit, deliveryView);
}

/**
 * Try a delivery again now (also one given up or delivered): its attempts so far stay in the log. One being
 * sent right now (claimed by a worker) is `409 Webhook.DeliveryInProgress`: a retry never starts a second,
 * parallel send of it.
 */
export async function retryDelivery(p: UserPrincipal, endpointId: string, deliveryId: string, meta: RequestMeta): Promise<WebhookDeliveryView> {
  await limitSends(p, endpointId);
  return db().$transaction(async (tx) => {
    const ep = await findOwn(tx, p, endpointId);
    if (!isUuid(deliveryId)) throw Problems.notFound("Webhook.DeliveryNotFound", "Delivery");
    if (!ep.enabled) throw disabledConflict();
    // Locked like the workers' claim (FOR UPDATE): a claim racing this retry waits for it, or this waits for the claim.
    const [d] = await tx.$queryRaw<{ sending: boolean }[]>`
      SELECT ("lockedUntil" IS NOT NULL AND "lockedUntil" >= now()) AS sending FROM "WebhookDelivery"
      WHERE id = ${deliveryId}::uuid AND "endpointId" = ${ep.id}::uuid AND "clientId" = ${p.clientId}::uuid FOR UPDATE`;
    if (!d) throw Problems.notFound("Webhook.DeliveryNotFound", "Delivery");
    if (d.sending) {
      throw new ApiError({ status: 409, code: "Webhook.DeliveryInProgress", title: "Delivery being sent", detail: "This delivery is being sent right now. Follow it in the deliveries and retry once its attempt is recorded." });
    }
    await tx.webhookDelivery.update({ where: { id: deliveryId }, data: { status: "Pending", nextAttemptAt: new Date(), lockedUntil: null } });
    await recordAuditEvent(tx, { clientId: p.clientId, action: "webhook.deliveryRetried", actor: actorOf(p), target: { type: "webhook", id: ep.id, label: label(ep.url) }, metadata: { deliveryId }, meta });
    return deliveryView(await tx.webhookDelivery.findFirstOrThrow({ where: { id: deliveryId }, select: deliverySelect }));
  });
}
