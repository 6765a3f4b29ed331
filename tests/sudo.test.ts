// Sudo mode over HTTP: a server of its own with a 4-second window (SUDO_MAX_AGE_SECONDS), on the
// test database and with the test server's secret (so tokens minted by the helpers work on it too).
// Each sensitive action is refused with a token (or cookie) older than the window and allowed with a
// fresh one; reads, narrow changes and API keys are never asked; POST /api/auth/reauthenticate renews
// a cookie session's proof with a password or a code, and a wrong proof is 401 and counted.
import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { READ_SCOPES } from "@/lib/api-keys/access";
import { startServer, type Server } from "../scripts/lib/stack";
import { api, createKey, db, makeClient, makeUser, PASSWORD, uid, type Tenant, type TestUser } from "./helpers";

const WINDOW_SECONDS = 4;
let s: Server;
let live: Tenant;
let sandbox: Tenant;
let owner: TestUser;
let enroller: TestUser;
let ender: TestUser;
let writeKey: string; // a full-access API key of the Live Client
let ownerCookie: string; // signed in before the window passed
let otpCookie: string;
let otpUser: TestUser;
let otpSecret: string;
let guesserCookie: string;
let guesser: TestUser;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Res = { status: number; body: any; headers: Headers };
async function call(path: string, o: { method?: string; body?: unknown; token?: string; cookie?: string; apiKey?: string; clientId?: string; ip?: string } = {}): Promise<Res> {
  const headers: Record<string, string> = {};
  if (o.body !== undefined) headers["content-type"] = "application/json";
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.cookie) Object.assign(headers, { cookie: o.cookie, origin: s.url });
  if (o.apiKey) headers["x-dolfin-api-key"] = o.apiKey;
  if (o.clientId) headers["x-dolfin-client-id"] = o.clientId;
  if (o.ip) headers["x-forwarded-for"] = o.ip;
  const r = await fetch(s.url + path, { method: o.method ?? (o.body !== undefined ? "POST" : "GET"), headers, body: o.body === undefined ? undefined : JSON.stringify(o.body), redirect: "manual" });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null, headers: r.headers };
}

/** A token minted now on the short-window server (fresh for WINDOW_SECONDS). */
async function fresh(u: { email: string }, extra: Record<string, string> = {}, clientId = live.id): Promise<string> {
  const r = await call("/api/auth/token", { body: { email: u.email, password: PASSWORD, clientId, ...extra } });
  expect(r.status).toBe(200);
  return r.body.token;
}

async function signIn(email: string, extra: Record<string, string> = {}): Promise<string> {
  const csrf = await fetch(`${s.url}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = csrf.headers.getSetCookie().map((c) => c.split(";")[0]);
  const r = await fetch(`${s.url}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.join("; "), origin: s.url },
    body: new URLSearchParams({ csrfToken, email, password: PASSWORD, callbackUrl: s.url, ...extra }),
    redirect: "manual",
  });
  const session = r.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith("authjs.session-token="));
  if (!session) throw new Error(`sign-in failed for ${email}: ${r.status}`);
  return session;
}

const sessionCookieOf = (r: Res) => r.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith("authjs.session-token="));

const lastStep = new Map<string, number>();
/** A code the app shows, each time step once per secret (the server refuses a replay). */
async function code(secret: string): Promise<string> {
  for (;;) {
    const step = Math.max((lastStep.get(secret) ?? 0) + 1, Math.floor(Date.now() / 30_000));
    if (step <= Math.floor(Date.now() / 30_000) + 1) {
      lastStep.set(secret, step);
      return new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: step * 30_000 + 15_000 });
    }
    await sleep(1000);
  }
}

const policy = { keysMustExpire: false, maxKeyLifetimeDays: null, maxActiveKeys: 100 };

function expectReauth(r: Res, how: "token" | "session") {
  expect(r.status, JSON.stringify(r.body)).toBe(403);
  expect(r.body.code).toBe("Auth.ReauthenticationRequired");
  expect(r.body.detail).toContain(how === "token" ? "POST /api/auth/token" : "POST /api/auth/reauthenticate");
}

