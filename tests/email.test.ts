// Email for real: two app instances with SMTP pointed at a real SMTP server
// in this test process. An invitation's email is delivered (with its link,
// what it grants, who invited and until when), a failed send is retried, and
// two instances never send one row twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMailCatcher, type MailCatcher } from "../scripts/lib/mail-catcher";
import { startServer, type Server } from "../scripts/lib/stack";
import { db, makeClient, makeUser, uid, type Tenant, type TestUser } from "./helpers";

let mail: MailCatcher;
let a: Server;
let b: Server;
let client: Tenant;
let owner: TestUser;

beforeAll(async () => {
  mail = await startMailCatcher({ webPort: null });
  const env = { SMTP_URL: mail.smtpUrl, MAIL_FROM: "Dolfin <keys@dolfin.test>", MAIL_POLL_INTERVAL_MS: "100", MAIL_RETRY_BASE_MS: "300", RATE_LIMIT_INVITES_PER_HOUR: "1000" };
  [a, b] = await Promise.all([
    startServer({ databaseUrl: process.env.TEST_DATABASE_URL!, authSecret: process.env.TEST_AUTH_SECRET!, env }),
    startServer({ databaseUrl: process.env.TEST_DATABASE_URL!, authSecret: process.env.TEST_AUTH_SECRET!, env }),
  ]);
  client = await makeClient("Sandbox");
  owner = await makeUser([[client, "Owner"]]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await mail?.stop();
  await db.$disconnect();
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
  return { status: r.status, body: (await r.json()) as { id: string; inviteUrl: string; emailQueued: boolean; expiresAt: string } };
}

describe("invitation email", () => {
  it("is delivered once, with the link, the Client, the role, who invited and the expiry; the stored row keeps no link", async () => {
    const to = `mail-${uid()}@example.test`;
    const r = await inviteThrough(a, to);
    expect(r.status).toBe(201);
    expect(r.body.emailQueued).toBe(true);
    const m = await mail.waitFor((x) => x.to.includes(to));
    expect(m.from).toBe("keys@dolfin.test");
    expect(m.subject).toContain(client.name);
    expect(m.text).toContain(r.body.inviteUrl);
    expect(m.html).toContain(r.body.inviteUrl);
    expect(m.text).toContain("as Admin");
    expect(m.text).toMatch(/expires on .*\d{4}/);
    const row = await sentRow(r.body.id);
    expect(row).toMatchObject({ status: "Sent", secretLink: null, attempts: 1, lastError: null });
    expect(row.text).not.toContain(r.body.inviteUrl);
    // Sent once, by one of the two servers.
    await new Promise((res) => setTimeout(res, 500));
    expect(mail.messages.filter((x) => x.to.includes(to))).toHaveLength(1);
  });

  it("a send the relay refuses is retried with backoff, and delivered", async () => {
    mail.failNext(1);
    const to = `retry-${uid()}@example.test`;
    const r = await inviteThrough(b, to, "Member");
    const m = await mail.waitFor((x) => x.to.includes(to), 20_000);
    expect(m.text).toContain(r.body.inviteUrl);
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
