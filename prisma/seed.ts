// Demo data (idempotent): `npm run db:seed`, and `npm run dev` on an empty database.
import { hash } from "@node-rs/argon2";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, type ClientType, type MemberRole } from "../lib/generated/prisma/client";

export const DEMO_PASSWORD = "dolfin-demo-password";

export const DEMO_CLIENTS: { name: string; type: ClientType }[] = [
  { name: "Acme Payments", type: "Live" },
  { name: "Acme Sandbox", type: "Sandbox" },
  { name: "Globex", type: "Live" },
];

export const DEMO_USERS: { email: string; name: string; memberships: [string, MemberRole][] }[] = [
  { email: "owner@acme.test", name: "Olivia Owner", memberships: [["Acme Payments", "Owner"], ["Acme Sandbox", "Owner"]] },
  { email: "admin@acme.test", name: "Adam Admin", memberships: [["Acme Payments", "Admin"]] },
  { email: "member@acme.test", name: "Mia Member", memberships: [["Acme Payments", "Member"]] },
  { email: "owner@globex.test", name: "Greta Globex", memberships: [["Globex", "Owner"]] },
];

export async function seed(databaseUrl: string, log = console.log): Promise<void> {
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  try {
    const clientIds = new Map<string, string>();
    for (const c of DEMO_CLIENTS) {
      // Clients have no natural unique key; the demo ones are found by name.
      const existing = await db.client.findFirst({ where: { name: c.name }, orderBy: { createdAt: "asc" } });
      const row = existing ?? (await db.client.create({ data: c }));
      clientIds.set(c.name, row.id);
    }
    const passwordHash = await hash(DEMO_PASSWORD);
    for (const u of DEMO_USERS) {
      const user = await db.user.upsert({
        where: { email: u.email },
        create: { email: u.email, name: u.name, passwordHash },
        update: {},
      });
      for (const [clientName, role] of u.memberships) {
        const clientId = clientIds.get(clientName)!;
        await db.clientMember.upsert({
          where: { clientId_userId: { clientId, userId: user.id } },
          create: { clientId, userId: user.id, role },
          update: { role },
        });
      }
    }
    log(`Seeded ${DEMO_CLIENTS.length} Clients and ${DEMO_USERS.length} users (password: ${DEMO_PASSWORD}).`);
  } finally {
    await db.$disconnect();
  }
}

/** True when the database has no users yet (dev seeds it then). */
export async function isEmpty(databaseUrl: string): Promise<boolean> {
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  try {
    return (await db.user.count()) === 0;
  } finally {
    await db.$disconnect();
  }
}
