import { assertRecentProof } from "@/lib/auth/sudo";
import { verifyCredentials } from "@/lib/auth/credentials";
import { limitPasswordCheck } from "@/lib/http/rate-limit";
import { readJsonBody } from "@/lib/http/body";
import { json, noContent, notAllowed, withAccount } from "@/lib/http/route";
import { TwoFactorProblems } from "@/lib/two-factor/problems";
import { removeTotpSchema, totpEnrolmentSchema } from "@/lib/two-factor/schemas";
import { checkTotpCode, removeTotp, startTotpEnrolment } from "@/lib/two-factor/two-factor";

/** Start setting up an authenticator app: the secret and its otpauth:// URL, in this answer only. */
export const POST = withAccount(async ({ principal }) => {
  assertRecentProof(principal, "factors:write");
  return json(totpEnrolmentSchema.parse(await startTotpEnrolment(principal)), { status: 201 });
});

/**
 * Remove the authenticator app. A session alone is not enough: the body holds
 * a current code or the password (a wrong one counts like a wrong sign-in).
 */
export const DELETE = withAccount(async ({ req, meta, principal }) => {
  assertRecentProof(principal, "factors:write");
  const body = removeTotpSchema.parse(await readJsonBody(req));
  if (body.code !== undefined) {
    // Through the sign-in limits like any proof: past the budget a code is refused unchecked.
    const ok = await limitPasswordCheck(meta.ip, principal.email, async () => ((await checkTotpCode(principal.userId, body.code!)) ? true : null));
    if (!ok) throw TwoFactorProblems.wrongProof("code");
  } else {
    const ok = await verifyCredentials({ email: principal.email, password: body.password }, meta.ip);
    if (!ok || ok.id !== principal.userId) throw TwoFactorProblems.wrongProof("password");
  }
  await removeTotp(principal);
  return noContent();
});

export const { GET, PUT, PATCH } = notAllowed(["POST", "DELETE"]);
