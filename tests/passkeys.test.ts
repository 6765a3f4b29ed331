// Passkeys (WebAuthn), over HTTP against the production server and real
// PostgreSQL, with a software authenticator (tests/support): adding one
// (recovery codes with the first factor), the list, signing in with it alone
// (a session with amr hwk), as the second step after a password, the counter
// and last use moving forward, single-use challenges (replays refused), the
// wrong origin refused, removal, API keys refused, malformed bodies 400;
// proving it is you again (sudo) with a passkey; new recovery codes; the
// per-address cap on anonymous sign-in challenges.
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMailCatcher, type MailCatcher } from "../scripts/lib/mail-catcher";
import { startServer, type Server } from "../scripts/lib/stack";
import { api, BASE, createKey, db, makeClient, makeUser, PASSWORD, type Tenant, type TestUser } from "./helpers";
import { SoftAuthenticator } from "./support/soft-authenticator";

let client: Tenant;
beforeAll(async () => {
  client = await makeClient("Live");
});
afterAll(async () => {
  await db.$disconnect();
});

async function addPasskey(u: TestUser, name = "Test key", auth = new SoftAuthenticator(BASE)) {
  const o = await api("/api/account/passkeys/options", { method: "POST", token: u.token });
  expect(o.status).toBe(200);
  const r = await api("/api/account/passkeys", { token: u.token, body: { name, response: auth.register(o.body) } });
  expect(r.status, r.text).toBe(201);
  return { auth, added: r.body as { passkey: { id: string; name: string; createdAt: string; lastUsedAt: string | null }; recoveryCodes: string[] | null } };
}

async function signInOptions() {
  const o = await api("/api/auth/passkey/options", { method: "POST" });
  expect(o.status).toBe(200);
  return o.body as { challenge: string; allowCredentials?: unknown[]; userVerification?: string; rpId?: string };
}

/** Sign in through next-auth's `passkey` (or `credentials`) provider, like the browser; the session cookie or null. */
async function callback(provider: "passkey" | "credentials", fields: Record<string, string>): Promise<{ status: number; location: string; cookie: string | null }> {
  const csrf = await fetch(`${BASE}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = csrf.headers.getSetCookie().map((c) => c.split(";")[0]);
  const r = await fetch(`${BASE}/api/auth/callback/${provider}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.join("; "), origin: BASE },
    body: new URLSearchParams({ csrfToken, ...fields, callbackUrl: BASE }),
    redirect: "manual",
  });
  await r.text();
  return { status: r.status, location: r.headers.get("location") ?? "", cookie: r.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith("authjs.session-token=")) ?? null };
}

async function sessionOf(cookie: string) {
  const r = await fetch(`${BASE}/api/auth/session`, { headers: { cookie } });
  return (await r.json()) as { user?: { id: string; email: string }; amr?: string[] } | null;
}

describe("adding a passkey", () => {
  it("gives options for a resident key with user verification, adds it (201, ten recovery codes with the first factor), lists it, and the password then asks for a second step", async () => {
    const u = await makeUser([[client, "Admin"]]);
    const o = await api("/api/account/passkeys/options", { method: "POST", token: u.token });
    expect(o.status).toBe(200);
    expect(o.body.rp.id).toBe(new URL(BASE).hostname);
    expect(o.body.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "required" });
    expect(o.body.challenge).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const auth = new SoftAuthenticator(BASE);
    const r = await api("/api/account/passkeys", { token: u.token, body: { name: "  MacBook Touch ID ", response: auth.register(o.body) } });
    expect(r.status, r.text).toBe(201);
    expect(r.body.passkey).toMatchObject({ name: "MacBook Touch ID", lastUsedAt: null });
    expect(r.body.recoveryCodes).toHaveLength(10);

    const row = await db.userFactor.findFirstOrThrow({ where: { userId: u.id, type: "Passkey" } });
    expect(row).toMatchObject({ credentialId: auth.id, signCount: 0n, transports: ["internal"] });
    expect(row.publicKey?.length).toBeGreaterThan(60);
    expect(row.confirmedAt).not.toBeNull();

    const s = await api("/api/account/two-factor", { token: u.token });
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ totp: false, recoveryCodesLeft: 10, passkeys: [{ id: r.body.passkey.id, name: "MacBook Touch ID", lastUsedAt: null }] });

    // A second passkey: no new recovery codes; the options exclude the one already added.
    const o2 = await api("/api/account/passkeys/options", { method: "POST", token: u.token });
    expect(o2.body.excludeCredentials.map((c: { id: string }) => c.id)).toEqual([auth.id]);
    const r2 = await api("/api/account/passkeys", { token: u.token, body: { name: "YubiKey", response: new SoftAuthenticator(BASE).register(o2.body) } });
    expect(r2.status).toBe(201);
    expect(r2.body.recoveryCodes).toBeNull();

    const t = await api("/api/auth/token", { body: { email: u.email, password: PASSWORD } });
    expect(t.status).toBe(401);
    expect(t.body.code).toBe("Auth.SecondFactorRequired");
  });

  it("a registration's challenge works once, for its own person, and the wrong origin or no user verification is refused (400), changing nothing", async () => {
    const u = await makeUser([[client, "Member"]]);
    const other = await makeUser([[client, "Member"]]);
    const o = await api("/api/account/passkeys/options", { method: "POST", token: u.token });
    const auth = new SoftAuthenticator(BASE);

    const evil = await api("/api/account/passkeys", { token: u.token, body: { name: "Evil", response: new SoftAuthenticator("http://evil.example").register(o.body) } });
    expect(evil.status).toBe(400);
    expect(evil.body.code).toBe("Passkey.RegistrationFailed");

    const o2 = await api("/api/account/passkeys/options", { method: "POST", token: u.token });
    const noUv = await api("/api/account/passkeys", { token: u.token, body: { name: "No UV", response: auth.register(o2.body, { uv: false }) } });
    expect(noUv.status).toBe(400);

    const o3 = await api("/api/account/passkeys/options", { method: "POST", token: u.token });
    const response = auth.register(o3.body);
    const stolen = await api("/api/account/passkeys", { token: other.token, body: { name: "Not mine", response } });
    expect(stolen.status).toBe(400); // another person's challenge
    const ok = await api("/api/account/passkeys", { token: u.token, body: { name: "Mine", response } });
    expect(ok.status).toBe(201);
    const again = await api("/api/account/passkeys", { token: u.token, body: { name: "Replay", response } });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe("Passkey.RegistrationFailed");
    expect(await db.userFactor.count({ where: { userId: { in: [u.id, other.id] }, type: "Passkey" } })).toBe(1);
  });
});

