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
  reset(input: unknown): Promise<void>;
  free(): void;
};

async function loadEngine(databaseUrl: string): Promise<Engine> {
  const pkgDir = path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg"));
  // The package's own entry imports the .wasm as an ES module, which Node 20 cannot do.
  const glue = await import(path.join(pkgDir, "schema_engine_bg.js"));
  const wasmModule = new WebAssembly.Module(fs.readFileSync(path.join(pkgDir, "schema_engine_bg.wasm")));
  const instance = new WebAssembly.Instance(wasmModule, { "./schema_engine_bg.js": glue });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString: databaseUrl }));
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

/** Drop everything in the database's schema (data and tables), like `prisma migrate reset` before it re-applies. */
export async function resetDatabase(databaseUrl: string): Promise<void> {
  const engine = await loadEngine(databaseUrl);
  try {
    await engine.reset({ filter: noFilter });
  } finally {
    engine.free();
  }
}

/**
 * Write prisma/migrations/<timestamp>_<name>/migration.sql: the SQL that takes
 * the schema of the newest migration to the current prisma/schema.prisma.
 * Returns null when there is nothing to migrate.
 */
export async function createMigration(databaseUrl: string, name: string): Promise<string | null> {
  const dirs = migrationDirs();
  const last = dirs.at(-1);
  const prevSnapshot = last ? path.join(MIGRATIONS_DIR, last, SNAPSHOT) : null;
  if (last && !fs.existsSync(prevSnapshot!)) {
    throw new Error(`${last} has no ${SNAPSHOT} snapshot to diff from`);
  }
  const current = fs.readFileSync(SCHEMA_PATH, "utf8");
  const engine = await loadEngine(databaseUrl);
  try {
    const from = prevSnapshot
      ? { tag: "schemaDatamodel", files: [{ path: prevSnapshot, content: fs.readFileSync(prevSnapshot, "utf8") }] }
      : { tag: "empty" };
    const to = { tag: "schemaDatamodel", files: [{ path: SCHEMA_PATH, content: current }] };
    const out = await engine.diff({ from, to, script: true, exitCode: null, filters: noFilter });
    const sql = (out.stdout ?? "").trim();
    if (!sql || /^-- This is an empty migration\.?$/.test(sql)) return null;
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "") || "migration";
    const dir = path.join(MIGRATIONS_DIR, `${stamp}_${slug}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "migration.sql"), sql + "\n");
    fs.writeFileSync(path.join(dir, SNAPSHOT), current);
    const lock = path.join(MIGRATIONS_DIR, "migration_lock.toml");
    if (!fs.existsSync(lock)) {
      fs.writeFileSync(lock, '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n');
    }
    return dir;
  } finally {
    engine.free();
  }
}
