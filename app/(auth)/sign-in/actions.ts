"use server";
import { AuthError, CredentialsSignin } from "next-auth";
import { signIn } from "@/lib/auth/config";
import { credentialsSchema } from "@/lib/auth/schemas";
import { safeCallback } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { otpSchema, recoveryCodeSchema } from "@/lib/two-factor/schemas";

/**
 * step "password": email and password; "code": the password was right and the
 * account has a second factor. The form then sends email, password and the
 * code together (the password stays in the form's state, never in a URL or a
 * cookie); no session exists before the code is right.
 */
export type SignInState = { error: string | null; email: string; step: "password" | "code"; tries?: number; factors?: { totp: boolean; passkey: boolean } };

/** Which second factors to offer (asked only after the password was right). */
async function factorsOf(email: string): Promise<{ totp: boolean; passkey: boolean }> {
  const f = await db().userFactor.findMany({ where: { user: { email: email.trim().toLowerCase() }, confirmedAt: { not: null } }, select: { type: true } });
  return { totp: f.some((x) => x.type === "Totp"), passkey: f.some((x) => x.type === "Passkey") };
}

/**
 * "Sign in with a passkey": the browser's answer (JSON text) to
 * POST /api/auth/passkey/options; on success next-auth's redirect is thrown.
 */
export async function passkeySignInAction(response: string, callbackUrl: string): Promise<{ error: string }> {
  try {
    await signIn("passkey", { response: String(response).slice(0, 16 * 1024), redirectTo: safeCallback(String(callbackUrl ?? "")) });
  } catch (err) {
    if (err instanceof CredentialsSignin && err.code === "rate_limited") return { error: "Too many failed attempts. Wait a minute, then try again." };
    if (err instanceof AuthError) return { error: "That passkey is not known here, or it could not be checked. Try again, or sign in with your password." };
    throw err; // the success redirect
  }
  return { error: "That passkey could not sign you in." };
}

export async function signInAction(prev: SignInState, form: FormData): Promise<SignInState> {
  return { ...(await attempt(prev, form)), tries: (prev.tries ?? 0) + 1 };
}

async function attempt(prev: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get("email") ?? "");
  const parsed = credentialsSchema.safeParse({ email, password: form.get("password") });
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? "Enter your email and password.", email, step: "password" };
  const second: { otp?: string; recoveryCode?: string; passkey?: string } = {};
  const step = prev.step === "code" || form.has("otp") || form.has("recoveryCode") || form.has("passkey") ? "code" : "password";
  const factors = prev.factors;
  if (form.get("passkey")) {
    second.passkey = String(form.get("passkey")).slice(0, 16 * 1024);
  } else if (form.has("recoveryCode")) {
    const r = recoveryCodeSchema.safeParse(String(form.get("recoveryCode")));
    if (!r.success) return { error: r.error.issues[0]?.message ?? "Enter a recovery code.", email, step, factors };
    second.recoveryCode = r.data;
  } else if (form.has("otp")) {
    const r = otpSchema.safeParse(String(form.get("otp")));
    if (!r.success) return { error: r.error.issues[0]?.message ?? "Enter the 6-digit code.", email, step, factors };
    second.otp = r.data;
  }
  try {
    await signIn("credentials", { ...parsed.data, ...second, redirectTo: safeCallback(String(form.get("callbackUrl") ?? "")) });
  } catch (err) {
    if (err instanceof CredentialsSignin && err.code === "rate_limited") {
      return { error: "Too many failed attempts. Wait a minute, then try again.", email, step, factors };
    }
    if (err instanceof CredentialsSignin && err.code === "second_factor_required") return { error: null, email, step: "code", factors: await factorsOf(parsed.data.email) };
    if (err instanceof CredentialsSignin && err.code === "invalid_second_factor") {
      const error = second.passkey
        ? "That passkey did not verify (or is not this account’s). Try again."
        : second.recoveryCode
          ? "That recovery code is not right, or was already used."
          : "That code is not right, or was already used. Enter the code the app shows now.";
      return { error, email, step: "code", factors };
    }
    if (err instanceof AuthError) return { error: "That email and password do not match an account.", email, step: "password" };
    throw err; // the success redirect is thrown too
  }
  return { error: null, email, step, factors };
}
