// The OpenAPI operations of webhook endpoints (assembled by lib/openapi/document.ts).
import { z } from "zod";
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject, ZodOpenApiResponsesObject } from "zod-openapi";
import { WEBHOOK_EVENT_LABELS, WEBHOOK_EVENT_TYPES } from "./event-types";
import {
  createdWebhookEndpointSchema,
  createWebhookEndpointSchema,
  rotatedWebhookSecretSchema,
  updateWebhookEndpointSchema,
  webhookDeliveryPageSchema,
  webhookDeliverySchema,
  webhookEndpointPageSchema,
  webhookEndpointSchema,
} from "./schemas";

type Response = ZodOpenApiResponsesObject[`${1 | 2 | 3 | 4 | 5}${string}`];
type Common = Record<"401" | "403" | "429" | "503" | "default", Response> & ZodOpenApiResponsesObject;

export const WEBHOOKS_TAG = {
  name: "Webhooks",
  description: [
    "Your systems hear about the Client's keys, people and invitations as they happen. Each event is POSTed as JSON `{ type, timestamp, data: { id, clientId, … } }` (never a raw key, hash or token), signed per [Standard Webhooks](https://www.standardwebhooks.com/): headers `webhook-id` (`msg_` + the event id: the same on every attempt, drop duplicates by it), `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the secret's base64-decoded bytes; two, space-separated, for 24 hours after a rotation). The `standardwebhooks` package and Svix's libraries verify it unchanged.",
    "Delivery is at least once: answer 2xx within 10 s (redirects are not followed). Failures are retried with exponential backoff for 3 days; `410 Gone` turns the endpoint off, and so do 5 days of failures (its Owners and Admins are emailed). Only https URLs whose addresses are public are accepted, checked again at every send.",
    "Events: " + WEBHOOK_EVENT_TYPES.map((t) => `\`${t}\` (${WEBHOOK_EVENT_LABELS[t].toLowerCase()})`).join(", ") + "; `webhook.test` from the test route.",
  ].join("\n\n"),
};

const id = z.object({ id: z.uuid().meta({ description: "The endpoint's id." }) });
const listQuery = z.object({
  Cursor: z.string().optional().meta({ description: "`nextCursor` from the previous page." }),
  Limit: z.number().int().min(1).max(100).optional().meta({ description: "Page size, 1–100 (default 20)." }),
});
const who = "Owners and Admins only (`403 Member.Forbidden` for Members, `403 Auth.NotUserScopedToken` for API keys).";

