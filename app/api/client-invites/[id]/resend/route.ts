import { appBaseUrl } from "@/lib/http/app-url";
import { json, notAllowed, withUser } from "@/lib/http/route";
import { resendInvite } from "@/lib/invites/invites";

export const POST = withUser<{ id: string }>({ permission: "invites:write" }, async ({ req, principal, params, meta }) => {
  return json(await resendInvite(principal, params.id, meta, appBaseUrl(req)));
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
