import { db } from "@/lib/db/client";
import type { Role } from "./permissions";

export type Membership = { clientId: string; clientName: string; clientType: "Live" | "Sandbox"; role: Role };

/**
 * What a signed-in request needs to know about its user, in one query: the
 * current session version (to refuse ended sessions), whether the token's own
 * session (`sid`, when it has one) is still alive, and the memberships.
 * Null when the user no longer exists.
 */
export async function userAccess(userId: string, sessionId: string | null = null): Promise<{ sessionVersion: number; sessionAlive: boolean; memberships: Membership[] } | null> {
  const u = await db().user.findUnique({
    where: { id: userId },
    select: {
      sessionVersion: true,
      sessions: { where: { id: sessionId ?? NO_SESSION, endedAt: null }, select: { id: true }, take: 1 },
      memberships: { select: { clientId: true, role: true, client: { select: { name: true, type: true } } }, orderBy: [{ createdAt: "asc" }, { clientId: "asc" }] },
    },
  });
  return u && { sessionVersion: u.sessionVersion, sessionAlive: u.sessions.length > 0, memberships: u.memberships.map(toMembership) };
}

/** Matches no session (a token without `sid` asks for none; the nil UUID is never an id). */
const NO_SESSION = "00000000-0000-0000-0000-000000000000";

type MemberRow = { clientId: string; role: Role; client: { name: string; type: "Live" | "Sandbox" } };
const toMembership = (r: MemberRow): Membership => ({ clientId: r.clientId, clientName: r.client.name, clientType: r.client.type, role: r.role });

/** A user's Clients and roles, read fresh from the database (oldest membership first). */
export async function memberships(userId: string): Promise<Membership[]> {
  const rows = await db().clientMember.findMany({
    where: { userId },
    select: { clientId: true, role: true, client: { select: { name: true, type: true } } },
    orderBy: [{ createdAt: "asc" }, { clientId: "asc" }],
  });
  return rows.map(toMembership);
}
