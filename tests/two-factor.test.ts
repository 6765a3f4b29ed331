// Second factor (authenticator app + recovery codes), over HTTP against the
// production server and real PostgreSQL: enrolment, sign-in asking for the
// code before any token exists, wrong and replayed codes, recovery codes
// once, removal with a proof, API keys refused, nothing secret in the log or
// the database, the emails on a real SMTP catcher, and the operator's reset.
import { execFile } from "node:child_process";
import fs from "node:fs";
import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startMailCatcher, type MailCatcher } from "../scripts/lib/mail-catcher";
import { startServer, type Server } from "../scripts/lib/stack";
import { api, BASE, createKey, db, makeClient, makeUser, PASSWORD, signInCookie, type Tenant, type TestUser } from "./helpers";

// A code is good once per 30-second step, so some tests wait for the next step: more than the default 30 s on a busy machine.
vi.setConfig({ testTimeout: 120_000 });

let client: Tenant;
beforeAll(async () => {
  client = await makeClient("Live");
});
afterAll(async () => {
  await db.$disconnect();
});

/** The codes an authenticator app would show, each time step used at most once (the server refuses replays). */
class App {
  private last = -Infinity;
  constructor(readonly secret: string) {}
  private totp() {
    return new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(this.secret) });
  }
  /** A code for a time step not used yet (now, or the next one: the server accepts one step either side). */
  async next(): Promise<string> {
    for (;;) {
      const cur = Math.floor(Date.now() / 30_000);
      const step = Math.max(this.last + 1, cur);
      if (step <= cur + 1) {
        this.last = step;
        return this.totp().generate({ timestamp: step * 30_000 + 15_000 });
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  /** A well-formed code that is not the app's around now. */
  wrong(): string {
    const now = Date.now();
    const real = new Set([-1, 0, 1].map((d) => this.totp().generate({ timestamp: now + d * 30_000 })));
    for (let i = 0; ; i++) {
      const c = String((123456 + i * 7919) % 1_000_000).padStart(6, "0");
      if (!real.has(c)) return c;
    }
  }
}

async function enrol(u: TestUser, base = "") {
  const post = async (path: string, body?: unknown) =>
    base
      ? fetch(base + path, { method: "POST", headers: { authorization: `Bearer ${u.token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }))
      : api(path, { method: "POST", token: u.token, body });
  const start = await post("/api/account/two-factor/totp");
  expect(start.status).toBe(201);
  const app = new App(start.body.secret);
  const confirm = await post("/api/account/two-factor/totp/confirm", { code: await app.next() });
  expect(confirm.status).toBe(200);
  return { app, secret: start.body.secret as string, otpauthUrl: start.body.otpauthUrl as string, recoveryCodes: confirm.body.recoveryCodes as string[] };
}

/** npm run admin, run without blocking this process (the SMTP catcher lives here and must answer the CLI). */
function admin(args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "node",
      ["node_modules/.bin/tsx", "--conditions=react-server", "scripts/admin.ts", ...args],
      { env: { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL, AUTH_SECRET: process.env.TEST_AUTH_SECRET, LOG_LEVEL: "warn", ...env }, encoding: "utf8", timeout: 120_000 },
      (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

const token = (email: string, extra: Record<string, unknown> = {}) => api("/api/auth/token", { body: { email, password: PASSWORD, ...extra } });

describe("setting up the authenticator app", () => {
  it("enrols with a secret and otpauth URL, confirms with the app's code, answers ten recovery codes; nothing in clear in the database", async () => {
    const u = await makeUser([[client, "Member"]]);
    expect((await api("/api/account/two-factor", { token: u.token })).body).toEqual({ totp: false, passkeys: [], recoveryCodesLeft: 0 });

    const start = await api("/api/account/two-factor/totp", { method: "POST", token: u.token });
    expect(start.status).toBe(201);
    expect(start.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(start.body.otpauthUrl);
    expect(url.protocol).toBe("otpauth:");
    expect(url.host).toBe("totp");
    expect(url.searchParams.get("secret")).toBe(start.body.secret);
    expect(url.searchParams.get("algorithm")).toBe("SHA1");
    expect(url.searchParams.get("digits")).toBe("6");
    expect(url.searchParams.get("period")).toBe("30");
    expect(url.searchParams.get("issuer")).toBe("Dolfin");
    expect(decodeURIComponent(url.pathname)).toContain(u.email);
    // Pending: sign-in does not ask yet.
    expect((await token(u.email)).status).toBe(200);

    const app = new App(start.body.secret);
    const wrong = await api("/api/account/two-factor/totp/confirm", { token: u.token, body: { code: app.wrong() } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe("TwoFactor.InvalidCode");
    const malformed = await api("/api/account/two-factor/totp/confirm", { token: u.token, body: { code: "12ab56" } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.code[0]).toContain("6-digit");

    const ok = await api("/api/account/two-factor/totp/confirm", { token: u.token, body: { code: await app.next() } });
    expect(ok.status).toBe(200);
    expect(ok.body.recoveryCodes).toHaveLength(10);
    expect(new Set(ok.body.recoveryCodes).size).toBe(10);
    for (const c of ok.body.recoveryCodes) expect(c).toMatch(/^[2-9a-z]{5}-[2-9a-z]{5}$/);
    expect((await api("/api/account/two-factor", { token: u.token })).body).toEqual({ totp: true, passkeys: [], recoveryCodesLeft: 10 });

    // Confirming twice, or starting over while on: refused.
    expect((await api("/api/account/two-factor/totp/confirm", { token: u.token, body: { code: app.wrong() } })).body.code).toBe("TwoFactor.AlreadyEnabled");
    expect((await api("/api/account/two-factor/totp", { method: "POST", token: u.token })).status).toBe(409);

    const factor = await db.userFactor.findFirstOrThrow({ where: { userId: u.id } });
    expect(factor.secretSealed).not.toContain(start.body.secret);
    expect(factor.secretSealed).toMatch(/^v1\./);
    const hashes = await db.recoveryCode.findMany({ where: { userId: u.id } });
    expect(hashes).toHaveLength(10);
    const stored = JSON.stringify([factor, hashes], (_k, v) => (typeof v === "bigint" ? String(v) : v));
    for (const c of ok.body.recoveryCodes) {
      expect(stored).not.toContain(c);
      expect(stored).not.toContain(c.replace("-", ""));
    }
  });

  it("API keys get 403 Auth.NotUserScopedToken on every two-factor route", async () => {
    const owner = await makeUser([[client, "Owner"]]);
    const key = await createKey({ token: owner.token });
    for (const [method, path, body] of [
      ["GET", "/api/account/two-factor", undefined],
      ["POST", "/api/account/two-factor/totp", undefined],
      ["POST", "/api/account/two-factor/totp/confirm", { code: "123456" }],
      ["DELETE", "/api/account/two-factor/totp", { password: PASSWORD }],
    ] as const) {
      const r = await api(path, { method, apiKey: key.rawKey, body });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.code).toBe("Auth.NotUserScopedToken");
    }
  });
});

describe("signing in with a second factor", () => {
  it("the right password alone gets 401 Auth.SecondFactorRequired and no token; with the app's code, a token", async () => {
    const u = await makeUser([[client, "Member"]]);
    const { app } = await enrol(u);
    const bare = await token(u.email);
    expect(bare.status).toBe(401);
    expect(bare.headers.get("content-type")).toContain("application/problem+json");
    expect(bare.body.code).toBe("Auth.SecondFactorRequired");
    expect(bare.text).not.toContain("token\":\"");
    // A wrong password says nothing about a second factor.
    const wrongPw = await api("/api/auth/token", { body: { email: u.email, password: "not-" + PASSWORD } });
    expect(wrongPw.body.code).toBe("Auth.InvalidCredentials");

    const r = await token(u.email, { otp: await app.next() });
    expect(r.status).toBe(200);
    expect((await api("/api/me", { token: r.body.token })).body.userId).toBe(u.id);
  });

  it("a wrong code is 401 Auth.InvalidSecondFactor and counts toward the account's sign-in limit (429 when spent)", async () => {
    const u = await makeUser([[client, "Member"]]);
    const { app } = await enrol(u);
    const key = `signInAccount:${u.email}`;
    const r = await token(u.email, { otp: app.wrong() });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe("Auth.InvalidSecondFactor");
    expect((await db.rateLimit.findUnique({ where: { key } }))?.points).toBe(1);
    // A wrong recovery code too.
    expect((await token(u.email, { recoveryCode: "aaaaa-bbbbb" })).body.code).toBe("Auth.InvalidSecondFactor");
    expect((await db.rateLimit.findUnique({ where: { key } }))?.points).toBe(2);
    // Malformed codes: a clear 400, before any password check (nothing to count).
    const bad = await token(u.email, { otp: "12345" });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.otp[0]).toContain("6-digit");
    expect((await token(u.email, { otp: 123456 })).status).toBe(400);
    expect((await token(u.email, { otp: "123456", recoveryCode: "aaaaa-bbbbb" })).status).toBe(400);
    // Spend the rest (10 per 15 minutes): the next wrong code is 429, and then even the right code is refused.
    for (let i = 2; i < 10; i++) expect((await token(u.email, { otp: app.wrong() })).status).toBe(401);
    expect((await token(u.email, { otp: app.wrong() })).status).toBe(429);
    const locked = await token(u.email, { otp: await app.next() });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe("RateLimit.Exceeded");
  });

  it("a code is accepted once: the same code again (a replay within its window) is refused", async () => {
    const u = await makeUser([[client, "Member"]]);
    const { app } = await enrol(u);
    const code = await app.next();
    expect((await token(u.email, { otp: code })).status).toBe(200);
    const again = await token(u.email, { otp: code });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe("Auth.InvalidSecondFactor");
    // Two racing with one fresh code: exactly one wins.
    const fresh = await app.next();
    const both = await Promise.all([token(u.email, { otp: fresh }), token(u.email, { otp: fresh })]);
    expect(both.map((b) => b.status).sort()).toEqual([200, 401]);
  });

  it("a recovery code signs in once and only once, in any case and with or without its dash", async () => {
    const u = await makeUser([[client, "Member"]]);
    const { recoveryCodes } = await enrol(u);
    const [first, second] = recoveryCodes;
    expect((await token(u.email, { recoveryCode: first })).status).toBe(200);
    const reused = await token(u.email, { recoveryCode: first });
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe("Auth.InvalidSecondFactor");
    expect((await token(u.email, { recoveryCode: ` ${second.replace("-", "").toUpperCase()} ` })).status).toBe(200);
    const t = await token(u.email, { recoveryCode: recoveryCodes[2] });
    expect((await api("/api/account/two-factor", { token: t.body.token })).body.recoveryCodesLeft).toBe(7);
    expect(await db.recoveryCode.count({ where: { userId: u.id, usedAt: { not: null } } })).toBe(3);
  });

  it("the browser's credentials sign-in makes no session without the code, and one with it", async () => {
    const u = await makeUser([[client, "Member"]]);
    const { app } = await enrol(u);
    await expect(signInCookie(u.email)).rejects.toThrow(/sign-in failed/);
    const csrf = await fetch(`${BASE}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const jar = csrf.headers.getSetCookie().map((c) => c.split(";")[0]);
    const signIn = (otp: string) =>
      fetch(`${BASE}/api/auth/callback/credentials`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.join("; "), origin: BASE },
        body: new URLSearchParams({ csrfToken, email: u.email, password: PASSWORD, otp, callbackUrl: BASE }),
        redirect: "manual",
      });
    const wrong = await signIn(app.wrong());
    expect(wrong.headers.getSetCookie().some((c) => c.startsWith("authjs.session-token="))).toBe(false);
    expect(wrong.headers.get("location")).toContain("code=invalid_second_factor");
    const ok = await signIn(await app.next());
    const session = ok.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith("authjs.session-token="));
    expect(session).toBeTruthy();
    expect((await api("/api/me", { cookie: session! })).body.userId).toBe(u.id);
  });
});

