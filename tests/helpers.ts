// Integration-test helpers: real HTTP against the running production server,
// and a real PostgreSQL for fixtures. Each test file makes its own Clients and
// users (unique names), so files never see each other's data.
import { randomBytes } from "node:crypto";
import { hash } from "@node-rs/argon2";
import { PrismaPg } from "@prisma/adapter-pg";
import { applyMigrations } from "@/lib/db/migrate";
import { PrismaClient, type ClientType, type MemberRole } from "@/lib/generated/prisma/client";
import { dropDatabase, ensureDatabase, withDatabase } from "../scripts/lib/database";
import { assertMatchesDocument } from "./openapi-validator";

export const BASE = process.env.TEST_BASE_URL ?? "";
if (!BASE) throw new Error("TEST_BASE_URL is unset: run integration tests through `npm test` (scripts/test.ts starts the server).");

export const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.TEST_DATABASE_URL! }) });
export const PASSWORD = "correct horse battery staple";
let passwordHash: Promise<string> | undefined;

export const uid = () => randomBytes(5).toString("hex");

export type Res<T = any> = { status: number; headers: Headers; body: T; text: string };

export async function api<T = any>(
  path: string,
  opts: { method?: string; body?: unknown; rawBody?: BodyInit; headers?: Record<string, string>; apiKey?: string; token?: string; cookie?: string } = {},
): Promise<Res<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.apiKey !== undefined) headers["x-dolfin-api-key"] = opts.apiKey;
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie !== undefined) {
    headers.cookie = opts.cookie;
    headers.origin ??= BASE; // what a browser sends from our own pages
  }
  let body = opts.rawBody;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const method = opts.method ?? (body !== undefined ? "POST" : "GET");
  const r = await fetch(BASE + path, { method, headers, body, redirect: "manual" });
  const text = await r.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  if (path.startsWith("/api/") && !path.startsWith("/api/auth/") || path.startsWith("/api/auth/token")) {
    await assertMatchesDocument(BASE, method, path, r.status, r.headers.get("content-type"), parsed);
  }
  return { status: r.status, headers: r.headers, body: parsed as T, text };
}

export type Tenant = { id: string; name: string; type: ClientType };

export async function makeClient(type: ClientType = "Live", extra: { maxActiveKeys?: number; keysMustExpire?: boolean; maxKeyLifetimeDays?: number | null } = {}): Promise<Tenant> {
  const c = await db.client.create({ data: { name: `Test ${type} ${uid()}`, type, ...extra } });
  return { id: c.id, name: c.name, type: c.type };
}

export type TestUser = { id: string; email: string; token: string };

/** A user with the given role in each Client (the first one is active in the token). */
export async function makeUser(roles: [Tenant, MemberRole][]): Promise<TestUser> {
  const email = `user-${uid()}@example.test`;
  const user = await db.user.create({ data: { email, name: `User ${email.slice(5, 10)}`, passwordHash: await (passwordHash ??= hash(PASSWORD)) } });
  for (const [client, role] of roles) await db.clientMember.create({ data: { clientId: client.id, userId: user.id, role } });
  const t = await api("/api/auth/token", { body: { email, password: PASSWORD, clientId: roles[0]?.[0].id } });
  if (t.status !== 200) throw new Error(`token exchange failed: ${t.status} ${t.text}`);
  return { id: user.id, email, token: t.body.token };
}

/** Sign in through next-auth's CSRF + credentials endpoints, like the browser; returns the Cookie header. */
/** A browser's session cookie; `opts.base`: another server than the suite's, `opts.headers`: e.g. the browser's user-agent. */
export async function signInCookie(email: string, password = PASSWORD, opts: { base?: string; headers?: Record<string, string> } = {}): Promise<string> {
  const base = opts.base ?? BASE;
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = csrf.headers.getSetCookie().map((c) => c.split(";")[0]);
  const r = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { ...opts.headers, "content-type": "application/x-www-form-urlencoded", cookie: jar.join("; "), origin: base },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: base }),
    redirect: "manual",
  });
  const session = r.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith("authjs.session-token="));
  if (!session) throw new Error(`sign-in failed for ${email}: ${r.status}`);
  return session;
}

export async function createKey(auth: { apiKey?: string; token?: string; cookie?: string; headers?: Record<string, string> }, body: unknown = {}) {
  const r = await api("/api/api-keys", { ...auth, body });
  if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.text}`);
  return r.body as { id: string; clientId: string; rawKey: string; keyPrefix: string; name: string | null; createdAt: string; expiresAt: string | null };
}

/** A Client with an Owner and a first API key: the usual starting point. */
export async function makeTenant(type: ClientType = "Live") {
  const client = await makeClient(type);
  const owner = await makeUser([[client, "Owner"]]);
  const key = await createKey({ token: owner.token });
  return { client, owner, key };
}

export const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/**
 * A migrated database of the calling file's own, on the test database's server: for files whose servers'
 * mail workers and reminder jobs must not take (or be taken by) other files' rows. `drop` at the end.
 */
export async function ownDatabase(label: string): Promise<{ url: string; db: PrismaClient; drop: () => Promise<void> }> {
  const adminUrl = withDatabase(process.env.TEST_DATABASE_URL!, "postgres");
  const name = `dolfin_${label}_${uid()}`;
  await ensureDatabase(adminUrl, name);
  const url = withDatabase(process.env.TEST_DATABASE_URL!, name);
  await applyMigrations(url);
  const own = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  return {
    url,
    db: own,
    drop: async () => {
      await own.$disconnect();
      await dropDatabase(adminUrl, name).catch(() => {});
    },
  };
}
