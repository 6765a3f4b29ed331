// The events an endpoint may subscribe to. Browser-safe (the page's checkboxes).
export const WEBHOOK_EVENT_TYPES = [
  "apiKey.created",
  "apiKey.revoked",
  "apiKey.rotated",
  "apiKey.accessChanged",
  "apiKey.expiring",
  "apiKey.expired",
  "apiKey.leaked",
  "member.added",
  "member.roleChanged",
  "member.removed",
  "invitation.created",
  "invitation.resent",
  "invitation.revoked",
  "invitation.accepted",
  "keyRequest.created",
  "keyRequest.approved",
  "keyRequest.denied",
  "keyRequest.claimed",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What each event means, for the page and the API reference. */
export const WEBHOOK_EVENT_LABELS: Record<WebhookEventType, string> = {
  "apiKey.created": "A key was created",
  "apiKey.revoked": "A key was revoked",
  "apiKey.rotated": "A key was rotated (data: the old key; newKeyId and newKeyPrefix its replacement)",
  "apiKey.accessChanged": "A key's scopes or allowlist changed",
  "apiKey.expiring": "A key expires within 7 days",
  "apiKey.expired": "A key expired",
  "apiKey.leaked": "A key was reported leaked (and revoked)",
  "member.added": "Someone joined the Client",
  "member.roleChanged": "A member's role changed",
  "member.removed": "A member was removed",
  "invitation.created": "Someone was invited",
  "invitation.resent": "An invitation was sent again",
  "invitation.revoked": "An invitation was revoked",
  "invitation.accepted": "An invitation was accepted",
  "keyRequest.created": "A key was requested",
  "keyRequest.approved": "A key request was approved",
  "keyRequest.denied": "A key request was denied or withdrawn",
  "keyRequest.claimed": "An approved key request's key was created",
};
