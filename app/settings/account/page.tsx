import type { Metadata } from "next";
import { PasskeysSection } from "@/components/account/passkeys";
import { PasswordForm } from "@/components/account/password-form";
import { ReminderToggle } from "@/components/account/reminder-toggle";
import { SessionsList } from "@/components/account/sessions";
import { SignOutEverywhere } from "@/components/account/sign-out-everywhere";
import { TwoFactorSection } from "@/components/account/two-factor";
import { twoFactorStatus } from "@/lib/two-factor/two-factor";
import { db } from "@/lib/db/client";
import { currentSessionId, requireUser } from "@/lib/auth/session";
import { listSessions } from "@/lib/auth/sessions";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage({ searchParams }: { searchParams: Promise<{ changed?: string }> }) {
  const user = await requireUser("/settings/account");
  const changed = (await searchParams).changed === "1";
  const prefs = await db().user.findUnique({ where: { id: user.userId }, select: { keyReminderEmails: true } });
  const twoFactor = await twoFactorStatus(user.userId);
  const sessions = await listSessions(user.userId, await currentSessionId());
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Your account</h1>
        <p className="mt-1 text-sm text-slate-600">Signed in as <strong>{user.email}</strong>.</p>
      </div>
      {changed && (
        <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800 ring-1 ring-inset ring-emerald-200">
          Password changed. Every other session and Bearer token of yours has ended; this browser stays signed in.
        </p>
      )}
      <section className="rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200" aria-labelledby="sessions-heading">
        <div className="mb-3 flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0">
            <h2 id="sessions-heading" className="text-base font-semibold text-slate-900">Where you&rsquo;re signed in</h2>
            <p className="mt-1 text-sm text-slate-600">Browsers and API tokens signed in as you. End any you don&rsquo;t recognise.</p>
          </div>
          <SignOutEverywhere variant="button" />
        </div>
        <SessionsList initial={sessions} />
      </section>
      <section className="rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200" aria-labelledby="notifications-heading">
        <h2 id="notifications-heading" className="mb-3 text-base font-semibold text-slate-900">Notifications</h2>
        <ReminderToggle initial={prefs?.keyReminderEmails ?? true} />
      </section>
      {twoFactor && (
        <section className="rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200" aria-labelledby="two-factor-heading">
          <h2 id="two-factor-heading" className="mb-3 text-base font-semibold text-slate-900">Two-factor authentication</h2>
          <TwoFactorSection initial={twoFactor} />
        </section>
      )}
      {twoFactor && (
        <section className="rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200" aria-labelledby="passkeys-heading">
          <h2 id="passkeys-heading" className="mb-3 text-base font-semibold text-slate-900">Passkeys</h2>
          <PasskeysSection initial={twoFactor.passkeys} />
        </section>
      )}
      <section className="rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200">
        <h2 className="text-base font-semibold text-slate-900">Change password</h2>
        <p className="mt-1 mb-4 text-sm text-slate-600">Changing it signs you out everywhere else.</p>
        <PasswordForm />
      </section>
    </div>
  );
}
