"use client";
// Sudo mode in the browser: one dialog for the whole app. apiFetch (components/api-keys/api.ts) asks
// requestReauthentication() when the server answers 403 Auth.ReauthenticationRequired; the dialog asks for
// a passkey (for a person who has one), the password or a code, renews the session's proof
// (POST /api/auth/reauthenticate) and resolves true, so the refused request is sent again. Mounted once by
// app/settings/layout.tsx, which says whether the person has a passkey.
import { startAuthentication } from "@simplewebauthn/browser";
import { useEffect, useId, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { fieldClass } from "@/components/ui/field";

type Pending = { resolve: (proven: boolean) => void };

let open: ((p: Pending) => void) | null = null;
let inFlight: Promise<boolean> | null = null;

/** Ask the person to prove it is them; true once proven, false if they cancel (or no dialog is mounted). */
export function requestReauthentication(): Promise<boolean> {
  if (!open) return Promise.resolve(false);
  // Requests refused together share one dialog.
  inFlight ??= new Promise<boolean>((resolve) => open!({ resolve })).finally(() => (inFlight = null));
  return inFlight;
}

export function ReauthDialogHost({ hasPasskey = false }: { hasPasskey?: boolean }) {
  const [pending, setPending] = useState<Pending | null>(null);
  useEffect(() => {
    open = setPending;
    return () => {
      open = null;
    };
  }, []);
  const finish = (proven: boolean) => {
    pending?.resolve(proven);
    setPending(null);
  };
  return (
    <Dialog
      open={pending !== null}
      onOpenChange={(o) => !o && finish(false)}
      title="Confirm it’s you"
      description={
        hasPasskey
          ? "This action needs a recent sign-in. Use your passkey, or enter your password or a code, to continue; you won’t be asked again for a while."
          : "This action needs a recent sign-in. Enter your password or a code to continue; you won’t be asked again for a while."
      }
    >
      {pending && <ProofForm hasPasskey={hasPasskey} onProven={() => finish(true)} onCancel={() => finish(false)} />}
    </Dialog>
  );
}

const post = (path: string, body?: unknown) =>
  fetch(path, {
    method: "POST",
    headers: body === undefined ? undefined : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });

const cancelledCeremony = (err: unknown) =>
  err instanceof Error && (err.name === "NotAllowedError" || err.name === "AbortError" || (err as { code?: string }).code === "ERROR_CEREMONY_ABORTED");

function ProofForm({ hasPasskey, onProven, onCancel }: { hasPasskey: boolean; onProven: () => void; onCancel: () => void }) {
  const id = useId();
  const [mode, setMode] = useState<"password" | "code">("password");
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [passkeyBusy, setPasskeyBusy] = useState(false);
  // A passkey that did not work is said under its button: the password field was not wrong.
  const [passkeyError, setPasskeyError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const passkeyButton = useRef<HTMLButtonElement>(null);
  const first = useRef(true);
  useEffect(() => {
    // A person with a passkey starts on "Use your passkey"; switching to a code moves to the field.
    if (first.current && hasPasskey) passkeyButton.current?.focus();
    else input.current?.focus();
    first.current = false;
  }, [mode, hasPasskey]);


  /** The passkey's answer to options made for this person, then the same renewal as a password. */
  const usePasskey = async () => {
    setPasskeyBusy(true);
    setPasskeyError(null);
    setError(null);
    try {
      const o = await post("/api/auth/reauthenticate/passkey-options");
      if (!o.ok) {
        const problem = await o.json().catch(() => null);
        return setPasskeyError(o.status === 429 ? (problem?.detail ?? "Too many attempts. Wait a minute, then try again.") : (problem?.detail ?? "Could not start the passkey check. Try again."));
      }
      let answer;
      try {
        answer = await startAuthentication({ optionsJSON: await o.json() });
      } catch (err) {
        return setPasskeyError(
          cancelledCeremony(err)
            ? "No passkey was used (cancelled, or timed out). Try again, or use your password or a code."
            : "This browser could not use a passkey here. Use your password or a code instead.",
        );
      }
      const res = await post("/api/auth/reauthenticate", { passkey: answer });
      if (res.ok) return onProven();
      const problem = await res.json().catch(() => null);
      setPasskeyError(
        res.status === 401
          ? "That passkey was not recognised for your account. Try again with one of your passkeys, or use your password or a code."
          : (problem?.detail ?? "That did not work. Try again."),
      );
    } catch {
      setPasskeyError("Could not reach the server. Check your connection and try again.");
    } finally {
      setPasskeyBusy(false);
    }
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!value.trim()) return setError(mode === "password" ? "Enter your password." : "Enter a code.");
    const compact = value.replace(/\s+/g, "");
    const body = mode === "password" ? { password: value } : /^\d{6}$/.test(compact) ? { otp: compact } : { recoveryCode: value };
    setBusy(true);
    setError(null);
    setPasskeyError(null);
    try {
      const res = await post("/api/auth/reauthenticate", body);
      if (res.ok) return onProven();
      const problem = await res.json().catch(() => null);
      const fieldError = problem?.errors && (Object.values(problem.errors)[0] as string[] | undefined)?.[0];
      setError(fieldError ?? problem?.detail ?? "That did not work. Try again.");
      setValue("");
      input.current?.focus();
    } catch {
      setError("Could not reach the server. Check your connection and try again.");
    } finally {
      setBusy(false);
    }
  };

  const label = mode === "password" ? "Password" : "Code from your authenticator app, or a recovery code";
  return (
    <form onSubmit={submit} noValidate data-testid="reauth-form">
      {hasPasskey && (
        <>
          <Button
            ref={passkeyButton}
            type="button"
            className="w-full"
            onClick={usePasskey}
            pending={passkeyBusy}
            disabled={busy}
            aria-describedby={passkeyError ? `${id}-passkey-error` : undefined}
          >
            Use your passkey
          </Button>
          {passkeyError && (
            <p id={`${id}-passkey-error`} role="alert" className="mt-2 text-sm text-red-600" data-testid="reauth-passkey-error">
              {passkeyError}
            </p>
          )}
          <p className="my-4 flex items-center gap-3 text-xs uppercase tracking-wide text-slate-500" aria-hidden="true">
            <span className="h-px flex-1 bg-slate-200" />
            or
            <span className="h-px flex-1 bg-slate-200" />
          </p>
        </>
      )}
      <label htmlFor={`${id}-proof`} className="block text-sm font-medium text-slate-900">
        {label}
      </label>
      <input
        key={mode}
        ref={input}
        id={`${id}-proof`}
        type={mode === "password" ? "password" : "text"}
        autoComplete={mode === "password" ? "current-password" : "one-time-code"}
        inputMode={mode === "password" ? undefined : "text"}
        maxLength={mode === "password" ? 1024 : 64}
        value={value}
        onChange={(e) => setValue(e.target.value)}
        className={`mt-1 w-full ${fieldClass}`}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error && (
        <p id={`${id}-error`} role="alert" className="mt-1 text-sm text-red-600">
          {error}
        </p>
      )}
      <button
        type="button"
        className="mt-3 text-sm font-medium text-brand-700 underline-offset-2 hover:underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-600"
        onClick={() => {
          setMode(mode === "password" ? "code" : "password");
          setValue("");
          setError(null);
        }}
      >
        {mode === "password" ? "Use a code instead" : "Use your password instead"}
      </button>
      <div className="mt-6 flex flex-wrap justify-end gap-2">
        <Button type="button" variant="secondary" onClick={onCancel} disabled={busy || passkeyBusy}>
          Cancel
        </Button>
        <Button type="submit" variant={hasPasskey ? "secondary" : "primary"} pending={busy} disabled={passkeyBusy}>
          Confirm
        </Button>
      </div>
    </form>
  );
}
