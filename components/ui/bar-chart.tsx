"use client";
// Stacked bars in plain SVG (successes, refusals on top): the row sparkline,
// the key's usage chart and the Client's. Hovering or focusing a bar names its
// numbers; screen readers get a summary (and the callers offer a table).
import { useState } from "react";

export type Bar = { label: string; success: number; refused: number };

export function Sparkline({ bars, label, testId }: { bars: Bar[]; label: string; testId?: string }) {
  const max = Math.max(1, ...bars.map((b) => b.success + b.refused));
  const w = 4;
  const gap = 1;
  const h = 20;
  return (
    <svg role="img" aria-label={label} viewBox={`0 0 ${bars.length * (w + gap)} ${h}`} className="h-5 w-[70px]" data-testid={testId}>
      <title>{label}</title>
      {bars.map((b, i) => {
        const total = b.success + b.refused;
        const th = total === 0 ? 1 : Math.max(1.5, (total / max) * h);
        const rh = total === 0 ? 0 : (b.refused / total) * th;
        const x = i * (w + gap);
        return (
          <g key={i}>
            <rect x={x} y={h - th} width={w} height={th} rx={0.5} className={total === 0 ? "fill-slate-200" : "fill-brand-500"} />
            {rh > 0 && <rect x={x} y={h - th} width={w} height={rh} className="fill-red-500" />}
          </g>
        );
      })}
    </svg>
  );
}

/** A larger chart: bars that show their numbers on hover or focus, and a caption line for the bar in view. */
export function UsageBars({ bars, label, height = 160 }: { bars: Bar[]; label: string; height?: number }) {
  const [active, setActive] = useState<number | null>(null);
  const max = Math.max(1, ...bars.map((b) => b.success + b.refused));
  const shown = active !== null ? bars[active] : null;
  const slot = 100 / Math.max(1, bars.length);
  return (
    <div>
      <p className="mb-1 h-5 text-xs text-slate-600" aria-live="polite" data-testid="chart-caption">
        {shown ? (
          <>
            <span className="font-medium text-slate-900">{shown.label}</span>: {shown.success.toLocaleString()} successful, {shown.refused.toLocaleString()} refused
          </>
        ) : bars.every((b) => b.success + b.refused === 0) ? (
          "No requests in this period."
        ) : (
          `Max ${max.toLocaleString()} per bar. Hover a bar for its numbers.`
        )}
      </p>
      <svg role="img" aria-label={label} viewBox={`0 0 100 ${height}`} preserveAspectRatio="none" className="w-full rounded bg-slate-50" style={{ height }} onMouseLeave={() => setActive(null)}>
        {bars.map((b, i) => {
          const total = b.success + b.refused;
          const th = total === 0 ? 0 : Math.max(1, (total / max) * (height - 4));
          const rh = total === 0 ? 0 : (b.refused / total) * th;
          const x = i * slot;
          return (
            <g key={i} onMouseEnter={() => setActive(i)} data-testid="chart-bar" data-success={b.success} data-refused={b.refused}>
              <rect x={x} y={0} width={slot} height={height} className={active === i ? "fill-brand-100" : "fill-transparent"} />
              <rect x={x + slot * 0.15} y={height - th} width={slot * 0.7} height={th} className="fill-brand-500" />
              {rh > 0 && <rect x={x + slot * 0.15} y={height - th} width={slot * 0.7} height={rh} className="fill-red-500" />}
              <title>{`${b.label}: ${b.success} successful, ${b.refused} refused`}</title>
            </g>
          );
        })}
      </svg>
      <div className="mt-1 flex justify-between text-[11px] text-slate-500" aria-hidden="true">
        <span>{bars[0]?.label}</span>
        <span>{bars.at(-1)?.label}</span>
      </div>
      <div className="mt-2 flex gap-4 text-xs text-slate-600" aria-hidden="true">
        <span className="flex items-center gap-1">
          <span className="inline-block h-2.5 w-2.5 rounded-sm bg-brand-500" /> Successful
        </span>
        <span className="flex items-center gap-1">
          <span className="inline-block h-2.5 w-2.5 rounded-sm bg-red-500" /> Refused
        </span>
      </div>
    </div>
  );
}
