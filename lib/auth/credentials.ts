// Email + password check for the sign-in form and POST /api/auth/token.
import { hash, verify } from "@node-rs/argon2";
import { db } from "@/lib/db/client";
import { limitPasswordCheck } from "@/lib/http/rate-limit";
import { credentialsSchema } from "./schemas";

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
