import { readJsonBody } from "@/lib/http/body";
import { json, notAllowed, withUser } from "@/lib/http/route";
import { createWebhookEndpoint, listWebhookEndpoints } from "@/lib/webhooks/endpoints";
import { createWebhookEndpointSchema, webhookListQuerySchema } from "@/lib/webhooks/schemas";

export const GET = withUser({ permission: "webhooks:manage" }, async ({ req, principal }) => {
  const query = webhookListQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  return json(await listWebhookEndpoints(principal, query));
});

export const POST = withUser({ permission: "webhooks:manage" }, async ({ req, principal, meta }) => {
  const input = createWebhookEndpointSchema.parse(await readJsonBody(req));
  return json(await createWebhookEndpoint(principal, input, meta), { status: 201 });
});

export const { PUT, PATCH, DELETE } = notAllowed(["GET", "POST"]);
