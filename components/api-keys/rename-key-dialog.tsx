"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { fieldClass } from "@/components/ui/field";
import { NAME_MAX, updateApiKeySchema, type ApiKeyView, type UpdateApiKeyData, type UpdateApiKeyInput } from "@/lib/api-keys/schemas";
import { ProblemError } from "./api";
import { useApi } from "@/components/ui/active-client";

const field = `${fieldClass} w-full`;

/** Rename a key: the route's own schema validates the field; the key itself does not change. */
export function RenameKeyDialog({ target, onClose, onRenamed }: { target: ApiKeyView | null; onClose: () => void; onRenamed: (k: ApiKeyView) => void }) {
  return (
    <Dialog open={target !== null} onOpenChange={(o) => !o && onClose()} title="Rename API key">
      {/* Keyed by the key, so the field starts from that key's name every time. */}
      {target && <RenameForm key={target.id} target={target} onClose={onClose} onRenamed={onRenamed} />}
    </Dialog>
  );
}

function RenameForm({ target, onClose, onRenamed }: { target: ApiKeyView; onClose: () => void; onRenamed: (k: ApiKeyView) => void }) {
  const api = useApi();
  const { register, handleSubmit, setError, formState } = useForm<UpdateApiKeyInput, unknown, UpdateApiKeyData>({
    resolver: zodResolver(updateApiKeySchema),
    defaultValues: { name: target.name ?? "" },
  });
  const save = handleSubmit(async (values) => {
    try {
      const renamed = await api<ApiKeyView>(`/api/api-keys/${target.id}`, { method: "PATCH", body: values });
      toast.success(renamed.name ? `Renamed to ${renamed.name}` : "Name removed");
      onRenamed(renamed);
    } catch (err) {
      if (err instanceof ProblemError && err.errors?.name) setError("name", { message: err.errors.name[0] });
      else toast.error(err instanceof Error ? err.message : "Could not rename the key.");
    }
  });
  const error = formState.errors.name?.message;
  return (
    <form onSubmit={save} noValidate>
      <p className="text-sm text-slate-600">
        Only the label changes: <code className="font-mono text-xs">{target.keyPrefix}…</code> keeps working as before.
      </p>
      <label htmlFor="rename-name" className="mt-4 block text-sm font-medium text-slate-900">
        Name
      </label>
      <input
        id="rename-name"
        autoFocus
        maxLength={NAME_MAX + 20}
        placeholder="e.g. Billing sync (production)"
        {...register("name")}
        className={`mt-1 ${field}`}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? "rename-name-error" : "rename-name-hint"}
      />
      {error ? (
        <p id="rename-name-error" className="mt-1 text-sm text-red-600">{error}</p>
      ) : (
        <p id="rename-name-hint" className="mt-1 text-xs text-slate-500">Up to {NAME_MAX} characters. Leave empty to remove the name.</p>
      )}
      <div className="mt-6 flex flex-wrap justify-end gap-2">
        <Button type="button" variant="secondary" onClick={onClose} disabled={formState.isSubmitting}>
          Cancel
        </Button>
        <Button type="submit" pending={formState.isSubmitting}>
          Save name
        </Button>
      </div>
    </form>
  );
}
