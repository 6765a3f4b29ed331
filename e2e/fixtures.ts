// Each e2e test gets its own Client(s) and users in the real database, and
// signs in through next-auth's CSRF + credentials endpoints (the sign-in form
// itself is covered by its own test).
import { randomBytes } from "node:crypto";
import { hash } from "@node-rs/argon2";
import { PrismaPg } from "@prisma/adapter-pg";
import { test as base, expect, type APIRequestContext, type Page } from "@playwright/test";
import { PrismaClient, type ClientType, type MemberRole } from "../lib/generated/prisma/client";

export const PASSWORD = "e2e correct horse battery";
const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.TEST_DATABASE_URL! }) });
let pwHash: Promise<string> | undefined;
const uid = () => randomBytes(4).toString("hex");

export type Seeded = { clientId: string; clientName: string };

export const factory = {
  db,
  async client(type: ClientType = "Live", name = `E2E ${type} ${uid()}`, extra: { keysMustExpire?: boolean; maxKeyLifetimeDays?: number | null; maxActiveKeys?: number } = {}): Promise<Seeded> {
    const c = await db.client.create({ data: { name, type, ...extra } });
    return { clientId: c.id, clientName: c.name };
  },
  async user(roles: [Seeded, MemberRole][], name = "E2E User"): Promise<{ id: string; email: string }> {
    const email = `e2e-${uid()}@example.test`;
    const u = await db.user.create({ data: { email, name, passwordHash: await (pwHash ??= hash(PASSWORD)) } });
    for (const [c, role] of roles) await db.clientMember.create({ data: { clientId: c.clientId, userId: u.id, role } });
    return { id: u.id, email };
  },
};

/** Sign the page's browser context in (cookies are shared between page and page.request). */
export async function signIn(page: Page, email: string): Promise<void> {
  const req: APIRequestContext = page.request;
  const { csrfToken } = await (await req.get("/api/auth/csrf")).json();
  const r = await req.post("/api/auth/callback/credentials", { form: { csrfToken, email, password: PASSWORD }, maxRedirects: 0 });
  expect([200, 302]).toContain(r.status());
}

/**
 * A write through the API with the page's session cookie, sent the way our own
 * pages send it: with the app's Origin (cookie writes from elsewhere are refused).
 */
export function apiWrite(page: Page, method: "POST" | "PUT", url: string, data?: unknown, headers: Record<string, string> = {}) {
  const origin = new URL(page.url() === "about:blank" ? process.env.TEST_BASE_URL ?? "http://127.0.0.1:3000" : page.url()).origin;
  return page.request.fetch(url, { method, data, headers: { origin, ...headers } });
}

/** Create a key through the API as the signed-in user (setup for list/revoke tests). */
export async function apiCreateKey(page: Page, body: Record<string, unknown> = {}) {
  const r = await apiWrite(page, "POST", "/api/api-keys", body);
  expect(r.status()).toBe(201);
  return (await r.json()) as { id: string; rawKey: string; keyPrefix: string; expiresAt: string | null };
}

export const test = base;
export { expect };
