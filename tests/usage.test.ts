// Usage per key and hour: counted in memory, flushed in batches, reported per
// key and per Client with range checks; old rows pruned.
import { afterAll, describe, expect, it } from "vitest";
import { startServer } from "../scripts/lib/stack";
import { api, createKey, db, inFuture, makeTenant } from "./helpers";

afterAll(() => db.$disconnect());

const SERVICE = { "x-dolfin-service-token": process.env.TEST_SERVICE_TOKEN! };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll a usage report until `done` holds (counts are flushed every 200 ms on the test server). */
async function until<T>(get: () => Promise<T>, done: (t: T) => boolean): Promise<T> {
  let v = await get();
  for (let i = 0; i < 50 && !done(v); i++) {
    await sleep(100);
    v = await get();
  }
  return v;
}

describe("usage", () => {
  it("counts successes and refusals by reason, through our routes and the verify API alike", async () => {
    const t = await makeTenant();
    const k = (await createKey({ token: t.owner.token }, { scopes: ["apiKeys:read"], allowedIps: ["198.51.100.0/24"] })) as { id: string; rawKey: string };
    const from = { "x-forwarded-for": "198.51.100.1" };
    for (let i = 0; i < 4; i++) expect((await api("/api/me", { apiKey: k.rawKey, headers: from })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await api("/api/api-keys/verify", { body: { key: k.rawKey, ip: "198.51.100.9", permission: "apiKeys:read" }, headers: SERVICE })).body.valid).toBe(true);
    for (let i = 0; i < 2; i++) expect((await api("/api/api-keys", { method: "POST", apiKey: k.rawKey, headers: from, body: {} })).status).toBe(403); // scope
    expect((await api("/api/me", { apiKey: k.rawKey, headers: { "x-forwarded-for": "192.0.2.1" } })).status).toBe(403); // ip
    expect((await api(`/api/api-keys/${k.id}/revoke`, { method: "POST", token: t.owner.token })).status).toBe(204);
    expect((await api("/api/me", { apiKey: k.rawKey, headers: from })).status).toBe(401); // revoked

    const report = await until(
      async () => (await api(`/api/api-keys/${k.id}/usage?Interval=hour`, { token: t.owner.token })).body,
      (r) => r.totals.revoked >= 1 && r.totals.success >= 7,
    );
    expect(report.totals).toEqual({ success: 7, expired: 0, revoked: 1, scope: 2, ip: 1, rateLimited: 0, quotaExceeded: 0 });
    expect(report.buckets.length).toBeGreaterThanOrEqual(48);
    const now = report.buckets.at(-1);
    expect(now).toMatchObject({ success: 7, scope: 2, ip: 1, revoked: 1 });
    expect(now.start).toMatch(/T\d\d:00:00\.000Z$/);
    // Days: the same totals in today's bucket; 14 buckets by default; the list shows the sparkline's last day.
    const days = (await api(`/api/api-keys/${k.id}/usage`, { token: t.owner.token })).body;
    expect(days.interval).toBe("day");
    expect(days.buckets.length).toBe(15);
    expect(days.buckets.at(-1)).toMatchObject({ success: 7, revoked: 1 });
    const listed = (await api(`/api/api-keys/${k.id}`, { token: t.owner.token })).body.usage;
    expect(listed.success.length).toBe(14);
    expect(listed.success.at(-1)).toBe(7);
    expect(listed.refused.at(-1)).toBe(4);
  });

  it("an expired key's use is counted as expired; the Client's report sums its keys and names the busiest", async () => {
    const t = await makeTenant();
    const busy = await createKey({ token: t.owner.token }, { name: "busy" });
    const quiet = await createKey({ token: t.owner.token }, { name: "quiet", expiresAt: inFuture(1) });
    for (let i = 0; i < 5; i++) await api("/api/me", { apiKey: busy.rawKey });
    await api("/api/me", { apiKey: quiet.rawKey });
    await db.apiKey.update({ where: { id: quiet.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await sleep(100); // the change reaches this instance's cache (NOTIFY)
    expect((await api("/api/me", { apiKey: quiet.rawKey })).status).toBe(401);
    const r = await until(
      async () => (await api("/api/usage", { token: t.owner.token })).body,
      (b) => b.totals.expired >= 1 && b.totals.success >= 6,
    );
    expect(r.totals).toMatchObject({ success: 6, expired: 1 });
    expect(r.topKeys.map((x: { name: string }) => x.name)).toEqual(["busy", "quiet"]);
    expect(r.topKeys[1]).toMatchObject({ requests: 2, refused: 1 });
    // Another Client sees nothing of it.
    const other = await makeTenant();
    expect((await api("/api/usage", { token: other.owner.token })).body.totals.success).toBe(0);
    expect((await api(`/api/api-keys/${busy.id}/usage`, { token: other.owner.token })).status).toBe(404);
  });

  it("bad ranges are 400 problem details naming the parameter", async () => {
    const t = await makeTenant();
    const cases: [string, string][] = [
      ["From=2026-11-10T00:00:00Z&To=2026-11-01T00:00:00Z", "From"],
      ["From=2026-01-01T00:00:00Z&To=2026-11-01T00:00:00Z", "From"],
      ["Interval=week", "Interval"],
      ["From=yesterday", "From"],
      ["To=2026-11-01", "To"],
      ["Foo=1", "Foo"],
    ];
    for (const [q, field] of cases) {
      for (const path of [`/api/api-keys/${t.key.id}/usage?${q}`, `/api/usage?${q}`]) {
        const r = await api(path, { token: t.owner.token });
        expect({ path, status: r.status, code: r.body.code }).toEqual({ path, status: 400, code: "Request.Invalid" });
        expect(Object.keys(r.body.errors)).toContain(field);
      }
    }
    // Exactly 90 days is fine; a key needs apiKeys:read to read usage.
    expect((await api(`/api/usage?From=2026-08-01T00:00:00Z&To=2026-10-30T00:00:00Z`, { token: t.owner.token })).status).toBe(200);
    const blind = await createKey({ token: t.owner.token }, { scopes: ["invoices:read"] });
    expect((await api("/api/usage", { apiKey: blind.rawKey })).body.code).toBe("ApiKey.InsufficientScope");
  });

  it("retention deletes only rows older than USAGE_RETENTION_DAYS", async () => {
    const t = await makeTenant();
    const hour = (daysAgo: number) => new Date(Math.floor((Date.now() - daysAgo * 86_400_000) / 3_600_000) * 3_600_000);
    await db.apiKeyUsage.createMany({
      data: [400, 150, 100, 1].map((d) => ({ keyId: t.key.id, clientId: t.client.id, bucket: hour(d), success: d })),
    });
    // A server with a 120-day retention prunes at start.
    const server = await startServer({ databaseUrl: process.env.TEST_DATABASE_URL!, authSecret: process.env.TEST_AUTH_SECRET!, env: { USAGE_RETENTION_DAYS: "120" } });
    try {
      const rows = await until(
        () => db.apiKeyUsage.findMany({ where: { keyId: t.key.id }, orderBy: { bucket: "asc" } }),
        (r) => r.length <= 2,
      );
      expect(rows.map((r) => r.success)).toEqual([100, 1]);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
