"use client";
// The Webhooks page: add an endpoint (URL, events as checkboxes; the API's own
// schema validates the form), its signing secret once in the one-time dialog,
// and for each endpoint its delivery log (refreshed while something is
// pending) with Retry, Send test event, Rotate secret, Disable/Enable, Delete.
import { zodResolver } from "@hookform/resolvers/zod";
import { useCallback, useEffect, useState } from "react";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { ProblemError } from "@/components/api-keys/api";
import { useApi } from "@/components/ui/active-client";
import { Button } from "@/components/ui/button";
import { ClientOnly } from "@/components/ui/client-only";
import { formatDateTime } from "@/components/ui/dates";
import { fieldClass } from "@/components/ui/field";
import { OneTimeSecretDialog } from "@/components/ui/one-time-secret-dialog";
import { WEBHOOK_EVENT_LABELS, WEBHOOK_EVENT_TYPES, type WebhookEventType } from "@/lib/webhooks/event-types";
import {
  createWebhookEndpointSchema,
  type CreatedWebhookEndpointView,
  type CreateWebhookEndpointData,
  type RotatedWebhookSecretView,
  type WebhookDeliveryView,
  type WebhookEndpointView,
} from "@/lib/webhooks/schemas";

type FormInput = { url: string; description?: string | null; events: WebhookEventType[] };
type Shown = { secret: string; url: string; rotatedUntil: string | null };

const GROUPS: { label: string; prefix: string }[] = [
  { label: "API keys", prefix: "apiKey." },
  { label: "Members and invitations", prefix: "member.|invitation." },
  { label: "Key requests", prefix: "keyRequest." },
];

const DISABLED: Record<string, string> = { manual: "Disabled", gone: "Disabled: the receiver answered 410 Gone", failing: "Disabled: failing for 5 days" };

const STATUS: Record<WebhookDeliveryView["status"], string> = {
  Pending: "bg-blue-50 text-blue-800 ring-blue-200",
  Delivered: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  Failed: "bg-red-50 text-red-800 ring-red-200",
};

const message = (err: unknown, fallback: string) => (err instanceof Error ? err.message : fallback);

