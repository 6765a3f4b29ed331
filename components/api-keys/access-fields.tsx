"use client";
// What a key may do and where from: "Full access / Read only / Restricted"
// (a grid of Dolfin's resources, None / Read / Write each, with search and
// "set all in group"), and an IP allowlist validated as you type with the
// route's own schema. Used by the create form and the edit-access dialog.
import { useId, useState } from "react";
import { fieldClass } from "@/components/ui/field";
import { ALL_SCOPES, allows, displayCidr, isReadOnly, READ_SCOPES, resourceLabel, SCOPE_GROUPS, scopeList, type Level } from "@/lib/api-keys/access";
import { allowedIpsSchema } from "@/lib/api-keys/schemas";

export type AccessMode = "full" | "read" | "restricted";
type Choice = "none" | Level;
export type AccessValue = { mode: AccessMode; levels: Record<string, Choice>; ips: string };

export function initialAccess(scopes: readonly string[] | null = null, allowedIps: readonly string[] = []): AccessValue {
  const levels: Record<string, Choice> = {};
  for (const s of scopes ?? []) {
    const [r, l] = s.split(":");
    levels[r] = l as Level;
  }
  const mode: AccessMode = scopes === null ? "full" : isReadOnly(scopes) ? "read" : "restricted";
  return { mode, levels, ips: allowedIps.map(displayCidr).join("\n") };
}

export function ipLines(text: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter(Boolean);
}

export function scopesOf(v: AccessValue): string[] | null {
  if (v.mode === "full") return null;
  if (v.mode === "read") return [...READ_SCOPES];
  return ALL_SCOPES.filter((s) => {
    const [r, l] = s.split(":");
    return v.levels[r] === l;
  });
}

/** Problems with the allowlist as the route would report them, by line ("Line 2: ..."). */
export function ipErrors(text: string): string[] {
  const lines = ipLines(text);
  const r = allowedIpsSchema.safeParse(lines);
  if (r.success) return [];
  return r.error.issues.map((i) => (typeof i.path[0] === "number" ? `Line ${i.path[0] + 1}: ${i.message}` : i.message));
}

/** What the fields ask for, as the API takes it, or the first allowlist problem (shown beside the field). */
export function accessRequest(v: AccessValue): { error: string } | { scopes: string[] | null; allowedIps: string[] } {
  const bad = ipErrors(v.ips);
  return bad.length > 0 ? { error: bad[0] } : { scopes: scopesOf(v), allowedIps: ipLines(v.ips) };
}

const radioClass = "h-4 w-4 border-slate-300 text-brand-600 focus:ring-brand-600 disabled:opacity-40";

