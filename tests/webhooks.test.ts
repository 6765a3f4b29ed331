// Webhooks end to end: endpoints over the API, events queued by the services
// in their transactions, delivered by the servers' workers to a receiver in
// this process (an http server on 127.0.0.1: the test server runs with
// WEBHOOK_ALLOW_LOOPBACK=1), signatures checked with the `standardwebhooks`
// reference package, retries, rotation, 410, the 5-day disable, refused
// targets, and a second server on the same database that never sends an
// attempt the first one sent.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type Server } from "../scripts/lib/stack";
import { api, BASE, createKey, db, inFuture, makeClient, makeTenant, makeUser } from "./helpers";

type Received = { headers: Record<string, string>; body: string; json: { type: string; timestamp: string; data: Record<string, unknown> } };

/** A receiver: records every request; answers the statuses queued (then 200) with `answer`, or, with `hang`, holds the answer until release(). */
class Receiver {
  received: Received[] = [];
  replies: number[] = [];
  answer: string | Buffer = "ok";
  hang = false;
  open = 0;
  maxOpen = 0;
  ended = 0;
  private held: http.ServerResponse[] = [];
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    res.on("close", () => {
      this.open--;
      this.ended++;
    });
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      this.received.push({ headers: req.headers as Record<string, string>, body, json: JSON.parse(body) });
      res.statusCode = this.replies.shift() ?? 200;
      if (this.hang) this.held.push(res);
      else res.end(this.answer);
    });
  });
  url = "";
  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }
  /** Answer the held requests (200) and stop holding. */
  release() {
    this.hang = false;
    for (const res of this.held.splice(0)) res.end("ok");
  }
  stop() {
    this.release();
    this.server.closeAllConnections();
    return new Promise<void>((r) => this.server.close(() => r()));
  }
  of(type: string) {
    return this.received.filter((r) => r.json.type === type);
  }
}

