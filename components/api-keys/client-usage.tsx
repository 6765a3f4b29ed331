"use client";
// The Client's keys together over the last 14 days: one chart, the totals and
// the busiest keys, above the list.
import { useEffect, useState } from "react";
import { useApi } from "@/components/ui/active-client";
import { UsageBars } from "@/components/ui/bar-chart";
import type { ClientUsage } from "@/lib/api-keys/usage-schemas";
import { bucketLabel } from "./usage-dialog";

export function ClientUsagePanel() {
  const api = useApi();
  const [data, setData] = useState<ClientUsage | null>(null);
  useEffect(() => {
    let live = true;
    api<ClientUsage>("/api/usage?Interval=day").then(
      (u) => live && setData(u),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [api]);
  if (!data) return <div className="h-44 animate-pulse rounded-lg bg-white shadow-sm ring-1 ring-slate-200" aria-hidden="true" />;
  const t = data.totals;
  const refused = t.expired + t.revoked + t.scope + t.ip + t.rateLimited + t.quotaExceeded;
  const bars = data.buckets.map((b) => ({ label: bucketLabel(b.start, "day"), success: b.success, refused: b.expired + b.revoked + b.scope + b.ip + b.rateLimited + b.quotaExceeded }));
  return (
    <section aria-labelledby="client-usage-heading" className="rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200" data-testid="client-usage">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="client-usage-heading" className="text-base font-semibold text-slate-900">
          Requests, last 14 days
        </h2>
        <p className="text-sm text-slate-600" data-testid="client-usage-totals">
          <strong className="text-slate-900">{(t.success + refused).toLocaleString()}</strong> in all · {refused.toLocaleString()} refused
        </p>
      </div>
      <div className="mt-3 grid gap-4 md:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
        <UsageBars bars={bars} height={90} label={`Requests per day over the last 14 days: ${t.success} successful, ${refused} refused.`} />
        <div>
          <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Busiest keys</h3>
          {data.topKeys.length === 0 ? (
            <p className="mt-1 text-sm text-slate-600">No key has been used in this period.</p>
          ) : (
            <ol className="mt-1 space-y-1 text-sm">
              {data.topKeys.slice(0, 4).map((k) => (
                <li key={k.keyId} className="flex justify-between gap-2">
                  <span className="truncate text-slate-800" title={k.keyPrefix}>
                    {k.name ?? <code className="font-mono text-xs">{k.keyPrefix}…</code>}
                  </span>
                  <span className="shrink-0 tabular-nums text-slate-600">
                    {k.requests.toLocaleString()}
                    {k.refused > 0 && <span className="text-red-600"> ({k.refused} refused)</span>}
                  </span>
                </li>
              ))}
            </ol>
          )}
        </div>
      </div>
    </section>
  );
}
