import { db } from "@/lib/db/client";
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
 * What a signed-in request needs to know about its user, in one query: the
 * current session version (to refuse ended sessions) and the memberships.
 * Null when the user no longer exists.
 */
export async function userAccess(userId: string): Promise<{ sessionVersion: number; memberships: Membership[]; hasSecondFactor: boolean } | null> {
  const u = await db().user.findUnique({
    where: { id: userId },
    select: {
      sessionVersion: true,
      memberships: { select: memberSelect, orderBy: [{ createdAt: "asc" }, { clientId: "asc" }] },
      // In the same query: whether a Client that requires a second factor may let this person in.
      factors: { where: { confirmedAt: { not: null } }, select: { id: true }, take: 1 },
    },
  });
  return u && { sessionVersion: u.sessionVersion, memberships: u.memberships.map(toMembership), hasSecondFactor: u.factors.length > 0 };
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
