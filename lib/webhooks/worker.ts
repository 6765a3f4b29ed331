import "server-only";
// The webhook sender, one in each server (with or without SMTP): claims due
// deliveries with FOR UPDATE SKIP LOCKED (two instances never take the same
// attempt), signs and sends them (lib/webhooks/target.ts: 10 s, no redirects,
// 1 KB of the answer), and records each attempt. A 2xx delivers; 410 Gone
// turns the endpoint off; anything else is retried with exponential backoff
// (WEBHOOK_RETRY_BASE_MS doubling, at most 12 hours apart) until 3 days after
// the event. An endpoint failing for 5 days is turned off and its Client's
// Owners and Admins are emailed. A row claimed by a server that died comes
// back when its claim lapses (at least once: receivers drop duplicates by webhook-id).
// Fairness: at most PER_ENDPOINT_IN_FLIGHT sends of one endpoint at once (its
// claimed, not yet recorded deliveries, counted in the database, so across
// instances; two instances claiming in the same instant may each take that
// many), so one Client's slow receiver cannot hold every slot. What is stored
// of an answer is sanitized (lib/webhooks/text.ts); an attempt that still
// cannot be recorded is recorded without the answer, so it never loops.
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { db } from "@/lib/db/client";
import { sqlQuery } from "@/lib/db/tx";
import { env } from "@/lib/env";
import { Prisma } from "@/lib/generated/prisma/client";
import { logger } from "@/lib/log";
import { enqueueEmail, mailConfigured } from "@/lib/mail/outbox";
import { unseal } from "@/lib/mail/seal";
import { webhookDisabledEmail } from "@/lib/mail/templates";
import { queueKeyExpiryWebhooks } from "./expiry";
import { messageId, webhookHeaders } from "./signing";
import { RESPONSE_BODY_MAX, sendWebhook, SEND_TIMEOUT_MS, type SendResult } from "./target";
import { storableText } from "./text";

const CLAIM_SECONDS = Math.ceil(SEND_TIMEOUT_MS / 1000) * 6;
export const RETRY_WINDOW_MS = 3 * 86_400_000;
export const FAILING_DISABLE_MS = 5 * 86_400_000;
const MAX_GAP_MS = 12 * 3_600_000;
/** Sends of one endpoint in flight at once, at most. */
export const PER_ENDPOINT_IN_FLIGHT = 2;

export function webhookBackoffMs(attempts: number): number {
  return Math.min(MAX_GAP_MS, env().WEBHOOK_RETRY_BASE_MS * 2 ** Math.min(30, Math.max(0, attempts - 1)));
}

type Claimed = {
  id: string;
  endpointId: string;
  clientId: string;
  eventId: string;
  payload: string;
  attempts: number;
  createdAt: Date;
  url: string;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
};

/**
 * Claim up to `limit` due deliveries (each for CLAIM_SECONDS, its attempt counted), oldest first, but at most
 * PER_ENDPOINT_IN_FLIGHT per endpoint counting its deliveries already claimed. The candidates are ranked
 * without locks (a window function cannot sit under FOR UPDATE); the rows are then locked with SKIP LOCKED and
 * their claim re-checked on the locked version, so two instances never take the same attempt.
 */
