import { sealReauthentication, updateSession } from "@/lib/auth/config";
import { refuseBearer } from "@/lib/auth/sudo";
import { verifyProof } from "@/lib/auth/credentials";
import { reauthenticateResponseSchema, reauthenticateSchema } from "@/lib/auth/schemas";
import { env } from "@/lib/env";
import { readJsonBody } from "@/lib/http/body";
import { ApiError } from "@/lib/http/problem";
import { json, notAllowed, withAccount } from "@/lib/http/route";
import { PasskeyProblems } from "@/lib/passkeys/problems";

const WRONG = {
  password: "That password is not right.",
  code: "That code is not right, or was already used.",
  passkey: "That passkey was not accepted: it is not one of yours, or its request expired or was already used. Try again.",
};

/**
 * Sudo mode for the browser: prove it is you again (password, a code, a recovery code, or one of your
 * passkeys answering POST /api/auth/reauthenticate/passkey-options) and this session may do the sensitive
 * actions for SUDO_MAX_AGE_SECONDS; the session's amr gains the method (a passkey: "hwk"). A wrong proof is
 * 401 and counts like a failed sign-in. A Bearer token is renewed by getting a new one (POST /api/auth/token).
 */
export const POST = withAccount(async ({ req, meta, principal }) => {
  refuseBearer(principal.via);
  const raw = await readJsonBody(req);
  const parsed = reauthenticateSchema.safeParse(raw);
  if (!parsed.success) {
    // A body that is a passkey answer, but not a readable one: the passkey routes' own 400.
    if (raw !== null && typeof raw === "object" && !Array.isArray(raw) && Object.keys(raw).length === 1 && "passkey" in raw) throw PasskeyProblems.malformed();
    throw parsed.error;
  }
  const proof = parsed.data;
  const how = await verifyProof({ id: principal.userId, email: principal.email }, proof, meta.ip);
  if (!how) {
    const what = "password" in proof ? "password" : "passkey" in proof ? "passkey" : "code";
    throw new ApiError({
      status: 401,
      code: "Auth.InvalidProof",
      title: "That did not prove it is you",
      detail: WRONG[what],
      errors: { [Object.keys(proof)[0]]: [WRONG[what]] },
    });
  }
  const at = Math.floor(Date.now() / 1000);
  await updateSession({ reauthenticated: sealReauthentication(principal.userId, at, how) } as never);
  return json(
    reauthenticateResponseSchema.parse({ authTime: new Date(at * 1000).toISOString(), sudoUntil: new Date((at + env().SUDO_MAX_AGE_SECONDS) * 1000).toISOString() }),
  );
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
