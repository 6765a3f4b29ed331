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
import { AccessFields, accessRequest, initialAccess, scopesOf, type AccessValue } from "./access-fields";
import { initialLimits, LimitFields, limitsRequest, type LimitValue } from "./limit-fields";
import { ProblemError } from "./api";
import { useApi } from "@/components/ui/active-client";
import { needsApproval, REASON_MAX, type KeyApprovalPolicy, type KeyRequestView } from "@/lib/key-requests/schemas";

export type KeyPolicy = { keysMustExpire: boolean; maxKeyLifetimeDays: number | null; keyApproval?: KeyApprovalPolicy };

const APPROVAL_RULE: Record<Exclude<KeyApprovalPolicy, "none">, string> = {
  fullAccess: "keys with full access",
  write: "keys with full access or any write permission",
};

const field = `${fieldClass} w-full`;

export function CreateKeyForm({
  policy,
  grantable,
  onCreated,
  onRequested,
}: {
  policy: KeyPolicy;
  /** The most this person may grant (null: every scope). */
  grantable: readonly string[] | null;
  onCreated: (key: CreateApiKeyResponse) => void;
  /** A key the Client's approval rule covers was asked for instead of made. */
  onRequested?: (request: KeyRequestView) => void;
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
  // The approval rule as last known: the page's, or the server's when a create was refused for it (changed meanwhile).
  const [approval, setApproval] = useState<KeyApprovalPolicy>(policy.keyApproval ?? "none");
  const [reason, setReason] = useState("");
  const [reasonError, setReasonError] = useState<string | undefined>(undefined);
  const covered = needsApproval(approval, scopesOf(access));
  const [limits, setLimits] = useState<LimitValue>(() => initialLimits());
  const [limitsError, setLimitsError] = useState<string | undefined>(undefined);

  const now = useNow();

  const create = async (values: CreateKeyFormValues) => {
    const asked = accessRequest(access);
    if ("error" in asked) return setAccessError(asked.error);
    setAccessError(undefined);
    const asking = needsApproval(approval, asked.scopes);
    if (asking) {
      const why = reason.trim();
      if (!why) return setReasonError("Say why you need this key: the approver reads it.");
      if (why.length > REASON_MAX) return setReasonError(`At most ${REASON_MAX} characters.`);
    }
    setReasonError(undefined);
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
      const wire = { name: body.name, expiresAt: body.expiresAt?.toISOString() ?? null, scopes: body.scopes, allowedIps: body.allowedIps, rateLimit: body.rateLimit, quota: body.quota };
      if (asking) {
        const request = await api<KeyRequestView>("/api/key-requests", { body: { ...wire, reason: reason.trim() } });
        reset({ name: "", expiration: defaultChoice, customDate: "" });
        setAccess(fresh());
        setLimits(initialLimits());
        setReason("");
        toast.success("Request sent. You can create the key once another Owner or Admin approves it.");
        onRequested?.(request);
        return;
      }
      const created = await api<CreateApiKeyResponse>("/api/api-keys", { body: wire });
      reset({ name: "", expiration: defaultChoice, customDate: "" });
      setAccess(fresh());
      setLimits(initialLimits());
      onCreated(created);
    } catch (err) {
      if (err instanceof ProblemError && err.code === "ApiKey.ApprovalRequired") {
        // The policy changed since the page loaded: learn the rule, and the form turns into a request.
        const now = await api<{ keyApproval?: KeyApprovalPolicy }>("/api/key-policy").catch(() => null);
        setApproval(now?.keyApproval && now.keyApproval !== "none" ? now.keyApproval : approval === "none" ? "write" : approval);
        toast.error(`${err.message} Say why you need it and send a request instead.`);
      } else if (err instanceof ProblemError && err.errors) {
        let placed = false;
        for (const [k, msgs] of Object.entries(err.errors)) {
          if (k === "reason") {
            setReasonError(msgs[0]);
            placed = true;
            continue;
          }
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
        {covered && approval !== "none" && (
          <div className="space-y-3 rounded-md bg-brand-50 p-3 ring-1 ring-inset ring-brand-100 sm:col-span-2" data-testid="approval-needed">
            <p className="text-sm text-brand-900" id="approval-note">
              <strong className="font-semibold">This key needs approval.</strong> This Client requires another Owner or Admin to approve{" "}
              {APPROVAL_RULE[approval]}. Your request goes to them; once approved, you create the key yourself under Requests, within 24 hours.
            </p>
            <div>
              <label htmlFor="key-reason" className="block text-sm font-medium text-slate-700">
                Why do you need it?
              </label>
              <textarea
                id="key-reason"
                rows={3}
                value={reason}
                maxLength={REASON_MAX}
                onChange={(e) => {
                  setReason(e.target.value);
                  setReasonError(undefined);
                }}
                placeholder="e.g. The payments worker needs to create bank payments for the March payroll."
                className={`mt-1 ${field} bg-white`}
                aria-invalid={reasonError ? true : undefined}
                aria-describedby={reasonError ? "key-reason-error" : "key-reason-hint"}
              />
              {reasonError ? (
                <p id="key-reason-error" className="mt-1 text-sm text-red-600">{reasonError}</p>
              ) : (
                <p id="key-reason-hint" className="mt-1 text-xs text-slate-600">
                  The approver sees it with what the key may do. {reason.length}/{REASON_MAX}
                </p>
              )}
            </div>
          </div>
        )}
        <div className="sm:col-span-2">
          <Button type="submit" pending={pending} aria-describedby={covered ? "approval-note" : undefined}>
            {covered ? (pending ? "Sending…" : "Request key") : pending ? "Creating…" : "Create key"}
          </Button>
        </div>
      </fieldset>
    </form>
  );
}
