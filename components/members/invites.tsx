"use client";
// "Invite people" on the Members page: the API's own schema validates the
// form; with mail configured the link goes only to the invitee's mailbox (the
// page says so), without mail it is shown once (like an API key). Pending
// invitations can be resent (a new link; the old one dies) or revoked.
import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { ProblemError } from "@/components/api-keys/api";
import { useApi } from "@/components/ui/active-client";
import { Button } from "@/components/ui/button";
import { ClientOnly } from "@/components/ui/client-only";
import { formatDateTime } from "@/components/ui/dates";
import { fieldClass } from "@/components/ui/field";
import { OneTimeSecretDialog } from "@/components/ui/one-time-secret-dialog";
import { ROLES, type Role } from "@/lib/auth/permissions";
import { createInviteSchema, type CreatedInviteView, type CreateInviteData, type InviteView } from "@/lib/invites/schemas";
import { mayTouch } from "@/lib/members/rules";

type Page = { data: InviteView[]; nextCursor: string | null; hasMore: boolean };
type FormInput = { email: string; role: Role };

const STATUS: Record<InviteView["status"], string> = {
  pending: "bg-blue-50 text-blue-800 ring-blue-200",
  accepted: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  revoked: "bg-slate-100 text-slate-600 ring-slate-200",
  expired: "bg-amber-50 text-amber-800 ring-amber-200",
};

