// The migration tooling (Prisma's WASM schema engine): apply, re-apply as a
// no-op, reset; and no schema change without its migration.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, diffSinceLastMigration, MIGRATIONS_DIR, resetDatabase } from "@/lib/db/migrate";

const scratch = `dolfin_migrations_${Date.now()}`;
let url: string;
let admin: pg.Client;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${scratch}"`);
  const u = new URL(process.env.TEST_DATABASE_URL!);
  u.pathname = `/${scratch}`;
  url = u.toString();
});
afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`);
  await admin.end();
});

async function q<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
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

  it("prisma/schema.prisma has no change that lacks a migration", async () => {
    expect(await diffSinceLastMigration(url)).toBeNull();
  });
});