export function WebhooksManager({ initial }: { initial: WebhookEndpointView[] }) {
  const api = useApi();
  const [endpoints, setEndpoints] = useState(initial);
  const [shown, setShown] = useState<Shown | null>(null);
  const { register, handleSubmit, setError, reset, formState } = useForm<FormInput, unknown, CreateWebhookEndpointData>({
    resolver: zodResolver(createWebhookEndpointSchema),
    defaultValues: { url: "", description: "", events: ["apiKey.revoked", "apiKey.leaked", "apiKey.expiring", "apiKey.expired"] },
  });

  const put = (v: WebhookEndpointView) => setEndpoints((prev) => (prev.some((e) => e.id === v.id) ? prev.map((e) => (e.id === v.id ? v : e)) : [v, ...prev]));

  const add = handleSubmit(async (values) => {
    try {
      const { secret, ...endpoint } = await api<CreatedWebhookEndpointView>("/api/webhook-endpoints", { body: values });
      put(endpoint);
      setShown({ secret, url: endpoint.url, rotatedUntil: null });
      reset({ url: "", description: "", events: values.events });
    } catch (err) {
      if (err instanceof ProblemError && err.errors) {
        for (const f of ["url", "events", "description"] as const) if (err.errors[f]) setError(f, { message: err.errors[f][0] });
        if (!["url", "events", "description"].some((f) => err.errors?.[f])) toast.error(err.message);
      } else toast.error(message(err, "Could not add the endpoint."));
    }
  });

  const urlError = formState.errors.url?.message;
  const eventsError = formState.errors.events?.message ?? formState.errors.events?.root?.message;
  return (
    <>
      <section aria-labelledby="add-webhook-heading" className="rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200">
        <h2 id="add-webhook-heading" className="text-base font-semibold text-slate-900">Add an endpoint</h2>
        <p className="mt-1 text-sm text-slate-600">An https URL on the internet (never a private or internal address). Its signing secret is shown once.</p>
        <form onSubmit={add} noValidate className="mt-4 space-y-4">
          <div className="grid gap-4 sm:grid-cols-2">
            <div className="min-w-0">
              <label htmlFor="webhook-url" className="block text-sm font-medium text-slate-900">URL</label>
              <input
                id="webhook-url"
                type="url"
                autoComplete="off"
                placeholder="https://hooks.example.com/dolfin"
                {...register("url")}
                className={`mt-1 w-full ${fieldClass}`}
                aria-invalid={urlError ? true : undefined}
                aria-describedby={urlError ? "webhook-url-error" : undefined}
              />
              {urlError && <p id="webhook-url-error" className="mt-1 text-sm text-red-600">{urlError}</p>}
            </div>
            <div className="min-w-0">
              <label htmlFor="webhook-description" className="block text-sm font-medium text-slate-900">Description <span className="font-normal text-slate-500">(optional)</span></label>
              <input id="webhook-description" type="text" autoComplete="off" placeholder="SIEM" {...register("description")} className={`mt-1 w-full ${fieldClass}`} />
            </div>
          </div>
          <fieldset aria-describedby={eventsError ? "webhook-events-error" : undefined}>
            <legend className="text-sm font-medium text-slate-900">Events</legend>
            <div className="mt-2 grid gap-4 sm:grid-cols-3">
              {GROUPS.map((g) => (
                <div key={g.label}>
                  <p className="text-xs font-semibold uppercase tracking-wide text-slate-500">{g.label}</p>
                  <ul className="mt-1 space-y-1">
                    {WEBHOOK_EVENT_TYPES.filter((t) => g.prefix.split("|").some((p) => t.startsWith(p))).map((t) => (
                      <li key={t}>
                        <label className="flex items-start gap-2 text-sm text-slate-700" title={WEBHOOK_EVENT_LABELS[t]}>
                          <input type="checkbox" value={t} {...register("events")} className="mt-0.5 h-4 w-4 rounded border-slate-300 text-brand-600" />
                          <span className="font-mono text-xs leading-5">{t}</span>
                        </label>
                      </li>
                    ))}
                  </ul>
                </div>
              ))}
            </div>
            {eventsError && <p id="webhook-events-error" className="mt-1 text-sm text-red-600">{eventsError}</p>}
          </fieldset>
          <Button type="submit" pending={formState.isSubmitting}>
            Add endpoint
          </Button>
        </form>
      </section>

      <section aria-labelledby="endpoints-heading" className="space-y-4">
        <h2 id="endpoints-heading" className="text-base font-semibold text-slate-900">Endpoints</h2>
        {endpoints.length === 0 ? (
          <p className="text-sm text-slate-600">No endpoints yet.</p>
        ) : (
          <ul className="space-y-4" data-testid="webhook-endpoints">
            {endpoints.map((e) => (
              <Endpoint
                key={e.id}
                endpoint={e}
                onChange={put}
                onRemoved={() => setEndpoints((prev) => prev.filter((x) => x.id !== e.id))}
                onSecret={(s) => setShown({ ...s, url: e.url })}
              />
            ))}
          </ul>
        )}
      </section>

      <OneTimeSecretDialog
        key={shown?.secret ?? "none"}
        secret={shown?.secret ?? null}
        onDone={() => setShown(null)}
        text={{
          title: shown?.rotatedUntil ? "New signing secret" : "Endpoint added",
          description: `Events to ${shown?.url ?? ""} are signed with this secret.`,
          warning: (
            <>
              <strong>This secret will not be shown again.</strong>{" "}
              {shown?.rotatedUntil ? (
                <>The old secret keeps signing beside it until <ClientOnly fallback="…">{formatDateTime(shown.rotatedUntil)}</ClientOnly>: update your receiver before then.</>
              ) : (
                "Store it in your receiver's configuration; rotate it to get a new one."
              )}
            </>
          ),
          label: "Signing secret",
          hint: "Verify each delivery with it: the standardwebhooks package (or Svix's libraries) checks the webhook-signature header.",
          noun: "secret",
          testId: "webhook-secret",
        }}
      />
    </>
  );
}

