import { z } from "zod";
import { authenticationResponseSchema } from "@/lib/passkeys/schemas";
import { otpSchema, recoveryCodeSchema } from "@/lib/two-factor/schemas";
import { ROLES } from "./permissions";

export const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address.")).pipe(z.string().max(320)),
  password: z.string().min(1, "Enter your password.").max(1024),
});

/** The second step of a sign-in, sent with the email and password: a code from the app, or a recovery code (not both). */
export const secondFactorFields = {
  otp: otpSchema.optional(),
  recoveryCode: recoveryCodeSchema.optional(),
};

/**
 * A fresh proof that it is you (sudo mode, POST /api/auth/reauthenticate): one of the password, a code from
 * the authenticator app, a recovery code, or one of your passkeys' answer to
 * POST /api/auth/reauthenticate/passkey-options.
 */
export const reauthenticateSchema = z
  .union([
    z.strictObject({ password: z.string().min(1, "Enter your password.").max(1024) }),
    z.strictObject({ otp: otpSchema }),
    z.strictObject({ recoveryCode: recoveryCodeSchema }),
    z.strictObject({
      passkey: authenticationResponseSchema.meta({ description: "Your passkey's answer (startAuthentication) to POST /api/auth/reauthenticate/passkey-options." }),
    }),
  ], { error: "Send exactly one of password, otp, recoveryCode or passkey." })
  .meta({ id: "ReauthenticateRequest" });

export type Proof = z.infer<typeof reauthenticateSchema>;

export const reauthenticateResponseSchema = z
  .strictObject({
    authTime: z.iso.datetime().meta({ description: "When this proof was made: sensitive actions are allowed until `sudoUntil`." }),
    sudoUntil: z.iso.datetime(),
  })
  .meta({ id: "ReauthenticateResponse" });

export const tokenRequestSchema = credentialsSchema
  .extend({
    clientId: z.uuid().optional().describe("Which of your Clients the token acts for (default: your first)."),
    ...secondFactorFields,
    passkey: authenticationResponseSchema.optional().meta({ description: "Instead of a code: a passkey's answer to POST /api/auth/passkey/options." }),
  })
  .strict()
  .refine((b) => [b.otp, b.recoveryCode, b.passkey].filter((x) => x !== undefined).length <= 1, { message: "Send one second factor: a code, a recovery code or a passkey.", path: ["recoveryCode"] })
  .meta({ id: "TokenRequest" });

export const tokenResponseSchema = z
  .strictObject({ tokenType: z.literal("Bearer"), token: z.string(), expiresAt: z.iso.datetime(), clientId: z.uuid() })
  .meta({ id: "TokenResponse" });

export const meSchema = z
  .strictObject({
    type: z.enum(["apiKey", "user"]),
    clientId: z.uuid(),
    apiKeyId: z.uuid().nullable(),
    userId: z.uuid().nullable(),
    role: z.enum(ROLES).nullable(),
  })
  .meta({ id: "Me" });
