import { json, notAllowed, withUser } from "@/lib/http/route";
import { retryDelivery } from "@/lib/webhooks/endpoints";

export const POST = withUser<{ id: string; deliveryId: string }>({ permission: "webhooks:manage" }, async ({ principal, params, meta }) =>
  json(await retryDelivery(principal, params.id, params.deliveryId, meta), { status: 202 }),
);

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
