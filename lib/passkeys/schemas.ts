// Passkeys (WebAuthn): request and response schemas, shared by the routes,
// the sign-in and the account page. Browser-safe. The WebAuthn responses are
// checked for shape here (base64url strings of bounded length) so a malformed
// one is a 400 with field errors before any cryptography runs.
import { z } from "zod";

const b64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+={0,2}$/, "Expected base64url.");
const TRANSPORTS = ["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"] as const;

export const passkeyNameSchema = z
  .string()
  .trim()
  .min(1, "Name your passkey (e.g. the device it lives on).")
  .max(64, "At most 64 characters.")
  .meta({ description: "What you call this passkey, e.g. “MacBook Touch ID”.", example: "MacBook Touch ID" });

/** A RegistrationResponseJSON (navigator.credentials.create, serialised). */
export const registrationResponseSchema = z
  .object({
    id: b64url(1400),
    rawId: b64url(1400),
    type: z.literal("public-key"),
    response: z.object({
      clientDataJSON: b64url(4096),
      attestationObject: b64url(8192),
      transports: z.array(z.enum(TRANSPORTS)).max(8).optional(),
      authenticatorData: b64url(8192).optional(),
      publicKey: b64url(2048).optional(),
      publicKeyAlgorithm: z.number().int().optional(),
    }),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  })
  .meta({ id: "PasskeyRegistrationResponse", description: "The browser's answer to the registration options (as @simplewebauthn/browser's startRegistration gives it)." });

/** An AuthenticationResponseJSON (navigator.credentials.get, serialised). */
export const authenticationResponseSchema = z
  .object({
    id: b64url(1400),
    rawId: b64url(1400),
    type: z.literal("public-key"),
    response: z.object({
      clientDataJSON: b64url(4096),
      authenticatorData: b64url(8192),
      signature: b64url(1024),
      userHandle: b64url(256).optional(),
    }),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  })
  .meta({ id: "PasskeyAuthenticationResponse", description: "The browser's answer to the authentication options (as startAuthentication gives it)." });

export const addPasskeySchema = z.strictObject({ name: passkeyNameSchema, response: registrationResponseSchema }).meta({ id: "AddPasskeyRequest" });
export const renamePasskeySchema = z.strictObject({ name: passkeyNameSchema }).meta({ id: "RenamePasskeyRequest" });

export const passkeySchema = z
  .strictObject({
    id: z.uuid(),
    name: z.string(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable().meta({ description: "When it last signed in (or proved it was you); null if never." }),
  })
  .meta({ id: "Passkey" });

export const addedPasskeySchema = z
  .strictObject({
    passkey: passkeySchema,
    recoveryCodes: z.array(z.string()).nullable().meta({ description: "With the first second factor: ten single-use recovery codes, shown in this answer only. Otherwise null." }),
  })
  .meta({ id: "AddedPasskey" });

export type RegistrationResponse = z.infer<typeof registrationResponseSchema>;
export type AuthenticationResponse = z.infer<typeof authenticationResponseSchema>;
export type PasskeyInfo = z.infer<typeof passkeySchema>;
