// A production deployment from nothing: `npm start` on an empty database
// seeds nothing and says how to bring in the first Owner; the operator's CLI
// creates the Client and the Owner's invitation; the link makes the Owner.
// A database holding the demo accounts is refused, however the server is
// started (npm start, or the README's direct `node .next/dolfin-server.mjs`);
// so is a production start without APP_URL.
import { spawn, spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { freePort } from "@/lib/db/embedded";
import { seed } from "../prisma/seed";
import { dropDatabase, ensureDatabase, withDatabase } from "../scripts/lib/database";
import { PRODUCTION_NODE_FLAGS, SERVER_BUNDLE } from "../scripts/lib/stack";
import { uid } from "./helpers";

const ADMIN_URL = withDatabase(process.env.TEST_DATABASE_URL!, "postgres");
const NAME = `deploy_${uid()}`;
const URL_ = withDatabase(process.env.TEST_DATABASE_URL!, NAME);
const SECRET = "deploy-test-secret-0123456789abcdefghijkl";
const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: URL_, AUTH_SECRET: SECRET, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", LOG_LEVEL: "warn" };
delete env.APP_URL; // each start says where it is, or (the test of it) nothing

beforeAll(async () => ensureDatabase(ADMIN_URL, NAME));
afterAll(async () => dropDatabase(ADMIN_URL, NAME), 60_000);

type Started = { url: string; output: () => string; exited: Promise<number | null>; stop: () => Promise<void> };

/** `npm start` (scripts/start.ts), as an operator runs it. */
async function npmStart(extra: Record<string, string> = {}): Promise<Started> {
  const port = await freePort();
  return started(port, ["node_modules/.bin/tsx", "scripts/start.ts"], { APP_URL: `http://127.0.0.1:${port}`, ...extra });
}

/** The README's direct start: `NODE_ENV=production node --max-semi-space-size=32 .next/dolfin-server.mjs`, with our environment. */
async function directStart(extra: Record<string, string> = {}, appUrl = true): Promise<Started> {
  const port = await freePort();
  return started(port, [...PRODUCTION_NODE_FLAGS, SERVER_BUNDLE], { HOST: "127.0.0.1", ...(appUrl ? { APP_URL: `http://127.0.0.1:${port}` } : {}), ...extra });
}

async function started(port: number, args: string[], extra: Record<string, string>): Promise<Started> {
  const proc = spawn("node", args, { env: { ...env, PORT: String(port), ...extra }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const stop = async () => {
    if (proc.exitCode !== null) return;
    try {
      process.kill(-proc.pid!, "SIGTERM");
    } catch {
      // gone already
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
    try {
      process.kill(-proc.pid!, "SIGKILL");
    } catch {
      // gone
    }
  };
  return { url: `http://127.0.0.1:${port}`, output: () => out, exited, stop };
}

/** How a start that must be refused ends: its exit code, or "running" if it was not refused within a minute. */
async function refused(s: Started): Promise<number | null | "running"> {
  const code = await Promise.race([s.exited, new Promise<"running">((r) => setTimeout(() => r("running"), 60_000))]);
  await s.stop();
  return code;
}

async function prisma() {
  const { PrismaClient } = await import("@/lib/generated/prisma/client");
  const { PrismaPg } = await import("@prisma/adapter-pg");
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: URL_ }) });
}

