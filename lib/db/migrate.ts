// Migrations through Prisma's schema engine compiled to WebAssembly.
//
// Prisma 7's CLI migrate commands download a native engine from a CDN these
// machines cannot reach. The same engine ships as @prisma/schema-engine-wasm;
// we instantiate it by hand and drive it through @prisma/adapter-pg. It writes
// and reads `_prisma_migrations` exactly as `prisma migrate deploy` would.
//
// A new migration is what `prisma migrate dev` computes: the engine's `diff`
// from the migrations folder, replayed on a throwaway shadow database, to
// prisma/schema.prisma. No schema snapshot is kept beside the migrations.
// What it takes to make that work through the adapter (verified with
// schema-engine-wasm 8.1.0-2.59be4fd, adapter-pg 7.10.1, PostgreSQL 15 and 18):
// - `diff` takes its shadow database from the adapter factory's
//   `connectToShadowDb()` (the engine's `createMigration` does not: it fails
//   with "shadow DB must be provided through an external factory"; only
//   `diff`, `devDiagnostic` and `diagnoseMigrationHistory` get the factory).
// - PrismaPg's own connectToShadowDb creates the shadow database and then
//   connects with `{ connectionString, database }`, where node-postgres lets
//   the connection string win: the migrations are replayed on the main
//   database, not the shadow. So we make the shadow database ourselves
//   (EnginePg below), on the same server, and drop it afterwards.
// - The engine reads the catalog's `"char"` columns (pg_constraint.contype...)
//   as characters; adapter-pg refuses that type ("Column type 'char' could not
//   be deserialized from the database"), so we report those columns as
//   Character ourselves (asCharacter below).
// - A panic inside the engine ends in `RuntimeError: unreachable` unless
//   `globalThis.PRISMA_WASM_PANIC_REGISTRY` takes the message, and the
//   panicking call's promise never settles (withEngine races it).
// - `createMigration`, `reset` and `schemaDatasource` are not used: `diff`
//   from the migrations is what `prisma migrate dev` itself relies on.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from "@prisma/driver-adapter-utils";

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
export const SCHEMA_PATH = path.join(ROOT, "prisma", "schema.prisma");
export const MIGRATIONS_DIR = path.join(ROOT, "prisma", "migrations");

/** Where a diff reads from; the project's own files unless a test points elsewhere. */
export type Sources = { schemaPath?: string; migrationsDir?: string };

type Engine = {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  diff(input: unknown): Promise<{ exitCode: number; stdout: string | null }>;
  free(): void;
};

type Glue = { SchemaEngine: { new: (opts: unknown, log: () => void, adapter: unknown) => Promise<Engine> } };

// wasm-bindgen's glue holds one module-level instance: instantiate once per process.
let glueReady: Promise<Glue> | undefined;
/** Set once the engine has panicked: no call is safe on that instance, and a second one does not start cleanly. */
let deadBy: string | undefined;
/** Told of an engine panic: the panicking call's promise never settles, so callers race it against this. */
const onPanic = new Set<(message: string) => void>();

