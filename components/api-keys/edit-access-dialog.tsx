"use client";
// Change what a key may do and where from: the create form's own access
// fields and limits, sent as PATCH { scopes, allowedIps, rateLimit, quota }. Felt by every instance at once.
// Widening a key into what the Client's keyApproval covers is asked for instead (POST /api/key-requests with
// keyId and a reason) and applied when another Owner or Admin approves; a change of limits alone is a PATCH.
import { useId, useState } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { useApi } from "@/components/ui/active-client";
import type { ApiKeyView } from "@/lib/api-keys/schemas";
import { AccessFields, accessRequest, initialAccess, type AccessValue } from "./access-fields";
import { initialLimits, LimitFields, limitsRequest, type LimitValue } from "./limit-fields";
import { ProblemError } from "./api";
import { fieldClass } from "@/components/ui/field";
import { widensAccess } from "@/lib/auth/permissions";
import { REASON_MAX, wideningNeedsApproval, type KeyApprovalPolicy, type KeyRequestView } from "@/lib/key-requests/schemas";

export function EditAccessDialog({
  target,
  grantable,
  approval = "none",
  onClose,
  onSaved,
  onRequested,
}: {
  target: ApiKeyView | null;
  grantable: readonly string[] | null;
  approval?: KeyApprovalPolicy;
  onClose: () => void;
  onSaved: (k: ApiKeyView) => void;
  onRequested?: (r: KeyRequestView) => void;
}) {
  return (
    <Dialog open={target !== null} onOpenChange={(o) => !o && onClose()} title="Edit access" wide>
      {target && <EditAccessForm key={target.id} target={target} grantable={grantable} approval={approval} onClose={onClose} onSaved={onSaved} onRequested={onRequested} />}
    </Dialog>
  );
}

function EditAccessForm({
  target,
  grantable,
  approval: pageApproval,
  onClose,
  onSaved,
  onRequested,
}: {
  target: ApiKeyView;
  grantable: readonly string[] | null;
  approval: KeyApprovalPolicy;
  onClose: () => void;
  onSaved: (k: ApiKeyView) => void;
  onRequested?: (r: KeyRequestView) => void;
}) {
  const api = useApi();
  const id = useId();
  const [access, setAccess] = useState<AccessValue>(() => initialAccess(target.scopes, target.allowedIps));
  const [error, setError] = useState<string | undefined>(undefined);
  const [limits, setLimits] = useState<LimitValue>(() => initialLimits(target.rateLimit, target.quota));
  const [limitsError, setLimitsError] = useState<string | undefined>(undefined);
  const [pending, setPending] = useState(false);
  const [approval, setApproval] = useState(pageApproval);
  const [reason, setReason] = useState("");
  const [reasonError, setReasonError] = useState<string | undefined>(undefined);
  const wanted = accessRequest(access);
  const covered =
    !("error" in wanted) && wideningNeedsApproval(approval, widensAccess({ scopes: target.scopes, allowedIps: target.allowedIps }, wanted), wanted);
  // A field error from the server goes beside its fields: the limits', or the access fields'.
  const placeFieldError = (errors: Record<string, string[]>) => {
    const [field, msgs] = Object.entries(errors)[0] ?? [];
    if (field?.startsWith("rateLimit") || field?.startsWith("quota")) setLimitsError(msgs?.[0]);
    else setError(msgs?.[0]);
  };
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    const asked = accessRequest(access);
    if ("error" in asked) return setError(asked.error);
    const limited = limitsRequest(limits);
    if ("error" in limited) return setLimitsError(limited.error);
    if (covered) {
      const why = reason.trim();
      if (!why) return setReasonError("Say why the key needs more: the approver reads it.");
      setPending(true);
      try {
        // Limits are not part of an approval: a change of them is saved now, the access is asked for.
        if (JSON.stringify(limited) !== JSON.stringify({ rateLimit: target.rateLimit, quota: target.quota })) {
          await api<ApiKeyView>(`/api/api-keys/${target.id}`, { method: "PATCH", body: limited });
        }
        const r = await api<KeyRequestView>("/api/key-requests", { body: { keyId: target.id, ...asked, reason: why } });
        toast.success("Request sent. The key gets its new access once another Owner or Admin approves it.");
        onRequested?.(r);
      } catch (err) {
        if (err instanceof ProblemError && err.errors?.reason) setReasonError(err.errors.reason[0]);
        else if (err instanceof ProblemError && err.errors) placeFieldError(err.errors);
        else toast.error(err instanceof Error ? err.message : "Could not send the request.");
      } finally {
        setPending(false);
      }
      return;
    }
    setPending(true);
    try {
      const saved = await api<ApiKeyView>(`/api/api-keys/${target.id}`, { method: "PATCH", body: { ...asked, ...limited } });
      toast.success(`Access of ${saved.name ?? saved.keyPrefix} changed`);
      onSaved(saved);
    } catch (err) {
      if (err instanceof ProblemError && err.code === "ApiKey.ApprovalRequired") {
        // The policy changed since the page loaded: the dialog turns into a request.
        setApproval(approval === "none" ? "write" : approval);
        toast.error(err.message);
      } else if (err instanceof ProblemError && err.errors) placeFieldError(err.errors);
      else toast.error(err instanceof Error ? err.message : "Could not change the key's access.");
    } finally {
      setPending(false);
    }
  };
  return (
    <form onSubmit={save} noValidate>
      <p className="mb-4 text-sm text-slate-600">
        <code className="font-mono text-xs">{target.keyPrefix}…</code> keeps its secret; the new access applies to its next request, everywhere.
      </p>
      <fieldset disabled={pending}>
        <AccessFields
          value={access}
          onChange={(v) => {
            setAccess(v);
            setError(undefined);
          }}
          grantable={grantable}
          ipServerError={error}
        />
        <div className="mt-6">
          <LimitFields
            value={limits}
            onChange={(v) => {
              setLimits(v);
              setLimitsError(undefined);
            }}
            error={limitsError}
          />
        </div>
      </fieldset>
      {covered && (
        <div className="mt-4 space-y-3 rounded-md bg-brand-50 p-3 ring-1 ring-inset ring-brand-100" data-testid="approval-needed">
          <p id={`${id}-note`} className="text-sm text-brand-900">
            <strong className="font-semibold">This needs approval.</strong> Another Owner or Admin must approve giving this key more access; it changes
            when they do.
          </p>
          <div>
            <label htmlFor={`${id}-reason`} className="block text-sm font-medium text-slate-700">
              Why does it need more?
            </label>
            <textarea
              id={`${id}-reason`}
              rows={2}
              value={reason}
              maxLength={REASON_MAX}
              onChange={(e) => {
                setReason(e.target.value);
                setReasonError(undefined);
              }}
              className={`mt-1 w-full bg-white ${fieldClass}`}
              aria-invalid={reasonError ? true : undefined}
              aria-describedby={reasonError ? `${id}-reason-error` : undefined}
            />
            {reasonError && (
              <p id={`${id}-reason-error`} className="mt-1 text-sm text-red-600">
                {reasonError}
              </p>
            )}
          </div>
        </div>
      )}
      <div className="mt-6 flex flex-wrap justify-end gap-2">
        <Button type="button" variant="secondary" onClick={onClose} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" pending={pending} aria-describedby={covered ? `${id}-note` : undefined}>
          {covered ? "Request access" : "Save access"}
        </Button>
      </div>
    </form>
  );
}
