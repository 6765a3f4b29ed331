"use client";
// Never be surprised by an expiry: the keys about to expire, named, with the
// obvious next step (rotate: a new key, the old one kept for a grace period).
import type { ApiKeyView } from "@/lib/api-keys/schemas";
import { Button } from "@/components/ui/button";
import { ClientOnly } from "@/components/ui/client-only";
import { formatDate, formatDateTime, relativeTime } from "@/components/ui/dates";

export function ExpiringBanner({ keys, days, canManage, onRotate }: { keys: ApiKeyView[]; days: number; canManage: boolean; onRotate: (k: ApiKeyView) => void }) {
  if (keys.length === 0) return null;
  const sorted = [...keys].sort((a, b) => Date.parse(a.expiresAt!) - Date.parse(b.expiresAt!));
  return (
    <section role="status" aria-labelledby="expiring-heading" className="rounded-lg bg-amber-50 p-4 ring-1 ring-inset ring-amber-200" data-testid="expiring-banner">
      <h2 id="expiring-heading" className="text-sm font-semibold text-amber-900">
        {keys.length === 1 ? "1 key expires" : `${keys.length}${keys.length >= 10 ? "+" : ""} keys expire`} within {days} days
      </h2>
      <p className="mt-1 text-sm text-amber-900">
        Integrations using {keys.length === 1 ? "it" : "them"} will get 401 once {keys.length === 1 ? "it expires" : "they expire"}.
        {canManage ? " Rotate to get a replacement; the old key keeps working for the grace period you choose." : " Ask an Admin or Owner to rotate them."}
      </p>
      <ul className="mt-3 space-y-2">
        {sorted.map((k) => (
          <li key={k.id} className="flex flex-wrap items-center justify-between gap-2 text-sm" data-testid="expiring-key">
            <span className="min-w-0">
              <strong className="font-medium text-slate-900">{k.name ?? `${k.keyPrefix}…`}</strong>{" "}
              <ClientOnly fallback={<span className="text-slate-700">expires soon</span>}>
                <span className="text-slate-700" title={formatDateTime(k.expiresAt!)}>
                  on {formatDate(k.expiresAt!)} ({relativeTime(k.expiresAt!)})
                </span>
              </ClientOnly>
            </span>
            {canManage && (
              <Button type="button" size="sm" variant="secondary" onClick={() => onRotate(k)} aria-label={`Rotate ${k.name ?? k.keyPrefix}`}>
                Rotate
              </Button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