describe("removing the authenticator app", () => {
  it("needs a current code or the password (a session alone cannot), counts wrong ones, then sign-in needs only the password", async () => {
    const u = await makeUser([[client, "Member"]]);
    const { app } = await enrol(u);
    const t = (await token(u.email, { otp: await app.next() })).body.token as string;
    const del = (body: unknown) => api("/api/account/two-factor/totp", { method: "DELETE", token: t, body });
    expect((await del({})).status).toBe(400);
    expect((await api("/api/account/two-factor/totp", { method: "DELETE", token: t })).status).toBe(400);
    const wrongCode = await del({ code: app.wrong() });
    expect(wrongCode.status).toBe(403);
    expect(wrongCode.body.code).toBe("Auth.InvalidSecondFactor");
    const wrongPw = await del({ password: "not-" + PASSWORD });
    expect(wrongPw.status).toBe(403);
    expect(wrongPw.body.code).toBe("Auth.InvalidCredentials");
    expect((await db.rateLimit.findUnique({ where: { key: `signInAccount:${u.email}` } }))?.points).toBe(2);
    expect((await api("/api/account/two-factor", { token: t })).body.totp).toBe(true);

    expect((await del({ code: await app.next() })).status).toBe(204);
    expect((await api("/api/account/two-factor", { token: t })).body).toEqual({ totp: false, passkeys: [], recoveryCodesLeft: 0 });
    expect(await db.recoveryCode.count({ where: { userId: u.id } })).toBe(0);
    expect((await token(u.email)).status).toBe(200);
    expect((await del({ password: PASSWORD })).body.code).toBe("TwoFactor.NotEnabled");
  });

  it("wrong codes spend the account's sign-in budget; past it, even the right code is refused unchecked (no brute force from a session)", async () => {
    const u = await makeUser([[client, "Member"]]);
    const { app, recoveryCodes } = await enrol(u);
    // Signed in with a recovery code, so the app's next code is still unused (no wait for another 30-second step).
    const t = (await token(u.email, { recoveryCode: recoveryCodes[0] })).body.token as string;
    const del = (body: unknown) => api("/api/account/two-factor/totp", { method: "DELETE", token: t, body });
    const budget = (await db.rateLimit.findUnique({ where: { key: `signInAccount:${u.email}` } }))?.points ?? 0;
    const statuses: number[] = [];
    for (let i = 0; i < 12 - budget; i++) statuses.push((await del({ code: app.wrong() })).status);
    expect(statuses.at(-1)).toBe(429);
    const right = await del({ code: await app.next() });
    expect(right.status).toBe(429);
    expect((await api("/api/account/two-factor", { token: t })).body.totp).toBe(true);
  });

  it("with the password; and it can be set up again", async () => {
    const u = await makeUser([[client, "Member"]]);
    await enrol(u);
    expect((await token(u.email)).body.code).toBe("Auth.SecondFactorRequired");
    expect((await api("/api/account/two-factor/totp", { method: "DELETE", token: u.token, body: { password: PASSWORD } })).status).toBe(204);
    const again = await enrol(u);
    expect(again.recoveryCodes).toHaveLength(10);
    expect((await token(u.email)).body.code).toBe("Auth.SecondFactorRequired");
  });
});

