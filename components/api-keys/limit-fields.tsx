"use client";
// "Limit requests" (per second, minute, hour or day) and "Quota" (per day or
// month): the create form and the edit-access dialog. Checked with the
// route's own schemas before sending.
import { useId } from "react";
import { fieldClass } from "@/components/ui/field";
import { quotaSchema, rateLimitSchema, type Quota, type RateLimit } from "@/lib/api-keys/schemas";

const WINDOWS = [
  { seconds: 1, label: "second" },
  { seconds: 60, label: "minute" },
  { seconds: 3600, label: "hour" },
  { seconds: 86400, label: "day" },
] as const;

export type LimitValue = { rateOn: boolean; rateRequests: string; rateWindow: number; quotaOn: boolean; quotaRequests: string; quotaPeriod: "day" | "month" };

export function initialLimits(rateLimit: RateLimit | null = null, quota: Quota | null = null): LimitValue {
  return {
    rateOn: rateLimit !== null,
    rateRequests: rateLimit ? String(rateLimit.requests) : "100",
    rateWindow: rateLimit?.windowSeconds ?? 60,
    quotaOn: quota !== null,
    quotaRequests: quota ? String(quota.requests) : "10000",
    quotaPeriod: quota?.period ?? "month",
  };
}

/** What the fields ask for, as the API takes it, or the first problem. */
export function limitsRequest(v: LimitValue): { error: string } | { rateLimit: RateLimit | null; quota: Quota | null } {
  const rate = v.rateOn ? rateLimitSchema.safeParse({ requests: Number(v.rateRequests), windowSeconds: v.rateWindow }) : null;
  if (rate && !rate.success) return { error: `Limit requests: ${rate.error.issues[0].message.replace(/^rateLimit\.requests/, "the number")}` };
  const quota = v.quotaOn ? quotaSchema.safeParse({ requests: Number(v.quotaRequests), period: v.quotaPeriod }) : null;
  if (quota && !quota.success) return { error: `Quota: ${quota.error.issues[0].message.replace(/^quota\.requests/, "the number")}` };
  return { rateLimit: rate?.data ?? null, quota: quota?.data ?? null };
}

export function LimitFields({ value, onChange, error }: { value: LimitValue; onChange: (v: LimitValue) => void; error?: string }) {
  const id = useId();
  const set = (patch: Partial<LimitValue>) => onChange({ ...value, ...patch });
  const small = `${fieldClass} w-28`;
  return (
    <fieldset className="space-y-3" aria-describedby={error ? `${id}-error` : `${id}-hint`}>
      <legend className="text-sm font-medium text-slate-700">Limits</legend>
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <label className="flex basis-full items-center gap-2 sm:min-w-40 sm:basis-auto">
          <input type="checkbox" checked={value.rateOn} onChange={(e) => set({ rateOn: e.target.checked })} className="h-4 w-4 accent-brand-600" />
          Limit requests
        </label>
        {value.rateOn && (
          <>
            <label htmlFor={`${id}-rate`} className="sr-only">Requests allowed per window</label>
            <input id={`${id}-rate`} type="number" min={1} inputMode="numeric" value={value.rateRequests} onChange={(e) => set({ rateRequests: e.target.value })} className={small} />
            <label htmlFor={`${id}-window`} className="text-slate-600">per</label>
            <select id={`${id}-window`} value={value.rateWindow} onChange={(e) => set({ rateWindow: Number(e.target.value) })} className={`${fieldClass} pr-8`}>
              {WINDOWS.map((w) => (
                <option key={w.seconds} value={w.seconds}>
                  {w.label}
                </option>
              ))}
            </select>
          </>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <label className="flex basis-full items-center gap-2 sm:min-w-40 sm:basis-auto">
          <input type="checkbox" checked={value.quotaOn} onChange={(e) => set({ quotaOn: e.target.checked })} className="h-4 w-4 accent-brand-600" />
          Quota
        </label>
        {value.quotaOn && (
          <>
            <label htmlFor={`${id}-quota`} className="sr-only">Requests allowed per period</label>
            <input id={`${id}-quota`} type="number" min={1} inputMode="numeric" value={value.quotaRequests} onChange={(e) => set({ quotaRequests: e.target.value })} className={small} />
            <label htmlFor={`${id}-period`} className="text-slate-600">per</label>
            <select id={`${id}-period`} value={value.quotaPeriod} onChange={(e) => set({ quotaPeriod: e.target.value as "day" | "month" })} className={`${fieldClass} pr-8`}>
              <option value="day">day (UTC)</option>
              <option value="month">month (UTC)</option>
            </select>
          </>
        )}
      </div>
      {error ? (
        <p id={`${id}-error`} className="text-sm text-red-600">
          {error}
        </p>
      ) : (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          Over a limit, requests get 429 until it resets; a quota resets at the start of each UTC day or month.
        </p>
      )}
    </fieldset>
  );
}
