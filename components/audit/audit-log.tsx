"use client";
import { useState } from "react";
import { useApi } from "@/components/ui/active-client";
import { Badge } from "@/components/api-keys/key-status";
import { LoadMore } from "@/components/ui/load-more";
import { ClientOnly } from "@/components/ui/client-only";
import { formatDateTime, relativeTime } from "@/components/ui/dates";
import { useNow } from "@/components/ui/use-now";
import type { AuditEventView } from "@/lib/audit/schemas";
import { accessSummary, displayCidr } from "@/lib/api-keys/access";
import { quotaText, rateLimitText } from "@/lib/api-keys/limit-text";
import type { Quota, RateLimit } from "@/lib/api-keys/schemas";

type Page = { data: AuditEventView[]; nextCursor: string | null; hasMore: boolean };

const ACTIONS: Record<string, { label: string; tone: "green" | "blue" | "red" | "amber" | "slate" }> = {
  "apiKey.created": { label: "Key created", tone: "green" },
  "apiKey.rotated": { label: "Key rotated", tone: "blue" },
  "apiKey.revoked": { label: "Key revoked", tone: "red" },
  "apiKey.renamed": { label: "Key renamed", tone: "slate" },
  "apiKey.accessChanged": { label: "Access changed", tone: "amber" },
  "apiKey.limitsChanged": { label: "Limits changed", tone: "amber" },
  "apiKey.reportedLeaked": { label: "Reported leaked", tone: "red" },
  "client.policyChanged": { label: "Policy changed", tone: "amber" },
  "member.roleChanged": { label: "Role changed", tone: "blue" },
  "member.removed": { label: "Member removed", tone: "red" },
  "invite.created": { label: "Invited", tone: "blue" },
  "invite.resent": { label: "Invite resent", tone: "blue" },
  "invite.revoked": { label: "Invite revoked", tone: "red" },
  "invite.accepted": { label: "Joined", tone: "green" },
  "user.twoFactorReset": { label: "2FA reset", tone: "amber" },
  "user.recoveryCodesRegenerated": { label: "Recovery codes renewed", tone: "amber" },
  "keyRequest.created": { label: "Key requested", tone: "blue" },
  "keyRequest.approved": { label: "Request approved", tone: "green" },
  "keyRequest.denied": { label: "Request denied", tone: "red" },
  "keyRequest.claimed": { label: "Requested key created", tone: "green" },
  "keyRequest.expired": { label: "Request expired", tone: "slate" },
};

