"use server";
import { AuthError, CredentialsSignin } from "next-auth";
import { signIn } from "@/lib/auth/config";
import { credentialsSchema } from "@/lib/auth/schemas";
import { safeCallback } from "@/lib/auth/session";

export type SignInState = { error: string | null; email: string };

export async function signInAction(_prev: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get("email") ?? "");
  const parsed = credentialsSchema.safeParse({ email, password: form.get("password") });
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? "Enter your email and password.", email };
  try {
    await signIn("credentials", { ...parsed.data, redirectTo: safeCallback(String(form.get("callbackUrl") ?? "")) });
  } catch (err) {
    if (err instanceof CredentialsSignin && err.code === "rate_limited") {
      return { error: "Too many failed attempts. Wait a minute, then try again.", email };
    }
    if (err instanceof AuthError) return { error: "That email and password do not match an account.", email };
    throw err; // the success redirect is thrown too
  }
  return { error: null, email };
}
