"use client";
import { useState } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import type { ApiKeyView } from "@/lib/api-keys/schemas";
import { useApi } from "@/components/ui/active-client";
import { keyLabel } from "./key-status";

export function RevokeKeyDialog({ target, onClose, onRevoked }: { target: ApiKeyView | null; onClose: () => void; onRevoked: () => void }) {
  const api = useApi();
  const [pending, setPending] = useState(false);
  const label = target ? keyLabel(target) : "";
  const revoke = async () => {
    if (!target || pending) return;
    setPending(true);
    try {
      await api(`/api/api-keys/${target.id}/revoke`, { method: "POST" });
      toast.success(`Revoked ${label}`);
      onRevoked();
    } catch (err) {
      toast.error(err instanceof Error ? err.message : "Could not revoke the key.");
    } finally {
      setPending(false);
    }
  };
  return (
    <Dialog open={target !== null} onOpenChange={(o) => !o && !pending && onClose()} title="Revoke API key?" role="alertdialog">
      <p className="text-sm text-slate-700">
        Revoke <strong className="break-all">{label}</strong>? Every integration using it stops working immediately. This cannot be undone.
      </p>
      <div className="mt-6 flex flex-wrap justify-end gap-2">
        <Button variant="secondary" onClick={onClose} disabled={pending}>
          Cancel
        </Button>
        <Button variant="danger" onClick={revoke} pending={pending}>
          Revoke key
        </Button>
      </div>
    </Dialog>
  );
}
