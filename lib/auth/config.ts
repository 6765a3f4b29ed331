// next-auth (v5): credentials sign-in, JWT sessions of 8 hours that carry the
// user id and the active Client. Roles are never read from the token: the
// API wrapper loads them from the database on every request.
import NextAuth, { CredentialsSignin, type DefaultSession } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { db } from "@/lib/db/client";
import { ApiError } from "@/lib/http/problem";
import { clientIp } from "@/lib/http/request-meta";
import { logger } from "@/lib/log";
import { verifyPasskeySignIn, verifySignIn, type SignedIn } from "./credentials";
import { memberships } from "./memberships";

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
    /** How the sign-in was proved (RFC 8176): ["pwd"], ["pwd", "otp" | "rc" | "hwk"] with a second factor, or ["hwk", "user"] by a passkey alone. */
    amr: string[];
    /** When (epoch seconds) the person last proved it is them (sign-in). */
    authTime: number | null;
  }
}

/**
 * Whether a session begun at version `sv` is still the user's current one.
 * If the database cannot answer, the session is kept here: every request that
 * does anything resolves the user again (and answers 503 meanwhile), and a
 * brief outage must not sign everybody out.
 */
async function sessionIsCurrent(userId: string, sv: unknown): Promise<boolean> {
  try {
    const u = await db().user.findUnique({ where: { id: userId }, select: { sessionVersion: true } });
    return u !== null && u.sessionVersion === (typeof sv === "number" ? sv : 0);
  } catch (err) {
    logger.warn({ err }, "could not check the session version");
    return true;
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
      } else if (token.sub && !(await sessionIsCurrent(token.sub, token.sv))) {
        return null; // ended by "sign out everywhere" (or the user is gone): clear the cookie, never re-issue it
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
      return session;
    },
  },
});
