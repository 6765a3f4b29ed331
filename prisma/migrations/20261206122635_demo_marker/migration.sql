-- Demo data is recognised by a marker the seed sets (prisma/seed.ts), never by a name.

-- AlterTable
ALTER TABLE "Client" ADD COLUMN     "demo" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "demo" BOOLEAN NOT NULL DEFAULT false;

-- A database seeded before the marker existed: its demo accounts (the seed's addresses, on the reserved
-- .test domain, with the README's password) stay refused by a production start.
UPDATE "User" SET "demo" = true
WHERE "email" IN ('owner@acme.test', 'admin@acme.test', 'member@acme.test', 'owner@globex.test');

-- Its demo Clients: the seed's names whose members are all demo accounts (at least one). A Client of
-- that name with anyone else in it, or with nobody (an operator's, its Owner still invited), is real.
UPDATE "Client" c SET "demo" = true
WHERE c."name" IN ('Acme Payments', 'Acme Sandbox', 'Globex')
  AND EXISTS (SELECT 1 FROM "ClientMember" m JOIN "User" u ON u."id" = m."userId" WHERE m."clientId" = c."id" AND u."demo")
  AND NOT EXISTS (SELECT 1 FROM "ClientMember" m JOIN "User" u ON u."id" = m."userId" WHERE m."clientId" = c."id" AND NOT u."demo");
