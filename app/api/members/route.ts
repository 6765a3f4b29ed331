import { listQuerySchema } from "@/lib/api-keys/schemas";
import { json, notAllowed, withUser } from "@/lib/http/route";
import { listMembers } from "@/lib/members/members";

export const GET = withUser({ permission: "members:read" }, async ({ req, principal }) => {
  const query = listQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  return json(await listMembers(principal.clientId, query));
});

export const { POST, PUT, PATCH, DELETE } = notAllowed(["GET"]);
