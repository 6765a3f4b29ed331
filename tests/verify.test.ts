// The serving layer: the verify API (answered by the custom server), the true
// client IP, and graceful shutdown.
import http from "node:http";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { startServer } from "../scripts/lib/stack";
import { api, BASE, createKey, db, inFuture, makeTenant } from "./helpers";

afterAll(() => db.$disconnect());

const SERVICE = { "x-dolfin-service-token": process.env.TEST_SERVICE_TOKEN! };
const verify = (body: unknown, headers: Record<string, string> = SERVICE) => api("/api/api-keys/verify", { body, headers });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The key's row once its last use is recorded (written off the request path). */
async function afterLastUse(id: string) {
  for (let i = 0; ; i++) {
    const row = await db.apiKey.findUniqueOrThrow({ where: { id } });
    if (row.lastUsedAt || i >= 40) return row;
    await sleep(50);
  }
}

describe("POST /api/api-keys/verify", () => {
  it("says whether a key is good, and for whom; records the end client's address as last use", async () => {
    const t = await makeTenant("Sandbox");
    const k = await createKey({ token: t.owner.token }, { expiresAt: inFuture(3) });
    const r = await verify({ key: k.rawKey, ip: "::ffff:203.0.113.9", permission: "invoices:write" });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ valid: true, keyId: k.id, clientId: t.client.id, clientType: "Sandbox", keyPrefix: k.keyPrefix, expiresAt: k.expiresAt, scopes: null });
    expect(r.headers.get("x-request-id")).toBeTruthy();
    expect((await afterLastUse(k.id)).lastUsedIp).toBe("::ffff:203.0.113.9");
  });

  it("tells our services why a key is refused: invalid, expired or revoked (the integration gets one 401 for all)", async () => {
    const t = await makeTenant();
    const expired = await createKey({ token: t.owner.token });
    const revoked = await createKey({ token: t.owner.token });
    expect((await verify({ key: expired.rawKey })).body.valid).toBe(true); // now cached on this instance
    // Expired behind the app's back: the database announces the change, the cache drops it at once.
    await db.apiKey.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    let v = await verify({ key: expired.rawKey });
    for (let i = 0; i < 20 && v.body.valid; i++) {
      await sleep(25);
      v = await verify({ key: expired.rawKey });
    }
    expect(v.body).toEqual({ valid: false, code: "ApiKey.Expired" });
    expect((await api(`/api/api-keys/${revoked.id}/revoke`, { method: "POST", token: t.owner.token })).status).toBe(204);
    expect((await verify({ key: revoked.rawKey })).body).toEqual({ valid: false, code: "ApiKey.Revoked" });
    for (const key of ["dol_live_" + "A".repeat(49), "nonsense", " "]) expect((await verify({ key })).body).toEqual({ valid: false, code: "ApiKey.Invalid" });
    for (const k of [expired, revoked]) {
      const me = await api("/api/me", { apiKey: k.rawKey });
      expect(me.status).toBe(401);
      expect(me.body.code).toBe("ApiKey.Invalid");
    }
  });

  it("only our services may ask, and bad requests are problem details", async () => {
    const t = await makeTenant();
    for (const headers of [{}, { "x-dolfin-service-token": "wrong" }, { "x-dolfin-service-token": process.env.TEST_SERVICE_TOKEN! + "x" }] as Record<string, string>[]) {
      const r = await verify({ key: t.key.rawKey }, headers);
      expect(r.status).toBe(401);
      expect(r.body.code).toBe("Service.Unauthenticated");
      expect(r.text).not.toContain(t.client.id);
    }
    for (const body of [{}, { key: 5 }, { key: t.key.rawKey, ip: "not-an-ip" }, { key: t.key.rawKey, permission: "everything" }, { key: t.key.rawKey, extra: 1 }, [], null]) {
      const r = await verify(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
    }
    expect((await api("/api/api-keys/verify", { rawBody: "{", headers: { ...SERVICE, "content-type": "application/json" } })).body.code).toBe("Request.InvalidJson");
    expect((await api("/api/api-keys/verify", { rawBody: "key=x", headers: { ...SERVICE, "content-type": "text/plain" } })).status).toBe(415);
    expect((await api("/api/api-keys/verify", { rawBody: JSON.stringify({ key: "x".repeat(20_000) }), headers: { ...SERVICE, "content-type": "application/json" } })).status).toBe(413);
    const get = await api("/api/api-keys/verify", { headers: SERVICE });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });
});

