import { noContent, notAllowed, withUser } from "@/lib/http/route";
import { revokeInvite } from "@/lib/invites/invites";

export const POST = withUser<{ id: string }>({ permission: "invites:write" }, async ({ principal, params, meta }) => {
  await revokeInvite(principal, params.id, meta);
  return noContent();
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