describe("signing in with a passkey", () => {
  it("alone (no email, no password): options with an empty allowCredentials, a session proved by hwk, the counter and last use move forward", async () => {
    const u = await makeUser([[client, "Admin"]]);
    const { auth, added } = await addPasskey(u);
    const o = await signInOptions();
    expect(o.allowCredentials ?? []).toEqual([]);
    expect(o.userVerification).toBe("required");
    const answer = auth.assert(o);
    const r = await callback("passkey", { response: JSON.stringify(answer) });
    expect(r.cookie).not.toBeNull();
    const session = await sessionOf(r.cookie!);
    expect(session?.user?.email).toBe(u.email);
    expect(session?.amr).toEqual(["hwk", "user"]);
    // The session works on the API.
    const me = await api("/api/account/two-factor", { cookie: r.cookie! });
    expect(me.status).toBe(200);
    expect(me.body.passkeys[0].id).toBe(added.passkey.id);
    expect(me.body.passkeys[0].lastUsedAt).not.toBeNull();
    const row = await db.userFactor.findUniqueOrThrow({ where: { id: added.passkey.id } });
    expect(row.signCount).toBe(1n);
    expect(row.lastUsedAt).not.toBeNull();

    // The same answer again: its challenge is spent.
    const replay = await callback("passkey", { response: JSON.stringify(answer) });
    expect(replay.cookie).toBeNull();
    expect(replay.status).toBeLessThan(500);
    // The spent challenge signed again, with a counter that moved forward: still refused (the challenge works once).
    const again = await callback("passkey", { response: JSON.stringify(auth.assert(o, { counter: 5 })) });
    expect(again.cookie).toBeNull();
    // A fresh challenge but a counter gone backwards (a cloned authenticator): refused.
    const cloned = await callback("passkey", { response: JSON.stringify(auth.assert(await signInOptions(), { counter: 1 })) });
    expect(cloned.cookie).toBeNull();
    expect((await db.userFactor.findUniqueOrThrow({ where: { id: added.passkey.id } })).signCount).toBe(1n);
  });

  it("refuses the wrong origin, a bad signature, no user verification and an unknown passkey, with no session and no 500", async () => {
    const u = await makeUser([[client, "Member"]]);
    const { auth } = await addPasskey(u);
    const cases = [
      auth.assert(await signInOptions(), { origin: "http://evil.example" }),
      auth.assert(await signInOptions(), { tamper: true }),
      auth.assert(await signInOptions(), { uv: false }),
      new SoftAuthenticator(BASE).assert(await signInOptions()),
      { ...auth.assert(await signInOptions()), response: { clientDataJSON: "bm90IGpzb24", authenticatorData: "AAAA", signature: "AAAA" } },
      withHandle(auth, (await makeUser([[client, "Member"]])).id, await signInOptions()), // another person's userHandle (WebAuthn §7.2)
    ];
    for (const answer of cases) {
      const r = await callback("passkey", { response: JSON.stringify(answer) });
      expect(r.cookie).toBeNull();
      expect(r.status).toBeLessThan(500);
    }
    for (const junk of ["", "not json", "{}", "[]", "null", JSON.stringify({ id: "x", response: {} })]) {
      const r = await callback("passkey", { response: junk });
      expect(r.cookie).toBeNull();
      expect(r.status).toBeLessThan(500);
    }
    expect((await db.userFactor.findFirstOrThrow({ where: { userId: u.id } })).lastUsedAt).toBeNull();
  });

  it("as the second step after the right password: only this person's passkey, proved pwd + hwk", async () => {
    const u = await makeUser([[client, "Member"]]);
    const other = await makeUser([[client, "Member"]]);
    const { auth } = await addPasskey(u);
    const { auth: othersKey } = await addPasskey(other);
    const none = await callback("credentials", { email: u.email, password: PASSWORD });
    expect(none.cookie).toBeNull(); // the password alone no longer signs in
    const wrong = await callback("credentials", { email: u.email, password: PASSWORD, passkey: JSON.stringify(othersKey.assert(await signInOptions())) });
    expect(wrong.cookie).toBeNull();
    const junk = await callback("credentials", { email: u.email, password: PASSWORD, passkey: "{not json" });
    expect(junk.cookie).toBeNull();
    const ok = await callback("credentials", { email: u.email, password: PASSWORD, passkey: JSON.stringify(auth.assert(await signInOptions())) });
    expect(ok.cookie).not.toBeNull();
    expect((await sessionOf(ok.cookie!))?.amr).toEqual(["pwd", "hwk"]);
    // The token API takes the passkey as its second factor too.
    const t = await api("/api/auth/token", { body: { email: u.email, password: PASSWORD, passkey: auth.assert(await signInOptions()) } });
    expect(t.status, t.text).toBe(200);
    const me = await api("/api/account/two-factor", { token: t.body.token });
    expect(me.status).toBe(200);
    const wrongT = await api("/api/auth/token", { body: { email: u.email, password: PASSWORD, passkey: othersKey.assert(await signInOptions()) } });
    expect(wrongT.status).toBe(401);
    expect(wrongT.body.code).toBe("Auth.InvalidSecondFactor");
    expect((await api("/api/auth/token", { body: { email: u.email, password: PASSWORD, passkey: { id: "x" } } })).status).toBe(400);
  });
});

