"use client";
// One key request: what it grants, who asked and why, what became of it, and what this person may do next
// (approve or deny it; or, their own once approved, create the key).
import { forwardRef } from "react";
import { Badge } from "@/components/api-keys/key-status";
import { AccessDescription } from "@/components/api-keys/access-fields";
import { Button } from "@/components/ui/button";
import { ClientOnly } from "@/components/ui/client-only";
import { formatDate, formatDateTime, relativeTime } from "@/components/ui/dates";
import type { KeyRequestStatus, KeyRequestView } from "./types";

const CLAIM_WINDOW_MS = 24 * 3_600_000;

const STATUS: Record<KeyRequestStatus, { label: string; tone: "amber" | "green" | "red" | "slate" | "blue" }> = {
  pending: { label: "Waiting for approval", tone: "amber" },
  approved: { label: "Approved", tone: "green" },
  denied: { label: "Denied", tone: "red" },
  claimed: { label: "Key created", tone: "blue" },
  expired: { label: "Expired", tone: "slate" },
};

/** “Payments worker” or “an unnamed key”, as dialogs and toasts name a request. */
export function requestLabel(r: Pick<KeyRequestView, "name">): string {
  return r.name ? `“${r.name}”` : "an unnamed key";
}

function who(p: KeyRequestView["requestedBy"] | undefined): string {
  return p ? p.name || p.email || "someone" : "a deleted user";
}

/** Until when an approved request can be claimed: the server's word, else 24 hours after the approval. */
export function claimDeadline(r: KeyRequestView): number | null {
  if (r.claimableUntil) return new Date(r.claimableUntil).getTime();
  return r.decidedAt ? new Date(r.decidedAt).getTime() + CLAIM_WINDOW_MS : null;
}

export const RequestCard = forwardRef<
  HTMLLIElement,
  {
    r: KeyRequestView;
    me: string;
    canApprove: boolean;
    now: number;
    focused: boolean;
    busy: "approve" | "claim" | null;
    onApprove: () => void;
    onDeny: () => void;
    onClaim: () => void;
  }
>(function RequestCard({ r, me, canApprove, now, focused, busy, onApprove, onDeny, onClaim }, ref) {
  const mine = r.requestedBy?.id === me;
  const status = STATUS[r.status] ?? { label: r.status, tone: "slate" as const };
  const deadline = claimDeadline(r);
  const claimable = r.status === "approved" && mine && (deadline === null || deadline > now);
  const headingId = `request-${r.id}-name`;
  return (
    <li
      ref={ref}
      data-testid="request-row"
      data-request-id={r.id}
      aria-labelledby={headingId}
      tabIndex={focused ? -1 : undefined}
      className={`grid gap-3 px-4 py-4 text-sm focus:outline-none md:grid-cols-[minmax(0,1fr)_auto] md:items-start md:gap-6 ${focused ? "bg-brand-50/60 ring-2 ring-inset ring-brand-600" : ""}`}
    >
      <div className="min-w-0 space-y-1.5">
        <div className="flex flex-wrap items-center gap-2">
          <h3 id={headingId} className="truncate font-medium text-slate-900">
            {r.name ?? <span className="italic text-slate-500">Unnamed key</span>}
          </h3>
          <span data-testid="request-status">
            <Badge tone={status.tone}>{status.label}</Badge>
          </span>
          {r.keyId && <Badge tone="slate">Wider access for an existing key</Badge>}
          {mine && <Badge tone="slate">Your request</Badge>}
        </div>
        <p className="text-slate-700" data-testid="request-grants">
          <span className="font-medium text-slate-900">Grants: </span>
          <AccessDescription scopes={r.scopes} allowedIps={r.allowedIps} />{" "}
          <ClientOnly>{r.expiresAt ? `Expires on ${formatDate(r.expiresAt)}.` : "Never expires."}</ClientOnly>
        </p>
        <p className="text-xs text-slate-600">
          Asked by <span className="font-medium text-slate-800" data-testid="request-by">{mine ? "you" : who(r.requestedBy)}</span>{" "}
          <ClientOnly>
            <span title={formatDateTime(r.createdAt)}>{relativeTime(r.createdAt, now)}</span>
          </ClientOnly>
        </p>
        {r.reason && (
          <blockquote className="whitespace-pre-line break-words rounded-md bg-slate-50 px-3 py-2 text-slate-700 ring-1 ring-inset ring-slate-200" data-testid="request-reason">
            <span className="sr-only">Reason: </span>
            {r.reason}
          </blockquote>
        )}
        {r.status === "denied" && (
          <p className="text-red-800" data-testid="request-decision">
            Denied by {r.decidedBy?.id === me ? "you" : who(r.decidedBy)}
            {r.decidedAt && (
              <ClientOnly>
                {" "}
                <span title={formatDateTime(r.decidedAt)}>{relativeTime(r.decidedAt, now)}</span>
              </ClientOnly>
            )}
            {r.denyReason ? <>: “{r.denyReason}”</> : "."}
          </p>
        )}
        {(r.status === "approved" || r.status === "claimed") && r.decidedBy !== undefined && (
          <p className="text-slate-600" data-testid="request-decision">
            Approved by {r.decidedBy?.id === me ? "you" : who(r.decidedBy)}
            {r.decidedAt && (
              <ClientOnly>
                {" "}
                <span title={formatDateTime(r.decidedAt)}>{relativeTime(r.decidedAt, now)}</span>
              </ClientOnly>
            )}
            .
          </p>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-2 md:max-w-xs md:justify-end md:text-right" data-testid="request-actions">
        {r.status === "pending" && canApprove && !mine && (
          <>
            <Button size="sm" onClick={onApprove} pending={busy === "approve"} disabled={busy !== null} aria-label={`Approve ${r.name ?? "unnamed key"}`}>
              Approve
            </Button>
            <Button size="sm" variant="secondary" className="text-red-700" onClick={onDeny} disabled={busy !== null} aria-label={`Deny ${r.name ?? "unnamed key"}`}>
              Deny
            </Button>
          </>
        )}
        {r.status === "pending" && mine && <p className="text-xs text-slate-600">Another Owner or Admin must approve it.</p>}
        {r.status === "approved" && claimable && (
          <div className="space-y-1">
            <Button size="sm" onClick={onClaim} pending={busy === "claim"} disabled={busy !== null}>
              Create key
            </Button>
            {deadline !== null && (
              <p className="text-xs text-slate-600">
                <ClientOnly>
                  Before <span title={formatDateTime(new Date(deadline))}>{formatDateTime(new Date(deadline))}</span>; it is shown once.
                </ClientOnly>
              </p>
            )}
          </div>
        )}
        {r.status === "approved" && !mine && <p className="text-xs text-slate-600">Waiting for {who(r.requestedBy)} to create the key.</p>}
        {r.status === "approved" && mine && !claimable && <p className="text-xs text-slate-600">The 24 hours to create it have passed: request it again.</p>}
      </div>
    </li>
  );
});
