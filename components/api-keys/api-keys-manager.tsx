"use client";
// The API keys page's interactive part: create, the one-time key, list, revoke.
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { toast } from "sonner";
import type { KeyPolicyView } from "@/lib/clients/schemas";
import type { ApiKeyListFilter, ApiKeyView, CreateApiKeyResponse } from "@/lib/api-keys/schemas";
import { useApi } from "@/components/ui/active-client";
import { CreateKeyForm, type KeyPolicy } from "./create-key-form";
import { ClientUsagePanel } from "./client-usage";
import { EditAccessDialog } from "./edit-access-dialog";
import { UsageDialog } from "./usage-dialog";
import { ExpiringBanner } from "./expiring-banner";
import { KeyCreatedDialog } from "./key-created-dialog";
import { KeysList } from "./keys-list";
import { RenameKeyDialog } from "./rename-key-dialog";
import { RevokeKeyDialog } from "./revoke-key-dialog";
import { RotateKeyDialog } from "./rotate-key-dialog";
import { RequestsView } from "@/components/key-requests/requests-view";
import type { KeyRequestView } from "@/lib/key-requests/schemas";

type Page = { data: ApiKeyView[]; nextCursor: string | null; hasMore: boolean };
type Usage = { active: number; max: number };
type Filter = "" | ApiKeyListFilter;

const FILTERS: { value: Filter; label: string; empty: string }[] = [
  { value: "", label: "All keys", empty: "" },
  { value: "active", label: "Active", empty: "No active keys." },
  { value: "expiring", label: "Expiring soon", empty: "No key expires soon." },
  { value: "expired", label: "Expired", empty: "No expired keys." },
  { value: "revoked", label: "Revoked", empty: "No revoked keys." },
];

const listUrl = (filter: Filter, limit: number, cursor?: string) =>
  `/api/api-keys?Limit=${limit}${filter ? `&Status=${filter}` : ""}${cursor ? `&Cursor=${encodeURIComponent(cursor)}` : ""}`;

