import { readJsonBody } from "@/lib/http/body";
import { consume, rateLimitHeaders } from "@/lib/http/rate-limit";
import { json, notAllowed, withUser } from "@/lib/http/route";
import { createKeyRequest, listKeyRequests } from "@/lib/key-requests/key-requests";
import { createKeyRequestSchema, keyRequestListQuerySchema } from "@/lib/key-requests/schemas";

export const GET = withUser({ permission: "apiKeys:read" }, async ({ req, principal }) => {
  const query = keyRequestListQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  return json(await listKeyRequests(principal.clientId, query));
});

export const POST = withUser({ permission: "apiKeys:write" }, async ({ req, principal, meta }) => {
  const input = createKeyRequestSchema.parse(await readJsonBody(req));
  const limit = await consume("keyWrites", principal.clientId);
  const created = await createKeyRequest(principal, input, meta);
  return json(created, { status: 201, headers: { location: `/api/key-requests/${created.id}`, ...rateLimitHeaders(limit) } });
});

export const { PUT, PATCH, DELETE } = notAllowed(["GET", "POST"]);
