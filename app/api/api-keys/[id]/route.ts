import { getApiKey } from "@/lib/api-keys/list-api-keys";
import { json, notAllowed, withAuth } from "@/lib/http/route";

export const GET = withAuth<{ id: string }>({ permission: "apiKeys:read" }, async ({ principal, params }) =>
  json(await getApiKey(principal.clientId, params.id)),
);

export const { POST, PUT, PATCH, DELETE } = notAllowed(["GET"]);
