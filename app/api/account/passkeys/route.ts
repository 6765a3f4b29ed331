import { assertRecentProof } from "@/lib/auth/sudo";
import { readJsonBody } from "@/lib/http/body";
import { json, notAllowed, withAccount } from "@/lib/http/route";
import { addPasskey } from "@/lib/passkeys/passkeys";
import { addPasskeySchema, addedPasskeySchema } from "@/lib/passkeys/schemas";

/**
 * Add a passkey: its name and the browser's answer to the options. 201 with
 * the passkey (and, for a first second factor, ten recovery codes shown once).
 * The list is in GET /api/account/two-factor.
 */
export const POST = withAccount(async ({ req, principal }) => {
  assertRecentProof(principal, "factors:write");
  const body = addPasskeySchema.parse(await readJsonBody(req));
  return json(addedPasskeySchema.parse(await addPasskey(principal, body.name, body.response)), { status: 201 });
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
