import { refuseBearer } from "@/lib/auth/sudo";
import { json, notAllowed, withAccount } from "@/lib/http/route";
import { hasPasskey, passkeyAuthenticationOptions } from "@/lib/passkeys/passkeys";
import { PasskeyProblems } from "@/lib/passkeys/problems";

/**
 * Options for proving it is you with one of your passkeys (sudo mode): allowCredentials are your passkeys,
 * user verification is required, and the challenge is yours only, once, for 5 minutes. The answer goes to
 * POST /api/auth/reauthenticate as `{ passkey }`. The browser's session only; none for a person without a passkey (404).
 */
export const POST = withAccount(async ({ principal }) => {
  refuseBearer(principal.via);
  if (!(await hasPasskey(principal.userId))) throw PasskeyProblems.noneRegistered();
  return json(await passkeyAuthenticationOptions(principal.userId));
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
