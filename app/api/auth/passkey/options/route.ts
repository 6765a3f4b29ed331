import { assertNotBlocked, consume } from "@/lib/http/rate-limit";
import { json, notAllowed, withPublic } from "@/lib/http/route";
import { passkeyAuthenticationOptions } from "@/lib/passkeys/passkeys";

/**
 * Options for signing in with a passkey (navigator.credentials.get): no email
 * needed (empty allowCredentials: the authenticator offers this site's
 * passkeys); the challenge works once, for 5 minutes. Anyone may ask, and each
 * answer stores a challenge row: one address may make
 * RATE_LIMIT_PASSKEY_OPTIONS_PER_MINUTE of them (429 with Retry-After past
 * that), and none while it is locked out by failed sign-ins.
 */
export const POST = withPublic(async ({ meta }) => {
  if (meta.ip !== null) {
    assertNotBlocked("signInFailures", meta.ip);
    await consume("passkeyOptions", meta.ip);
  }
  return json(await passkeyAuthenticationOptions(null));
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