async function claimDueWebhooks(limit: number): Promise<Claimed[]> {
  return sqlQuery<Claimed>(Prisma.sql`
    WITH due AS (
      SELECT d.id, d."endpointId", d."nextAttemptAt", row_number() OVER (PARTITION BY d."endpointId" ORDER BY d."nextAttemptAt") AS n
      FROM "WebhookDelivery" d JOIN "WebhookEndpoint" e ON e.id = d."endpointId"
      WHERE d.status = 'Pending' AND d."nextAttemptAt" <= now() AND (d."lockedUntil" IS NULL OR d."lockedUntil" < now()) AND e.enabled),
    busy AS (
      SELECT "endpointId", count(*) AS c FROM "WebhookDelivery"
      WHERE status = 'Pending' AND "lockedUntil" >= now() AND "endpointId" IN (SELECT "endpointId" FROM due) GROUP BY "endpointId"),
    picked AS (
      SELECT due.id FROM due LEFT JOIN busy ON busy."endpointId" = due."endpointId"
      WHERE due.n + coalesce(busy.c, 0) <= ${PER_ENDPOINT_IN_FLIGHT}
      ORDER BY due."nextAttemptAt" LIMIT ${limit}),
    claimed AS (
      UPDATE "WebhookDelivery" SET "lockedUntil" = now() + make_interval(secs => ${CLAIM_SECONDS}), attempts = attempts + 1
      WHERE id IN (
        SELECT d.id FROM "WebhookDelivery" d
        WHERE d.id IN (SELECT id FROM picked) AND d.status = 'Pending' AND (d."lockedUntil" IS NULL OR d."lockedUntil" < now())
        FOR UPDATE OF d SKIP LOCKED)
      RETURNING id, "endpointId", "clientId", "eventId", payload, attempts, "createdAt")
    SELECT c.*, e.url, e.secret, e."previousSecret", e."previousSecretExpiresAt"
    FROM claimed c JOIN "WebhookEndpoint" e ON e.id = c."endpointId"`);
}

const deliverLogged = (r: Claimed) => deliver(r).catch((err) => logger.warn({ err, deliveryId: r.id }, "webhook delivery failed"));

/** One pass: claim up to `limit` due deliveries and send them (concurrently). Returns how many were claimed. */
export async function sendDueWebhooks(limit = 20): Promise<number> {
  const rows = await claimDueWebhooks(limit);
  await Promise.all(rows.map(deliverLogged));
  return rows.length;
}

async function deliver(r: Claimed): Promise<void> {
  const purpose = "webhook secret" as const;
  const secrets = [unseal(r.secret, undefined, purpose)];
  if (r.previousSecret && r.previousSecretExpiresAt && r.previousSecretExpiresAt.getTime() > Date.now()) secrets.push(unseal(r.previousSecret, undefined, purpose));
  const result = await sendWebhook(r.url, webhookHeaders(secrets, messageId(r.eventId), r.payload), r.payload);
  try {
    await record(r, result);
  } catch (err) {
    // Whatever in the answer could not be stored, the attempt still counts: recorded without it, so the
    // delivery moves on (backoff, give-up, disable) instead of being resent forever as an unrecorded claim.
    logger.warn({ err, deliveryId: r.id }, "webhook attempt could not be recorded; recording it without the answer");
    await record(r, { statusCode: result.statusCode, body: null, error: "The receiver's answer could not be stored.", durationMs: result.durationMs });
  }
}

