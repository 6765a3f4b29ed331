// Fuzzing: thousands of generated malformed requests (seeded, reproducible)
// against create, rotate, revoke, list and leak reports. Zero 5xx, every error
// is problem details, and the database holds nothing unexpected afterwards.
import fc from "fast-check";
import { ALL_SCOPES } from "@/lib/api-keys/access";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./stack";

const SEED = Number(process.env.FUZZ_SEED ?? 424242);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2500);

let s: Stack;
const victims: string[] = [];
let foreignKeyId: string;
beforeAll(async () => {
  s = await startStack();
  for (let i = 0; i < 20; i++) {
    const r = await fetch(`${s.server.url}/api/api-keys`, { method: "POST", headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" }, body: JSON.stringify({ name: `victim ${i}` }) });
    victims.push(((await r.json()) as { id: string }).id);
  }
  const foreign = await s.db.apiKey.create({ data: { clientId: s.otherClientId, keyPrefix: "dol_live_FOREIGN0", keyHash: "f".repeat(64), name: "bystander" } });
  foreignKeyId = foreign.id;
}, 120_000);
afterAll(async () => s?.stop(), 60_000);

const nasty = [
  "'; DROP TABLE \"ApiKey\"; --", "\" OR 1=1 --", "../../etc/passwd", "%00", "\u0000", "${7*7}", "{{constructor.constructor('x')()}}",
  "<script>alert(1)</script>", "\ud800", "\udfff", "\u202e", "\ufeff", "𝕯𝖔𝖑𝖋𝖎𝖓", "👩‍👩‍👧‍👦".repeat(30), "a\u0301".repeat(60), " ", "\t\n", "x".repeat(101), "x".repeat(10_000),
  "__proto__", "constructor", "2030-01-01T00:00:00Z", "0000-00-00T00:00:00Z", "9999-12-31T23:59:59Z", "+275760-09-13T00:00:00Z", "NaN", "-1", "1e309",
  // The end of time, reached through offsets (a key past 9999 in UTC once broke its Client's list).
  "9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59-00:01", "9999-12-31T10:00:00-13:59",
  "0001-01-01T00:00:00+14:00", "2999-12-31T23:59:59-23:59",
  // Format characters a name must not hide behind.
  "pay\u202Eyolf", "a\u200Bb", "\u2066x\u2069", "Cafe\u0301",
];

const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(...nasty),
  fc.record({ name: fc.oneof(fc.constantFrom(...nasty), fc.string(), fc.jsonValue({ maxDepth: 2 })), expiresAt: fc.oneof(fc.constantFrom(...nasty), fc.date({ noInvalidDate: false }).map((d) => { try { return d.toISOString(); } catch { return "invalid"; } }), fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] }),
  // Restricted keys: random scope lists and allowlists (valid, malformed, duplicated, huge), on create and PATCH.
  fc.record(
    {
      name: fc.string(),
      scopes: fc.oneof(
        fc.constant(null),
        fc.array(fc.oneof(fc.constantFrom(...ALL_SCOPES), fc.constantFrom(...nasty), fc.string(), fc.constantFrom("invoices:admin", "Invoices:read", "x:read", ":read", "invoices:")), { maxLength: 60 }),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      allowedIps: fc.oneof(
        fc.array(
          fc.oneof(
            fc.ipV4(),
            fc.ipV6(),
            fc.tuple(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: -2, max: 140 })).map(([ip, n]) => `${ip}/${n}`),
            fc.constantFrom(...nasty),
            fc.string(),
            fc.constantFrom("::ffff:1.2.3.4/120", "0.0.0.0/0", "::/0", "1.2.3.4/32/1", "01.02.03.04", "1.2.3", "[::1]", "fe80::1%eth0"),
          ),
          { maxLength: 60 },
        ),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    },
    { requiredKeys: [] },
  ),
  fc.record({ gracePeriodSeconds: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, 3600, 86400, 604800, "3600", null)), expiresAt: fc.constantFrom(...nasty) }, { requiredKeys: [] }),
  fc.record({ email: fc.oneof(fc.emailAddress(), fc.constantFrom(...nasty)), role: fc.constantFrom("Owner", "Admin", "Member", "owner", "", null) }, { requiredKeys: [] }),
  fc.record({ token: fc.oneof(fc.string(), fc.base64String(), fc.constantFrom(...nasty)), name: fc.oneof(fc.string(), fc.constantFrom(...nasty)), password: fc.oneof(fc.string(), fc.constantFrom(...nasty)) }, { requiredKeys: [] }),
  fc.record({ keys: fc.oneof(fc.array(fc.oneof(fc.string(), fc.constantFrom(...nasty)), { maxLength: 120 }), fc.jsonValue({ maxDepth: 2 })) }, { requiredKeys: [] }),
  fc.dictionary(fc.oneof(fc.string(), fc.constantFrom("__proto__", "constructor", "clientId", "id", "keyHash", "revokedAt")), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }),
);

