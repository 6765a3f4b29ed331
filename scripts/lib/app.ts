// Shared by `npm run dev` and `npm start`: a migrated, seeded database and a
// session secret, then Next.js in the foreground.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { applyMigrations } from "../../lib/db/migrate";
import { isEmpty, seed } from "../../prisma/seed";
import { devDatabase } from "./database";

/** AUTH_SECRET from the environment, or one generated once for this checkout (kept in .data/). */
export function localAuthSecret(): string {
  if (process.env.AUTH_SECRET) return process.env.AUTH_SECRET;
  const file = path.join(".data", "auth-secret");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(".data", { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  return fs.readFileSync(file, "utf8").trim();
}

export async function runNext(mode: "dev" | "start"): Promise<void> {
  const db = await devDatabase();
  const applied = await applyMigrations(db.url);
  if (applied.length) console.log(`Migrated: ${applied.join(", ")}`);
  if (await isEmpty(db.url)) await seed(db.url);
  const port = process.env.PORT ?? "3000";
  console.log(`\nDolfin on http://localhost:${port}  (database: ${db.embedded ? "embedded PostgreSQL, .data/pg" : "DATABASE_URL"})`);
  console.log("Sign in as owner@acme.test / dolfin-demo-password\n");
  const child = spawn("npx", ["--no-install", "next", mode, "-p", port], {
    stdio: "inherit",
    env: { NEXT_TELEMETRY_DISABLED: "1", ...process.env, DATABASE_URL: db.url, AUTH_SECRET: localAuthSecret() },
  });
  const stopAll = async (code: number) => {
    await db.stop().catch(() => {});
    process.exit(code);
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
  child.on("exit", (code) => void stopAll(code ?? 0));
}
