// next-auth (v5): credentials sign-in, JWT sessions of 8 hours that carry the
// user id and the active Client. Roles are never read from the token: the
// API wrapper loads them from the database on every request.
import NextAuth, { CredentialsSignin, type DefaultSession } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { headers } from "next/headers";
import { ApiError } from "@/lib/http/problem";
import { isUuid } from "@/lib/http/keyset";
import { clientIp } from "@/lib/http/request-meta";
import { logger } from "@/lib/log";
import { seal, unseal } from "@/lib/mail/seal";
import { verifyPasskeySignIn, verifySignIn, type SignedIn } from "./credentials";
import { memberships } from "./memberships";
import { createSession, endSession, sessionState, touchSession } from "./sessions";

export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;
/** The cookie names next-auth uses (http, https); a session token is encrypted with its cookie name as salt. */
export const SESSION_COOKIE_NAMES = ["authjs.session-token", "__Secure-authjs.session-token"] as const;

/** Too many failed sign-ins from this IP: the form says so instead of "wrong password". */
export class TooManySignIns extends CredentialsSignin {
  code = "rate_limited";
}

/** The password is right and the account has a second factor: the form asks for its code (no session yet). */
export class SecondFactorNeeded extends CredentialsSignin {
  code = "second_factor_required";
}

/** The code (or recovery code) is wrong or spent. */
export class WrongSecondFactor extends CredentialsSignin {
  code = "invalid_second_factor";
}

declare module "next-auth" {
  interface Session {
    user: { id: string } & DefaultSession["user"];
    activeClientId: string | null;
    /** The user's session version when this session began (see User.sessionVersion). */
    sessionVersion: number;
    /** How the sign-in was proved (RFC 8176): ["pwd"], ["pwd", "otp" | "rc" | "hwk"] with a second factor, or ["hwk", "user"] by a passkey alone; a re-authentication adds its method (a passkey: "hwk"). */
    amr: string[];
    /** When (epoch seconds) the person last proved it is them (sign-in or re-authentication). */
    authTime: number | null;
    /** This browser's Session row (lib/auth/sessions.ts); absent in cookies from before sessions had ids. */
    sid?: string;
  }
}

/**
 * Whether a session begun at version `sv` is still the user's current one and,
 * when the cookie has a session id, that session has not been ended (one query).
 * If the database cannot answer, the session is kept here: every request that
 * does anything resolves the user again (and answers 503 meanwhile), and a
 * brief outage must not sign everybody out.
 */
async function sessionIsCurrent(userId: string, sv: unknown, sid: unknown): Promise<boolean> {
  const id = typeof sid === "string" && isUuid(sid) ? sid.toLowerCase() : null;
  if (sid !== undefined && id === null) return false;
  try {
    const s = await sessionState(userId, id);
    return s !== null && s.sessionVersion === (typeof sv === "number" ? sv : 0) && (id === null || s.sessionAlive);
  } catch (err) {
    logger.warn({ err }, "could not check the session version");
    return true;
  }
}

/** The address and browser of the request signing in (the route handler's or server action's request). */
async function signInMeta(): Promise<{ ip: string | null; userAgent: string | null }> {
  try {
    const h = await headers();
    return { ip: clientIp(h), userAgent: h.get("user-agent")?.slice(0, 512) ?? null };
  } catch {
    return { ip: null, userAgent: null }; // outside a request (none today)
  }
}

const REAUTH_SEAL_SECONDS = 60;

/**
 * What POST /api/auth/reauthenticate hands next-auth's update: the proof's time and how it was made
 * (RFC 8176: pwd, otp, rc, hwk), sealed for this user (the browser never sees it).
 */
export function sealReauthentication(userId: string, at: number, how: string): string {
  return seal(JSON.stringify({ sub: userId, at, how, exp: Date.now() + REAUTH_SEAL_SECONDS * 1000 }), undefined, "re-authentication");
}

function reauthenticated(value: string, userId: string): { at: number; how: string | null } | null {
  if (value.length > 1024) return null;
  try {
    const v = JSON.parse(unseal(value, undefined, "re-authentication")) as { sub?: unknown; at?: unknown; how?: unknown; exp?: unknown };
    if (v.sub !== userId || typeof v.exp !== "number" || v.exp < Date.now() || typeof v.at !== "number") return null;
    return { at: v.at, how: typeof v.how === "string" && /^[a-z]{2,8}$/.test(v.how) ? v.how : null };
  } catch {
    return null;
  }
}

