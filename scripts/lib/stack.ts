// A throwaway stack for tests and benchmarks: a fresh database (on the
// embedded PostgreSQL, or on DATABASE_URL's server), migrated, and the
// production Next.js server on a free port.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyMigrations } from "../../lib/db/migrate";
import { freePort, startEmbeddedPostgres, type EmbeddedDb } from "../../lib/db/embedded";
import { dropDatabase, ensureDatabase, withDatabase } from "./database";

export type Db = { url: string; adminUrl: string; embedded: EmbeddedDb | null; stop: () => Promise<void> };

export async function startTestDatabase(label = "test"): Promise<Db> {
  const name = `dolfin_${label}_${randomBytes(4).toString("hex")}`;
  if (process.env.DATABASE_URL) {
    const adminUrl = process.env.DATABASE_URL;
    await ensureDatabase(adminUrl, name);
    return { url: withDatabase(adminUrl, name), adminUrl, embedded: null, stop: () => dropDatabase(adminUrl, name).catch(() => {}) };
  }
  const embedded = await startEmbeddedPostgres();
  const adminUrl = embedded.url("postgres");
  await ensureDatabase(adminUrl, name);
  return { url: embedded.url(name), adminUrl, embedded, stop: () => embedded.stop() };
}

export function build(): void {
  console.log("\n▶ next build");
  const r = spawnSync("npm", ["run", "--silent", "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (r.status !== 0) throw new Error("next build failed");
}

/** The serving layer compiled by `npm run build` (scripts/build-server.mjs writes this path): what production, the tests and the bench run. */
export const SERVER_BUNDLE = ".next/dolfin-server.mjs";

/**
 * V8's young generation in production: every Next.js request leaves a lot of
 * short-lived garbage (web Request/Response, streams, AbortSignal), and with
 * Node's default 16 MB semi-spaces more of it is collected and copied while
 * still alive.
 * Measured, two processes each, GET /api/me: 32 MB answers 6-7% more requests
 * per second than the default for ~30 MB more memory; 64 MB was no better.
 */
export const PRODUCTION_NODE_FLAGS = ["--max-semi-space-size=32"];

/** How scripts start the server: the compiled bundle in production, the TypeScript source through tsx for `npm run dev`. */
export function serverArgs(mode: "production" | "dev"): string[] {
  return mode === "production" ? [...PRODUCTION_NODE_FLAGS, SERVER_BUNDLE] : ["--import", "tsx", "server/index.ts"];
}

/** Whether `npm run build` has run: the Next.js build and the compiled server. */
export function hasBuild(): boolean {
  return fs.existsSync(".next/BUILD_ID") && fs.existsSync(SERVER_BUNDLE);
}

export type Server = { url: string; port: number; proc: ChildProcess; logFile: string; logs: () => string; stop: () => Promise<void> };

/**
 * The production server (server/index.ts, compiled: our custom server over
 * `next start`'s handler) on a free port. Its output goes straight to a file (never
 * a pipe: a parent busy in spawnSync would stop draining it, and a full pipe
 * blocks the server on its next log line).
 */
export async function startServer(opts: { databaseUrl: string; authSecret: string; env?: Record<string, string>; logFile?: string; nodeArgs?: string[]; appHost?: "localhost" }): Promise<Server> {
  if (!hasBuild()) throw new Error("No production build: run npm run build first");
  const port = await freePort();
  const logFile = opts.logFile ?? path.join(os.tmpdir(), `dolfin-server-${port}-${Date.now()}.log`);
  const fd = fs.openSync(logFile, "a");
  const proc = spawn("node", [...(opts.nodeArgs ?? []), ...serverArgs("production")], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: opts.databaseUrl,
      AUTH_SECRET: opts.authSecret,
      PORT: String(port),
      HOST: "127.0.0.1",
      // production requires it: links point at this throwaway server. appHost "localhost": WebAuthn needs a hostname as its relying party.
      APP_URL: `http://${opts.appHost ?? "127.0.0.1"}:${port}`,
      ...opts.env,
    },
    stdio: ["ignore", fd, fd],
  });
  fs.closeSync(fd);
  const logs = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "");
  const url = `http://${opts.appHost ?? "127.0.0.1"}:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the server exited (${proc.exitCode}):\n${logs()}`);
    try {
      const r = await fetch(`${url}/api/health`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server did not become healthy:\n${logs()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    proc,
    logFile,
    logs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
        setTimeout(() => proc.kill("SIGKILL"), 5000).unref();
      }),
  };
}

export async function migrate(url: string): Promise<void> {
  await applyMigrations(url);
}

export function randomSecret(): string {
  return randomBytes(32).toString("base64url");
}
