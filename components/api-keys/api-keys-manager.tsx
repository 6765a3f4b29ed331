"use client";
// The API keys page's interactive part: create, the one-time key, list, revoke.
import { useCallback, useState } from "react";
import type { ApiKeyView, CreateApiKeyResponse } from "@/lib/api-keys/schemas";
import { apiFetch } from "./api";
import { CreateKeyForm, type KeyPolicy } from "./create-key-form";
import { KeyCreatedDialog } from "./key-created-dialog";
import { KeysList } from "./keys-list";
import { RevokeKeyDialog } from "./revoke-key-dialog";
import { RotateKeyDialog } from "./rotate-key-dialog";

type Page = { data: ApiKeyView[]; nextCursor: string | null; hasMore: boolean };

export function ApiKeysManager({ initial, canManage, policy, clientName }: { initial: Page; canManage: boolean; policy: KeyPolicy; clientName: string }) {
  const [keys, setKeys] = useState(initial.data);
  const [cursor, setCursor] = useState(initial.nextCursor);
  const [loadingMore, setLoadingMore] = useState(false);
  // The raw key lives only here, and only until the dialog is closed.
  const [rawKey, setRawKey] = useState<string | null>(null);
  const [rawKeyTitle, setRawKeyTitle] = useState<string | undefined>(undefined);
  const [revoking, setRevoking] = useState<ApiKeyView | null>(null);
  const [rotating, setRotating] = useState<ApiKeyView | null>(null);

  const reload = useCallback(async () => {
    const page = await apiFetch<Page>(`/api/api-keys?Limit=${Math.max(20, Math.min(100, keys.length))}`);
    setKeys(page.data);
    setCursor(page.nextCursor);
  }, [keys.length]);

  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await apiFetch<Page>(`/api/api-keys?Limit=20&Cursor=${encodeURIComponent(cursor)}`);
      setKeys((prev) => [...prev, ...page.data.filter((k) => !prev.some((p) => p.id === k.id))]);
      setCursor(page.nextCursor);
    } finally {
      setLoadingMore(false);
    }
  };

  const onCreated = (k: CreateApiKeyResponse, title?: string) => {
    setRawKeyTitle(title);
    setRawKey(k.rawKey);
    void reload();
  };

  return (
    <div className="space-y-8">
      {canManage ? (
        <section aria-labelledby="create-heading" className="rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200 sm:p-6">
          <h2 id="create-heading" className="text-base font-semibold text-slate-900">Create a key</h2>
          <p className="mb-4 mt-1 text-sm text-slate-600">
            The key acts for <strong>{clientName}</strong>. You will see it once.
          </p>
          <CreateKeyForm policy={policy} onCreated={(k) => onCreated(k)} />
        </section>
      ) : (
        <div role="note" className="rounded-lg bg-brand-50 p-4 text-sm text-brand-900 ring-1 ring-inset ring-brand-100" data-testid="member-note">
          You can see this Client’s keys. Only Admins and Owners can create, rotate or revoke them: ask one of them if you need a key.
        </div>
      )}

      <section aria-labelledby="list-heading">
        <h2 id="list-heading" className="mb-3 text-base font-semibold text-slate-900">
          Keys <span className="font-normal text-slate-500">({keys.length}{cursor ? "+" : ""})</span>
        </h2>
        {keys.length === 0 ? (
          <div className="rounded-lg border-2 border-dashed border-slate-300 bg-white px-6 py-10 text-center" data-testid="empty-state">
            <p className="font-medium text-slate-900">No API keys yet</p>
            <p className="mt-1 text-sm text-slate-600">
              {canManage
                ? "Create your first key above to let an integration call the Dolfin API."
                : "When an Admin or Owner creates a key, it will be listed here."}
            </p>
          </div>
        ) : (
          <KeysList keys={keys} canManage={canManage} onRevoke={setRevoking} onRotate={setRotating} hasMore={cursor !== null} loadingMore={loadingMore} onLoadMore={loadMore} />
        )}
      </section>

      <KeyCreatedDialog key={rawKey ?? "none"} rawKey={rawKey} title={rawKeyTitle} onDone={() => setRawKey(null)} />
      <RotateKeyDialog
        target={rotating}
        onClose={() => setRotating(null)}
        onRotated={(k) => {
          setRotating(null);
          onCreated(k, "Your rotated API key");
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
