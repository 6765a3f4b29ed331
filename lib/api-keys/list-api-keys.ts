import "server-only";
import { db } from "@/lib/db/client";
import { after, isUuid, NEWEST_FIRST, page, resolveCursor } from "@/lib/http/keyset";
import { Problems } from "@/lib/http/problem";
import type { Prisma } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";
import { apiKeyPageSchema, type ApiKeyListFilter, type ApiKeyListQuery } from "./schemas";
import { recentUsage } from "./usage-report";
import { apiKeyViewSelect, toApiKeyView, type Refusals } from "./view";

/** How many times each key was refused in the last 30 days, for its allowlist and for a scope (one grouped query per page). */
async function refusalsOf(clientId: string, ids: string[]): Promise<Map<string, Refusals>> {
  const out = new Map<string, Refusals>();
  if (ids.length === 0) return out;
  const rows = await db().authFailureCount.groupBy({
    by: ["subject", "reason"],
    where: { clientId, subject: { in: ids }, reason: { in: ["ip", "scope"] }, bucket: { gte: new Date(Date.now() - 30 * 86_400_000) } },
    _sum: { count: true },
  });
  for (const r of rows) {
    const e = out.get(r.subject) ?? { ip: 0, scope: 0 };
    e[r.reason as keyof Refusals] = r._sum.count ?? 0;
    out.set(r.subject, e);
  }
  return out;
}

/** The same rule as the `status` each key is shown with (view.ts statusOf); "expiring" is active and due soon. */
function statusWhere(status: ApiKeyListFilter, now: Date): Prisma.ApiKeyWhereInput {
  switch (status) {
    case "expiring":
      // Not replaced by a rotation: a key in its grace period is meant to go.
      return { revokedAt: null, rotatedTo: { is: null }, expiresAt: { gt: now, lte: new Date(now.getTime() + env().EXPIRING_SOON_DAYS * 86_400_000) } };
    case "active":
      return { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
    case "expired":
      return { revokedAt: null, expiresAt: { lte: now } };
    case "revoked":
      return { revokedAt: { not: null } };
  }
}

/** The Client's keys (all, or those of one status), newest first, keyset-paginated. */
export async function listApiKeys(clientId: string, q: Pick<ApiKeyListQuery, "Cursor" | "Limit" | "Status">) {
  const from = await resolveCursor(q.Cursor, (id) => db().apiKey.findFirst({ where: { id, clientId }, select: { id: true, createdAt: true } }));
  const where = { clientId, ...(q.Status ? statusWhere(q.Status, new Date()) : {}), ...after(from) };
  const rows = await db().apiKey.findMany({ where, orderBy: NEWEST_FIRST, take: q.Limit + 1, select: apiKeyViewSelect });
  const ids = rows.map((r) => r.id);
  const [refusals, usage] = await Promise.all([refusalsOf(clientId, ids), recentUsage(clientId, ids)]);
  return apiKeyPageSchema.parse(page(rows, q.Limit, (r) => toApiKeyView(r, refusals.get(r.id), usage.get(r.id))));
}

export async function getApiKey(clientId: string, id: string) {
  const row = isUuid(id) ? await db().apiKey.findFirst({ where: { id, clientId }, select: apiKeyViewSelect }) : null;
  if (!row) throw Problems.notFound("ApiKey.NotFound", "API key");
  const [refusals, usage] = await Promise.all([refusalsOf(clientId, [row.id]), recentUsage(clientId, [row.id])]);
  return toApiKeyView(row, refusals.get(row.id), usage.get(row.id));
}
