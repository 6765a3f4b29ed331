"use client";
import { startAuthentication } from "@simplewebauthn/browser";
import { useActionState, useRef, useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { passkeySignInAction, signInAction, type SignInState } from "./actions";

/** Ask the browser for a passkey's answer to fresh sign-in options (no email: the device offers its passkeys for this site). */
async function passkeyAnswer(): Promise<string> {
  const r = await fetch("/api/auth/passkey/options", { method: "POST" });
  if (r.status === 429) throw new Error("Too many failed attempts. Wait a minute, then try again.");
  if (!r.ok) throw new Error("Could not start a passkey sign-in. Try again.");
  return JSON.stringify(await startAuthentication({ optionsJSON: await r.json() }));
}
const cancelled = (err: unknown) =>
  err instanceof Error && (err.name === "NotAllowedError" || err.name === "AbortError" || (err as { code?: string }).code === "ERROR_CEREMONY_ABORTED")
    ? "No passkey was used (cancelled, or timed out)."
    : err instanceof Error && err.message.startsWith("Too many")
      ? err.message
      : "Could not use a passkey here. Try again, or sign in with your password.";

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
  const [passkeyError, setPasskeyError] = useState<string | null>(null);
  const [passkeyPending, startPasskey] = useTransition();
  const formRef = useRef<HTMLFormElement>(null);
  const passkeyField = useRef<HTMLInputElement>(null);
  const second = state.step === "code";
  const factors = state.factors ?? { totp: true, passkey: false };
  // Without an authenticator app, the field is for a recovery code; with a passkey only, the field waits behind "Use a recovery code".
  const rc = recovery || !factors.totp;
  const field = !second || factors.totp || recovery || !factors.passkey;

  const signInWithPasskey = () =>
    startPasskey(async () => {
      setPasskeyError(null);
      try {
        const r = await passkeySignInAction(await passkeyAnswer(), callbackUrl);
        setPasskeyError(r?.error ?? null);
      } catch (err) {
        setPasskeyError(cancelled(err));
      }
    });

  /** The second step by passkey: its answer goes with the email and password in the same form. */
  const usePasskey = () =>
    startPasskey(async () => {
      setPasskeyError(null);
      try {
        const answer = await passkeyAnswer();
        if (passkeyField.current) passkeyField.current.value = answer;
        formRef.current?.requestSubmit();
      } catch (err) {
        setPasskeyError(cancelled(err));
      }
    });

  const back = () => {
    // Start over: a fresh form (the password is forgotten).
    window.location.reload();
  };

  return (
    <>
    <form ref={formRef} action={action} className="space-y-4" noValidate onSubmit={() => setPasskeyError(null)}>
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      {/* Filled only by "Use your passkey", then emptied by the next render's key. */}
      <input type="hidden" name="passkey" ref={passkeyField} defaultValue="" key={`pk-${state.tries ?? 0}`} />
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
            <h2 className="text-base font-semibold text-slate-900">{rc ? (factors.passkey && !recovery ? "Use your passkey" : "Use a recovery code") : "Enter your code"}</h2>
            <p className="mt-1 text-sm text-slate-600">
              {rc
                ? factors.passkey && !recovery
                  ? `Confirm it is you with your passkey for ${email || state.email}.`
                  : "Enter one of the recovery codes you saved when you set up your second factor. Each works once."
                : `Open your authenticator app and enter the 6\u2011digit code for ${email || state.email}.`}
            </p>
          </div>
          {factors.passkey && !recovery && (
            <Button type="button" variant={factors.totp ? "secondary" : "primary"} className="w-full" onClick={usePasskey} pending={passkeyPending} autoFocus={!factors.totp}>
              Use your passkey
            </Button>
          )}
          <div hidden={!field}>
            <label htmlFor={rc ? "recoveryCode" : "otp"} className="block text-sm font-medium text-slate-700">{rc ? "Recovery code" : "6-digit code"}</label>
            <input
              // A fresh, focused, empty field after each try (and when switching kinds).
              key={`${rc ? "rc" : "otp"}-${state.tries ?? 0}`}
              id={rc ? "recoveryCode" : "otp"}
              name={rc ? "recoveryCode" : "otp"}
              inputMode={rc ? "text" : "numeric"}
              autoComplete="one-time-code"
              autoCapitalize="off"
              spellCheck={false}
              maxLength={rc ? 20 : 7}
              placeholder={rc ? "abcde-23456" : "123456"}
              className={`${input} font-mono tracking-widest`}
              aria-invalid={state.error ? true : undefined}
              aria-describedby={state.error ? "sign-in-error" : undefined}
              autoFocus={field}
            />
          </div>
        </div>
      )}
      {(passkeyError ?? state.error) && (
        <p id="sign-in-error" role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">{passkeyError ?? state.error}</p>
      )}
      {field && <Button type="submit" pending={pending} className="w-full">{second ? "Verify" : "Sign in"}</Button>}
      {second && (
        <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
          {factors.totp || factors.passkey ? (
            <button type="button" className="font-medium text-brand-700 hover:underline" onClick={() => setRecovery(!recovery)}>
              {recovery ? (factors.totp ? "Use a code from the app" : "Use your passkey") : "Use a recovery code"}
            </button>
          ) : (
            <span />
          )}
          <button type="button" className="text-slate-600 hover:underline" onClick={back}>Start over</button>
        </div>
      )}
    </form>
    {!second && (
      <div className="mt-4 space-y-4">
        <div className="flex items-center gap-3 text-xs uppercase tracking-wide text-slate-500" aria-hidden="true">
          <span className="h-px flex-1 bg-slate-200" />or<span className="h-px flex-1 bg-slate-200" />
        </div>
        <Button type="button" variant="secondary" className="w-full" onClick={signInWithPasskey} pending={passkeyPending}>
          Sign in with a passkey
        </Button>
      </div>
    )}
    </>
  );
}
