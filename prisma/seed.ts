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
      // Clients have no natural unique key: the demo ones carry the demo marker (an operator's Client of the same name is not one).
      const existing = await db.client.findFirst({ where: { name: c.name, demo: true }, orderBy: { createdAt: "asc" } });
      const row = existing ?? (await db.client.create({ data: { ...c, demo: true } }));
      clientIds.set(c.name, row.id);
    }
    const passwordHash = await hash(DEMO_PASSWORD);
    for (const u of DEMO_USERS) {
      const user = await db.user.upsert({
        where: { email: u.email },
        create: { email: u.email, name: u.name, passwordHash, demo: true },
        update: {},
      });
      // Someone's own account at a demo address is left as it is (password, Clients): the seed never takes it over.
      if (!user.demo) continue;
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

