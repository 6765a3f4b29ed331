import { assertRecentProof } from "@/lib/auth/sudo";
import { readJsonBody } from "@/lib/http/body";
import { json, notAllowed, withAccount } from "@/lib/http/route";
import { confirmTotpSchema, recoveryCodesSchema } from "@/lib/two-factor/schemas";
import { confirmTotpEnrolment } from "@/lib/two-factor/two-factor";

/** Turn the pending authenticator app on with its first code; answers ten recovery codes, shown once. */
export const POST = withAccount(async ({ req, principal }) => {
  assertRecentProof(principal, "factors:write");
  const { code } = confirmTotpSchema.parse(await readJsonBody(req));
  return json(recoveryCodesSchema.parse(await confirmTotpEnrolment(principal, code)));
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
