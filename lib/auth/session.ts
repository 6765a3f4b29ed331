import "server-only";
import { redirect } from "next/navigation";
import { cache } from "react";
import { ApiError } from "@/lib/http/problem";
import { auth } from "./config";
import { sessionClaims, userPrincipal, type UserPrincipal } from "./principal";

export function signInUrl(callbackPath: string): string {
  return `/sign-in?callbackUrl=${encodeURIComponent(callbackPath)}`;
}

/** A signed-in person for a page: with the Client the page shows, or (no Client at all) just themselves. */
type PageUser = UserPrincipal | { noClient: true; userId: string; email: string; amr: string[]; authTime: number | null; twoFactorRequired?: string };

// Once per request: the layout and the page both ask, the database answers once.
const currentAuth = cache(() => auth());

/** The id of this browser's session (null for a cookie from before sessions had ids): what the page marks "This browser". */
export async function currentSessionId(): Promise<string | null> {
  const sid = (await currentAuth())?.sid;
  return typeof sid === "string" ? sid.toLowerCase() : null;
}

const currentUser = cache(async (): Promise<PageUser | null> => {
  const session = await currentAuth();
  if (!session?.user?.id) return null;
  try {
    // A page says which Client it shows (and every request it makes names it), so a session whose
    // Client was left may show the user's first one instead of nothing.
    return await userPrincipal("session", sessionClaims(session), null, { fallbackToFirst: true });
  } catch (err) {
    // Refused for want of a Client only once the session is known to be alive (userPrincipal checks that first).
    const alone = { noClient: true as const, userId: session.user.id, email: session.user.email ?? "", amr: session.amr ?? ["pwd"], authTime: session.authTime ?? null };
    if (err instanceof ApiError && err.init.code === "Member.Forbidden") return alone;
    // The Client requires a second factor this person lacks: only their account (to add one), with why.
    if (err instanceof ApiError && err.init.code === "Member.TwoFactorRequired") return { ...alone, twoFactorRequired: err.init.detail ?? err.init.title };
    if (err instanceof ApiError && err.init.code === "Auth.SessionEnded") return null; // signed out everywhere: sign in again
    throw err;
  }
});

/** The signed-in user, or null (no session, an ended one, or a deleted user): what the sign-in page asks. */
export async function signedInUser(): Promise<PageUser | null> {
  return currentUser();
}

/**
 * The signed-in user for a page, resolved exactly as the API resolves a
 * session (roles from the database). Signed out: off to sign-in and back.
 */
export async function requireUser(callbackPath: string): Promise<PageUser> {
  const user = await currentUser();
  if (!user) redirect(signInUrl(callbackPath));
  return user;
}

/**
 * The signed-in person behind a server action, resolved exactly as the API
 * resolves a session: an ended session ("sign out everywhere"), a deleted
 * user or one with no Client gets null, so an old cookie can do nothing.
 */
export async function actionUser(): Promise<UserPrincipal | null> {
  const user = await currentUser();
  return user && !("noClient" in user) ? user : null;
}

/**
 * The signed-in person behind an action on their own account (password,
 * notifications, signing out everywhere): resolved like actionUser (an ended
 * session or a deleted user gets null), but no Client is needed, so a person
 * left without any can still end a stolen session. `clientId`: the active one, if any.
 */
export async function accountUser(): Promise<{ userId: string; email: string; clientId: string | null; amr: string[] } | null> {
  const user = await currentUser();
  if (!user) return null;
  return { userId: user.userId, email: user.email, clientId: "noClient" in user ? null : user.clientId, amr: user.amr };
}

export const DEFAULT_AFTER_SIGN_IN = "/settings/api-keys";
const SELF = "http://dolfin.invalid";

/**
 * A post-sign-in destination: the value resolved against our own origin the
 * way a browser would (tabs and newlines dropped, backslashes as slashes),
 * kept only if it stays on that origin, and returned as a plain, encoded
 * path. Anything else is the default page.
 */
export function safeCallback(url: string | undefined | null): string {
  if (!url || typeof url !== "string" || url.length > 2048) return DEFAULT_AFTER_SIGN_IN;
  let u: URL;
  try {
    u = new URL(url, SELF);
  } catch {
    return DEFAULT_AFTER_SIGN_IN;
  }
  if (u.origin !== SELF) return DEFAULT_AFTER_SIGN_IN;
  const path = u.pathname + u.search + u.hash;
  // The path as resolved must read the same way again (no "//host" a second parse would take for an origin).
  return path.startsWith("/") && !path.startsWith("//") ? path : DEFAULT_AFTER_SIGN_IN;
}
