import "server-only";
import { db } from "@/lib/db/client";
import { Problems } from "@/lib/http/problem";
import { apiKeyPageSchema } from "./schemas";
import { apiKeyViewSelect, toApiKeyView } from "./view";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The Client's keys, newest first, keyset-paginated. The cursor is the id of the last key of the previous page. */
export async function listApiKeys(clientId: string, q: { Cursor?: string; Limit: number }) {
  let after: { createdAt: Date; id: string } | null = null;
  if (q.Cursor !== undefined) {
    const c = UUID.test(q.Cursor)
      ? await db().apiKey.findFirst({ where: { id: q.Cursor, clientId }, select: { id: true, createdAt: true } })
      : null;
    if (!c) throw Problems.invalid("Cursor is not one this list returned.", { Cursor: ["Unknown cursor: pass nextCursor from the previous page."] });
    after = c;
  }
  const rows = await db().apiKey.findMany({
    where: {
      clientId,
      ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: q.Limit + 1,
    select: apiKeyViewSelect,
  });
  const hasMore = rows.length > q.Limit;
  const page = rows.slice(0, q.Limit);
  return apiKeyPageSchema.parse({ data: page.map(toApiKeyView), nextCursor: hasMore ? page.at(-1)!.id : null, hasMore });
}

export async function getApiKey(clientId: string, id: string) {
  const row = UUID.test(id) ? await db().apiKey.findFirst({ where: { id, clientId }, select: apiKeyViewSelect }) : null;
  if (!row) throw Problems.notFound("ApiKey.NotFound", "API key");
  return toApiKeyView(row);
}

export function isUuid(s: string): boolean {
  return UUID.test(s);
}
