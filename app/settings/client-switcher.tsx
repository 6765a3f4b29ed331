"use client";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { toast } from "sonner";
import { switchClient } from "./actions";

export function ClientSwitcher({ clients, activeId }: { clients: { id: string; name: string; type: string; role: string }[]; activeId: string }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  if (clients.length < 2) {
    const c = clients[0];
    return (
      <span className="flex min-w-0 items-center text-sm font-medium text-slate-800" data-testid="active-client">
        <span className="truncate">{c?.name}</span>
        {c && <span className="shrink-0"><TypeBadge type={c.type} /></span>}
      </span>
    );
  }
  return (
    <label className="flex w-full min-w-0 items-center gap-2 text-sm">
      <span className="sr-only sm:not-sr-only sm:text-slate-500">Client</span>
      <select
        aria-label="Active Client"
        data-testid="client-switcher"
        className="w-full sm:w-auto sm:max-w-[16rem] rounded-md border-0 py-1.5 pl-2 pr-8 text-sm font-medium text-slate-900 ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-brand-600 disabled:opacity-60"
        value={activeId}
        disabled={pending}
        onChange={(e) => {
          const id = e.target.value;
          start(async () => {
            const r = await switchClient(id);
            if (!r.ok) toast.error("Could not switch Client.");
            router.refresh();
          });
        }}
      >
        {clients.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name} ({c.type === "Sandbox" ? "Sandbox" : "Live"})
          </option>
        ))}
      </select>
    </label>
  );
}

export function TypeBadge({ type }: { type: string }) {
  return type === "Sandbox" ? (
    <span className="ml-1 rounded bg-amber-100 px-1.5 py-0.5 text-xs font-medium text-amber-800">Sandbox</span>
  ) : (
    <span className="ml-1 rounded bg-emerald-100 px-1.5 py-0.5 text-xs font-medium text-emerald-800">Live</span>
  );
}
