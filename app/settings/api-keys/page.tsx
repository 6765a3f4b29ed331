import type { Metadata } from "next";
import Link from "next/link";
import { ApiKeysManager } from "@/components/api-keys/api-keys-manager";
import { listApiKeys } from "@/lib/api-keys/list-api-keys";
import { can, roleScopes } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { getKeyPolicy } from "@/lib/clients/key-policy";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { NoClient } from "../no-client";

export const metadata: Metadata = { title: "API keys" };

export default async function ApiKeysPage() {
  const user = await requireUser("/settings/api-keys");
  if ("noClient" in user) return <NoClient />;
  const [page, expiring, client, policy] = await Promise.all([
    listApiKeys(user.clientId, { Limit: 20 }),
    listApiKeys(user.clientId, { Limit: 10, Status: "expiring" }),
    db().client.findUniqueOrThrow({ where: { id: user.clientId }, select: { name: true } }),
    getKeyPolicy(user.clientId),
  ]);
  return (
    <div>
      <div className="mb-6">
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">API keys</h1>
        <p className="mt-1 max-w-2xl text-sm text-slate-600">
          Keys let your integrations call the Dolfin API as <strong>{client.name}</strong>. Send one in the{" "}
          <code className="whitespace-nowrap rounded bg-slate-100 px-1 font-mono text-xs">x-dolfin-api-key</code> header.{" "}
          <Link href="/docs/api" className="font-medium text-brand-700 underline-offset-2 hover:underline">
            API reference
          </Link>
        </p>
      </div>
      <ApiKeysManager
        key={user.clientId}
        initial={page}
        canManage={can(user.role, "apiKeys:write")}
        canSeeHistory={can(user.role, "audit:read")}
        grantable={roleScopes(user.role)}
        policy={{
          keysMustExpire: policy.keysMustExpire,
          maxKeyLifetimeDays: policy.maxKeyLifetimeDays,
          keyApproval: policy.keyApproval,
        }}
        me={user.userId}
        usage={{ active: policy.activeKeys, max: policy.maxActiveKeys }}
        clientName={client.name}
        expiring={expiring.data}
        soonDays={env().EXPIRING_SOON_DAYS}
      />
    </div>
  );
}
