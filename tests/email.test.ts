// Email for real: two app instances with SMTP pointed at a real SMTP server
// in this test process. An invitation's email is delivered (with its link,
// what it grants, who invited and until when), a failed send is retried, and
// two instances never send one row twice; a webhook endpoint failing for 5 days emails its Owners and Admins.
// On a database of this file's own: its mail workers and reminder job must
// never take (or be taken by) another file's rows while files run in parallel.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { hash } from "@node-rs/argon2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaClient, type ClientType, type MemberRole } from "@/lib/generated/prisma/client";
import { startMailCatcher, type MailCatcher } from "../scripts/lib/mail-catcher";
import { startServer, type Server } from "../scripts/lib/stack";
import { generateKey } from "@/lib/api-keys/key-format";
import { ownDatabase, PASSWORD, uid, type Tenant, type TestUser } from "./helpers";

let mail: MailCatcher;
let a: Server;
let b: Server;
let client: Tenant;
let owner: TestUser;
let db: PrismaClient;
let own: Awaited<ReturnType<typeof ownDatabase>> | undefined;

async function makeClient(type: ClientType): Promise<Tenant> {
  const c = await db.client.create({ data: { name: `Mail ${type} ${uid()}`, type } });
  return { id: c.id, name: c.name, type: c.type };
}