/** A browser session of `u` whose last proof is an hour old (sudo mode asks again), signed in by password. */
async function staleCookie(u: TestUser): Promise<string> {
  const user = await db.user.findUniqueOrThrow({ where: { id: u.id } });
  const jwt = await encode({
    salt: "authjs.session-token",
    secret: process.env.TEST_AUTH_SECRET!,
    maxAge: 8 * 3600,
    token: { sub: u.id, email: u.email, name: user.name, activeClientId: client.id, sv: user.sessionVersion, amr: ["pwd"], authTime: Math.floor(Date.now() / 1000) - 3600 },
  });
  return `authjs.session-token=${jwt}`;
}

const renewedCookie = (r: { headers: Headers }) => r.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith("authjs.session-token="));

/** `auth`'s answer naming another person's user handle. */
function withHandle(auth: SoftAuthenticator, userId: string, options: { challenge: string }) {
  const own = auth.userHandle;
  auth.userHandle = Buffer.from(userId).toString("base64url");
  try {
    return auth.assert(options);
  } finally {
    auth.userHandle = own;
  }
}

async function reauthOptions(cookie: string) {
  const o = await api("/api/auth/reauthenticate/passkey-options", { method: "POST", cookie });
  expect(o.status, o.text).toBe(200);
  return o.body as { challenge: string; allowCredentials: { id: string }[]; userVerification: string };
}