type Body = { kind: "json"; value: unknown } | { kind: "bytes"; value: Uint8Array } | { kind: "raw"; value: string } | { kind: "none" };
const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 6, arbitrary: jsonish.map((value) => ({ kind: "json" as const, value })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((value) => ({ kind: "bytes" as const, value })) },
  { weight: 1, arbitrary: fc.constantFrom("", "{", "{\"name\":", "[1,2", "null", "\"str\"", "{\"name\":\"a\"}garbage", "x".repeat(17 * 1024), `{"name":"${"y".repeat(20_000)}"}`, "{\"a\":".repeat(5000)).map((value) => ({ kind: "raw" as const, value })) },
  { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
);

/** Victims by id, sometimes in upper case (the same key: ids are UUIDs). */
const victimId = fc.tuple(fc.nat(19), fc.boolean()).map(([i, upper]) => ({ victim: i, upper }));
const idOf = (id: { victim: number; upper: boolean } | { raw: string }) =>
  "victim" in id ? (id.upper ? victims[id.victim].toUpperCase() : victims[id.victim]) : id.raw === "foreign" ? foreignKeyId : id.raw;

const callbackUrls = [
  "/%09/evil.example", "/%0A/x", "/%E3%80%82/x", "//evil.example", "/%5Cevil.example", "https://evil.example/", "javascript:alert(1)", "/\\/evil",
  "%2F%2Fevil.example", "/settings/../..//evil.example", "/settings/audit?key=1", "", "%00", "/%ZZ", "/" + "a".repeat(5000), "http:evil.example",
];

const target = fc.oneof(
  fc.constant({ op: "create", path: () => "/api/api-keys", method: "POST" }),
  fc.constant({ op: "list", path: () => "/api/api-keys", method: "GET" }),
  fc.constant({ op: "leaks", path: () => "/api/api-keys/leaks", method: "POST" }),
  fc.constant({ op: "invite", path: () => "/api/client-invites", method: "POST" }),
  fc.constant({ op: "accept", path: () => "/api/client-invites/accept", method: "POST" }),
  fc.tuple(fc.constantFrom("rotate", "revoke"), fc.oneof(victimId, fc.constantFrom("foreign", "nope", "00000000-0000-0000-0000-000000000000", "..%2F..%2Fme", "%00", "%E2%80%AE", "a".repeat(300)).map((x) => ({ raw: x }))))
    .map(([op, id]) => ({ op, method: "POST", path: () => `/api/api-keys/${idOf(id)}/${op}` })),
  fc.oneof(victimId, fc.constantFrom("foreign", "nope", "00000000-0000-0000-0000-000000000000", "%00", "a".repeat(300)).map((x) => ({ raw: x })))
    .map((id) => ({ op: "rename", method: "PATCH", path: () => `/api/api-keys/${idOf(id)}` })),
  fc.oneof(fc.constantFrom(...callbackUrls), fc.string().map(encodeURIComponent), fc.string())
    .map((cb) => ({ op: "sign-in", method: "GET", path: () => `/sign-in?callbackUrl=${cb}` })),
  // Usage reports: random ranges and intervals (the query below), for the Client and for keys.
  fc.constant({ op: "usage", path: () => "/api/usage", method: "GET" }),
  fc.oneof(victimId, fc.constantFrom("foreign", "nope", "%00").map((x) => ({ raw: x })))
    .map((id) => ({ op: "key-usage", method: "GET", path: () => `/api/api-keys/${idOf(id)}/usage` })),
);

