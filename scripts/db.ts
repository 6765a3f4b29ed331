// npm run db:migrate | db:migrate:new NAME | db:seed | db:reset
import { applyMigrations, createMigration, resetDatabase } from "../lib/db/migrate";
import { seed } from "../prisma/seed";
import { devDatabase } from "./lib/database";

async function main() {
  const [cmd, arg] = process.argv.slice(2);
  const db = await devDatabase();
  try {
    switch (cmd) {
      case "migrate": {
        const applied = await applyMigrations(db.url);
        console.log(applied.length ? `Applied: ${applied.join(", ")}` : "Database is up to date.");
        break;
      }
      case "new": {
        if (!arg) throw new Error("Usage: npm run db:migrate:new NAME");
        const dir = await createMigration(db.url, arg);
        console.log(dir ? `Wrote ${dir}/migration.sql (review it, then npm run db:migrate)` : "No schema changes: nothing to migrate.");
        break;
      }
      case "seed": {
        await seed(db.url);
        break;
      }
      case "reset": {
        await resetDatabase(db.url);
        const applied = await applyMigrations(db.url);
        console.log(`Reset; applied: ${applied.join(", ")}`);
        await seed(db.url);
        break;
      }
      default:
        throw new Error(`Unknown command ${cmd}: use migrate, new NAME, seed or reset`);
    }
  } finally {
    await db.stop();
  }
}

main().then(
  // The schema engine's pg pool idles for 10 s before it lets the process go.
  () => process.exit(0),
).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
