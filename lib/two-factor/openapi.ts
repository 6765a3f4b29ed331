// The OpenAPI operations of one's own second factors (assembled by lib/openapi/document.ts).
import type { ZodOpenApiPathsObject, ZodOpenApiResponsesObject } from "zod-openapi";
import { confirmTotpSchema, recoveryCodesSchema, removeTotpSchema, totpEnrolmentSchema, twoFactorStatusSchema } from "./schemas";

type Response = ZodOpenApiResponsesObject[`${1 | 2 | 3 | 4 | 5}${string}`];
type Common = Record<"401" | "429" | "503" | "default", Response> & ZodOpenApiResponsesObject;

export function twoFactorPaths(problem: (description: string) => Response, common: Common, bodyErrors: ZodOpenApiResponsesObject): ZodOpenApiPathsObject {
  const people: Record<string, string[]>[] = [{ BearerAuth: [] }, { SessionCookie: [] }];
  return {
    "/api/account/two-factor": {
      get: {
        operationId: "getTwoFactor",
        tags: ["Auth"],
        summary: "Your second factors",
        description: "Whether an authenticator app is set up, your passkeys (name, created, last used) and how many recovery codes are left. People only: an API key gets `403 Auth.NotUserScopedToken`.",
        security: people,
        responses: { "200": { description: "Your second factors.", content: { "application/json": { schema: twoFactorStatusSchema } } }, ...common },
      },
    },
    "/api/account/two-factor/totp": {
      post: {
        operationId: "startTotpEnrolment",
        tags: ["Auth"],
        summary: "Start setting up an authenticator app",
        description:
          "A new TOTP secret (RFC 6238: SHA-1, 6 digits, 30 s) and its `otpauth://` URL for a QR code, in this answer only; it is kept encrypted and does nothing until confirmed. Starting again replaces an unconfirmed one.",
        security: people,
        responses: {
          "201": { description: "The secret to scan or type.", content: { "application/json": { schema: totpEnrolmentSchema } } },
          "409": problem("`TwoFactor.AlreadyEnabled`: remove the current app first."),
          ...common,
        },
      },
      delete: {
        operationId: "removeTotp",
        tags: ["Auth"],
        summary: "Remove the authenticator app",
        description: "Needs a current code or your password in the body (a session alone cannot remove it); a wrong one counts like a wrong sign-in. With no factor left, the recovery codes go too. You are emailed.",
        security: people,
        requestBody: { required: true, content: { "application/json": { schema: removeTotpSchema } } },
        responses: {
          "204": { description: "Removed: sign-in asks for the password only." },
          "400": problem("`Request.Invalid`: give either `code` or `password`."),
          "403": problem("`Auth.InvalidSecondFactor` (wrong or used code), `Auth.InvalidCredentials` (wrong password), or the usual 403s."),
          "404": problem("`TwoFactor.NotEnabled`."),
          ...bodyErrors,
          "401": common["401"],
          "429": common["429"],
          "503": common["503"],
          default: common.default,
        },
      },
    },
    "/api/account/two-factor/totp/confirm": {
      post: {
        operationId: "confirmTotpEnrolment",
        tags: ["Auth"],
        summary: "Turn the authenticator app on",
        description: "The app's current code confirms the enrolment. Answers ten single-use recovery codes, shown in this answer only (only their hashes are kept). You are emailed.",
        security: people,
        requestBody: { required: true, content: { "application/json": { schema: confirmTotpSchema } } },
        responses: {
          "200": { description: "On; keep these recovery codes safe.", content: { "application/json": { schema: recoveryCodesSchema } } },
          "400": problem("`Request.Invalid` (not 6 digits) or `TwoFactor.InvalidCode` (not the app's current code)."),
          "409": problem("`TwoFactor.NoPendingEnrolment` or `TwoFactor.AlreadyEnabled`."),
          ...bodyErrors,
          ...common,
        },
      },
    },
    "/api/account/two-factor/recovery-codes": {
      post: {
        operationId: "regenerateRecoveryCodes",
        tags: ["Auth"],
        summary: "New recovery codes",
        description:
          "Ten new single-use recovery codes, shown in this answer only, for a person with a second factor (an authenticator app or a passkey, which stays as it is). Every old code stops working at once: the new codes replace the old ones, and requests at the same time are taken one after the other, so only the last answer's codes work. Needs a recent proof (`403 Auth.ReauthenticationRequired` otherwise). Recorded in the audit log of each of your Clients; you are emailed.",
        security: people,
        responses: {
          "201": { description: "The new codes; keep them safe.", content: { "application/json": { schema: recoveryCodesSchema } } },
          "404": problem("`TwoFactor.NotEnabled`: no second factor, so no recovery codes."),
          ...common,
        },
      },
    },
  };
}
