// Per-key rate limits and quotas on the shared test server (counters in process: no REDIS_URL, like npm run dev):
// the data model through create, get, list, PATCH and rotation; the decision through our routes and the verify
// API; no escalation; refusals counted in usage. Redis and several instances: key-limits-redis.test.ts.
import { afterAll, describe, expect, it } from "vitest";
import { api, createKey, db, makeTenant } from "./helpers";

afterAll(() => db.$disconnect());

const SERVICE = { "x-dolfin-service-token": process.env.TEST_SERVICE_TOKEN! };
const verify = (key: string) => api("/api/api-keys/verify", { body: { key }, headers: SERVICE });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FIVE_A_MINUTE = { requests: 5, windowSeconds: 60 };

describe("a key's limits", () => {
  it("are kept on create, get, list, PATCH (audited) and rotation, and checked as they are sent", async () => {
    const t = await makeTenant();
    const k = await createKey({ token: t.owner.token }, { name: "limited", rateLimit: { requests: 100, windowSeconds: 60 }, quota: { requests: 10_000, period: "month" } });
    expect(k).toMatchObject({ rateLimit: { requests: 100, windowSeconds: 60 }, quota: { requests: 10_000, period: "month" } });
    expect((await api(`/api/api-keys/${k.id}`, { token: t.owner.token })).body).toMatchObject({ rateLimit: { requests: 100, windowSeconds: 60 }, quota: { requests: 10_000, period: "month" } });
    const list = (await api("/api/api-keys", { token: t.owner.token })).body.data;
    expect(list.find((x: { id: string }) => x.id === t.key.id)).toMatchObject({ rateLimit: null, quota: null });

    const p = await api(`/api/api-keys/${k.id}`, { method: "PATCH", token: t.owner.token, body: { rateLimit: FIVE_A_MINUTE, quota: null } });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ rateLimit: FIVE_A_MINUTE, quota: null });
    const events = await db.auditEvent.findMany({ where: { targetId: k.id, action: "apiKey.limitsChanged" } });
    expect(events).toHaveLength(1);
    expect(events[0].metadata).toMatchObject({ before: { rateLimit: { requests: 100 }, quota: { period: "month" } }, after: { rateLimit: FIVE_A_MINUTE, quota: null } });

    const r = await api(`/api/api-keys/${k.id}/rotate`, { method: "POST", token: t.owner.token, body: { gracePeriodSeconds: 3600 } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ rateLimit: FIVE_A_MINUTE, quota: null });

    for (const bad of [{ rateLimit: { requests: 5, windowSeconds: 0 } }, { rateLimit: { requests: 5, windowSeconds: 86_401 } }, { rateLimit: { requests: 0, windowSeconds: 60 } }, { quota: { requests: 5, period: "week" } }, { rateLimit: { requests: 5 } }]) {
      const res = await api("/api/api-keys", { token: t.owner.token, body: bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.code).toBe("Request.Invalid");
    }
  });

  it("5 a minute: exactly 5 then 429 ApiKey.RateLimited with Retry-After and the RateLimit headers, through our routes", async () => {
    const t = await makeTenant();
    const k = await createKey({ token: t.owner.token }, { rateLimit: FIVE_A_MINUTE });
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const r = await api("/api/me", { apiKey: k.rawKey });
      statuses.push(r.status);
      expect(r.headers.get("ratelimit-policy")).toBe('"rate";q=5;w=60');
      expect(r.headers.get("ratelimit")).toMatch(new RegExp(`^"rate";r=${4 - i};t=\\d+$`));
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const over = await api("/api/me", { apiKey: k.rawKey });
    expect(over.status).toBe(429);
    expect(over.body.code).toBe("ApiKey.RateLimited");
    const retry = Number(over.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
    expect(over.headers.get("ratelimit-policy")).toBe('"rate";q=5;w=60');
    expect(over.headers.get("ratelimit")).toBe(`"rate";r=0;t=${retry}`);
    // A key without limits sends no RateLimit headers.
    expect((await api("/api/me", { apiKey: t.key.rawKey })).headers.get("ratelimit")).toBeNull();
  });

  it("the verify API answers the decision: remaining on each valid answer, then { valid: false, code, retryAfterSeconds }", async () => {
    const t = await makeTenant();
    const k = await createKey({ token: t.owner.token }, { rateLimit: FIVE_A_MINUTE, quota: { requests: 1000, period: "day" } });
    const left = [];
    for (let i = 0; i < 5; i++) {
      const r = await verify(k.rawKey);
      expect(r.body.valid).toBe(true);
      expect(r.body.quota).toMatchObject({ limit: 1000, remaining: 999 - i });
      left.push(r.body.ratelimit.remaining);
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    const over = await verify(k.rawKey);
    expect(over.body).toMatchObject({ valid: false, code: "ApiKey.RateLimited" });
    expect(over.body.retryAfterSeconds).toBeGreaterThan(0);
    // An unlimited key's answer carries no limits.
    expect((await verify(t.key.rawKey)).body).not.toHaveProperty("ratelimit");
  });

  it("over the quota: 429 ApiKey.QuotaExceeded (our routes) and ApiKey.QuotaExceeded (verify), resetting at the next UTC day", async () => {
    const t = await makeTenant();
    const k = await createKey({ token: t.owner.token }, { quota: { requests: 3, period: "day" } });
    for (let i = 0; i < 3; i++) expect((await verify(k.rawKey)).body.valid).toBe(true);
    const v = await verify(k.rawKey);
    expect(v.body).toMatchObject({ valid: false, code: "ApiKey.QuotaExceeded" });
    const now = Date.now();
    const toMidnight = Math.ceil((86_400_000 - (now % 86_400_000)) / 1000);
    expect(Math.abs(v.body.retryAfterSeconds - toMidnight)).toBeLessThanOrEqual(5);
    const r = await api("/api/me", { apiKey: k.rawKey });
    expect(r.status).toBe(429);
    expect(r.body.code).toBe("ApiKey.QuotaExceeded");
    expect(r.headers.get("ratelimit-policy")).toBe('"quota";q=3;w=86400');
    expect(r.headers.get("retry-after")).toBeTruthy();
  });

  it("a PATCH is felt at once: lifting the limit lets the key through on the next request", async () => {
    const t = await makeTenant();
    const k = await createKey({ token: t.owner.token }, { rateLimit: { requests: 1, windowSeconds: 3600 } });
    expect((await api("/api/me", { apiKey: k.rawKey })).status).toBe(200);
    expect((await api("/api/me", { apiKey: k.rawKey })).status).toBe(429);
    expect((await api(`/api/api-keys/${k.id}`, { method: "PATCH", token: t.owner.token, body: { rateLimit: null } })).status).toBe(200);
    const r = await api("/api/me", { apiKey: k.rawKey });
    expect(r.status).toBe(200);
    expect(r.headers.get("ratelimit")).toBeNull();
  });

  it("a rotated key shares its predecessor's counters: rotating never resets or doubles the limit", async () => {
    const t = await makeTenant();
    const k = await createKey({ token: t.owner.token }, { rateLimit: { requests: 2, windowSeconds: 3600 } });
    expect((await verify(k.rawKey)).body.valid).toBe(true);
    const r = await api(`/api/api-keys/${k.id}/rotate`, { method: "POST", token: t.owner.token, body: { gracePeriodSeconds: 3600 } });
    expect((await verify(r.body.rawKey)).body.valid).toBe(true);
    expect((await verify(r.body.rawKey)).body.code).toBe("ApiKey.RateLimited");
    expect((await verify(k.rawKey)).body.code).toBe("ApiKey.RateLimited");
  });

  it("a key cannot reset its own count by nudging its limit: the review's loop (2 requests, then PATCH the window up by a second) gets exactly the limit", async () => {
    const t = await makeTenant();
    const k = await createKey({ token: t.owner.token }, { rateLimit: { requests: 3, windowSeconds: 3600 } });
    const statuses: number[] = [];
    for (let w = 3601; w <= 3615; w++) {
      for (let i = 0; i < 2; i++) statuses.push((await api("/api/me", { apiKey: k.rawKey })).status);
      statuses.push((await api(`/api/api-keys/${k.id}`, { apiKey: k.rawKey, method: "PATCH", body: { rateLimit: { requests: 3, windowSeconds: w } } })).status);
    }
    expect(statuses.filter((s) => s < 400)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(42);
    // A person's change of the window keeps the count too (the reset moves, the count stays).
    expect((await api(`/api/api-keys/${k.id}`, { method: "PATCH", token: t.owner.token, body: { rateLimit: { requests: 3, windowSeconds: 7200 } } })).status).toBe(200);
    const r = await api("/api/me", { apiKey: k.rawKey });
    expect(r.status).toBe(429);
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(3600);

    // Quota: 3 a day, switched to 3 a month mid-day, still 3 that day.
    const q = await createKey({ token: t.owner.token }, { quota: { requests: 3, period: "day" } });
    const qs: number[] = [];
    for (let i = 0; i < 2; i++) qs.push((await api("/api/me", { apiKey: q.rawKey })).status);
    qs.push((await api(`/api/api-keys/${q.id}`, { apiKey: q.rawKey, method: "PATCH", body: { quota: { requests: 3, period: "month" } } })).status);
    for (let i = 0; i < 3; i++) qs.push((await api("/api/me", { apiKey: q.rawKey })).status);
    expect(qs).toEqual([200, 200, 200, 429, 429, 429]);
  });

  it("keys made by a limited key share its counter: a chain of children with the same limit gets the limit once in total", async () => {
    const t = await makeTenant();
    const LIMIT = { requests: 5, windowSeconds: 3600 };
    const root = await createKey({ token: t.owner.token }, { rateLimit: LIMIT });
    const family = [root.rawKey];
    const statuses: number[] = [];
    const made: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await api("/api/api-keys", { apiKey: family[family.length - 1], body: { name: `child ${i}`, rateLimit: LIMIT } });
      statuses.push(r.status);
      if (r.status !== 201) break;
      family.push(r.body.rawKey);
      made.push(r.body.id);
    }
    for (const raw of family) for (let i = 0; i < 3; i++) statuses.push((await api("/api/me", { apiKey: raw })).status);
    expect(statuses.filter((s) => s < 400)).toHaveLength(5);
    expect(made.length).toBeGreaterThan(1);
    const rows = await db.apiKey.findMany({ where: { id: { in: made } }, select: { limitCounterKeyId: true } });
    expect(rows.map((x) => x.limitCounterKeyId)).toEqual(made.map(() => root.id));
    // A person's keys count on their own.
    expect((await db.apiKey.findUnique({ where: { id: root.id }, select: { limitCounterKeyId: true } }))!.limitCounterKeyId).toBeNull();
  });

  it("no escalation: a limited key makes and changes only keys at least as limited", async () => {
    const t = await makeTenant();
    const parent = await createKey({ token: t.owner.token }, { rateLimit: { requests: 100, windowSeconds: 60 }, quota: { requests: 1000, period: "day" } });
    const as = { apiKey: parent.rawKey };
    for (const body of [{}, { rateLimit: { requests: 100, windowSeconds: 60 } }, { rateLimit: { requests: 101, windowSeconds: 60 }, quota: { requests: 10, period: "day" } }, { rateLimit: { requests: 10, windowSeconds: 1 }, quota: { requests: 10, period: "day" } }, { rateLimit: { requests: 10, windowSeconds: 60 }, quota: { requests: 1001, period: "month" } }]) {
      const r = await api("/api/api-keys", { ...as, body });
      expect(r.status, JSON.stringify(body)).toBe(403);
      expect(r.body.code).toBe("ApiKey.ScopeEscalation");
    }
    const child = await api("/api/api-keys", { ...as, body: { rateLimit: { requests: 50, windowSeconds: 60 }, quota: { requests: 30, period: "month" } } });
    expect(child.status).toBe(201);
    const loosen = await api(`/api/api-keys/${child.body.id}`, { ...as, method: "PATCH", body: { rateLimit: null } });
    expect(loosen.status).toBe(403);
    expect(loosen.body.code).toBe("ApiKey.ScopeEscalation");
    expect((await api(`/api/api-keys/${child.body.id}`, { ...as, method: "PATCH", body: { rateLimit: { requests: 10, windowSeconds: 60 } } })).status).toBe(200);
    // Nor can it touch a key with more than it: the unlimited first key.
    const other = await api(`/api/api-keys/${t.key.id}`, { ...as, method: "PATCH", body: { rateLimit: { requests: 1, windowSeconds: 60 } } });
    expect(other.status).toBe(403);
    expect((await api(`/api/api-keys/${t.key.id}/revoke`, { ...as, method: "POST" })).status).toBe(403);
  });

  it("refusals are counted in usage like the others and shown on the key", async () => {
    const t = await makeTenant();
    const k = await createKey({ token: t.owner.token }, { rateLimit: { requests: 1, windowSeconds: 3600 } });
    await verify(k.rawKey);
    await verify(k.rawKey);
    expect((await api("/api/me", { apiKey: k.rawKey })).status).toBe(429);
    let got = null;
    for (let i = 0; i < 50; i++) {
      got = (await api(`/api/api-keys/${k.id}`, { token: t.owner.token })).body;
      if (got.refusals.rateLimited >= 2) break;
      await sleep(100);
    }
    expect(got.refusals).toMatchObject({ rateLimited: 2, quotaExceeded: 0 });
    const usage = (await api(`/api/api-keys/${k.id}/usage?Interval=hour`, { token: t.owner.token })).body;
    expect(usage.totals).toMatchObject({ success: 1, rateLimited: 2 });
  });

  it("the Client's fail mode is on the key policy (Owners), open by default", async () => {
    const t = await makeTenant();
    const p = await api("/api/key-policy", { token: t.owner.token });
    expect(p.body.rateLimitFailMode).toBe("open");
    const put = await api("/api/key-policy", { method: "PUT", token: t.owner.token, body: { keysMustExpire: false, maxKeyLifetimeDays: null, maxActiveKeys: 100, rateLimitFailMode: "closed" } });
    expect(put.status).toBe(200);
    expect(put.body.rateLimitFailMode).toBe("closed");
    expect((await api("/api/key-policy", { method: "PUT", token: t.owner.token, body: { keysMustExpire: false, maxKeyLifetimeDays: null, maxActiveKeys: 100, rateLimitFailMode: "maybe" } })).status).toBe(400);
  });
});
