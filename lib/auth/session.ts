import "server-only";
import { redirect } from "next/navigation";
import { ApiError } from "@/lib/http/problem";
import { auth } from "./config";
import { userPrincipal, type UserPrincipal } from "./principal";

export function signInUrl(callbackPath: string): string {
  return `/sign-in?callbackUrl=${encodeURIComponent(callbackPath)}`;
}

/**
 * The signed-in user for a page, resolved exactly as the API resolves a
 * session (roles from the database). Signed out: off to sign-in and back.
 */
export async function requireUser(callbackPath: string): Promise<UserPrincipal | { noClient: true; email: string }> {
  const session = await auth();
  if (!session?.user?.id) redirect(signInUrl(callbackPath));
  try {
    return await userPrincipal("session", { sub: session.user.id, email: session.user.email, name: session.user.name, activeClientId: session.activeClientId }, null);
  } catch (err) {
    if (err instanceof ApiError && err.init.code === "Member.Forbidden") return { noClient: true, email: session.user.email ?? "" };
    throw err;
  }
}

/** Only same-site relative paths may be a post-sign-in destination. */
export function safeCallback(url: string | undefined | null): string {
  if (!url || !url.startsWith("/") || url.startsWith("//") || url.startsWith("/\\")) return "/settings/api-keys";
  return url;
}
