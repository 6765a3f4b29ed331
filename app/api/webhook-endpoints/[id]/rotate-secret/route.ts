import { json, notAllowed, withUser } from "@/lib/http/route";
import { rotateWebhookSecret } from "@/lib/webhooks/endpoints";

export const POST = withUser<{ id: string }>({ permission: "webhooks:manage" }, async ({ principal, params, meta }) => json(await rotateWebhookSecret(principal, params.id, meta)));

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
