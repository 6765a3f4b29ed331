"use client";
// "Where you're signed in" on the account page: every live browser sign-in and
// Bearer token, this browser first-marked, each other one with an End button
// (confirmed in a dialog). Ending one refuses its cookie or token at once.
import { useState } from "react";
import { toast } from "sonner";
import { ProblemError } from "@/components/api-keys/api";
import { Button } from "@/components/ui/button";
import { formatDateTime, relativeTime } from "@/components/ui/dates";
import { Dialog } from "@/components/ui/dialog";
import { useApi } from "@/components/ui/active-client";
import { useNow } from "@/components/ui/use-now";
import type { SessionItem } from "@/lib/auth/session-schemas";
import { describeDevice } from "@/lib/auth/user-agent";

const message = (err: unknown) => (err instanceof ProblemError ? err.message : "Something went wrong. Try again.");

export function SessionsList({ initial }: { initial: SessionItem[] }) {
  const api = useApi();
  const now = useNow();
  const [sessions, setSessions] = useState<SessionItem[]>(initial);
  const [ending, setEnding] = useState<SessionItem | null>(null);
  const [pending, setPending] = useState(false);

  const load = async () => {
    try {
      setSessions((await api<{ data: SessionItem[] }>("/api/account/sessions")).data);
    } catch (err) {
      toast.error(message(err));
    }
  };

  const end = async () => {
    if (!ending) return;
    setPending(true);
    try {
      await api(`/api/account/sessions/${ending.id}`, { method: "DELETE" });
      toast.success(`Ended: ${describeDevice(ending.userAgent)}`);
      setEnding(null);
      await load();
    } catch (err) {
      toast.error(message(err));
      setEnding(null);
      await load();
    } finally {
      setPending(false);
    }
  };

  if (sessions.length === 0) return <p className="text-sm text-slate-600">No other sessions.</p>;
  // This browser first, then the others newest first (as the API orders them).
  const shown = [...sessions.filter((s) => s.current), ...sessions.filter((s) => !s.current)];

  return (
    <>
      <ul className="divide-y divide-slate-200 rounded-lg ring-1 ring-slate-200" data-testid="sessions">
        {shown.map((s) => (
          <li key={s.id} className="flex flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3" data-testid="session">
            <div className="min-w-0 flex-1">
              <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-slate-900">
                <span className="break-words">{describeDevice(s.userAgent)}</span>
                {s.kind === "token" && <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-normal text-slate-600">API token</span>}
                {s.current && (
                  <span className="rounded bg-emerald-50 px-1.5 py-0.5 text-xs font-normal text-emerald-800 ring-1 ring-inset ring-emerald-200">
                    {s.kind === "browser" ? "This browser" : "This token"}
                  </span>
                )}
              </p>
              <p className="mt-0.5 text-xs text-slate-600">
                <span className="break-all">{s.ip ?? "Unknown address"}</span>
                <span aria-hidden="true"> · </span>
                <span className="whitespace-nowrap" title={`Signed in ${formatDateTime(s.createdAt)}`}>
                  {now ? `last active ${relativeTime(s.lastSeenAt, now)}` : `last active ${formatDateTime(s.lastSeenAt)}`}
                </span>
              </p>
            </div>
            {!s.current && (
              <Button variant="secondary" size="sm" onClick={() => setEnding(s)} aria-label={`End session: ${describeDevice(s.userAgent)}, ${s.ip ?? "unknown address"}`}>
                End
              </Button>
            )}
          </li>
        ))}
      </ul>
      <Dialog
        open={ending !== null}
        onOpenChange={(open) => !open && !pending && setEnding(null)}
        role="alertdialog"
        title="End this session?"
        description={
          ending
            ? ending.kind === "token"
              ? `The API token used from ${describeDevice(ending.userAgent)}${ending.ip ? ` at ${ending.ip}` : ""} stops working at once.`
              : `${describeDevice(ending.userAgent)}${ending.ip ? ` at ${ending.ip}` : ""} is signed out on its next request.`
            : undefined
        }
      >
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setEnding(null)} disabled={pending}>
            Cancel
          </Button>
          <Button variant="danger" onClick={() => void end()} pending={pending}>
            End session
          </Button>
        </div>
      </Dialog>
    </>
  );
}
