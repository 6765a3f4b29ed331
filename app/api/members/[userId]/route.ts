import { assertRecentProof } from "@/lib/auth/sudo";
import { readJsonBody } from "@/lib/http/body";
import { json, noContent, notAllowed, withUser } from "@/lib/http/route";
import { changeMemberRole, removeMember } from "@/lib/members/members";
import { changeRoleSchema } from "@/lib/members/schemas";

export const PATCH = withUser<{ userId: string }>({ permission: "members:write" }, async ({ req, principal, params, meta }) => {
  const { role } = changeRoleSchema.parse(await readJsonBody(req));
  // Only an Owner may make an Owner (lib/members/rules.ts); they do it in sudo mode.
  if (role === "Owner" && principal.role === "Owner") assertRecentProof(principal, "owners:grant");
  return json(await changeMemberRole(principal, params.userId, role, meta));
});

export const DELETE = withUser<{ userId: string }>({ permission: "members:write" }, async ({ principal, params, meta }) => {
  await removeMember(principal, params.userId, meta);
  return noContent();
});

export const { GET, POST, PUT } = notAllowed(["PATCH", "DELETE"]);
