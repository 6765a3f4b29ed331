"use client";
import Link from "next/link";
import { ClientOnly } from "@/components/ui/client-only";
import { Button } from "@/components/ui/button";
import { LoadMore } from "@/components/ui/load-more";
import { formatDate, formatDateTime, relativeTime } from "@/components/ui/dates";
import type { ApiKeyView } from "@/lib/api-keys/schemas";
import { quotaText, rateLimitText } from "@/lib/api-keys/limit-text";
import { accessSummary, displayCidr, ipSummary, scopeList } from "@/lib/api-keys/access";
import { Badge, StatusBadge } from "./key-status";
import { Sparkline } from "@/components/ui/bar-chart";
import { useNow } from "@/components/ui/use-now";

function creator(k: ApiKeyView): string {
  if (!k.createdBy) return "a deleted user";
  return k.createdBy.type === "user" ? k.createdBy.name || k.createdBy.email || "a person" : `key ${k.createdBy.keyPrefix}…`;
}

const DAY = 86_400_000;
export const UNUSED_DAYS = 30;

/** Still works, older than 30 days, and not used in the last 30: a stale key (the kind that leaks). */
export function unused(k: ApiKeyView, now: number): boolean {
  if (k.status !== "active" || k.rotatedToId || (k.expiresAt && new Date(k.expiresAt).getTime() <= now)) return false;
  const since = now - UNUSED_DAYS * DAY;
  return new Date(k.createdAt).getTime() < since && (!k.lastUsedAt || new Date(k.lastUsedAt).getTime() < since);
}

function sparkBars(k: ApiKeyView) {
  const since = new Date(k.usage.since).getTime();
  return k.usage.success.map((s, i) => ({ label: new Date(since + i * DAY).toISOString().slice(0, 10), success: s, refused: k.usage.refused[i] ?? 0 }));
}

function sparkLabel(k: ApiKeyView): string {
  const ok = k.usage.success.reduce((a, b) => a + b, 0);
  const bad = k.usage.refused.reduce((a, b) => a + b, 0);
  return `${ok + bad} requests in the last 14 days${bad ? ` (${bad} refused)` : ""}`;
}

