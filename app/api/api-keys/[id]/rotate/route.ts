import { rotateApiKey } from "@/lib/api-keys/rotate-api-key";
import { rotateApiKeySchema } from "@/lib/api-keys/schemas";
import { readJsonBody } from "@/lib/http/body";
import { json, withAuth } from "@/lib/http/route";

export const POST = withAuth<{ id: string }>({ permission: "apiKeys:write" }, async ({ req, principal, params, meta }) => {
  const input = rotateApiKeySchema.parse(await readJsonBody(req, { optional: true }));
  const created = await rotateApiKey(principal, params.id, input, meta);
  return json(created, { status: 201, headers: { location: `/api/api-keys/${created.id}` } });
});
