// Runs once when the server starts (not during `next build`): a bad
// environment fails the boot with a clear message instead of the first request;
// then the email outbox worker starts (when SMTP is configured), and the
// hourly pruning of old usage rows (and old sessions), and the key expiry reminders (with SMTP), and the webhook sender (always).
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { env } = await import("./lib/env");
    env();
    const { warmLimitStore } = await import("./lib/api-keys/limits");
    warmLimitStore(); // with REDIS_URL: connected before the first limited key is checked
    const { startMailWorker } = await import("./lib/mail/outbox");
    startMailWorker();
    const { startUsageRetention } = await import("./lib/api-keys/usage");
    const { pruneSessions } = await import("./lib/auth/sessions");
    const { expireKeyRequests } = await import("./lib/key-requests/key-requests");
    const { pruneKeyChanges } = await import("./lib/api-keys/key-events");
    const { pruneWebhookDeliveries } = await import("./lib/webhooks/worker");
    startUsageRetention([
      { what: "sessions", prune: pruneSessions }, // sessions ended or expired 30 days ago, in the same hourly pass
      { what: "key requests (expired)", prune: () => expireKeyRequests() }, // pending 7 days, or approved and unclaimed 24 hours
      { what: "key change log rows", prune: () => pruneKeyChanges() }, // a day old: reconciliation reads back less
      { what: "webhook deliveries", prune: pruneWebhookDeliveries }, // finished deliveries 30 days old
    ]);
    const { startKeyReminders } = await import("./lib/api-keys/reminders");
    startKeyReminders();
    const { startWebhookWorker } = await import("./lib/webhooks/worker");
    startWebhookWorker(); // with or without SMTP
  }
}