export function KeysList({
  keys,
  canManage,
  onRevoke,
  onRotate,
  onRename,
  onEditAccess,
  onUsage,
  canSeeHistory = false,
  hasMore,
  loadingMore,
  onLoadMore,
}: {
  keys: ApiKeyView[];
  canManage: boolean;
  onRevoke: (k: ApiKeyView) => void;
  onRotate?: (k: ApiKeyView) => void;
  onRename?: (k: ApiKeyView) => void;
  onEditAccess?: (k: ApiKeyView) => void;
  onUsage?: (k: ApiKeyView) => void;
  canSeeHistory?: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
}) {
  const now = useNow();
  const byId = new Map(keys.map((k) => [k.id, k]));
  return (
    <div>
      <ul aria-label="API keys" className="divide-y divide-slate-200 overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
        <li aria-hidden="true" className="hidden bg-slate-50 px-4 py-2 text-xs font-medium uppercase tracking-wide text-slate-500 md:grid md:grid-cols-[minmax(0,2fr)_minmax(0,1.4fr)_minmax(0,1.2fr)_minmax(0,1.4fr)_auto] md:gap-4">
          <span>Name</span>
          <span>Created</span>
          <span>Expires</span>
          <span>Last used</span>
          <span className="w-36 text-right">{canManage ? "Actions" : ""}</span>
        </li>
        {keys.map((k) => {
          const active = k.status === "active";
          return (
            <li
              key={k.id}
              data-testid="key-row"
              data-key-id={k.id}
              className="grid gap-2 px-4 py-4 text-sm md:grid-cols-[minmax(0,2fr)_minmax(0,1.4fr)_minmax(0,1.2fr)_minmax(0,1.4fr)_auto] md:items-center md:gap-4"
            >
              <div className="min-w-0">
                <div className="flex flex-wrap items-center gap-2">
                  <span className="truncate font-medium text-slate-900" title={k.name ?? undefined}>
                    {k.name ?? <span className="italic text-slate-500">Unnamed key</span>}
                  </span>
                  {canManage && onRename && (
                    <button
                      type="button"
                      onClick={() => onRename(k)}
                      aria-label={`Rename ${k.name ?? k.keyPrefix}`}
                      title="Rename"
                      className="rounded p-0.5 text-slate-400 hover:bg-slate-100 hover:text-slate-700 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-600"
                    >
                      <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="h-4 w-4">
                        <path d="M13.6 3.1a2 2 0 0 1 2.8 0l.5.5a2 2 0 0 1 0 2.8l-8.7 8.7a1 1 0 0 1-.46.26l-3.5.9a.5.5 0 0 1-.6-.6l.9-3.5a1 1 0 0 1 .26-.46l8.8-8.6Z" />
                      </svg>
                    </button>
                  )}
                  <ClientOnly>
                    <StatusBadge k={k} now={now} />
                    {unused(k, now) && (
                      <span data-testid="key-unused">
                        <Badge tone="amber">Unused for 30 days</Badge>
                      </span>
                    )}
                  </ClientOnly>
                </div>
                <div className="mt-1 flex min-w-0 items-baseline gap-2 text-xs">
                  <code className="truncate font-mono text-slate-600" data-testid="key-prefix">
                    {k.keyPrefix}…
                  </code>
                  {onUsage && (
                    <button
                      type="button"
                      onClick={() => onUsage(k)}
                      className="shrink-0 font-medium text-brand-700 underline-offset-2 hover:underline"
                      aria-label={`Usage of ${k.name ?? k.keyPrefix}`}
                    >
                      Usage
                    </button>
                  )}
                  {canSeeHistory && (
                    <Link
                      href={`/settings/audit?key=${k.id}`}
                      className="shrink-0 font-medium text-brand-700 underline-offset-2 hover:underline"
                      aria-label={`History of ${k.name ?? k.keyPrefix}`}
                    >
                      History
                    </Link>
                  )}
                </div>
                <KeyAccess k={k} onEdit={canManage && active && onEditAccess ? () => onEditAccess(k) : undefined} />
                {(k.rotatedFromId || k.rotatedToId) && (
                  <p className="mt-1 text-xs text-slate-500">
                    {k.rotatedToId && <>Rotated to {byId.get(k.rotatedToId)?.keyPrefix ?? "a newer key"}…</>}
                    {k.rotatedToId && k.rotatedFromId && " · "}
                    {k.rotatedFromId && <>Replaces {byId.get(k.rotatedFromId)?.keyPrefix ?? "an older key"}…</>}
                  </p>
                )}
              </div>
              <div className="text-slate-600">
                <span className="text-xs text-slate-500 md:hidden">Created </span>
                <ClientOnly>{formatDate(k.createdAt)}</ClientOnly>
                <span className="block text-xs text-slate-500">by {creator(k)}</span>
              </div>
              <div className="text-slate-600" data-testid="key-expires">
                <span className="text-xs text-slate-500 md:hidden">Expires </span>
                {k.expiresAt ? (
                  <ClientOnly>
                    <span title={formatDateTime(k.expiresAt)}>
                      {formatDate(k.expiresAt)}
                      {!k.revokedAt && <span className="block text-xs text-slate-500" data-testid="key-expires-relative">{relativeTime(k.expiresAt, now)}</span>}
                    </span>
                  </ClientOnly>
                ) : (
                  <span>Never</span>
                )}
                {k.revokedAt && (
                  <span className="block text-xs text-slate-500">
                    revoked <ClientOnly>{formatDate(k.revokedAt)}</ClientOnly>
                  </span>
                )}
              </div>
              <div className="min-w-0 text-slate-600" data-testid="key-last-used">
                <span className="text-xs text-slate-500 md:hidden">Last used </span>
                {k.lastUsedAt ? (
                  <ClientOnly>
                    <span title={`${formatDateTime(k.lastUsedAt)}${k.lastUsedUserAgent ? `\n${k.lastUsedUserAgent}` : ""}`}>
                      {relativeTime(k.lastUsedAt, now)}
                      {k.lastUsedIp && <span className="block truncate text-xs text-slate-500">from {k.lastUsedIp}</span>}
                    </span>
                  </ClientOnly>
                ) : (
                  "Never"
                )}
                <span className="mt-1 flex items-center gap-2">
                  <Sparkline bars={sparkBars(k)} label={sparkLabel(k)} testId="key-sparkline" />
                  <span className="text-xs tabular-nums text-slate-500" data-testid="key-requests-14d">
                    {k.usage.success.reduce((a, b) => a + b, 0) + k.usage.refused.reduce((a, b) => a + b, 0)}
                  </span>
                </span>
              </div>
              <div className="flex gap-2 md:w-36 md:justify-end">
                {canManage && active && (
                  <>
                    {onRotate && (
                      <Button variant="secondary" size="sm" onClick={() => onRotate(k)} aria-label={`Rotate ${k.name ?? k.keyPrefix}`}>
                        Rotate
                      </Button>
                    )}
                    <Button
                      variant={unused(k, now) ? "danger" : "secondary"}
                      size="sm"
                      className={unused(k, now) ? undefined : "text-red-700"}
                      onClick={() => onRevoke(k)}
                      aria-label={`Revoke ${k.name ?? k.keyPrefix}`}
                      title={unused(k, now) ? "Unused for 30 days: stale keys are the ones that leak" : undefined}
                    >
                      Revoke
                    </Button>
                  </>
                )}
              </div>
            </li>
          );
        })}
      </ul>
      <LoadMore visible={hasMore} pending={loadingMore} onClick={onLoadMore} />
    </div>
  );
}

