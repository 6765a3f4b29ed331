// Invitations with mail configured (SMTP_URL, as in production), on a database
// of this file's own, so its mail worker and reminder job never take another
// file's rows: the link reaches only the invitee's mailbox, accepting with an
// existing account's password is a sign-in (the account's limit), long Client
// names, the pending cap on resend, and one Client's failing reminders never
// block another's.
import { randomBytes } from "node:crypto";
import { hash } from "@node-rs/argon2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey } from "@/lib/api-keys/key-format";
import { PrismaClient, type MemberRole } from "@/lib/generated/prisma/client";
import { startMailCatcher, type CaughtMail, type MailCatcher } from "../scripts/lib/mail-catcher";
import { startServer, type Server } from "../scripts/lib/stack";
import { ownDatabase } from "./helpers";
import { assertMatchesDocument } from "./openapi-validator";

const ACCOUNT_LIMIT = 5;
const PASSWORD = "mail test correct password";
const NEW_PASSWORD = "a long enough password 42";
const uid = () => randomBytes(5).toString("hex");

let mail: MailCatcher;
let server: Server;
let db: PrismaClient;
let own: Awaited<ReturnType<typeof ownDatabase>> | undefined;

beforeAll(async () => {
  own = await ownDatabase("invmail");
  const url = own.url;
  db = own.db;
  mail = await startMailCatcher({ webPort: null });
  server = await startServer({
    databaseUrl: url,
    authSecret: "invite-mail-test-secret-0123456789abcdef",
    env: {
      SMTP_URL: mail.smtpUrl,
      MAIL_FROM: "Dolfin <keys@dolfin.test>",
      MAIL_POLL_INTERVAL_MS: "100",
      MAIL_RETRY_BASE_MS: "300",
      KEY_REMINDER_INTERVAL_MS: "300",
      RATE_LIMIT_INVITES_PER_HOUR: "1000",
      MAX_PENDING_INVITES: "3",
      // Many addresses (believed on loopback), one account: only the account's limit can stop a spray.
      TRUSTED_PROXIES: "loopback",
      RATE_LIMIT_SIGN_IN_FAILURES_PER_MINUTE: "100000",
      RATE_LIMIT_SIGN_IN_FAILURES_PER_ACCOUNT: String(ACCOUNT_LIMIT),
    },
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await mail?.stop();
  await own?.drop();
}, 60_000);

let ipSeq = 0;
/** Over HTTP, each call from a new address unless one is given; every answer checked against the served OpenAPI document. */
async function call(path: string, init: { method?: string; body?: unknown; token?: string; ip?: string } = {}) {
  const headers: Record<string, string> = { "x-forwarded-for": init.ip ?? `203.0.113.${(ipSeq++ % 250) + 1}` };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const method = init.method ?? (init.body !== undefined ? "POST" : "GET");
  const r = await fetch(server.url + path, { method, headers, body: init.body !== undefined ? JSON.stringify(init.body) : undefined });
  const text = await r.text();
  const body = text ? JSON.parse(text) : null;
  if (!path.startsWith("/api/auth/") || path === "/api/auth/token") await assertMatchesDocument(server.url, method, path, r.status, r.headers.get("content-type"), body);
  return { status: r.status, body, text };
}

const makeClient = async (type: "Live" | "Sandbox" = "Live", name = `Mail ${type} ${uid()}`) => db.client.create({ data: { name, type } });
let pwHash: Promise<string> | undefined;
async function makeUser(clientId: string, role: MemberRole, name = "Mail User", email = `user-${uid()}@example.test`) {
  const u = await db.user.create({ data: { email, name, passwordHash: await (pwHash ??= hash(PASSWORD)) } });
  await db.clientMember.create({ data: { clientId, userId: u.id, role } });
  const t = await call("/api/auth/token", { body: { email, password: PASSWORD } });
  expect(t.status).toBe(200);
  return { id: u.id, email, token: t.body.token as string };
}

/** The `n`-th email to `to` (1-based), once it arrives. */
async function mailTo(to: string, n = 1): Promise<CaughtMail> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const got = mail.messages.filter((m) => m.to.includes(to));
    if (got.length >= n) return got[n - 1];
    if (Date.now() > deadline) throw new Error(`no email #${n} to ${to} (have ${got.length})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const linkIn = (m: CaughtMail) => m.text.match(/https?:\/\/\S+\/invite#[A-Za-z0-9_-]+/)![0];
const tokenOf = (link: string) => decodeURIComponent(new URL(link).hash.slice(1));

describe("invitations with mail configured", () => {
  it("the link goes only to the invitee's mailbox: create and resend answer no inviteUrl, and the mailed link works", async () => {
    const client = await makeClient();
    const owner = await makeUser(client.id, "Owner");
    const to = `mailbox-${uid()}@example.test`;
    const r = await call("/api/client-invites", { token: owner.token, body: { email: to, role: "Admin" } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ email: to, role: "Admin", status: "pending", emailQueued: true });
    expect(r.body.inviteUrl ?? null).toBeNull();
    expect(r.text).not.toContain("/invite#");
    const first = linkIn(await mailTo(to, 1));

    const again = await call(`/api/client-invites/${r.body.id}/resend`, { method: "POST", token: owner.token });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: "pending", emailQueued: true });
    expect(again.body.inviteUrl ?? null).toBeNull();
    expect(again.text).not.toContain("/invite#");
    const second = linkIn(await mailTo(to, 2));
    expect(second).not.toBe(first);

    expect((await call("/api/client-invites/accept", { body: { token: tokenOf(first), name: "Mia Mailbox", password: NEW_PASSWORD } })).status).toBe(400);
    const ok = await call("/api/client-invites/accept", { body: { token: tokenOf(second), name: "Mia Mailbox", password: NEW_PASSWORD } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ clientId: client.id, email: to, role: "Admin", newAccount: true });
  });

  it("accepting with an account's password is a sign-in: wrong guesses from many addresses spend the account's budget, then even the right password is refused", async () => {
    const victim = await makeUser((await makeClient()).id, "Owner");
    const attackerClient = await makeClient();
    const attacker = await makeUser(attackerClient.id, "Admin");
    expect((await call("/api/client-invites", { token: attacker.token, body: { email: victim.email, role: "Member" } })).status).toBe(201);
    const token = tokenOf(linkIn(await mailTo(victim.email)));
    const statuses: number[] = [];
    for (let i = 0; i < ACCOUNT_LIMIT + 3; i++) statuses.push((await call("/api/client-invites/accept", { body: { token, password: `wrong guess number ${i}` } })).status);
    expect(statuses).toEqual([...Array(ACCOUNT_LIMIT).fill(401), 429, 429, 429]);
    const right = await call("/api/client-invites/accept", { body: { token, password: PASSWORD } });
    expect(right.status).toBe(429);
    expect(right.body.code).toBe("RateLimit.Exceeded");
    // One bucket: sign-in is locked for the account too.
    expect((await call("/api/auth/token", { body: { email: victim.email, password: PASSWORD } })).status).toBe(429);
    expect(await db.clientMember.count({ where: { clientId: attackerClient.id, userId: victim.id } })).toBe(0);
  });

  it("an account locked by wrong sign-ins cannot accept an invitation, even with the right password", async () => {
    const victim = await makeUser((await makeClient()).id, "Owner");
    const other = await makeClient();
    const admin = await makeUser(other.id, "Admin");
    expect((await call("/api/client-invites", { token: admin.token, body: { email: victim.email, role: "Admin" } })).status).toBe(201);
    const token = tokenOf(linkIn(await mailTo(victim.email)));
    const statuses: number[] = [];
    for (let i = 0; i <= ACCOUNT_LIMIT; i++) statuses.push((await call("/api/auth/token", { body: { email: victim.email, password: `wrong sign-in ${i}` } })).status);
    expect(statuses.at(-1)).toBe(429);
    const r = await call("/api/client-invites/accept", { body: { token, password: PASSWORD } });
    expect(r.status).toBe(429);
    expect(await db.clientMember.count({ where: { clientId: other.id, userId: victim.id } })).toBe(0);
  });

  it("the guess past the account's budget is refused unchecked: after five wrong passwords the right one is 429, at sign-in and at accept", async () => {
    const victim = await makeUser((await makeClient()).id, "Owner");
    const other = await makeClient();
    const admin = await makeUser(other.id, "Admin");
    expect((await call("/api/client-invites", { token: admin.token, body: { email: victim.email, role: "Member" } })).status).toBe(201);
    const token = tokenOf(linkIn(await mailTo(victim.email)));
    for (let i = 0; i < ACCOUNT_LIMIT; i++) expect((await call("/api/auth/token", { body: { email: victim.email, password: `wrong ${i}` } })).status).toBe(401);
    expect((await call("/api/auth/token", { body: { email: victim.email, password: PASSWORD } })).status).toBe(429);
    expect((await call("/api/client-invites/accept", { body: { token, password: PASSWORD } })).status).toBe(429);
    expect(await db.clientMember.count({ where: { clientId: other.id, userId: victim.id } })).toBe(0);
  });

  it("a burst of parallel guesses is checked at most the budget's number of times, the right password among them", async () => {
    const victim = await makeUser((await makeClient()).id, "Owner");
    // All at once, the right one in the middle: no guess may be checked against a count the others have not added to yet.
    const burst = Array.from({ length: 3 * ACCOUNT_LIMIT + 1 }, (_, i) =>
      call("/api/auth/token", { body: { email: victim.email, password: i === ACCOUNT_LIMIT ? PASSWORD : `parallel wrong ${i}` } }),
    );
    const statuses = (await Promise.all(burst)).map((r) => r.status);
    expect(statuses.filter((x) => ![200, 401, 429].includes(x))).toEqual([]);
    // Checked: the wrong ones answered 401 and the right one if it answered 200; the rest were refused unchecked (429).
    const checked = statuses.filter((x) => x === 401 || x === 200).length;
    expect(checked, `answers: ${statuses.join(" ")}`).toBeLessThanOrEqual(ACCOUNT_LIMIT);
    // And the account is now locked, the right password included.
    expect((await call("/api/auth/token", { body: { email: victim.email, password: PASSWORD } })).status).toBe(429);
  });

  it("an invitation that was waiting for the Client lock while its inviter was removed or demoted is refused, not issued", async () => {
    for (const change of ["remove", "demote"] as const) {
      const client = await makeClient();
      await makeUser(client.id, "Owner");
      const admin = await makeUser(client.id, "Admin");
      const to = `racing-${change}-${uid()}@example.test`;
      const pg = new (await import("pg")).default.Client({ connectionString: own!.url });
      await pg.connect();
      try {
        // The removal or demotion holds the Client lock, as lib/members does, while the invitation arrives.
        await pg.query("BEGIN");
        await pg.query(`SELECT id FROM "Client" WHERE id = $1 FOR NO KEY UPDATE`, [client.id]);
        const pending = call("/api/client-invites", { token: admin.token, body: { email: to, role: "Admin" } });
        await new Promise((r) => setTimeout(r, 400));
        if (change === "remove") await pg.query(`DELETE FROM "ClientMember" WHERE "clientId" = $1 AND "userId" = $2`, [client.id, admin.id]);
        else await pg.query(`UPDATE "ClientMember" SET role = 'Member' WHERE "clientId" = $1 AND "userId" = $2`, [client.id, admin.id]);
        await pg.query("COMMIT");
        const r = await pending;
        expect({ change, status: r.status, code: r.body.code }).toEqual({ change, status: 403, code: "Member.Forbidden" });
      } finally {
        await pg.end();
      }
      expect(await db.clientInvite.count({ where: { clientId: client.id, email: to } })).toBe(0);
    }
  });

  it("a Client with a 200-character name invites: the subject is cut with an ellipsis and fits the outbox", async () => {
    const longName = "Überlange Zahlungsplattform GmbH & Co. KG — ".repeat(5).slice(0, 200);
    const client = await makeClient("Sandbox", longName);
    const owner = await makeUser(client.id, "Owner", "Ö".repeat(100));
    const to = `long-${uid()}@example.test`;
    const r = await call("/api/client-invites", { token: owner.token, body: { email: to, role: "Member" } });
    expect(r.status).toBe(201);
    const m = await mailTo(to);
    expect(m.subject.length).toBeLessThanOrEqual(300);
    expect(m.subject).toContain("…");
    expect(m.text).toContain(linkIn(m));
    const row = await db.emailOutbox.findFirstOrThrow({ where: { subjectId: r.body.id } });
    expect(row.subject).toBe(m.subject);
  });

  it("resending an expired invitation counts against the pending cap like a new one (409, nothing changes)", async () => {
    const client = await makeClient();
    const owner = await makeUser(client.id, "Owner");
    const old = await call("/api/client-invites", { token: owner.token, body: { email: `old-${uid()}@example.test`, role: "Member" } });
    await db.clientInvite.update({ where: { id: old.body.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    for (let i = 0; i < 3; i++) expect((await call("/api/client-invites", { token: owner.token, body: { email: `cap-${i}-${uid()}@example.test`, role: "Member" } })).status).toBe(201);
    const before = await db.clientInvite.findUniqueOrThrow({ where: { id: old.body.id } });
    const r = await call(`/api/client-invites/${old.body.id}/resend`, { method: "POST", token: owner.token });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe("ClientInvite.TooMany");
    expect(await db.clientInvite.findUniqueOrThrow({ where: { id: old.body.id } })).toEqual(before);
  });
});

describe("key expiry reminders", () => {
  it("one Client's failure never blocks another's reminders; long names are cut to fit", async () => {
    const now = Date.now();
    const day = 86_400_000;
    const dueKey = async (clientId: string, type: "Live" | "Sandbox", name: string) => {
      const g = generateKey(type);
      return db.apiKey.create({ data: { clientId, keyPrefix: g.keyPrefix, keyHash: g.keyHash, name, createdAt: new Date(now - 60 * day), expiresAt: new Date(now + 6 * day) } });
    };
    // A Client whose reminders cannot be queued: the outbox refuses its recipient (a real PostgreSQL error).
    const poison = await makeClient("Live");
    const poisonOwner = await makeUser(poison.id, "Owner", "Poison", `poison-${uid()}@example.test`);
    await db.$executeRawUnsafe(`CREATE FUNCTION test_refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW."to" LIKE 'poison-%' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
    await db.$executeRawUnsafe(`CREATE TRIGGER test_refuse_poison BEFORE INSERT ON "EmailOutbox" FOR EACH ROW EXECUTE FUNCTION test_refuse_poison()`);
    try {
      const long = await makeClient("Sandbox", "Ñ".repeat(200));
      const longOwner = await makeUser(long.id, "Owner");
      const plain = await makeClient("Live");
      const plainOwner = await makeUser(plain.id, "Admin");
      // Due together, in this order of expiry: the poisoned key first.
      const poisonKey = await dueKey(poison.id, "Live", "poisoned");
      const longKey = await dueKey(long.id, "Sandbox", "K".repeat(100));
      const plainKey = await dueKey(plain.id, "Live", "plain");
      const plainMail = await mailTo(plainOwner.email);
      expect(plainMail.subject).toMatch(/^API key “plain” .* expires in 7 days$/);
      const longMail = await mailTo(longOwner.email);
      expect(longMail.subject.length).toBeLessThanOrEqual(300);
      expect(longMail.subject).toContain("…");
      expect(longMail.subject).toMatch(/expires in 7 days$/);
      const claims = await db.keyReminder.findMany({ where: { keyId: { in: [poisonKey.id, longKey.id, plainKey.id] } } });
      expect(claims.map((c) => c.keyId).sort()).toEqual([longKey.id, plainKey.id].sort());
      expect(mail.messages.some((m) => m.to.includes(poisonOwner.email))).toBe(false);
      expect(server.logs()).toContain("refused by the test");
    } finally {
      await db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS test_refuse_poison ON "EmailOutbox"`);
      await db.$executeRawUnsafe(`DROP FUNCTION IF EXISTS test_refuse_poison()`);
    }
  }, 60_000);
});