const query = fc.oneof(
  fc.constant(""),
  fc.record({ Limit: fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), fc.constantFrom("abc", "1.5", "", "1e2", "0x10", "%00")), Cursor: fc.oneof(fc.uuid().map(String), fc.constantFrom("", "garbage", "'; --", "%E2%80%AE")), Status: fc.oneof(fc.constantFrom("active", "expired", "revoked", "", "ACTIVE", "%00"), fc.string()) }, { requiredKeys: [] })
    .map((q) => "?" + Object.entries(q).map(([k, v]) => `${k}=${encodeURIComponent(v as string)}`).join("&")),
  fc.constantFrom("?limit=5", "?Limit=5&Limit=6", "?Cursor[]=x", "?%zz=1"),
  fc.record(
    {
      From: fc.oneof(fc.date({ noInvalidDate: false }).map((d) => { try { return d.toISOString(); } catch { return "invalid"; } }), fc.constantFrom("", "2026-11-01", "yesterday", "2026-11-01T00:00:00+14:00", "0000-01-01T00:00:00Z")),
      To: fc.oneof(fc.date({ noInvalidDate: false }).map((d) => { try { return d.toISOString(); } catch { return "invalid"; } }), fc.constantFrom("", "9999-12-31T23:59:59Z", "%00")),
      Interval: fc.oneof(fc.constantFrom("hour", "day", "week", "HOUR", ""), fc.string()),
    },
    { requiredKeys: [] },
  ).map((q) => "?" + Object.entries(q).map(([k, v]) => `${k}=${encodeURIComponent(v as string)}`).join("&")),
);

