import { assertRecentProof } from "@/lib/auth/sudo";
import { json, notAllowed, withAccount } from "@/lib/http/route";
import { passkeyRegistrationOptions } from "@/lib/passkeys/passkeys";

/** Options for adding a passkey (navigator.credentials.create); their challenge works once, for 5 minutes. People only. */
export const POST = withAccount(async ({ principal }) => {
  assertRecentProof(principal, "factors:write");
  return json(await passkeyRegistrationOptions(principal));
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
