import { z } from "zod";
import { KEY_APPROVAL_POLICIES } from "@/lib/key-requests/schemas";

export const MAX_LIFETIME_DAYS = 3650;

/** A Client's key policy: shared by PUT /api/key-policy and the policy form. */
export const keyPolicySchema = z
  .strictObject(
    {
      keysMustExpire: z.boolean({ error: "keysMustExpire must be true or false." }),
      maxKeyLifetimeDays: z
        .number({ error: "maxKeyLifetimeDays must be a whole number of days, or null." })
        .int("maxKeyLifetimeDays must be a whole number of days.")
        .min(1, "The maximum lifetime must be at least 1 day.")
        .max(MAX_LIFETIME_DAYS, `The maximum lifetime can be at most ${MAX_LIFETIME_DAYS} days.`)
        .nullable(),
      maxActiveKeys: z
        .number({ error: "maxActiveKeys must be a whole number." })
        .int("maxActiveKeys must be a whole number.")
        .min(1, "Allow at least 1 active key.")
        .max(10_000, "At most 10,000 active keys."),
      requireTwoFactor: z
        .boolean({ error: "requireTwoFactor must be true or false." })
        .optional()
        .meta({ description: "Everyone in this Client must have a second factor to use it (API keys are unaffected). Absent: unchanged. Only an Owner who has a second factor may turn it on." }),
      keyApproval: z
        .enum(KEY_APPROVAL_POLICIES, { error: "keyApproval must be none, fullAccess or write." })
        .optional()
        .meta({
          description:
            "Four eyes on powerful keys: `fullAccess`: keys with full access need a second Owner's or Admin's approval (POST /api/key-requests); `write`: also keys with any write scope; `none`: no approval. Absent: unchanged. Needs at least two Owners and Admins (409 Policy.NotEnoughApprovers).",
        }),
      rateLimitFailMode: z
        .enum(["open", "closed"], { error: "rateLimitFailMode must be open or closed." })
        .optional()
        .meta({
          description:
            "When the shared rate-limit store (Redis) is unreachable, keys with a rate limit or quota are served under a per-instance limit (open, the default) or refused with ApiKey.RateLimited (closed). Absent: unchanged.",
        }),
    },
    { error: (iss) => (iss.code === "unrecognized_keys" ? undefined : "The body must be a JSON object.") },
  )
  .meta({ id: "KeyPolicy" });

export type KeyPolicy = z.infer<typeof keyPolicySchema>;

/** The policy as GET/PUT /api/key-policy answer it: the rules, and how many keys count against the cap now. */
export const keyPolicyViewSchema = keyPolicySchema
  .extend({
    requireTwoFactor: z.boolean().meta({ description: "People of this Client without a second factor get 403 Member.TwoFactorRequired from its API." }),
    keyApproval: z.enum(KEY_APPROVAL_POLICIES).meta({ description: "Which new keys need a second person's approval: none, fullAccess, or write (full access or any write scope)." }),
    rateLimitFailMode: z.enum(["open", "closed"]).meta({ description: "What limited keys get while Redis is unreachable: open (a per-instance limit) or closed (refused)." }),
    activeKeys: z
      .number()
      .int()
      .min(0)
      .meta({ description: "Keys that count against maxActiveKeys right now: not revoked, not expired; a key in a rotation's grace period shares its replacement's slot (one such key per live replacement).", example: 3 }),
  })
  .meta({ id: "KeyPolicyView" });

export type KeyPolicyView = z.infer<typeof keyPolicyViewSchema>;
