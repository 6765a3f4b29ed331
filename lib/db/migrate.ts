// Migrations through Prisma's schema engine compiled to WebAssembly.
//
// Prisma 7's CLI migrate commands download a native engine from a CDN these
// machines cannot reach. The same engine ships as @prisma/schema-engine-wasm;
// we instantiate it by hand and drive it through @prisma/adapter-pg. It writes
// and reads `_prisma_migrations` exactly as `prisma migrate deploy` would.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
export const SCHEMA_PATH = path.join(ROOT, "prisma", "schema.prisma");
export const MIGRATIONS_DIR = path.join(ROOT, "prisma", "migrations");
/** Each migration folder keeps the schema it brings the database to, so the next diff has a base. */
const SNAPSHOT = "schema.prisma";

type Engine = {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  diff(input: unknown): Promise<{ exitCode: number; stdout: string | null }>;
  free(): void;
};

type Glue = { SchemaEngine: { new: (opts: unknown, log: () => void, adapter: unknown) => Promise<Engine> } };

// wasm-bindgen's glue holds one module-level instance: instantiate once per process.
let glueReady: Promise<Glue> | undefined;

function loadGlue(): Promise<Glue> {
  return (glueReady ??= (async () => {
    const pkgDir = path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg"));
    // The package's own entry imports the .wasm as an ES module, which Node 20 cannot do.
    const glue = await import(path.join(pkgDir, "schema_engine_bg.js"));
    const wasmModule = new WebAssembly.Module(fs.readFileSync(path.join(pkgDir, "schema_engine_bg.wasm")));
    const instance = new WebAssembly.Instance(wasmModule, { "./schema_engine_bg.js": glue });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
    return glue as Glue;
  })());
}

/**
 * PrismaPg runs a migration script by splitting it on ";", which cuts a
 * function body ($$ ... ; ... $$) in pieces. The native engine sends the
 * script whole, as one simple query (which PostgreSQL runs in one implicit
 * transaction); so do we, so both agree on every migration.
 */
class WholeScriptPg extends PrismaPg {
  override async connect() {
    return wholeScripts(await super.connect());
  }
  override async connectToShadowDb() {
    return wholeScripts(await super.connectToShadowDb());
  }
}

function wholeScripts<A extends Awaited<ReturnType<PrismaPg["connect"]>>>(adapter: A): A {
  const pool = adapter.underlyingDriver();
  adapter.executeScript = async (script: string) => {
    try {
      await pool.query(script);
    } catch (err) {
      (adapter as unknown as { onError(e: unknown): never }).onError(err);
    }
  };
  return adapter;
}

async function loadEngine(databaseUrl: string): Promise<Engine> {
  const glue = await loadGlue();
  const adapter = bindMigrationAwareSqlAdapterFactory(new WholeScriptPg({ connectionString: databaseUrl }));
  const schema = fs.readFileSync(SCHEMA_PATH, "utf8");
  return glue.SchemaEngine.new({ datamodels: [[SCHEMA_PATH, schema]] }, () => {}, adapter);
}

const noFilter = { externalTables: [], externalEnums: [] };

function migrationDirs(): string[] {
  if (!fs.existsSync(MIGRATIONS_DIR)) return [];
  return fs
    .readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(MIGRATIONS_DIR, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort();
}

function migrationsList() {
  const lock = path.join(MIGRATIONS_DIR, "migration_lock.toml");
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: "migration_lock.toml", content: fs.existsSync(lock) ? fs.readFileSync(lock, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: migrationDirs().map((name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: { tag: "ok", value: fs.readFileSync(path.join(MIGRATIONS_DIR, name, "migration.sql"), "utf8") },
      },
    })),
  };
}

/** Apply every pending migration. Returns the names applied (empty when up to date). */
export async function applyMigrations(databaseUrl: string): Promise<string[]> {
  const engine = await loadEngine(databaseUrl);
  try {
    const out = await engine.applyMigrations({ migrationsList: migrationsList(), filters: noFilter });
    return out.appliedMigrationNames;
  } finally {
    engine.free();
  }
}

/**
 * Drop everything in the database's schema (data, tables, types, and
 * _prisma_migrations), like `prisma migrate reset` does before it re-applies.
 * Done with plain SQL: the WASM engine's reset fails through the adapter.
 */
export async function resetDatabase(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('DROP SCHEMA IF EXISTS "public" CASCADE; CREATE SCHEMA "public";');
  } finally {
    await client.end();
  }
}

/** The SQL that takes the newest migration's schema snapshot to prisma/schema.prisma; null when they agree. */
export async function diffSinceLastMigration(databaseUrl: string): Promise<string | null> {
  const last = migrationDirs().at(-1);
  const prevSnapshot = last ? path.join(MIGRATIONS_DIR, last, SNAPSHOT) : null;
  if (prevSnapshot && !fs.existsSync(prevSnapshot)) throw new Error(`${last} has no ${SNAPSHOT} snapshot to diff from`);
  const engine = await loadEngine(databaseUrl);
  try {
    const from = prevSnapshot
      ? { tag: "schemaDatamodel", files: [{ path: prevSnapshot, content: fs.readFileSync(prevSnapshot, "utf8") }] }
      : { tag: "empty" };
    const to = { tag: "schemaDatamodel", files: [{ path: SCHEMA_PATH, content: fs.readFileSync(SCHEMA_PATH, "utf8") }] };
    const out = await engine.diff({ from, to, script: true, exitCode: null, filters: noFilter });
    const sql = (out.stdout ?? "").trim();
    return !sql || /^-- This is an empty migration\.?$/.test(sql) ? null : sql;
  } finally {
    engine.free();
  }
}

/**
 * Write prisma/migrations/<timestamp>_<name>/migration.sql (and the schema
 * snapshot beside it). Returns the folder, or null when there is nothing to migrate.
 */
export async function createMigration(databaseUrl: string, name: string): Promise<string | null> {
  const sql = await diffSinceLastMigration(databaseUrl);
  if (sql === null) return null;
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "") || "migration";
  const dir = path.join(MIGRATIONS_DIR, `${stamp}_${slug}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "migration.sql"), sql + "\n");
  fs.writeFileSync(path.join(dir, SNAPSHOT), fs.readFileSync(SCHEMA_PATH, "utf8"));
  const lock = path.join(MIGRATIONS_DIR, "migration_lock.toml");
  if (!fs.existsSync(lock)) {
    fs.writeFileSync(lock, '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n');
  }
  return dir;
}
