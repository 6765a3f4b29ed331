import { readJsonBody } from "@/lib/http/body";
import { Problems } from "@/lib/http/problem";
import { json, noContent, notAllowed, withAuth } from "@/lib/http/route";
import { changeMemberRole, removeMember } from "@/lib/members/members";
import { changeRoleSchema } from "@/lib/members/schemas";

// members:write is a user-only permission (API keys get 403 Auth.NotUserScopedToken before reaching here).
export const PATCH = withAuth<{ userId: string }>({ permission: "members:write" }, async ({ req, principal, params, meta }) => {
  if (principal.type !== "user") throw Problems.notUserScoped();
  const { role } = changeRoleSchema.parse(await readJsonBody(req));
  return json(await changeMemberRole(principal, params.userId, role, meta));
});

export const DELETE = withAuth<{ userId: string }>({ permission: "members:write" }, async ({ principal, params, meta }) => {
  if (principal.type !== "user") throw Problems.notUserScoped();
  await removeMember(principal, params.userId, meta);
  return noContent();
});

export const { GET, POST, PUT } = notAllowed(["PATCH", "DELETE"]);
