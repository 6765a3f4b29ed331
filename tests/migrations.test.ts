// The migration tooling (Prisma's WASM schema engine): apply, re-apply as a
// no-op, reset; and no schema change without its migration, found as Prisma
// finds it: the migrations replayed on a shadow database, diffed against
// prisma/schema.prisma.
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, createMigration, diffMigrationsToSchema, MIGRATIONS_DIR, resetDatabase, SCHEMA_PATH, shadowPrefix } from "@/lib/db/migrate";

const scratch = `dolfin_migrations_${Date.now()}`;
/** Stays empty: the diff connects to it but must neither read nor change it. */
const untouched = `${scratch}_untouched`;
let url: string;
let untouchedUrl: string;
let admin: pg.Client;
let tmp: string;

function dbUrl(name: string): string {
  const u = new URL(process.env.TEST_DATABASE_URL!);
  u.pathname = `/${name}`;
  return u.toString();
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${scratch}"`);
  await admin.query(`CREATE DATABASE "${untouched}"`);
  url = dbUrl(scratch);
  untouchedUrl = dbUrl(untouched);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dolfin-migrations-"));
});
afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`);
  await admin.query(`DROP DATABASE IF EXISTS "${untouched}" WITH (FORCE)`);
  await admin.end();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function q<T = Record<string, unknown>>(sql: string, db = url): Promise<T[]> {
  const c = new pg.Client({ connectionString: db });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

describe("migrations", () => {
  const folders = fs.readdirSync(MIGRATIONS_DIR).filter((d) => fs.existsSync(path.join(MIGRATIONS_DIR, d, "migration.sql"))).sort();

  it("apply every migration once, recorded in _prisma_migrations as prisma migrate deploy records them", async () => {
    expect(await applyMigrations(url)).toEqual(folders);
    const rows = await q<{ migration_name: string; checksum: string; finished_at: Date | null }>(`SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name`);
    expect(rows.map((r) => r.migration_name)).toEqual(folders);
    for (const r of rows) {
      expect(r.finished_at).not.toBeNull();
      const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, r.migration_name, "migration.sql"));
      expect(r.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
    }
    expect(await applyMigrations(url)).toEqual([]);
  });

  it("reset drops everything; migrating again rebuilds it", async () => {
    await resetDatabase(url);
    expect(await q(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)).toEqual([]);
    expect(await applyMigrations(url)).toEqual(folders);
    const tables = (await q<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)).map((t) => t.tablename).sort();
    expect(tables).toEqual(expect.arrayContaining(["ApiKey", "AuditEvent", "Client", "ClientMember", "User", "_prisma_migrations", "rate_limits"]));
  });

  async function leftoverShadows(): Promise<string[]> {
    const rows = await q<{ datname: string }>(`SELECT datname FROM pg_database WHERE starts_with(datname, '${shadowPrefix(untouchedUrl)}')`);
    return rows.map((r) => r.datname);
  }

  /** A copy of the migrations folder (first `keep` migrations) and of the schema (plus `extra`), under tmp/name. */
  function scratchSources(name: string, opts: { keep?: number; extra?: string } = {}) {
    const migrationsDir = path.join(tmp, name, "migrations");
    fs.mkdirSync(migrationsDir, { recursive: true });
    fs.copyFileSync(path.join(MIGRATIONS_DIR, "migration_lock.toml"), path.join(migrationsDir, "migration_lock.toml"));
    for (const f of folders.slice(0, opts.keep ?? folders.length)) {
      fs.mkdirSync(path.join(migrationsDir, f));
      fs.copyFileSync(path.join(MIGRATIONS_DIR, f, "migration.sql"), path.join(migrationsDir, f, "migration.sql"));
    }
    const schemaPath = path.join(tmp, name, "schema.prisma");
    fs.writeFileSync(schemaPath, fs.readFileSync(SCHEMA_PATH, "utf8") + (opts.extra ?? ""));
    return { migrationsDir, schemaPath };
  }

  it("prisma/schema.prisma has no change that lacks a migration (every migration replayed on a shadow database)", async () => {
    expect(await diffMigrationsToSchema(untouchedUrl)).toBeNull();
    // The shadow database is a throwaway one, dropped after; the database connected to is left as it was.
    expect(await q(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`, untouchedUrl)).toEqual([]);
    expect(await leftoverShadows()).toEqual([]);
  });

  it("no migration folder keeps a schema.prisma snapshot (nothing reads them any more: delete it)", () => {
    const snapshots = folders.filter((f) => fs.existsSync(path.join(MIGRATIONS_DIR, f, "schema.prisma")));
    expect(snapshots).toEqual([]);
  });

  it("the diff starts from the migrations: with only the first one, it adds what the later ones made", async () => {
    const sql = (await diffMigrationsToSchema(untouchedUrl, scratchSources("first-only", { keep: 1 }))) ?? "";
    expect(sql).toContain('CREATE TABLE "KeyReminder"'); // made by a later migration
    expect(sql).not.toContain('CREATE TABLE "ApiKey"'); // made by the first
  });

  it("db:migrate:new writes only the change: a new model becomes one CREATE TABLE, after which nothing is left to migrate", async () => {
    const extra = "\nmodel ThrowawayWidget {\n  id   Int    @id @default(autoincrement())\n  name String @db.VarChar(40)\n}\n";
    const sources = scratchSources("new-model", { extra });
    const dir = await createMigration(untouchedUrl, "throwaway widget", sources);
    expect(dir).toMatch(/\/\d{14}_throwaway_widget$/);
    expect(fs.readdirSync(dir!)).toEqual(["migration.sql"]);
    const sql = fs.readFileSync(path.join(dir!, "migration.sql"), "utf8");
    const statements = sql.split(";").map((s) => s.replace(/--.*$/gm, "").trim()).filter(Boolean);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/^CREATE TABLE "ThrowawayWidget" \(\s+"id" SERIAL NOT NULL,\s+"name" VARCHAR\(40\) NOT NULL,/);
    expect(await diffMigrationsToSchema(untouchedUrl, sources)).toBeNull();
    expect(await createMigration(untouchedUrl, "again", sources)).toBeNull();
  });

  it("a migration that fails on the shadow database is named, and the shadow database is still dropped", async () => {
    const sources = scratchSources("broken");
    fs.mkdirSync(path.join(sources.migrationsDir, "29991231000000_broken"));
    fs.writeFileSync(path.join(sources.migrationsDir, "29991231000000_broken", "migration.sql"), 'ALTER TABLE "NoSuchTable" ADD COLUMN "x" INT;\n');
    await expect(diffMigrationsToSchema(untouchedUrl, sources)).rejects.toThrow(/29991231000000_broken.*shadow database/s);
    expect(await leftoverShadows()).toEqual([]);
    expect(await q(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`, untouchedUrl)).toEqual([]);
  });
});