beforeAll(async () => {
  s = await startServer({
    databaseUrl: process.env.TEST_DATABASE_URL!,
    authSecret: process.env.TEST_AUTH_SECRET!,
    // The per-address sign-in budget is shared (in PostgreSQL) with every server on this database, whose
    // other tests sign in wrongly from 127.0.0.1 too: generous here, as on the shared server.
    env: { SUDO_MAX_AGE_SECONDS: String(WINDOW_SECONDS), TRUSTED_PROXIES: "loopback", RATE_LIMIT_SIGN_IN_FAILURES_PER_ACCOUNT: "3", RATE_LIMIT_SIGN_IN_FAILURES_PER_MINUTE: "100000" },
  });
  live = await makeClient("Live");
  sandbox = await makeClient("Sandbox");
  owner = await makeUser([[live, "Owner"], [sandbox, "Owner"]]);
  enroller = await makeUser([[live, "Member"]]);
  ender = await makeUser([[live, "Member"]]);
  guesser = await makeUser([[live, "Owner"]]);
  otpUser = await makeUser([[live, "Owner"]]);
  writeKey = (await createKey({ token: owner.token })).rawKey;
  // otpUser gets an authenticator app (on the main server: its default window).
  const start = await api("/api/account/two-factor/totp", { method: "POST", token: otpUser.token });
  expect(start.status).toBe(201);
  otpSecret = start.body.secret;
  expect((await api("/api/account/two-factor/totp/confirm", { token: otpUser.token, body: { code: await code(otpSecret) } })).status).toBe(200);
  ownerCookie = await signIn(owner.email);
  otpCookie = await signIn(otpUser.email, { otp: await code(otpSecret) });
  guesserCookie = await signIn(guesser.email);
  // Every token and cookie above is now older than the window.
  await sleep(WINDOW_SECONDS * 1000 + 800);
}, 120_000);

afterAll(async () => {
  await s?.stop();
  await db.$disconnect();
});

describe("each sensitive action: refused with an old token, allowed with a fresh one", () => {
  it("creating a full-access key, or one with a write scope, on a Live Client", async () => {
    expectReauth(await call("/api/api-keys", { token: owner.token, body: {} }), "token");
    expectReauth(await call("/api/api-keys", { token: owner.token, body: { scopes: ["bills:read", "invoices:write"] } }), "token");
    expect((await call("/api/api-keys", { token: await fresh(owner), body: {} })).status).toBe(201);
    expect((await call("/api/api-keys", { token: await fresh(owner), body: { scopes: ["invoices:write"] } })).status).toBe(201);
  });

  it("rotating a full-access key on a Live Client", async () => {
    const k = await createKey({ token: await fresh(owner) });
    expectReauth(await call(`/api/api-keys/${k.id}/rotate`, { token: owner.token, body: {} }), "token");
    expect((await call(`/api/api-keys/${k.id}/rotate`, { token: await fresh(owner), body: {} })).status).toBe(201);
  });

  it("widening a key's scopes or its allowlist", async () => {
    const k = await createKey({ token: await fresh(owner) }, { scopes: ["invoices:read"], allowedIps: ["10.0.0.0/8"] });
    expectReauth(await call(`/api/api-keys/${k.id}`, { method: "PATCH", token: owner.token, body: { scopes: ["invoices:read", "bills:read"] } }), "token");
    expectReauth(await call(`/api/api-keys/${k.id}`, { method: "PATCH", token: owner.token, body: { allowedIps: [] } }), "token");
    expectReauth(await call(`/api/api-keys/${k.id}`, { method: "PATCH", token: owner.token, body: { allowedIps: ["10.0.0.0/8", "192.0.2.0/24"] } }), "token");
    const unchanged = await db.apiKey.findUniqueOrThrow({ where: { id: k.id } });
    expect(unchanged.scopes).toEqual(["invoices:read"]);
    expect(unchanged.allowedIps).toEqual(["10.0.0.0/8"]);
    const widened = await call(`/api/api-keys/${k.id}`, { method: "PATCH", token: await fresh(owner), body: { scopes: null, allowedIps: [] } });
    expect(widened.status).toBe(200);
    expect(widened.body.scopes).toBeNull();
  });

  it("changing the Client policy", async () => {
    expectReauth(await call("/api/key-policy", { method: "PUT", token: owner.token, body: policy }), "token");
    expect((await call("/api/key-policy", { method: "PUT", token: await fresh(owner), body: policy })).status).toBe(200);
  });

  it("inviting or promoting an Owner", async () => {
    const email = `owner-${uid()}@example.test`;
    expectReauth(await call("/api/client-invites", { token: owner.token, body: { email, role: "Owner" } }), "token");
    const invited = await call("/api/client-invites", { token: await fresh(owner), body: { email, role: "Owner" } });
    expect(invited.status).toBe(201);
    // A new link for an Owner's invitation grants as much as the first: resend asks too.
    expectReauth(await call(`/api/client-invites/${invited.body.id}/resend`, { method: "POST", token: owner.token }), "token");
    expect((await call(`/api/client-invites/${invited.body.id}/resend`, { method: "POST", token: await fresh(owner) })).status).toBe(200);
    const promotee = await makeUser([[live, "Member"]]);
    expectReauth(await call(`/api/members/${promotee.id}`, { method: "PATCH", token: owner.token, body: { role: "Owner" } }), "token");
    expect((await db.clientMember.findFirstOrThrow({ where: { userId: promotee.id } })).role).toBe("Member");
    const promoted = await call(`/api/members/${promotee.id}`, { method: "PATCH", token: await fresh(owner), body: { role: "Owner" } });
    expect(promoted.status).toBe(200);
    expect(promoted.body.role).toBe("Owner");
  });

  it("adding or removing a second factor (start, confirm, remove)", async () => {
    expectReauth(await call("/api/account/two-factor/totp", { method: "POST", token: enroller.token }), "token");
    const start = await call("/api/account/two-factor/totp", { method: "POST", token: await fresh(enroller) });
    expect(start.status).toBe(201);
    expectReauth(await call("/api/account/two-factor/totp/confirm", { token: enroller.token, body: { code: await code(start.body.secret) } }), "token");
    expect((await call("/api/account/two-factor/totp/confirm", { token: await fresh(enroller), body: { code: await code(start.body.secret) } })).status).toBe(200);
    expectReauth(await call("/api/account/two-factor/totp", { method: "DELETE", token: enroller.token, body: { password: PASSWORD } }), "token");
    expect(await db.userFactor.count({ where: { userId: enroller.id, confirmedAt: { not: null } } })).toBe(1);
    const withCode = await fresh(enroller, { otp: await code(start.body.secret) });
    expect((await call("/api/account/two-factor/totp", { method: "DELETE", token: withCode, body: { password: PASSWORD } })).status).toBe(204);
  });

  it("ending every session (sign out everywhere)", async () => {
    expectReauth(await call("/api/auth/sessions/end", { method: "POST", token: ender.token }), "token");
    expect((await call("/api/me", { token: ender.token })).status).toBe(200); // still alive
    expect((await call("/api/auth/sessions/end", { method: "POST", token: await fresh(ender) })).status).toBe(204);
    expect((await call("/api/me", { token: ender.token })).status).toBe(401);
  });
});