function Endpoint({
  endpoint: e,
  onChange,
  onRemoved,
  onSecret,
}: {
  endpoint: WebhookEndpointView;
  onChange: (v: WebhookEndpointView) => void;
  onRemoved: () => void;
  onSecret: (s: { secret: string; rotatedUntil: string }) => void;
}) {
  const api = useApi();
  const [busy, setBusy] = useState<string | null>(null);
  const [deliveries, setDeliveries] = useState<WebhookDeliveryView[] | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const fetchDeliveries = useCallback(
    () =>
      api<{ data: WebhookDeliveryView[] }>(`/api/webhook-endpoints/${e.id}/deliveries?Limit=20`).then(
        (r) => r.data,
        (err) => {
          toast.error(message(err, "Could not load the deliveries."));
          return null;
        },
      ),
    [api, e.id],
  );
  const load = useCallback(async () => {
    const d = await fetchDeliveries();
    if (d) setDeliveries(d);
  }, [fetchDeliveries]);

  useEffect(() => {
    let live = true;
    void fetchDeliveries().then((d) => live && d && setDeliveries(d));
    return () => {
      live = false;
    };
  }, [fetchDeliveries]);
  // While something waits to be sent, look again every 2 seconds.
  const pending = deliveries?.some((d) => d.status === "Pending") ?? false;
  useEffect(() => {
    if (!pending) return;
    const t = setInterval(() => void load(), 2000);
    return () => clearInterval(t);
  }, [pending, load]);

  const act = async (what: string, work: () => Promise<void>, failure: string) => {
    setBusy(what);
    try {
      await work();
    } catch (err) {
      toast.error(message(err, failure));
    } finally {
      setBusy(null);
    }
  };

  const test = () =>
    act("test", async () => {
      await api(`/api/webhook-endpoints/${e.id}/test`, { method: "POST" });
      toast.success("Test event queued.");
      await load();
    }, "Could not send a test event.");
  const rotate = () =>
    act("rotate", async () => {
      const r = await api<RotatedWebhookSecretView>(`/api/webhook-endpoints/${e.id}/rotate-secret`, { method: "POST" });
      onSecret({ secret: r.secret, rotatedUntil: r.previousSecretExpiresAt });
      onChange({ ...e, previousSecretExpiresAt: r.previousSecretExpiresAt });
    }, "Could not rotate the secret.");
  const toggle = () =>
    act("toggle", async () => {
      onChange(await api<WebhookEndpointView>(`/api/webhook-endpoints/${e.id}`, { method: "PATCH", body: { enabled: !e.enabled } }));
    }, "Could not change the endpoint.");
  const remove = () =>
    act("delete", async () => {
      await api(`/api/webhook-endpoints/${e.id}`, { method: "DELETE" });
      toast.success("Endpoint deleted.");
      onRemoved();
    }, "Could not delete the endpoint.");
  const retry = (d: WebhookDeliveryView) =>
    act(`retry-${d.id}`, async () => {
      await api(`/api/webhook-endpoints/${e.id}/deliveries/${d.id}/retry`, { method: "POST" });
      await load();
    }, "Could not retry the delivery.");

  const headingId = `endpoint-${e.id}`;
  return (
    <li className="rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200" data-testid="webhook-endpoint" aria-labelledby={headingId}>
      <div className="flex flex-wrap items-start gap-x-3 gap-y-2">
        <div className="min-w-0 flex-1">
          <h3 id={headingId} className="break-all font-mono text-sm font-medium text-slate-900">{e.url}</h3>
          <p className="mt-1 text-xs text-slate-500">
            {e.description ? `${e.description} · ` : ""}
            {e.events.length} {e.events.length === 1 ? "event" : "events"}: {e.events.join(", ")}
          </p>
          {e.previousSecretExpiresAt && (
            <p className="mt-1 text-xs text-slate-500">
              The previous secret also signs until <ClientOnly fallback="…">{formatDateTime(e.previousSecretExpiresAt)}</ClientOnly>.
            </p>
          )}
        </div>
        <span
          className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${e.enabled ? "bg-emerald-50 text-emerald-800 ring-emerald-200" : "bg-slate-100 text-slate-700 ring-slate-200"}`}
          data-testid="webhook-status"
        >
          {e.enabled ? "Enabled" : (DISABLED[e.disabledReason ?? "manual"] ?? "Disabled")}
        </span>
      </div>
      <div className="mt-3 flex flex-wrap gap-2">
        <Button type="button" size="sm" variant="secondary" pending={busy === "test"} disabled={!e.enabled || busy !== null} onClick={test}>
          Send test event
        </Button>
        <Button type="button" size="sm" variant="secondary" pending={busy === "rotate"} disabled={busy !== null} onClick={rotate}>
          Rotate secret
        </Button>
        <Button type="button" size="sm" variant="secondary" pending={busy === "toggle"} disabled={busy !== null} onClick={toggle}>
          {e.enabled ? "Disable" : "Enable"}
        </Button>
        {confirmDelete ? (
          <>
            <Button type="button" size="sm" variant="danger" pending={busy === "delete"} disabled={busy !== null} onClick={remove}>
              Delete for good
            </Button>
            <Button type="button" size="sm" variant="ghost" onClick={() => setConfirmDelete(false)}>
              Cancel
            </Button>
          </>
        ) : (
          <Button type="button" size="sm" variant="ghost" disabled={busy !== null} onClick={() => setConfirmDelete(true)}>
            Delete
          </Button>
        )}
      </div>

      <div className="mt-4">
        <div className="flex items-center justify-between gap-2">
          <h4 className="text-sm font-semibold text-slate-900">Deliveries</h4>
          <Button type="button" size="sm" variant="ghost" onClick={() => void load()} aria-label={`Refresh the deliveries of ${e.url}`}>
            Refresh
          </Button>
        </div>
        {deliveries === null ? (
          <p className="mt-2 text-sm text-slate-500">Loading…</p>
        ) : deliveries.length === 0 ? (
          <p className="mt-2 text-sm text-slate-500">Nothing sent yet. Send a test event to try it.</p>
        ) : (
          <div className="relative mt-2 overflow-x-auto">
            <table className="w-full min-w-[36rem] text-left text-sm" data-testid="webhook-deliveries">
              <caption className="sr-only">Deliveries to {e.url}, newest first</caption>
              <thead className="text-xs text-slate-500">
                <tr>
                  <th scope="col" className="py-1 pr-3 font-medium">Event</th>
                  <th scope="col" className="py-1 pr-3 font-medium">Status</th>
                  <th scope="col" className="py-1 pr-3 font-medium">Attempts</th>
                  <th scope="col" className="py-1 pr-3 font-medium">Last answer</th>
                  <th scope="col" className="py-1 pr-3 font-medium">Next attempt</th>
                  <th scope="col" className="py-1 font-medium"><span className="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {deliveries.map((d) => (
                  <tr key={d.id} data-testid="webhook-delivery">
                    <td className="py-2 pr-3 font-mono text-xs">{d.eventType}</td>
                    <td className="py-2 pr-3">
                      <span className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STATUS[d.status]}`}>{d.status}</span>
                    </td>
                    <td className="py-2 pr-3 tabular-nums" title={d.log.map((a) => `${a.at}: ${a.statusCode ?? a.error ?? "no answer"}`).join("\n")}>{d.attempts}</td>
                    <td className="py-2 pr-3 text-xs text-slate-600">
                      {d.lastAttemptAt ? (
                        <>
                          {d.lastStatusCode ?? d.log[0]?.error ?? "no answer"} · <ClientOnly fallback="…">{formatDateTime(d.lastAttemptAt)}</ClientOnly>
                        </>
                      ) : (
                        "–"
                      )}
                    </td>
                    <td className="py-2 pr-3 text-xs text-slate-600">{d.nextAttemptAt ? <ClientOnly fallback="…">{formatDateTime(d.nextAttemptAt)}</ClientOnly> : "–"}</td>
                    <td className="py-2 text-right">
                      <Button
                        type="button"
                        size="sm"
                        variant="ghost"
                        pending={busy === `retry-${d.id}`}
                        disabled={!e.enabled || busy !== null}
                        onClick={() => retry(d)}
                        aria-label={`Retry the ${d.eventType} delivery`}
                      >
                        Retry
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </li>
  );
}
