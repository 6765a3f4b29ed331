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
import type { KeyApprovalPolicy } from "@/lib/key-requests/schemas";
import { keyPolicySchema, MAX_LIFETIME_DAYS, type KeyPolicy, type KeyPolicyView } from "@/lib/clients/schemas";

// The form edits the API's schema; only the empty lifetime field needs translating (blank = no cap).
const formSchema = keyPolicySchema.extend({
  maxKeyLifetimeDays: z.preprocess((v) => (v === "" || v === null || Number.isNaN(v) ? null : Number(v)), keyPolicySchema.shape.maxKeyLifetimeDays),
  maxActiveKeys: z.preprocess((v) => (v === "" ? undefined : Number(v)), keyPolicySchema.shape.maxActiveKeys),
});

const APPROVAL_CHOICES: readonly { value: KeyApprovalPolicy; label: string; hint: string }[] = [
  { value: "none", label: "No approval", hint: "Admins and Owners create any key themselves." },
  { value: "fullAccess", label: "Keys with full access", hint: "A key that may do everything needs a second Owner or Admin to approve it." },
  { value: "write", label: "Keys that can change data", hint: "Full access or any write permission needs a second Owner or Admin; read-only keys do not." },
];

const field = `${fieldClass} mt-1 w-40`;

/** The form's values: the policy alone (the count of active keys is shown, not edited). */
const formValues = ({ keysMustExpire, maxKeyLifetimeDays, maxActiveKeys, requireTwoFactor, keyApproval, rateLimitFailMode }: KeyPolicyView) => ({
  keysMustExpire,
  requireTwoFactor,
  keyApproval,
  rateLimitFailMode,
  maxKeyLifetimeDays: maxKeyLifetimeDays ?? ("" as unknown as null),
  maxActiveKeys,
});

export function PolicyForm({ initial, canEdit }: { initial: KeyPolicyView; canEdit: boolean }) {
  const api = useApi();
  const router = useRouter();
  const [activeKeys, setActiveKeys] = useState(initial.activeKeys);
  // 409 Policy.NotEnoughApprovers: said where the choice is made, not in a passing toast.
  const [approvalProblem, setApprovalProblem] = useState<string | null>(null);
  const { register, handleSubmit, formState, setError, reset } = useForm<z.input<typeof formSchema>, unknown, KeyPolicy>({
    resolver: zodResolver(formSchema),
    defaultValues: formValues(initial),
  });
  const save = handleSubmit(async (values) => {
    setApprovalProblem(null);
    try {
      const saved = await api<KeyPolicyView>("/api/key-policy", { method: "PUT", body: values });
      reset(formValues(saved));
      setActiveKeys(saved.activeKeys);
      toast.success("Key policy saved");
      router.refresh();
    } catch (err) {
      if (err instanceof ProblemError && err.code === "Policy.NotEnoughApprovers") {
        setApprovalProblem(err.message);
        document.getElementById("key-approval")?.scrollIntoView({ block: "center" });
      } else if (err instanceof ProblemError && err.errors) {
        for (const [k, m] of Object.entries(err.errors)) setError(k as keyof KeyPolicy, { message: m[0] });
      } else toast.error(err instanceof Error ? err.message : "Could not save the policy.");
    }
  });
  const e = formState.errors;
  const approvalError = approvalProblem ?? e.keyApproval?.message ?? null;
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
        <div className="border-t border-slate-200 pt-6">
        <fieldset id="key-approval" aria-describedby={approvalError ? "key-approval-error" : "key-approval-hint"}>
          <legend className="block text-sm font-medium text-slate-900">Approval of new keys</legend>
          <p id="key-approval-hint" className="text-sm text-slate-600">
            Four eyes: the person asking says why, another Owner or Admin approves, then the requester creates the key once. Needs at least two Owners and Admins.
          </p>
          <div className="mt-2 grid gap-2 sm:grid-cols-3">
            {APPROVAL_CHOICES.map((c) => (
              <label key={c.value} className="flex cursor-pointer items-start gap-2 rounded-md p-3 text-sm ring-1 ring-inset ring-slate-300 has-[:checked]:bg-brand-50 has-[:checked]:ring-brand-600">
                <input type="radio" value={c.value} {...register("keyApproval", { onChange: () => setApprovalProblem(null) })} className="mt-0.5 h-4 w-4 accent-brand-600" />
                <span>
                  <span className="block font-medium text-slate-900">{c.label}</span>
                  <span className="block text-xs text-slate-600">{c.hint}</span>
                </span>
              </label>
            ))}
          </div>
          {approvalError && (
            <p id="key-approval-error" role="alert" className="mt-2 rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-inset ring-red-200" data-testid="key-approval-error">
              {approvalError}
            </p>
          )}
        </fieldset>
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
