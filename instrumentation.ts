// Runs once when the server starts (not during `next build`): a bad
// environment fails the boot with a clear message instead of the first request;
// then the email outbox worker starts (when SMTP is configured), and the
// hourly pruning of old usage rows (and old sessions), and the key expiry reminders (with SMTP), and the webhook sender (always).
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { env } = await import("./lib/env");
    env();
    const { startMailWorker } = await import("./lib/mail/outbox");
    startMailWorker();
    const { startUsageRetention } = await import("./lib/api-keys/usage");
    const { pruneSessions } = await import("./lib/auth/sessions");
    startUsageRetention([{ what: "sessions", prune: pruneSessions }]); // sessions ended or expired 30 days ago, in the same hourly pass
    const { startKeyReminders } = await import("./lib/api-keys/reminders");
    startKeyReminders();
    const { startWebhookWorker } = await import("./lib/webhooks/worker");
    startWebhookWorker(); // with or without SMTP
  }
}
