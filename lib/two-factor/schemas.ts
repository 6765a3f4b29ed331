// Second factors: request and response schemas, shared by the routes, the
// sign-in (API and browser) and the account page's forms. Browser-safe.
import { z } from "zod";

export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
export const RECOVERY_CODE_COUNT = 10;
/** Recovery codes: 10 characters of this alphabet (no 0/O, 1/l/I), shown as two groups of 5. */
export const RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz";

/** A code from the authenticator app: 6 digits (spaces tolerated, as apps show "123 456"). */
export const otpSchema = z
  .string()
  .max(64)
  .transform((s) => s.replace(/\s+/g, ""))
  .pipe(z.string().regex(/^\d{6}$/, "Enter the 6-digit code from your authenticator app."))
  .meta({ description: "The 6-digit code your authenticator app shows now.", example: "123456" });

/** "abcde-fghjk" in any case, with or without the dash or spaces. */
export function normaliseRecoveryCode(s: string): string {
  return s.replace(/[\s-]+/g, "").toLowerCase();
}

export const recoveryCodeSchema = z
  .string()
  .max(64)
  .transform(normaliseRecoveryCode)
  .pipe(z.string().regex(new RegExp(`^[${RECOVERY_ALPHABET}]{10}$`), "Enter one of your recovery codes, like abcde-23456."))
  .meta({ description: "One of your single-use recovery codes (e.g. `abcde-23456`).", example: "abcde-23456" });

export const confirmTotpSchema = z.strictObject({ code: otpSchema }).meta({ id: "ConfirmTotpRequest" });

/** Removing the authenticator app needs a proof beyond the session: a current code, or the password. */
export const removeTotpSchema = z
  .strictObject({
    code: otpSchema.optional(),
    password: z.string().min(1).max(1024).optional().meta({ description: "Your password, instead of a code." }),
  })
  .refine((b) => (b.code === undefined) !== (b.password === undefined), { message: "Give either a current code from your authenticator app or your password.", path: ["code"] })
  .meta({ id: "RemoveTotpRequest" });

export const twoFactorStatusSchema = z
  .strictObject({
    totp: z.boolean().meta({ description: "An authenticator app is set up (confirmed)." }),
    passkeys: z
      .array(z.strictObject({ id: z.uuid(), name: z.string(), createdAt: z.iso.datetime(), lastUsedAt: z.iso.datetime().nullable() }))
      .meta({ description: "Your passkeys, oldest first (lastUsedAt null if never used)." }),
    recoveryCodesLeft: z.number().int().min(0),
  })
  .meta({ id: "TwoFactorStatus" });

export const totpEnrolmentSchema = z
  .strictObject({
    secret: z.string().meta({ description: "The shared secret, base32: what to type into an app that cannot scan the QR code. Shown in this answer only." }),
    otpauthUrl: z.string().meta({ description: "otpauth:// URI (RFC 6238, SHA1, 6 digits, 30 s) for the QR code." }),
  })
  .meta({ id: "TotpEnrolment" });

export const recoveryCodesSchema = z
  .strictObject({
    recoveryCodes: z.array(z.string()).length(RECOVERY_CODE_COUNT).meta({ description: "Ten single-use recovery codes, shown in this answer only; only their hashes are kept." }),
  })
  .meta({ id: "RecoveryCodes" });

export type TwoFactorStatus = z.infer<typeof twoFactorStatusSchema>;
export type TotpEnrolment = z.infer<typeof totpEnrolmentSchema>;
