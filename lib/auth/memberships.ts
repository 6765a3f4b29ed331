import { db } from "@/lib/db/client";
import type { Role } from "./permissions";

export type Membership = { clientId: string; clientName: string; clientType: "Live" | "Sandbox"; role: Role };

/**
 * What a signed-in request needs to know about its user, in one query: the
 * current session version (to refuse ended sessions) and the memberships.
 * Null when the user no longer exists.
 */
export async function userAccess(userId: string): Promise<{ sessionVersion: number; memberships: Membership[] } | null> {
  const u = await db().user.findUnique({
    where: { id: userId },
    select: {
      sessionVersion: true,
      memberships: { select: { clientId: true, role: true, client: { select: { name: true, type: true } } }, orderBy: [{ createdAt: "asc" }, { clientId: "asc" }] },
    },
  });
  return u && { sessionVersion: u.sessionVersion, memberships: u.memberships.map(toMembership) };
}

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