describe("proving it is you again with a passkey (sudo mode)", () => {
  it("options name this person's passkeys; the answer renews an old session (amr gains hwk) and the refused action then succeeds", async () => {
    const u = await makeUser([[client, "Owner"]]);
    const { auth, added } = await addPasskey(u);
    const { auth: second } = await addPasskey(u, "Second");
    const cookie = await staleCookie(u);
    const refused = await api("/api/account/two-factor/recovery-codes", { method: "POST", cookie });
    expect([refused.status, refused.body.code]).toEqual([403, "Auth.ReauthenticationRequired"]);
    expect(refused.body.detail).toContain("passkey");

    const o = await reauthOptions(cookie);
    expect(o.allowCredentials.map((c) => c.id).sort()).toEqual([auth.id, second.id].sort());
    expect(o.userVerification).toBe("required");
    const r = await api("/api/auth/reauthenticate", { cookie, body: { passkey: auth.assert(o) } });
    expect(r.status, r.text).toBe(200);
    expect(Date.parse(r.body.sudoUntil)).toBeGreaterThan(Date.parse(r.body.authTime));
    expect(Math.abs(Date.parse(r.body.authTime) - Date.now())).toBeLessThan(60_000);
    const renewed = renewedCookie(r);
    expect(renewed).toBeTruthy();
    expect((await sessionOf(renewed!))?.amr).toEqual(["pwd", "hwk"]);
    const ok = await api("/api/account/two-factor/recovery-codes", { method: "POST", cookie: renewed });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.recoveryCodes).toHaveLength(10);
    const row = await db.userFactor.findUniqueOrThrow({ where: { id: added.passkey.id } });
    expect(row.signCount).toBe(1n);
    expect(row.lastUsedAt).not.toBeNull();

    // Only a browser session, only people, only someone with a passkey.
    const bearer = await api("/api/auth/reauthenticate/passkey-options", { method: "POST", token: u.token });
    expect([bearer.status, bearer.body.code]).toEqual([400, "Auth.ReauthenticateWithToken"]);
    const key = await createKey({ token: u.token }, { scopes: ["bills:read"] });
    const byKey = await api("/api/auth/reauthenticate/passkey-options", { method: "POST", apiKey: key.rawKey });
    expect([byKey.status, byKey.body.code]).toEqual([403, "Auth.NotUserScopedToken"]);
    const nobody = await makeUser([[client, "Member"]]);
    const none = await api("/api/auth/reauthenticate/passkey-options", { method: "POST", cookie: await staleCookie(nobody) });
    expect([none.status, none.body.code]).toEqual([404, "Passkey.NotFound"]);
  });

  it("refuses another person's passkey, options made for someone else, a sign-in's challenge, another person's userHandle, a replayed answer, a bad signature or origin (401, no renewed session); these never spend the account's password budget", async () => {
    const u = await makeUser([[client, "Member"]]);
    const other = await makeUser([[client, "Member"]]);
    const { auth } = await addPasskey(u);
    const { auth: theirs } = await addPasskey(other);
    const cookie = await staleCookie(u);
    const othersCookie = await staleCookie(other);

    const good = auth.assert(await reauthOptions(cookie));
    expect((await api("/api/auth/reauthenticate", { cookie, body: { passkey: good } })).status).toBe(200);
    // Each answer made just before it is sent (a person holds 5 live challenges at most).
    const wrong = [
      async () => good, // replayed: its challenge is spent
      async () => theirs.assert(await reauthOptions(cookie)), // another person's passkey on my options
      async () => auth.assert(await reauthOptions(othersCookie)), // my passkey on options made for someone else
      async () => auth.assert(await reauthOptions(cookie), { tamper: true }),
      async () => auth.assert(await reauthOptions(cookie), { origin: "http://evil.example" }),
      async () => auth.assert(await reauthOptions(cookie), { uv: false }),
      async () => auth.assert(await signInOptions()), // an anonymous sign-in's challenge is no re-authentication
      async () => withHandle(auth, other.id, await reauthOptions(cookie)), // a userHandle that is not the passkey's owner's (WebAuthn §7.2)
    ];
    for (const [i, answer] of wrong.entries()) {
      const r = await api("/api/auth/reauthenticate", { cookie, body: { passkey: await answer() } });
      expect([r.status, r.body.code], `case ${i}`).toEqual([401, "Auth.InvalidProof"]);
      expect(r.body.errors.passkey[0]).toContain("not accepted");
      expect(renewedCookie(r)).toBeUndefined();
    }
    // A passkey answer is no guess at a secret: past the account's 10 (RATE_LIMIT_SIGN_IN_FAILURES_PER_ACCOUNT) failed answers,
    // the right passkey and the right password still work (failed answers count per address only).
    for (let i = 0; i < 3; i++) expect((await api("/api/auth/reauthenticate", { cookie, body: { passkey: auth.assert(await reauthOptions(cookie), { tamper: true }) } })).status).toBe(401);
    expect((await api("/api/auth/reauthenticate", { cookie, body: { passkey: auth.assert(await reauthOptions(cookie)) } })).status).toBe(200);
    expect((await api("/api/auth/reauthenticate", { cookie, body: { password: PASSWORD } })).status).toBe(200);
    expect((await api("/api/auth/reauthenticate", { cookie: othersCookie, body: { passkey: theirs.assert(await reauthOptions(othersCookie)) } })).status).toBe(200);
  });

  it("someone spending the account's password failures (from anywhere) blocks its password, never its owner's passkey", async () => {
    const u = await makeUser([[client, "Member"]]);
    const { auth } = await addPasskey(u);
    const cookie = await staleCookie(u);
    const guesses: number[] = [];
    for (let i = 0; i < 11; i++) guesses.push((await api("/api/auth/token", { body: { email: u.email, password: `wrong ${i}` } })).status);
    expect(guesses.at(-1)).toBe(429); // RATE_LIMIT_SIGN_IN_FAILURES_PER_ACCOUNT (10) spent
    const byPassword = await api("/api/auth/reauthenticate", { cookie, body: { password: PASSWORD } });
    expect([byPassword.status, byPassword.body.code]).toEqual([429, "RateLimit.Exceeded"]);
    const byPasskey = await api("/api/auth/reauthenticate", { cookie, body: { passkey: auth.assert(await reauthOptions(cookie)) } });
    expect(byPasskey.status, byPasskey.text).toBe(200);
    expect((await sessionOf(renewedCookie(byPasskey)!))?.amr).toEqual(["pwd", "hwk"]);
  });

  it("a re-authentication's challenge works for re-authentication only: not for a sign-in, nor a second step", async () => {
    const u = await makeUser([[client, "Member"]]);
    const { auth } = await addPasskey(u);
    const cookie = await staleCookie(u);
    const o = await reauthOptions(cookie);
    expect(await db.webAuthnChallenge.count({ where: { challenge: o.challenge, purpose: "reauthenticate", userId: u.id } })).toBe(1);
    expect((await callback("passkey", { response: JSON.stringify(auth.assert(o)) })).cookie).toBeNull();
    const o2 = await reauthOptions(cookie);
    const t = await api("/api/auth/token", { body: { email: u.email, password: PASSWORD, passkey: auth.assert(o2) } });
    expect([t.status, t.body.code]).toEqual([401, "Auth.InvalidSecondFactor"]);
  });

  it("a person holds at most 5 live re-authentication challenges: a new one deletes their oldest", async () => {
    const u = await makeUser([[client, "Member"]]);
    const { auth } = await addPasskey(u);
    const cookie = await staleCookie(u);
    const first = await reauthOptions(cookie);
    const more = [];
    for (let i = 0; i < 6; i++) more.push(await reauthOptions(cookie));
    expect(await db.webAuthnChallenge.count({ where: { userId: u.id } })).toBe(5);
    expect(await db.webAuthnChallenge.count({ where: { challenge: first.challenge } })).toBe(0);
    expect((await api("/api/auth/reauthenticate", { cookie, body: { passkey: auth.assert(first) } })).status).toBe(401);
    expect((await api("/api/auth/reauthenticate", { cookie, body: { passkey: auth.assert(more.at(-1)!) } })).status).toBe(200);
  });

  it("a challenge that is not base64url of 32 bytes (a NUL byte, junk, too long or short) is 400 Passkey.MalformedResponse on every passkey door, never a 500", async () => {
    const u = await makeUser([[client, "Member"]]);
    const { auth } = await addPasskey(u);
    const cookie = await staleCookie(u);
    const good = auth.assert(await reauthOptions(cookie));
    const withChallenge = <T extends { response: object }>(answer: T, challenge: unknown, type = "webauthn.get"): T => ({
      ...answer,
      response: { ...answer.response, clientDataJSON: Buffer.from(JSON.stringify({ type, challenge, origin: BASE, crossOrigin: false })).toString("base64url") },
    });
    const bad: unknown[] = ["ab\u0000cd", "\u0000".repeat(43), "x".repeat(42), "x".repeat(44), "x".repeat(42) + "=", "ab%cdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", { a: 1 }, 43];
    for (const challenge of bad) {
      const what = JSON.stringify(challenge);
      const r = await api("/api/auth/reauthenticate", { cookie, body: { passkey: withChallenge(good, challenge) } });
      expect([r.status, r.body.code], what).toEqual([400, "Passkey.MalformedResponse"]);
      const add = await api("/api/account/passkeys", { token: u.token, body: { name: "x", response: withChallenge(new SoftAuthenticator(BASE).register(await api("/api/account/passkeys/options", { method: "POST", token: u.token }).then((o) => o.body)), challenge, "webauthn.create") } });
      expect([add.status, add.body.code], what).toEqual([400, "Passkey.MalformedResponse"]);
      const t = await api("/api/auth/token", { body: { email: u.email, password: PASSWORD, passkey: withChallenge(good, challenge) } });
      expect([t.status, t.body.code], what).toEqual([401, "Auth.InvalidSecondFactor"]);
      const signIn = await callback("passkey", { response: JSON.stringify(withChallenge(good, challenge)) });
      expect(signIn.cookie, what).toBeNull();
      expect(signIn.status, what).toBeLessThan(500);
      expect(signIn.location, what).toContain("error=");
      expect(signIn.location, what).not.toContain("Configuration"); // a failed sign-in, not a server fault
    }
    // The right answer still works afterwards.
    expect((await api("/api/auth/reauthenticate", { cookie, body: { passkey: auth.assert(await reauthOptions(cookie)) } })).status).toBe(200);
  });

  it("a malformed passkey answer is 400 Passkey.MalformedResponse, renews nothing and is not counted as a guess", async () => {
    const u = await makeUser([[client, "Member"]]);
    const { auth } = await addPasskey(u);
    const cookie = await staleCookie(u);
    const good = auth.assert(await reauthOptions(cookie));
    const malformed: unknown[] = [
      {},
      "not an object",
      null,
      { id: "x" },
      { ...good, type: "password" },
      { ...good, response: { ...good.response, clientDataJSON: "bm90IGpzb24" } },
      { ...good, response: { ...good.response, signature: "!!!" } },
    ];
    // More than the account's 10 failures: none of them counts.
    for (const passkey of [...malformed, ...malformed]) {
      const r = await api("/api/auth/reauthenticate", { cookie, body: { passkey } });
      expect([r.status, r.body.code], JSON.stringify(passkey).slice(0, 80)).toEqual([400, "Passkey.MalformedResponse"]);
      expect(renewedCookie(r)).toBeUndefined();
    }
    const both = await api("/api/auth/reauthenticate", { cookie, body: { passkey: good, password: PASSWORD } });
    expect([both.status, both.body.code]).toEqual([400, "Request.Invalid"]);
    expect((await api("/api/auth/reauthenticate", { cookie, body: { passkey: good } })).status).toBe(200);
  });
});

