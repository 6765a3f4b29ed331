// Invitations as the API takes and shows them, and the password rules the
// accept page and the server share. Browser-safe: no server imports here.
import { z } from "zod";
import { pageSchema } from "@/lib/api-keys/schemas";
import { ROLES } from "@/lib/auth/permissions";

const objectError = { error: (iss: { code: string }) => (iss.code === "unrecognized_keys" ? undefined : "The body must be a JSON object.") };

/** Trimmed and lower-cased, so Alice@Example.com and alice@example.com are one person. */
export const emailSchema = z
  .string({ error: "email must be a string." })
  .trim()
  .toLowerCase()
  .pipe(z.email("Enter a valid email address."))
  .pipe(z.string().max(320, "An email address has at most 320 characters."));

export const createInviteSchema = z
  .strictObject({ email: emailSchema, role: z.enum(ROLES, { error: "role must be Owner, Admin or Member." }) }, objectError)
  .meta({ id: "CreateClientInviteRequest" });
export type CreateInviteData = z.output<typeof createInviteSchema>;

export const INVITE_STATUSES = ["pending", "accepted", "revoked", "expired"] as const;

export const inviteSchema = z
  .strictObject({
    id: z.uuid(),
    email: z.string(),
    role: z.enum(ROLES),
    status: z.enum(INVITE_STATUSES),
    expiresAt: z.iso.datetime(),
    createdAt: z.iso.datetime(),
    lastSentAt: z.iso.datetime().describe("When the link was last issued (create or resend)."),
    invitedBy: z.string().describe("Who invited: a person's name, or the operator's command line."),
    acceptedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "ClientInvite", description: "An invitation to join this Client. Never the token." });
export type InviteView = z.infer<typeof inviteSchema>;

export const createdInviteSchema = inviteSchema
  .extend({
    inviteUrl: z
      .string()
      .nullable()
      .describe(
        "null when the server has mail configured: the link goes only to the invitee's mailbox. Without mail (development), the link to send to the person yourself: it carries the secret token, returned once, here, never again.",
      ),
    emailQueued: z.boolean().describe("Whether an email with the link was queued (then `inviteUrl` is null; false when the server has no mail configured)."),
  })
  .meta({ id: "CreatedClientInvite" });
export type CreatedInviteView = z.infer<typeof createdInviteSchema>;

export const invitePageSchema = pageSchema(inviteSchema, "ClientInvitePage");

export const PASSWORD_MIN = 12;

/** Why a new password is refused, or null. The same rules on the page and the server. */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (password.length > 1024) return "Use at most 1024 characters.";
  const p = password.toLowerCase();
  const local = email.toLowerCase().split("@")[0] ?? "";
  if (p === email.toLowerCase() || (local.length >= 4 && p.includes(local))) return "Do not use your email address in your password.";
  if (new Set(password).size < 4) return "Use more than a few different characters.";
  return null;
}

export const personNameSchema = z
  .string({ error: "name must be a string." })
  .trim()
  .min(1, "Enter your name.")
  .max(100, "Use at most 100 characters.")
  .refine((s) => !/[\p{Cc}\p{Cf}]/u.test(s), "The name must not contain control or invisible characters.")
  .transform((s) => s.normalize("NFC"));

export const acceptInviteSchema = z
  .strictObject(
    {
      token: z.string({ error: "token must be a string." }).min(1, "token is required.").max(200),
      name: personNameSchema.optional().describe("A new account's name (when no account has the invite's email)."),
      password: z.string({ error: "password must be a string." }).max(1024).optional().describe("A new account's password, or the existing account's."),
    },
    objectError,
  )
  .meta({ id: "AcceptClientInviteRequest" });
export type AcceptInviteData = z.output<typeof acceptInviteSchema>;

export const acceptedInviteSchema = z
  .strictObject({ clientId: z.uuid(), userId: z.uuid(), email: z.string(), role: z.enum(ROLES), newAccount: z.boolean() })
  .meta({ id: "AcceptedClientInvite" });
export type AcceptedInvite = z.infer<typeof acceptedInviteSchema>;

export const changePasswordSchema = z.strictObject({
  currentPassword: z.string().min(1, "Enter your current password.").max(1024),
  newPassword: z.string().max(1024),
});
