"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import { useRef, useState } from "react";
import { useForm, useWatch } from "react-hook-form";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { ClientOnly } from "@/components/ui/client-only";
import { fieldClass } from "@/components/ui/field";
import { formatDate } from "@/components/ui/dates";
import { useNow } from "@/components/ui/use-now";
import {
  allowedChoices,
  createKeyFormSchema,
  DEFAULT_EXPIRY,
  EXPIRY_PRESETS,
  expiryFromChoice,
  localDateString,
  type CreateKeyFormValues,
} from "@/lib/api-keys/expiry";
import { createApiKeySchema, NAME_MAX, type CreateApiKeyResponse } from "@/lib/api-keys/schemas";
import { AccessFields, accessRequest, initialAccess, type AccessValue } from "./access-fields";
import { initialLimits, LimitFields, limitsRequest, type LimitValue } from "./limit-fields";
import { ProblemError } from "./api";
import { useApi } from "@/components/ui/active-client";

export type KeyPolicy = { keysMustExpire: boolean; maxKeyLifetimeDays: number | null };

const field = `${fieldClass} w-full`;

export function CreateKeyForm({
  policy,
  grantable,
  onCreated,
}: {
  policy: KeyPolicy;
  /** The most this person may grant (null: every scope). */
  grantable: readonly string[] | null;
  onCreated: (key: CreateApiKeyResponse) => void;
}) {
  const api = useApi();
  const allowed = allowedChoices(policy);
  const defaultChoice = allowed.has(DEFAULT_EXPIRY) ? DEFAULT_EXPIRY : EXPIRY_PRESETS.find((p) => allowed.has(p.value))?.value ?? "custom";
  const form = useForm<CreateKeyFormValues>({
    resolver: zodResolver(createKeyFormSchema(policy)),
    defaultValues: { name: "", expiration: defaultChoice, customDate: "" },
    mode: "onTouched",
  });
  const { register, handleSubmit, setError, reset, control, formState } = form;
  const [expiration, customDate] = useWatch({ control, name: ["expiration", "customDate"] });
  const [pending, setPending] = useState(false);
  const inFlight = useRef(false);
  const fresh = () => (grantable === null ? initialAccess() : { ...initialAccess(), mode: "restricted" as const });
  const [access, setAccess] = useState<AccessValue>(fresh);
  const [accessError, setAccessError] = useState<string | undefined>(undefined);
  const [limits, setLimits] = useState<LimitValue>(() => initialLimits());
  const [limitsError, setLimitsError] = useState<string | undefined>(undefined);

  const now = useNow();

  const create = async (values: CreateKeyFormValues) => {
    const asked = accessRequest(access);
    if ("error" in asked) return setAccessError(asked.error);
    setAccessError(undefined);
    const limited = limitsRequest(limits);
    if ("error" in limited) return setLimitsError(limited.error);
    setLimitsError(undefined);
    inFlight.current = true;
    setPending(true);
    try {
      const expiresAt = expiryFromChoice(values.expiration, values.customDate);
      // The very schema the route parses with: what we send is what it accepts.
      const body = createApiKeySchema.parse({
        name: values.name,
        expiresAt: expiresAt?.toISOString() ?? null,
        ...asked,
        ...limited,
      });
      const created = await api<CreateApiKeyResponse>("/api/api-keys", {
        body: { name: body.name, expiresAt: body.expiresAt?.toISOString() ?? null, scopes: body.scopes, allowedIps: body.allowedIps, rateLimit: body.rateLimit, quota: body.quota },
      });
      reset({ name: "", expiration: defaultChoice, customDate: "" });
      setAccess(fresh());
      setLimits(initialLimits());
      onCreated(created);
    } catch (err) {
      if (err instanceof ProblemError && err.errors) {
        let placed = false;
        for (const [k, msgs] of Object.entries(err.errors)) {
          if (k.startsWith("allowedIps") || k.startsWith("scopes")) {
            setAccessError(msgs[0]);
            placed = true;
            continue;
          }
          if (k.startsWith("rateLimit") || k.startsWith("quota")) {
            setLimitsError(msgs[0]);
            placed = true;
            continue;
          }
          const target = k === "name" ? "name" : k === "expiresAt" ? (values.expiration === "custom" ? "customDate" : "expiration") : null;
          if (target) {
            setError(target, { message: msgs[0] });
            placed = true;
          }
        }
        if (!placed) toast.error(err.message);
      } else {
        toast.error(err instanceof Error ? err.message : "Could not create the key.");
      }
    } finally {
      inFlight.current = false;
      setPending(false);
    }
  };

  const onSubmit = (e: React.FormEvent<HTMLFormElement>) => {
    // A double click makes one key: the second submit arrives before React re-renders the disabled button.
    if (inFlight.current) return e.preventDefault();
    return handleSubmit(create)(e);
  };

  const preview = now ? expiryFromChoice(expiration, customDate, new Date(now)) : null;
  const today = now ? localDateString(new Date(now)) : undefined;
  const maxDate = now && policy.maxKeyLifetimeDays !== null ? localDateString(new Date(now + policy.maxKeyLifetimeDays * 86_400_000)) : undefined;
  const errors = formState.errors;

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Create API key">
      <fieldset disabled={pending} className="grid gap-4 sm:grid-cols-2">
        <div>
          <label htmlFor="key-name" className="block text-sm font-medium text-slate-700">
            Name <span className="font-normal text-slate-500">(optional)</span>
          </label>
          <input
            id="key-name"
            {...register("name")}
            maxLength={NAME_MAX + 20}
            placeholder="e.g. Billing sync (production)"
            className={`mt-1 ${field}`}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={errors.name ? "key-name-error" : "key-name-hint"}
          />
          {errors.name ? (
            <p id="key-name-error" className="mt-1 text-sm text-red-600">{errors.name.message}</p>
          ) : (
            <p id="key-name-hint" className="mt-1 text-xs text-slate-500">Up to {NAME_MAX} characters, to tell your keys apart.</p>
          )}
        </div>
        <div>
          <label htmlFor="key-expiration" className="block text-sm font-medium text-slate-700">Expiration</label>
          <select
            id="key-expiration"
            {...register("expiration")}
            className={`mt-1 ${field} pr-8`}
            aria-invalid={errors.expiration ? true : undefined}
            aria-describedby="key-expiry-preview"
          >
            {EXPIRY_PRESETS.map((p) => (
              <option key={p.value} value={p.value} disabled={!allowed.has(p.value)}>
                {p.label}
                {!allowed.has(p.value) ? " (not allowed by policy)" : ""}
              </option>
            ))}
            <option value="custom">Custom date…</option>
            <option value="never" disabled={!allowed.has("never")}>
              No expiration{!allowed.has("never") ? " (not allowed by policy)" : ""}
            </option>
          </select>
          {expiration === "custom" && (
            <div className="mt-2">
              <label htmlFor="key-custom-date" className="sr-only">Expiry date</label>
              <input
                id="key-custom-date"
                type="date"
                min={today}
                max={maxDate}
                {...register("customDate")}
                className={field}
                aria-invalid={errors.customDate ? true : undefined}
                aria-describedby={errors.customDate ? "key-date-error" : undefined}
              />
              {errors.customDate && <p id="key-date-error" className="mt-1 text-sm text-red-600">{errors.customDate.message}</p>}
            </div>
          )}
          {errors.expiration && <p className="mt-1 text-sm text-red-600">{errors.expiration.message}</p>}
          <p id="key-expiry-preview" className="mt-1 text-xs text-slate-600" data-testid="expiry-preview">
            <ClientOnly>
              {expiration === "never" ? "This key never expires." : preview ? `Expires on ${formatDate(preview)}` : "Pick a date."}
            </ClientOnly>
          </p>
          {(policy.keysMustExpire || policy.maxKeyLifetimeDays !== null) && (
            <p className="mt-1 text-xs text-slate-500" data-testid="policy-note">
              {policy.keysMustExpire ? "This Client requires every key to expire." : ""}
              {policy.maxKeyLifetimeDays !== null ? ` Keys may live at most ${policy.maxKeyLifetimeDays} days.` : ""}
            </p>
          )}
        </div>
        <div className="sm:col-span-2">
          <AccessFields
            value={access}
            onChange={(v) => {
              setAccess(v);
              setAccessError(undefined);
            }}
            grantable={grantable}
            ipServerError={accessError}
          />
        </div>
        <div className="sm:col-span-2">
          <LimitFields
            value={limits}
            onChange={(v) => {
              setLimits(v);
              setLimitsError(undefined);
            }}
            error={limitsError}
          />
        </div>
        {expiration === "never" && (
          <div role="note" className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800 ring-1 ring-inset ring-amber-200 sm:col-span-2">
            <strong className="font-semibold">A key that never expires is a risk.</strong> If it leaks, it works until someone notices and
            revokes it. Prefer an expiry and rotate before it arrives.
          </div>
        )}
        <div className="sm:col-span-2">
          <Button type="submit" pending={pending}>
            {pending ? "Creating…" : "Create key"}
          </Button>
        </div>
      </fieldset>
    </form>
  );
}