function describe(e: AuditEventView): string {
  const m = (e.metadata ?? {}) as Record<string, unknown>;
  const target = e.target.label ?? "";
  switch (e.action) {
    case "apiKey.created":
      return `${target}${m.keyPrefix && target !== m.keyPrefix ? ` (${m.keyPrefix}…)` : ""}${m.rotatedFromId ? ", by rotation" : ""}`;
    case "apiKey.rotated":
      return `${target} → ${m.newKeyPrefix}… (old key works until ${m.oldKeyExpiresAt ? formatDateTime(String(m.oldKeyExpiresAt)) : "now"})`;
    case "apiKey.renamed":
      return `${m.keyPrefix}… renamed from ${m.before ? `“${m.before}”` : "no name"} to ${m.after ? `“${m.after}”` : "no name"}`;
    case "apiKey.accessChanged": {
      const side = (x: unknown) => {
        const a = (x ?? {}) as { scopes?: string[] | null; allowedIps?: string[] };
        const ips = a.allowedIps?.length ? a.allowedIps.map(displayCidr).join(", ") : "any address";
        return `${accessSummary(a.scopes ?? null)}${a.scopes?.length ? ` (${a.scopes.join(", ")})` : ""}, from ${ips}`;
      };
      return `${target}: ${side(m.before)} → ${side(m.after)}`;
    }
    case "apiKey.limitsChanged": {
      const side = (x: unknown) => {
        const a = (x ?? {}) as { rateLimit?: RateLimit | null; quota?: Quota | null };
        return `${rateLimitText(a.rateLimit)}, ${quotaText(a.quota)}`;
      };
      return `${target}: ${side(m.before)} → ${side(m.after)}`;
    }
    case "apiKey.reportedLeaked": {
      const where = typeof m.url === "string" && m.url ? ` at ${m.url}${m.source ? ` (${m.source})` : ""}` : "";
      return `${target} was found in public${where} and revoked automatically`;
    }
    case "client.policyChanged": {
      const a = (m.after ?? {}) as { keysMustExpire?: boolean; maxKeyLifetimeDays?: number | null; maxActiveKeys?: number; keyApproval?: string };
      const approval = a.keyApproval && a.keyApproval !== "none" ? ` · approval: ${a.keyApproval === "write" ? "full access or write" : "full access"}` : "";
      return `Keys must expire: ${a.keysMustExpire ? "yes" : "no"} · max lifetime: ${a.maxKeyLifetimeDays ? `${a.maxKeyLifetimeDays} days` : "none"} · max active keys: ${a.maxActiveKeys}${approval}`;
    }
    case "member.roleChanged":
      return `${target}: ${m.before} → ${m.after}`;
    case "member.removed":
      return `${target} (${m.role}) no longer has access`;
    case "invite.created":
    case "invite.resent":
      return `${target} as ${m.role}, link valid until ${m.expiresAt ? formatDateTime(String(m.expiresAt)) : "?"}`;
    case "invite.revoked":
      return `${target}'s invitation (${m.role}) no longer works`;
    case "invite.accepted":
      return `${target} joined as ${m.role}${m.newAccount ? " (new account)" : ""}`;
    case "keyRequest.created": {
      const access = m.kind === "widen" ? "more access for a key" : accessSummary((m.scopes as string[] | null | undefined) ?? null);
      return `${target || "A key"}: ${access}${typeof m.reason === "string" ? ` (“${m.reason}”)` : ""}`;
    }
    case "keyRequest.approved":
      return `${target || "A key request"}${m.kind === "widen" ? ", applied to the key" : ""}${typeof m.requestedBy === "string" ? `, asked by ${m.requestedBy}` : ""}`;
    case "keyRequest.claimed":
      return `${target || "A requested key"}${m.keyPrefix ? ` (${m.keyPrefix}…)` : ""} created${typeof m.approvedBy === "string" ? `, approved by ${m.approvedBy}` : ""}`;
    case "keyRequest.denied":
      return `${target || "A key request"}${m.withdrawn ? " withdrawn by the requester" : ""}${typeof m.reason === "string" ? `: “${m.reason}”` : ""}`;
    case "keyRequest.expired":
      return `${target || "A key request"} ${m.was === "approved" ? "was approved but not created within 24 hours" : "waited 7 days without a decision"}`;
    case "user.twoFactorReset":
      return `${target}'s second factors were removed by the operator and their sessions ended`;
    case "user.recoveryCodesRegenerated":
      return `${target} got ten new recovery codes; their old ones no longer work`;
    default:
      return target;
  }
}

export function AuditLog({ initial, targetId }: { initial: Page; targetId?: string }) {
  const api = useApi();
  const [events, setEvents] = useState(initial.data);
  const [cursor, setCursor] = useState(initial.nextCursor);
  const [loading, setLoading] = useState(false);
  const now = useNow();
  const more = async () => {
    if (!cursor) return;
    setLoading(true);
    try {
      const p = await api<Page>(`/api/audit-events?Limit=50&Cursor=${encodeURIComponent(cursor)}${targetId ? `&TargetId=${targetId}` : ""}`);
      setEvents((prev) => [...prev, ...p.data]);
      setCursor(p.nextCursor);
    } finally {
      setLoading(false);
    }
  };
  if (events.length === 0) {
    return <div className="rounded-lg border-2 border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600">Nothing has happened yet. Creating, rotating or revoking a key will be recorded here.</div>;
  }
  return (
    <div>
      <ol aria-label="Audit events" className="divide-y divide-slate-200 overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
        {events.map((e) => {
          const a = ACTIONS[e.action] ?? { label: e.action, tone: "slate" as const };
          return (
            <li key={e.id} data-testid="audit-row" className="grid gap-1 px-4 py-3 text-sm md:grid-cols-[10rem_minmax(0,1fr)_12rem] md:items-center md:gap-4">
              <div>
                <Badge tone={a.tone}>{a.label}</Badge>
              </div>
              <div className="min-w-0">
                <p className="break-words text-slate-900">
                  <ClientOnly>{describe(e)}</ClientOnly>
                </p>
                <p className="mt-0.5 truncate text-xs text-slate-500">
                  by {e.actor.type === "anonymous" ? "an anonymous leak report" : e.actor.type === "apiKey" ? `API key ${e.actor.label}…` : e.actor.label}
                  {e.ip && <> · {e.ip}</>}
                  {e.userAgent && <span title={e.userAgent}> · {e.userAgent}</span>}
                </p>
              </div>
              <div className="text-xs text-slate-500 md:text-right">
                <ClientOnly>
                  <time dateTime={e.createdAt} title={formatDateTime(e.createdAt)}>
                    {relativeTime(e.createdAt, now)}
                  </time>
                </ClientOnly>
              </div>
            </li>
          );
        })}
      </ol>
      <LoadMore visible={cursor !== null} pending={loading} onClick={more} />
    </div>
  );
}
