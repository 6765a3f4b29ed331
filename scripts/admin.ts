// npm run admin -- <command>: what an operator needs at the deploy shell,
// including when nobody can sign in yet. Uses DATABASE_URL (else the embedded
// dev database) and AUTH_SECRET (else this checkout's local one).
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { applyMigrations, MIGRATIONS_DIR } from "../lib/db/migrate";
import { devDatabase } from "./lib/database";
import { localAuthSecret } from "./lib/app";

const HELP = `Usage: npm run admin -- <command> [options]

Commands:
  create-client --name NAME --type Live|Sandbox --owner-email EMAIL [--force]
      Create a Client and an Owner invitation for EMAIL; prints the one-time
      invite link (and emails it when SMTP_URL is set). A Client of the same
      name already existing needs --force.
  invite --client ID|NAME --email EMAIL [--role Owner|Admin|Member]
      Invite someone to an existing Client (default role: Member).
  list-clients
      Every Client with its type, members, Owners and pending invitations.
  remove-demo-accounts
      Delete the demo users (and demo Clients nobody else belongs to).
  reset-two-factor --email EMAIL
      For someone locked out: remove their second factors and recovery codes,
      end all their sessions and tokens (audited in each of their Clients,
      and emailed to them). Make sure it is them first.

Environment: DATABASE_URL (default: the embedded dev database), AUTH_SECRET,
APP_URL (the origin links point to; default http://localhost:3000),
SMTP_URL and MAIL_FROM (to email the link).`;

class UsageError extends Error {}

/** Whether every migration folder is recorded as applied (read-only; no lock). */
async function upToDate(url: string): Promise<boolean> {
  const wanted = fs.readdirSync(MIGRATIONS_DIR).filter((d) => fs.existsSync(path.join(MIGRATIONS_DIR, d, "migration.sql")));
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    const r = await c.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL');
    const done = new Set(r.rows.map((x) => x.migration_name));
    return wanted.every((d) => done.has(d));
  } catch {
    return false; // no table yet: migrate
  } finally {
    await c.end().catch(() => {});
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: "string" },
      type: { type: "string" },
      "owner-email": { type: "string" },
      client: { type: "string" },
      email: { type: "string" },
      role: { type: "string" },
      force: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [cmd] = positionals;
  if (values.help || !cmd || cmd === "help") {
    console.log(HELP);
    return cmd || values.help ? 0 : 2;
  }
  if (!["create-client", "invite", "list-clients", "remove-demo-accounts", "reset-two-factor"].includes(cmd)) throw new UsageError(`Unknown command "${cmd}". See npm run admin -- --help`);

  const database = await devDatabase();
  // An empty database is where the first Owner comes from. A database already up to date is left alone:
  // the migration lock may be held by a deploy in progress (or an idle session), and a reset must not wait on it.
  if (!(await upToDate(database.url))) await applyMigrations(database.url);
  process.env.DATABASE_URL = database.url;
  process.env.AUTH_SECRET = localAuthSecret();
  process.env.LOG_LEVEL ??= "warn";
  try {
    const { runAdminCommand } = await import("../lib/admin/commands");
    const out = await runAdminCommand(cmd, values, process.env.APP_URL ?? `http://localhost:${process.env.PORT ?? 3000}`);
    console.log(out);
    return 0;
  } finally {
    await database.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    const known = err instanceof UsageError || (err && typeof err === "object" && "init" in err) || ["AdminError", "SetupError"].includes(err?.name);
    const msg = err && typeof err === "object" && "init" in err ? `${err.init.title}: ${err.init.detail ?? ""}` : err instanceof Error ? err.message : String(err);
    console.error(known ? `error: ${msg}` : (err?.stack ?? msg));
    process.exit(err instanceof UsageError || err?.usage ? 2 : 1);
  },
);