export function webhookPaths(problem: (description: string) => Response, common: Common, bodyErrors: ZodOpenApiResponsesObject): ZodOpenApiPathsObject {
  const people: Record<string, string[]>[] = [{ BearerAuth: [] }, { SessionCookie: [] }];
  const notFound = problem("`Webhook.NotFound` (also for another Client's endpoint).");
  const op = (o: ZodOpenApiOperationObject): ZodOpenApiOperationObject => ({ tags: ["Webhooks"], security: people, ...o });
  return {
    "/api/webhook-endpoints": {
      get: op({
        operationId: "listWebhookEndpoints",
        summary: "List webhook endpoints",
        description: `Newest first, never the secret. ${who}`,
        requestParams: { query: listQuery },
        responses: { "200": { description: "A page of endpoints.", content: { "application/json": { schema: webhookEndpointPageSchema } } }, "400": problem("`Request.Invalid`."), ...common },
      }),
      post: op({
        operationId: "createWebhookEndpoint",
        summary: "Add a webhook endpoint",
        description: `Answers its signing secret once (like a raw key: it is stored encrypted and never shown again; rotate it to get a new one). At most 20 per Client. Audited. ${who}`,
        requestBody: {
          required: true,
          content: { "application/json": { schema: createWebhookEndpointSchema, examples: { keys: { value: { url: "https://hooks.example.com/dolfin", events: ["apiKey.revoked", "apiKey.leaked", "apiKey.expiring"], description: "SIEM" } } } } },
        },
        responses: {
          "201": { description: "Created; `secret` in this answer only.", content: { "application/json": { schema: createdWebhookEndpointSchema } } },
          "400": problem("`Request.Invalid` (field `errors`), or `Webhook.UrlRefused` (`errors.url`): not https, credentials in the URL, a host that does not resolve or resolves to a loopback, private, link-local, unique-local or metadata address."),
          "409": problem("`Webhook.LimitReached`."),
          ...bodyErrors,
          ...common,
        },
      }),
    },
    "/api/webhook-endpoints/{id}": {
      get: op({ operationId: "getWebhookEndpoint", summary: "Get a webhook endpoint", requestParams: { path: id }, responses: { "200": { description: "The endpoint.", content: { "application/json": { schema: webhookEndpointSchema } } }, "404": notFound, ...common } }),
      patch: op({
        operationId: "updateWebhookEndpoint",
        summary: "Change a webhook endpoint",
        description: `Its url, events, description, or \`enabled\` (false turns it off; true back on, forgetting past failures). Audited. ${who}`,
        requestParams: { path: id },
        requestBody: { required: true, content: { "application/json": { schema: updateWebhookEndpointSchema, examples: { disable: { value: { enabled: false } } } } } },
        responses: { "200": { description: "Changed.", content: { "application/json": { schema: webhookEndpointSchema } } }, "400": problem("`Request.Invalid`, `Webhook.UrlRefused`."), "404": notFound, ...bodyErrors, ...common },
      }),
      delete: op({ operationId: "deleteWebhookEndpoint", summary: "Delete a webhook endpoint", description: `With its deliveries. Audited. ${who}`, requestParams: { path: id }, responses: { "204": { description: "Deleted." }, "404": notFound, ...common } }),
    },
    "/api/webhook-endpoints/{id}/rotate-secret": {
      post: op({
        operationId: "rotateWebhookSecret",
        summary: "Rotate an endpoint's secret",
        description: `A new secret, in this answer only; for 24 hours the old one still signs beside it (two signatures in \`webhook-signature\`), so receivers switch without losing a delivery. Audited. ${who}`,
        requestParams: { path: id },
        responses: { "200": { description: "The new secret.", content: { "application/json": { schema: rotatedWebhookSecretSchema } } }, "404": notFound, ...common },
      }),
    },
    "/api/webhook-endpoints/{id}/test": {
      post: op({
        operationId: "testWebhookEndpoint",
        summary: "Send a test event",
        description: `Queues \`webhook.test\` for this endpoint alone; follow it in the deliveries. Test events and retries: at most RATE_LIMIT_WEBHOOK_SENDS_PER_MINUTE (default 10) per endpoint a minute, else 429 with Retry-After. ${who}`,
        requestParams: { path: id },
        responses: { "202": { description: "Queued.", content: { "application/json": { schema: webhookDeliverySchema } } }, "404": notFound, "409": problem("`Webhook.Disabled`: turn it on first."), ...common },
      }),
    },
    "/api/webhook-endpoints/{id}/deliveries": {
      get: op({
        operationId: "listWebhookDeliveries",
        summary: "An endpoint's deliveries",
        description: `Newest first: event type, status, attempts (with each one's status code or error), last response, next attempt. ${who}`,
        requestParams: { path: id, query: listQuery },
        responses: { "200": { description: "A page of deliveries.", content: { "application/json": { schema: webhookDeliveryPageSchema } } }, "400": problem("`Request.Invalid`."), "404": notFound, ...common },
      }),
    },
    "/api/webhook-endpoints/{id}/deliveries/{deliveryId}/retry": {
      post: op({
        operationId: "retryWebhookDelivery",
        summary: "Retry a delivery now",
        description: `Any delivery (pending, failed or delivered) is sent again at once, with the same webhook-id; one being sent right now is 409 \`Webhook.DeliveryInProgress\`. Counted with test events (429 past the per-endpoint limit). ${who}`,
        requestParams: { path: id.extend({ deliveryId: z.uuid().meta({ description: "The delivery's id." }) }) },
        responses: {
          "202": { description: "Queued.", content: { "application/json": { schema: webhookDeliverySchema } } },
          "404": problem("`Webhook.NotFound`, `Webhook.DeliveryNotFound`."),
          "409": problem("`Webhook.Disabled`, `Webhook.DeliveryInProgress` (being sent right now)."),
          ...common,
        },
      }),
    },
  };
}
