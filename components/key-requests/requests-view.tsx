"use client";
// The "Requests" view of the API keys page: key requests (four-eyes approval), newest first, with a status
// filter. Approvers approve (re-authentication is asked by apiFetch when needed) or deny with a reason; the
// requester sees where theirs stand and, once approved, creates the key (the usual one-time dialog).
// /settings/api-keys?view=requests&request=ID (the emails' link) opens here with that request in view.
import { useCallback, useEffect, useRef, useState } from "react";
import { toast } from "sonner";
import type { CreateApiKeyResponse } from "@/lib/api-keys/schemas";
import { ProblemError } from "@/components/api-keys/api";
import { useApi } from "@/components/ui/active-client";
import { LoadMore } from "@/components/ui/load-more";
import { useNow } from "@/components/ui/use-now";
import { DenyRequestDialog } from "./deny-request-dialog";
import { RequestCard, requestLabel, who } from "./request-card";
import type { KeyRequestStatus, KeyRequestView } from "@/lib/key-requests/schemas";

type Page = { data: KeyRequestView[]; nextCursor: string | null; hasMore: boolean };
type Filter = "" | KeyRequestStatus;

const FILTERS: { value: Filter; label: string; empty: string }[] = [
  { value: "", label: "All requests", empty: "No key requests yet." },
  { value: "pending", label: "Waiting for approval", empty: "Nothing waits for approval." },
  { value: "approved", label: "Approved", empty: "No approved request waits to be created." },
  { value: "claimed", label: "Key created", empty: "No requested key has been created yet." },
  { value: "denied", label: "Denied", empty: "No denied requests." },
  { value: "expired", label: "Expired", empty: "No expired requests." },
];

const listUrl = (filter: Filter, cursor?: string) =>
  `/api/key-requests?Limit=20${filter ? `&Status=${filter}` : ""}${cursor ? `&Cursor=${encodeURIComponent(cursor)}` : ""}`;