export function ApiKeysManager({
  initial,
  canManage,
  canSeeHistory,
  grantable,
  policy,
  usage: initialUsage,
  clientName,
  expiring: initialExpiring,
  soonDays,
  me,
}: {
  /** The signed-in person's id: their own key requests are theirs to create, never to approve. */
  me: string;
  initial: Page;
  expiring: ApiKeyView[];
  soonDays: number;
  canManage: boolean;
  canSeeHistory: boolean;
  grantable: readonly string[] | null;
  policy: KeyPolicy;
  usage: Usage;
  clientName: string;
}) {
  const api = useApi();
  const [keys, setKeys] = useState(initial.data);
  const [usage, setUsage] = useState(initialUsage);
  const [expiring, setExpiring] = useState(initialExpiring);
  const [filter, setFilter] = useState<Filter>("");
  const [cursor, setCursor] = useState(initial.nextCursor);
  const [loadingMore, setLoadingMore] = useState(false);
  // The raw key lives only here, and only until the dialog is closed.
  const [rawKey, setRawKey] = useState<string | null>(null);
  const [rawKeyTitle, setRawKeyTitle] = useState<string | undefined>(undefined);
  const [rawKeyAccess, setRawKeyAccess] = useState<{ scopes: string[] | null; allowedIps: string[] } | null>(null);
  const [editing, setEditing] = useState<ApiKeyView | null>(null);
  const [viewingUsage, setViewingUsage] = useState<ApiKeyView | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyView | null>(null);
  const [rotating, setRotating] = useState<ApiKeyView | null>(null);
  const [renaming, setRenaming] = useState<ApiKeyView | null>(null);
  // Keys or Requests, in the address (?view=requests&request=ID: the emails link there), so back and reload keep it.
  const params = useSearchParams();
  const linked = canManage && params.get("view") === "requests";
  const view = linked ? "requests" : "keys";
  const focusRequest = view === "requests" ? params.get("request") : null;
  const [waiting, setWaiting] = useState<{ count: number; more: boolean; any: boolean } | null>(null);
  const go = (next: "keys" | "requests", request?: string) => {
    const q = next === "requests" ? `?view=requests${request ? `&request=${encodeURIComponent(request)}` : ""}` : window.location.pathname;
    window.history.pushState(null, "", q);
  };

  // The approver's badge: pending requests from others.
  const fetchWaiting = useCallback(async () => {
    if (!canManage) return null;
    try {
      type Page = { data: KeyRequestView[]; hasMore: boolean };
      const [page, any] = await Promise.all([
        api<Page>("/api/key-requests?Status=pending&Limit=100"),
        // Without the policy, the tab shows only if requests were ever made (the policy was on once).
        policy.keyApproval && policy.keyApproval !== "none" ? Promise.resolve(true) : api<Page>("/api/key-requests?Limit=1").then((p) => p.data.length > 0),
      ]);
      return { count: page.data.filter((r) => r.requestedBy?.id !== me).length, more: page.hasMore, any };
    } catch {
      return null;
    }
  }, [api, canManage, me, policy.keyApproval]);
  const countWaiting = () => void fetchWaiting().then(setWaiting);
  // Keys | Requests for approvers when the policy asks for approval (or asked once, or a link points there).
  const showTabs = canManage && (linked || (policy.keyApproval !== undefined && policy.keyApproval !== "none") || waiting?.any === true);
  useEffect(() => {
    let live = true;
    void fetchWaiting().then((w) => live && setWaiting(w));
    return () => {
      live = false;
    };
  }, [fetchWaiting]);

  const reload = useCallback(
    async (f: Filter = filter) => {
      const [page, p, soon] = await Promise.all([
        api<Page>(listUrl(f, Math.max(20, Math.min(100, keys.length)))),
        api<KeyPolicyView>("/api/key-policy"),
        api<Page>(listUrl("expiring", 10)),
      ]);
      setKeys(page.data);
      setCursor(page.nextCursor);
      setUsage({ active: p.activeKeys, max: p.maxActiveKeys });
      setExpiring(soon.data);
    },
    [api, filter, keys.length],
  );

  const changeFilter = async (f: Filter) => {
    setFilter(f);
    try {
      const page = await api<Page>(listUrl(f, 20));
      setKeys(page.data);
      setCursor(page.nextCursor);
    } catch (err) {
      toast.error(err instanceof Error ? err.message : "Could not load the keys.");
    }
  };

  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await api<Page>(listUrl(filter, 20, cursor));
      setKeys((prev) => [...prev, ...page.data.filter((k) => !prev.some((p) => p.id === k.id))]);
      setCursor(page.nextCursor);
    } finally {
      setLoadingMore(false);
    }
  };

  const onCreated = (k: CreateApiKeyResponse, title?: string) => {
    setRawKeyTitle(title);
    setRawKeyAccess({ scopes: k.scopes ?? null, allowedIps: k.allowedIps ?? [] });
    setRawKey(k.rawKey);
    // Show the new key in the list, whatever the filter was.
    setFilter("");
    void reload("");
  };

  return (
    <div className="space-y-8">
      <ExpiringBanner keys={expiring} days={soonDays} canManage={canManage} onRotate={setRotating} />
      {showTabs && <ViewTabs view={view} waiting={waiting} onChange={(v) => go(v)} />}
      {view === "requests" ? (
        <div role="tabpanel" id="panel-requests" aria-labelledby="tab-requests">
          <RequestsView key={focusRequest ?? "all"} me={me} canApprove={canManage} focusId={focusRequest} onClaimed={(k) => onCreated(k)} onChanged={countWaiting} />
        </div>
      ) : (
      <div role={showTabs ? "tabpanel" : undefined} id="panel-keys" aria-labelledby={showTabs ? "tab-keys" : undefined} className="space-y-8">
      {canManage ? (
        <section aria-labelledby="create-heading" className="rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200 sm:p-6">
          <h2 id="create-heading" className="text-base font-semibold text-slate-900">Create a key</h2>
          <p className="mb-4 mt-1 text-sm text-slate-600">
            The key acts for <strong>{clientName}</strong>. You will see it once.
          </p>
          {usage.active >= usage.max && (
            <div role="status" className="mb-4 rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-inset ring-amber-200" data-testid="cap-reached">
              This Client has {usage.active.toLocaleString()} active keys, its limit. Revoke a key you no longer use first, or an Owner can raise the limit in{" "}
              <Link href="/settings/policy" className="font-medium underline underline-offset-2">Key policy</Link>.
            </div>
          )}
          <CreateKeyForm
            policy={policy}
            grantable={grantable}
            onCreated={(k) => onCreated(k)}
            onRequested={(r) => {
              go("requests", r.id);
              countWaiting();
            }}
          />
        </section>
      ) : (
        <div role="note" className="rounded-lg bg-brand-50 p-4 text-sm text-brand-900 ring-1 ring-inset ring-brand-100" data-testid="member-note">
          You can see this Client’s keys. Only Admins and Owners can create, rotate or revoke them: ask one of them if you need a key.
        </div>
      )}

      {/* Nothing to chart before the first key. */}
      {(keys.length > 0 || filter !== "") && <ClientUsagePanel />}

      <section aria-labelledby="list-heading">
        <div className="mb-3 flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
          <h2 id="list-heading" className="text-base font-semibold text-slate-900">
            Keys <span className="font-normal text-slate-500">({keys.length}{cursor ? "+" : ""})</span>
          </h2>
          <div className="flex flex-wrap items-center gap-x-4 gap-y-1">
            <p className="text-sm text-slate-600" data-testid="key-usage">
              {usage.active.toLocaleString()} of {usage.max.toLocaleString()} active keys in use
            </p>
            <label className="flex items-center gap-2 text-sm text-slate-600">
              <span>Show</span>
              <select
                value={filter}
                onChange={(e) => void changeFilter(e.target.value as Filter)}
                className="rounded-md border-0 py-1 pl-2 pr-8 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-inset focus:ring-brand-600"
              >
                {FILTERS.map((f) => (
                  <option key={f.value} value={f.value}>
                    {f.label}
                  </option>
                ))}
              </select>
            </label>
          </div>
        </div>
        {keys.length === 0 && filter ? (
          <p className="rounded-lg bg-white px-6 py-8 text-center text-sm text-slate-600 shadow-sm ring-1 ring-slate-200" data-testid="filtered-empty">
            {filter === "expiring" ? `No key expires within ${soonDays} days.` : FILTERS.find((f) => f.value === filter)?.empty}{" "}
            <button type="button" onClick={() => void changeFilter("")} className="font-medium text-brand-700 underline-offset-2 hover:underline">
              Show all keys
            </button>
          </p>
        ) : keys.length === 0 ? (
          <div className="rounded-lg border-2 border-dashed border-slate-300 bg-white px-6 py-10 text-center" data-testid="empty-state">
            <p className="font-medium text-slate-900">No API keys yet</p>
            <p className="mt-1 text-sm text-slate-600">
              {canManage
                ? "Create your first key above to let an integration call the Dolfin API."
                : "When an Admin or Owner creates a key, it will be listed here."}
            </p>
          </div>
        ) : (
          <KeysList keys={keys} canManage={canManage} onRevoke={setRevoking} onRotate={setRotating} onRename={setRenaming} onEditAccess={setEditing} onUsage={setViewingUsage} canSeeHistory={canSeeHistory} hasMore={cursor !== null} loadingMore={loadingMore} onLoadMore={loadMore} />
        )}
      </section>
      </div>
      )}

      <KeyCreatedDialog key={rawKey ?? "none"} rawKey={rawKey} title={rawKeyTitle} access={rawKeyAccess} onDone={() => setRawKey(null)} />
      <UsageDialog target={viewingUsage} onClose={() => setViewingUsage(null)} />
      <EditAccessDialog
        target={editing}
        grantable={grantable}
        approval={policy.keyApproval}
        onRequested={(r) => {
          setEditing(null);
          go("requests", r.id);
          countWaiting();
        }}
        onClose={() => setEditing(null)}
        onSaved={(saved) => {
          setEditing(null);
          setKeys((prev) => prev.map((k) => (k.id === saved.id ? saved : k)));
        }}
      />
      <RotateKeyDialog
        target={rotating}
        onClose={() => setRotating(null)}
        onRotated={(k) => {
          setRotating(null);
          onCreated(k, "Your rotated API key");
        }}
      />
      <RenameKeyDialog
        target={renaming}
        onClose={() => setRenaming(null)}
        onRenamed={(renamed) => {
          setRenaming(null);
          setKeys((prev) => prev.map((k) => (k.id === renamed.id ? renamed : k)));
        }}
      />
      <RevokeKeyDialog
        target={revoking}
        onClose={() => setRevoking(null)}
        onRevoked={() => {
          setRevoking(null);
          void reload();
        }}
      />
    </div>
  );
}