export function AccessFields({
  value,
  onChange,
  grantable,
  ipServerError,
}: {
  value: AccessValue;
  onChange: (v: AccessValue) => void;
  /** The most the person may grant (null: everything). */
  grantable: readonly string[] | null;
  ipServerError?: string;
}) {
  const id = useId();
  const [query, setQuery] = useState("");
  const [ipsTouched, setIpsTouched] = useState(false);
  const canFull = grantable === null;
  const canRead = READ_SCOPES.every((s) => allows(grantable, s));
  const set = (patch: Partial<AccessValue>) => onChange({ ...value, ...patch });
  const setLevel = (r: string, c: Choice) => set({ levels: { ...value.levels, [r]: c } });
  const may = (r: string, c: Choice) => c === "none" || allows(grantable, `${r}:${c}`);
  const q = query.trim().toLowerCase();
  const matches = (r: string) => !q || r.toLowerCase().includes(q) || resourceLabel(r).toLowerCase().includes(q);
  const granted = scopesOf(value);
  const errors = ipsTouched || value.ips.trim() ? ipErrors(value.ips) : [];

  const modes: { value: AccessMode; label: string; hint: string; enabled: boolean }[] = [
    { value: "full", label: "Full access", hint: "Everything this Client's keys can do.", enabled: canFull },
    { value: "read", label: "Read only", hint: "Read every resource, change nothing.", enabled: canRead },
    { value: "restricted", label: "Restricted", hint: "Choose per resource.", enabled: true },
  ];

  return (
    <div className="space-y-4">
      <fieldset>
        <legend className="block text-sm font-medium text-slate-700">Permissions</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-3">
          {modes.map((m) => (
            <label
              key={m.value}
              className={`flex cursor-pointer items-start gap-2 rounded-md p-3 text-sm ring-1 ring-inset ${value.mode === m.value ? "bg-brand-50 ring-brand-600" : "ring-slate-300"} ${m.enabled ? "" : "cursor-not-allowed opacity-50"}`}
            >
              <input
                type="radio"
                name={`${id}-mode`}
                value={m.value}
                checked={value.mode === m.value}
                disabled={!m.enabled}
                onChange={() => set({ mode: m.value })}
                className={`mt-0.5 ${radioClass}`}
              />
              <span>
                <span className="block font-medium text-slate-900">{m.label}</span>
                <span className="block text-xs text-slate-600">{m.enabled ? m.hint : "More than you may grant."}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>

      {value.mode === "restricted" && (
        <div className="rounded-md ring-1 ring-slate-200" data-testid="scope-grid">
          <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 bg-slate-50 px-3 py-2">
            <label htmlFor={`${id}-search`} className="sr-only">
              Filter resources
            </label>
            <input
              id={`${id}-search`}
              type="search"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              placeholder="Filter resources…"
              className={`${fieldClass} w-full py-1.5 sm:w-56`}
            />
            <p className="text-xs text-slate-600" aria-live="polite" data-testid="scope-count">
              {granted!.length === 0 ? "No resource granted yet" : `${granted!.length} resource${granted!.length === 1 ? "" : "s"} granted`}
            </p>
          </div>
          {SCOPE_GROUPS.map((g) => {
            const rows = g.resources.filter(matches);
            if (rows.length === 0) return null;
            const setAll = (c: Choice) => set({ levels: { ...value.levels, ...Object.fromEntries(rows.filter((r) => may(r, c)).map((r) => [r, c])) } });
            return (
              <fieldset key={g.id} className="border-b border-slate-200 px-3 py-2 last:border-b-0">
                <div className="flex flex-wrap items-center justify-between gap-2 py-1">
                  <legend className="float-left text-xs font-semibold uppercase tracking-wide text-slate-500">{g.label}</legend>
                  <div className="flex items-center gap-1 text-xs text-slate-600">
                    <span aria-hidden="true">Set all:</span>
                    {(["none", "read", "write"] as const).map((c) => (
                      <button
                        key={c}
                        type="button"
                        onClick={() => setAll(c)}
                        aria-label={`Set all ${g.label} to ${c === "none" ? "None" : c === "read" ? "Read" : "Write"}`}
                        className="rounded px-1.5 py-0.5 font-medium text-brand-700 hover:bg-brand-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-600"
                      >
                        {c === "none" ? "None" : c === "read" ? "Read" : "Write"}
                      </button>
                    ))}
                  </div>
                </div>
                <ul className="clear-both">
                  {rows.map((r) => {
                    const current = value.levels[r] ?? "none";
                    return (
                      <li key={r} className="flex items-center justify-between gap-2 py-1.5 text-sm">
                        <span id={`${id}-${r}`} className="min-w-0 text-slate-800">
                          {resourceLabel(r)} <code className="hidden font-mono text-xs text-slate-400 sm:inline">{r}</code>
                        </span>
                        <div role="radiogroup" aria-labelledby={`${id}-${r}`} className="flex shrink-0 gap-3" data-resource={r}>
                          {(["none", "read", "write"] as const).map((c) => (
                            <label key={c} className={`flex items-center gap-1 text-xs ${may(r, c) ? "text-slate-700" : "text-slate-400"}`}>
                              <input
                                type="radio"
                                name={`${id}-scope-${r}`}
                                value={c}
                                checked={current === c}
                                disabled={!may(r, c)}
                                onChange={() => setLevel(r, c)}
                                className={radioClass}
                              />
                              {c === "none" ? "None" : c === "read" ? "Read" : "Write"}
                            </label>
                          ))}
                        </div>
                      </li>
                    );
                  })}
                </ul>
              </fieldset>
            );
          })}
          {SCOPE_GROUPS.every((g) => g.resources.every((r) => !matches(r))) && <p className="px-3 py-4 text-sm text-slate-600">No resource matches “{query}”.</p>}
          {granted!.length === 0 && (
            <p className="border-t border-slate-200 px-3 py-2 text-xs text-amber-800">With nothing granted, the key can only prove who it is.</p>
          )}
        </div>
      )}

      <div>
        <label htmlFor={`${id}-ips`} className="block text-sm font-medium text-slate-700">
          IP allowlist <span className="font-normal text-slate-500">(optional)</span>
        </label>
        <textarea
          id={`${id}-ips`}
          rows={3}
          value={value.ips}
          onChange={(e) => set({ ips: e.target.value })}
          onBlur={() => setIpsTouched(true)}
          placeholder={"203.0.113.7\n198.51.100.0/24\n2001:db8::/32"}
          spellCheck={false}
          className={`mt-1 ${fieldClass} w-full font-mono`}
          aria-invalid={errors.length > 0 || ipServerError ? true : undefined}
          aria-describedby={`${id}-ips-help`}
          data-testid="allowed-ips"
        />
        <div id={`${id}-ips-help`}>
          {errors.length > 0 || ipServerError ? (
            <ul className="mt-1 space-y-0.5 text-sm text-red-600" data-testid="ip-errors">
              {(errors.length > 0 ? errors : [ipServerError!]).slice(0, 5).map((e) => (
                <li key={e}>{e}</li>
              ))}
            </ul>
          ) : (
            <p className="mt-1 text-xs text-slate-500">
              One IP address or CIDR range per line, IPv4 or IPv6. Empty: the key works from any address.
            </p>
          )}
        </div>
      </div>
    </div>
  );
}

/** "Full access from any address" / "Restricted: Invoices (write), Customers (read) · from 203.0.113.0/24". */
export function AccessDescription({ scopes, allowedIps }: { scopes: readonly string[] | null; allowedIps: readonly string[] }) {
  const what =
    scopes === null
      ? "Full access"
      : isReadOnly(scopes)
        ? "Read only, every resource"
        : scopes.length === 0
          ? "No access to any resource"
          : scopeList(scopes);
  const where = allowedIps.length === 0 ? "from any address" : `only from ${allowedIps.map(displayCidr).join(", ")}`;
  return (
    <span>
      {what}, {where}.
    </span>
  );
}