async function record(r: Claimed, res: SendResult): Promise<void> {
  const ok = res.statusCode !== null && res.statusCode >= 200 && res.statusCode < 300;
  const gone = res.statusCode === 410;
  const now = Date.now();
  const next = now + webhookBackoffMs(r.attempts);
  const giveUp = !ok && (gone || next > r.createdAt.getTime() + RETRY_WINDOW_MS);
  const status = ok ? "Delivered" : giveUp ? "Failed" : "Pending";
  const error = res.error === null ? null : storableText(res.error, 500);
  await db().$transaction(async (tx) => {
    await tx.webhookDeliveryAttempt.create({ data: { deliveryId: r.id, statusCode: res.statusCode, error, durationMs: res.durationMs } });
    await tx.webhookDelivery.update({
      where: { id: r.id },
      data: {
        status,
        lockedUntil: null,
        lastAttemptAt: new Date(now),
        lastStatusCode: res.statusCode,
        lastError: error,
        lastResponseBody: res.body === null ? null : storableText(res.body, RESPONSE_BODY_MAX),
        deliveredAt: ok ? new Date(now) : undefined,
        nextAttemptAt: status === "Pending" ? new Date(next) : undefined,
      },
    });
    if (ok) {
      await tx.webhookEndpoint.updateMany({ where: { id: r.endpointId, failingSince: { not: null } }, data: { failingSince: null } });
      return;
    }
    await tx.$executeRaw`UPDATE "WebhookEndpoint" SET "failingSince" = coalesce("failingSince", now()) WHERE id = ${r.endpointId}::uuid`;
    const ep = await tx.webhookEndpoint.findUnique({ where: { id: r.endpointId }, select: { enabled: true, failingSince: true, url: true, client: { select: { name: true } } } });
    if (!ep?.enabled) return;
    const reason = gone ? "gone" : ep.failingSince && now - ep.failingSince.getTime() >= FAILING_DISABLE_MS ? "failing" : null;
    if (!reason) return;
    await tx.webhookEndpoint.update({ where: { id: r.endpointId }, data: { enabled: false, disabledReason: reason } });
    await recordAuditEvent(tx, {
      clientId: r.clientId,
      action: "webhook.disabled",
      actor: { type: "anonymous", label: "webhook delivery" },
      target: { type: "webhook", id: r.endpointId, label: ep.url.slice(0, 320) },
      metadata: { reason, statusCode: res.statusCode },
      meta: { ip: null, userAgent: null },
    });
    if (mailConfigured()) {
      const people = await tx.clientMember.findMany({ where: { clientId: r.clientId, role: { in: ["Owner", "Admin"] } }, select: { user: { select: { email: true } } } });
      const mail = webhookDisabledEmail({ url: ep.url, reason, clientName: ep.client.name, appUrl: env().APP_URL ?? null });
      for (const m of people) await enqueueEmail(tx, { ...mail, to: m.user.email, subjectId: r.endpointId });
    }
    logger.warn({ event: "webhook endpoint disabled", endpointId: r.endpointId, clientId: r.clientId, reason }, "webhook endpoint disabled");
  });
  if (!ok) logger.info({ event: giveUp ? "webhook given up" : "webhook failed", deliveryId: r.id, attempts: r.attempts, statusCode: res.statusCode, error }, "webhook not delivered");
}

const g = globalThis as unknown as { __dolfinWebhookWorker?: NodeJS.Timeout; __dolfinWebhookBusy?: boolean; __dolfinWebhookExpiry?: NodeJS.Timeout };

/** Sends in flight in this process at most: a slow receiver (up to 10 s) holds one slot, never the others' deliveries. */
const MAX_IN_FLIGHT = 20;
let inFlight = 0;

/** Poll for due deliveries in this server process (always: webhooks need no SMTP), and queue key expiry events. */
export function startWebhookWorker(): void {
  if (g.__dolfinWebhookWorker) return;
  const tick = async () => {
    if (g.__dolfinWebhookBusy) return;
    g.__dolfinWebhookBusy = true;
    try {
      for (;;) {
        const room = MAX_IN_FLIGHT - inFlight;
        if (room <= 0) break;
        const rows = await claimDueWebhooks(room);
        if (rows.length === 0) break;
        for (const r of rows) {
          inFlight++;
          void deliverLogged(r).finally(() => {
            inFlight--;
            void tick(); // a slot is free: more may be due (returns at once if a pass is running)
          });
        }
      }
    } catch (err) {
      logger.warn({ err }, "webhook worker pass failed");
    } finally {
      g.__dolfinWebhookBusy = false;
    }
  };
  g.__dolfinWebhookWorker = setInterval(tick, env().WEBHOOK_POLL_INTERVAL_MS);
  g.__dolfinWebhookWorker.unref();
  void tick();
  const expiry = () => queueKeyExpiryWebhooks().catch((err) => logger.warn({ err }, "key expiry webhook pass failed"));
  g.__dolfinWebhookExpiry = setInterval(expiry, env().KEY_REMINDER_INTERVAL_MS);
  g.__dolfinWebhookExpiry.unref();
  setTimeout(expiry, 500).unref();
}

/** Delivered and given-up deliveries are kept this long (the log's history), then pruned with their attempts. */
export const DELIVERY_RETENTION_DAYS = 30;

/** Hourly, beside the usage retention (instrumentation.ts): one DELETE of old finished deliveries. */
export async function pruneWebhookDeliveries(now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - DELIVERY_RETENTION_DAYS * 86_400_000);
  return db().$executeRaw`DELETE FROM "WebhookDelivery" WHERE status <> 'Pending' AND "createdAt" < ${cutoff}`;
}
