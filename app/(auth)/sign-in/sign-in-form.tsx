"use client";
import { useActionState, useState } from "react";
import { Button } from "@/components/ui/button";
import { signInAction, type SignInState } from "./actions";

const input =
  "mt-1 block w-full rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-brand-600";

/**
 * Two steps in one form: email and password, then (for an account with a
 * second factor) the app's code or a recovery code. The email and password
 * are kept in this component's state and sent again with the code, so the
 * person does not retype them and nothing is signed in before the code is right.
 */
export function SignInForm({ callbackUrl }: { callbackUrl: string }) {
  const [state, action, pending] = useActionState<SignInState, FormData>(signInAction, { error: null, email: "", step: "password" });
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [recovery, setRecovery] = useState(false);
  const second = state.step === "code";

  const back = () => {
    // Start over: a fresh form (the password is forgotten).
    window.location.reload();
  };

  return (
    <form action={action} className="space-y-4" noValidate>
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <div hidden={second} className="space-y-4">
        <div>
          <label htmlFor="email" className="block text-sm font-medium text-slate-700">Email</label>
          <input id="email" name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} className={input} autoFocus={!second} />
        </div>
        <div>
          <label htmlFor="password" className="block text-sm font-medium text-slate-700">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} className={input} />
        </div>
      </div>
      {second && (
        <div className="space-y-3" data-testid="second-step">
          <div>
            <h2 className="text-base font-semibold text-slate-900">{recovery ? "Use a recovery code" : "Enter your code"}</h2>
            <p className="mt-1 text-sm text-slate-600">
              {recovery ? "Enter one of the recovery codes you saved when you set up the app. Each works once." : `Open your authenticator app and enter the 6\u2011digit code for ${email || state.email}.`}
            </p>
          </div>
          <div>
            <label htmlFor={recovery ? "recoveryCode" : "otp"} className="block text-sm font-medium text-slate-700">{recovery ? "Recovery code" : "6-digit code"}</label>
            <input
              // A fresh, focused, empty field after each try (and when switching kinds).
              key={`${recovery ? "rc" : "otp"}-${state.tries ?? 0}`}
              id={recovery ? "recoveryCode" : "otp"}
              name={recovery ? "recoveryCode" : "otp"}
              inputMode={recovery ? "text" : "numeric"}
              autoComplete="one-time-code"
              autoCapitalize="off"
              spellCheck={false}
              maxLength={recovery ? 20 : 7}
              placeholder={recovery ? "abcde-23456" : "123456"}
              className={`${input} font-mono tracking-widest`}
              aria-invalid={state.error ? true : undefined}
              aria-describedby={state.error ? "sign-in-error" : undefined}
              autoFocus
            />
          </div>
        </div>
      )}
      {state.error && (
        <p id="sign-in-error" role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">{state.error}</p>
      )}
      <Button type="submit" pending={pending} className="w-full">{second ? "Verify" : "Sign in"}</Button>
      {second && (
        <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
          <button type="button" className="font-medium text-brand-700 hover:underline" onClick={() => setRecovery(!recovery)}>
            {recovery ? "Use a code from the app" : "Use a recovery code"}
          </button>
          <button type="button" className="text-slate-600 hover:underline" onClick={back}>Start over</button>
        </div>
      )}
    </form>
  );
}
