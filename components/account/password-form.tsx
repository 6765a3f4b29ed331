"use client";
import { useActionState } from "react";
import { changePasswordAction, type PasswordState } from "@/app/settings/account/actions";
import { Button } from "@/components/ui/button";
import { fieldClass } from "@/components/ui/field";
import { PASSWORD_MIN } from "@/lib/invites/schemas";

export function PasswordForm() {
  const [state, action, pending] = useActionState<PasswordState, FormData>(changePasswordAction, { error: null });
  const err = (f: PasswordState["field"]) => (state.error && state.field === f ? state.error : null);
  return (
    <form action={action} className="max-w-sm space-y-4" noValidate>
      <div>
        <label htmlFor="currentPassword" className="block text-sm font-medium text-slate-900">Current password</label>
        <input id="currentPassword" name="currentPassword" type="password" autoComplete="current-password" className={`mt-1 w-full ${fieldClass}`} aria-invalid={err("currentPassword") ? true : undefined} />
        {err("currentPassword") && <p className="mt-1 text-sm text-red-600">{err("currentPassword")}</p>}
      </div>
      <div>
        <label htmlFor="newPassword" className="block text-sm font-medium text-slate-900">New password</label>
        <input id="newPassword" name="newPassword" type="password" autoComplete="new-password" className={`mt-1 w-full ${fieldClass}`} aria-describedby="newPassword-hint" aria-invalid={err("newPassword") ? true : undefined} />
        <p id="newPassword-hint" className="mt-1 text-xs text-slate-500">At least {PASSWORD_MIN} characters, not your email address.</p>
        {err("newPassword") && <p className="mt-1 text-sm text-red-600">{err("newPassword")}</p>}
      </div>
      {state.error && !state.field && <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">{state.error}</p>}
      <Button type="submit" pending={pending}>Change password</Button>
    </form>
  );
}
