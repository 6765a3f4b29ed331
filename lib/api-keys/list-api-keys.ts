import "server-only";
import { db } from "@/lib/db/client";
import { after, isUuid, NEWEST_FIRST, page, resolveCursor } from "@/lib/http/keyset";
import { Problems } from "@/lib/http/problem";
import type { Prisma } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";
import { apiKeyPageSchema, type ApiKeyListFilter, type ApiKeyListQuery } from "./schemas";
import { keyActivity } from "./usage-report";
import { apiKeyViewSelect, toApiKeyView } from "./view";

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
export async function listApiKeys(clientId: string, q: Pick<ApiKeyListQuery, "Cursor" | "Limit" | "Status">, opts: { forApiKey?: boolean } = {}) {
  const from = await resolveCursor(q.Cursor, (id) => db().apiKey.findFirst({ where: { id, clientId }, select: { id: true, createdAt: true } }));
  const where = { clientId, ...(q.Status ? statusWhere(q.Status, new Date()) : {}), ...after(from) };
  const rows = await db().apiKey.findMany({ where, orderBy: NEWEST_FIRST, take: q.Limit + 1, select: apiKeyViewSelect });
  const activity = await keyActivity(clientId, rows.map((r) => r.id));
  return apiKeyPageSchema.parse(page(rows, q.Limit, (r) => toApiKeyView(r, activity.get(r.id)!, opts)));
}

export async function getApiKey(clientId: string, id: string, opts: { forApiKey?: boolean } = {}) {
  const row = isUuid(id) ? await db().apiKey.findFirst({ where: { id, clientId }, select: apiKeyViewSelect }) : null;
  if (!row) throw Problems.notFound("ApiKey.NotFound", "API key");
  return toApiKeyView(row, (await keyActivity(clientId, [row.id])).get(row.id)!, opts);
}