/** Keys | Requests (n): the ARIA tabs pattern (arrow keys move between tabs). */
function ViewTabs({ view, waiting, onChange }: { view: "keys" | "requests"; waiting: { count: number; more: boolean } | null; onChange: (v: "keys" | "requests") => void }) {
  const tabs = [
    { value: "keys" as const, label: "Keys" },
    { value: "requests" as const, label: "Requests" },
  ];
  const onKey = (e: React.KeyboardEvent) => {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight" && e.key !== "Home" && e.key !== "End") return;
    e.preventDefault();
    const next = view === "keys" ? "requests" : "keys";
    const to = e.key === "Home" ? "keys" : e.key === "End" ? "requests" : next;
    onChange(to);
    document.getElementById(`tab-${to}`)?.focus();
  };
  return (
    <div role="tablist" aria-label="API keys" className="mb-6 flex gap-1 border-b border-slate-200" onKeyDown={onKey}>
      {tabs.map((t) => {
        const selected = view === t.value;
        return (
          <button
            key={t.value}
            type="button"
            role="tab"
            id={`tab-${t.value}`}
            aria-selected={selected}
            aria-controls={selected ? `panel-${t.value}` : undefined}
            tabIndex={selected ? 0 : -1}
            onClick={() => onChange(t.value)}
            className={`-mb-px inline-flex items-center gap-2 border-b-2 px-3 py-2 text-sm font-medium focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-600 ${
              selected ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900"
            }`}
          >
            {t.label}
            {t.value === "requests" && waiting && waiting.count > 0 && (
              <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900" data-testid="requests-badge">
                <span aria-hidden="true">{waiting.count}{waiting.more ? "+" : ""}</span>
                <span className="sr-only">, {waiting.count}{waiting.more ? " or more" : ""} waiting for your approval</span>
              </span>
            )}
          </button>
        );
      })}
    </div>
  );
}
