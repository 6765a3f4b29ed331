import { readJsonBody } from "@/lib/http/body";
import { json, noContent, notAllowed, withUser } from "@/lib/http/route";
import { deleteWebhookEndpoint, getWebhookEndpoint, updateWebhookEndpoint } from "@/lib/webhooks/endpoints";
import { updateWebhookEndpointSchema } from "@/lib/webhooks/schemas";

export const GET = withUser<{ id: string }>({ permission: "webhooks:manage" }, async ({ principal, params }) => json(await getWebhookEndpoint(principal, params.id)));

export const PATCH = withUser<{ id: string }>({ permission: "webhooks:manage" }, async ({ req, principal, params, meta }) => {
  const input = updateWebhookEndpointSchema.parse(await readJsonBody(req));
  return json(await updateWebhookEndpoint(principal, params.id, input, meta));
});

export const DELETE = withUser<{ id: string }>({ permission: "webhooks:manage" }, async ({ principal, params, meta }) => {
  await deleteWebhookEndpoint(principal, params.id, meta);
  return noContent();
});

export const { POST, PUT } = notAllowed(["GET", "PATCH", "DELETE"]);
