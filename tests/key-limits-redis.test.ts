// Limits through Redis (REDIS_URL; the machine's Redis at 127.0.0.1:6379, under a prefix of this file's own):
// two instances serve exactly the limit between them under parallel load; quotas reset at the period's start
// (the engine driven with an injected clock); Redis gone mid-test (this file's own TCP proxy in front of it,
// closed: the shared Redis is never stopped) gives each Client's fail mode and never a 500.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey } from "@/lib/api-keys/key-format";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { startServer, type Server } from "../scripts/lib/stack";
import { ownDatabase, uid } from "./helpers";

const REDIS_HOST = "127.0.0.1";
const REDIS_PORT = 6379;
const PREFIX = `dolfin-test-limits-${uid()}:`;
const SERVICE_TOKEN = process.env.TEST_SERVICE_TOKEN!;

const redisUp = await new Promise<boolean>((resolve) => {
  const s = net.connect(REDIS_PORT, REDIS_HOST, () => (s.end(), resolve(true)));
  s.on("error", () => resolve(false));
});
if (!redisUp) console.warn(`key-limits-redis: no Redis at ${REDIS_HOST}:${REDIS_PORT}; these tests are skipped`);

/** A TCP proxy to Redis that the test can close, as if Redis had stopped (for the servers behind it only). */
async function redisProxy() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((down) => {
    const up = net.connect(REDIS_PORT, REDIS_HOST);
    for (const s of [down, up]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => (sockets.delete(s), down.destroy(), up.destroy()));
    }
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    close: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

let own: { url: string; db: PrismaClient; drop: () => Promise<void> };
let a: Server, b: Server, c: Server;
let proxy: Awaited<ReturnType<typeof redisProxy>>;
let openClient: string, closedClient: string;

async function verify(server: Server, key: string) {
  const r = await fetch(`${server.url}/api/api-keys/verify`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-dolfin-service-token": SERVICE_TOKEN },
    body: JSON.stringify({ key }),
  });
  return { status: r.status, body: await r.json() };
}

async function makeKey(clientId: string, limits: { rateLimitRequests?: number; rateLimitWindowSeconds?: number; quotaRequests?: number; quotaPeriod?: "day" | "month" }) {
  const k = generateKey("Live");
  await own.db.apiKey.create({ data: { clientId, keyPrefix: k.keyPrefix, keyHash: k.keyHash, ...limits } });
  return k.rawKey;
}

