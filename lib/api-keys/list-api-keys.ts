import "server-only";
import { db } from "@/lib/db/client";
import { after, isUuid, NEWEST_FIRST, page, resolveCursor } from "@/lib/http/keyset";
import { Problems } from "@/lib/http/problem";
import { apiKeyPageSchema } from "./schemas";
import { apiKeyViewSelect, toApiKeyView } from "./view";

/** The Client's keys, newest first, keyset-paginated. */
export async function listApiKeys(clientId: string, q: { Cursor?: string; Limit: number }) {
  const from = await resolveCursor(q.Cursor, (id) => db().apiKey.findFirst({ where: { id, clientId }, select: { id: true, createdAt: true } }));
  const rows = await db().apiKey.findMany({ where: { clientId, ...after(from) }, orderBy: NEWEST_FIRST, take: q.Limit + 1, select: apiKeyViewSelect });
  return apiKeyPageSchema.parse(page(rows, q.Limit, toApiKeyView));
}

export async function getApiKey(clientId: string, id: string) {
  const row = isUuid(id) ? await db().apiKey.findFirst({ where: { id, clientId }, select: apiKeyViewSelect }) : null;
  if (!row) throw Problems.notFound("ApiKey.NotFound", "API key");
  return toApiKeyView(row);
}
