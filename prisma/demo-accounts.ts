// The demo accounts: seeded only where someone asked for them (npm run dev on an
// empty database, npm run db:seed), never by npm start; a production start
// refuses to serve a database that has them (unless ALLOW_DEMO_ACCOUNTS=1).
import type { ClientType, MemberRole } from "../lib/generated/prisma/client";

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

