import { assertRecentProof } from "@/lib/auth/sudo";
import { listQuerySchema } from "@/lib/api-keys/schemas";
import { readJsonBody } from "@/lib/http/body";
import { appBaseUrl } from "@/lib/http/app-url";
import { json, notAllowed, withUser } from "@/lib/http/route";
import { createInvite, listInvites } from "@/lib/invites/invites";
import { createInviteSchema } from "@/lib/invites/schemas";

export const GET = withUser({ permission: "invites:write" }, async ({ req, principal }) => {
  const query = listQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  return json(await listInvites(principal.clientId, query));
});

export const POST = withUser({ permission: "invites:write" }, async ({ req, principal, meta }) => {
  const input = createInviteSchema.parse(await readJsonBody(req));
  // Only an Owner may invite an Owner (lib/members/rules.ts); they do it in sudo mode.
  if (input.role === "Owner" && principal.role === "Owner") assertRecentProof(principal, "owners:grant");
  const created = await createInvite({ type: "user", principal }, principal.clientId, input, meta, appBaseUrl(req));
  return json(created, { status: 201 });
});

export const { PUT, PATCH, DELETE } = notAllowed(["GET", "POST"]);
