import type { Metadata } from "next";
import { PolicyForm } from "@/components/policy/policy-form";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { getKeyPolicy } from "@/lib/clients/key-policy";
import { NoClient } from "../no-client";

export const metadata: Metadata = { title: "Key policy" };

export default async function PolicyPage() {
  const user = await requireUser("/settings/policy");
  if ("noClient" in user) return <NoClient />;
  const policy = await getKeyPolicy(user.clientId);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Key policy</h1>
        <p className="mt-1 text-sm text-slate-600">Rules every new API key of this Client must follow, and whether its people need a second factor.</p>
      </div>
      <PolicyForm key={user.clientId} initial={policy} canEdit={can(user.role, "policy:write")} />
    </div>
  );
}
