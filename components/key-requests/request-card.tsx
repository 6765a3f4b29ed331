"use client";
// One key request: what it grants, who asked and why, what became of it, and what this person may do next
// (approve or deny it; or, their own once approved, create the key).
import { forwardRef } from "react";
import { Badge } from "@/components/api-keys/key-status";
import { AccessDescription } from "@/components/api-keys/access-fields";
import { Button } from "@/components/ui/button";
import { ClientOnly } from "@/components/ui/client-only";
import { formatDate, formatDateTime, relativeTime } from "@/components/ui/dates";
import { quotaText, rateLimitText } from "@/lib/api-keys/limit-text";
import type { KeyRequestStatus, KeyRequestView } from "@/lib/key-requests/schemas";

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

/** A person as the request names them (the email as it was when they acted). */
export function who(p: KeyRequestView["requestedBy"] | null): string {
  return p ? p.name || p.email : "someone";
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
    onWithdraw: () => void;
  }
>(function RequestCard({ r, me, canApprove, now, focused, busy, onApprove, onDeny, onClaim, onWithdraw }, ref) {
  const mine = r.requestedBy.id === me;
  const widen = r.kind === "widen";
  const status = r.status === "approved" && widen ? { label: "Approved and applied", tone: "green" as const } : (STATUS[r.status] ?? { label: r.status, tone: "slate" as const });
  const deadline = r.deadline ? new Date(r.deadline).getTime() : null;
  const claimable = r.status === "approved" && !widen && mine && (deadline === null || now === 0 || deadline > now);
  const label = r.name ?? "unnamed key";
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
          {widen && <Badge tone="slate">More access for an existing key</Badge>}
          {mine && <Badge tone="slate">Your request</Badge>}
        </div>
        <p className="text-slate-700" data-testid="request-grants">
          <span className="font-medium text-slate-900">{widen ? "Would hold: " : "Grants: "}</span>
          <AccessDescription scopes={r.scopes} allowedIps={r.allowedIps} />{" "}
          {!widen && <ClientOnly>{r.expiresAt ? `Expires on ${formatDate(r.expiresAt)}.` : "Never expires."}</ClientOnly>}
          {!widen && (r.rateLimit || r.quota) && (
            <>
              {" "}
              <span className="inline-block rounded bg-violet-50 px-1.5 py-0.5 font-medium text-violet-800 ring-1 ring-inset ring-violet-100" data-testid="request-limits">
                <span className="sr-only">Limits: </span>
                {[r.rateLimit && rateLimitText(r.rateLimit), r.quota && `quota ${quotaText(r.quota)}`].filter(Boolean).join(" · ")}
              </span>
            </>
          )}
        </p>
        {widen && r.before && (
          <p className="text-xs text-slate-600">
            <span className="font-medium text-slate-700">Holds now: </span>
            <AccessDescription scopes={r.before.scopes} allowedIps={r.before.allowedIps} />
          </p>
        )}
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
            {r.decidedBy?.id === r.requestedBy.id ? "Withdrawn" : "Denied"} by {r.decidedBy?.id === me ? "you" : who(r.decidedBy)}
            {r.decidedAt && (
              <ClientOnly>
                {" "}
                <span title={formatDateTime(r.decidedAt)}>{relativeTime(r.decidedAt, now)}</span>
              </ClientOnly>
            )}
            {r.denyReason ? <>: “{r.denyReason}”</> : "."}
          </p>
        )}
        {(r.status === "approved" || r.status === "claimed") && r.decidedBy && (
          <p className="text-slate-600" data-testid="request-decision">
            Approved by {r.decidedBy.id === me ? "you" : who(r.decidedBy)}
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
      <div className="flex flex-wrap items-center gap-2 md:w-56 md:justify-end md:text-right" data-testid="request-actions">
        {r.status === "pending" && canApprove && !mine && (
          <>
            <Button size="sm" onClick={onApprove} pending={busy === "approve"} disabled={busy !== null} aria-label={`Approve ${label}`}>
              Approve
            </Button>
            <Button size="sm" variant="secondary" className="text-red-700" onClick={onDeny} disabled={busy !== null} aria-label={`Deny ${label}`}>
              Deny
            </Button>
          </>
        )}
        {r.status === "pending" && mine && (
          <div className="space-y-1">
            <p className="text-xs text-slate-600">
              Another Owner or Admin must approve it
              {deadline !== null && (
                <ClientOnly>
                  {" "}
                  <span title={formatDateTime(new Date(deadline))}>by {formatDate(new Date(deadline))}</span>
                </ClientOnly>
              )}
              .
            </p>
            <Button size="sm" variant="ghost" onClick={onWithdraw} disabled={busy !== null} aria-label={`Withdraw ${label}`}>
              Withdraw
            </Button>
          </div>
        )}
        {r.status === "approved" && claimable && (
          <div className="space-y-1">
            <Button size="sm" onClick={onClaim} pending={busy === "claim"} disabled={busy !== null}>
              Create key
            </Button>
            {deadline !== null && (
              <p className="text-xs text-slate-600">
                <ClientOnly>
                  Create it by {formatDateTime(new Date(deadline))}. The key is shown once.
                </ClientOnly>
              </p>
            )}
          </div>
        )}
        {r.status === "approved" && !widen && !mine && <p className="text-xs text-slate-600">Waiting for {who(r.requestedBy)} to create the key.</p>}
        {r.status === "approved" && !widen && mine && !claimable && <p className="text-xs text-slate-600">The 24 hours to create it have passed: request it again.</p>}
      </div>
    </li>
  );
});
