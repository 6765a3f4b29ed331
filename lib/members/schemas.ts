// Client memberships as the API shows and changes them. Browser-safe.
import { z } from "zod";
import { pageSchema } from "@/lib/api-keys/schemas";
import { ROLES } from "@/lib/auth/permissions";

export const memberSchema = z
  .strictObject({
    userId: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    joinedAt: z.iso.datetime().describe("When the user became a member of this Client."),
    twoFactor: z.boolean().describe("Whether the person has a second factor (an authenticator app)."),
  })
  .meta({ id: "Member" });

export type MemberView = z.infer<typeof memberSchema>;
export const memberPageSchema = pageSchema(memberSchema, "MemberPage");

export const changeRoleSchema = z
  .strictObject(
    { role: z.enum(ROLES, { error: "role must be Owner, Admin or Member." }) },
    { error: (iss) => (iss.code === "unrecognized_keys" ? undefined : "The body must be a JSON object.") },
  )
  .meta({ id: "ChangeMemberRoleRequest" });

export type ChangeRoleData = z.output<typeof changeRoleSchema>;