describe("new recovery codes", () => {
  it("need a recent proof; the old codes stop working at once and the new ones work; audited; none without a second factor; people only", async () => {
    const u = await makeUser([[client, "Admin"]]);
    const { added } = await addPasskey(u);
    const old = added.recoveryCodes!;
    expect(old).toHaveLength(10);
    const refused = await api("/api/account/two-factor/recovery-codes", { method: "POST", cookie: await staleCookie(u) });
    expect([refused.status, refused.body.code]).toEqual([403, "Auth.ReauthenticationRequired"]);
    expect(await db.auditEvent.count({ where: { action: "user.recoveryCodesRegenerated", targetId: u.id } })).toBe(0);

    const r = await api("/api/account/two-factor/recovery-codes", { method: "POST", token: u.token });
    expect(r.status, r.text).toBe(201);
    const fresh = r.body.recoveryCodes as string[];
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((c) => old.includes(c))).toEqual([]);
    // The passkey stays; the old codes are gone.
    expect((await api("/api/account/two-factor", { token: u.token })).body).toMatchObject({ recoveryCodesLeft: 10, passkeys: [{ id: added.passkey.id }] });
    const withOld = await api("/api/auth/token", { body: { email: u.email, password: PASSWORD, recoveryCode: old[0] } });
    expect([withOld.status, withOld.body.code]).toEqual([401, "Auth.InvalidSecondFactor"]);
    const withNew = await api("/api/auth/token", { body: { email: u.email, password: PASSWORD, recoveryCode: fresh[0] } });
    expect(withNew.status, withNew.text).toBe(200);
    expect((await api("/api/account/two-factor", { token: u.token })).body.recoveryCodesLeft).toBe(9);

    const e = await db.auditEvent.findFirstOrThrow({ where: { clientId: client.id, action: "user.recoveryCodesRegenerated", targetId: u.id } });
    expect(e).toMatchObject({ actorType: "User", actorUserId: u.id, targetType: "user" });
    expect(e.metadata).toMatchObject({ replaced: 10, issued: 10 });

    const plain = await makeUser([[client, "Member"]]);
    const none = await api("/api/account/two-factor/recovery-codes", { method: "POST", token: plain.token });
    expect([none.status, none.body.code]).toEqual([404, "TwoFactor.NotEnabled"]);
    expect(await db.recoveryCode.count({ where: { userId: plain.id } })).toBe(0);
    const key = await createKey({ token: u.token }, { scopes: ["bills:read"] });
    const byKey = await api("/api/account/two-factor/recovery-codes", { method: "POST", apiKey: key.rawKey });
    expect([byKey.status, byKey.body.code]).toEqual([403, "Auth.NotUserScopedToken"]);
  });
});