const request = fc.record({
  target,
  methodOverride: fc.option(fc.constantFrom("GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "POST"), { freq: 5 }),
  query,
  body,
  contentType: fc.constantFrom<string | null>("application/json", "application/json", "application/json; charset=utf-8", "text/plain", null, "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/vnd.api+json", "APPLICATION/JSON", "application/json; charset=latin1"),
  auth: fc.constantFrom("key", "key", "key", "bearer", "none", "garbage-key", "garbage-bearer", "both"),
  extra: fc.record({ "x-dolfin-client-id": fc.constantFrom("", "not-a-uuid", "00000000-0000-0000-0000-000000000000"), "x-request-id": fc.constantFrom("ok-request-id-1", "<>", "x".repeat(500)), "x-forwarded-for": fc.constantFrom("1.2.3.4", "garbage", "::1", "a".repeat(200)) }, { requiredKeys: [] }),
});

describe("fuzzing", () => {
  it(`${RUNS} generated malformed requests (seed ${SEED}): zero 5xx, all errors are problem details, the database stays consistent`, async () => {
    const cases = fc.sample(request, { seed: SEED, numRuns: RUNS });
    const keysBefore = await s.db.apiKey.count({ where: { clientId: s.clientId } });
    const foreignBefore = await s.db.apiKey.findUniqueOrThrow({ where: { id: foreignKeyId } });
    const outcomes: { i: number; op: string; method: string; status: number; type: string; code?: string }[] = [];
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= cases.length) return;
        const c = cases[i];
        const method = c.target.op === "sign-in" ? "GET" : (c.methodOverride ?? c.target.method);
        const headers: Record<string, string> = { ...c.extra };
        if (c.contentType) headers["content-type"] = c.contentType;
        if (c.auth === "key" || c.auth === "both") headers["x-dolfin-api-key"] = s.apiKey;
        if (c.auth === "bearer" || c.auth === "both") headers.authorization = `Bearer ${s.token}`;
        if (c.auth === "garbage-key") headers["x-dolfin-api-key"] = "dol_live_" + "Z".repeat(49);
        if (c.auth === "garbage-bearer") headers.authorization = "Bearer e30.e30.e30";
        let payload: BodyInit | undefined;
        if (method !== "GET" && method !== "HEAD") {
          if (c.body.kind === "json") payload = JSON.stringify(c.body.value) ?? "null";
          else if (c.body.kind === "bytes") payload = c.body.value as unknown as BodyInit;
          else if (c.body.kind === "raw") payload = c.body.value;
        }
        const path = c.target.path();
        const r = await fetch(`${s.server.url}${path}${c.target.op === "sign-in" ? "" : c.query}`, { method, headers, body: payload, signal: AbortSignal.timeout(15_000), redirect: "manual" });
        const text = await r.text();
        const type = r.headers.get("content-type") ?? "";
        let code: string | undefined;
        if (c.target.op === "sign-in") {
          // A page, not the API: never a 5xx (checked below), and a redirect only ever to our own origin.
          const loc = r.headers.get("location");
          if (loc) expect(new URL(loc, s.server.url).origin, `case ${i}: ${path} -> ${loc}`).toBe(new URL(s.server.url).origin);
        } else if (r.status >= 400 && method !== "HEAD") {
          expect(type, `case ${i}: ${method} ${c.target.path()} → ${r.status}`).toBe("application/problem+json");
          const p = JSON.parse(text);
          expect(p.status).toBe(r.status);
          expect(typeof p.code).toBe("string");
          code = p.code;
        }
        outcomes.push({ i, op: c.target.op, method, status: r.status, type, code });
        if (r.status < 300 && method !== "GET" && method !== "HEAD" && c.target.op !== "sign-in") {
          // Whatever a request could write, the Client's key list still answers.
          const list = await fetch(`${s.server.url}/api/api-keys?Limit=100`, { headers: { "x-dolfin-api-key": s.apiKey }, signal: AbortSignal.timeout(15_000) });
          expect(list.status, `list after case ${i}: ${method} ${path} -> ${r.status}`).toBe(200);
          await list.arrayBuffer();
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));

    expect(outcomes).toHaveLength(cases.length);
    const fiveXX = outcomes.filter((o) => o.status >= 500);
    expect(fiveXX, JSON.stringify(fiveXX.slice(0, 5).map((o) => ({ ...o, case: cases[o.i] })), null, 1).slice(0, 3000)).toEqual([]);
    // Enough of the requests got past validation to exercise the services too.
    expect(outcomes.filter((o) => o.status < 300).length).toBeGreaterThan(50);
    expect(new Set(outcomes.map((o) => o.status)).size).toBeGreaterThan(5);

    // Every key in the database was answered with a 201: nothing created behind an error.
    const created = outcomes.filter((o) => o.status === 201 && o.op !== "invite").length;
    expect(await s.db.apiKey.count({ where: { clientId: s.clientId } })).toBe(keysBefore + created);
    const keys = await s.db.apiKey.findMany({ where: { clientId: s.clientId } });
    for (const k of keys) {
      if (k.name !== null) {
        expect(k.name.length).toBeLessThanOrEqual(100);
        expect(k.name).not.toMatch(/[\p{Cc}\p{Cf}]/u);
        expect(k.name).toBe(k.name.normalize("NFC"));
        expect(k.name.trim()).toBe(k.name);
      }
      expect(k.keyHash).toMatch(/^[0-9a-f]{64}$/);
    }
    const createdEvents = await s.db.auditEvent.count({ where: { clientId: s.clientId, action: "apiKey.created" } });
    expect(createdEvents).toBe(keys.length);
    // The bystander Client's key was never touched.
    expect(await s.db.apiKey.findUniqueOrThrow({ where: { id: foreignKeyId } })).toEqual(foreignBefore);
    expect(await s.db.auditEvent.count({ where: { clientId: s.otherClientId } })).toBe(0);
    expect(s.server.proc.exitCode).toBeNull();
  }, 600_000);
});

