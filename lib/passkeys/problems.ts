// The errors of passkeys: a malformed WebAuthn response is the caller's bad
// request (400); a response that does not verify (unknown credential, wrong
// origin or challenge, bad signature, spent challenge) is 401 at sign-in.
import { ApiError } from "@/lib/http/problem";

export const PasskeyProblems = {
  malformed: (detail = "That is not a WebAuthn response this server can read.") =>
    new ApiError({ status: 400, code: "Passkey.MalformedResponse", title: "Malformed passkey response", detail, errors: { response: [detail] } }),
  registrationFailed: (detail = "The passkey could not be verified: start again (the options are valid for 5 minutes and once).") =>
    new ApiError({ status: 400, code: "Passkey.RegistrationFailed", title: "Passkey not added", detail, errors: { response: [detail] } }),
  alreadyRegistered: () =>
    new ApiError({ status: 409, code: "Passkey.AlreadyRegistered", title: "Passkey already added", detail: "This passkey is already on an account." }),
  invalid: () =>
    new ApiError({
      status: 401,
      code: "Auth.InvalidPasskey",
      title: "Passkey not accepted",
      detail: "That passkey is not known here, or its answer did not verify (wrong site, expired or used challenge, bad signature). Ask for new options and try again.",
    }),
  /** Options to prove it is you by passkey, for someone who has none. */
  noneRegistered: () =>
    new ApiError({ status: 404, code: "Passkey.NotFound", title: "No passkey", detail: "You have no passkey: prove it is you with your password or a code instead." }),
  notFound: () => new ApiError({ status: 404, code: "Passkey.NotFound", title: "Passkey not found", detail: "You have no passkey with that id." }),
};
