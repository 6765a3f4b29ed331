import "server-only";
// The Client row lock: every write that must not race within one Client (key
// writes against the cap, member changes against the last-Owner rule) takes it
// first, in the same order, so none of them deadlock.
import type { Tx } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { ApiError } from "@/lib/http/problem";
import type { KeyApprovalPolicy } from "@/lib/key-requests/schemas";

export type LockedClient = {
  id: string;
  type: "Live" | "Sandbox";
  keysMustExpire: boolean;
  maxKeyLifetimeDays: number | null;
  maxActiveKeys: number;
  keyApproval: KeyApprovalPolicy;
};

/**
 * Lock the Client row until the transaction ends. Every key write (create,
 * rotate, revoke, leak report) and member change takes it before anything
 * else: the cap check and the insert cannot race, two Owners cannot both step
 * down, and since the triggers that keep "activeKeyCount" update this row,
 * taking it first means no deadlock.
 * FOR NO KEY UPDATE, not FOR UPDATE: inserting a key takes a KEY SHARE lock on
 * the Client row (the foreign key), which NO KEY UPDATE does not conflict with.
 */
export async function lockClient(tx: Tx, clientId: string): Promise<LockedClient> {
  return lockedOrNotFound(await tx.$queryRaw<LockedClient[]>(lockClientSql(clientId)));
}

/** The locking SELECT itself. */
export function lockClientSql(clientId: string): Prisma.Sql {
  return Prisma.sql`
    SELECT id, type::text AS type, "keysMustExpire", "maxKeyLifetimeDays", "maxActiveKeys", "keyApproval"::text AS "keyApproval"
    FROM "Client" WHERE id = ${clientId}::uuid FOR NO KEY UPDATE`;
}

export function lockedOrNotFound(rows: LockedClient[]): LockedClient {
  if (!rows[0]) throw new ApiError({ status: 404, code: "Client.NotFound", title: "Client not found" });
  return rows[0];
}


/** Several Clients at once (a leak report may name keys of many), always in id order. */
export async function lockClients(tx: Tx, clientIds: string[]): Promise<void> {
  const ids = [...new Set(clientIds)].sort();
  if (ids.length) await tx.$queryRaw`SELECT id FROM "Client" WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR NO KEY UPDATE`;
}
