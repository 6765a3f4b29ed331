// Who is calling: an API key (x-dolfin-api-key), a user by Bearer token, or a
// user by the browser's session cookie; and, for users, which Client they act
// for and with what role (always from the database).
import type { Session } from "next-auth";
import { decode } from "next-auth/jwt";
import { allows } from "@/lib/api-keys/access";
import { limitHeaders, type QuotaSpec, type RateLimitSpec } from "@/lib/api-keys/limits";
import { checkApiKey, type VerifyOutcome } from "@/lib/api-keys/verify-api-key";
import { env } from "@/lib/env";
import { isUuid } from "@/lib/http/keyset";
import { Problems } from "@/lib/http/problem";
import { assertNotBlocked, recordFailure } from "@/lib/http/rate-limit";
import { countVerification, observeVerifyLatency } from "@/lib/metrics/counters";
import { auth, SESSION_COOKIE_NAMES } from "./config";
import { userAccess, type Membership } from "./memberships";
import { touchSession } from "./sessions";
import { API_KEY_PERMISSIONS, can, type Permission, type Role } from "./permissions";

export type ApiKeyPrincipal = {
  type: "apiKey";
  clientId: string;
  clientType: "Live" | "Sandbox";
  apiKeyId: string;
  keyPrefix: string;
  /** null: full access. A key can never give another key more than this. */
  scopes: string[] | null;
  /** Canonical CIDRs; empty: any address. */
  allowedIps: string[];
  expiresAt: number | null;
  /** Verified from the key's last verdict while the database was unreachable (the response says so). */
  stale?: true;
  /** The key's own limits: it can only make or change keys at least as limited (lib/api-keys/grant.ts). */
  rateLimit: RateLimitSpec | null;
  quota: QuotaSpec | null;
  /** Whose counters this key's requests spend (when it has limits): the keys it makes share them (lib/api-keys/create-api-key.ts). */
  limitCounterId?: string;
  /** `RateLimit-Policy` / `RateLimit` for this request's answer, when the key has limits (set by the route wrapper). */
  limitHeaders?: Record<string, string>;
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
  /** How this session or token's sign-in was proved (RFC 8176): includes "otp" or "rc" when a second factor was verified. */
  amr: string[];
  /** When (epoch seconds) this person last proved it is them: sign-in, the token's issue, or a re-authentication (sudo mode: lib/auth/sudo.ts). */
  authTime: number | null;
  /** Whether the person has a confirmed second factor. */
  hasSecondFactor: boolean;
};

export type Principal = ApiKeyPrincipal | UserPrincipal;

/** A signed-in person acting on their own account (sessions, password), whatever their Clients: none included. */
/** `sessionId`: the session this request comes from (null for a token from before sessions had ids). */
export type AccountPrincipal = { type: "account"; via: "bearer" | "session"; userId: string; email: string; name: string; amr: string[]; authTime: number | null; sessionId: string | null };

/** The scope a key needs for a permission: null (any key), a scope, or undefined (keys may never). */
export function keyScopeFor(permission: Permission): string | null | undefined {
  return API_KEY_PERMISSIONS[permission];
}

export function principalCan(p: Principal, permission: Permission): boolean {
  if (p.type === "user") return can(p.role, permission);
  const scope = keyScopeFor(permission);
  return scope !== undefined && (scope === null || allows(p.scopes, scope));
}

export type TokenClaims = {
  sub?: string;
  email?: string | null;
  name?: string | null;
  activeClientId?: string | null;
  sv?: number;
  amr?: string[];
  /** The token's Session (lib/auth/sessions.ts); absent in tokens issued before sessions had ids (they live on by `sv` alone). */
  sid?: string;
  /** The last proof (epoch seconds); a Bearer token without it counts from its issue (`iat`). */
  authTime?: number | null;
  iat?: number;
};

/** When the person behind these claims last proved it is them (null: unknown, so not recent). */
function proofTime(claims: TokenClaims): number | null {
  if (typeof claims.authTime === "number") return claims.authTime;
  return typeof claims.iat === "number" ? claims.iat : null;
}

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


/** The token's session id, when it has a well-formed one; null for tokens from before sessions had ids. */
export function claimedSessionId(claims: { sid?: unknown }): string | null {
  return typeof claims.sid === "string" && isUuid(claims.sid) ? claims.sid.toLowerCase() : null;
}