describe("never asked", () => {
  it("read-only keys, Sandbox keys, narrowing, renaming, revoking and reading stay one step with an old token", async () => {
    const t = owner.token;
    expect((await call("/api/api-keys", { token: t, body: { scopes: [...READ_SCOPES] } })).status).toBe(201);
    expect((await call("/api/api-keys", { token: t, body: { scopes: ["invoices:read"] } })).status).toBe(201);
    expect((await call("/api/api-keys", { token: t, clientId: sandbox.id, body: {} })).status).toBe(201); // full access, but Sandbox
    const k = await createKey({ token: await fresh(owner) }, { allowedIps: ["10.0.0.0/8"] });
    expect((await call(`/api/api-keys/${k.id}`, { method: "PATCH", token: t, body: { scopes: ["invoices:read"], allowedIps: ["10.1.0.0/16"] } })).status).toBe(200);
    expect((await call(`/api/api-keys/${k.id}`, { method: "PATCH", token: t, body: { name: "renamed" } })).status).toBe(200);
    const ro = await createKey({ token: t }, { scopes: ["invoices:read"] });
    expect((await call(`/api/api-keys/${ro.id}/rotate`, { token: t, body: {} })).status).toBe(201);
    expect((await call(`/api/api-keys/${k.id}/revoke`, { method: "POST", token: t })).status).toBe(204);
    expect((await call("/api/key-policy", { token: t })).status).toBe(200);
    expect((await call("/api/api-keys", { token: t })).status).toBe(200);
    expect((await call("/api/client-invites", { token: t, body: { email: `admin-${uid()}@example.test`, role: "Admin" } })).status).toBe(201);
  });

  it("API keys are not people: a full-access key creates, rotates and widens keys without being asked", async () => {
    const made = await call("/api/api-keys", { apiKey: writeKey, body: {} });
    expect(made.status).toBe(201);
    expect((await call(`/api/api-keys/${made.body.id}/rotate`, { apiKey: writeKey, body: {} })).status).toBe(201);
    const narrow = await call("/api/api-keys", { apiKey: writeKey, body: { scopes: ["invoices:read"] } });
    expect((await call(`/api/api-keys/${narrow.body.id}`, { method: "PATCH", apiKey: writeKey, body: { scopes: null } })).status).toBe(200);
  });
});

