import "server-only";
// Expiry reminders: 7 days and 1 day before a key expires, and once a key has
// expired while it was still in use in its last 24 hours. Every instance runs
// the job; each (key, kind) is claimed by inserting a KeyReminder row, and the
// emails are queued in that same transaction, so a reminder goes out exactly
// once however many instances race for it (the loser's insert waits for the
// winner's commit, then finds the row). Revoked keys and keys replaced by a
// rotation get none. Owners and Admins who turned reminders off get none.
// Each Client's reminders are claimed in a transaction of their own.
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { Prisma } from "@/lib/generated/prisma/client";
import { logger } from "@/lib/log";
import { enqueueEmail, mailConfigured } from "@/lib/mail/outbox";
import { keyReminderEmail, type ReminderKind } from "@/lib/mail/templates";

const DAY = 86_400_000;

/** Which keys are due for a reminder of `kind` at `now` (SQL condition on alias k). */
function dueSql(kind: ReminderKind, now: Date): Prisma.Sql {
  const live = Prisma.sql`k."revokedAt" IS NULL AND NOT EXISTS (SELECT 1 FROM "ApiKey" r WHERE r."rotatedFromId" = k.id)`;
  switch (kind) {
    case "7d": // within 7 days but not yet within 1 (then the 1-day one says it), and the key existed 7 days before its expiry
      return Prisma.sql`${live} AND k."expiresAt" > ${new Date(now.getTime() + DAY)} AND k."expiresAt" <= ${new Date(now.getTime() + 7 * DAY)}
        AND k."createdAt" < k."expiresAt" - interval '7 days'`;
    case "1d":
      return Prisma.sql`${live} AND k."expiresAt" > ${now} AND k."expiresAt" <= ${new Date(now.getTime() + DAY)}
        AND k."createdAt" < k."expiresAt" - interval '1 day'`;
    case "expiredInUse": // expired in the last 7 days, used in its last 24 hours
      return Prisma.sql`${live} AND k."expiresAt" <= ${now} AND k."expiresAt" > ${new Date(now.getTime() - 7 * DAY)}
        AND k."lastUsedAt" >= k."expiresAt" - interval '1 day'`;
  }
}

type Due = { id: string; name: string | null; keyPrefix: string; expiresAt: Date; lastUsedAt: Date | null; clientName: string; clientType: "Live" | "Sandbox"; recipients: string[] };

const KINDS = ["expiredInUse", "1d", "7d"] as const;
/** Not yet claimed for `kind` (a claimed key must not hold a place in the LIMIT below). */
const unclaimed = (kind: ReminderKind) => Prisma.sql`NOT EXISTS (SELECT 1 FROM "KeyReminder" kr WHERE kr."keyId" = k.id AND kr.kind = ${kind})`;

/**
 * One pass: claim every due (key, kind) and queue its emails. One transaction
 * per Client: a Client whose reminders fail (logged) never holds back another
 * Client's, and its keys stay unclaimed for the next pass. Returns how many
 * reminders were claimed.
 */
export async function sendKeyReminders(now = new Date()): Promise<number> {
  const clients = await db().$queryRaw<{ clientId: string }[]>(Prisma.sql`
    SELECT DISTINCT k."clientId" FROM "ApiKey" k
    WHERE ${Prisma.join(KINDS.map((kind) => Prisma.sql`(${dueSql(kind, now)} AND ${unclaimed(kind)})`), " OR ")}`);
  let claimed = 0;
  for (const { clientId } of clients) {
    try {
      claimed += await remindClient(clientId, now);
    } catch (err) {
      logger.warn({ err, clientId }, "key reminders for a Client failed");
    }
  }
  return claimed;
}

async function remindClient(clientId: string, now: Date): Promise<number> {
  return db().$transaction(async (tx) => {
    let claimed = 0;
    for (const kind of KINDS) {
      const rows = await tx.$queryRaw<Due[]>(Prisma.sql`
        WITH due AS (
          SELECT k.id FROM "ApiKey" k WHERE k."clientId" = ${clientId}::uuid AND ${dueSql(kind, now)} AND ${unclaimed(kind)}
          ORDER BY k."expiresAt" LIMIT 200
        ), claimed AS (
          INSERT INTO "KeyReminder" ("keyId", kind) SELECT id, ${kind} FROM due ON CONFLICT DO NOTHING RETURNING "keyId"
        )
        SELECT k.id, k.name, k."keyPrefix", k."expiresAt", k."lastUsedAt", c.name AS "clientName", c.type AS "clientType",
               coalesce(array_agg(u.email ORDER BY u.email) FILTER (WHERE u.email IS NOT NULL), '{}') AS recipients
        FROM claimed JOIN "ApiKey" k ON k.id = claimed."keyId" JOIN "Client" c ON c.id = k."clientId"
        LEFT JOIN "ClientMember" m ON m."clientId" = c.id AND m.role IN ('Owner', 'Admin')
        LEFT JOIN "User" u ON u.id = m."userId" AND u."keyReminderEmails"
        GROUP BY k.id, c.id`);
      for (const r of rows) {
        const email = keyReminderEmail(kind, { ...r, appUrl: env().APP_URL ?? null });
        for (const to of r.recipients) await enqueueEmail(tx, { ...email, to, subjectId: r.id });
      }
      if (rows.length > 0) logger.info({ event: "key reminders", kind, clientId, keys: rows.length }, "key reminders queued");
      claimed += rows.length;
    }
    return claimed;
  });
}

/** Run the reminders in this server process (when email is configured): soon after start, then every KEY_REMINDER_INTERVAL_MS. */
export function startKeyReminders(): void {
  const g = globalThis as unknown as { __dolfinReminders?: NodeJS.Timeout };
  if (!mailConfigured() || g.__dolfinReminders) return;
  const run = () => sendKeyReminders().catch((err) => logger.warn({ err }, "key reminder pass failed"));
  g.__dolfinReminders = setInterval(run, env().KEY_REMINDER_INTERVAL_MS);
  g.__dolfinReminders.unref();
  setTimeout(run, 500).unref();
}
