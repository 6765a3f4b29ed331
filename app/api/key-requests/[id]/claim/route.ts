import { consume, rateLimitHeaders } from "@/lib/http/rate-limit";
import { json, notAllowed, withUser } from "@/lib/http/route";
import { claimKeyRequest } from "@/lib/key-requests/key-requests";

// The requester only, once: create's response (the raw key, shown this once).
export const POST = withUser<{ id: string }>({ permission: "apiKeys:write" }, async ({ principal, params, meta }) => {
  const limit = await consume("keyWrites", principal.clientId);
  const created = await claimKeyRequest(principal, params.id, meta);
  return json(created, { status: 201, headers: { location: `/api/api-keys/${created.id}`, ...rateLimitHeaders(limit) } });
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
