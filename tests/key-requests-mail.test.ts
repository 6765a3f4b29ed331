// Key requests' emails on a real SMTP server (the mail catcher), from a server
// on a database of this file's own (its mail worker takes no other file's rows):
// a request goes to the other Owners and Admins (not the requester, not Members)
// with what is asked and a link to it; approval and denial (with the reason) go
// to the requester.
import { randomBytes } from "node:crypto";
import { hash } from "@node-rs/argon2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MemberRole, PrismaClient } from "@/lib/generated/prisma/client";
import { startMailCatcher, type CaughtMail, type MailCatcher } from "../scripts/lib/mail-catcher";
import { startServer, type Server } from "../scripts/lib/stack";
import { ownDatabase } from "./helpers";
import { assertMatchesDocument } from "./openapi-validator";

const PASSWORD = "key request mail password";
const uid = () => randomBytes(5).toString("hex");

let mail: MailCatcher;
let server: Server;
let db: PrismaClient;
let own: Awaited<ReturnType<typeof ownDatabase>> | undefined;
let stale: { id: string; clientId: string };

beforeAll(async () => {
  own = await ownDatabase("keyreqmail");
  db = own.db;
  // A request pending for 8 days before the server starts: its first sweep (a second after start) expires it.
  const c = await db.client.create({ data: { name: `Sweep ${uid()}`, type: "Live", keyApproval: "write" } });
  const u = await db.user.create({ data: { email: `sweep-${uid()}@example.test`, name: "Sweep", passwordHash: "x" } });
  stale = await db.keyRequest.create({
    data: { clientId: c.id, fullAccess: true, reason: "old", requestedByUserId: u.id, requestedByLabel: u.email, createdAt: new Date(Date.now() - 8 * 86_400_000) },
  });
  mail = await startMailCatcher({ webPort: null });
  server = await startServer({
    databaseUrl: own.url,
    authSecret: "key-requests-mail-test-secret-0123456789",
    env: { SMTP_URL: mail.smtpUrl, MAIL_FROM: "Dolfin <keys@dolfin.test>", MAIL_POLL_INTERVAL_MS: "100", RATE_LIMIT_SIGN_IN_FAILURES_PER_MINUTE: "100000" },
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await mail?.stop();
  await own?.drop();
}, 60_000);

async function call(path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const method = init.method ?? (init.body !== undefined ? "POST" : "GET");
  const r = await fetch(server.url + path, { method, headers, body: init.body !== undefined ? JSON.stringify(init.body) : undefined });
  const text = await r.text();
  const body = text ? JSON.parse(text) : null;
  if (!path.startsWith("/api/auth/") || path === "/api/auth/token") await assertMatchesDocument(server.url, method, path, r.status, r.headers.get("content-type"), body);
  return { status: r.status, body };
}

let pwHash: Promise<string> | undefined;
async function person(clientId: string, role: MemberRole, name: string) {
  const email = `${role.toLowerCase()}-${uid()}@example.test`;
  const u = await db.user.create({ data: { email, name, passwordHash: await (pwHash ??= hash(PASSWORD)) } });
  await db.clientMember.create({ data: { clientId, userId: u.id, role } });
  const t = await call("/api/auth/token", { body: { email, password: PASSWORD } });
  expect(t.status).toBe(200);
  return { id: u.id, email, token: t.body.token as string };
}

/** The emails to `to` whose subject matches, once `n` of them arrived. */
async function mailsTo(to: string, subject: RegExp, n = 1): Promise<CaughtMail[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const got = mail.messages.filter((m) => m.to.includes(to) && subject.test(m.subject));
    if (got.length >= n) return got;
    if (Date.now() > deadline) throw new Error(`no email ${subject} to ${to} (have ${got.length})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("key request emails", () => {
  it("a request goes to the other Owners and Admins with what is asked and a link; approval and denial go to the requester", async () => {
    const client = await db.client.create({ data: { name: `Mail Payments ${uid()}`, type: "Live", keyApproval: "write" } });
    const owner = await person(client.id, "Owner", "Olivia Owner");
    const requester = await person(client.id, "Admin", "Rita Requester");
    const other = await person(client.id, "Admin", "Adam Admin");
    const member = await person(client.id, "Member", "Mo Member");

    const r = await call("/api/key-requests", {
      token: requester.token,
      body: { name: "Payments sync", scopes: ["payments:write"], allowedIps: ["203.0.113.0/24"], reason: "The nightly payment run for our ERP." },
    });
    expect(r.status).toBe(201);
    const link = `${server.url}/settings/api-keys?view=requests&request=${r.body.id}`;
    for (const to of [owner.email, other.email]) {
      const [m] = await mailsTo(to, /asks for approval/);
      expect(m.subject).toContain("Rita Requester");
      expect(m.subject).toContain(client.name);
      expect(m.text).toContain("“Payments sync”");
      expect(m.text).toContain("payments:write");
      expect(m.text).toContain("203.0.113.0/24");
      expect(m.text).toContain("The nightly payment run for our ERP.");
      expect(m.text).toContain(link);
      expect(m.html).toContain(link.replaceAll("&", "&amp;"));
    }

    const ok = await call(`/api/key-requests/${r.body.id}/approve`, { token: owner.token, method: "POST" });
    expect(ok.status).toBe(200);
    const [approved] = await mailsTo(requester.email, /^Approved/);
    expect(approved.text).toContain("Olivia Owner");
    expect(approved.text).toMatch(/Claim the key by .+ UTC/);
    expect(approved.text).toContain(link);

    const d = await call("/api/key-requests", { token: requester.token, body: { scopes: null, reason: "Everything, please." } });
    expect(d.status).toBe(201);
    const no = await call(`/api/key-requests/${d.body.id}/deny`, { token: other.token, body: { reason: "Full access is too much: ask for payments:write only." } });
    expect(no.status).toBe(200);
    const [denied] = await mailsTo(requester.email, /^Denied/);
    expect(denied.text).toContain("Adam Admin");
    expect(denied.text).toContain("Full access is too much: ask for payments:write only.");

    const c = await call(`/api/key-requests/${r.body.id}/claim`, { token: requester.token, method: "POST" });
    expect(c.status).toBe(201);
    // Give the worker a moment for anything else queued, then check who got what.
    await mailsTo(other.email, /asks for approval/, 2);
    expect(mail.messages.filter((m) => m.to.includes(requester.email) && /asks for approval/.test(m.subject))).toEqual([]);
    expect(mail.messages.filter((m) => m.to.includes(member.email))).toEqual([]);
    const outbox = await db.emailOutbox.findMany({ where: { subjectId: { in: [r.body.id, d.body.id] } } });
    expect(outbox.every((e) => !e.text.includes(c.body.rawKey))).toBe(true);
  });
});

describe("the expiry sweep", () => {
  it("writes and audits the expiry of a request nobody touched, once", async () => {
    const deadline = Date.now() + 15_000;
    while ((await db.keyRequest.findUniqueOrThrow({ where: { id: stale.id } })).status !== "expired") {
      if (Date.now() > deadline) throw new Error("the sweep did not expire the old request");
      await new Promise((r) => setTimeout(r, 100));
    }
    const audits = await db.auditEvent.findMany({ where: { clientId: stale.clientId, targetId: stale.id } });
    expect(audits.map((a) => [a.action, a.actorType, a.actorLabel])).toEqual([["keyRequest.expired", "Anonymous", "Dolfin (expiry)"]]);
    expect(audits[0].metadata).toMatchObject({ was: "pending" });
  });
});
