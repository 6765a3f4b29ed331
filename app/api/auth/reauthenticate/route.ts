import { sealReauthentication, updateSession } from "@/lib/auth/config";
import { verifyProof } from "@/lib/auth/credentials";
import { reauthenticateResponseSchema, reauthenticateSchema } from "@/lib/auth/schemas";
import { env } from "@/lib/env";
import { readJsonBody } from "@/lib/http/body";
import { ApiError } from "@/lib/http/problem";
import { json, notAllowed, withAccount } from "@/lib/http/route";

/**
 * Sudo mode for the browser: prove it is you again (password, a code or a recovery code; a passkey later)
 * and this session may do the sensitive actions for SUDO_MAX_AGE_SECONDS. A wrong proof is 401 and counts
 * like a failed sign-in. A Bearer token is renewed by getting a new one (POST /api/auth/token).
 */
export const POST = withAccount(async ({ req, meta, principal }) => {
  if (principal.via === "bearer") {
    throw new ApiError({
      status: 400,
      code: "Auth.ReauthenticateWithToken",
      title: "Get a new token instead",
      detail: "A Bearer token's proof is its issue time: get a fresh token with POST /api/auth/token.",
    });
  }
  const proof = reauthenticateSchema.parse(await readJsonBody(req));
  const how = await verifyProof({ id: principal.userId, email: principal.email }, proof, meta.ip);
  if (!how) {
    const what = "password" in proof ? "password" : "code";
    throw new ApiError({
      status: 401,
      code: "Auth.InvalidProof",
      title: "That did not prove it is you",
      detail: `That ${what} is not right${what === "code" ? ", or was already used" : ""}.`,
      errors: { [Object.keys(proof)[0]]: [`That ${what} is not right${what === "code" ? ", or was already used" : ""}.`] },
    });
  }
  const at = Math.floor(Date.now() / 1000);
  await updateSession({ reauthenticated: sealReauthentication(principal.userId, at) } as never);
  return json(
    reauthenticateResponseSchema.parse({ authTime: new Date(at * 1000).toISOString(), sudoUntil: new Date((at + env().SUDO_MAX_AGE_SECONDS) * 1000).toISOString() }),
  );
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