function loadGlue(): Promise<Glue> {
  if (deadBy) return Promise.reject(new Error(`Prisma's schema engine panicked earlier in this process (${deadBy}); start a new one.`));
  return (glueReady ??= (async () => {
    (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message: (m: string) => onPanic.forEach((tell) => tell(m)),
    };
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

type PgAdapter = Awaited<ReturnType<PrismaPg["connect"]>>;
type Queryable = {
  performIO(query: object): Promise<pg.QueryArrayResult>;
  queryRaw(query: object): Promise<{ columnTypes: number[] }>;
};

/** PostgreSQL's one-byte `"char"` (OID 18), which adapter-pg does not map. */
const PG_CHAR = 18;
const PG_TEXT = 25;

/**
 * Report `"char"` result columns as Character, the type the engine's catalog
 * reader expects, instead of letting adapter-pg refuse them.
 */
function asCharacter<Q>(queryable: Q): Q {
  const q = queryable as unknown as Queryable;
  const charColumns = new WeakMap<object, number[]>();
  const performIO = q.performIO.bind(q);
  const queryRaw = q.queryRaw.bind(q);
  q.performIO = async (query) => {
    const result = await performIO(query);
    const found: number[] = [];
    result.fields.forEach((f, i) => {
      if (f.dataTypeID === PG_CHAR) {
        f.dataTypeID = PG_TEXT; // passes adapter-pg's type check; corrected below
        found.push(i);
      }
    });
    if (found.length) charColumns.set(query, found);
    return result;
  };
  q.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of charColumns.get(query) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
  return queryable;
}

/**
 * PrismaPg runs a migration script by splitting it on ";", which cuts a
 * function body ($$ ... ; ... $$) in pieces. The native engine sends the
 * script whole, as one simple query (which PostgreSQL runs in one implicit
 * transaction); so do we, so both agree on every migration.
 */
function forEngine(adapter: PgAdapter): PgAdapter {
  const pool = adapter.underlyingDriver();
  adapter.executeScript = async (script: string) => {
    try {
      await pool.query(script);
    } catch (err) {
      (adapter as unknown as { onError(e: unknown): never }).onError(err);
    }
  };
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (...args) => asCharacter(await startTransaction(...args));
  // The engine may dispose an adapter that close() disposes too: once is enough.
  const dispose = adapter.dispose.bind(adapter);
  let disposed: Promise<void> | undefined;
  adapter.dispose = () => (disposed ??= dispose());
  return asCharacter(adapter);
}

/** Run one statement on the server behind `url` (CREATE/DROP DATABASE cannot run in a pool's transaction). */
async function runOn(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

/** The prefix of the shadow databases made for a diff run against `databaseUrl`. */
export function shadowPrefix(databaseUrl: string): string {
  const db = decodeURIComponent(new URL(databaseUrl).pathname.slice(1)) || "postgres";
  return `${db.slice(0, 40)}_shadow_`;
}

/**
 * The adapter factory the engine gets: whole scripts, `"char"` read as
 * Character, and a shadow database of our own making (a throwaway database
 * on the same server, as `prisma migrate dev` makes one), dropped by close().
 */
class EnginePg extends PrismaPg {
  readonly #url: string;
  readonly #opened: PgAdapter[] = [];
  readonly #shadows = new Set<string>();

  constructor(url: string) {
    super({ connectionString: url });
    this.#url = url;
  }

  override async connect() {
    const adapter = forEngine(await super.connect());
    this.#opened.push(adapter);
    return adapter;
  }

  override async connectToShadowDb() {
    const name = shadowPrefix(this.#url) + randomUUID().replace(/-/g, "").slice(0, 12);
    await runOn(this.#url, `CREATE DATABASE "${name}"`);
    this.#shadows.add(name);
    const adapter = forEngine(await new PrismaPg({ connectionString: withDatabase(this.#url, name) }).connect());
    this.#opened.push(adapter);
    return adapter;
  }

  /** End every pool (else they idle for 10 s before the process may exit) and drop the shadow databases. */
  async close() {
    await Promise.allSettled(this.#opened.map((a) => a.dispose()));
    for (const name of this.#shadows) await runOn(this.#url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    this.#shadows.clear();
  }
}

/** Run `work` with an engine connected to `databaseUrl`; frees it, ends its pools, drops its shadow databases. */
async function withEngine<T>(databaseUrl: string, schemaPath: string, work: (engine: Engine) => Promise<T>): Promise<T> {
  const glue = await loadGlue();
  const factory = new EnginePg(databaseUrl);
  let tell: (message: string) => void = () => {};
  let panic: string | undefined;
  const panicked = new Promise<never>((_, reject) => {
    tell = (message) => {
      panic = message;
      reject(new Error(`Prisma's schema engine panicked: ${message}`));
    };
  });
  panicked.catch(() => {}); // rejected only while raced below
  onPanic.add(tell);
  try {
    const schema = fs.readFileSync(schemaPath, "utf8");
    const engine = await Promise.race([
      glue.SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, () => {}, bindMigrationAwareSqlAdapterFactory(factory)),
      panicked,
    ]);
    try {
      return await Promise.race([work(engine), panicked]);
    } finally {
      if (!panic) engine.free();
    }
  } finally {
    if (panic) deadBy = panic.replace(/\s+/g, " ").slice(0, 300);
    onPanic.delete(tell);
    await factory.close();
  }
}

const noFilter = { externalTables: [], externalEnums: [] };

/** The migration folders (those holding a migration.sql), oldest first. */
export function migrationDirs(migrationsDir = MIGRATIONS_DIR): string[] {
  if (!fs.existsSync(migrationsDir)) return [];
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(migrationsDir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort();
}

/** The folder as the engine takes it: each migration.sql, and the lock file. Anything else in a folder is not read. */
function migrationsList(migrationsDir = MIGRATIONS_DIR) {
  const lock = path.join(migrationsDir, "migration_lock.toml");
  return {
    baseDir: migrationsDir,
    lockfile: { path: "migration_lock.toml", content: fs.existsSync(lock) ? fs.readFileSync(lock, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: migrationDirs(migrationsDir).map((name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: { tag: "ok", value: fs.readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8") },
      },
    })),
  };
}

/** Apply every pending migration. Returns the names applied (empty when up to date). */
export async function applyMigrations(databaseUrl: string): Promise<string[]> {
  return withEngine(databaseUrl, SCHEMA_PATH, async (engine) => {
    const out = await engine.applyMigrations({ migrationsList: migrationsList(), filters: noFilter });
    return out.appliedMigrationNames;
  });
}

/**
 * Drop everything in the database's schema (data, tables, types, and
 * _prisma_migrations), like `prisma migrate reset` does before it re-applies.
 * Done with plain SQL: the WASM engine's reset fails through the adapter.
 */
export async function resetDatabase(databaseUrl: string): Promise<void> {
  await runOn(databaseUrl, 'DROP SCHEMA IF EXISTS "public" CASCADE; CREATE SCHEMA "public";');
}

/**
 * The SQL that takes a database migrated with every migration to
 * prisma/schema.prisma; null when they agree. The migrations are replayed on
 * a throwaway shadow database on `databaseUrl`'s server (whose role must be
 * allowed to create databases); the database itself is neither read nor changed.
 * Like Prisma's own diff, it sees only what the schema can express: hand-written
 * triggers, functions and CHECK constraints in a migration are left alone.
 */
export async function diffMigrationsToSchema(databaseUrl: string, sources: Sources = {}): Promise<string | null> {
  const schemaPath = sources.schemaPath ?? SCHEMA_PATH;
  return withEngine(databaseUrl, schemaPath, async (engine) => {
    const from = { tag: "migrations", ...migrationsList(sources.migrationsDir) };
    const to = { tag: "schemaDatamodel", files: [{ path: schemaPath, content: fs.readFileSync(schemaPath, "utf8") }] };
    const out = await engine.diff({ from, to, script: true, exitCode: null, filters: noFilter });
    const sql = (out.stdout ?? "").trim();
    return !sql || /^-- This is an empty migration\.?$/.test(sql) ? null : sql;
  });
}

/**
 * Write <migrations>/<timestamp>_<name>/migration.sql. Returns the folder, or
 * null when there is nothing to migrate.
 */
export async function createMigration(databaseUrl: string, name: string, sources: Sources = {}): Promise<string | null> {
  const migrationsDir = sources.migrationsDir ?? MIGRATIONS_DIR;
  const sql = await diffMigrationsToSchema(databaseUrl, sources);
  if (sql === null) return null;
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "") || "migration";
  const dir = path.join(migrationsDir, `${stamp}_${slug}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "migration.sql"), sql + "\n");
  const lock = path.join(migrationsDir, "migration_lock.toml");
  if (!fs.existsSync(lock)) {
    fs.writeFileSync(lock, '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n');
  }
  return dir;
}
