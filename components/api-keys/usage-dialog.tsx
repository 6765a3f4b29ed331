"use client";
// One key's usage: a chart by hour (last 48 hours) or day (last 14 or 30
// days), successes against refusals, hover for the numbers, totals by reason,
// last use, and the same numbers as a table for screen readers and copying.
import { quotaText, rateLimitText } from "@/lib/api-keys/limit-text";
import { useEffect, useState } from "react";
import { Dialog } from "@/components/ui/dialog";
import { useApi } from "@/components/ui/active-client";
import { UsageBars } from "@/components/ui/bar-chart";
import { ClientOnly } from "@/components/ui/client-only";
import { formatDateTime, relativeTime } from "@/components/ui/dates";
import type { ApiKeyView } from "@/lib/api-keys/schemas";
import type { KeyUsage } from "@/lib/api-keys/usage-schemas";
import { keyLabel } from "./key-status";

type Range = "48h" | "14d" | "30d";
const RANGES: { value: Range; label: string; query: string }[] = [
  { value: "48h", label: "48 hours", query: "Interval=hour" },
  { value: "14d", label: "14 days", query: "Interval=day" },
  { value: "30d", label: "30 days", query: "Interval=day&From=" },
];

export const bucketLabel = (start: string, interval: "hour" | "day") =>
  new Intl.DateTimeFormat(undefined, interval === "hour" ? { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" } : { day: "numeric", month: "short" }).format(new Date(start));

export function UsageDialog({ target, onClose }: { target: ApiKeyView | null; onClose: () => void }) {
  return (
    <Dialog open={target !== null} onOpenChange={(o) => !o && onClose()} title={target ? `Usage of ${keyLabel(target)}` : "Usage"} wide>
      {target && <UsageView key={target.id} target={target} />}
    </Dialog>
  );
}

function UsageView({ target }: { target: ApiKeyView }) {
  const api = useApi();
  const [range, setRange] = useState<Range>("14d");
  const [data, setData] = useState<KeyUsage | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const r = RANGES.find((x) => x.value === range)!;
    const query = range === "30d" ? `${r.query}${encodeURIComponent(new Date(Date.now() - 30 * 86_400_000).toISOString())}` : r.query;
    api<KeyUsage>(`/api/api-keys/${target.id}/usage?${query}`).then(
      (u) => live && (setData(u), setError(null)),
      (e) => live && setError(e instanceof Error ? e.message : "Could not load the usage."),
    );
    return () => {
      live = false;
    };
  }, [api, range, target.id]);

  const bars = (data?.buckets ?? []).map((b) => ({
    label: bucketLabel(b.start, data!.interval),
    success: b.success,
    refused: b.expired + b.revoked + b.scope + b.ip + b.rateLimited + b.quotaExceeded,
  }));
  const t = data?.totals;
  const refused = t ? t.expired + t.revoked + t.scope + t.ip + t.rateLimited + t.quotaExceeded : 0;
  return (
    <div className="space-y-4" data-testid="usage-view">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div role="radiogroup" aria-label="Period" className="inline-flex rounded-md ring-1 ring-inset ring-slate-300">
          {RANGES.map((r) => (
            <label key={r.value} className={`cursor-pointer px-3 py-1.5 text-sm first:rounded-l-md last:rounded-r-md has-[:focus-visible]:outline has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-brand-600 ${range === r.value ? "bg-brand-600 text-white" : "text-slate-700 hover:bg-slate-50"}`}>
              <input type="radio" name="usage-range" value={r.value} checked={range === r.value} onChange={() => setRange(r.value)} className="sr-only" />
              {r.label}
            </label>
          ))}
        </div>
        <p className="text-sm text-slate-600" data-testid="usage-last-used">
          Last used:{" "}
          {target.lastUsedAt ? (
            <ClientOnly>
              <span title={formatDateTime(target.lastUsedAt)}>{relativeTime(target.lastUsedAt)}</span>
              {target.lastUsedIp && <> from {target.lastUsedIp}</>}
            </ClientOnly>
          ) : (
            "never"
          )}
        </p>
      </div>
      {error && <p className="text-sm text-red-600">{error}</p>}
      {!data && !error && <p className="h-48 text-sm text-slate-500">Loading…</p>}
      {data && t && (
        <>
          <p className="text-sm text-slate-700" data-testid="usage-totals">
            <strong className="text-slate-900">{(t.success + refused).toLocaleString()}</strong> requests: {t.success.toLocaleString()} successful, {refused.toLocaleString()} refused
            {refused > 0 && (
              <span className="text-slate-500">
                {" "}
                ({[t.ip && `${t.ip} outside the allowlist`, t.scope && `${t.scope} missing a permission`, t.expired && `${t.expired} after expiry`, t.revoked && `${t.revoked} after revocation`, t.rateLimited && `${t.rateLimited} over the rate limit`, t.quotaExceeded && `${t.quotaExceeded} over the quota`].filter(Boolean).join(", ")})
              </span>
            )}
          </p>
          {(target.rateLimit || target.quota) && (
            <p className="text-sm text-slate-700" data-testid="usage-limits">
              Limits: {rateLimitText(target.rateLimit)}, {quotaText(target.quota)}. Refused {t.rateLimited.toLocaleString()} {t.rateLimited === 1 ? "time" : "times"} over the
              rate limit and {t.quotaExceeded.toLocaleString()} over the quota in this period.
            </p>
          )}
          <UsageBars bars={bars} label={`Requests per ${data.interval}: ${t.success} successful and ${refused} refused in total.`} />
          <details>
            <summary className="cursor-pointer text-sm font-medium text-brand-700">Show as a table</summary>
            <div className="mt-2 max-h-64 overflow-auto rounded ring-1 ring-slate-200">
              <table className="w-full text-left text-xs" data-testid="usage-table">
                <caption className="sr-only">Requests per {data.interval}, UTC buckets shown in your time zone</caption>
                <thead className="sticky top-0 bg-slate-50 text-slate-600">
                  <tr>
                    <th scope="col" className="px-2 py-1 font-medium">{data.interval === "hour" ? "Hour" : "Day"}</th>
                    <th scope="col" className="px-2 py-1 text-right font-medium">Successful</th>
                    <th scope="col" className="px-2 py-1 text-right font-medium">Outside allowlist</th>
                    <th scope="col" className="px-2 py-1 text-right font-medium">Missing permission</th>
                    <th scope="col" className="px-2 py-1 text-right font-medium">Expired</th>
                    <th scope="col" className="px-2 py-1 text-right font-medium">Revoked</th>
                    <th scope="col" className="px-2 py-1 text-right font-medium">Over rate limit</th>
                    <th scope="col" className="px-2 py-1 text-right font-medium">Over quota</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {[...data.buckets].reverse().map((b) => (
                    <tr key={b.start}>
                      <th scope="row" className="px-2 py-1 font-normal text-slate-700">{bucketLabel(b.start, data.interval)}</th>
                      <td className="px-2 py-1 text-right tabular-nums">{b.success}</td>
                      <td className="px-2 py-1 text-right tabular-nums">{b.ip}</td>
                      <td className="px-2 py-1 text-right tabular-nums">{b.scope}</td>
                      <td className="px-2 py-1 text-right tabular-nums">{b.expired}</td>
                      <td className="px-2 py-1 text-right tabular-nums">{b.revoked}</td>
                      <td className="px-2 py-1 text-right tabular-nums">{b.rateLimited}</td>
                      <td className="px-2 py-1 text-right tabular-nums">{b.quotaExceeded}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </div>
  );
}
