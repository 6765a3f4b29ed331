import { json, notAllowed, withUser } from "@/lib/http/route";
import { approveKeyRequest } from "@/lib/key-requests/key-requests";

// An Owner or Admin other than the requester, in sudo mode (checked by the service once the request is known to be pending).
export const POST = withUser<{ id: string }>({ permission: "apiKeys:write" }, async ({ principal, params, meta }) =>
  json(await approveKeyRequest(principal, params.id, meta)),
);

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
