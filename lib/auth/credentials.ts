// Email + password (+ second factor) check for the sign-in form and POST /api/auth/token.
import { hash, verify } from "@node-rs/argon2";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { countSignInFailure, limitPasswordCheck } from "@/lib/http/rate-limit";
import { seal, unseal } from "@/lib/mail/seal";
import { ApiError } from "@/lib/http/problem";
import { readAssertion, verifyPasskeyAssertion } from "@/lib/passkeys/passkeys";
import { TwoFactorProblems } from "@/lib/two-factor/problems";
import { hasSecondFactor, verifySecondFactor } from "@/lib/two-factor/two-factor";
import { credentialsSchema, secondFactorFields, type Proof } from "./schemas";

// Verified against when the email is unknown, so both paths cost the same time.
let dummyHash: Promise<string> | undefined;

export type AuthenticatedUser = { id: string; email: string; name: string; sessionVersion: number };

/**
 * Null when the email and password do not match. Failures are limited per
 * address and per account (429 ApiError when spent; limitPasswordCheck, which
 * accepting an invitation shares): a spray from many addresses at one account
 * stops too. The account bucket is keyed by the email as typed (normalised),
 * whether or not it exists, so the answers are the same for both.
 */
export async function verifyCredentials(input: unknown, ip: string | null): Promise<AuthenticatedUser | null> {
  const parsed = credentialsSchema.safeParse(input);
  return limitPasswordCheck(ip, parsed.success ? parsed.data.email : null, () => check(input));
}

/** How a sign-in was proved (RFC 8176 values): "pwd", then "otp" (authenticator app), "rc" (recovery code) or "hwk" (passkey); a passkey alone: ["hwk", "user"]. */
export type SignedIn = AuthenticatedUser & { amr: string[] };

const secondStepSchema = z.object(secondFactorFields);

/**
 * A whole sign-in (the token API and the browser's credentials provider): the
 * password, then, for a person with a second factor, its code or a recovery
 * code, in the same request; no session exists before both are right.
 * Right password, no code: 401 Auth.SecondFactorRequired. A wrong, malformed
 * or spent code: 401 Auth.InvalidSecondFactor, counted like a wrong password
 * (per address and per account). Null for a wrong email or password.
 */
export async function verifySignIn(input: unknown, ip: string | null): Promise<SignedIn | null> {
  const user = await verifyCredentials(input, ip);
  if (!user) return null;
  if (!(await hasSecondFactor(user.id))) return { ...user, amr: ["pwd"] };
  const raw = (input ?? {}) as { otp?: unknown; recoveryCode?: unknown; continuation?: unknown; passkey?: unknown };
  const carried = continued(raw.continuation, user.id);
  if (carried) return { ...user, amr: carried };
  const given = (v: unknown) => v !== undefined && v !== null && v !== "";
  if (!given(raw.otp) && !given(raw.recoveryCode) && !given(raw.passkey)) throw TwoFactorProblems.required();
  let method: string | null = null;
  if (given(raw.passkey)) {
    // The browser's sign-in form sends the passkey's answer as JSON text; one that is not this person's fails like a wrong code.
    method = (await passkeyOf(raw.passkey, user.id)) ? "hwk" : null;
  } else {
    const proof = secondStepSchema.safeParse({ otp: given(raw.otp) ? raw.otp : undefined, recoveryCode: given(raw.recoveryCode) ? raw.recoveryCode : undefined });
    method = proof.success ? await verifySecondFactor(user, proof.data, ip) : null;
  }
  if (!method) {
    await countSignInFailure(ip, user.email);
    throw TwoFactorProblems.invalid();
  }
  return { ...user, amr: ["pwd", method] };
}

