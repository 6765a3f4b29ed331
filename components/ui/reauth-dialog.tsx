"use client";
// Sudo mode in the browser: one dialog for the whole app. apiFetch (components/api-keys/api.ts) asks
// requestReauthentication() when the server answers 403 Auth.ReauthenticationRequired; the dialog asks for
// the password or a code (a passkey later), renews the session's proof (POST /api/auth/reauthenticate) and
// resolves true, so the refused request is sent again. Mounted once by app/settings/layout.tsx.
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

export function ReauthDialogHost() {
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
      description="This action needs a recent sign-in. Enter your password or a code to continue; you won’t be asked again for a while."
    >
      {pending && <ProofForm onProven={() => finish(true)} onCancel={() => finish(false)} />}
    </Dialog>
  );
}

function ProofForm({ onProven, onCancel }: { onProven: () => void; onCancel: () => void }) {
  const id = useId();
  const [mode, setMode] = useState<"password" | "code">("password");
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), [mode]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!value.trim()) return setError(mode === "password" ? "Enter your password." : "Enter a code.");
    const compact = value.replace(/\s+/g, "");
    const body = mode === "password" ? { password: value } : /^\d{6}$/.test(compact) ? { otp: compact } : { recoveryCode: value };
    setBusy(true);
    setError(null);
    try {
      const res = await fetch("/api/auth/reauthenticate", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
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
        <Button type="button" variant="secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
        <Button type="submit" pending={busy}>
          Confirm
        </Button>
      </div>
    </form>
  );
}
