import { readJsonBody } from "@/lib/http/body";
import { json, notAllowed, withPublic } from "@/lib/http/route";
import { acceptInvite } from "@/lib/invites/invites";
import { acceptInviteSchema } from "@/lib/invites/schemas";

// Public: the token (and, for an existing account, its password) is the credential.
export const POST = withPublic(async ({ req, meta }) => {
  const input = acceptInviteSchema.parse(await readJsonBody(req));
  return json(await acceptInvite(input, meta));
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