/** Wait (polling) until `check` returns something truthy; fails with `what` after 20 s. */
async function until<T>(what: string, check: () => T | Promise<T>, ms = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const receivers: Receiver[] = [];
async function receiver() {
  const r = await new Receiver().start();
  receivers.push(r);
  return r;
}
afterAll(() => Promise.all(receivers.map((r) => r.stop())));

async function addEndpoint(token: string, url: string, events: string[]) {
  const r = await api("/api/webhook-endpoints", { token, body: { url, events, description: "test receiver" } });
  expect(r.status, r.text).toBe(201);
  return r.body as { id: string; secret: string; url: string; events: string[] };
}

describe("webhook endpoints API", () => {
  it("creates with a one-time whsec_ secret stored sealed; lists and gets without it; Owners and Admins only", async () => {
    const { client, owner, key } = await makeTenant();
    const rx = await receiver();
    const ep = await addEndpoint(owner.token, rx.url, ["apiKey.revoked"]);
    expect(ep.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const row = await db.webhookEndpoint.findUniqueOrThrow({ where: { id: ep.id } });
    expect(row.secret).not.toContain(ep.secret.slice(6));
    expect(row.secret).toMatch(/^v1\./);

    const list = await api("/api/webhook-endpoints", { token: owner.token });
    expect(list.status).toBe(200);
    expect(list.body.data.map((e: { id: string }) => e.id)).toEqual([ep.id]);
    expect(list.text).not.toContain(ep.secret);
    const one = await api(`/api/webhook-endpoints/${ep.id}`, { token: owner.token });
    expect(one.body).toMatchObject({ id: ep.id, url: rx.url, events: ["apiKey.revoked"], enabled: true, description: "test receiver" });
    expect(one.text).not.toContain("whsec_");

    const admin = await makeUser([[client, "Admin"]]);
    expect((await api(`/api/webhook-endpoints/${ep.id}`, { token: admin.token })).status).toBe(200);
    const member = await makeUser([[client, "Member"]]);
    const m = await api("/api/webhook-endpoints", { token: member.token });
    expect(m.status).toBe(403);
    expect(m.body.code).toBe("Member.Forbidden");
    const k = await api("/api/webhook-endpoints", { apiKey: key.rawKey });
    expect(k.status).toBe(403);
    expect(k.body.code).toBe("Auth.NotUserScopedToken");

    // Another Client's endpoint is not found; its own list is empty.
    const other = await makeTenant();
    expect((await api(`/api/webhook-endpoints/${ep.id}`, { token: other.owner.token })).status).toBe(404);
    expect((await api(`/api/webhook-endpoints/${ep.id}/deliveries`, { token: other.owner.token })).status).toBe(404);
    expect((await api("/api/webhook-endpoints", { token: other.owner.token })).body.data).toEqual([]);

    // Patch, audit, delete.
    const long = await api(`/api/webhook-endpoints/${ep.id}`, { method: "PATCH", token: owner.token, body: { url: "https://1.1.1.1/" + "a b".repeat(600) } });
    expect(long.status, long.text).toBe(400);
    expect(long.body.errors.url).toHaveLength(1);
    const p = await api(`/api/webhook-endpoints/${ep.id}`, { method: "PATCH", token: owner.token, body: { events: ["apiKey.revoked", "apiKey.leaked"], enabled: false } });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ events: ["apiKey.revoked", "apiKey.leaked"], enabled: false, disabledReason: "manual" });
    const actions = (await db.auditEvent.findMany({ where: { clientId: client.id, targetId: ep.id }, orderBy: { createdAt: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["webhook.created", "webhook.updated"]);
    expect((await api(`/api/webhook-endpoints/${ep.id}`, { method: "DELETE", token: owner.token })).status).toBe(204);
    expect((await api(`/api/webhook-endpoints/${ep.id}`, { token: owner.token })).status).toBe(404);
  });

  it("refuses bad input and private, link-local and metadata targets with 400 naming the url field", async () => {
    const { owner } = await makeTenant();
    const refused = [
      "http://10.0.0.1/hook",
      "https://10.0.0.1/hook",
      "https://192.168.1.10/hook",
      "https://172.16.0.1/",
      "https://169.254.169.254/latest/meta-data/",
      "https://100.100.100.200/",
      "https://[fd00:ec2::254]/",
      "https://[fe80::1]/",
      "https://[::ffff:10.0.0.1]/",
      "https://0.0.0.0/",
      "https://user:pass@127.0.0.1/",
      "https://no-such-host.invalid/",
      "https://[::127.0.0.1]/",
      "https://[::10.0.0.1]/",
      "https://[::169.254.169.254]/",
      "https://[fec0::1]/",
      "https://[64:ff9b:1::a9fe:a9fe]/",
    ];
    const details = new Set<string>();
    for (const url of refused) {
      const r = await api("/api/webhook-endpoints", { token: owner.token, body: { url, events: ["apiKey.created"] } });
      expect(r.status, url).toBe(400);
      expect(r.body.code, url).toBe("Webhook.UrlRefused");
      expect(r.body.errors.url, url).toHaveLength(1);
      if (!url.startsWith("http://") && !url.includes("@")) details.add(r.body.detail);
    }
    // Not resolving and resolving to a non-public address answer the same sentence, naming no address.
    expect([...details]).toHaveLength(1);
    expect([...details][0]).not.toMatch(/127\.0\.0\.1|resolves to|does not resolve/);
    // Longer than the column once percent-encoded (spaces, CJK): 400 naming url, on create and on PATCH.
    const longs = ["https://1.1.1.1/" + "a b".repeat(600), "https://1.1.1.1/" + "漢".repeat(700)];
    for (const url of longs) {
      const r = await api("/api/webhook-endpoints", { token: owner.token, body: { url, events: ["apiKey.created"] } });
      expect(r.status, r.text).toBe(400);
      expect(r.body.errors.url).toHaveLength(1);
    }
    for (const body of [{ url: "ftp://example.com/x", events: ["apiKey.created"] }, { url: "https://example.com/x", events: [] }, { url: "https://example.com/x", events: ["apiKey.nope"] }, { events: ["apiKey.created"] }]) {
      const r = await api("/api/webhook-endpoints", { token: owner.token, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    expect(await db.webhookEndpoint.count({ where: { client: { members: { some: { userId: owner.id } } } } })).toBe(0);
  });
});

describe("delivery", () => {
  it("key, member and invitation events arrive signed per Standard Webhooks, thin, without any secret", async () => {
    const { client, owner } = await makeTenant();
    const rx = await receiver();
    const ep = await addEndpoint(owner.token, rx.url, ["apiKey.created", "apiKey.revoked", "apiKey.accessChanged", "apiKey.rotated", "apiKey.leaked", "invitation.created", "member.roleChanged"]);
    const key = await createKey({ token: owner.token }, { name: "Billing sync", expiresAt: inFuture(30) });
    await until("apiKey.created", () => rx.of("apiKey.created").length === 1);
    const created = rx.of("apiKey.created")[0];
    expect(new Webhook(ep.secret).verify(created.body, created.headers)).toMatchObject({ type: "apiKey.created" });
    expect(created.headers["webhook-id"]).toMatch(/^msg_[0-9a-f-]{36}$/);
    expect(created.json.data).toMatchObject({ id: key.id, clientId: client.id, keyPrefix: key.keyPrefix, name: "Billing sync", fullAccess: true });
    expect(created.body).not.toContain(key.rawKey);

    expect((await api(`/api/api-keys/${key.id}`, { method: "PATCH", token: owner.token, body: { scopes: ["invoices:read"] } })).status).toBe(200);
    const rotated = await api(`/api/api-keys/${key.id}/rotate`, { token: owner.token, body: { gracePeriodSeconds: 0 } });
    expect(rotated.status).toBe(201);
    expect((await api(`/api/api-keys/${rotated.body.id}/revoke`, { method: "POST", token: owner.token })).status).toBe(204);
    const leaked = await createKey({ token: owner.token }, { name: "Leaky" });
    expect((await api("/api/api-keys/leaks", { body: { keys: [leaked.rawKey] } })).status).toBe(202);
    const invite = await api("/api/client-invites", { token: owner.token, body: { email: `bob-${Date.now()}@example.test`, role: "Member" } });
    expect(invite.status).toBe(201);
    const member = await makeUser([[client, "Member"]]);
    expect((await api(`/api/members/${member.id}`, { method: "PATCH", token: owner.token, body: { role: "Admin" } })).status).toBe(200);

    await until("all events", () => ["apiKey.accessChanged", "apiKey.rotated", "apiKey.revoked", "apiKey.leaked", "invitation.created", "member.roleChanged"].every((t) => rx.of(t).length === 1));
    expect(rx.of("apiKey.accessChanged")[0].json.data).toMatchObject({ id: key.id, scopes: ["invoices:read"], widened: false });
    expect(rx.of("apiKey.rotated")[0].json.data).toMatchObject({ id: key.id, newKeyId: rotated.body.id });
    expect(rx.of("apiKey.revoked")[0].json.data).toMatchObject({ id: rotated.body.id, keyPrefix: rotated.body.keyPrefix });
    expect(rx.of("apiKey.leaked")[0].json.data).toMatchObject({ id: leaked.id, revoked: true });
    expect(rx.of("invitation.created")[0].json.data).toMatchObject({ id: invite.body.id, role: "Member" });
    expect(rx.of("member.roleChanged")[0].json.data).toMatchObject({ id: member.id, before: "Member", role: "Admin" });
    for (const r of rx.received) {
      expect(() => new Webhook(ep.secret).verify(r.body, r.headers)).not.toThrow();
      for (const raw of [key.rawKey, rotated.body.rawKey, leaked.rawKey, invite.body.inviteUrl]) expect(r.body).not.toContain(raw);
      expect(r.body).not.toMatch(/keyHash|tokenHash|secret/i);
    }
    // The rotation's new key came too (apiKey.created), and nothing for events not subscribed to.
    expect(rx.of("apiKey.created").map((r) => r.json.data.id)).toEqual([key.id, rotated.body.id, leaked.id]);
  });

  it("key request events (four eyes) arrive: created, approved, claimed, denied; no reason text or key in them", async () => {
    const { client, owner } = await makeTenant();
    const admin = await makeUser([[client, "Admin"]]);
    const rx = await receiver();
    const ep = await addEndpoint(owner.token, rx.url, ["keyRequest.created", "keyRequest.approved", "keyRequest.denied", "keyRequest.claimed"]);
    expect((await api("/api/key-policy", { method: "PUT", token: owner.token, body: { keysMustExpire: false, maxKeyLifetimeDays: null, maxActiveKeys: 100, keyApproval: "write" } })).status).toBe(200);
    const ask = (name: string) => api("/api/key-requests", { token: admin.token, body: { name, expiresAt: null, scopes: ["payments:write"], allowedIps: [], reason: "Pays the March bills." } });
    const first = await ask("Payments worker");
    expect(first.status, first.text).toBe(201);
    expect((await api(`/api/key-requests/${first.body.id}/approve`, { token: owner.token, method: "POST" })).status).toBe(200);
    const claimed = await api(`/api/key-requests/${first.body.id}/claim`, { token: admin.token, method: "POST" });
    expect(claimed.status, claimed.text).toBe(201);
    const second = await ask("Second worker");
    expect((await api(`/api/key-requests/${second.body.id}/deny`, { token: owner.token, body: { reason: "Use the first one." } })).status).toBe(200);

    await until("key request events", () => rx.of("keyRequest.created").length === 2 && ["keyRequest.approved", "keyRequest.claimed", "keyRequest.denied"].every((t) => rx.of(t).length === 1));
    expect(rx.of("keyRequest.created")[0].json.data).toMatchObject({ id: first.body.id, clientId: client.id, kind: "create", scopes: ["payments:write"], requestedBy: admin.email });
    expect(rx.of("keyRequest.approved")[0].json.data).toMatchObject({ id: first.body.id, approvedBy: owner.email });
    expect(rx.of("keyRequest.claimed")[0].json.data).toMatchObject({ id: first.body.id, keyId: claimed.body.id, keyPrefix: claimed.body.keyPrefix });
    expect(rx.of("keyRequest.denied")[0].json.data).toMatchObject({ id: second.body.id, withdrawn: false });
    for (const r of rx.received) {
      expect(() => new Webhook(ep.secret).verify(r.body, r.headers)).not.toThrow();
      expect(r.body).not.toContain(claimed.body.rawKey);
      expect(r.body).not.toContain("March bills");
    }
  });

  it("retries failures with backoff until delivered, one webhook-id throughout, and the log shows each attempt", async () => {
    const { owner } = await makeTenant();
    const rx = await receiver();
    rx.replies.push(500, 503, 500);
    const ep = await addEndpoint(owner.token, rx.url, ["apiKey.created"]);
    const test = await api(`/api/webhook-endpoints/${ep.id}/test`, { method: "POST", token: owner.token });
    expect(test.status).toBe(202);
    expect(test.body).toMatchObject({ eventType: "webhook.test", status: "Pending" });
    await until("4 attempts", () => rx.received.length === 4);
    const d = await until("delivered", async () => {
      const r = await api(`/api/webhook-endpoints/${ep.id}/deliveries`, { token: owner.token });
      return r.body.data[0]?.status === "Delivered" && r.body.data[0];
    });
    expect(d).toMatchObject({ id: test.body.id, attempts: 4, lastStatusCode: 200, nextAttemptAt: null });
    expect(d.log.map((a: { statusCode: number }) => a.statusCode)).toEqual([200, 500, 503, 500]);
    expect(new Set(rx.received.map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(rx.received[0].headers["webhook-id"]).toBe(`msg_${d.eventId}`);
    // Backoff: each wait at least double the one before it (WEBHOOK_RETRY_BASE_MS 50 on the test server).
    const at = d.log.map((a: { at: string }) => Date.parse(a.at)).reverse();
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(50);
    expect(at[3] - at[2]).toBeGreaterThanOrEqual(200);

    // Retry sends it again at once, same webhook-id; the log keeps the earlier attempts.
    const retry = await api(`/api/webhook-endpoints/${ep.id}/deliveries/${d.id}/retry`, { method: "POST", token: owner.token });
    expect(retry.status).toBe(202);
    await until("the retried send", () => rx.received.length === 5);
    expect(rx.received[4].headers["webhook-id"]).toBe(`msg_${d.eventId}`);
    const after = await until("logged", async () => (await api(`/api/webhook-endpoints/${ep.id}/deliveries`, { token: owner.token })).body.data.find((x: { attempts: number; status: string }) => x.attempts === 5 && x.status === "Delivered"));
    expect(after.log).toHaveLength(5);
  });

  it("a rotated secret signs beside the old one for 24 hours: both verify", async () => {
    const { owner } = await makeTenant();
    const rx = await receiver();
    const ep = await addEndpoint(owner.token, rx.url, ["apiKey.created"]);
    const rot = await api(`/api/webhook-endpoints/${ep.id}/rotate-secret`, { method: "POST", token: owner.token });
    expect(rot.status).toBe(200);
    expect(rot.body.secret).toMatch(/^whsec_/);
    expect(rot.body.secret).not.toBe(ep.secret);
    expect(Date.parse(rot.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    expect((await api(`/api/webhook-endpoints/${ep.id}/test`, { method: "POST", token: owner.token })).status).toBe(202);
    const got = await until("test event", () => rx.received[0]);
    expect(got.headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(rot.body.secret).verify(got.body, got.headers)).toMatchObject({ type: "webhook.test" });
    expect(new Webhook(ep.secret).verify(got.body, got.headers)).toMatchObject({ type: "webhook.test" });
    // Once the overlap is over, only the new secret signs.
    await db.webhookEndpoint.update({ where: { id: ep.id }, data: { previousSecretExpiresAt: new Date(Date.now() - 1000) } });
    expect((await api(`/api/webhook-endpoints/${ep.id}/test`, { method: "POST", token: owner.token })).status).toBe(202);
    const second = await until("second test event", () => rx.received[1]);
    expect(second.headers["webhook-signature"].split(" ")).toHaveLength(1);
    expect(() => new Webhook(ep.secret).verify(second.body, second.headers)).toThrow();
    expect(new Webhook(rot.body.secret).verify(second.body, second.headers)).toBeTruthy();
  });

  it("410 Gone turns the endpoint off at once; 5 days of failures turn it off too", async () => {
    const { client, owner } = await makeTenant();
    const gone = await receiver();
    gone.replies.push(410);
    const ep = await addEndpoint(owner.token, gone.url, ["apiKey.created"]);
    await createKey({ token: owner.token });
    const off = await until("disabled", async () => {
      const r = await api(`/api/webhook-endpoints/${ep.id}`, { token: owner.token });
      return r.body.enabled === false && r.body;
    });
    expect(off.disabledReason).toBe("gone");
    expect(gone.received).toHaveLength(1);
    const [d] = (await api(`/api/webhook-endpoints/${ep.id}/deliveries`, { token: owner.token })).body.data;
    expect(d).toMatchObject({ status: "Failed", attempts: 1, lastStatusCode: 410 });
    expect((await api(`/api/webhook-endpoints/${ep.id}/test`, { method: "POST", token: owner.token })).body.code).toBe("Webhook.Disabled");
    // Nothing more is queued for a disabled endpoint.
    await createKey({ token: owner.token });
    expect(await db.webhookDelivery.count({ where: { endpointId: ep.id } })).toBe(1);

    const failing = await receiver();
    failing.replies.push(...Array(50).fill(500));
    const ep2 = await addEndpoint(owner.token, failing.url, ["apiKey.created"]);
    await db.webhookEndpoint.update({ where: { id: ep2.id }, data: { failingSince: new Date(Date.now() - 5 * 86_400_000 - 60_000) } });
    expect((await api(`/api/webhook-endpoints/${ep2.id}/test`, { method: "POST", token: owner.token })).status).toBe(202);
    const off2 = await until("disabled after 5 days", async () => {
      const r = await api(`/api/webhook-endpoints/${ep2.id}`, { token: owner.token });
      return r.body.enabled === false && r.body;
    });
    expect(off2.disabledReason).toBe("failing");
    const audit = await db.auditEvent.findMany({ where: { clientId: client.id, action: "webhook.disabled" }, orderBy: { createdAt: "asc" } });
    expect(audit.map((a) => [a.targetId, (a.metadata as { reason: string }).reason])).toEqual([[ep.id, "gone"], [ep2.id, "failing"]]);
    // Turning it back on forgets the failures.
    const on = await api(`/api/webhook-endpoints/${ep2.id}`, { method: "PATCH", token: owner.token, body: { enabled: true } });
    expect(on.body).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
  });
});

describe("one endpoint cannot crowd out the others", () => {
  it("an endpoint that never answers holds at most 2 sends; another Client's delivery goes out meanwhile", async () => {
    const a = await makeTenant();
    const b = await makeTenant();
    const slow = await receiver();
    slow.hang = true;
    const fast = await receiver();
    const epA = await addEndpoint(a.owner.token, slow.url, ["apiKey.created"]);
    const epB = await addEndpoint(b.owner.token, fast.url, ["apiKey.created"]);
    const payload = JSON.stringify({ type: "webhook.test", timestamp: new Date().toISOString(), data: { id: epA.id, clientId: a.client.id } });
    await db.webhookDelivery.createMany({ data: Array.from({ length: 30 }, () => ({ endpointId: epA.id, clientId: a.client.id, eventId: crypto.randomUUID(), eventType: "webhook.test", payload })) });
    await until("A's sends held", () => slow.open >= 2);
    expect((await api(`/api/webhook-endpoints/${epB.id}/test`, { method: "POST", token: b.owner.token })).status).toBe(202);
    await until("B delivered", () => fast.received.length === 1);
    expect(slow.ended).toBe(0); // B did not wait for any of A's sends to end
    expect(slow.maxOpen).toBe(2);
    expect(await db.webhookDelivery.count({ where: { endpointId: epA.id, lockedUntil: { not: null } } })).toBe(2);
    expect((await api(`/api/webhook-endpoints/${epA.id}`, { method: "PATCH", token: a.owner.token, body: { enabled: false } })).status).toBe(200);
    slow.release();
  });

  it("test events and retries: 10 a minute per endpoint, then 429 with Retry-After; another endpoint is not affected", async () => {
    const { owner } = await makeTenant();
    const rx = await receiver();
    const ep = await addEndpoint(owner.token, rx.url, ["apiKey.created"]);
    const other = await addEndpoint(owner.token, rx.url, ["apiKey.created"]);
    const first = await api(`/api/webhook-endpoints/${ep.id}/test`, { method: "POST", token: owner.token });
    expect(first.status).toBe(202);
    for (let i = 0; i < 9; i++) expect((await api(`/api/webhook-endpoints/${ep.id}/test`, { method: "POST", token: owner.token })).status).toBe(202);
    const over = await api(`/api/webhook-endpoints/${ep.id}/test`, { method: "POST", token: owner.token });
    expect(over.status).toBe(429);
    expect(over.body.code).toBe("RateLimit.Exceeded");
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    const retry = await api(`/api/webhook-endpoints/${ep.id}/deliveries/${first.body.id}/retry`, { method: "POST", token: owner.token });
    expect(retry.status).toBe(429);
    expect(await db.webhookDelivery.count({ where: { endpointId: ep.id } })).toBe(10);
    expect((await api(`/api/webhook-endpoints/${other.id}/test`, { method: "POST", token: owner.token })).status).toBe(202);
  });

  it("a retry of a delivery being sent is 409 Webhook.DeliveryInProgress: never a second, parallel send", async () => {
    const { owner } = await makeTenant();
    const slow = await receiver();
    slow.hang = true;
    const ep = await addEndpoint(owner.token, slow.url, ["apiKey.created"]);
    const test = await api(`/api/webhook-endpoints/${ep.id}/test`, { method: "POST", token: owner.token });
    await until("being sent", () => slow.open === 1);
    const retry = await api(`/api/webhook-endpoints/${ep.id}/deliveries/${test.body.id}/retry`, { method: "POST", token: owner.token });
    expect(retry.status).toBe(409);
    expect(retry.body.code).toBe("Webhook.DeliveryInProgress");
    expect(slow.received).toHaveLength(1);
    slow.release();
    await until("delivered", async () => (await db.webhookDelivery.findUniqueOrThrow({ where: { id: test.body.id } })).status === "Delivered");
    expect(slow.maxOpen).toBe(1);
    expect((await api(`/api/webhook-endpoints/${ep.id}/deliveries/${test.body.id}/retry`, { method: "POST", token: owner.token })).status).toBe(202);
    await until("sent again", () => slow.received.length === 2);
  });

  it("an answer with NUL bytes and invalid UTF-8 is stored sanitized: the attempt is recorded and the delivery finishes", async () => {
    const { owner } = await makeTenant();
    const rx = await receiver();
    rx.answer = Buffer.from([0x6f, 0x6b, 0x00, 0xff, 0xfe, 0x01, 0x41, 0x00]);
    const ep = await addEndpoint(owner.token, rx.url, ["apiKey.created"]);
    const test = await api(`/api/webhook-endpoints/${ep.id}/test`, { method: "POST", token: owner.token });
    const d = await until("delivered", async () => {
      const row = await db.webhookDelivery.findUniqueOrThrow({ where: { id: test.body.id }, include: { log: true } });
      return row.status === "Delivered" ? row : null;
    });
    expect(d.log).toHaveLength(1);
    expect(d.lastResponseBody).toBe("ok\uFFFD\uFFFDA");
  });
});

describe("two instances on one database", () => {
  let second: Server;
  let old: { endpointId: string; delivered: string; pending: string; recent: string };
  beforeAll(async () => {
    // Rows for the retention pass the second server runs a second after it starts.
    const c = await makeClient("Sandbox");
    const ep = await db.webhookEndpoint.create({ data: { clientId: c.id, url: "https://hooks.example.com/x", events: ["apiKey.created"], secret: "v1.sealed", enabled: false } });
    const row = (status: "Delivered" | "Pending", daysAgo: number) =>
      db.webhookDelivery.create({
        data: { endpointId: ep.id, clientId: c.id, eventId: crypto.randomUUID(), eventType: "apiKey.created", payload: "{}", status, createdAt: new Date(Date.now() - daysAgo * 86_400_000) },
      });
    old = { endpointId: ep.id, delivered: (await row("Delivered", 31)).id, pending: (await row("Pending", 31)).id, recent: (await row("Delivered", 29)).id };
    second = await startServer({
      databaseUrl: process.env.TEST_DATABASE_URL!,
      authSecret: process.env.TEST_AUTH_SECRET!,
      env: { RATE_LIMIT_SIGN_IN_FAILURES_PER_MINUTE: "100000", RATE_LIMIT_KEY_WRITES_PER_MINUTE: "100000", WEBHOOK_ALLOW_LOOPBACK: "1", WEBHOOK_POLL_INTERVAL_MS: "50", KEY_REMINDER_INTERVAL_MS: "300" },
    });
  }, 120_000);
  afterAll(() => second?.stop(), 30_000);

  it("never deliver one attempt twice", async () => {
    const { owner } = await makeTenant();
    const rx = await receiver();
    const ep = await addEndpoint(owner.token, rx.url, ["apiKey.created"]);
    const n = 40;
    for (let i = 0; i < n; i += 10) await Promise.all(Array.from({ length: 10 }, () => createKey({ token: owner.token }, { name: "parallel", expiresAt: inFuture(30) })));
    await until(`${n} deliveries`, async () => (await db.webhookDelivery.count({ where: { endpointId: ep.id, status: "Delivered" } })) === n);
    const ids = rx.received.map((r) => r.headers["webhook-id"]);
    expect(ids).toHaveLength(n);
    expect(new Set(ids).size).toBe(n);
    expect(await db.webhookDelivery.count({ where: { endpointId: ep.id, attempts: { not: 1 } } })).toBe(0);
    expect(await db.webhookDeliveryAttempt.count({ where: { delivery: { endpointId: ep.id } } })).toBe(n);
    expect(BASE).not.toBe(second.url);
  });

  it("apiKey.expiring and apiKey.expired are sent once per key", async () => {
    const client = await makeClient("Sandbox");
    const owner = await makeUser([[client, "Owner"]]);
    const rx = await receiver();
    await addEndpoint(owner.token, rx.url, ["apiKey.expiring", "apiKey.expired"]);
    const soon = await createKey({ token: owner.token }, { name: "Soon", expiresAt: inFuture(3) });
    const later = await createKey({ token: owner.token }, { name: "Later", expiresAt: inFuture(30) });
    const brief = await createKey({ token: owner.token }, { name: "Brief", expiresAt: new Date(Date.now() + 2_000).toISOString() });
    await until("expiring", () => rx.of("apiKey.expiring").some((r) => r.json.data.id === soon.id));
    await until("expired", () => rx.of("apiKey.expired").some((r) => r.json.data.id === brief.id), 30_000);
    // Passes keep running on both servers (every 300 ms here): still one of each.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(rx.of("apiKey.expiring").filter((r) => r.json.data.id === soon.id)).toHaveLength(1);
    expect(rx.of("apiKey.expired").filter((r) => r.json.data.id === brief.id)).toHaveLength(1);
    expect(rx.received.some((r) => r.json.data.id === later.id)).toBe(false);
    // "Brief" is expiring too: its event may arrive first (both are sent at once).
    expect(rx.of("apiKey.expiring").find((r) => r.json.data.id === soon.id)?.json.data).toMatchObject({ clientId: client.id, keyPrefix: soon.keyPrefix, name: "Soon" });
  }, 60_000);

  it("finished deliveries older than 30 days are pruned; pending and recent ones stay", async () => {
    await until("pruned", async () => (await db.webhookDelivery.findUnique({ where: { id: old.delivered } })) === null);
    const left = await db.webhookDelivery.findMany({ where: { endpointId: old.endpointId }, select: { id: true } });
    expect(left.map((d) => d.id).sort()).toEqual([old.pending, old.recent].sort());
  });
});