describe("no secret leaks", () => {
  it("the TOTP secret, its codes and the recovery codes never reach the server log", async () => {
    const u = await makeUser([[client, "Member"]]);
    const { app, secret, recoveryCodes } = await enrol(u);
    const code = await app.next();
    await token(u.email, { otp: code });
    await token(u.email, { recoveryCode: recoveryCodes[0] });
    await token(u.email, { recoveryCode: "zzzzz-zzzzz" });
    await new Promise((r) => setTimeout(r, 1000));
    const log = fs.readFileSync(process.env.TEST_SERVER_LOG!, "utf8");
    expect(log).toContain(u.id); // it does log the events, by user id
    expect(log).not.toContain(secret);
    for (const c of recoveryCodes) {
      expect(log).not.toContain(c);
      expect(log).not.toContain(c.replace("-", ""));
    }
    expect(log).not.toContain(`"${code}"`);
    // A wrong or missing code at the browser's sign-in is an expected outcome: logged as info, not an error with a stack.
    expect(log).not.toMatch(/"level":50[^\n]*credentialssignin/);
  });
});

describe("emails and the operator's reset (a server with SMTP)", () => {
  let mail: MailCatcher;
  let s: Server;
  beforeAll(async () => {
    mail = await startMailCatcher({ webPort: null });
    s = await startServer({
      databaseUrl: process.env.TEST_DATABASE_URL!,
      authSecret: process.env.TEST_AUTH_SECRET!,
      env: { SMTP_URL: mail.smtpUrl, MAIL_FROM: "Dolfin <keys@dolfin.test>", MAIL_POLL_INTERVAL_MS: "100", RATE_LIMIT_SIGN_IN_FAILURES_PER_MINUTE: "100000" },
    });
  }, 120_000);
  afterAll(async () => {
    await s?.stop();
    await mail?.stop();
  }, 60_000);

  const post = (path: string, body: unknown, t?: string, method = "POST") =>
    fetch(s.url + path, { method, headers: { "content-type": "application/json", ...(t ? { authorization: `Bearer ${t}` } : {}) }, body: JSON.stringify(body) }).then(async (r) => ({
      status: r.status,
      body: r.status === 204 ? null : await r.json(),
    }));

  it("emails when the app is added, when a recovery code is used (how many are left) and when it is removed", async () => {
    const u = await makeUser([[client, "Member"]]);
    const { app, recoveryCodes } = await enrol(u, s.url);
    const added = await mail.waitFor((m) => m.to.includes(u.email) && /turned on/.test(m.subject));
    expect(added.text).toContain("authenticator app was added");
    const used = await post("/api/auth/token", { email: u.email, password: PASSWORD, recoveryCode: recoveryCodes[4] });
    expect(used.status).toBe(200);
    const rc = await mail.waitFor((m) => m.to.includes(u.email) && /recovery code was used/i.test(m.subject));
    expect(rc.subject).toContain("9 left");
    expect(rc.text).toContain("You have 9 recovery codes left.");
    expect(rc.text).not.toContain(recoveryCodes[4]);
    expect((await post("/api/account/two-factor/totp", { code: await app.next() }, used.body.token, "DELETE")).status).toBe(204);
    const removed = await mail.waitFor((m) => m.to.includes(u.email) && /turned off/.test(m.subject));
    expect(removed.text).toContain("was removed");
  });

  it("npm run admin -- reset-two-factor removes the factors, ends every session, is audited and emailed", async () => {
    const other = await makeClient("Sandbox");
    const u = await makeUser([[client, "Admin"], [other, "Member"]]);
    const { app } = await enrol(u, s.url);
    const live = (await token(u.email, { otp: await app.next() })).body.token as string;
    expect((await api("/api/me", { token: live })).status).toBe(200);

    const r = await admin(["reset-two-factor", "--email", u.email.toUpperCase()], { SMTP_URL: mail.smtpUrl, MAIL_FROM: "Dolfin <keys@dolfin.test>" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("Removed 1 second factor(s) and 10 recovery code(s)");

    expect(await db.userFactor.count({ where: { userId: u.id } })).toBe(0);
    expect(await db.recoveryCode.count({ where: { userId: u.id } })).toBe(0);
    expect((await api("/api/me", { token: live })).body.code).toBe("Auth.SessionEnded");
    expect((await token(u.email)).status).toBe(200);
    for (const c of [client, other]) {
      const e = await db.auditEvent.findFirstOrThrow({ where: { clientId: c.id, action: "user.twoFactorReset", targetId: u.id } });
      expect(e.actorLabel).toContain("operator");
      expect(e.targetLabel).toBe(u.email);
    }
    const m = await mail.waitFor((x) => x.to.includes(u.email) && /turned off/.test(x.subject));
    expect(m.text).toContain("operator removed");

    const unknown = await admin(["reset-two-factor", "--email", "nobody-here@example.test"]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("No account with the email");
  }, 180_000);
});
