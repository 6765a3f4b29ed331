import { revokeApiKey } from "@/lib/api-keys/revoke-api-key";
import { noContent, notAllowed, withAuth } from "@/lib/http/route";

export const POST = withAuth<{ id: string }>({ permission: "apiKeys:write" }, async ({ principal, params, meta }) => {
  await revokeApiKey(principal, params.id, meta);
  return noContent();
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