let pwHash: Promise<string> | undefined;
async function makeUser(roles: [Tenant, MemberRole][]): Promise<TestUser> {
  const email = `user-${uid()}@example.test`;
  const user = await db.user.create({ data: { email, name: `User ${email.slice(5, 10)}`, passwordHash: await (pwHash ??= hash(PASSWORD)) } });
  for (const [c, role] of roles) await db.clientMember.create({ data: { clientId: c.id, userId: user.id, role } });
  const r = await fetch(`${a.url}/api/auth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password: PASSWORD, clientId: roles[0]?.[0].id }) });
  expect(r.status).toBe(200);
  return { id: user.id, email, token: ((await r.json()) as { token: string }).token };
}

beforeAll(async () => {
  own = await ownDatabase("email");
  const url = own.url;
  db = own.db;
  mail = await startMailCatcher({ webPort: null });
  const env = {
    SMTP_URL: mail.smtpUrl,
    MAIL_FROM: "Dolfin <keys@dolfin.test>",
    MAIL_POLL_INTERVAL_MS: "100",
    MAIL_RETRY_BASE_MS: "300",
    RATE_LIMIT_INVITES_PER_HOUR: "1000",
    KEY_REMINDER_INTERVAL_MS: "200",
  };
  [a, b] = await Promise.all([
    startServer({ databaseUrl: url, authSecret: process.env.TEST_AUTH_SECRET!, env }),
    startServer({ databaseUrl: url, authSecret: process.env.TEST_AUTH_SECRET!, env }),
  ]);
  client = await makeClient("Sandbox");
  owner = await makeUser([[client, "Owner"]]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await mail?.stop();
  await own?.drop();
}, 60_000);

/** The outbox row of an invitation once its outcome is recorded (just after the relay took the message). */
async function sentRow(inviteId: string) {
  for (let i = 0; ; i++) {
    const row = await db.emailOutbox.findFirstOrThrow({ where: { subjectId: inviteId } });
    if (row.status !== "Pending" || i >= 100) return row;
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function inviteThrough(server: Server, email: string, role = "Admin") {
  const r = await fetch(`${server.url}/api/client-invites`, {
    method: "POST",
    headers: { authorization: `Bearer ${owner.token}`, "content-type": "application/json" },
    body: JSON.stringify({ email, role }),
  });
  return { status: r.status, body: (await r.json()) as { id: string; inviteUrl: string | null; emailQueued: boolean; expiresAt: string } };
}

/** The invite link in an email (the answer to the inviter does not carry it when mail is configured). */
const linkIn = (text: string) => text.match(/https?:\/\/\S+\/invite#[A-Za-z0-9_-]{43}/)![0];

describe("invitation email", () => {
  it("is delivered once, with the link, the Client, the role, who invited and the expiry; the stored row keeps no link", async () => {
    const to = `mail-${uid()}@example.test`;
    const r = await inviteThrough(a, to);
    expect(r.status).toBe(201);
    expect(r.body.emailQueued).toBe(true);
    expect(r.body.inviteUrl).toBeNull(); // only the mailbox gets the link
    const m = await mail.waitFor((x) => x.to.includes(to));
    expect(m.from).toBe("keys@dolfin.test");
    expect(m.subject).toContain(client.name);
    const link = linkIn(m.text);
    expect(new URL(link).origin).toBe(a.url);
    expect(m.html).toContain(link);
    expect(m.text).toContain("as Admin");
    expect(m.text).toMatch(/expires on .*\d{4}/);
    const row = await sentRow(r.body.id);
    expect(row).toMatchObject({ status: "Sent", secretLink: null, attempts: 1, lastError: null });
    expect(row.text).not.toContain(link.split("#")[1]);
    expect(row.html).not.toContain(link.split("#")[1]);
    // Sent once, by one of the two servers.
    await new Promise((res) => setTimeout(res, 500));
    expect(mail.messages.filter((x) => x.to.includes(to))).toHaveLength(1);
  });

  it("a send the relay refuses is retried with backoff, and delivered", async () => {
    const to = `retry-${uid()}@example.test`;
    // Another message due first (a reminder, a leftover row) must not take the refusal meant for this one.
    await db.emailOutbox.create({ data: { to: `bystander-${uid()}@example.test`, subject: "bystander", text: "hello", html: "<p>hello</p>" } });
    mail.failNext(1, to);
    const r = await inviteThrough(b, to, "Member");
    const m = await mail.waitFor((x) => x.to.includes(to), 20_000);
    expect(m.text).toMatch(/\/invite#[A-Za-z0-9_-]{43}/);
    const row = await sentRow(r.body.id);
    expect(row.status).toBe("Sent");
    expect(row.attempts).toBe(2);
  });

  it("no email for an invitation that did not commit", async () => {
    const to = `dup-${uid()}@example.test`;
    expect((await inviteThrough(a, to)).status).toBe(201);
    const before = await db.emailOutbox.count({ where: { to } });
    expect((await inviteThrough(b, to)).status).toBe(409);
    expect(await db.emailOutbox.count({ where: { to } })).toBe(before);
  });

  it("two instances share the outbox without ever sending a row twice", async () => {
    const tag = uid();
    const n = 40;
    await db.emailOutbox.createMany({
      data: Array.from({ length: n }, (_, i) => ({ to: `bulk-${tag}-${i}@example.test`, subject: `bulk ${tag} ${i}`, text: "hello", html: "<p>hello</p>" })),
    });
    const deadline = Date.now() + 20_000;
    while (mail.messages.filter((m) => m.subject.startsWith(`bulk ${tag} `)).length < n && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    await new Promise((res) => setTimeout(res, 500));
    const got = mail.messages.filter((m) => m.subject.startsWith(`bulk ${tag} `)).map((m) => m.subject);
    expect(got).toHaveLength(n);
    expect(new Set(got).size).toBe(n);
    for (let i = 0; i < 100 && (await db.emailOutbox.count({ where: { subject: { startsWith: `bulk ${tag} ` }, status: "Sent" } })) < n; i++) {
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(await db.emailOutbox.count({ where: { subject: { startsWith: `bulk ${tag} ` }, status: "Sent" } })).toBe(n);
  });
});

describe("key expiry reminders", () => {
  it("7 days and 1 day before, and after an expiry while in use: once each across two instances, to opted-in Owners and Admins only", async () => {
    const c = await makeClient("Live");
    const ownerIn = await makeUser([[c, "Owner"]]);
    const adminOut = await makeUser([[c, "Admin"]]);
    const member = await makeUser([[c, "Member"]]);
    await db.user.update({ where: { id: adminOut.id }, data: { keyReminderEmails: false } });
    const now = Date.now();
    const day = 86_400_000;
    const key = async (name: string, data: { createdAt: Date; expiresAt: Date; lastUsedAt?: Date; revokedAt?: Date }) => {
      const g = generateKey("Live");
      return db.apiKey.create({ data: { clientId: c.id, keyPrefix: g.keyPrefix, keyHash: g.keyHash, name: `${name} ${uid()}`, ...data } });
    };
    const old = new Date(now - 60 * day);
    const week = await key("week", { createdAt: old, expiresAt: new Date(now + 6 * day) });
    const tomorrow = await key("tomorrow", { createdAt: old, expiresAt: new Date(now + 20 * 3_600_000) });
    const dying = await key("in use", { createdAt: old, expiresAt: new Date(now - 3_600_000), lastUsedAt: new Date(now - 2 * 3_600_000) });
    // None for these: revoked, replaced by a rotation, expired unused, too young for its 7-day reminder, far from expiry.
    await key("revoked", { createdAt: old, expiresAt: new Date(now + 6 * day), revokedAt: new Date(now - day) });
    // The rotated key and its successor commit together: the reminder job runs all along and must never see one without the other.
    await db.$transaction(async (tx) => {
      const r = generateKey("Live");
      const rotated = await tx.apiKey.create({ data: { clientId: c.id, keyPrefix: r.keyPrefix, keyHash: r.keyHash, name: `rotated ${uid()}`, createdAt: old, expiresAt: new Date(now + 6 * day) } });
      const g = generateKey("Live");
      await tx.apiKey.create({ data: { clientId: c.id, keyPrefix: g.keyPrefix, keyHash: g.keyHash, rotatedFromId: rotated.id } });
    });
    await key("unused", { createdAt: old, expiresAt: new Date(now - 3_600_000), lastUsedAt: new Date(now - 5 * day) });
    await key("young", { createdAt: new Date(now - day), expiresAt: new Date(now + 5 * day) });
    await key("far", { createdAt: old, expiresAt: new Date(now + 30 * day) });

    const mine = () => mail.messages.filter((m) => m.to.some((t) => [ownerIn.email, adminOut.email, member.email].includes(t)));
    const deadline = Date.now() + 20_000;
    while (mine().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // Both instances keep running the job: wait a few more passes, then nothing new may have arrived.
    await new Promise((r) => setTimeout(r, 1500));
    const got = mine();
    expect(got.map((m) => m.to).flat().every((t) => t === ownerIn.email)).toBe(true);
    expect(got.map((m) => m.subject).sort()).toEqual(
      [
        expect.stringMatching(/^API key “in use .*” \(dol_live_.*…\) of .* expired while still in use$/),
        expect.stringMatching(/^API key “tomorrow .*” .* expires in 1 day$/),
        expect.stringMatching(/^API key “week .*” .* expires in 7 days$/),
      ].sort(),
    );
    expect(got).toHaveLength(3);
    const weekMail = got.find((m) => m.subject.includes(week.name!))!;
    expect(weekMail.text).toContain(week.expiresAt!.toUTCString().replace("GMT", "UTC"));
    expect(weekMail.text).toContain("Rotate it now");
    expect(weekMail.text).toContain("Turn these reminders off under Your account");
    const claims = await db.keyReminder.findMany({ where: { keyId: { in: [week.id, tomorrow.id, dying.id] } } });
    expect(claims.map((r) => `${r.keyId === week.id ? "week" : r.keyId === tomorrow.id ? "tomorrow" : "dying"}:${r.kind}`).sort()).toEqual(["dying:expiredInUse", "tomorrow:1d", "week:7d"]);
  }, 60_000);

});

describe("webhook endpoints", () => {
  it("a webhook endpoint failing for 5 days is turned off and the Client's Owners and Admins are emailed", async () => {
    const failing = http.createServer((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    await new Promise<void>((r) => failing.listen(0, "127.0.0.1", r));
    try {
      const c = await makeClient("Sandbox");
      const o = await makeUser([[c, "Owner"]]);
      const admin = await makeUser([[c, "Admin"]]);
      const member = await makeUser([[c, "Member"]]);
      const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/hook`;
      const created = await fetch(`${a.url}/api/webhook-endpoints`, {
        method: "POST",
        headers: { authorization: `Bearer ${o.token}`, "content-type": "application/json" },
        body: JSON.stringify({ url, events: ["apiKey.created"] }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      await db.webhookEndpoint.update({ where: { id }, data: { failingSince: new Date(Date.now() - 5 * 86_400_000 - 60_000) } });
      expect((await fetch(`${b.url}/api/webhook-endpoints/${id}/test`, { method: "POST", headers: { authorization: `Bearer ${o.token}` } })).status).toBe(202);
      const m = await mail.waitFor((x) => x.to.includes(admin.email) && x.subject.startsWith("Webhook endpoint"), 20_000);
      expect(m.subject).toBe(`Webhook endpoint of ${c.name} turned off`);
      expect(m.text).toContain(`The webhook endpoint ${url} of ${c.name} was turned off because every delivery to it has failed for 5 days.`);
      await mail.waitFor((x) => x.to.includes(o.email) && x.subject.startsWith("Webhook endpoint"), 20_000);
      expect(mail.messages.filter((x) => x.to.includes(member.email))).toHaveLength(0);
      expect(await db.webhookEndpoint.findUniqueOrThrow({ where: { id } })).toMatchObject({ enabled: false, disabledReason: "failing" });
    } finally {
      await new Promise((r) => failing.close(r));
    }
  }, 60_000);
});
