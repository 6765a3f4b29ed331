// The demo data (prisma/seed.ts) is recognised by the `demo` marker the seed
// sets on its users and Clients, never by a name: an operator's own "Acme
// Payments" is not demo data. Used by the server's start (server/index.ts) and
// by `npm run admin -- remove-demo-accounts`. No "server-only": the serving
// layer imports it outside Next.
import { db } from "@/lib/db/client";

/** The demo accounts present (their password is in the README). */
export async function demoAccounts(): Promise<string[]> {
  const rows = await db().user.findMany({ where: { demo: true }, select: { email: true }, orderBy: { email: "asc" } });
  return rows.map((r) => r.email);
}

/**
 * A production server refuses to serve a database holding the demo accounts,
 * however it was started (`npm start`, or `node .next/dolfin-server.mjs`),
 * unless ALLOW_DEMO_ACCOUNTS=1 (a staging demo). Throws one line saying what to do.
 */
export async function refuseDemoAccounts(allow = process.env.ALLOW_DEMO_ACCOUNTS === "1"): Promise<void> {
  if (allow) return;
  const demo = await demoAccounts();
  if (demo.length) {
    throw new Error(
      `Refusing to start: this database has the demo accounts (${demo.join(", ")}), whose password is public. Remove them with \`npm run admin -- remove-demo-accounts\`, or set ALLOW_DEMO_ACCOUNTS=1 for a staging demo.`,
    );
  }
}

/** Delete the demo users, then the demo Clients nobody else belongs to. */
export async function removeDemoData(): Promise<{ users: number; clients: number }> {
  const users = await db().user.deleteMany({ where: { demo: true } });
  const clients = await db().client.deleteMany({ where: { demo: true, members: { none: {} } } });
  return { users: users.count, clients: clients.count };
}
