import { assertRecentProof } from "@/lib/auth/sudo";
import { json, notAllowed, withAccount } from "@/lib/http/route";
import { recoveryCodesSchema } from "@/lib/two-factor/schemas";
import { regenerateRecoveryCodes } from "@/lib/two-factor/two-factor";

/** Ten new recovery codes, shown in this answer only; the old ones stop working at once. Needs a recent proof. People only. */
export const POST = withAccount(async ({ principal, meta }) => {
  assertRecentProof(principal, "factors:write");
  return json(recoveryCodesSchema.parse(await regenerateRecoveryCodes(principal, meta)), { status: 201 });
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
