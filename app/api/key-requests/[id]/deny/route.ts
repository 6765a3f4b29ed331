import { readJsonBody } from "@/lib/http/body";
import { json, notAllowed, withUser } from "@/lib/http/route";
import { denyKeyRequest } from "@/lib/key-requests/key-requests";
import { denyKeyRequestSchema } from "@/lib/key-requests/schemas";

export const POST = withUser<{ id: string }>({ permission: "apiKeys:write" }, async ({ req, principal, params, meta }) => {
  const input = denyKeyRequestSchema.parse(await readJsonBody(req));
  return json(await denyKeyRequest(principal, params.id, input, meta));
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
