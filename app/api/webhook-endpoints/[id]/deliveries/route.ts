import { json, notAllowed, withUser } from "@/lib/http/route";
import { listDeliveries } from "@/lib/webhooks/endpoints";
import { webhookListQuerySchema } from "@/lib/webhooks/schemas";

export const GET = withUser<{ id: string }>({ permission: "webhooks:manage" }, async ({ req, principal, params }) => {
  const query = webhookListQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  return json(await listDeliveries(principal, params.id, query));
});

export const { POST, PUT, PATCH, DELETE } = notAllowed(["GET"]);
