// The errors of second factors (codes from DOMAIN: Auth.SecondFactorRequired, Auth.InvalidSecondFactor).
import { ApiError } from "@/lib/http/problem";

export const TwoFactorProblems = {
  required: () =>
    new ApiError({
      status: 401,
      code: "Auth.SecondFactorRequired",
      title: "Second factor required",
      detail: "The password is right; this account also needs a code from its authenticator app (otp) or one of its recovery codes (recoveryCode). Send them with the email and password.",
    }),
  invalid: () =>
    new ApiError({
      status: 401,
      code: "Auth.InvalidSecondFactor",
      title: "Invalid second factor",
      detail: "That code is not right, or was already used. Codes change every 30 seconds and each works once; a recovery code works once.",
    }),
  /** Removing a factor with a wrong proof: the caller is signed in, so not a 401. */
  wrongProof: (what: "code" | "password") =>
    new ApiError({
      status: 403,
      code: what === "code" ? "Auth.InvalidSecondFactor" : "Auth.InvalidCredentials",
      title: what === "code" ? "Invalid code" : "Wrong password",
      detail: what === "code" ? "That code is not right, or was already used." : "That is not your current password.",
      errors: { [what]: [what === "code" ? "That code is not right, or was already used." : "That is not your current password."] },
    }),
  alreadyEnabled: () =>
    new ApiError({ status: 409, code: "TwoFactor.AlreadyEnabled", title: "Authenticator app already set up", detail: "Remove the current one first (DELETE /api/account/two-factor/totp)." }),
  noPendingEnrolment: () =>
    new ApiError({ status: 409, code: "TwoFactor.NoPendingEnrolment", title: "No enrolment to confirm", detail: "Start one first: POST /api/account/two-factor/totp." }),
  noSecondFactor: () =>
    new ApiError({ status: 404, code: "TwoFactor.NotEnabled", title: "No second factor", detail: "Recovery codes come with a second factor: set up an authenticator app or add a passkey first." }),
  notEnabled: () => new ApiError({ status: 404, code: "TwoFactor.NotEnabled", title: "No authenticator app", detail: "No authenticator app is set up on this account." }),
  invalidConfirmCode: () =>
    new ApiError({
      status: 400,
      code: "TwoFactor.InvalidCode",
      title: "That code is not right",
      detail: "Enter the 6-digit code the app shows now (check that the phone's clock is right).",
      errors: { code: ["That code is not right. Enter the code the app shows now."] },
    }),
};
