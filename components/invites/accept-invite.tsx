"use client";
// The invite link's page. The token is in the URL fragment: read here, taken
// out of the address bar at once (so it stays out of history and screenshots),
// and sent to the server only in the body of a server action.
import { useEffect, useState, useTransition } from "react";
import { acceptInviteAction, lookupInviteAction, signOutForInviteAction, type AcceptResult, type LookupResult } from "@/app/(auth)/invite/actions";
import { Button } from "@/components/ui/button";
import { ClientOnly } from "@/components/ui/client-only";
import { formatDateTime } from "@/components/ui/dates";
import { PASSWORD_MIN, passwordProblem } from "@/lib/invites/schemas";

const input =
  "mt-1 block w-full rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-brand-600";

type State = { phase: "loading" } | { phase: "ready"; token: string; result: LookupResult } | { phase: "none" };

export function AcceptInvite() {
  const [state, setState] = useState<State>({ phase: "loading" });
  useEffect(() => {
    const token = decodeURIComponent(window.location.hash.slice(1));
    if (window.location.hash) history.replaceState(null, "", window.location.pathname);
    // Asked even without a token (it answers "no invitation"), so the state is only ever set from the answer.
    lookupInviteAction(token).then(
      (result) => setState(token ? { phase: "ready", token, result } : { phase: "none" }),
      () => setState({ phase: "none" }),
    );
  }, []);

  if (state.phase === "loading") return <p className="text-sm text-slate-600" aria-live="polite">Checking your invitation…</p>;
  if (state.phase === "none" || !state.result.invite) return <Invalid />;
  const token = state.token;
  return <Accept key={state.result.signedInEmail ?? "signed-out"} token={token} result={state.result} onSignedOut={(result) => setState({ phase: "ready", token, result })} />;
}

function Invalid() {
  return (
    <div data-testid="invite-invalid">
      <h1 className="text-xl font-semibold text-slate-900">This invitation link is invalid or has expired</h1>
      <p className="mt-2 text-sm text-slate-600">
        Links work once and for a limited time. Ask whoever invited you to resend the invitation; the new email (or link) replaces this one.
      </p>
      <a href="/sign-in" className="mt-4 inline-block text-sm font-medium text-brand-700 hover:underline">Go to sign in</a>
    </div>
  );
}

function Accept({ token, result, onSignedOut }: { token: string; result: LookupResult; onSignedOut: (r: LookupResult) => void }) {
  const inv = result.invite!;
  const [pending, start] = useTransition();
  const [error, setError] = useState<AcceptResult | null>(null);
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  const signedIn = result.signedInEmail;
  const wrongAccount = signedIn !== null && signedIn.toLowerCase() !== inv.email;
  const newAccount = signedIn === null && !inv.accountExists;

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setLocalError(null);
    if (newAccount) {
      const problem = passwordProblem(password, inv.email);
      if (!name.trim()) return setLocalError("Enter your name.");
      if (problem) return setLocalError(problem);
    }
    start(async () => {
      const r = await acceptInviteAction({ token, ...(signedIn === null ? { password } : {}), ...(newAccount ? { name } : {}) });
      if (r) setError(r);
    });
  };

  const fieldError = (f: string) => error?.fieldErrors?.[f]?.[0] ?? null;
  if (error?.code === "ClientInvite.Invalid") return <Invalid />;

  return (
    <div>
      <h1 className="text-xl font-semibold text-slate-900">
        Join <span data-testid="invite-client">{inv.clientName}</span>
        {inv.clientType === "Sandbox" && <span className="ml-2 rounded bg-amber-100 px-1.5 py-0.5 align-middle text-xs font-medium text-amber-800">Sandbox</span>}
      </h1>
      <p className="mt-2 text-sm text-slate-600">
        <strong>{inv.invitedBy}</strong> invited <strong>{inv.email}</strong> to join as <strong data-testid="invite-role">{inv.role}</strong>. The link works once, until{" "}
        <ClientOnly fallback="…">{formatDateTime(inv.expiresAt)}</ClientOnly>.
      </p>

      {wrongAccount ? (
        <div role="alert" data-testid="invite-wrong-account" className="mt-5 rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-inset ring-amber-200">
          <p>
            You are signed in as <strong>{signedIn}</strong>, but this invitation is for <strong>{inv.email}</strong>.
          </p>
          <p className="mt-1">Sign out, then open the link again (ask for a new one if you closed this page).</p>
          <Button type="button" variant="secondary" size="sm" className="mt-3" pending={pending} onClick={() => start(async () => onSignedOut(await signOutForInviteAction(token)))}>
            Sign out
          </Button>
        </div>
      ) : (
        <form onSubmit={submit} className="mt-5 space-y-4" noValidate>
          {signedIn !== null ? (
            <p className="text-sm text-slate-700">You are signed in as <strong>{signedIn}</strong>.</p>
          ) : newAccount ? (
            <>
              <p className="text-sm text-slate-700">Create your account for <strong>{inv.email}</strong>.</p>
              <div>
                <label htmlFor="invite-name" className="block text-sm font-medium text-slate-700">Your name</label>
                <input id="invite-name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} className={input} autoFocus />
                {fieldError("name") && <p className="mt-1 text-sm text-red-600">{fieldError("name")}</p>}
              </div>
              <div>
                <label htmlFor="invite-password" className="block text-sm font-medium text-slate-700">Choose a password</label>
                <input id="invite-password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} className={input} aria-describedby="invite-password-hint" />
                <p id="invite-password-hint" className="mt-1 text-xs text-slate-500">At least {PASSWORD_MIN} characters, not your email address.</p>
                {fieldError("password") && <p className="mt-1 text-sm text-red-600">{fieldError("password")}</p>}
              </div>
              {/* For password managers: the account this password belongs to. */}
              <input type="email" autoComplete="username" value={inv.email} readOnly hidden />
            </>
          ) : (
            <>
              <p className="text-sm text-slate-700">You already have an account: enter its password to join.</p>
              <input type="email" autoComplete="username" value={inv.email} readOnly hidden />
              <div>
                <label htmlFor="invite-password" className="block text-sm font-medium text-slate-700">Password of {inv.email}</label>
                <input id="invite-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} className={input} autoFocus />
                {fieldError("password") && <p className="mt-1 text-sm text-red-600">{fieldError("password")}</p>}
              </div>
            </>
          )}
          {(localError || (error && !error.fieldErrors)) && (
            <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">{localError ?? error?.error}</p>
          )}
          <Button type="submit" pending={pending} className="w-full">
            {newAccount ? "Create account and join" : `Join ${inv.clientName}`}
          </Button>
        </form>
      )}
    </div>
  );
}