// Second factors: malformed and random codes at sign-in, enrolment and removal.
// A malformed code is a clear 400 (problem details naming the field), a
// well-formed wrong one 401 Auth.InvalidSecondFactor (429 once the account's
// budget is spent); never a 5xx, never a token for a wrong code.
describe("fuzzing second factors", () => {
  it("malformed codes get a clear 400 or 401, never a 5xx", async () => {
    const { Secret, TOTP } = await import("otpauth");
    const { hash } = await import("@node-rs/argon2");
    const email = "two-factor@stress.test";
    const user = await s.db.user.create({ data: { email, name: "Tess", passwordHash: await hash("stress-password") } });
    await s.db.clientMember.create({ data: { clientId: s.clientId, userId: user.id, role: "Member" } });
    const call = (path: string, init: { method?: string; token?: string; body: unknown }) =>
      fetch(`${s.server.url}${path}`, {
        method: init.method ?? "POST",
        headers: { "content-type": "application/json", ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
        body: JSON.stringify(init.body),
        signal: AbortSignal.timeout(15_000),
      });
    const token = ((await (await call("/api/auth/token", { body: { email, password: "stress-password" } })).json()) as { token: string }).token;
    const start = (await (await call("/api/account/two-factor/totp", { token, body: {} })).json()) as { secret: string };
    const totp = new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(start.secret) });
    expect((await call("/api/account/two-factor/totp/confirm", { token, body: { code: totp.generate() } })).status).toBe(200);

    const code = fc.oneof(
      fc.constantFrom(...nasty),
      fc.string({ maxLength: 12 }),
      fc.stringMatching(/^\d{6}$/),
      fc.stringMatching(/^[\d ]{5,9}$/),
      fc.stringMatching(/^[2-9a-z]{5}-?[2-9a-z]{5}$/),
      fc.integer(),
      fc.double(),
      fc.constantFrom(null, true, "", "0".repeat(6), "12345６", "١٢٣٤٥٦", "123456\u0000", "x".repeat(70)),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const kase = fc.oneof(
      fc.record({ op: fc.constant("token" as const), otp: code, recoveryCode: code }, { requiredKeys: ["op"] }),
      fc.record({ op: fc.constant("confirm" as const), code }, { requiredKeys: ["op"] }),
      fc.record({ op: fc.constant("remove" as const), code, password: fc.oneof(fc.string(), fc.constantFrom(...nasty), fc.integer()) }, { requiredKeys: ["op"] }),
    );
    const cases = fc.sample(kase, { seed: SEED, numRuns: 300 });
    const statuses: number[] = [];
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= cases.length) return;
        const { op, ...rest } = cases[i];
        const fields = rest as Record<string, unknown>;
        const r =
          op === "token"
            ? await call("/api/auth/token", { body: { email, password: "stress-password", ...fields } })
            : op === "confirm"
              ? await call("/api/account/two-factor/totp/confirm", { token, body: fields })
              : await call("/api/account/two-factor/totp", { method: "DELETE", token, body: fields });
        const text = await r.text();
        const what = `case ${i}: ${op} ${JSON.stringify(fields).slice(0, 200)} -> ${r.status} ${text.slice(0, 200)}`;
        expect(r.status, what).toBeLessThan(500);
        statuses.push(r.status);
        if (r.status >= 400) {
          expect(r.headers.get("content-type"), what).toBe("application/problem+json");
          const p = JSON.parse(text) as { code: string; errors?: Record<string, string[]> };
          if (r.status === 400) expect(p.code === "Request.Invalid" ? Object.keys(p.errors ?? {}).length : 1, what).toBeGreaterThan(0);
          const none = fields.otp === undefined && fields.recoveryCode === undefined;
          if (op === "token" && r.status === 401) expect(p.code, what).toBe(none ? "Auth.SecondFactorRequired" : "Auth.InvalidSecondFactor");
        }
        // A malformed code never gets past validation.
        const otp = fields.otp;
        if (op === "token" && otp !== undefined && !(typeof otp === "string" && otp.length <= 64 && /^\d{6}$/.test(otp.replace(/\s+/g, "")))) expect(r.status, what).toBe(400);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    expect(statuses).toHaveLength(cases.length);
    expect(statuses.filter((x) => x === 400).length).toBeGreaterThan(50);
    expect(statuses.filter((x) => x === 401 || x === 403 || x === 429).length).toBeGreaterThan(10);
    expect(s.server.proc.exitCode).toBeNull();
  }, 300_000);
});