async function healthy(s: Started): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  let exitedEarly = false;
  void s.exited.then(() => (exitedEarly = true));
  while (Date.now() < deadline && !exitedEarly) {
    try {
      if ((await fetch(`${s.url}/api/health`)).ok) return true;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** A POST on a fresh connection's terms: a kept-alive socket the server closed while the CLI ran is retried once. */
async function post(url: string, body: unknown): Promise<Response> {
  const init = { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  try {
    return await fetch(url, init);
  } catch {
    return fetch(url, init);
  }
}

function admin(...args: string[]) {
  const r = spawnSync("node", ["node_modules/.bin/tsx", "--conditions=react-server", "scripts/admin.ts", ...args], { env: { ...env, APP_URL: "https://keys.example.test" }, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("deploying to production", () => {
  it("an empty database gets the migrations and no accounts; the CLI brings in the first Owner", async () => {
    const s = await npmStart();
    onTestFailed(() => console.log(`npm start said:\n${s.output()}`));
    try {
      expect(await healthy(s), s.output()).toBe(true);
      expect(s.output()).toContain("npm run admin -- create-client");
      expect(s.output()).not.toContain("dolfin-demo-password");
      const db = await prisma();
      try {
        expect(await db.user.count()).toBe(0);
        expect(await db.client.count()).toBe(0);
      } finally {
        await db.$disconnect();
      }

      expect(admin("--help").code).toBe(0);
      const made = admin("create-client", "--name", "Acme Payments", "--type", "Live", "--owner-email", "Alice@Example.com");
      expect(made.code, made.out).toBe(0);
      const link = /https:\/\/keys\.example\.test\/invite#(\S+)/.exec(made.out);
      expect(link, made.out).not.toBeNull();
      const twin = admin("create-client", "--name", "acme payments", "--type", "Live", "--owner-email", "bob@example.com");
      expect(twin.code).toBe(1);
      expect(twin.out).toContain("--force");
      expect(admin("create-client", "--name", "X", "--type", "Gold", "--owner-email", "bob@example.com").code).toBe(2);
      const listed = admin("list-clients");
      expect(listed.out).toMatch(/Acme Payments .*1 pending invitation/);

      const accepted = await post(`${s.url}/api/client-invites/accept`, { token: decodeURIComponent(link![1]), name: "Alice", password: "the first owner's password" });
      expect(accepted.status).toBe(200);
      expect(await accepted.json()).toMatchObject({ email: "alice@example.com", role: "Owner", newAccount: true });
      const token = await post(`${s.url}/api/auth/token`, { email: "alice@example.com", password: "the first owner's password" });
      expect(token.status).toBe(200);
    } finally {
      await s.stop();
    }
  }, 180_000);

  it("refuses to serve a database holding the demo accounts, with one line saying what to do", async () => {
    await seed(URL_, () => {});
    const s = await npmStart();
    const code = await Promise.race([s.exited, new Promise<"running">((r) => setTimeout(() => r("running"), 60_000))]);
    await s.stop();
    expect(code).not.toBe("running");
    expect(code).not.toBe(0);
    expect(s.output()).toMatch(/Refusing to start: .*demo accounts.*remove-demo-accounts.*ALLOW_DEMO_ACCOUNTS=1/);

    expect(admin("remove-demo-accounts").code).toBe(0);
    const again = await npmStart();
    try {
      expect(await healthy(again), again.output()).toBe(true);
    } finally {
      await again.stop();
    }
  }, 180_000);

  it("the README's direct start refuses the demo accounts too (one line), unless ALLOW_DEMO_ACCOUNTS=1", async () => {
    await seed(URL_, () => {});
    try {
      const s = await directStart();
      const code = await refused(s);
      expect(code, s.output()).not.toBe("running");
      expect(code).not.toBe(0);
      expect(s.output()).toMatch(/Refusing to start: .*demo accounts \(.*owner@acme\.test.*\).*remove-demo-accounts.*ALLOW_DEMO_ACCOUNTS=1/);
      expect(s.output().trim().split("\n")).toHaveLength(1);

      const staging = await directStart({ ALLOW_DEMO_ACCOUNTS: "1" });
      try {
        expect(await healthy(staging), staging.output()).toBe(true);
        expect((await post(`${staging.url}/api/auth/token`, { email: "owner@acme.test", password: "dolfin-demo-password" })).status).toBe(200);
      } finally {
        await staging.stop();
      }
    } finally {
      expect(admin("remove-demo-accounts").code).toBe(0);
    }
  }, 180_000);

  it("remove-demo-accounts removes what the seed made, never an operator's Client that shares a demo name", async () => {
    // The README's own example name, its Owner still invited: nobody is a member yet.
    const made = admin("create-client", "--name", "Acme Payments", "--type", "Live", "--owner-email", "carol@example.com", "--force");
    expect(made.code, made.out).toBe(0);
    const db = await prisma();
    try {
      const carols = await db.client.findFirstOrThrow({ where: { invites: { some: { email: "carol@example.com" } } } });
      await seed(URL_, () => {}); // the seed makes its own "Acme Payments", marked as demo data
      expect(await db.clientMember.count({ where: { clientId: carols.id } })).toBe(0);
      expect(await db.client.count({ where: { demo: true } })).toBe(3);
      expect(admin("remove-demo-accounts").code).toBe(0);
      expect(await db.client.findUnique({ where: { id: carols.id } })).not.toBeNull();
      expect(await db.clientInvite.count({ where: { clientId: carols.id, email: "carol@example.com" } })).toBe(1);
      expect(await db.client.count({ where: { demo: true } })).toBe(0);
      expect(await db.user.count({ where: { email: { endsWith: ".test" } } })).toBe(0);
    } finally {
      await db.$disconnect();
    }
  }, 180_000);

  it("production does not start without APP_URL (links would follow the caller's Host): one line says so", async () => {
    const s = await directStart({}, false);
    const code = await refused(s);
    expect(code, s.output()).not.toBe("running");
    expect(code).not.toBe(0);
    expect(s.output().trim()).toMatch(/^APP_URL is required in production/);
    expect(s.output().trim().split("\n")).toHaveLength(1);
  }, 120_000);
});
