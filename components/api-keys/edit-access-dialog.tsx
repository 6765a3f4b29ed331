"use client";
// Change what a key may do and where from: the create form's own access
// fields and limits, sent as PATCH { scopes, allowedIps, rateLimit, quota }. Felt by every instance at once.
import { useState } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { useApi } from "@/components/ui/active-client";
import type { ApiKeyView } from "@/lib/api-keys/schemas";
import { AccessFields, accessRequest, initialAccess, type AccessValue } from "./access-fields";
import { initialLimits, LimitFields, limitsRequest, type LimitValue } from "./limit-fields";
import { ProblemError } from "./api";

export function EditAccessDialog({
  target,
  grantable,
  onClose,
  onSaved,
}: {
  target: ApiKeyView | null;
  grantable: readonly string[] | null;
  onClose: () => void;
  onSaved: (k: ApiKeyView) => void;
}) {
  return (
    <Dialog open={target !== null} onOpenChange={(o) => !o && onClose()} title="Edit access" wide>
      {target && <EditAccessForm key={target.id} target={target} grantable={grantable} onClose={onClose} onSaved={onSaved} />}
    </Dialog>
  );
}

function EditAccessForm({ target, grantable, onClose, onSaved }: { target: ApiKeyView; grantable: readonly string[] | null; onClose: () => void; onSaved: (k: ApiKeyView) => void }) {
  const api = useApi();
  const [access, setAccess] = useState<AccessValue>(() => initialAccess(target.scopes, target.allowedIps));
  const [error, setError] = useState<string | undefined>(undefined);
  const [limits, setLimits] = useState<LimitValue>(() => initialLimits(target.rateLimit, target.quota));
  const [limitsError, setLimitsError] = useState<string | undefined>(undefined);
  const [pending, setPending] = useState(false);
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    const asked = accessRequest(access);
    if ("error" in asked) return setError(asked.error);
    const limited = limitsRequest(limits);
    if ("error" in limited) return setLimitsError(limited.error);
    setPending(true);
    try {
      const saved = await api<ApiKeyView>(`/api/api-keys/${target.id}`, { method: "PATCH", body: { ...asked, ...limited } });
      toast.success(`Access of ${saved.name ?? saved.keyPrefix} changed`);
      onSaved(saved);
    } catch (err) {
      if (err instanceof ProblemError && err.errors) {
        const [field, msgs] = Object.entries(err.errors)[0] ?? [];
        if (field?.startsWith("rateLimit") || field?.startsWith("quota")) setLimitsError(msgs?.[0]);
        else setError(msgs?.[0]);
      }
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
      <div className="mt-6 flex flex-wrap justify-end gap-2">
        <Button type="button" variant="secondary" onClick={onClose} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" pending={pending}>
          Save access
        </Button>
      </div>
    </form>
  );
}