export function Invites({ initial, myRole, mailConfigured }: { initial: Page; myRole: Role; mailConfigured: boolean }) {
  const api = useApi();
  const [invites, setInvites] = useState(initial.data);
  const [shown, setShown] = useState<CreatedInviteView | null>(null);
  const [emailed, setEmailed] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const grantable = ROLES.filter((r) => mayTouch(myRole, r, r));
  const { register, handleSubmit, setError, reset, formState } = useForm<FormInput, unknown, CreateInviteData>({
    resolver: zodResolver(createInviteSchema),
    defaultValues: { email: "", role: "Member" },
  });

  const put = (v: InviteView) => setInvites((prev) => [v, ...prev.filter((i) => i.id !== v.id)]);
  /** The link in a dialog when the server hands it out (no mail), else a note that it was emailed. */
  const issued = (c: CreatedInviteView) => {
    const { inviteUrl, emailQueued, ...row } = c;
    put(row);
    if (inviteUrl) {
      setEmailed(null);
      setShown(c);
    } else if (emailQueued) {
      setEmailed(c.email);
    }
  };

  const invite = handleSubmit(async (values) => {
    try {
      issued(await api<CreatedInviteView>("/api/client-invites", { body: values }));
      reset({ email: "", role: values.role });
    } catch (err) {
      if (err instanceof ProblemError && err.errors?.email) setError("email", { message: err.errors.email[0] });
      else if (err instanceof ProblemError && err.status === 409) setError("email", { message: err.message });
      else toast.error(err instanceof Error ? err.message : "Could not invite.");
    }
  });

  const resend = async (i: InviteView) => {
    setBusy(i.id);
    try {
      issued(await api<CreatedInviteView>(`/api/client-invites/${i.id}/resend`, { method: "POST" }));
    } catch (err) {
      toast.error(err instanceof Error ? err.message : "Could not resend.");
    } finally {
      setBusy(null);
    }
  };

  const revoke = async (i: InviteView) => {
    setBusy(i.id);
    try {
      await api(`/api/client-invites/${i.id}/revoke`, { method: "POST" });
      put({ ...i, status: "revoked" });
      toast.success(`The invitation for ${i.email} no longer works.`);
    } catch (err) {
      toast.error(err instanceof Error ? err.message : "Could not revoke.");
    } finally {
      setBusy(null);
    }
  };

  const open = invites.filter((i) => i.status === "pending" || i.status === "expired");
  const emailError = formState.errors.email?.message;
  return (
    <section aria-labelledby="invite-heading" className="rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200">
      <h2 id="invite-heading" className="text-base font-semibold text-slate-900">Invite people</h2>
      <p className="mt-1 text-sm text-slate-600">
        They get a link that works once, for that email address, for 7 days.
        {mailConfigured ? " We email it to them: only their mailbox gets it." : " Mail is not configured on this server: copy the link and send it yourself."}
      </p>
      <form onSubmit={invite} noValidate className="mt-4 flex flex-col gap-3 sm:flex-row sm:items-start">
        <div className="min-w-0 flex-1">
          <label htmlFor="invite-email" className="block text-sm font-medium text-slate-900">Email</label>
          <input
            id="invite-email"
            type="email"
            autoComplete="off"
            placeholder="alice@example.com"
            {...register("email")}
            className={`mt-1 w-full ${fieldClass}`}
            aria-invalid={emailError ? true : undefined}
            aria-describedby={emailError ? "invite-email-error" : undefined}
          />
          {emailError && <p id="invite-email-error" className="mt-1 text-sm text-red-600">{emailError}</p>}
        </div>
        <div>
          <label htmlFor="invite-role" className="block text-sm font-medium text-slate-900">Role</label>
          <select id="invite-role" {...register("role")} className={`mt-1 w-full sm:w-36 ${fieldClass}`}>
            {grantable.map((r) => (
              <option key={r} value={r}>{r}</option>
            ))}
          </select>
        </div>
        <Button type="submit" pending={formState.isSubmitting} className="sm:mt-6">
          Invite
        </Button>
      </form>

      {emailed && (
        <p role="status" data-testid="invite-emailed" className="mt-3 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800 ring-1 ring-inset ring-emerald-200">
          Invitation emailed to <strong>{emailed}</strong>. The link in it works once, for that address.
        </p>
      )}

      {open.length > 0 && (
        <div className="mt-6">
          <h3 className="text-sm font-semibold text-slate-900">Pending invitations</h3>
          <ul className="mt-2 divide-y divide-slate-100" data-testid="invites">
            {open.map((i) => {
              const mine = mayTouch(myRole, i.role, i.role);
              return (
                <li key={i.id} className="flex flex-wrap items-center gap-x-3 gap-y-2 py-3" data-testid="invite-row">
                  <div className="min-w-0 flex-1">
                    <p className="truncate text-sm font-medium text-slate-900">{i.email}</p>
                    <p className="text-xs text-slate-500">
                      {i.role} · invited by {i.invitedBy} ·{" "}
                      <ClientOnly fallback="…">{i.status === "expired" ? `expired ${formatDateTime(i.expiresAt)}` : `expires ${formatDateTime(i.expiresAt)}`}</ClientOnly>
                    </p>
                  </div>
                  <span className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STATUS[i.status]}`}>{i.status === "pending" ? "Pending" : "Expired"}</span>
                  {mine && (
                    <div className="flex gap-2">
                      <Button type="button" size="sm" variant="secondary" pending={busy === i.id} onClick={() => resend(i)} aria-label={`Resend the invitation for ${i.email}`}>
                        Resend
                      </Button>
                      {i.status === "pending" && (
                        <Button type="button" size="sm" variant="ghost" disabled={busy === i.id} onClick={() => revoke(i)} aria-label={`Revoke the invitation for ${i.email}`}>
                          Revoke
                        </Button>
                      )}
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        </div>
      )}

      <OneTimeSecretDialog
        key={shown?.inviteUrl ?? "none"}
        secret={shown?.inviteUrl ?? null}
        onDone={() => setShown(null)}
        text={{
          title: `Invitation for ${shown?.email ?? ""}`,
          description: "Copy the link and send it to them yourself.",
          warning: (
            <>
              <strong>This link will not be shown again.</strong> It lets whoever opens it join as {shown?.role} with the email {shown?.email}, once, until{" "}
              {shown ? formatDateTime(shown.expiresAt) : ""}. Resend to get a new one.
            </>
          ),
          label: "Invite link",
          noun: "link",
          testId: "invite-link",
        }}
      />
    </section>
  );
}
