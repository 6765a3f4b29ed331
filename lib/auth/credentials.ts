// Email + password check for the sign-in form and POST /api/auth/token.
import { hash, verify } from "@node-rs/argon2";
import { db } from "@/lib/db/client";
import { assertNotBlocked, recordFailure } from "@/lib/http/rate-limit";
import { credentialsSchema } from "./schemas";

// Verified against when the email is unknown, so both paths cost the same time.
let dummyHash: Promise<string> | undefined;

export type AuthenticatedUser = { id: string; email: string; name: string; sessionVersion: number };

/** Null when the email and password do not match. Failures are limited per IP (429 ApiError when spent). */
export async function verifyCredentials(input: unknown, ip: string | null): Promise<AuthenticatedUser | null> {
  // Per address; with none known, no bucket (never one shared by everybody).
  if (ip !== null) assertNotBlocked("signInFailures", ip);
  const user = await check(input);
  if (!user && ip !== null) await recordFailure("signInFailures", ip);
  return user;
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
