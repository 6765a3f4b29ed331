import { json, notAllowed, withAuth } from "@/lib/http/route";
import { meSchema } from "@/lib/auth/schemas";

/** Who am I: proof that a credential works, and for which Client. */
export const GET = withAuth({ permission: "self:read" }, async ({ principal: p }) =>
  json(
    meSchema.parse(
      p.type === "apiKey"
        ? { type: "apiKey", clientId: p.clientId, apiKeyId: p.apiKeyId, userId: null, role: null }
        : { type: "user", clientId: p.clientId, apiKeyId: null, userId: p.userId, role: p.role },
    ),
  ),
);

export const { POST, PUT, PATCH, DELETE } = notAllowed(["GET"]);
