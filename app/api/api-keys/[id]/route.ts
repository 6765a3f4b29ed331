import { getApiKey } from "@/lib/api-keys/list-api-keys";
import { updateApiKey } from "@/lib/api-keys/update-api-key";
import { updateApiKeySchema } from "@/lib/api-keys/schemas";
import { readJsonBody } from "@/lib/http/body";
import { json, notAllowed, withAuth } from "@/lib/http/route";

export const GET = withAuth<{ id: string }>({ permission: "apiKeys:read" }, async ({ principal, params }) =>
  json(await getApiKey(principal.clientId, params.id, { forApiKey: principal.type === "apiKey" })),
);

export const PATCH = withAuth<{ id: string }>({ permission: "apiKeys:write" }, async ({ req, principal, params, meta }) => {
  const input = updateApiKeySchema.parse(await readJsonBody(req));
  return json(await updateApiKey(principal, params.id, input, meta));
});

export const { POST, PUT, DELETE } = notAllowed(["GET", "PATCH"]);
