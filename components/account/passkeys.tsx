"use client";
// "Passkeys" on the account page: add one (named; the browser asks the
// device, with its fingerprint, face or PIN), see them with when they were
// added and last used, rename or remove them. The first second factor shows
// its recovery codes once.
import { startRegistration, WebAuthnError } from "@simplewebauthn/browser";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ProblemError } from "@/components/api-keys/api";
import { Button } from "@/components/ui/button";
import { fieldClass } from "@/components/ui/field";
import { RecoveryCodesDialog } from "./recovery-codes-dialog";
import { useApi } from "@/components/ui/active-client";
import type { TwoFactorStatus } from "@/lib/two-factor/schemas";

type Passkey = TwoFactorStatus["passkeys"][number];

const message = (err: unknown) => {
  if (err instanceof ProblemError) return (err.errors ? Object.values(err.errors)[0]?.[0] : undefined) ?? err.message;
  if (err instanceof WebAuthnError || (err instanceof Error && err.name === "NotAllowedError")) return "The passkey was not created (cancelled, or timed out). Try again.";
  return "Something went wrong. Try again.";
};
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "Never");

export function PasskeysSection({ initial }: { initial: Passkey[] }) {
  const api = useApi();
  const router = useRouter();
  const [passkeys, setPasskeys] = useState(initial);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [codes, setCodes] = useState<string | null>(null);
  const [editing, setEditing] = useState<{ id: string; name: string } | null>(null);

  const refresh = async () => setPasskeys((await api<TwoFactorStatus>("/api/account/two-factor")).passkeys);

  const add = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setNotice(null);
    if (!name.trim()) return setError("Name your passkey (e.g. the device it lives on).");
    setPending(true);
    try {
      const optionsJSON = await api<Parameters<typeof startRegistration>[0]["optionsJSON"]>("/api/account/passkeys/options", { method: "POST" });
      const response = await startRegistration({ optionsJSON });
      const r = await api<{ passkey: Passkey; recoveryCodes: string[] | null }>("/api/account/passkeys", { body: { name: name.trim(), response } });
      setName("");
      setNotice(`Passkey “${r.passkey.name}” added. Use it to sign in without your password.`);
      if (r.recoveryCodes) setCodes(r.recoveryCodes.join("\n"));
      await refresh().catch(() => setPasskeys((p) => [...p, r.passkey]));
      router.refresh(); // the two-factor section and the re-authentication dialog learn of it
    } catch (err) {
      setError(message(err));
    } finally {
      setPending(false);
    }
  };

  const rename = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!editing) return;
    setError(null);
    setNotice(null);
    try {
      await api(`/api/account/passkeys/${editing.id}`, { method: "PATCH", body: { name: editing.name } });
      setEditing(null);
      await refresh();
    } catch (err) {
      setError(message(err));
    }
  };

  const remove = async (p: Passkey) => {
    if (!window.confirm(`Remove the passkey “${p.name}”? It will no longer sign you in.`)) return;
    setError(null);
    setNotice(null);
    try {
      await api(`/api/account/passkeys/${p.id}`, { method: "DELETE" });
      setNotice(`Passkey “${p.name}” removed.`);
      await refresh().catch(() => setPasskeys((l) => l.filter((x) => x.id !== p.id)));
      router.refresh();
    } catch (err) {
      setError(message(err));
    }
  };

  return (
    <div className="space-y-4" data-testid="passkeys">
      <p className="text-sm text-slate-600">
        A passkey signs you in with your device’s fingerprint, face or PIN, without your password, and counts as your second factor after a password.
      </p>
      {notice && <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800 ring-1 ring-inset ring-emerald-200">{notice}</p>}
      {passkeys.length > 0 && (
        <ul className="divide-y divide-slate-200 rounded-lg ring-1 ring-slate-200" aria-label="Your passkeys">
          {passkeys.map((p) => (
            <li key={p.id} className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:justify-between" data-testid="passkey-row">
              {editing?.id === p.id ? (
                <form onSubmit={rename} className="flex w-full flex-col gap-2 sm:flex-row sm:items-center" noValidate>
                  <label htmlFor={`rename-${p.id}`} className="sr-only">New name</label>
                  <input id={`rename-${p.id}`} value={editing.name} maxLength={64} onChange={(e) => setEditing({ id: p.id, name: e.target.value })} className={`min-w-0 flex-1 ${fieldClass}`} autoFocus />
                  <div className="flex gap-2">
                    <Button type="submit" size="sm">Save</Button>
                    <Button type="button" size="sm" variant="ghost" onClick={() => setEditing(null)}>Cancel</Button>
                  </div>
                </form>
              ) : (
                <>
                  <div className="min-w-0">
                    <p className="truncate text-sm font-medium text-slate-900" data-testid="passkey-name">{p.name}</p>
                    <p className="text-xs text-slate-500">
                      Added {when(p.createdAt)} · Last used <span data-testid="passkey-last-used">{when(p.lastUsedAt)}</span>
                    </p>
                  </div>
                  <div className="flex shrink-0 gap-2">
                    <Button type="button" size="sm" variant="secondary" onClick={() => setEditing({ id: p.id, name: p.name })} aria-label={`Rename ${p.name}`}>Rename</Button>
                    <Button type="button" size="sm" variant="secondary" onClick={() => remove(p)} aria-label={`Remove ${p.name}`}>Remove</Button>
                  </div>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={add} className="flex max-w-lg flex-col gap-2 sm:flex-row sm:items-end" noValidate>
        <div className="min-w-0 flex-1">
          <label htmlFor="passkey-name" className="block text-sm font-medium text-slate-900">Passkey name</label>
          <input
            id="passkey-name"
            value={name}
            maxLength={64}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. MacBook Touch ID"
            className={`mt-1 w-full ${fieldClass}`}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "passkey-error" : undefined}
          />
        </div>
        <Button type="submit" pending={pending}>Add a passkey</Button>
      </form>
      {error && <p id="passkey-error" role="alert" className="text-sm text-red-600">{error}</p>}
      <RecoveryCodesDialog codes={codes} onDone={() => setCodes(null)} lost="If you lose your passkey, each of these codes signs you in once (after your password) instead." />
    </div>
  );
}