/**
 * The user behind a token, if the token is still theirs: a deleted user, a session begun before "sign out
 * everywhere", or a session ended on its own (its `sid` row, read in the same query as the roles), is over.
 */
async function liveAccess(claims: TokenClaims): Promise<{ memberships: Membership[]; hasSecondFactor: boolean }> {
  const sid = claimedSessionId(claims);
  const access = await userAccess(claims.sub!, sid);
  // Tokens from before versions existed count as 0.
  if (!access || (typeof claims.sv === "number" ? claims.sv : 0) !== access.sessionVersion) throw Problems.sessionEnded();
  if (claims.sid !== undefined && !access.sessionAlive) throw Problems.sessionEnded();
  if (sid) touchSession(sid);
  return access;
}

/**
 * A person on their own account: the token must still be theirs (as for every
 * request), but no Client is needed, so a person left without any can still
 * end their sessions and change their password.
 */
export async function accountPrincipal(via: "bearer" | "session", claims: TokenClaims): Promise<AccountPrincipal> {
  await liveAccess(claims);
  return {
    type: "account",
    via,
    userId: claims.sub!,
    email: claims.email ?? "",
    name: claims.name ?? "",
    amr: Array.isArray(claims.amr) ? claims.amr : ["pwd"],
    authTime: proofTime(claims),
    sessionId: claimedSessionId(claims),
  };
}

/**
 * A user acting for one of their Clients: the one named in x-dolfin-client-id,
 * else the one their token is bound to. A Client the user does not (or no
 * longer) belong to is refused, never silently replaced by another: a token
 * bound to a Sandbox must not start acting on a Live Client. Only a token
 * bound to no Client (minted before the user had one), or a page asking with
 * `fallbackToFirst` (it shows which Client it acts for), starts at the first.
 */
export async function userPrincipal(
  via: "bearer" | "session",
  claims: TokenClaims,
  requestedClientId: string | null,
  options: { fallbackToFirst?: boolean } = {},
): Promise<UserPrincipal> {
  const userId = claims.sub!;
  const access = await liveAccess(claims);
  const mine = access.memberships;
  let active: Membership | undefined;
  if (requestedClientId !== null) {
    active = isUuid(requestedClientId) ? mine.find((m) => m.clientId === requestedClientId.toLowerCase()) : undefined;
    if (!active) throw Problems.forbidden("You are not a member of the Client named in x-dolfin-client-id.");
  } else if (claims.activeClientId && !options.fallbackToFirst) {
    active = mine.find((m) => m.clientId === claims.activeClientId);
    if (!active) {
      throw Problems.forbidden(
        "You are no longer a member of the Client this token was issued for. Name a Client in x-dolfin-client-id, or get a new token (with clientId) or switch Client.",
      );
    }
  } else {
    active = mine.find((m) => m.clientId === claims.activeClientId) ?? mine[0];
    if (!active) throw Problems.forbidden("You are not a member of any Client.");
  }
  // The Client's policy: its people need a second factor (their own account's routes stay open to set one up).
  if (active.requireTwoFactor && !access.hasSecondFactor) throw Problems.twoFactorRequired(active.clientName);
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
    amr: Array.isArray(claims.amr) ? claims.amr : ["pwd"],
    authTime: proofTime(claims),
    hasSecondFactor: access.hasSecondFactor,
  };
}

/**
 * Failed key and token checks are limited per source address, so keys cannot
 * be guessed at speed. The limit only ever refuses a credential that failed:
 * one client's failures must never lock out a caller whose key is valid. With
 * no address known there is no bucket (never one shared by everybody).
 */
async function refuseFailed(ip: string | null, problem: () => Error): Promise<never> {
  if (ip !== null) {
    assertNotBlocked("authFailures", ip);
    await recordFailure("authFailures", ip);
  }
  throw problem();
}

/**
 * Resolve the caller. An API key wins over a Bearer token, which wins over the
 * cookie. Returns null when the request carries no credentials at all.
 * `permission`: what the route needs; a key is checked against its allowlist
 * and, when the route names a scope, its scopes (the verification module
 * decides and counts both, exactly as the verify API does).
 * A key the cache knows is answered synchronously (the hot path: no promise).
 */
