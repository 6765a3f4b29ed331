import { json, notAllowed, withUser } from "@/lib/http/route";
import { getKeyRequest } from "@/lib/key-requests/key-requests";

export const GET = withUser<{ id: string }>({ permission: "apiKeys:read" }, async ({ principal, params }) => json(await getKeyRequest(principal.clientId, params.id)));

export const { POST, PUT, PATCH, DELETE } = notAllowed(["GET"]);
