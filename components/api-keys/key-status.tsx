import type { ApiKeyView } from "@/lib/api-keys/schemas";

export const SOON_MS = 7 * 86_400_000;

/** How a key is named in dialogs and toasts: “Billing sync” (dol_live_3xT9aB2q…). */
export function keyLabel(k: Pick<ApiKeyView, "name" | "keyPrefix">): string {
  return k.name ? `“${k.name}” (${k.keyPrefix}…)` : `${k.keyPrefix}…`;
}

export function StatusBadge({ k, now }: { k: ApiKeyView; now: number }) {
  if (k.status === "revoked") {
    return <Badge tone="red">{k.revokedReason === "leaked" ? "Revoked: reported as leaked" : "Revoked"}</Badge>;
  }
  if (k.status === "expired" || (k.expiresAt && new Date(k.expiresAt).getTime() <= now)) return <Badge tone="slate">Expired</Badge>;
  if (k.expiresAt && new Date(k.expiresAt).getTime() - now < SOON_MS) return <Badge tone="amber">Expires soon</Badge>;
  return <Badge tone="green">Active</Badge>;
}

const tones = {
  green: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
  amber: "bg-amber-50 text-amber-800 ring-amber-600/20",
  red: "bg-red-50 text-red-700 ring-red-600/20",
  slate: "bg-slate-100 text-slate-600 ring-slate-500/20",
  blue: "bg-brand-50 text-brand-700 ring-brand-600/20",
};

export function Badge({ tone, children }: { tone: keyof typeof tones; children: React.ReactNode }) {
  return <span className={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${tones[tone]}`}>{children}</span>;
}