describe("the client IP", () => {
  it("through a trusted proxy, the address it forwarded (rightmost untrusted hop; mapped IPv6 made plain)", async () => {
    const t = await makeTenant();
    for (const [xff, expected] of [
      ["198.51.100.1, 192.0.2.44", "192.0.2.44"],
      ["::ffff:192.0.2.45", "192.0.2.45"],
    ]) {
      const k = await createKey({ token: t.owner.token });
      expect((await api("/api/me", { apiKey: k.rawKey, headers: { "x-forwarded-for": xff } })).status).toBe(200);
      expect((await afterLastUse(k.id)).lastUsedIp).toBe(expected);
    }
  });

  it("a direct client (no trusted proxy) is its socket's address, whatever X-Forwarded-For it sends", async () => {
    const server = await startServer({ databaseUrl: process.env.TEST_DATABASE_URL!, authSecret: process.env.TEST_AUTH_SECRET! });
    try {
      const t = await makeTenant();
      const r = await fetch(`${server.url}/api/me`, { headers: { "x-dolfin-api-key": t.key.rawKey, "x-forwarded-for": "6.6.6.6", "x-real-ip": "6.6.6.7" } });
      expect(r.status).toBe(200);
      expect((await afterLastUse(t.key.id)).lastUsedIp).toBe("127.0.0.1");
      // The audit trail records the same address.
      const k = await fetch(`${server.url}/api/api-keys`, {
        method: "POST",
        headers: { "x-dolfin-api-key": t.key.rawKey, "x-forwarded-for": "6.6.6.6", "content-type": "application/json" },
        body: "{}",
      });
      const made = (await k.json()) as { id: string };
      const event = await db.auditEvent.findFirstOrThrow({ where: { targetId: made.id, action: "apiKey.created" } });
      expect(event.ip).toBe("127.0.0.1");
    } finally {
      await server.stop();
    }
  });
});

describe("graceful shutdown", () => {
  it("on SIGTERM, requests already accepted finish; new connections are refused", async () => {
    const server = await startServer({ databaseUrl: process.env.TEST_DATABASE_URL!, authSecret: process.env.TEST_AUTH_SECRET!, env: { VERIFY_SERVICE_TOKENS: process.env.TEST_SERVICE_TOKEN! } });
    onTestFinished(() => server.stop());
    const t = await makeTenant();
    // Twenty requests in flight: headers and half a body sent, the rest after SIGTERM.
    const body = JSON.stringify({ key: t.key.rawKey });
    const connected: Promise<void>[] = [];
    const inFlight = Array.from({ length: 20 }, () => {
      let finish!: () => void;
      const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(`${server.url}/api/api-keys/verify`, {
          method: "POST",
          agent: false,
          headers: { ...SERVICE, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        });
        connected.push(new Promise((ok) => req.on("socket", (s) => s.once("connect", () => ok()))));
        req.on("response", (res) => {
          let text = "";
          res.on("data", (c) => (text += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on("error", reject);
        req.write(body.slice(0, 10));
        finish = () => req.end(body.slice(10));
      });
      return { done, finish: () => finish() };
    });
    // Every connection open, then time for the server to read each request's headers: a connection
    // whose request it has not yet read is idle, and closing idle connections is what SIGTERM should do.
    await Promise.all(connected);
    await sleep(1000);
    const exited = new Promise((r) => server.proc.once("exit", r));
    server.proc.kill("SIGTERM");
    // A new connection is refused as soon as the signal is handled.
    let refused = false;
    for (let i = 0; i < 50 && !refused; i++) {
      refused = await fetch(`${server.url}/api/health`).then(
        () => false,
        () => true,
      );
      if (!refused) await sleep(100);
    }
    expect(refused).toBe(true);
    for (const f of inFlight) f.finish();
    const results = await Promise.all(inFlight.map((f) => f.done));
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ valid: true, keyId: t.key.id });
    }
    await exited;
    expect(server.proc.exitCode).toBe(0);
    expect(server.logs()).toContain('"event":"stopped"');
  });
});

// The shared server answers the verify API at the same origin as everything else.
it("the verify API is served at the app's own origin", () => expect(BASE).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/));