/**
 * The one check of a fresh proof by a signed-in person (sudo mode): their password, a code from their
 * authenticator app, a recovery code, or an assertion by one of their passkeys (to options made for their
 * re-authentication: another person's passkey, a sign-in's challenge, or a spent or expired one, is simply
 * wrong). Counted like a sign-in (limitPasswordCheck: spent before the check, given back when right; 429
 * when spent): a password or code per address and per account; a passkey per address only, like a passkey
 * sign-in (an assertion is not a secret to guess, so someone spending the account's password budget
 * cannot block its owner's passkey, nor does a passkey spend it). Returns how it was proved (RFC 8176),
 * or null when wrong. A passkey answer that is not WebAuthn-shaped: 400 Passkey.MalformedResponse.
 */
export async function verifyProof(user: { id: string; email: string }, proof: Proof, ip: string | null): Promise<"pwd" | "otp" | "rc" | "hwk" | null> {
  if ("passkey" in proof) {
    // A malformed passkey answer is the caller's bad request (400), not a guess: refused before the limit counts it.
    readAssertion(proof.passkey);
    return limitPasswordCheck(ip, null, async () => ((await verifyPasskeyAssertion(user.id, proof.passkey, "reauthenticate")) ? "hwk" : null));
  }
  return limitPasswordCheck(ip, user.email, async () => {
    if ("password" in proof) {
      const u = await db().user.findUnique({ where: { id: user.id }, select: { passwordHash: true } });
      return u && (await verify(u.passwordHash, proof.password).catch(() => false)) ? "pwd" : null;
    }
    return verifySecondFactor(user, proof, ip);
  });
}

/** Verify a passkey answer (JSON text or an object) for this person, or anyone's (null); malformed ones fail. */
export async function passkeyOf(value: unknown, userId: string | null): Promise<{ userId: string } | null> {
  let response: unknown = value;
  if (typeof value === "string") {
    if (value.length > 16 * 1024) return null;
    try {
      response = JSON.parse(value);
    } catch {
      return null;
    }
  }
  try {
    return await verifyPasskeyAssertion(userId, response);
  } catch (err) {
    if (err instanceof ApiError && err.init.status === 400) return null;
    throw err;
  }
}

/**
 * A sign-in by a passkey alone (the browser's "Sign in with a passkey"): the
 * passkey names its owner, so no email or password. Failures count per address
 * like wrong passwords (refused while that address is locked out).
 */
export async function verifyPasskeySignIn(value: unknown, ip: string | null): Promise<SignedIn | null> {
  const ok = await limitPasswordCheck(ip, null, () => passkeyOf(value, null));
  if (!ok) return null;
  const user = await db().user.findUnique({ where: { id: ok.userId }, select: { id: true, email: true, name: true, sessionVersion: true } });
  return user && { ...user, amr: ["hwk", "user"] };
}

async function check(input: unknown): Promise<AuthenticatedUser | null> {
  const parsed = credentialsSchema.safeParse(input);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const user = await db().user.findUnique({ where: { email }, select: { id: true, email: true, name: true, passwordHash: true, sessionVersion: true } });
  if (!user) {
    await verify(await (dummyHash ??= hash("dolfin-timing-equaliser")), password).catch(() => false);
    return null;
  }
  const ok = await verify(user.passwordHash, password).catch(() => false);
  return ok ? { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion } : null;
}

const CONTINUATION_SECONDS = 60;

/**
 * A server action that re-signs the same person in (after a password change)
 * carries their session's proof over instead of asking for a code again: a
 * value sealed with AUTH_SECRET for this user, valid one minute, made and
 * spent on the server (never sent to a browser).
 */
export function sessionContinuation(userId: string, amr: string[]): string {
  return seal(JSON.stringify({ sub: userId, amr, exp: Date.now() + CONTINUATION_SECONDS * 1000 }), undefined, "sign-in continuation");
}

function continued(value: unknown, userId: string): string[] | null {
  if (typeof value !== "string" || value.length > 1024) return null;
  try {
    const c = JSON.parse(unseal(value, undefined, "sign-in continuation")) as { sub?: unknown; amr?: unknown; exp?: unknown };
    if (c.sub !== userId || typeof c.exp !== "number" || c.exp < Date.now() || !Array.isArray(c.amr)) return null;
    return c.amr.filter((m): m is string => typeof m === "string");
  } catch {
    return null;
  }
}
