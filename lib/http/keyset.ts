import { Problems } from "./problem";

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return UUID.test(s);
}

export type Position = { createdAt: Date; id: string };

/**
 * List conventions: newest first by (createdAt, id), the cursor is the id of
 * the last row of the previous page. `find` must look the row up in the
 * caller's Client only, so another Client's id is "not a cursor of ours" (400).
 */
export async function resolveCursor(cursor: string | undefined, find: (id: string) => Promise<Position | null>): Promise<Position | null> {
  if (cursor === undefined) return null;
  const found = isUuid(cursor) ? await find(cursor) : null;
  if (!found) throw Problems.invalid("Cursor is not one this list returned.", { Cursor: ["Unknown cursor: pass nextCursor from the previous page."] });
  return found;
}

/** The `where` for rows after a position, newest first. */
export function after(p: Position | null) {
  return p ? { OR: [{ createdAt: { lt: p.createdAt } }, { createdAt: p.createdAt, id: { lt: p.id } }] } : {};
}

export const NEWEST_FIRST = [{ createdAt: "desc" as const }, { id: "desc" as const }];

/** Rows fetched with take: limit + 1 -> one page in the list shape. */
export function page<R extends { id: string }, T>(rows: R[], limit: number, map: (r: R) => T) {
  const hasMore = rows.length > limit;
  const data = rows.slice(0, limit);
  return { data: data.map(map), nextCursor: hasMore ? data.at(-1)!.id : null, hasMore };
}
