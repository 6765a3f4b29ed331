// Email + password check for the sign-in form and POST /api/auth/token.
import { hash, verify } from "@node-rs/argon2";
import { z } from "zod";
import { db } from "@/lib/db/client";

export const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address.")).pipe(z.string().max(320)),
  password: z.string().min(1, "Enter your password.").max(1024),
});

// Verified against when the email is unknown, so both paths cost the same time.
let dummyHash: Promise<string> | undefined;

export type AuthenticatedUser = { id: string; email: string; name: string };

export async function verifyCredentials(input: unknown): Promise<AuthenticatedUser | null> {
  const parsed = credentialsSchema.safeParse(input);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const user = await db().user.findUnique({ where: { email }, select: { id: true, email: true, name: true, passwordHash: true } });
  if (!user) {
    await verify(await (dummyHash ??= hash("dolfin-timing-equaliser")), password).catch(() => false);
    return null;
  }
  const ok = await verify(user.passwordHash, password).catch(() => false);
  return ok ? { id: user.id, email: user.email, name: user.name } : null;
}
