// Shared by `npm run dev` and `npm start`: a migrated database and a session
// secret, then Next.js in the foreground. Only `npm run dev` seeds demo data
// (on an empty database) and runs a local mail catcher; `npm start` never
// seeds, and its server (server/index.ts) refuses a database that holds the demo accounts.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { applyMigrations } from "../../lib/db/migrate";
import { isEmpty, seed } from "../../prisma/seed";
import { startMailCatcher } from "./mail-catcher";
import { hasBuild, serverArgs } from "./stack";
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
  if (mode === "start" && !hasBuild()) throw new Error("No production build: run `npm run build` first.");
  const db = await devDatabase();
  const applied = await applyMigrations(db.url);
  if (applied.length) console.log(`Migrated: ${applied.join(", ")}`);
  const port = process.env.PORT ?? "3000";
  const env: NodeJS.ProcessEnv = { NEXT_TELEMETRY_DISABLED: "1", ...process.env, DATABASE_URL: db.url, AUTH_SECRET: localAuthSecret() };
  let signIn: string;
  if (mode === "dev") {
    if (await isEmpty(db.url)) await seed(db.url);
    signIn = "Sign in as owner@acme.test / dolfin-demo-password";
    if (!process.env.SMTP_URL) {
      const catcher = await startMailCatcher();
      env.SMTP_URL = catcher.smtpUrl;
      signIn += `\nEmail the app sends (invitations) is caught locally: ${catcher.webUrl}`;
    }
  } else {
    // Production: nothing is seeded; the server itself refuses the demo accounts (whose password is in our README),
    // and a start without APP_URL. A trial on the embedded database is local: its links point here.
    if (db.embedded && !env.APP_URL) env.APP_URL = `http://localhost:${port}`;
    signIn = (await isEmpty(db.url))
      ? "No users yet. Create the first Client and invite its Owner:\n  npm run admin -- create-client --name \"Acme Payments\" --type Live --owner-email you@example.com"
      : "Sign in with your account.";
  }
  console.log(`\nDolfin on http://localhost:${port}  (database: ${db.embedded ? "embedded PostgreSQL, .data/pg" : "DATABASE_URL"})`);
  console.log(`${signIn}\n`);
  // Our custom server (server/index.ts): the verify API, the true client IP, key invalidations, graceful shutdown.
  const child = spawn("node", serverArgs(mode === "dev" ? "dev" : "production"), { stdio: "inherit", env: { ...env, PORT: port, ...(mode === "dev" ? { DOLFIN_DEV: "1" } : { NODE_ENV: "production" }) } });
  const stopAll = async (code: number) => {
    await db.stop().catch(() => {});
    process.exit(code);
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
  child.on("exit", (code) => void stopAll(code ?? 0));
}
