"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { useApi } from "@/components/ui/active-client";
import { Button } from "@/components/ui/button";
import { ClientOnly } from "@/components/ui/client-only";
import { formatDate } from "@/components/ui/dates";
import { Dialog } from "@/components/ui/dialog";
import { LoadMore } from "@/components/ui/load-more";
import { ROLES, type Role } from "@/lib/auth/permissions";
import { mayTouch } from "@/lib/members/rules";
import type { MemberView } from "@/lib/members/schemas";

type Page = { data: MemberView[]; nextCursor: string | null; hasMore: boolean };

export function MembersList({ initial, me, canManage }: { initial: Page; me: { userId: string; role: Role }; canManage: boolean }) {
  const api = useApi();
  const [members, setMembers] = useState(initial.data);
  const [cursor, setCursor] = useState(initial.nextCursor);
  const [loading, setLoading] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [removing, setRemoving] = useState<MemberView | null>(null);
  const router = useRouter();

  const more = async () => {
    if (!cursor) return;
    setLoading(true);
    try {
      const p = await api<Page>(`/api/members?Limit=100&Cursor=${encodeURIComponent(cursor)}`);
      setMembers((prev) => [...prev, ...p.data]);
      setCursor(p.nextCursor);
    } finally {
      setLoading(false);
    }
  };

  const changeRole = async (m: MemberView, role: Role) => {
    setBusy(m.userId);
    try {
      const updated = await api<MemberView>(`/api/members/${m.userId}`, { method: "PATCH", body: { role } });
      setMembers((prev) => prev.map((x) => (x.userId === m.userId ? updated : x)));
      toast.success(`${m.name || m.email} is now ${role === "Admin" ? "an" : "a"} ${role}`);
      // Changing one's own role changes what this page may show.
      if (m.userId === me.userId) router.refresh();
    } catch (err) {
      toast.error(err instanceof Error ? err.message : "Could not change the role.");
    } finally {
      setBusy(null);
    }
  };

  const remove = async () => {
    if (!removing) return;
    const m = removing;
    setBusy(m.userId);
    try {
      await api(`/api/members/${m.userId}`, { method: "DELETE" });
      setRemoving(null);
      if (m.userId === me.userId) {
        router.push("/settings/api-keys"); // left this Client
        router.refresh();
        return;
      }
      setMembers((prev) => prev.filter((x) => x.userId !== m.userId));
      toast.success(`Removed ${m.name || m.email}`);
    } catch (err) {
      toast.error(err instanceof Error ? err.message : "Could not remove the member.");
    } finally {
      setBusy(null);
    }
  };

  return (
    <div>
      <ul aria-label="Members" className="divide-y divide-slate-200 overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
        {members.map((m) => {
          const editable = canManage && mayTouch(me.role, m.role, null);
          const you = m.userId === me.userId;
          return (
            <li key={m.userId} data-testid="member-row" className="grid gap-2 px-4 py-3 text-sm sm:grid-cols-[minmax(0,1fr)_auto_auto] sm:items-center sm:gap-4">
              <div className="min-w-0">
                <p className="truncate font-medium text-slate-900">
                  {m.name || m.email}
                  {you && <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs font-normal text-slate-600">You</span>}
                  {m.twoFactor ? (
                    <span data-testid="member-two-factor" title="Has an authenticator app" className="ml-2 rounded bg-emerald-50 px-1.5 py-0.5 text-xs font-normal text-emerald-800">2FA on</span>
                  ) : (
                    <span data-testid="member-two-factor" title="No second factor" className="ml-2 rounded bg-amber-50 px-1.5 py-0.5 text-xs font-normal text-amber-800">No 2FA</span>
                  )}
                </p>
                <p className="truncate text-xs text-slate-500">
                  {m.email} · joined <ClientOnly>{formatDate(m.joinedAt)}</ClientOnly>
                </p>
              </div>
              <div>
                {editable ? (
                  <select
                    aria-label={`Role of ${m.name || m.email}`}
                    value={m.role}
                    disabled={busy === m.userId}
                    onChange={(e) => void changeRole(m, e.target.value as Role)}
                    className="rounded-md border-0 py-1.5 pl-2 pr-8 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-inset focus:ring-brand-600"
                  >
                    {ROLES.filter((r) => r === m.role || mayTouch(me.role, m.role, r)).map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                ) : (
                  <span className="rounded bg-slate-100 px-2 py-1 text-xs font-medium text-slate-700" data-testid="member-role">
                    {m.role}
                  </span>
                )}
              </div>
              <div className="sm:w-24 sm:text-right">
                {editable && (
                  <Button variant="secondary" size="sm" className="text-red-700" onClick={() => setRemoving(m)} aria-label={you ? "Leave this Client" : `Remove ${m.name || m.email}`}>
                    {you ? "Leave" : "Remove"}
                  </Button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
      <LoadMore visible={cursor !== null} pending={loading} onClick={more} />
      <Dialog open={removing !== null} onOpenChange={(o) => !o && busy === null && setRemoving(null)} title={removing?.userId === me.userId ? "Leave this Client?" : "Remove member?"} role="alertdialog">
        <p className="text-sm text-slate-700">
          {removing?.userId === me.userId ? (
            <>You will lose access to this Client at once. Its API keys keep working.</>
          ) : (
            <>
              <strong className="break-all">{removing?.name || removing?.email}</strong> loses access to this Client on their next request. The API keys they created keep working: revoke them if they should not.
            </>
          )}
        </p>
        <div className="mt-6 flex flex-wrap justify-end gap-2">
          <Button variant="secondary" onClick={() => setRemoving(null)} disabled={busy !== null}>
            Cancel
          </Button>
          <Button variant="danger" onClick={remove} pending={busy !== null}>
            {removing?.userId === me.userId ? "Leave" : "Remove member"}
          </Button>
        </div>
      </Dialog>
    </div>
  );
}
