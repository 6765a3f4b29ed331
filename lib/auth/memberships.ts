import { db } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { isUuid } from "@/lib/http/keyset";
import type { Role } from "./permissions";

export type Membership = {
  clientId: string;
  clientName: string;
  clientType: "Live" | "Sandbox";
  role: Role;
  /** The Client's policy: its people must have a second factor to use it. */
  requireTwoFactor: boolean;
};

/**
 * What a signed-in request needs to know about its user, in one query (one
 * round trip on every person's request: Prisma's nested select would send one
 * statement per relation): the current session version (to refuse sessions
 * ended all at once), whether the token's own session (`sid`, when it has one)
 * is still alive, and the memberships (oldest first). Null when the user no
 * longer exists.
 */
export async function userAccess(
  userId: string,
  sessionId: string | null = null,
): Promise<{ sessionVersion: number; sessionAlive: boolean; hasSecondFactor: boolean; memberships: Membership[] } | null> {
  if (!isUuid(userId)) return null;
  const rows = await db().$queryRaw<{ sessionVersion: number; sessionAlive: boolean; hasSecondFactor: boolean; memberships: Membership[] }[]>(Prisma.sql`
    SELECT u."sessionVersion",
      EXISTS (SELECT 1 FROM "Session" s WHERE s.id = ${sessionId}::uuid AND s."userId" = u.id AND s."endedAt" IS NULL) AS "sessionAlive",
      -- Whether a Client that requires a second factor may let this person in.
      EXISTS (SELECT 1 FROM "UserFactor" f WHERE f."userId" = u.id AND f."confirmedAt" IS NOT NULL) AS "hasSecondFactor",
      COALESCE((
        SELECT json_agg(json_build_object('clientId', m."clientId", 'clientName', c.name, 'clientType', c.type, 'role', m.role, 'requireTwoFactor', c."requireTwoFactor") ORDER BY m."createdAt", m."clientId")
        FROM "ClientMember" m JOIN "Client" c ON c.id = m."clientId" WHERE m."userId" = u.id), '[]'::json) AS memberships
    FROM "User" u WHERE u.id = ${userId}::uuid`);
  return rows[0] ?? null;
}

const memberSelect = { clientId: true, role: true, client: { select: { name: true, type: true, requireTwoFactor: true } } } as const;
type MemberRow = { clientId: string; role: Role; client: { name: string; type: "Live" | "Sandbox"; requireTwoFactor: boolean } };
const toMembership = (r: MemberRow): Membership => ({
  clientId: r.clientId,
  clientName: r.client.name,
  clientType: r.client.type,
  role: r.role,
  requireTwoFactor: r.client.requireTwoFactor,
});

/** A user's Clients and roles, read fresh from the database (oldest membership first). */
export async function memberships(userId: string): Promise<Membership[]> {
  const rows = await db().clientMember.findMany({
    where: { userId },
    select: memberSelect,
    orderBy: [{ createdAt: "asc" }, { clientId: "asc" }],
  });
  return rows.map(toMembership);
}
