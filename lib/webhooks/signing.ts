// Standard Webhooks signing (https://www.standardwebhooks.com/), so the
// `standardwebhooks` package and Svix's libraries verify our deliveries
// unchanged: headers webhook-id, webhook-timestamp (Unix seconds) and
// webhook-signature, "v1,<base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`>",
// several separated by spaces (beside a rotation's previous secret).
import { createHmac, randomBytes } from "node:crypto";

const PREFIX = "whsec_";

/** A new signing secret: "whsec_" + 32 random bytes, base64 (the key is the decoded bytes). */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString("base64");
}

export function signPayload(secret: string, msgId: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, "base64");
  return "v1," + createHmac("sha256", key).update(`${msgId}.${timestamp}.${body}`, "utf8").digest("base64");
}

/** The three headers of one attempt, signed with every secret given (current first). */
export function webhookHeaders(secrets: string[], msgId: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    "webhook-id": msgId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": secrets.map((s) => signPayload(s, msgId, timestamp, body)).join(" "),
  };
}

/** The webhook-id of an event: the same for every endpoint and every attempt (receivers drop duplicates by it). */
export const messageId = (eventId: string) => `msg_${eventId}`;
