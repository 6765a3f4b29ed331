import { getApiKey } from "@/lib/api-keys/list-api-keys";
import { renameApiKey } from "@/lib/api-keys/rename-api-key";
import { renameApiKeySchema } from "@/lib/api-keys/schemas";
import { readJsonBody } from "@/lib/http/body";
import { json, notAllowed, withAuth } from "@/lib/http/route";

export const GET = withAuth<{ id: string }>({ permission: "apiKeys:read" }, async ({ principal, params }) =>
  json(await getApiKey(principal.clientId, params.id)),
);

export const PATCH = withAuth<{ id: string }>({ permission: "apiKeys:write" }, async ({ req, principal, params, meta }) => {
  const input = renameApiKeySchema.parse(await readJsonBody(req));
  return json(await renameApiKey(principal, params.id, input, meta));
});

export const { POST, PUT, DELETE } = notAllowed(["GET", "PATCH"]);
