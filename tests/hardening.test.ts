// Same-origin for cookie writes, request ids, and secrets that never reach
// the logs or the database.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, BASE, createKey, db, makeTenant, makeUser, PASSWORD, signInCookie } from "./helpers";

let t: Awaited<ReturnType<typeof makeTenant>>;
let cookie: string;
let adminEmail: string;
beforeAll(async () => {
  t = await makeTenant();
  const admin = await makeUser([[t.client, "Admin"]]);
  adminEmail = admin.email;
  cookie = await signInCookie(admin.email);
});
afterAll(() => db.$disconnect());

describe("same-origin for browser sessions", () => {
  const count = () => db.apiKey.count({ where: { clientId: t.client.id } });

  it("refuses a cookie-authenticated write from another origin, or with no origin at all", async () => {
    const before = await count();
    const cases: Record<string, string>[] = [{ origin: "https://evil.example" }, { origin: "null" }, { origin: "" }, { "sec-fetch-site": "cross-site", origin: "" }];
    for (const headers of cases) {
      const r = await api("/api/api-keys", { cookie, body: {}, headers });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe("Request.CrossOrigin");
    }
    expect((await api(`/api/api-keys/${t.key.id}/revoke`, { cookie, method: "POST", headers: { origin: "https://evil.example" } })).status).toBe(403);
    expect(await count()).toBe(before);
    expect((await api("/api/me", { apiKey: t.key.rawKey })).status).toBe(200);
  });

  it("accepts the app's own origin, or Sec-Fetch-Site: same-origin", async () => {
    expect((await api("/api/api-keys", { cookie, body: {}, headers: { origin: BASE } })).status).toBe(201);
    expect((await api("/api/api-keys", { cookie, body: {}, headers: { origin: "", "sec-fetch-site": "same-origin" } })).status).toBe(201);
  });

  it("reads are unaffected, and so are API-key and Bearer callers", async () => {
    expect((await api("/api/api-keys", { cookie, headers: { origin: "https://evil.example" } })).status).toBe(200);
    expect((await api("/api/api-keys", { apiKey: t.key.rawKey, body: {}, headers: { origin: "https://evil.example" } })).status).toBe(201);
    expect((await api("/api/api-keys", { token: t.owner.token, body: {}, headers: { origin: "https://evil.example" } })).status).toBe(201);
  });
});

describe("response headers", () => {
  it("API responses forbid scripts and framing; pages carry the security headers", async () => {
    const r = await api("/api/me", { apiKey: t.key.rawKey });
    expect(r.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    const page = await fetch(`${BASE}/sign-in`);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
    expect(page.headers.get("x-powered-by")).toBeNull();
    // Set by the serving layer (server/page-policy.ts) on every response, API routes included.
    expect(r.headers.get("x-frame-options")).toBe("DENY");
    expect(r.headers.get("permissions-policy")).toContain("camera=()");
    const invite = await fetch(`${BASE}/invite`);
    expect(invite.headers.get("referrer-policy")).toBe("no-referrer");
    expect(invite.headers.get("x-robots-tag")).toBe("noindex");
    expect(page.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
  });

  it("a settings page without a session sends the visitor to sign-in and back; with one, the page knows where it is", async () => {
    const r = await fetch(`${BASE}/settings/audit?key=1`, { redirect: "manual" });
    expect(r.status).toBe(307);
    expect(r.headers.get("location")).toBe("/sign-in?callbackUrl=%2Fsettings%2Faudit%3Fkey%3D1");
    expect(r.headers.get("x-frame-options")).toBe("DENY");
    expect((await fetch(`${BASE}/settings`, { redirect: "manual" })).status).toBe(307);
    // A forged session cookie gets past the redirect but not the page, which verifies it (and is sent back to sign-in).
    const forged = await fetch(`${BASE}/settings/api-keys`, { redirect: "manual", headers: { cookie: "authjs.session-token=forged" } });
    expect(forged.status).not.toBe(200);
    // Elsewhere, nobody can tell a page where it is.
    expect((await fetch(`${BASE}/sign-in`, { headers: { "x-dolfin-path": "//evil.example" } })).status).toBe(200);
  });
});

describe("request ids", () => {
  it("every response carries x-request-id; a sane incoming one is kept and becomes the problem's traceId", async () => {
    const r = await api("/api/me", { headers: { "x-request-id": "trace-abc-12345" } });
    expect(r.headers.get("x-request-id")).toBe("trace-abc-12345");
    expect(r.body.traceId).toBe("trace-abc-12345");
    const bad = await api("/api/me", { headers: { "x-request-id": "<script>" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("secrets never leak", () => {
  it("a whole key lifecycle leaves no raw key, password, token or cookie in the logs or any database column", async () => {
    const secrets: string[] = [PASSWORD, t.owner.token, cookie.split("=")[1], t.key.rawKey];
    const created = await createKey({ token: t.owner.token }, { name: "lifecycle" });
    secrets.push(created.rawKey);
    await api("/api/me", { apiKey: created.rawKey });
    const rotated = await api(`/api/api-keys/${created.id}/rotate`, { apiKey: created.rawKey, body: { gracePeriodSeconds: 0 } });
    secrets.push(rotated.body.rawKey);
    await api(`/api/api-keys/${rotated.body.id}/revoke`, { cookie, method: "POST" });
    await api("/api/me", { apiKey: rotated.body.rawKey }); // a failed use
    const leak = await createKey({ token: t.owner.token });
    secrets.push(leak.rawKey);
    const leakRequestId = `hardening-leak-${Date.now()}`;
    await api("/api/api-keys/leaks", { body: { keys: [leak.rawKey] }, headers: { "x-request-id": leakRequestId } });
    await api("/api/auth/token", { body: { email: adminEmail, password: PASSWORD } });
    await api("/api/auth/token", { body: { email: adminEmail, password: "wrong-" + PASSWORD } });
    await api("/api/api-keys", { apiKey: created.rawKey, body: { name: created.rawKey } }); // a secret in a bad request
    await new Promise((r) => setTimeout(r, 3000)); // let the async counters and logs flush

    const log = fs.readFileSync(process.env.TEST_SERVER_LOG!, "utf8");
    expect(log.length).toBeGreaterThan(0);
    for (const s of secrets) {
      expect(log.includes(s), `a secret starting ${s.slice(0, 12)} is in the server log`).toBe(false);
      expect(log.includes(s.slice(9, 40)), "part of a secret is in the server log").toBe(false);
    }
    // Structured request lines with everything an operator needs.
    const lines = log.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    const req = lines.find((l) => l.msg === "request" && l.requestId === leakRequestId);
    expect(req).toMatchObject({ method: "POST", route: "/api/api-keys/leaks", status: 202, principal: "anonymous" });
    expect(typeof req.durationMs).toBe("number");
    expect(req.requestId).toBeTruthy();
    expect(lines.some((l) => l.msg === "request" && l.principal === "apiKey" && l.clientId === t.client.id)).toBe(true);

    const tables = await db.$queryRaw<{ tablename: string }[]>`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`;
    for (const { tablename } of tables) {
      const rows = await db.$queryRawUnsafe<{ j: string }[]>(`SELECT row_to_json(t)::text AS j FROM "${tablename}" t`);
      const dump = rows.map((r) => r.j).join("\n");
      for (const s of secrets) expect(dump.includes(s.slice(9, 40)), `a secret is stored in ${tablename}`).toBe(false);
    }
  });
});
