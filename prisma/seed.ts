// Demo data (idempotent): `npm run db:seed`, and `npm run dev` on an empty database.
import { hash } from "@node-rs/argon2";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../lib/generated/prisma/client";

import { DEMO_CLIENTS, DEMO_PASSWORD, DEMO_USERS } from "./demo-accounts";

export { DEMO_PASSWORD };

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

/** The demo users present in the database (a production start refuses them). */
export async function demoAccountsIn(databaseUrl: string): Promise<string[]> {
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  try {
    const rows = await db.user.findMany({ where: { email: { in: DEMO_USERS.map((u) => u.email) } }, select: { email: true } });
    return rows.map((r) => r.email);
  } finally {
    await db.$disconnect();
  }
}
