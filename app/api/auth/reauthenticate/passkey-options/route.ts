import { refuseBearer } from "@/lib/auth/sudo";
import { consume } from "@/lib/http/rate-limit";
import { json, notAllowed, withAccount } from "@/lib/http/route";
import { hasPasskey, passkeyAuthenticationOptions } from "@/lib/passkeys/passkeys";
import { PasskeyProblems } from "@/lib/passkeys/problems";

/**
 * Options for proving it is you with one of your passkeys (sudo mode): allowCredentials are your passkeys,
 * user verification is required, and the challenge is yours only, once, for 5 minutes. The answer goes to
 * POST /api/auth/reauthenticate as `{ passkey }`. The browser's session only; none for a person without a passkey (404).
 * One person may ask RATE_LIMIT_PASSKEY_OPTIONS_PER_MINUTE times a minute (429 with Retry-After past that), and
 * holds a handful of live challenges at most (a new one replaces their oldest).
 */
export const POST = withAccount(async ({ principal }) => {
  refuseBearer(principal.via);
  if (!(await hasPasskey(principal.userId))) throw PasskeyProblems.noneRegistered();
  await consume("reauthOptions", principal.userId);
  return json(await passkeyAuthenticationOptions(principal.userId));
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
