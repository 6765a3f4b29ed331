"use server";
// The accept page's two steps, resolved on the server: what the link grants
// (read only), then the exchange of the token for membership, and signing in.
import { randomUUID } from "node:crypto";
import { headers } from "next/headers";
import { CredentialsSignin } from "next-auth";
import { redirect } from "next/navigation";
import { auth, signIn, signOut, updateSession } from "@/lib/auth/config";
import { acceptInvite, lookupInvite, type InviteLookup } from "@/lib/invites/invites";
import { acceptInviteSchema } from "@/lib/invites/schemas";
import { ApiError } from "@/lib/http/problem";
import { clientIp, type RequestMeta } from "@/lib/http/request-meta";

async function actionMeta(): Promise<RequestMeta> {
  const h = await headers();
  return { requestId: randomUUID(), ip: clientIp(h), userAgent: h.get("user-agent")?.slice(0, 512) ?? null };
}

export type LookupResult = { invite: InviteLookup | null; signedInEmail: string | null };

export async function lookupInviteAction(token: string): Promise<LookupResult> {
  const session = await auth();
  return { invite: await lookupInvite(String(token ?? "")), signedInEmail: session?.user?.email ?? null };
}

/** Signed in as someone else: sign out here, and show the invitation again. */
export async function signOutForInviteAction(token: string): Promise<LookupResult> {
  await signOut({ redirect: false });
  return { invite: await lookupInvite(String(token ?? "")), signedInEmail: null };
}

export type AcceptResult = { error: string; code?: string; fieldErrors?: Record<string, string[]> };

export async function acceptInviteAction(input: { token: string; name?: string; password?: string }): Promise<AcceptResult> {
  const parsed = acceptInviteSchema.safeParse(input);
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const i of parsed.error.issues) (fieldErrors[String(i.path[0])] ??= []).push(i.message);
    return { error: "Check the fields below.", fieldErrors };
  }
  const session = await auth();
  let joined;
  try {
    joined = await acceptInvite(parsed.data, await actionMeta(), session?.user?.id ?? null);
  } catch (err) {
    if (err instanceof ApiError) return { error: err.init.detail ?? err.init.title, code: err.init.code, fieldErrors: err.init.errors };
    throw err;
  }
  if (session?.user?.id) {
    await updateSession({ activeClientId: joined.clientId } as never);
    redirect("/settings/api-keys");
  }
  // Signed in as the account that just joined, on the Client it joined (signIn redirects).
  try {
    await signIn("credentials", { email: joined.email, password: parsed.data.password, clientId: joined.clientId, redirectTo: "/settings/api-keys" });
  } catch (err) {
    // An account with a second factor: it has joined; signing in asks for the code on the sign-in page.
    if (err instanceof CredentialsSignin && err.code === "second_factor_required") redirect(`/sign-in?callbackUrl=${encodeURIComponent("/settings/api-keys")}`);
    throw err;
  }
  return { error: "Could not sign in." };
}