describe("the browser's session", () => {
  it("a sign-in is a fresh proof: nothing is asked within the window", async () => {
    const cookie = await signIn(owner.email);
    expect((await call("/api/key-policy", { method: "PUT", cookie, body: policy })).status).toBe(200);
  });

  it("an old session is asked; POST /api/auth/reauthenticate with the password renews it", async () => {
    expectReauth(await call("/api/key-policy", { method: "PUT", cookie: ownerCookie, body: policy }), "session");
    const r = await call("/api/auth/reauthenticate", { cookie: ownerCookie, body: { password: PASSWORD } });
    expect(r.status).toBe(200);
    expect(Date.parse(r.body.sudoUntil) - Date.parse(r.body.authTime)).toBe(WINDOW_SECONDS * 1000);
    const renewed = sessionCookieOf(r);
    expect(renewed).toBeTruthy();
    expect((await call("/api/key-policy", { method: "PUT", cookie: renewed, body: policy })).status).toBe(200);
    expect((await call("/api/api-keys", { cookie: renewed, body: {} })).status).toBe(201);
  });

  it("with a code from the authenticator app (and a recovery code is a proof too)", async () => {
    expectReauth(await call("/api/api-keys", { cookie: otpCookie, body: {} }), "session");
    const r = await call("/api/auth/reauthenticate", { cookie: otpCookie, body: { otp: await code(otpSecret) } });
    expect(r.status).toBe(200);
    expect((await call("/api/api-keys", { cookie: sessionCookieOf(r), body: {} })).status).toBe(201);
  });

  it("a wrong proof is 401, changes nothing, and counts toward the sign-in limits", async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
    for (const body of [{ password: "not the password" }, { otp: "000000" }, { recoveryCode: "aaaaa-bbbbb" }]) {
      const r = await call("/api/auth/reauthenticate", { cookie: guesserCookie, ip, body });
      expect(r.status, JSON.stringify(r.body)).toBe(401);
      expect(r.body.code).toBe("Auth.InvalidProof");
      expect(sessionCookieOf(r)).toBeUndefined();
    }
    // The account's budget (3 here) is spent: the right password is refused, at reauthentication and at sign-in.
    expect((await call("/api/auth/reauthenticate", { cookie: guesserCookie, ip, body: { password: PASSWORD } })).status).toBe(429);
    expect((await call("/api/auth/token", { body: { email: guesser.email, password: PASSWORD } })).status).toBe(429);
    expectReauth(await call("/api/key-policy", { method: "PUT", cookie: guesserCookie, body: policy }), "session");
  });

  it("malformed proofs are 400; a Bearer token is told to get a new token; next-auth's update cannot move the proof time", async () => {
    for (const body of [{}, { password: "" }, { password: PASSWORD, otp: "123456" }, { otp: "12" }, "x"]) {
      expect((await call("/api/auth/reauthenticate", { cookie: ownerCookie, body })).status).toBe(400);
    }
    const bearer = await call("/api/auth/reauthenticate", { token: owner.token, body: { password: PASSWORD } });
    expect(bearer.status).toBe(400);
    expect(bearer.body.detail).toContain("POST /api/auth/token");
    // The browser's own session update (next-auth's POST /api/auth/session) with a made-up value: still old.
    const csrf = await fetch(`${s.url}/api/auth/csrf`, { headers: { cookie: ownerCookie } });
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const jar = [ownerCookie, ...csrf.headers.getSetCookie().map((c) => c.split(";")[0])].join("; ");
    const upd = await fetch(`${s.url}/api/auth/session`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: jar, origin: s.url },
      body: JSON.stringify({ csrfToken, data: { reauthenticated: "forged", authTime: Math.floor(Date.now() / 1000) } }),
    });
    const updated = upd.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith("authjs.session-token=")) ?? ownerCookie;
    expectReauth(await call("/api/key-policy", { method: "PUT", cookie: updated, body: policy }), "session");
  });
});