export const { handlers, auth, signIn, signOut, unstable_update: updateSession } = NextAuth({
  trustHost: true,
  logger: {
    // A wrong password is an expected outcome, not an error worth a stack trace.
    error: (err) => (err instanceof CredentialsSignin || err.name === "CredentialsSignin" ? logger.info({ event: "sign-in failed", reason: (err as CredentialsSignin).code }, "sign-in failed") : logger.error({ err }, "auth error")),
    warn: (code) => logger.warn({ code }, "auth warning"),
    debug: () => {},
  },
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/sign-in" },
  providers: [
    Credentials({
      credentials: { email: { label: "Email" }, password: { label: "Password", type: "password" }, clientId: {}, otp: {}, recoveryCode: {}, passkey: {}, continuation: {} },
      authorize: async (creds, request) => {
        try {
          const user = await verifySignIn(creds, clientIp(request.headers));
          // Which Client the new session starts on (an accepted invitation's), when the user belongs to it.
          return user && { ...user, preferredClientId: typeof creds?.clientId === "string" ? creds.clientId : null };
        } catch (err) {
          if (err instanceof ApiError && err.init.status === 429) throw new TooManySignIns();
          if (err instanceof ApiError && err.init.code === "Auth.SecondFactorRequired") throw new SecondFactorNeeded();
          if (err instanceof ApiError && err.init.code === "Auth.InvalidSecondFactor") throw new WrongSecondFactor();
          throw err;
        }
      },
    }),
    // "Sign in with a passkey": the browser's answer to POST /api/auth/passkey/options, as JSON text in `response`.
    Credentials({
      id: "passkey",
      name: "Passkey",
      credentials: { response: {}, clientId: {} },
      authorize: async (creds, request) => {
        try {
          const user = await verifyPasskeySignIn(creds?.response, clientIp(request.headers));
          return user && { ...user, preferredClientId: typeof creds?.clientId === "string" ? creds.clientId : null };
        } catch (err) {
          if (err instanceof ApiError && err.init.status === 429) throw new TooManySignIns();
          throw err;
        }
      },
    }),
  ],
  events: {
    // "Sign out" ends this session for good, not just its cookie in this browser: a copy of the cookie is refused too.
    async signOut(message) {
      const token = "token" in message ? message.token : null;
      if (token?.sub && typeof token.sid === "string") await endSession(token.sub, token.sid).catch((err) => logger.warn({ err }, "could not end the session at sign-out"));
    },
  },
  callbacks: {
    async jwt({ token, user, trigger, session }) {
      if (user?.id) {
        token.sub = user.id;
        const mine = await memberships(user.id);
        const preferred = (user as { preferredClientId?: string | null }).preferredClientId;
        token.activeClientId = (mine.find((m) => m.clientId === preferred) ?? mine[0])?.clientId ?? null;
        token.sv = (user as Partial<SignedIn>).sessionVersion ?? 0;
        token.amr = (user as Partial<SignedIn>).amr ?? ["pwd"];
        token.authTime = Math.floor(Date.now() / 1000);
        // Every sign-in, whatever its method, is a session the person can see and end (its id rides in the cookie).
        token.sid = await createSession(user.id, "browser", await signInMeta());
      } else if (token.sub && !(await sessionIsCurrent(token.sub, token.sv, token.sid))) {
        return null; // ended (this session, or all by "sign out everywhere"), or the user is gone: clear the cookie, never re-issue it
      } else if (typeof token.sid === "string" && isUuid(token.sid)) {
        touchSession(token.sid); // the cookie is re-issued for 8 h more: the session is in use (listed, endable)
      }
      // A re-authentication (app/api/auth/reauthenticate): only a value the server sealed for this person, just now, moves the proof time.
      if (trigger === "update" && token.sub && typeof session?.reauthenticated === "string") {
        const r = reauthenticated(session.reauthenticated, token.sub);
        if (r) {
          token.authTime = r.at;
          // The session's methods gain the one just used (a passkey: "hwk").
          const amr = Array.isArray(token.amr) ? (token.amr as string[]) : ["pwd"];
          if (r.how && !amr.includes(r.how)) token.amr = [...amr, r.how];
        }
      }
      if (trigger === "update" && token.sub && typeof session?.activeClientId === "string") {
        const mine = await memberships(token.sub);
        if (mine.some((m) => m.clientId === session.activeClientId)) token.activeClientId = session.activeClientId;
      }
      return token;
    },
    session({ session, token }) {
      session.user.id = token.sub!;
      session.activeClientId = (token.activeClientId as string | null | undefined) ?? null;
      session.sessionVersion = typeof token.sv === "number" ? token.sv : 0;
      session.amr = Array.isArray(token.amr) ? (token.amr as string[]) : ["pwd"];
      session.authTime = typeof token.authTime === "number" ? token.authTime : null;
      if (typeof token.sid === "string") session.sid = token.sid;
      return session;
    },
  },
});