describe.skipIf(!redisUp)("limits through Redis", () => {
  beforeAll(async () => {
    own = await ownDatabase("limits");
    openClient = (await own.db.client.create({ data: { name: "Fail open", type: "Live" } })).id;
    closedClient = (await own.db.client.create({ data: { name: "Fail closed", type: "Live", rateLimitFailMode: "closed" } })).id;
    proxy = await redisProxy();
    const env = { VERIFY_SERVICE_TOKENS: SERVICE_TOKEN, REDIS_PREFIX: PREFIX, RATE_LIMIT_SIGN_IN_FAILURES_PER_MINUTE: "100000", USAGE_FLUSH_MS: "200" };
    const authSecret = "limits-redis-test-secret-0123456789abcdef";
    [a, b, c] = await Promise.all([
      // Exactness is what a and b prove: a slow answer on a loaded machine must not count as Redis being down
      // (the fail mode's per-instance limit would then decide), so they wait longer than the 1 s default.
      startServer({ databaseUrl: own.url, authSecret, env: { ...env, REDIS_URL: `redis://${REDIS_HOST}:${REDIS_PORT}`, REDIS_COMMAND_TIMEOUT_MS: "15000" } }),
      startServer({ databaseUrl: own.url, authSecret, env: { ...env, REDIS_URL: `redis://${REDIS_HOST}:${REDIS_PORT}`, REDIS_COMMAND_TIMEOUT_MS: "15000" } }),
      startServer({ databaseUrl: own.url, authSecret, env: { ...env, REDIS_URL: proxy.url } }),
    ]);
  }, 120_000);

  afterAll(async () => {
    proxy?.close();
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
    await own?.drop();
  });

  it("two instances on one Redis serve exactly the limit between them under parallel load", async () => {
    const key = await makeKey(openClient, { rateLimitRequests: 40, rateLimitWindowSeconds: 3600 });
    const answers = await Promise.all(Array.from({ length: 120 }, (_, i) => verify(i % 2 ? a : b, key)));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(answers.filter((r) => r.body.valid).length).toBe(40);
    expect(answers.filter((r) => r.body.code === "ApiKey.RateLimited").length).toBe(80);
    // And our routes on either instance agree: the key is spent.
    const me = await fetch(`${a.url}/api/me`, { headers: { "x-dolfin-api-key": key } });
    expect(me.status).toBe(429);
    expect(me.headers.get("ratelimit")).toMatch(/^"rate";r=0;t=\d+$/);
  });

  it("a quota shared by both instances, exact under parallel load", async () => {
    const key = await makeKey(openClient, { quotaRequests: 25, quotaPeriod: "month" });
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => verify(i % 2 ? a : b, key)));
    expect(answers.filter((r) => r.body.valid).length).toBe(25);
    expect(answers.filter((r) => r.body.code === "ApiKey.QuotaExceeded").length).toBe(35);
  });

  it("quotas reset at the period's start (the Redis engine with an injected clock)", async () => {
    process.env.DATABASE_URL ??= own.url;
    process.env.AUTH_SECRET ??= "limits-redis-test-secret-0123456789abcdef";
    process.env.REDIS_URL = `redis://${REDIS_HOST}:${REDIS_PORT}`;
    process.env.REDIS_PREFIX = `${PREFIX}clock:`;
    const { decideLimits, closeLimitStore } = await import("@/lib/api-keys/limits");
    try {
      const spec = { counterId: `clock-${uid()}`, rateLimit: null, quota: { requests: 2, period: "day" as const }, failMode: "open" as const };
      const late = Date.UTC(2027, 2, 31, 23, 59, 59);
      expect((await decideLimits(spec, late)).ok).toBe(true);
      expect((await decideLimits(spec, late)).ok).toBe(true);
      expect(await decideLimits(spec, late + 500)).toMatchObject({ ok: false, reason: "quotaExceeded", retryAfterSeconds: 1 });
      const next = await decideLimits(spec, Date.UTC(2027, 3, 1));
      expect(next.ok).toBe(true);
      expect(next.quota).toMatchObject({ limit: 2, remaining: 1, resetSeconds: 86_400 });
      const month = { ...spec, counterId: `clock-${uid()}`, quota: { requests: 1, period: "month" as const } };
      expect((await decideLimits(month, Date.UTC(2027, 3, 1))).ok).toBe(true);
      expect((await decideLimits(month, Date.UTC(2027, 3, 30, 23))).ok).toBe(false);
      expect((await decideLimits(month, Date.UTC(2027, 4, 1))).ok).toBe(true);
    } finally {
      await closeLimitStore();
    }
  });

  it("changing a key's limits never restarts its count (the Redis engine with an injected clock)", async () => {
    process.env.DATABASE_URL ??= own.url;
    process.env.AUTH_SECRET ??= "limits-redis-test-secret-0123456789abcdef";
    process.env.REDIS_URL = `redis://${REDIS_HOST}:${REDIS_PORT}`;
    process.env.REDIS_PREFIX = `${PREFIX}clock:`;
    const { decideLimits, closeLimitStore } = await import("@/lib/api-keys/limits");
    try {
      const counterId = `nudge-${uid()}`;
      const t0 = Date.UTC(2027, 5, 10, 12);
      const at = (windowSeconds: number) => ({ counterId, rateLimit: { requests: 3, windowSeconds }, quota: null, failMode: "open" as const });
      for (let i = 0; i < 3; i++) expect((await decideLimits(at(3600), t0 + i)).ok).toBe(true);
      for (let w = 3601; w <= 3615; w++) expect(await decideLimits(at(w), t0 + 1000 + w)).toMatchObject({ ok: false, reason: "rateLimited" });
      // The reset moves to the window's start + the new length.
      expect(await decideLimits(at(7200), t0 + 3_600_000)).toMatchObject({ ok: false, retryAfterSeconds: 3600 });
      expect((await decideLimits(at(60), t0 + 60_000)).ok).toBe(true);
      expect(await decideLimits(at(60), t0 + 60_001)).toMatchObject({ ok: true, ratelimit: { remaining: 1 } });

      const qid = `period-${uid()}`;
      const t = Date.UTC(2027, 5, 10, 9);
      const q = (period: "day" | "month") => ({ counterId: qid, rateLimit: null, quota: { requests: 3, period }, failMode: "open" as const });
      for (let i = 0; i < 3; i++) expect((await decideLimits(q("day"), t)).ok).toBe(true);
      expect(await decideLimits(q("month"), t + 1000)).toMatchObject({ ok: false, reason: "quotaExceeded" });
      const next = Date.UTC(2027, 5, 11, 9);
      expect(await decideLimits(q("month"), next)).toMatchObject({ ok: false, reason: "quotaExceeded" });
      expect(await decideLimits(q("day"), next)).toMatchObject({ ok: true, quota: { remaining: 2 } });
    } finally {
      await closeLimitStore();
    }
  });

  it("Redis gone: a fail-open Client's keys get a local limit, a fail-closed Client's are refused; logged, never a 500", async () => {
    const open = await makeKey(openClient, { rateLimitRequests: 3, rateLimitWindowSeconds: 3600 });
    const closed = await makeKey(closedClient, { rateLimitRequests: 100, rateLimitWindowSeconds: 3600 });
    const unlimited = await makeKey(closedClient, {});
    expect((await verify(c, open)).body.valid).toBe(true);
    expect((await verify(c, open)).body.valid).toBe(true);
    expect((await verify(c, closed)).body.valid).toBe(true);

    proxy.close();

    // Fail open: this instance counts on its own (a fresh local budget of 3), then refuses.
    const after = [];
    for (let i = 0; i < 4; i++) after.push(await verify(c, open));
    expect(after.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(after.map((r) => r.body.valid)).toEqual([true, true, true, false]);
    expect(after[3].body.code).toBe("ApiKey.RateLimited");

    // Fail closed: refused with a short wait, through the verify API and our routes alike.
    const v = await verify(c, closed);
    expect(v.status).toBe(200);
    expect(v.body).toEqual({ valid: false, code: "ApiKey.RateLimited", retryAfterSeconds: 1 });
    const me = await fetch(`${c.url}/api/me`, { headers: { "x-dolfin-api-key": closed } });
    expect(me.status).toBe(429);
    expect(me.headers.get("retry-after")).toBe("1");
    // Keys without limits never notice.
    expect((await verify(c, unlimited)).body.valid).toBe(true);
    expect((await fetch(`${c.url}/api/me`, { headers: { "x-dolfin-api-key": unlimited } })).status).toBe(200);
    expect(c.logs()).toContain("rate-limit store (Redis) unreachable");
  });
});
