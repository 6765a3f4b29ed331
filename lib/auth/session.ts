import "server-only";
import { redirect } from "next/navigation";
import { cache } from "react";
import { ApiError } from "@/lib/http/problem";
import { auth } from "./config";
import { userPrincipal, type UserPrincipal } from "./principal";

export function signInUrl(callbackPath: string): string {
  return `/sign-in?callbackUrl=${encodeURIComponent(callbackPath)}`;
}

type PageUser = UserPrincipal | { noClient: true; email: string };

// Once per request: the layout and the page both ask, the database answers once.
const currentUser = cache(async (): Promise<PageUser | null> => {
  const session = await auth();
  if (!session?.user?.id) return null;
  try {
    return await userPrincipal(
      "session",
      { sub: session.user.id, email: session.user.email, name: session.user.name, activeClientId: session.activeClientId, sv: session.sessionVersion },
      null,
    );
  } catch (err) {
    if (err instanceof ApiError && err.init.code === "Member.Forbidden") return { noClient: true, email: session.user.email ?? "" };
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

/** Only same-site relative paths may be a post-sign-in destination. */
export function safeCallback(url: string | undefined | null): string {
  if (!url || !url.startsWith("/") || url.startsWith("//") || url.startsWith("/\\")) return "/settings/api-keys";
  return url;
}