export function authenticate(
  req: Request,
  ctx: { ip: string | null; userAgent: string | null },
  permission?: Permission,
): Principal | Promise<Principal | null> {
  const header = req.headers.get("x-dolfin-api-key");
  if (header === null) return authenticatePerson(req, ctx);
  const scope = permission ? keyScopeFor(permission) : null;
  const r = checkApiKey(header.trim(), { ...ctx, permission: scope ?? null });
  // A cache hit took no time worth a clock read (~300 ns on our hosts): it counts as 0 s.
  if (!(r instanceof Promise)) return keyPrincipal(r, scope, ctx.ip, 0);
  const started = performance.now();
  return r.then(
    (v) => keyPrincipal(v, scope, ctx.ip, (performance.now() - started) / 1000),
    (err) => {
      countVerification("routes", "unavailable"); // the lookup failed: the database (503), as the error handler says
      throw err;
    },
  );
}

function keyPrincipal(r: VerifyOutcome, scope: string | null | undefined, ip: string | null, seconds: number): ApiKeyPrincipal | Promise<never> {
  countVerification("routes", r);
  observeVerifyLatency("routes", seconds);
  if (!r.ok) {
    if (r.limits && !r.limits.ok) throw Problems.keyLimited(r.limits.reason, r.limits.retryAfterSeconds, limitHeaders(r.limits, Date.now()));
    if (r.reason === "ip") throw Problems.ipNotAllowed();
    if (r.reason === "scope") throw Problems.insufficientScope(scope!);
    return refuseFailed(ip, Problems.invalidApiKey);
  }
  const k = r.key;
  return {
    type: "apiKey",
    clientId: k.clientId,
    clientType: k.clientType,
    apiKeyId: k.id,
    keyPrefix: k.keyPrefix,
    scopes: k.scopes,
    allowedIps: k.allowedIps,
    expiresAt: k.expiresAt,
    ...(r.stale && { stale: true }),
    rateLimit: k.rateLimit,
    quota: k.quota,
    ...(r.limits ? { limitCounterId: r.limits.spec.counterId, limitHeaders: limitHeaders(r.limits, Date.now()) } : {}),
  };
}

/** A person for one of their Clients: by Bearer token, else by the browser's session cookie. */
async function authenticatePerson(req: Request, ctx: { ip: string | null }): Promise<UserPrincipal | null> {
  const found = await personClaims(req, ctx);
  return found && userPrincipal(found.via, found.claims, req.headers.get("x-dolfin-client-id"));
}

/** A person on their own account (no Client needed), by Bearer token or session cookie; null without credentials. */
export async function authenticateAccount(req: Request, ctx: { ip: string | null }): Promise<AccountPrincipal | null> {
  const found = await personClaims(req, ctx);
  return found && accountPrincipal(found.via, found.claims);
}

/** A person's credentials: the Bearer token, else the browser's session cookie; null when there are none. */
async function personClaims(req: Request, ctx: { ip: string | null }): Promise<{ via: "bearer" | "session"; claims: TokenClaims } | null> {
  const authorization = req.headers.get("authorization");
  if (authorization !== null) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const claims = m ? await decodeBearer(m[1]) : null;
    if (!claims) return refuseFailed(ctx.ip, Problems.invalidToken);
    return { via: "bearer", claims };
  }
  const session = await auth();
  if (session?.user?.id) return { via: "session", claims: sessionClaims(session) };
  // next-auth refuses a cookie whose session was ended (or whose user is gone): if it is one of ours, say so.
  const cookie = sessionCookie(req.headers.get("cookie"));
  if (cookie !== null && (await decodeBearer(cookie))) throw Problems.sessionEnded();
  return null;
}

function sessionCookie(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    const name = part.slice(0, eq).trim();
    if (eq > 0 && (SESSION_COOKIE_NAMES as readonly string[]).includes(name)) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The claims of a next-auth session, in the shape a Bearer token carries them. */
export function sessionClaims(session: Session): TokenClaims {
  return {
    sub: session.user.id,
    email: session.user.email,
    name: session.user.name,
    activeClientId: session.activeClientId,
    sv: session.sessionVersion,
    amr: session.amr,
    authTime: session.authTime ?? null,
    ...(session.sid ? { sid: session.sid } : {}),
  };
}
