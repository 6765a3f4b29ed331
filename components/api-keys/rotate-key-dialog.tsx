"use client";
import { useState } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { DEFAULT_GRACE_SECONDS, type ApiKeyView, type CreateApiKeyResponse } from "@/lib/api-keys/schemas";
import { useApi } from "@/components/ui/active-client";
import { keyLabel } from "./key-status";

const CHOICES = [
  { seconds: 0, label: "Immediately", hint: "The old key stops working now." },
  { seconds: 3600, label: "After 1 hour", hint: "Time to redeploy one service." },
  { seconds: 86400, label: "After 24 hours", hint: "Recommended: time to roll out everywhere." },
  { seconds: 604800, label: "After 7 days", hint: "For integrations you do not deploy often." },
] as const;

export function RotateKeyDialog({ target, onClose, onRotated }: { target: ApiKeyView | null; onClose: () => void; onRotated: (k: CreateApiKeyResponse) => void }) {
  const api = useApi();
  const [grace, setGrace] = useState<number>(DEFAULT_GRACE_SECONDS);
  const [pending, setPending] = useState(false);
  const label = target ? keyLabel(target) : "";

  const rotate = async () => {
    if (!target || pending) return;
    setPending(true);
    try {
      const k = await api<CreateApiKeyResponse>(`/api/api-keys/${target.id}/rotate`, { body: { gracePeriodSeconds: grace } });
      setGrace(DEFAULT_GRACE_SECONDS);
      onRotated(k);
    } catch (err) {
      toast.error(err instanceof Error ? err.message : "Could not rotate the key.");
    } finally {
      setPending(false);
    }
  };

  return (
    <Dialog
      open={target !== null}
      onOpenChange={(o) => !o && !pending && onClose()}
      title="Rotate API key"
      description={<>A new key replaces {label}. It keeps the same name and lifetime.</>}
    >
      <fieldset disabled={pending}>
        <legend className="text-sm font-medium text-slate-700">When should the old key stop working?</legend>
        <div className="mt-2 space-y-2">
          {CHOICES.map((c) => (
            <label key={c.seconds} className={`flex cursor-pointer items-start gap-3 rounded-md p-3 ring-1 ring-inset ${grace === c.seconds ? "bg-brand-50 ring-brand-600" : "ring-slate-200 hover:bg-slate-50"}`}>
              <input type="radio" name="grace" value={c.seconds} checked={grace === c.seconds} onChange={() => setGrace(c.seconds)} className="mt-0.5 accent-brand-600" />
              <span>
                <span className="block text-sm font-medium text-slate-900">{c.label}</span>
                <span className="block text-xs text-slate-600">{c.hint}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="mt-6 flex flex-wrap justify-end gap-2">
        <Button variant="secondary" onClick={onClose} disabled={pending}>
          Cancel
        </Button>
        <Button onClick={rotate} pending={pending}>
          Rotate key
        </Button>
      </div>
    </Dialog>
  );
}
