"use server";
import { AuthError, CredentialsSignin } from "next-auth";
import { signIn } from "@/lib/auth/config";
import { credentialsSchema } from "@/lib/auth/schemas";
import { safeCallback } from "@/lib/auth/session";
import { otpSchema, recoveryCodeSchema } from "@/lib/two-factor/schemas";

/**
 * step "password": email and password; "code": the password was right and the
 * account has a second factor. The form then sends email, password and the
 * code together (the password stays in the form's state, never in a URL or a
 * cookie); no session exists before the code is right.
 */
export type SignInState = { error: string | null; email: string; step: "password" | "code"; tries?: number };

export async function signInAction(prev: SignInState, form: FormData): Promise<SignInState> {
  return { ...(await attempt(prev, form)), tries: (prev.tries ?? 0) + 1 };
}

async function attempt(prev: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get("email") ?? "");
  const parsed = credentialsSchema.safeParse({ email, password: form.get("password") });
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? "Enter your email and password.", email, step: "password" };
  const second: { otp?: string; recoveryCode?: string } = {};
  const step = prev.step === "code" || form.has("otp") || form.has("recoveryCode") ? "code" : "password";
  if (form.has("recoveryCode")) {
    const r = recoveryCodeSchema.safeParse(String(form.get("recoveryCode")));
    if (!r.success) return { error: r.error.issues[0]?.message ?? "Enter a recovery code.", email, step };
    second.recoveryCode = r.data;
  } else if (form.has("otp")) {
    const r = otpSchema.safeParse(String(form.get("otp")));
    if (!r.success) return { error: r.error.issues[0]?.message ?? "Enter the 6-digit code.", email, step };
    second.otp = r.data;
  }
  try {
    await signIn("credentials", { ...parsed.data, ...second, redirectTo: safeCallback(String(form.get("callbackUrl") ?? "")) });
  } catch (err) {
    if (err instanceof CredentialsSignin && err.code === "rate_limited") {
      return { error: "Too many failed attempts. Wait a minute, then try again.", email, step };
    }
    if (err instanceof CredentialsSignin && err.code === "second_factor_required") return { error: null, email, step: "code" };
    if (err instanceof CredentialsSignin && err.code === "invalid_second_factor") {
      return { error: second.recoveryCode ? "That recovery code is not right, or was already used." : "That code is not right, or was already used. Enter the code the app shows now.", email, step: "code" };
    }
    if (err instanceof AuthError) return { error: "That email and password do not match an account.", email, step: "password" };
    throw err; // the success redirect is thrown too
  }
  return { error: null, email, step };
}
