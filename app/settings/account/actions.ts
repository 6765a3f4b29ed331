"use server";
import { hash } from "@node-rs/argon2";
import { headers } from "next/headers";
import { signIn } from "@/lib/auth/config";
import { sessionContinuation, verifyCredentials } from "@/lib/auth/credentials";
import { accountUser } from "@/lib/auth/session";
import { endAllSessions } from "@/lib/auth/sessions";
import { db } from "@/lib/db/client";
import { ApiError } from "@/lib/http/problem";
import { clientIp } from "@/lib/http/request-meta";
import { changePasswordSchema, passwordProblem } from "@/lib/invites/schemas";
import { logger } from "@/lib/log";

export type PasswordState = { error: string | null; field?: "currentPassword" | "newPassword" };

/**
 * Change one's password: the current one proves it is you (and counts against
 * the sign-in limits), every other session and token ends (the session
 * version moves), and this browser is signed in again with the new password.
 */
export async function changePasswordAction(_prev: PasswordState, form: FormData): Promise<PasswordState> {
  const me = await accountUser(); // a person with no Client too
  if (!me) return { error: "Your session has ended. Sign in again." };
  const parsed = changePasswordSchema.safeParse({ currentPassword: form.get("currentPassword"), newPassword: form.get("newPassword") });
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? "Fill in both fields.", field: parsed.error.issues[0]?.path[0] as PasswordState["field"] };
  const { currentPassword, newPassword } = parsed.data;
  const problem = passwordProblem(newPassword, me.email);
  if (problem) return { error: problem, field: "newPassword" };
  if (newPassword === currentPassword) return { error: "Choose a password different from the current one.", field: "newPassword" };
  try {
    const ok = await verifyCredentials({ email: me.email, password: currentPassword }, clientIp(await headers()));
    if (!ok || ok.id !== me.userId) return { error: "Your current password is not right.", field: "currentPassword" };
  } catch (err) {
    if (err instanceof ApiError && err.init.status === 429) return { error: "Too many failed attempts. Wait a few minutes, then try again.", field: "currentPassword" };
    throw err;
  }
  await endAllSessions(me.userId, { passwordHash: await hash(newPassword) });
  logger.info({ event: "password changed", userId: me.userId }, "password changed; other sessions ended");
  // This browser stays signed in as it was proved (a second factor is not asked again).
  await signIn("credentials", {
    email: me.email,
    password: newPassword,
    ...(me.clientId ? { clientId: me.clientId } : {}),
    continuation: sessionContinuation(me.userId, me.amr),
    redirectTo: "/settings/account?changed=1",
  });
  return { error: null };
}

/** Turn one's own key-expiry reminder emails on or off (they are on by default). */
export async function setKeyRemindersAction(enabled: boolean): Promise<{ ok: boolean; error?: string }> {
  const me = await accountUser(); // a person with no Client too
  if (!me) return { ok: false, error: "Your session has ended. Sign in again." };
  if (typeof enabled !== "boolean") return { ok: false, error: "Choose on or off." };
  await db().user.update({ where: { id: me.userId }, data: { keyReminderEmails: enabled } });
  logger.info({ event: "reminder preference changed", userId: me.userId, enabled }, "key reminder emails " + (enabled ? "on" : "off"));
  return { ok: true };
}
