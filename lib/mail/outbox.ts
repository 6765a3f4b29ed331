import "server-only";
// The email outbox. enqueueEmail() writes a row in the caller's transaction,
// so an email exists if and only if what it announces committed. Each server
// runs a worker that claims due rows with FOR UPDATE SKIP LOCKED (two
// instances never take the same row), sends them over SMTP, and records the
// outcome; a failure is retried with backoff, and a row claimed by a server
// that died comes back when its claim lapses.
import nodemailer, { type Transporter } from "nodemailer";
import type { Tx } from "@/lib/db/client";
import { sqlQuery } from "@/lib/db/tx";
import { env } from "@/lib/env";
import { Prisma } from "@/lib/generated/prisma/client";
import { logger } from "@/lib/log";
import { seal, unseal } from "./seal";
import { clip, escapeHtml, LINK, type Email } from "./templates";

export const MAX_ATTEMPTS = 8;
const CLAIM_SECONDS = 120;

export function mailConfigured(): boolean {
  return Boolean(env().SMTP_URL);
}

/** Queue one email in the caller's transaction. `secretLink` replaces {{link}} at send time and is stored sealed. */
export async function enqueueEmail(tx: Tx, e: Email & { to: string; secretLink?: string; subjectId?: string }): Promise<void> {
  await tx.emailOutbox.create({
    data: {
      to: e.to,
      subject: clip(e.subject, 300), // the column's size; templates stay under it (SUBJECT_MAX)
      text: e.text,
      html: e.html,
      secretLink: e.secretLink ? seal(e.secretLink) : null,
      subjectId: e.subjectId ?? null,
    },
  });
}

type Claimed = { id: string; to: string; subject: string; text: string; html: string; secretLink: string | null; attempts: number };


let transport: Transporter | undefined;
function smtp(): Transporter {
  return (transport ??= nodemailer.createTransport(env().SMTP_URL!, { from: env().MAIL_FROM }));
}

export function backoffMs(attempts: number): number {
  return Math.min(3_600_000, env().MAIL_RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

/** One pass: claim up to `limit` due emails and send them. Returns how many were sent. */
export async function sendDueEmails(limit = 20): Promise<number> {
  const rows = await sqlQuery<Claimed>(Prisma.sql`
    UPDATE "EmailOutbox" SET "lockedUntil" = now() + make_interval(secs => ${CLAIM_SECONDS}), attempts = attempts + 1
    WHERE id IN (
      SELECT id FROM "EmailOutbox"
      WHERE status = 'Pending' AND "nextAttemptAt" <= now() AND ("lockedUntil" IS NULL OR "lockedUntil" < now())
      ORDER BY "nextAttemptAt" LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id, "to", subject, text, html, "secretLink", attempts`);
  let sent = 0;
  for (const r of rows) {
    try {
      const link = r.secretLink ? unseal(r.secretLink) : "";
      await smtp().sendMail({
        to: r.to,
        subject: r.subject,
        text: r.text.replaceAll(LINK, link),
        html: r.html.replaceAll(LINK, escapeHtml(link)),
      });
      await sqlQuery(Prisma.sql`
        UPDATE "EmailOutbox" SET status = 'Sent', "sentAt" = now(), "secretLink" = NULL, "lockedUntil" = NULL, "lastError" = NULL
        WHERE id = ${r.id}::uuid`);
      sent++;
      logger.info({ event: "email sent", emailId: r.id, attempts: r.attempts }, "email sent");
    } catch (err) {
      const giveUp = r.attempts >= MAX_ATTEMPTS;
      const message = (err instanceof Error ? err.message : String(err)).slice(0, 1000);
      await sqlQuery(Prisma.sql`
        UPDATE "EmailOutbox"
        SET status = ${giveUp ? "Failed" : "Pending"}::"EmailStatus", "lastError" = ${message}, "lockedUntil" = NULL,
            "nextAttemptAt" = now() + make_interval(secs => ${backoffMs(r.attempts) / 1000}),
            "secretLink" = CASE WHEN ${giveUp} THEN NULL ELSE "secretLink" END
        WHERE id = ${r.id}::uuid`).catch((e) => logger.warn({ err: e, emailId: r.id }, "could not record an email failure"));
      logger.warn({ event: giveUp ? "email given up" : "email failed", emailId: r.id, attempts: r.attempts, error: message }, "email not sent");
    }
  }
  return sent;
}

const g = globalThis as unknown as { __dolfinMailWorker?: NodeJS.Timeout; __dolfinMailBusy?: boolean };

/** Poll for due email in this server process (when SMTP is configured). */
export function startMailWorker(): void {
  if (!mailConfigured() || g.__dolfinMailWorker) return;
  const tick = async () => {
    if (g.__dolfinMailBusy) return;
    g.__dolfinMailBusy = true;
    try {
      while ((await sendDueEmails()) > 0);
    } catch (err) {
      logger.warn({ err }, "mail worker pass failed");
    } finally {
      g.__dolfinMailBusy = false;
    }
  };
  g.__dolfinMailWorker = setInterval(tick, env().MAIL_POLL_INTERVAL_MS);
  g.__dolfinMailWorker.unref();
  void tick();
  logger.info({ event: "mail worker started" }, "sending email through SMTP");
}
