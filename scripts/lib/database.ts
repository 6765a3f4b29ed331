// Which PostgreSQL the scripts use: DATABASE_URL when set, otherwise the
// embedded one under .data/pg (started here, or reused when `npm run dev`
// already runs it).
import net from "node:net";
import pg from "pg";
import { startEmbeddedPostgres } from "../../lib/db/embedded";

export const DEV_PG_PORT = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
export const DEV_DB_NAME = "dolfin";

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: "127.0.0.1" });
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
  });
}

/** Create `name` on the server behind `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const r = await c.query("select 1 from pg_database where datname = $1", [name]);
    if (r.rowCount === 0) await c.query(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await c.end();
  }
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`drop database if exists "${name.replace(/"/g, '""')}" with (force)`);
  } finally {
    await c.end();
  }
}

/** Replace the database name in a postgres URL. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = "/" + name;
  return u.toString();
}

export type ResolvedDb = { url: string; embedded: boolean; stop: () => Promise<void> };

/** The development database (DATABASE_URL, or the embedded one, started if needed). */
export async function devDatabase(): Promise<ResolvedDb> {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  }
  const admin = `postgresql://postgres:postgres@127.0.0.1:${DEV_PG_PORT}/postgres`;
  let stop = async () => {};
  if (!(await listening(DEV_PG_PORT))) {
    const db = await startEmbeddedPostgres({ dir: ".data/pg", port: DEV_PG_PORT });
    stop = db.stop;
  }
  await ensureDatabase(admin, DEV_DB_NAME);
  return { url: withDatabase(admin, DEV_DB_NAME), embedded: true, stop };
}
