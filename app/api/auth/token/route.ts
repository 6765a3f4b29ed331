import { encode } from "next-auth/jwt";
import { SESSION_COOKIE_NAMES, SESSION_MAX_AGE_SECONDS } from "@/lib/auth/config";
import { verifySignIn } from "@/lib/auth/credentials";
import { tokenRequestSchema, tokenResponseSchema } from "@/lib/auth/schemas";
import { memberships } from "@/lib/auth/memberships";
import { createSession } from "@/lib/auth/sessions";
import { env } from "@/lib/env";
import { readJsonBody } from "@/lib/http/body";
import { ApiError } from "@/lib/http/problem";
import { json, notAllowed, withPublic } from "@/lib/http/route";

/**
 * Exchange email + password for a Bearer token: the same encrypted JWT as the
 * browser's session cookie, valid for 8 hours. `clientId` picks the active Client.
 * A person with a second factor sends `otp` or `recoveryCode` too (else 401
 * Auth.SecondFactorRequired); the token records how it was proved (`amr`).
 */
export const POST = withPublic(async ({ req, meta }) => {
  const body = tokenRequestSchema.parse(await readJsonBody(req));
  const user = await verifySignIn(body, meta.ip);
  if (!user) {
    throw new ApiError({ status: 401, code: "Auth.InvalidCredentials", title: "Invalid email or password" });
  }
  const mine = await memberships(user.id);
  const active = body.clientId ? mine.find((m) => m.clientId === body.clientId) : mine[0];
  if (!active) throw new ApiError({ status: 403, code: "Member.Forbidden", title: "Forbidden", detail: "You are not a member of that Client." });
  const now = Math.floor(Date.now() / 1000);
  const sid = await createSession(user.id, "token", meta); // a token is a session the person can see and end
  const token = await encode({
    salt: SESSION_COOKIE_NAMES[0],
    secret: env().AUTH_SECRET,
    maxAge: SESSION_MAX_AGE_SECONDS,
    token: { sub: user.id, email: user.email, name: user.name, activeClientId: active.clientId, sv: user.sessionVersion, amr: user.amr, authTime: now, sid },
  });
  return json(
    tokenResponseSchema.parse({ tokenType: "Bearer", token, expiresAt: new Date((now + SESSION_MAX_AGE_SECONDS) * 1000).toISOString(), clientId: active.clientId }),
  );
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
