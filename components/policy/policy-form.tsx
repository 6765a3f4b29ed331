"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";
import { ProblemError } from "@/components/api-keys/api";
import { useApi } from "@/components/ui/active-client";
import { Button } from "@/components/ui/button";
import { fieldClass } from "@/components/ui/field";
import { keyPolicySchema, MAX_LIFETIME_DAYS, type KeyPolicy, type KeyPolicyView } from "@/lib/clients/schemas";

// The form edits the API's schema; only the empty lifetime field needs translating (blank = no cap).
const formSchema = keyPolicySchema.extend({
  maxKeyLifetimeDays: z.preprocess((v) => (v === "" || v === null || Number.isNaN(v) ? null : Number(v)), keyPolicySchema.shape.maxKeyLifetimeDays),
  maxActiveKeys: z.preprocess((v) => (v === "" ? undefined : Number(v)), keyPolicySchema.shape.maxActiveKeys),
});

const field = `${fieldClass} mt-1 w-40`;

/** The form's values: the policy alone (the count of active keys is shown, not edited). */
const formValues = ({ keysMustExpire, maxKeyLifetimeDays, maxActiveKeys, requireTwoFactor, rateLimitFailMode }: KeyPolicyView) => ({
  keysMustExpire,
  requireTwoFactor,
  rateLimitFailMode,
  maxKeyLifetimeDays: maxKeyLifetimeDays ?? ("" as unknown as null),
  maxActiveKeys,
});

export function PolicyForm({ initial, canEdit }: { initial: KeyPolicyView; canEdit: boolean }) {
  const api = useApi();
  const router = useRouter();
  const [activeKeys, setActiveKeys] = useState(initial.activeKeys);
  const { register, handleSubmit, formState, setError, reset } = useForm<z.input<typeof formSchema>, unknown, KeyPolicy>({
    resolver: zodResolver(formSchema),
    defaultValues: formValues(initial),
  });
  const save = handleSubmit(async (values) => {
    try {
      const saved = await api<KeyPolicyView>("/api/key-policy", { method: "PUT", body: values });
      reset(formValues(saved));
      setActiveKeys(saved.activeKeys);
      toast.success("Key policy saved");
      router.refresh();
    } catch (err) {
      if (err instanceof ProblemError && err.errors) {
        for (const [k, m] of Object.entries(err.errors)) setError(k as keyof KeyPolicy, { message: m[0] });
      } else toast.error(err instanceof Error ? err.message : "Could not save the policy.");
    }
  });
  const e = formState.errors;
  return (
    <form onSubmit={save} noValidate className="space-y-6 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200" aria-label="Key policy">
      <fieldset disabled={!canEdit || formState.isSubmitting} className="space-y-6">
        <label className="flex items-start gap-3">
          <input type="checkbox" {...register("keysMustExpire")} className="mt-1 h-4 w-4 accent-brand-600" />
          <span>
            <span className="block text-sm font-medium text-slate-900">Keys must expire</span>
            <span className="block text-sm text-slate-600">New keys cannot be created or rotated without an expiry date.</span>
          </span>
        </label>
        <div>
          <label htmlFor="max-lifetime" className="block text-sm font-medium text-slate-900">Maximum lifetime (days)</label>
          <p className="text-sm text-slate-600">Empty for no limit. A limit also rules out keys that never expire. 1 to {MAX_LIFETIME_DAYS}.</p>
          <input id="max-lifetime" type="number" inputMode="numeric" min={1} max={MAX_LIFETIME_DAYS} {...register("maxKeyLifetimeDays")} className={field} aria-invalid={e.maxKeyLifetimeDays ? true : undefined} />
          {e.maxKeyLifetimeDays && <p className="mt-1 text-sm text-red-600">{e.maxKeyLifetimeDays.message}</p>}
        </div>
        <div>
          <label htmlFor="max-active" className="block text-sm font-medium text-slate-900">Maximum active keys</label>
          <p className="text-sm text-slate-600">Revoked and expired keys do not count, nor do old keys in a rotation’s grace period: rotating never needs a free slot.</p>
          <input id="max-active" type="number" inputMode="numeric" min={1} max={10000} {...register("maxActiveKeys")} className={field} aria-invalid={e.maxActiveKeys ? true : undefined} />
          {e.maxActiveKeys && <p className="mt-1 text-sm text-red-600">{e.maxActiveKeys.message}</p>}
          <p className="mt-1 text-sm text-slate-600" data-testid="active-keys">
            Active now: {activeKeys.toLocaleString()} {activeKeys === 1 ? "key" : "keys"}. A lower limit leaves existing keys working; it only stops new ones.
          </p>
        </div>
        <label className="flex items-start gap-3 border-t border-slate-200 pt-6">
          <input type="checkbox" {...register("requireTwoFactor")} className="mt-1 h-4 w-4 accent-brand-600" />
          <span>
            <span className="block text-sm font-medium text-slate-900">Require a second factor</span>
            <span className="block text-sm text-slate-600">
              From the moment you save: everyone in this Client needs an authenticator app to use it; until they set one up they only see their account page. API keys keep working. You need one yourself first.
            </span>
          </span>
        </label>
        <div className="border-t border-slate-200 pt-6">
          <label htmlFor="fail-mode" className="block text-sm font-medium text-slate-900">If the shared limit store is unreachable</label>
          <p className="text-sm text-slate-600">
            Keys with a rate limit or quota count in Redis, shared by every server. Should Redis fail, each server can keep serving them under the
            same limit counted on its own, or refuse them until it is back. Keys without limits are never affected.
          </p>
          <select id="fail-mode" {...register("rateLimitFailMode")} className={`${fieldClass} mt-1 pr-8`}>
            <option value="open">Keep serving, limited per server (default)</option>
            <option value="closed">Refuse limited keys</option>
          </select>
        </div>
        {canEdit ? (
          <Button type="submit" pending={formState.isSubmitting} disabled={!formState.isDirty}>
            Save policy
          </Button>
        ) : (
          <p className="text-sm text-slate-600">Only Owners can change the policy.</p>
        )}
      </fieldset>
      <p className="text-xs text-slate-500">The key rules apply to keys created or rotated from now on. Existing keys keep their expiry.</p>
    </form>
  );
}
