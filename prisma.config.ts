import path from "node:path";
import { defineConfig } from "prisma/config";

// Only `prisma generate` is run through the CLI (it works offline). Migrations
// go through scripts/db.ts and Prisma's WebAssembly schema engine, because the
// CLI's migrate commands download a native engine this network cannot reach.
export default defineConfig({
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost/unused" },
});
