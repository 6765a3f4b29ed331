import type { Metadata } from "next";
import { WebhooksManager } from "@/components/webhooks/webhooks-manager";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { listWebhookEndpoints } from "@/lib/webhooks/endpoints";
import { NoClient } from "../no-client";

export const metadata: Metadata = { title: "Webhooks" };

export default async function WebhooksPage() {
  const user = await requireUser("/settings/webhooks");
  if ("noClient" in user) return <NoClient />;
  const allowed = can(user.role, "webhooks:manage");
  const page = allowed ? await listWebhookEndpoints(user, { Limit: 100 }) : null;
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Webhooks</h1>
        <p className="mt-1 max-w-2xl text-sm text-slate-600">
          Your systems (a secrets manager, a SIEM, an on-call tool) hear about this Client&apos;s keys, people and invitations as they happen. Each event is
          POSTed as JSON and signed per <a className="font-medium text-brand-700 underline" href="https://www.standardwebhooks.com/">Standard Webhooks</a>; see the{" "}
          <a className="font-medium text-brand-700 underline" href="/docs/api#tag-Webhooks">API reference</a> to verify it.
        </p>
      </div>
      {page ? (
        <WebhooksManager key={user.clientId} initial={page.data} />
      ) : (
        <p className="rounded-md bg-slate-50 px-4 py-3 text-sm text-slate-700 ring-1 ring-inset ring-slate-200">Only Owners and Admins manage webhooks.</p>
      )}
    </div>
  );
}
