import { rotateApiKey } from "@/lib/api-keys/rotate-api-key";
import { rotateApiKeySchema } from "@/lib/api-keys/schemas";
import { readJsonBody } from "@/lib/http/body";
import { consume, rateLimitHeaders } from "@/lib/http/rate-limit";
import { json, notAllowed, withAuth } from "@/lib/http/route";

export const POST = withAuth<{ id: string }>({ permission: "apiKeys:write" }, async ({ req, principal, params, meta }) => {
  const input = rotateApiKeySchema.parse(await readJsonBody(req, { optional: true }));
  const limit = await consume("keyWrites", principal.clientId);
  const created = await rotateApiKey(principal, params.id, input, meta);
  return json(created, { status: 201, headers: { location: `/api/api-keys/${created.id}`, ...rateLimitHeaders(limit) } });
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
