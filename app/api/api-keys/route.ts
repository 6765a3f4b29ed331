import { createApiKey } from "@/lib/api-keys/create-api-key";
import { listApiKeys } from "@/lib/api-keys/list-api-keys";
import { apiKeyListQuerySchema, createApiKeySchema } from "@/lib/api-keys/schemas";
import { readJsonBody } from "@/lib/http/body";
import { consume, rateLimitHeaders } from "@/lib/http/rate-limit";
import { json, notAllowed, withAuth } from "@/lib/http/route";

export const GET = withAuth({ permission: "apiKeys:read" }, async ({ req, principal }) => {
  const query = apiKeyListQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  return json(await listApiKeys(principal.clientId, query, { forApiKey: principal.type === "apiKey" }));
});

export const POST = withAuth({ permission: "apiKeys:write" }, async ({ req, principal, meta }) => {
  const input = createApiKeySchema.parse(await readJsonBody(req));
  const limit = await consume("keyWrites", principal.clientId);
  const created = await createApiKey(principal, input, meta);
  return json(created, { status: 201, headers: { location: `/api/api-keys/${created.id}`, ...rateLimitHeaders(limit) } });
});

export const { PUT, PATCH, DELETE } = notAllowed(["GET", "POST"]);