describe("new recovery codes at the same time", () => {
  it("three requests at once are taken one after the other: each answers 201, ten codes stay, and exactly one answer's codes (the last) work", async () => {
    const u = await makeUser([[client, "Member"]]);
    await addPasskey(u);
    const answers = await Promise.all([1, 2, 3].map(() => api("/api/account/two-factor/recovery-codes", { method: "POST", token: u.token })));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    const sets = answers.map((a) => a.body.recoveryCodes as string[]);
    expect(new Set(sets.flat()).size).toBe(30);
    expect(await db.recoveryCode.count({ where: { userId: u.id } })).toBe(10);
    const works: boolean[] = [];
    for (const codes of sets) works.push((await api("/api/auth/token", { body: { email: u.email, password: PASSWORD, recoveryCode: codes[0] } })).status === 200);
    expect(works.filter(Boolean)).toHaveLength(1);
  });
});

describe("managing passkeys", () => {
  it("renames and removes one (204); with none left the recovery codes go and the password alone signs in again", async () => {
    const u = await makeUser([[client, "Member"]]);
    const { added, auth } = await addPasskey(u, "Old name");
    const ren = await api(`/api/account/passkeys/${added.passkey.id}`, { method: "PATCH", token: u.token, body: { name: "New name" } });
    expect(ren.status).toBe(200);
    expect(ren.body.name).toBe("New name");
    const bad = await api(`/api/account/passkeys/${added.passkey.id}`, { method: "PATCH", token: u.token, body: { name: "" } });
    expect(bad.status).toBe(400);

    // Someone else cannot touch it.
    const other = await makeUser([[client, "Member"]]);
    expect((await api(`/api/account/passkeys/${added.passkey.id}`, { method: "DELETE", token: other.token })).status).toBe(404);
    expect((await api(`/api/account/passkeys/not-a-uuid`, { method: "DELETE", token: u.token })).status).toBe(404);

    const del = await api(`/api/account/passkeys/${added.passkey.id}`, { method: "DELETE", token: u.token });
    expect(del.status).toBe(204);
    expect((await api("/api/account/two-factor", { token: u.token })).body).toMatchObject({ passkeys: [], recoveryCodesLeft: 0 });
    expect(await db.recoveryCode.count({ where: { userId: u.id } })).toBe(0);
    expect((await api(`/api/account/passkeys/${added.passkey.id}`, { method: "DELETE", token: u.token })).status).toBe(404);
    expect((await api("/api/auth/token", { body: { email: u.email, password: PASSWORD } })).status).toBe(200);
    // The removed passkey no longer signs in.
    expect((await callback("passkey", { response: JSON.stringify(auth.assert(await signInOptions())) })).cookie).toBeNull();
  });

  it("API keys are refused (403 Auth.NotUserScopedToken) on every passkey route", async () => {
    const owner = await makeUser([[client, "Owner"]]);
    const key = await createKey({ token: owner.token });
    for (const [method, path, body] of [
      ["POST", "/api/account/passkeys/options", undefined],
      ["POST", "/api/account/passkeys", { name: "x", response: {} }],
      ["PATCH", "/api/account/passkeys/0190a000-0000-7000-8000-000000000000", { name: "x" }],
      ["DELETE", "/api/account/passkeys/0190a000-0000-7000-8000-000000000000", undefined],
    ] as const) {
      const r = await api(path, { method, apiKey: key.rawKey, body });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.code).toBe("Auth.NotUserScopedToken");
    }
  });

  it("malformed WebAuthn bodies are 400 problem details, never 500, and add nothing", async () => {
    const u = await makeUser([[client, "Member"]]);
    const o = await api("/api/account/passkeys/options", { method: "POST", token: u.token });
    const good = new SoftAuthenticator(BASE).register(o.body);
    const bodies: unknown[] = [
      {},
      { name: "x" },
      { name: "x", response: null },
      { name: "x", response: {} },
      { name: "x", response: "string" },
      { name: "", response: good },
      { name: "x".repeat(65), response: good },
      { name: "x", response: { ...good, type: "password" } },
      { name: "x", response: { ...good, response: { ...good.response, clientDataJSON: "bm90IGpzb24" } } },
      { name: "x", response: { ...good, response: { ...good.response, clientDataJSON: "!!!" } } },
      { name: "x", response: { ...good, response: { ...good.response, attestationObject: "AAAA" } } },
      { name: "x", response: good, extra: 1 },
    ];
    for (const body of bodies) {
      const r = await api("/api/account/passkeys", { token: u.token, body });
      expect(r.status, JSON.stringify(body).slice(0, 120)).toBe(400);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
    }
    const raw = await api("/api/account/passkeys", { token: u.token, rawBody: "{not json", headers: { "content-type": "application/json" } });
    expect(raw.status).toBe(400);
    expect(await db.userFactor.count({ where: { userId: u.id } })).toBe(0);
  });
});

