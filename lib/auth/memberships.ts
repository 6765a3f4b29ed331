import { db } from "@/lib/db/client";
import type { Role } from "./permissions";

export type Membership = { clientId: string; clientName: string; clientType: "Live" | "Sandbox"; role: Role };

/** A user's Clients and roles, read fresh from the database (oldest membership first). */
export async function memberships(userId: string): Promise<Membership[]> {
  const rows = await db().clientMember.findMany({
    where: { userId },
    select: { clientId: true, role: true, client: { select: { name: true, type: true } } },
    orderBy: [{ createdAt: "asc" }, { clientId: "asc" }],
  });
  return rows.map((r) => ({ clientId: r.clientId, clientName: r.client.name, clientType: r.client.type, role: r.role }));
}