const times = (n: number) => `${n.toLocaleString()} ${n === 1 ? "time" : "times"}`;

/** "3 times from outside the allowlist", … one part per reason with refusals. */
function refusalParts(k: ApiKeyView): string[] {
  const r = k.refusals;
  return [
    r.ip > 0 && `${times(r.ip)} from outside the allowlist`,
    r.scope > 0 && `${times(r.scope)} for a missing permission`,
    r.rateLimited > 0 && `${times(r.rateLimited)} over its rate limit`,
    r.quotaExceeded > 0 && `${times(r.quotaExceeded)} over its quota`,
  ].filter((x): x is string => typeof x === "string");
}

/** What a key may do at a glance ("Restricted: 6 resources · 2 IP ranges"), its refusals, and the details on demand. */
function KeyAccess({ k, onEdit }: { k: ApiKeyView; onEdit?: () => void }) {
  const ips = ipSummary(k.allowedIps);
  const tone = k.scopes === null ? "bg-slate-100 text-slate-700 ring-slate-200" : "bg-brand-50 text-brand-800 ring-brand-100";
  return (
    <div className="mt-1 text-xs">
    <details className="group" data-testid="key-access">
      <summary className="inline-flex cursor-pointer list-none flex-wrap items-center gap-1.5 rounded focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-600 [&::-webkit-details-marker]:hidden">
        <span className={`rounded px-1.5 py-0.5 font-medium ring-1 ring-inset ${tone}`} data-testid="access-summary">
          {accessSummary(k.scopes)}
        </span>
        {ips && <span className="rounded bg-slate-100 px-1.5 py-0.5 font-medium text-slate-700 ring-1 ring-inset ring-slate-200">{ips}</span>}
        {(k.rateLimit || k.quota) && (
          <span className="rounded bg-violet-50 px-1.5 py-0.5 font-medium text-violet-800 ring-1 ring-inset ring-violet-100" data-testid="key-limits">
            {[k.rateLimit && rateLimitText(k.rateLimit), k.quota && `quota ${quotaText(k.quota)}`].filter(Boolean).join(" · ")}
          </span>
        )}
        <span className="text-brand-700 underline-offset-2 group-open:hidden hover:underline">Details</span>
        <span className="hidden text-brand-700 underline-offset-2 group-open:inline hover:underline">Hide</span>
      </summary>
      <div className="mt-2 space-y-1.5 rounded-md bg-slate-50 p-2.5 text-slate-700 ring-1 ring-inset ring-slate-200">
        <p>
          <span className="font-medium text-slate-900">Permissions: </span>
          {k.scopes === null
            ? "full access (everything this Client's keys can do)"
            : k.scopes.length === 0
              ? "none (the key can only prove who it is)"
              : scopeList(k.scopes)}
        </p>
        <p>
          <span className="font-medium text-slate-900">From: </span>
          {k.allowedIps.length === 0 ? "any address" : k.allowedIps.map(displayCidr).join(", ")}
        </p>
        <p>
          <span className="font-medium text-slate-900">Limits: </span>
          {rateLimitText(k.rateLimit)}, {quotaText(k.quota)}
        </p>
        {onEdit && (
          <button type="button" onClick={onEdit} className="font-medium text-brand-700 underline-offset-2 hover:underline" aria-label={`Edit access of ${k.name ?? k.keyPrefix}`}>
            Edit access
          </button>
        )}
      </div>
    </details>
      {refusalParts(k).length > 0 && (
        <p className="mt-1 text-amber-800" data-testid="key-refusals">
          Refused {refusalParts(k).join(" · ")}
          <span className="text-amber-700"> (30 days)</span>
        </p>
      )}
    </div>
  );
}
