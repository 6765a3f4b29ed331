// Who is calling: an API key (x-dolfin-api-key), a user by Bearer token, or a
// user by the browser's session cookie; and, for users, which Client they act
// for and with what role (always from the database).
import { decode } from "next-auth/jwt";
import { verifyApiKey } from "@/lib/api-keys/verify-api-key";
import { env } from "@/lib/env";
import { isUuid } from "@/lib/http/keyset";
import { Problems } from "@/lib/http/problem";
import { assertNotBlocked, recordFailure } from "@/lib/http/rate-limit";
import { auth, SESSION_COOKIE_NAMES } from "./config";
import { userAccess, type Membership } from "./memberships";
import { API_KEY_PERMISSIONS, can, type Permission, type Role } from "./permissions";

export type ApiKeyPrincipal = {
  type: "apiKey";
  clientId: string;
  clientType: "Live" | "Sandbox";
  apiKeyId: string;
  keyPrefix: string;
};

export type UserPrincipal = {
  type: "user";
  via: "bearer" | "session";
  userId: string;
  email: string;
  name: string;
  clientId: string;
  clientType: "Live" | "Sandbox";
  role: Role;
  memberships: Membership[];
};

export type Principal = ApiKeyPrincipal | UserPrincipal;

export function principalCan(p: Principal, permission: Permission): boolean {
  return p.type === "apiKey" ? API_KEY_PERMISSIONS.includes(permission) : can(p.role, permission);
}

type TokenClaims = { sub?: string; email?: string | null; name?: string | null; activeClientId?: string | null; sv?: number };

async function decodeBearer(token: string): Promise<TokenClaims | null> {
  if (token.length > 8192) return null;
  for (const salt of SESSION_COOKIE_NAMES) {
    try {
      const claims = await decode({ token, secret: env().AUTH_SECRET, salt });
      if (claims?.sub) return claims as TokenClaims;
    } catch {
      // wrong salt or not ours: try the next
    }
  }
  return null;
}


export async function userPrincipal(via: "bearer" | "session", claims: TokenClaims, requestedClientId: string | null): Promise<UserPrincipal> {
  const userId = claims.sub!;
  const access = await userAccess(userId);
  // A deleted user, or a session begun before "sign out everywhere", is over (tokens from before versions existed count as 0).
  if (!access || (typeof claims.sv === "number" ? claims.sv : 0) !== access.sessionVersion) throw Problems.sessionEnded();
  const mine = access.memberships;
  let active: Membership | undefined;
  if (requestedClientId !== null) {
    // An explicit choice that is not one of the user's Clients is refused, never silently replaced.
    active = isUuid(requestedClientId) ? mine.find((m) => m.clientId === requestedClientId) : undefined;
    if (!active) throw Problems.forbidden("You are not a member of the Client named in x-dolfin-client-id.");
  } else {
    active = mine.find((m) => m.clientId === claims.activeClientId) ?? mine[0];
    if (!active) throw Problems.forbidden("You are not a member of any Client.");
  }
  return {
    type: "user",
    via,
    userId,
    email: claims.email ?? "",
    name: claims.name ?? "",
    clientId: active.clientId,
    clientType: active.clientType,
    role: active.role,
    memberships: mine,
  };
}

/**
 * Resolve the caller. An API key wins over a Bearer token, which wins over the
 * cookie. Returns null when the request carries no credentials at all.
 */
export async function authenticate(req: Request, ctx: { ip: string | null; userAgent: string | null }): Promise<Principal | null> {
  // Failed key and token checks are limited per source IP, so keys cannot be guessed at speed.
  const ipKey = ctx.ip ?? "unknown";
  const apiKey = req.headers.get("x-dolfin-api-key");
  if (apiKey !== null) {
    assertNotBlocked("authFailures", ipKey);
    const key = await verifyApiKey(apiKey.trim(), ctx);
    if (!key) {
      await recordFailure("authFailures", ipKey);
      throw Problems.invalidApiKey();
    }
    return { type: "apiKey", clientId: key.clientId, clientType: key.clientType, apiKeyId: key.id, keyPrefix: key.keyPrefix };
  }
  const requestedClientId = req.headers.get("x-dolfin-client-id");
  const authorization = req.headers.get("authorization");
  if (authorization !== null) {
    assertNotBlocked("authFailures", ipKey);
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const claims = m ? await decodeBearer(m[1]) : null;
    if (!claims) {
      await recordFailure("authFailures", ipKey);
      throw Problems.invalidToken();
    }
    return userPrincipal("bearer", claims, requestedClientId);
  }
  const session = await auth();
  if (session?.user?.id) {
    return userPrincipal(
      "session",
      { sub: session.user.id, email: session.user.email, name: session.user.name, activeClientId: session.activeClientId, sv: session.sessionVersion },
      requestedClientId,
    );
  }
  return null;
}
