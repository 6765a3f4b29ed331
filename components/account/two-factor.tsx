"use client";
// "Two-factor authentication" on the account page: set up an authenticator
// app (QR code and the secret to type, then its first code), see the recovery
// codes once, get new ones (the old ones stop working), and remove the app
// with a current code or the password. With passkeys only, it says so.
import QRCode from "qrcode";
import { useEffect, useState } from "react";
import { ProblemError } from "@/components/api-keys/api";
import { Button } from "@/components/ui/button";
import { fieldClass } from "@/components/ui/field";
import { RecoveryCodesDialog } from "./recovery-codes-dialog";
import { useApi } from "@/components/ui/active-client";
import type { TotpEnrolment, TwoFactorStatus } from "@/lib/two-factor/schemas";

const grouped = (secret: string) => secret.replace(/(.{4})/g, "$1 ").trim();
const message = (err: unknown) => (err instanceof ProblemError ? (err.errors ? Object.values(err.errors)[0]?.[0] : undefined) ?? err.message : "Something went wrong. Try again.");

export function TwoFactorSection({ initial }: { initial: TwoFactorStatus }) {
  const api = useApi();
  const [status, setStatus] = useState(initial);
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [drawn, setDrawn] = useState<{ url: string; svg: string } | null>(null);
  const qr = enrolment && drawn?.url === enrolment.otpauthUrl ? drawn.svg : null;
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [codes, setCodes] = useState<string | null>(null);
  const [removing, setRemoving] = useState(false);
  const [proofKind, setProofKind] = useState<"code" | "password">("code");
  const [proof, setProof] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const [renewing, setRenewing] = useState(false);
  const [renewError, setRenewError] = useState<string | null>(null);
  // The page is refreshed when a passkey is added or removed (components/account/passkeys.tsx): follow it.
  const [seen, setSeen] = useState(initial);
  if (seen !== initial) {
    setSeen(initial);
    setStatus(initial);
  }
  const passkeysOnly = !status.totp && status.passkeys.length > 0;

  useEffect(() => {
    if (!enrolment) return;
    let live = true;
    const url = enrolment.otpauthUrl;
    QRCode.toString(url, { type: "svg", margin: 1, errorCorrectionLevel: "M" }).then(
      (svg) => live && setDrawn({ url, svg }),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [enrolment]);

  const refresh = async () => setStatus(await api<TwoFactorStatus>("/api/account/two-factor"));

  const start = async () => {
    setPending(true);
    setError(null);
    setNotice(null);
    try {
      setEnrolment(await api<TotpEnrolment>("/api/account/two-factor/totp", { method: "POST" }));
      setCode("");
    } catch (err) {
      setError(message(err));
    } finally {
      setPending(false);
    }
  };

  const confirm = async (e: React.FormEvent) => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      const r = await api<{ recoveryCodes: string[] }>("/api/account/two-factor/totp/confirm", { body: { code } });
      setEnrolment(null);
      setCodes(r.recoveryCodes.join("\n"));
      await refresh().catch(() => setStatus({ ...status, totp: true, recoveryCodesLeft: r.recoveryCodes.length }));
    } catch (err) {
      setError(message(err));
    } finally {
      setPending(false);
    }
  };

  const remove = async (e: React.FormEvent) => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      await api("/api/account/two-factor/totp", { method: "DELETE", body: proofKind === "code" ? { code: proof } : { password: proof } });
      setRemoving(false);
      setProof("");
      setNotice(
        status.passkeys.length > 0
          ? "The authenticator app was removed. Signing in with your password now asks for one of your passkeys."
          : "The authenticator app was removed. Signing in now needs only your password.",
      );
      await refresh().catch(() => setStatus({ ...status, totp: false, recoveryCodesLeft: 0 }));
    } catch (err) {
      setError(message(err));
    } finally {
      setPending(false);
    }
  };

  /** Ten new recovery codes, shown once; the old ones stop working (a sensitive action: the dialog may ask for a proof first). */
  const renew = async () => {
    if (!window.confirm("Get ten new recovery codes? Your current ones will stop working at once.")) return;
    setRenewing(true);
    setRenewError(null);
    setNotice(null);
    try {
      const r = await api<{ recoveryCodes: string[] }>("/api/account/two-factor/recovery-codes", { method: "POST" });
      setCodes(r.recoveryCodes.join("\n"));
      setNotice("New recovery codes made. Your old ones no longer work.");
      await refresh().catch(() => setStatus({ ...status, recoveryCodesLeft: r.recoveryCodes.length }));
    } catch (err) {
      setRenewError(message(err));
    } finally {
      setRenewing(false);
    }
  };

  const recoveryCodes = (status.totp || passkeysOnly) && !enrolment && !removing && (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-2 border-t border-slate-100 pt-3">
      <p className="text-sm text-slate-600" data-testid="recovery-codes-left">
        {status.recoveryCodesLeft === 0
          ? "You have no recovery codes left: get new ones."
          : `${status.recoveryCodesLeft} recovery code${status.recoveryCodesLeft === 1 ? "" : "s"} left.`}
      </p>
      <Button type="button" variant="secondary" size="sm" onClick={renew} pending={renewing}>Get new recovery codes</Button>
      {renewError && <p role="alert" className="w-full text-sm text-red-600">{renewError}</p>}
    </div>
  );

  return (
    <div className="space-y-4" data-testid="two-factor">
      {notice && (
        <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800 ring-1 ring-inset ring-emerald-200">{notice}</p>
      )}
      {status.totp ? (
        <div className="space-y-3">
          <p className="text-sm text-slate-700">
            <span className="mr-2 inline-flex items-center rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-700 ring-1 ring-inset ring-emerald-200">On</span>
            Signing in asks for a code from your authenticator app after your password.
          </p>
          {!removing ? (
            <Button type="button" variant="secondary" onClick={() => (setRemoving(true), setError(null), setNotice(null))}>Remove authenticator app</Button>
          ) : (
            <form onSubmit={remove} className="max-w-sm space-y-3 rounded-lg bg-slate-50 p-4 ring-1 ring-inset ring-slate-200" noValidate>
              <fieldset>
                <legend className="text-sm font-medium text-slate-900">Prove it is you</legend>
                <div className="mt-2 flex flex-wrap gap-4 text-sm">
                  <label className="flex items-center gap-2"><input type="radio" name="proof" checked={proofKind === "code"} onChange={() => (setProofKind("code"), setProof(""))} /> A code from the app</label>
                  <label className="flex items-center gap-2"><input type="radio" name="proof" checked={proofKind === "password"} onChange={() => (setProofKind("password"), setProof(""))} /> My password</label>
                </div>
              </fieldset>
              <div>
                <label htmlFor="remove-proof" className="block text-sm font-medium text-slate-900">{proofKind === "code" ? "6-digit code" : "Password"}</label>
                <input
                  id="remove-proof"
                  value={proof}
                  onChange={(e) => setProof(e.target.value)}
                  type={proofKind === "code" ? "text" : "password"}
                  inputMode={proofKind === "code" ? "numeric" : undefined}
                  autoComplete={proofKind === "code" ? "one-time-code" : "current-password"}
                  className={`mt-1 w-full ${fieldClass}`}
                  aria-invalid={error ? true : undefined}
                  autoFocus
                />
              </div>
              {error && <p role="alert" className="text-sm text-red-600">{error}</p>}
              <div className="flex flex-wrap gap-2">
                <Button type="submit" variant="danger" pending={pending}>Remove</Button>
                <Button type="button" variant="ghost" onClick={() => (setRemoving(false), setError(null), setProof(""))}>Cancel</Button>
              </div>
            </form>
          )}
        </div>
      ) : enrolment ? (
        <form onSubmit={confirm} className="space-y-4" noValidate>
          <ol className="list-decimal space-y-1 pl-5 text-sm text-slate-700">
            <li>Open your authenticator app (Google Authenticator, 1Password, Authy…) and scan this code.</li>
            <li>Then enter the 6-digit code it shows.</li>
          </ol>
          <div className="flex flex-col gap-4 sm:flex-row sm:items-start">
            <div
              className="h-44 w-44 shrink-0 rounded-lg bg-white p-1 ring-1 ring-slate-200 [&>svg]:h-full [&>svg]:w-full"
              role="img"
              aria-label="QR code to scan with your authenticator app"
              data-testid="totp-qr"
              dangerouslySetInnerHTML={qr ? { __html: qr } : undefined}
            />
            <div className="min-w-0 text-sm">
              <p className="text-slate-600">Cannot scan it? Type this key into the app (time-based):</p>
              <p className="mt-1 break-words rounded-md bg-slate-50 px-3 py-2 font-mono text-slate-900 ring-1 ring-inset ring-slate-200" data-testid="totp-secret">
                {grouped(enrolment.secret)}
              </p>
            </div>
          </div>
          <div className="max-w-xs">
            <label htmlFor="totp-code" className="block text-sm font-medium text-slate-900">Code from the app</label>
            <input
              id="totp-code"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={7}
              placeholder="123456"
              className={`mt-1 w-full font-mono tracking-widest ${fieldClass}`}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? "totp-code-error" : undefined}
              autoFocus
            />
            {error && <p id="totp-code-error" role="alert" className="mt-1 text-sm text-red-600">{error}</p>}
          </div>
          <div className="flex flex-wrap gap-2">
            <Button type="submit" pending={pending}>Turn on</Button>
            <Button type="button" variant="ghost" onClick={() => (setEnrolment(null), setError(null))}>Cancel</Button>
          </div>
        </form>
      ) : passkeysOnly ? (
        <div className="space-y-3" data-testid="two-factor-state">
          <p className="text-sm text-slate-700">
            <span className="mr-2 inline-flex items-center rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-700 ring-1 ring-inset ring-emerald-200">On: passkeys only</span>
            Signing in with your password asks for one of your passkeys (listed below). No authenticator app is set up; you can add one as another way in.
          </p>
          {error && !removing && <p role="alert" className="text-sm text-red-600">{error}</p>}
          <Button type="button" variant="secondary" onClick={start} pending={pending}>Set up authenticator app</Button>
        </div>
      ) : (
        <div className="space-y-3" data-testid="two-factor-state">
          <p className="text-sm text-slate-600">
            Off. With an authenticator app or a passkey, a stolen password alone cannot sign in to your account: signing in also asks for the 6-digit code the app shows, or your passkey.
          </p>
          {error && <p role="alert" className="text-sm text-red-600">{error}</p>}
          <Button type="button" onClick={start} pending={pending}>Set up authenticator app</Button>
        </div>
      )}
      {recoveryCodes}
      <RecoveryCodesDialog
        codes={codes}
        onDone={() => setCodes(null)}
        lost={
          passkeysOnly
            ? "If you lose your passkeys, each of these codes signs you in once (after your password) instead."
            : "If you lose your phone, each of these codes signs you in once instead of a code from the app."
        }
      />
    </div>
  );
}
