// Webhook endpoints and deliveries as the API takes and shows them. Browser-safe (the page's form uses them).
import { z } from "zod";
import { listQuerySchema, pageSchema } from "@/lib/api-keys/schemas";
import { WEBHOOK_EVENT_TYPES } from "./event-types";

export const URL_MAX = 2048;
export const DESCRIPTION_MAX = 500;
/** At most this many endpoints per Client. */
export const MAX_ENDPOINTS = 20;

const url = z
  .string({ error: "url must be a string." })
  .trim()
  .min(1, "Enter the URL that receives the events.")
  .max(URL_MAX, `url must be at most ${URL_MAX} characters.`)
  .refine((s) => /^https?:\/\//i.test(s), "The URL must start with https://.")
  .describe("Where events are POSTed: https only (the addresses it resolves to must be public; checked again at every send).");
const events = z
  .array(z.enum(WEBHOOK_EVENT_TYPES, { error: `Each event must be one of ${WEBHOOK_EVENT_TYPES.join(", ")}.` }), { error: "events must be a list of event types." })
  .min(1, "Choose at least one event.")
  .refine((a) => new Set(a).size === a.length, "An event is listed twice.")
  .describe("The event types sent to this endpoint.");
const description = z
  .string({ error: "description must be a string or null." })
  .trim()
  .max(DESCRIPTION_MAX, `description must be at most ${DESCRIPTION_MAX} characters.`)
  .refine((s) => !/\p{Cc}/u.test(s), "description must not contain control characters.")
  .nullable();

const objectError = { error: (iss: { code?: string }) => (iss.code === "unrecognized_keys" ? undefined : "The body must be a JSON object.") };

export const createWebhookEndpointSchema = z
  .strictObject({ url, events, description: description.optional().transform((d) => d || null) }, objectError)
  .meta({ id: "CreateWebhookEndpointRequest" });
export type CreateWebhookEndpointData = z.output<typeof createWebhookEndpointSchema>;

export const updateWebhookEndpointSchema = z
  .strictObject(
    {
      url: url.optional(),
      events: events.optional(),
      description: description.optional().transform((d) => (d === undefined ? undefined : d || null)),
      enabled: z.boolean({ error: "enabled must be true or false." }).optional().describe("false turns deliveries off; true turns them back on (and forgets past failures)."),
    },
    objectError,
  )
  .refine((b) => Object.values(b).some((v) => v !== undefined), "Give at least one of url, events, description, enabled.")
  .meta({ id: "UpdateWebhookEndpointRequest" });
export type UpdateWebhookEndpointData = z.output<typeof updateWebhookEndpointSchema>;

export const webhookEndpointSchema = z
  .strictObject({
    id: z.uuid(),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    enabled: z.boolean(),
    disabledReason: z.enum(["manual", "gone", "failing"]).nullable().describe("Why it is off: turned off by someone, the receiver answered 410 Gone, or 5 days of failed deliveries."),
    previousSecretExpiresAt: z.iso.datetime().nullable().describe("After a rotation, until when the old secret still signs beside the new one."),
    failingSince: z.iso.datetime().nullable().describe("When deliveries began failing with no success since (5 days of it turns the endpoint off)."),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "WebhookEndpoint", description: "A webhook endpoint: never its signing secret (shown once, at create and rotation)." });
export type WebhookEndpointView = z.infer<typeof webhookEndpointSchema>;
export const webhookEndpointPageSchema = pageSchema(webhookEndpointSchema, "WebhookEndpointPage");

const secret = z.string().describe("The signing secret, `whsec_` + 32 random bytes in base64, shown only in this answer. Verify deliveries with it (Standard Webhooks).");

export const createdWebhookEndpointSchema = webhookEndpointSchema
  .extend({ secret })
  .meta({ id: "CreatedWebhookEndpoint", description: "The new endpoint with its secret, in this answer only." });
export type CreatedWebhookEndpointView = z.infer<typeof createdWebhookEndpointSchema>;

export const rotatedWebhookSecretSchema = z
  .strictObject({ secret, previousSecretExpiresAt: z.iso.datetime().describe("The old secret signs beside the new one until then (24 hours).") })
  .meta({ id: "RotatedWebhookSecret" });
export type RotatedWebhookSecretView = z.infer<typeof rotatedWebhookSecretSchema>;

export const webhookAttemptSchema = z
  .strictObject({
    at: z.iso.datetime(),
    statusCode: z.number().int().nullable().describe("The receiver's HTTP status; null when none came (refused target, connection error, timeout)."),
    error: z.string().nullable(),
    durationMs: z.number().int(),
  })
  .meta({ id: "WebhookDeliveryAttempt" });

export const webhookDeliverySchema = z
  .strictObject({
    id: z.uuid(),
    eventId: z.uuid().describe("The event's id; the webhook-id header is `msg_` + it, the same on every attempt."),
    eventType: z.string(),
    status: z.enum(["Pending", "Delivered", "Failed"]),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastAttemptAt: z.iso.datetime().nullable(),
    nextAttemptAt: z.iso.datetime().nullable().describe("When it is tried next (Pending only)."),
    deliveredAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    log: z.array(webhookAttemptSchema).describe("Its latest attempts (up to 10), newest first."),
  })
  .meta({ id: "WebhookDelivery" });
export type WebhookDeliveryView = z.infer<typeof webhookDeliverySchema>;
export const webhookDeliveryPageSchema = pageSchema(webhookDeliverySchema, "WebhookDeliveryPage");

export const webhookListQuerySchema = listQuerySchema;