const OPTIONS_CAP = 8;

describe("with mail and low limits (a server of its own)", () => {
  let s: Server;
  let mail: MailCatcher;
  beforeAll(async () => {
    mail = await startMailCatcher({ webPort: null });
    s = await startServer({
      databaseUrl: process.env.TEST_DATABASE_URL!,
      authSecret: process.env.TEST_AUTH_SECRET!,
      env: { SMTP_URL: mail.smtpUrl, MAIL_FROM: "Dolfin <keys@dolfin.test>", MAIL_POLL_INTERVAL_MS: "100", RATE_LIMIT_SIGN_IN_FAILURES_PER_MINUTE: "3", RATE_LIMIT_PASSKEY_OPTIONS_PER_MINUTE: String(OPTIONS_CAP), TRUSTED_PROXIES: "loopback" },
    });
  }, 120_000);
  afterAll(async () => {
    await s?.stop();
    await mail?.stop();
  });

  it("emails the owner when a passkey is added and removed; failed passkey sign-ins are limited per address like wrong passwords", async () => {
    const u = await makeUser([[client, "Member"]]);
    const at = (path: string, init: { method?: string; body?: unknown; ip?: string } = {}) =>
      fetch(s.url + path, {
        method: init.method ?? "POST",
        headers: { authorization: `Bearer ${u.token}`, "content-type": "application/json", ...(init.ip ? { "x-forwarded-for": init.ip } : {}) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      }).then(async (r) => ({ status: r.status, body: await r.json().catch(() => null) }));
    const auth = new SoftAuthenticator(s.url);
    const added = await at("/api/account/passkeys", { body: { name: "Phone", response: auth.register((await at("/api/account/passkeys/options")).body) } });
    expect(added.status).toBe(201);
    const hello = await mail.waitFor((m) => m.to.includes(u.email) && m.subject.includes("turned on"));
    expect(hello.text).toContain("A passkey (“Phone”) was added");

    // Three failures from one address (an unknown passkey) spend its budget: then even the right passkey is refused from there, and so are options.
    const ip = `203.0.113.${Math.floor(Math.random() * 200) + 1}`;
    const signIn = async (answer: unknown) => {
      const csrf = await fetch(`${s.url}/api/auth/csrf`, { headers: { "x-forwarded-for": ip } });
      const { csrfToken } = (await csrf.json()) as { csrfToken: string };
      const r = await fetch(`${s.url}/api/auth/callback/passkey`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; "), origin: s.url, "x-forwarded-for": ip },
        body: new URLSearchParams({ csrfToken, response: JSON.stringify(answer), callbackUrl: s.url }),
        redirect: "manual",
      });
      await r.text();
      return { location: r.headers.get("location") ?? "", cookie: r.headers.getSetCookie().some((c) => c.startsWith("authjs.session-token=")) };
    };
    const options = async () => (await at("/api/auth/passkey/options", { ip })).body;
    for (let i = 0; i < 3; i++) expect((await signIn(new SoftAuthenticator(s.url).assert(await options()))).cookie).toBe(false);
    const other = await at("/api/auth/passkey/options", { ip: "198.51.100.7" });
    const refused = await signIn(auth.assert(other.body));
    expect(refused.cookie).toBe(false);
    expect(refused.location).toContain("rate_limited");
    expect((await at("/api/auth/passkey/options", { ip })).status).toBe(429);

    const del = await at(`/api/account/passkeys/${added.body.passkey.id}`, { method: "DELETE" });
    expect(del.status).toBe(204);
    const bye = await mail.waitFor((m) => m.to.includes(u.email) && m.subject.includes("turned off"));
    expect(bye.text).toContain("The passkey “Phone” was removed");
  });

  it("anonymous sign-in challenges are capped per address: 429 with Retry-After past RATE_LIMIT_PASSKEY_OPTIONS_PER_MINUTE, other addresses unaffected", async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
    const ask = (from: string) => fetch(`${s.url}/api/auth/passkey/options`, { method: "POST", headers: { "x-forwarded-for": from } });
    for (let i = 0; i < OPTIONS_CAP; i++) expect((await ask(ip)).status).toBe(200);
    const before = await db.webAuthnChallenge.count({ where: { purpose: "authenticate", userId: null } });
    const r = await ask(ip);
    expect(r.status).toBe(429);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(r.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(((await r.json()) as { code: string }).code).toBe("RateLimit.Exceeded");
    expect(await db.webAuthnChallenge.count({ where: { purpose: "authenticate", userId: null } })).toBeLessThanOrEqual(before); // the refused ask stored nothing
    expect((await ask(`192.0.2.${(Number(ip.split(".")[3]) % 250) + 2}`)).status).toBe(200);
  });

  it("per-address limits count an IPv6 address by its /64 (an IPv4-mapped one as its IPv4 address): sign-in challenges and failed sign-ins", async () => {
    const hextet = () => Math.floor(Math.random() * 0xfffe + 1).toString(16);
    const net = `2001:db8:${hextet()}:${hextet()}`;
    const ask = (from: string) => fetch(`${s.url}/api/auth/passkey/options`, { method: "POST", headers: { "x-forwarded-for": from } }).then((r) => r.status);
    for (let i = 0; i < OPTIONS_CAP; i++) expect(await ask(`${net}:${hextet()}::${(i + 1).toString(16)}`)).toBe(200);
    expect(await ask(`${net}:ffff:ffff:ffff:ffff`)).toBe(429);
    expect(await ask(`2001:db8:${hextet()}:${hextet()}::1`)).toBe(200); // another /64
    const v4 = `100.64.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;
    for (let i = 0; i < OPTIONS_CAP; i++) expect(await ask(i % 2 ? v4 : `::ffff:${v4}`)).toBe(200);
    expect(await ask(v4)).toBe(429);
    expect(await ask(`::ffff:${v4}`)).toBe(429);

    // RATE_LIMIT_SIGN_IN_FAILURES_PER_MINUTE is 3 here: three wrong passwords from three addresses of one /64 lock out a fourth.
    const u = await makeUser([[client, "Member"]]);
    const net2 = `2001:db8:${hextet()}:${hextet()}`;
    const token = (from: string, password: string) =>
      fetch(`${s.url}/api/auth/token`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": from }, body: JSON.stringify({ email: u.email, password }) }).then((r) => r.status);
    for (let i = 0; i < 3; i++) expect(await token(`${net2}::${i + 1}`, "wrong password")).toBe(401);
    expect(await token(`${net2}:1:2:3:4`, PASSWORD)).toBe(429);
    expect(await token(`2001:db8:${hextet()}:${hextet()}::1`, PASSWORD)).toBe(200);
  });

  it("re-authentication challenges are capped per person: 429 with Retry-After past RATE_LIMIT_PASSKEY_OPTIONS_PER_MINUTE, other people unaffected", async () => {
    const [u, other] = [await makeUser([[client, "Member"]]), await makeUser([[client, "Member"]])];
    await addPasskey(u);
    await addPasskey(other);
    const ask = async (who: TestUser) =>
      fetch(`${s.url}/api/auth/reauthenticate/passkey-options`, { method: "POST", headers: { cookie: await staleCookie(who), origin: s.url, "x-forwarded-for": `100.65.${Math.floor(Math.random() * 250)}.1` } });
    for (let i = 0; i < OPTIONS_CAP; i++) expect((await ask(u)).status).toBe(200);
    const r = await ask(u);
    expect(r.status).toBe(429);
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await r.json()) as { code: string }).code).toBe("RateLimit.Exceeded");
    expect(await db.webAuthnChallenge.count({ where: { userId: u.id } })).toBeLessThanOrEqual(5);
    expect((await ask(other)).status).toBe(200);
  });

  it("new recovery codes email the person", async () => {
    const u = await makeUser([[client, "Member"]]);
    const auth = new SoftAuthenticator(s.url);
    const call = (path: string, body?: unknown) =>
      fetch(s.url + path, { method: "POST", headers: { authorization: `Bearer ${u.token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }).then(
        async (r) => ({ status: r.status, body: await r.json().catch(() => null) }),
      );
    expect((await call("/api/account/passkeys", { name: "Phone", response: auth.register((await call("/api/account/passkeys/options")).body) })).status).toBe(201);
    expect((await call("/api/account/two-factor/recovery-codes")).status).toBe(201);
    const m = await mail.waitFor((x) => x.to.includes(u.email) && x.subject.includes("New recovery codes"));
    expect(m.text).toContain("The old ones no longer work");
    expect(m.text).not.toMatch(/[a-z2-9]{5}-[a-z2-9]{5}/); // never the codes themselves
  });
});
