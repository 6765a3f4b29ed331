import "server-only";
// apiKey.expiring (7 days before, with the reminder email's timing) and
// apiKey.expired, for Clients with an endpoint that wants them, with or
// without SMTP. Each (key, kind) is claimed by a KeyReminder row inserted in
// the transaction that queues the deliveries, so every instance may run it and
// each event is queued once. Revoked keys and keys replaced by a rotation get none.
import { db } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { logger } from "@/lib/log";
import { enqueueWebhookEvent } from "./events";

const DAY = 86_400_000;
const KINDS = { "apiKey.expiring": "hook:expiring", "apiKey.expired": "hook:expired" } as const;

function dueSql(type: keyof typeof KINDS, now: Date): Prisma.Sql {
  const live = Prisma.sql`k."revokedAt" IS NULL AND NOT EXISTS (SELECT 1 FROM "ApiKey" r WHERE r."rotatedFromId" = k.id)`;
  return type === "apiKey.expiring"
    ? Prisma.sql`${live} AND k."expiresAt" > ${now} AND k."expiresAt" <= ${new Date(now.getTime() + 7 * DAY)}`
    : Prisma.sql`${live} AND k."expiresAt" <= ${now} AND k."expiresAt" > ${new Date(now.getTime() - 7 * DAY)}`;
}

type Due = { id: string; clientId: string; name: string | null; keyPrefix: string; expiresAt: Date };

/** One pass; returns how many events were queued. */
export async function queueKeyExpiryWebhooks(now = new Date()): Promise<number> {
  let queued = 0;
  for (const [type, kind] of Object.entries(KINDS) as [keyof typeof KINDS, string][]) {
    queued += await db().$transaction(async (tx) => {
      const rows = await tx.$queryRaw<Due[]>(Prisma.sql`
        WITH due AS (
          SELECT k.id FROM "ApiKey" k
          WHERE ${dueSql(type, now)}
            AND NOT EXISTS (SELECT 1 FROM "KeyReminder" kr WHERE kr."keyId" = k.id AND kr.kind = ${kind})
            AND EXISTS (SELECT 1 FROM "WebhookEndpoint" e WHERE e."clientId" = k."clientId" AND e.enabled AND ${type} = ANY(e.events))
          ORDER BY k."expiresAt" LIMIT 500
        ), claimed AS (
          INSERT INTO "KeyReminder" ("keyId", kind) SELECT id, ${kind} FROM due ON CONFLICT DO NOTHING RETURNING "keyId"
        )
        SELECT k.id, k."clientId", k.name, k."keyPrefix", k."expiresAt" FROM claimed JOIN "ApiKey" k ON k.id = claimed."keyId"`);
      for (const k of rows) {
        await enqueueWebhookEvent(tx, k.clientId, type, { id: k.id, keyPrefix: k.keyPrefix, name: k.name, expiresAt: k.expiresAt.toISOString() });
      }
      if (rows.length) logger.info({ event: "key expiry webhooks", type, keys: rows.length }, "key expiry webhooks queued");
      return rows.length;
    });
  }
  return queued;
}
