// Sessions you can see and end: every browser sign-in and every Bearer token
// is a Session (its id in the token as `sid`). GET /api/account/sessions lists
// the live ones, DELETE /api/account/sessions/{id} ends one: its cookie or
// token is refused at once, on every instance (two more servers on the suite's
// database, with mail to a real SMTP catcher: a sign-in from a new device or
// address is emailed). Tokens from before sessions had ids keep working.
import { hash } from "@node-rs/argon2";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMailCatcher, type MailCatcher } from "../scripts/lib/mail-catcher";
import { startServer, type Server } from "../scripts/lib/stack";
import { api, BASE, db, makeTenant, makeUser, PASSWORD, signInCookie, uid } from "./helpers";

const CHROME_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const DAY = 86_400_000;

let mail: MailCatcher;
let a: Server;
let b: Server;
/** Rows made before the servers started: their hourly pruning (first run a second after start) must take the old ones only. */
let prunable: { old: string[]; kept: string[] };

async function call(base: string, path: string, init: { method?: string; body?: unknown; token?: string; cookie?: string; apiKey?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.cookie) Object.assign(headers, { cookie: init.cookie, origin: base });
  if (init.apiKey) headers["x-dolfin-api-key"] = init.apiKey;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const r = await fetch(base + path, { method: init.method ?? (init.body !== undefined ? "POST" : "GET"), headers, body: init.body !== undefined ? JSON.stringify(init.body) : undefined, redirect: "manual" });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function tokenFor(base: string, email: string, headers: Record<string, string> = {}): Promise<string> {
  const r = await call(base, "/api/auth/token", { body: { email, password: PASSWORD }, headers });
  expect(r.status).toBe(200);
  return r.body.token;
}

async function person(): Promise<{ id: string; email: string; name: string }> {
  const email = `sessions-${uid()}@example.test`;
  const name = `Sessions ${uid()}`;
  const u = await db.user.create({ data: { email, name, passwordHash: await hash(PASSWORD) } });
  const client = await db.client.create({ data: { name: `Sessions ${uid()}`, type: "Sandbox" } });
  await db.clientMember.create({ data: { clientId: client.id, userId: u.id, role: "Member" } }); // a token needs a Client
  return { id: u.id, email, name };
}

beforeAll(async () => {
  const owner = await person();
  const ended = (days: number) => ({ userId: owner.id, kind: "token" as const, createdAt: new Date(Date.now() - (days + 1) * DAY), lastSeenAt: new Date(Date.now() - (days + 1) * DAY), endedAt: new Date(Date.now() - days * DAY) });
  const rows = await db.session.createManyAndReturn({
    data: [
      ended(31), // ended 31 days ago: pruned
      { userId: owner.id, kind: "browser", createdAt: new Date(Date.now() - 40 * DAY), lastSeenAt: new Date(Date.now() - 31 * DAY) }, // expired 31 days ago: pruned
      ended(29), // ended 29 days ago: kept
      { userId: owner.id, kind: "token", createdAt: new Date(Date.now() - 29 * DAY), lastSeenAt: new Date(Date.now() - 29 * DAY) }, // expired 29 days ago: kept
    ],
    select: { id: true },
  });
  prunable = { old: rows.slice(0, 2).map((r) => r.id), kept: rows.slice(2).map((r) => r.id) };

  mail = await startMailCatcher({ webPort: null });
  const env = { SMTP_URL: mail.smtpUrl, MAIL_FROM: "Dolfin <keys@dolfin.test>", MAIL_POLL_INTERVAL_MS: "100", TRUSTED_PROXIES: "loopback", RATE_LIMIT_SIGN_IN_FAILURES_PER_MINUTE: "100000" };
  [a, b] = await Promise.all([
    startServer({ databaseUrl: process.env.TEST_DATABASE_URL!, authSecret: process.env.TEST_AUTH_SECRET!, env }),
    startServer({ databaseUrl: process.env.TEST_DATABASE_URL!, authSecret: process.env.TEST_AUTH_SECRET!, env }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await mail?.stop();
  await db.$disconnect();
}, 60_000);

describe("GET /api/account/sessions", () => {
  it("lists a browser sign-in and a token, newest first, with `current` on the one asking", async () => {
    const t = await makeTenant();
    const u = await makeUser([[t.client, "Member"]]); // its token: the first session
    const cookie = await signInCookie(u.email, PASSWORD, { headers: { "user-agent": CHROME_MAC, "x-forwarded-for": "203.0.113.9" } });

    const byToken = await api("/api/account/sessions", { token: u.token });
    expect(byToken.status).toBe(200);
    expect(byToken.body.data.map((s: { kind: string; current: boolean }) => [s.kind, s.current])).toEqual([
      ["browser", false],
      ["token", true],
    ]);
    const [browser, token] = byToken.body.data;
    expect(browser).toMatchObject({ ip: "203.0.113.9", userAgent: CHROME_MAC });
    expect(Date.parse(browser.createdAt)).toBeGreaterThanOrEqual(Date.parse(token.createdAt));

    const byCookie = await api("/api/account/sessions", { cookie });
    expect(byCookie.body.data.map((s: { id: string; current: boolean }) => [s.id, s.current])).toEqual([
      [browser.id, true],
      [token.id, false],
    ]);
    // Another person's sessions are never in the list.
    const other = await makeUser([[t.client, "Member"]]);
    expect((await api("/api/account/sessions", { token: other.token })).body.data).toHaveLength(1);
  });

  it("API keys get 403 Auth.NotUserScopedToken on both routes", async () => {
    const t = await makeTenant();
    const list = await api("/api/account/sessions", { apiKey: t.key.rawKey });
    expect([list.status, list.body.code]).toEqual([403, "Auth.NotUserScopedToken"]);
    const mine = (await api("/api/account/sessions", { token: t.owner.token })).body.data[0].id;
    const end = await api(`/api/account/sessions/${mine}`, { apiKey: t.key.rawKey, method: "DELETE" });
    expect([end.status, end.body.code]).toEqual([403, "Auth.NotUserScopedToken"]);
    expect((await api("/api/me", { token: t.owner.token })).status).toBe(200);
    expect((await api("/api/account/sessions")).status).toBe(401);
  });
});

describe("DELETE /api/account/sessions/{id}", () => {
  it("ends one session: its token and cookie get 401 Auth.SessionEnded at once on every instance, the others keep working", async () => {
    const u = await person();
    const keep = await tokenFor(BASE, u.email);
    const doomed = await tokenFor(a.url, u.email);
    const cookie = await signInCookie(u.email, PASSWORD, { base: a.url, headers: { "user-agent": CHROME_MAC } });
    for (const [s, auth] of [[a, { token: doomed }], [b, { token: doomed }], [b, { cookie }]] as const) expect((await call(s.url, "/api/account/sessions", auth)).status).toBe(200);

    const listed = (await call(b.url, "/api/account/sessions", { token: keep })).body.data as { id: string; kind: string; current: boolean }[];
    expect(listed).toHaveLength(3);
    const doomedId = (await call(a.url, "/api/account/sessions", { token: doomed })).body.data.find((s: { current: boolean }) => s.current).id;
    // Ended through B: A (and the suite's server) refuse it on the very next request.
    expect((await call(b.url, `/api/account/sessions/${doomedId}`, { token: keep, method: "DELETE" })).status).toBe(204);
    for (const s of [a.url, b.url, BASE]) {
      const r = await call(s, "/api/account/sessions", { token: doomed });
      expect([r.status, r.body.code]).toEqual([401, "Auth.SessionEnded"]);
    }
    for (const auth of [{ token: keep }, { cookie }]) expect((await call(a.url, "/api/account/sessions", auth)).status).toBe(200);
    // Ended already: not one of yours any more.
    expect((await call(a.url, `/api/account/sessions/${doomedId}`, { token: keep, method: "DELETE" })).status).toBe(404);

    // The browser session, ended through A: B refuses the cookie at once, the page sends it to sign in.
    const browserId = listed.find((s) => s.kind === "browser")!.id;
    expect((await call(a.url, `/api/account/sessions/${browserId}`, { token: keep, method: "DELETE" })).status).toBe(204);
    const viaCookie = await call(b.url, "/api/account/sessions", { cookie });
    expect([viaCookie.status, viaCookie.body.code]).toEqual([401, "Auth.SessionEnded"]);
    const page = await fetch(`${b.url}/settings/account`, { headers: { cookie }, redirect: "manual" });
    expect(page.status).toBe(307);
    expect(page.headers.get("location")).toContain("/sign-in");

    const left = (await call(BASE, "/api/account/sessions", { token: keep })).body.data;
    expect(left.map((s: { current: boolean }) => s.current)).toEqual([true]);
  });

  it("signing out ends the session for good: a copy of its cookie is refused on every instance, and it leaves the list", async () => {
    const u = await person();
    const keep = await tokenFor(BASE, u.email);
    const csrf = await fetch(`${a.url}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const jar = csrf.headers.getSetCookie().map((c) => c.split(";")[0]);
    const cookie = await signInCookie(u.email, PASSWORD, { base: a.url });
    expect((await call(b.url, "/api/me", { cookie })).status).toBe(200);
    const out = await fetch(`${a.url}/api/auth/signout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: [...jar, cookie].join("; "), origin: a.url },
      body: new URLSearchParams({ csrfToken, callbackUrl: a.url }),
      redirect: "manual",
    });
    expect(out.status).toBe(302);
    for (const s of [a.url, b.url]) {
      const r = await call(s, "/api/me", { cookie });
      expect([r.status, r.body.code]).toEqual([401, "Auth.SessionEnded"]);
    }
    const listed = (await call(BASE, "/api/account/sessions", { token: keep })).body.data as { kind: string }[];
    expect(listed.map((x) => x.kind)).toEqual(["token"]);
  });

  it("a browser session whose cookie is still accepted is listed and can be ended, however long since its last API call", async () => {
    const u = await person();
    const keep = await tokenFor(BASE, u.email);
    const cookie = await signInCookie(u.email, PASSWORD, { base: a.url });
    const row = await db.session.findFirstOrThrow({ where: { userId: u.id, kind: "browser" } });
    // Nine hours without a request that writes lastSeenAt (only next-auth's session endpoint renewed the cookie).
    await db.session.update({ where: { id: row.id }, data: { createdAt: new Date(Date.now() - 9 * 3_600_000), lastSeenAt: new Date(Date.now() - 9 * 3_600_000) } });
    expect((await fetch(`${a.url}/api/auth/session`, { headers: { cookie } })).status).toBe(200);
    // The renewal counts as use: the session is listed again.
    let listed: { id: string }[] = [];
    for (let i = 0; i < 50 && !listed.some((x) => x.id === row.id); i++) {
      await new Promise((r) => setTimeout(r, 100));
      listed = (await call(BASE, "/api/account/sessions", { token: keep })).body.data;
    }
    expect(listed.map((x) => x.id)).toContain(row.id);
    // And ended even if it had not been: whatever its age, a session not ended yet can be.
    await db.session.update({ where: { id: row.id }, data: { lastSeenAt: new Date(Date.now() - 9 * 3_600_000) } });
    expect((await call(BASE, `/api/account/sessions/${row.id}`, { token: keep, method: "DELETE" })).status).toBe(204);
    expect((await call(a.url, "/api/me", { cookie })).status).toBe(401);
  });

  it("another person's session id, an unknown one or a malformed one is 404 and ends nothing", async () => {
    const t = await makeTenant();
    const me = await makeUser([[t.client, "Admin"]]);
    const theirs = (await api("/api/account/sessions", { token: t.owner.token })).body.data[0].id;
    for (const id of [theirs, "01938f6e-3c2a-7d41-9a55-2f1c8b7e4d10", "not-a-uuid"]) {
      const r = await api(`/api/account/sessions/${id}`, { token: me.token, method: "DELETE" });
      expect([r.status, r.body.code]).toEqual([404, "Session.NotFound"]);
    }
    expect((await api("/api/me", { token: t.owner.token })).status).toBe(200);
    // From a browser, only our own pages may end one.
    const cookie = await signInCookie(me.email);
    const foreign = await api(`/api/account/sessions/${theirs}`, { cookie, method: "DELETE", headers: { origin: "https://evil.example" } });
    expect([foreign.status, foreign.body.code]).toEqual([403, "Request.CrossOrigin"]);
  });
});

describe("tokens from before sessions had ids; sign out everywhere; last seen; pruning", () => {
  it("a token without sid keeps working (not listed, none current) until sign out everywhere, which also ends every session row", async () => {
    const t = await makeTenant();
    const u = await makeUser([[t.client, "Owner"]]);
    const user = await db.user.findUniqueOrThrow({ where: { id: u.id } });
    const now = Math.floor(Date.now() / 1000);
    const old = await encode({
      salt: "authjs.session-token",
      secret: process.env.TEST_AUTH_SECRET!,
      maxAge: 8 * 3600,
      token: { sub: u.id, email: u.email, name: user.name, activeClientId: t.client.id, sv: user.sessionVersion, amr: ["pwd"], authTime: now },
    });
    expect((await api("/api/me", { token: old })).status).toBe(200);
    const listed = await api("/api/account/sessions", { token: old });
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((s: { current: boolean }) => s.current)).toEqual([false]);

    expect((await api("/api/auth/sessions/end", { token: old, method: "POST" })).status).toBe(204);
    for (const token of [old, u.token]) expect((await api("/api/me", { token })).body.code).toBe("Auth.SessionEnded");
    expect(await db.session.count({ where: { userId: u.id, endedAt: null } })).toBe(0);
    // A session id the server never issued is refused like an ended one.
    const forged = await encode({ salt: "authjs.session-token", secret: process.env.TEST_AUTH_SECRET!, maxAge: 3600, token: { sub: u.id, sv: user.sessionVersion + 1, sid: "01938f6e-3c2a-7d41-9a55-2f1c8b7e4d10" } });
    expect((await api("/api/me", { token: forged })).body.code).toBe("Auth.SessionEnded");
  });

  it("lastSeenAt moves on use, at most once a minute", async () => {
    const t = await makeTenant();
    const u = await makeUser([[t.client, "Member"]]);
    const row = await db.session.findFirstOrThrow({ where: { userId: u.id } });
    const before = new Date(Date.now() - 5 * 60_000);
    await db.session.update({ where: { id: row.id }, data: { lastSeenAt: before } });
    expect((await api("/api/me", { token: u.token })).status).toBe(200);
    let seen = before;
    for (let i = 0; i < 50 && seen.getTime() === before.getTime(); i++) {
      await new Promise((r) => setTimeout(r, 50));
      seen = (await db.session.findUniqueOrThrow({ where: { id: row.id } })).lastSeenAt;
    }
    expect(seen.getTime()).toBeGreaterThan(before.getTime());
    for (let i = 0; i < 3; i++) expect((await api("/api/me", { token: u.token })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect((await db.session.findUniqueOrThrow({ where: { id: row.id } })).lastSeenAt.getTime()).toBe(seen.getTime());
  });

  it("sessions ended or expired more than 30 days ago are pruned by the hourly job; younger ones stay", async () => {
    let left = prunable.old.length;
    for (let i = 0; i < 100 && left > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await db.session.count({ where: { id: { in: prunable.old } } });
    }
    expect(left).toBe(0);
    expect(await db.session.count({ where: { id: { in: prunable.kept } } })).toBe(2);
  });
});

describe("new-device email", () => {
  it("a sign-in from a device or address not seen in 30 days is emailed; a known one and the very first are not", async () => {
    const u = await person();
    const at = (ua: string, ip: string) => ({ "user-agent": ua, "x-forwarded-for": ip });
    await tokenFor(a.url, u.email, at(CHROME_MAC, "198.51.100.7")); // the very first session: nothing to compare with
    await signInCookie(u.email, PASSWORD, { base: b.url, headers: at(CHROME_MAC.replace("131.0", "132.0"), "198.51.100.7") }); // same browser and system, same address
    expect(await db.emailOutbox.count({ where: { to: u.email } })).toBe(0);

    await signInCookie(u.email, PASSWORD, { base: a.url, headers: at(FIREFOX_LINUX, "198.51.100.7") });
    const m = await mail.waitFor((x) => x.to.includes(u.email) && x.subject.includes("Firefox on Linux"), 10_000);
    expect(m.subject).toBe("New sign-in to your Dolfin account: Firefox on Linux");
    expect(m.text).toContain(`Hello ${u.name},`);
    expect(m.text).toContain("Firefox on Linux from 198.51.100.7");
    expect(m.text).toMatch(/end that session under Your account/);

    // A known device from a new address: emailed too.
    await tokenFor(b.url, u.email, at(CHROME_MAC, "192.0.2.77"));
    await mail.waitFor((x) => x.to.includes(u.email) && x.text.includes("from 192.0.2.77"), 10_000);
    expect(await db.emailOutbox.count({ where: { to: u.email } })).toBe(2);
  });
});