export function RequestsView({
  me,
  canApprove,
  focusId,
  onClaimed,
  onChanged,
}: {
  me: string;
  canApprove: boolean;
  /** A request to bring into view (a deep link, or the one just sent). */
  focusId: string | null;
  onClaimed: (key: CreateApiKeyResponse) => void;
  /** Something changed that the count badge shows. */
  onChanged: () => void;
}) {
  const api = useApi();
  const now = useNow();
  const [filter, setFilter] = useState<Filter>("");
  const [items, setItems] = useState<KeyRequestView[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState<{ id: string; what: "approve" | "claim" } | null>(null);
  const [denying, setDenying] = useState<{ r: KeyRequestView; withdraw: boolean } | null>(null);
  const focusRef = useRef<HTMLLIElement>(null);
  const scrolled = useRef<string | null>(null);

  const fetchList = useCallback(
    async (f: Filter) => {
      const [page, focused] = await Promise.all([
        api<Page>(listUrl(f)),
        focusId ? api<KeyRequestView>(`/api/key-requests/${focusId}`).catch(() => null) : Promise.resolve(null),
      ]);
      // The linked request is shown even if the first page does not hold it.
      const data = focused && !page.data.some((r) => r.id === focused.id) && (!f || focused.status === f) ? [focused, ...page.data] : page.data;
      return { data, cursor: page.nextCursor, missing: focusId !== null && focused === null };
    },
    [api, focusId],
  );
  const show = useCallback((r: { data: KeyRequestView[]; cursor: string | null; missing: boolean }) => {
    setMissing(r.missing);
    setItems(r.data);
    setCursor(r.cursor);
    setError(null);
  }, []);
  const fail = useCallback((err: unknown) => setError(err instanceof Error ? err.message : "Could not load the requests."), []);
  const load = (f: Filter) => void fetchList(f).then(show, fail);

  useEffect(() => {
    let live = true;
    fetchList(filter).then(
      (r) => live && show(r),
      (e) => live && fail(e),
    );
    return () => {
      live = false;
    };
  }, [fetchList, filter, show, fail]);

  // Bring the linked request into view once, and move focus to it so a keyboard or screen reader lands there.
  useEffect(() => {
    if (!focusId || !items || scrolled.current === focusId || !focusRef.current) return;
    scrolled.current = focusId;
    focusRef.current.scrollIntoView({ block: "center" });
    focusRef.current.focus({ preventScroll: true });
  }, [focusId, items]);

  const replace = (r: KeyRequestView) => setItems((prev) => (prev ?? []).map((x) => (x.id === r.id ? r : x)));

  const approve = async (r: KeyRequestView) => {
    setBusy({ id: r.id, what: "approve" });
    try {
      const approved = await api<KeyRequestView>(`/api/key-requests/${r.id}/approve`, { method: "POST" });
      replace(approved);
      toast.success(r.kind === "widen" ? `Approved: ${requestLabel(r)} has its new access now.` : `Approved ${requestLabel(r)}. ${who(r.requestedBy)} can create it now.`);
      onChanged();
    } catch (err) {
      toast.error(err instanceof Error ? err.message : "Could not approve the request.");
      if (err instanceof ProblemError && err.status === 409) load(filter); // decided meanwhile
    } finally {
      setBusy(null);
    }
  };

  const claim = async (r: KeyRequestView) => {
    setBusy({ id: r.id, what: "claim" });
    try {
      const created = await api<CreateApiKeyResponse>(`/api/key-requests/${r.id}/claim`, { method: "POST" });
      replace({ ...r, status: "claimed" });
      onClaimed(created);
      onChanged();
    } catch (err) {
      toast.error(err instanceof Error ? err.message : "Could not create the key.");
      if (err instanceof ProblemError && (err.status === 409 || err.status === 410)) load(filter);
    } finally {
      setBusy(null);
    }
  };

  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await api<Page>(listUrl(filter, cursor));
      setItems((prev) => [...(prev ?? []), ...page.data.filter((r) => !(prev ?? []).some((p) => p.id === r.id))]);
      setCursor(page.nextCursor);
    } catch (err) {
      toast.error(err instanceof Error ? err.message : "Could not load more requests.");
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <section aria-labelledby="requests-heading" data-testid="requests-view">
      <div className="mb-3 flex flex-wrap items-baseline justify-between gap-x-4 gap-y-2">
        <div>
          <h2 id="requests-heading" className="text-base font-semibold text-slate-900">
            Key requests
          </h2>
          <p className="mt-0.5 max-w-2xl text-sm text-slate-600">
            Keys this Client’s policy covers are made only once another Owner or Admin approves them. The requester then creates the key within 24 hours.
          </p>
        </div>
        <label className="flex items-center gap-2 text-sm text-slate-600">
          <span>Show</span>
          <select
            value={filter}
            onChange={(e) => setFilter(e.target.value as Filter)}
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
      {missing && (
        <p role="status" className="mb-3 rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-inset ring-amber-200" data-testid="request-missing">
          The request in your link was not found in this Client. It may belong to another Client: switch to it above.
        </p>
      )}
      {error ? (
        <p role="alert" className="rounded-lg bg-red-50 p-4 text-sm text-red-800 ring-1 ring-inset ring-red-200">
          {error}
        </p>
      ) : items === null ? (
        <p className="rounded-lg bg-white px-6 py-8 text-center text-sm text-slate-600 shadow-sm ring-1 ring-slate-200" aria-busy="true">
          Loading requests…
        </p>
      ) : items.length === 0 ? (
        <div className="rounded-lg border-2 border-dashed border-slate-300 bg-white px-6 py-10 text-center" data-testid="requests-empty">
          <p className="font-medium text-slate-900">{FILTERS.find((f) => f.value === filter)?.empty}</p>
          <p className="mt-1 text-sm text-slate-600">When someone asks for a key that needs approval, it is listed here.</p>
        </div>
      ) : (
        <>
          <ul aria-label="Key requests" className="divide-y divide-slate-200 overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            {items.map((r) => (
              <RequestCard
                key={r.id}
                ref={r.id === focusId ? focusRef : undefined}
                r={r}
                me={me}
                canApprove={canApprove}
                now={now}
                focused={r.id === focusId}
                busy={busy?.id === r.id ? busy.what : null}
                onApprove={() => void approve(r)}
                onDeny={() => setDenying({ r, withdraw: false })}
                onWithdraw={() => setDenying({ r, withdraw: true })}
                onClaim={() => void claim(r)}
              />
            ))}
          </ul>
          <LoadMore visible={cursor !== null} pending={loadingMore} onClick={() => void loadMore()} />
        </>
      )}
      <DenyRequestDialog
        target={denying?.r ?? null}
        withdraw={denying?.withdraw ?? false}
        onClose={() => setDenying(null)}
        onDenied={(d) => {
          setDenying(null);
          replace(d);
          onChanged();
        }}
      />
    </section>
  );
}
