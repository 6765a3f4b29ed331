"use client";
// Deny a key request, saying why (the requester reads it).
import { useId, useState } from "react";
import { toast } from "sonner";
import { ProblemError } from "@/components/api-keys/api";
import { useApi } from "@/components/ui/active-client";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { fieldClass } from "@/components/ui/field";
import { REASON_MAX, type KeyRequestView } from "@/lib/key-requests/schemas";
import { requestLabel, who } from "./request-card";

export function DenyRequestDialog({
  target,
  withdraw = false,
  onClose,
  onDenied,
}: {
  target: KeyRequestView | null;
  /** The requester calling off their own request (the same route). */
  withdraw?: boolean;
  onClose: () => void;
  onDenied: (r: KeyRequestView) => void;
}) {
  const api = useApi();
  const id = useId();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const deny = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!target || pending) return;
    const why = reason.trim();
    if (!why) return setError(withdraw ? "Say why, for the record." : "Say why, so the requester knows what to change.");
    setPending(true);
    setError(null);
    try {
      const denied = await api<KeyRequestView>(`/api/key-requests/${target.id}/deny`, { body: { reason: why } });
      toast.success(`${withdraw ? "Withdrew" : "Denied"} ${requestLabel(target)}`);
      setReason("");
      onDenied(denied);
    } catch (err) {
      if (err instanceof ProblemError && err.errors?.reason) setError(err.errors.reason[0]);
      else toast.error(err instanceof Error ? err.message : "Could not deny the request.");
    } finally {
      setPending(false);
    }
  };

  return (
    <Dialog
      open={target !== null}
      onOpenChange={(o) => !o && !pending && onClose()}
      title={withdraw ? "Withdraw your request?" : "Deny key request?"}
      description={
        target ? (
          withdraw ? (
            <>Nobody will be able to approve {requestLabel(target)} any more.</>
          ) : (
            <>
              {target.kind === "widen" ? `The key ${requestLabel(target)} keeps the access it has.` : `The key ${requestLabel(target)} will not be made.`} {who(target.requestedBy)} is
              told your reason.
            </>
          )
        ) : undefined
      }
    >
      <form onSubmit={deny} noValidate>
        <label htmlFor={`${id}-reason`} className="block text-sm font-medium text-slate-700">
          Reason
        </label>
        <textarea
          id={`${id}-reason`}
          rows={3}
          value={reason}
          maxLength={REASON_MAX}
          onChange={(e) => {
            setReason(e.target.value);
            setError(null);
          }}
          placeholder="e.g. Read access to payments is enough for reconciliation."
          className={`mt-1 w-full ${fieldClass}`}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        />
        {error && (
          <p id={`${id}-error`} role="alert" className="mt-1 text-sm text-red-600">
            {error}
          </p>
        )}
        <div className="mt-6 flex flex-wrap justify-end gap-2">
          <Button type="button" variant="secondary" onClick={onClose} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" variant="danger" pending={pending}>
            {withdraw ? "Withdraw request" : "Deny request"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
