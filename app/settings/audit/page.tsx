import type { Metadata } from "next";
import Link from "next/link";
import { AuditLog } from "@/components/audit/audit-log";
import { authFailureSummary, listAuditEvents } from "@/lib/audit/list-audit-events";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { isUuid } from "@/lib/http/keyset";
import { NoClient } from "../no-client";

export const metadata: Metadata = { title: "Audit log" };

const REASONS = { expired: "expired", revoked: "revoked", ip: "outside its IP allowlist", scope: "lacked a permission" } as const;

export default async function AuditPage({ searchParams }: { searchParams: Promise<{ key?: string | string[] }> }) {
  const { key } = await searchParams;
  const keyId = typeof key === "string" && isUuid(key) ? key : undefined;
  const user = await requireUser(keyId ? `/settings/audit?key=${keyId}` : "/settings/audit");
  if ("noClient" in user) return <NoClient />;
  if (!can(user.role, "audit:read")) {
    return <p className="rounded-lg bg-white p-6 text-sm text-slate-700 shadow-sm ring-1 ring-slate-200">Only Admins and Owners can see the audit log.</p>;
  }
  // One key's history: only a key of this Client (anything else shows the whole log).
  const target = keyId ? await db().apiKey.findFirst({ where: { id: keyId, clientId: user.clientId }, select: { id: true, name: true, keyPrefix: true } }) : null;
  const [page, failures] = await Promise.all([listAuditEvents(user.clientId, { Limit: 50, TargetId: target?.id }), authFailureSummary(user.clientId)]);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Audit log</h1>
        {target ? (
          <p className="mt-1 text-sm text-slate-600" data-testid="audit-filter">
            History of <strong>{target.name ?? "an unnamed key"}</strong> (<code className="font-mono text-xs">{target.keyPrefix}…</code>), newest first.{" "}
            <Link href="/settings/audit" className="font-medium text-brand-700 underline-offset-2 hover:underline">
              Show every event
            </Link>
          </p>
        ) : (
          <p className="mt-1 text-sm text-slate-600">Every change to this Client’s keys, key policy and members, newest first.</p>
        )}
      </div>
      {!target && failures.total > 0 && (
        <section aria-labelledby="failures-heading" className="rounded-lg bg-amber-50 p-4 text-sm text-amber-900 ring-1 ring-inset ring-amber-200" data-testid="auth-failures">
          <h2 id="failures-heading" className="font-semibold">
            {failures.total} refused {failures.total === 1 ? "request" : "requests"} with this Client&apos;s keys in the last 24 hours
          </h2>
          <ul className="mt-2 space-y-1">
            {failures.byKey.slice(0, 5).map((f) => (
              <li key={`${f.apiKeyId}|${f.reason}`}>
                <code className="font-mono text-xs">{f.keyPrefix ?? f.apiKeyId}…</code> ({REASONS[f.reason]}): {f.count} {f.count === 1 ? "attempt" : "attempts"}{f.lastIp ? `, last from ${f.lastIp}` : ""}
              </li>
            ))}
          </ul>
          <p className="mt-2 text-xs">Something still uses these keys, from where or for what they are not meant: find it, and give it a live key or the access it needs.</p>
        </section>
      )}
      <AuditLog key={target?.id ?? "all"} initial={page} targetId={target?.id} />
    </div>
  );
}
