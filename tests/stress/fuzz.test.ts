// Fuzzing: thousands of generated malformed requests (seeded, reproducible)
// against create, rotate, revoke, list and leak reports. Zero 5xx, every error
// is problem details, and the database holds nothing unexpected afterwards.
// Then invitations: random interleavings of create/resend/revoke/accept/remove
// on Clients and people with names near and over the limits, with mail
// configured (links read from the caught mail), checking the invariants after
// every step.
import { randomBytes } from "node:crypto";
import { hash } from "@node-rs/argon2";
import fc from "fast-check";
import { ALL_SCOPES } from "@/lib/api-keys/access";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { can, type Role } from "@/lib/auth/permissions";
import { mayTouch } from "@/lib/members/rules";
import { startMailCatcher, type MailCatcher } from "../../scripts/lib/mail-catcher";
import { startStack, type Stack } from "./stack";

const SEED = Number(process.env.FUZZ_SEED ?? 424242);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2500);

let s: Stack;
let mail: MailCatcher;
const victims: string[] = [];
let foreignKeyId: string;
beforeAll(async () => {
  mail = await startMailCatcher({ webPort: null });
  s = await startStack({ SMTP_URL: mail.smtpUrl, MAIL_POLL_INTERVAL_MS: "50" });
  for (let i = 0; i < 20; i++) {
    const r = await fetch(`${s.server.url}/api/api-keys`, { method: "POST", headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" }, body: JSON.stringify({ name: `victim ${i}` }) });
    victims.push(((await r.json()) as { id: string }).id);
  }
  const foreign = await s.db.apiKey.create({ data: { clientId: s.otherClientId, keyPrefix: "dol_live_FOREIGN0", keyHash: "f".repeat(64), name: "bystander" } });
  foreignKeyId = foreign.id;
}, 120_000);
afterAll(async () => {
  await s?.stop();
  await mail?.stop();
}, 60_000);

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

// ---- Invitations: sequences of operations, the invariants after each ----

const SEQ_SEED = Number(process.env.FUZZ_SEED ?? 424242);
const SEQUENCES = Number(process.env.FUZZ_INVITE_SEQUENCES ?? 8);
const PW = "stress invitee password";
const hex = () => randomBytes(4).toString("hex");

type Who = "ownerA" | "adminA" | "ownerB" | "adminB";
type Op =
  | { op: "create"; by: Who; person: number; role: Role }
  | { op: "resend" | "revoke"; by: Who; person: number }
  | { op: "expire"; client: "A" | "B"; person: number }
  | { op: "accept"; client: "A" | "B"; person: number; password: "right" | "wrong" | "none"; name: string | null }
  | { op: "remove"; client: "A" | "B"; person: number }
  | { op: "removeAdmin" | "demoteAdmin"; client: "A" | "B" }
  | { op: "parallel"; ops: Op[] };

const PEOPLE = 6; // 0-2: no account yet; 3-4: accounts elsewhere; 5: an address over 320 characters
const who = fc.constantFrom<Who>("ownerA", "adminA", "ownerB", "adminB");
const person = fc.nat(PEOPLE - 1);
const side = fc.constantFrom<"A" | "B">("A", "B");
// Names at, just under and just over personNameSchema's 100 characters (code points and UTF-16 units differ for emoji).
const newName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("Ivy", "N".repeat(99), "N".repeat(100), "😀".repeat(50), "a\u0301".repeat(50)) },
  { weight: 1, arbitrary: fc.constantFrom("N".repeat(101), "😀".repeat(51), " ", "\u202e") },
);
const simple: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("create" as const), by: who, person, role: fc.constantFrom<Role>("Owner", "Admin", "Member") }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom("resend" as const, "revoke" as const), by: who, person }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("expire" as const), client: side, person }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("accept" as const), client: side, person, password: fc.constantFrom("right" as const, "right" as const, "wrong" as const, "none" as const), name: fc.option(newName, { freq: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("remove" as const), client: side, person }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom("removeAdmin" as const, "demoteAdmin" as const), client: side }) },
);
const sequence = fc.array(fc.oneof({ weight: 5, arbitrary: simple }, { weight: 1, arbitrary: fc.array(simple, { minLength: 2, maxLength: 3 }).map((ops): Op => ({ op: "parallel", ops })) }), { minLength: 25, maxLength: 50 });

const OK: Record<string, number[]> = {
  create: [201, 400, 403, 409],
  resend: [200, 403, 404, 409],
  revoke: [204, 403, 404, 409],
  accept: [200, 400, 401, 409, 429],
  remove: [204, 403, 404, 409],
  removeAdmin: [204, 404],
  demoteAdmin: [200, 404],
};

describe("fuzzing invitations", () => {
  it(`${SEQUENCES} random sequences of create/resend/revoke/accept/remove (seed ${SEQ_SEED}), long names, mail on: never a 5xx, at most one live invitation per email, none for members or from people who may no longer send them`, async () => {
    const url = s.server.url;
    const pwHash = await hash(PW);
    const token = async (email: string, clientId: string) => {
      const r = await fetch(`${url}/api/auth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password: PW, clientId }) });
      expect(r.status).toBe(200);
      return ((await r.json()) as { token: string }).token;
    };
    const failures: string[] = [];
    const answers: Record<string, Record<number, number>> = {};
    let steps = 0;
    for (const seq of fc.sample(sequence, { seed: SEQ_SEED, numRuns: SEQUENCES })) {
      const tag = hex();
      // Client names near and over the CLI's 200 (the column itself is unbounded); people's names over the form's 100.
      const A = await s.db.client.create({ data: { name: `${"Ä".repeat(198)}😀`, type: "Sandbox" } });
      const B = await s.db.client.create({ data: { name: `${"Zeta Payments ".repeat(20)}${tag}`, type: "Live" } });
      const clients = { A, B };
      const mkUser = async (name: string, email = `u-${hex()}-${tag}@stress.test`) => s.db.user.create({ data: { email, name, passwordHash: pwHash } });
      const users = { ownerA: await mkUser("Ö".repeat(100)), adminA: await mkUser("x".repeat(300)), ownerB: await mkUser("Owner B"), adminB: await mkUser(`${"y".repeat(150)} 👩‍👩‍👧‍👦`) };
      const roleOf = { ownerA: "Owner", adminA: "Admin", ownerB: "Owner", adminB: "Admin" } as const;
      const clientOf = (w: Who) => (w.endsWith("A") ? A : B);
      for (const w of Object.keys(users) as Who[]) await s.db.clientMember.create({ data: { clientId: clientOf(w).id, userId: users[w].id, role: roleOf[w] } });
      const tokens = {} as Record<Who, string>;
      for (const w of Object.keys(users) as Who[]) tokens[w] = await token(users[w].email, clientOf(w).id);
      const emails = [0, 1, 2].map((i) => `p${i}-${tag}@stress.test`);
      emails.push(`exists-${tag}@stress.test`, `${"l".repeat(50)}-${tag}@${"d".repeat(40)}.${"e".repeat(40)}.${"f".repeat(40)}.stress.test`);
      emails.push(`${"o".repeat(64)}@${"g".repeat(63)}.${"h".repeat(63)}.${"i".repeat(63)}.${"j".repeat(63)}.test`);
      for (const e of emails.slice(3, 5)) await mkUser("Elsewhere", e);
      const links = new Map<string, string>(); // client + email -> the newest link mailed
      const mailed = new Map<string, number>(); // email -> mails expected so far
      const inviteIds = new Map<string, string>(); // client + email -> the newest invitation's id

      const call = async (path: string, init: { method?: string; body?: unknown; token?: string }) => {
        const headers: Record<string, string> = {};
        if (init.token) headers.authorization = `Bearer ${init.token}`;
        if (init.body !== undefined) headers["content-type"] = "application/json";
        const r = await fetch(url + path, { method: init.method ?? "POST", headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), signal: AbortSignal.timeout(15_000) });
        const text = await r.text();
        if (r.status >= 400) expect(r.headers.get("content-type"), `${path} -> ${r.status}`).toBe("application/problem+json");
        return { status: r.status, body: text ? JSON.parse(text) : null };
      };
      /** The link in the n-th email to `to` (waits for it). */
      const linkFor = async (to: string, n: number) => {
        const deadline = Date.now() + 15_000;
        for (;;) {
          const got = mail.messages.filter((m) => m.to.includes(to));
          if (got.length >= n) return got[n - 1].text.match(/https?:\/\/\S+\/invite#[A-Za-z0-9_-]+/)![0];
          if (Date.now() > deadline) throw new Error(`no email #${n} to ${to}`);
          await new Promise((r) => setTimeout(r, 25));
        }
      };
      const issued = async (clientId: string, r: { status: number; body: { id?: string; email?: string; inviteUrl?: string | null; emailQueued?: boolean } }) => {
        if (r.status !== 200 && r.status !== 201) return;
        const to = r.body.email!; // a resend may be of another person's invitation
        const key = `${clientId}:${to}`;
        expect(r.body.inviteUrl ?? null, "with mail on, no link in the answer").toBeNull();
        expect(r.body.emailQueued).toBe(true);
        inviteIds.set(key, r.body.id!);
        const n = (mailed.get(to) ?? 0) + 1;
        mailed.set(to, n);
        links.set(key, await linkFor(to, n));
      };

      const run = async (o: Op): Promise<void> => {
        if (o.op === "parallel") {
          await Promise.all(o.ops.map(run));
          return;
        }
        let status = 0;
        if (o.op === "create" || o.op === "resend" || o.op === "revoke") {
          const c = clientOf(o.by);
          const to = emails[o.person];
          const key = `${c.id}:${to}`;
          if (o.op === "create") {
            const r = await call("/api/client-invites", { token: tokens[o.by], body: { email: to, role: o.role } });
            status = r.status;
            await issued(c.id, r);
          } else {
            // The person's newest invitation, else another of the Client's (revoked, accepted or expired ones included).
            const others = [...inviteIds].filter(([k]) => k.startsWith(`${c.id}:`)).map(([, v]) => v);
            const id = inviteIds.get(key) ?? others[o.person % Math.max(1, others.length)] ?? "00000000-0000-7000-8000-000000000000";
            const r = await call(`/api/client-invites/${id}/${o.op}`, { token: tokens[o.by] });
            status = r.status;
            if (o.op === "resend") await issued(c.id, r);
          }
        } else if (o.op === "expire") {
          await s.db.clientInvite.updateMany({ where: { clientId: clients[o.client].id, email: emails[o.person] }, data: { expiresAt: new Date(Date.now() - 1000) } });
          return;
        } else if (o.op === "accept") {
          // The person's newest link to that Client, else another link held for it (a stale one answers 400 like any dead link).
          const held = [...links].filter(([k]) => k.startsWith(`${clients[o.client].id}:`)).map(([, v]) => v);
          const link = links.get(`${clients[o.client].id}:${emails[o.person]}`) ?? held[o.person % Math.max(1, held.length)];
          const tok = link ? decodeURIComponent(new URL(link).hash.slice(1)) : "x".repeat(43);
          const body: Record<string, unknown> = { token: tok };
          if (o.password !== "none") body.password = o.password === "right" ? PW : "not the password at all";
          if (o.name !== null) body.name = o.name;
          status = (await call("/api/client-invites/accept", { body })).status;
        } else if (o.op === "remove") {
          // Someone who joined through an invitation (or nobody: 404).
          const joined = await s.db.clientMember.findMany({ where: { clientId: clients[o.client].id, user: { email: { in: emails } } }, select: { userId: true }, orderBy: { userId: "asc" } });
          const owner = o.client === "A" ? "ownerA" : "ownerB";
          const target = joined[o.person % Math.max(1, joined.length)]?.userId ?? "00000000-0000-7000-8000-000000000000";
          status = (await call(`/api/members/${target}`, { method: "DELETE", token: tokens[owner] })).status;
        } else if (o.op === "removeAdmin" || o.op === "demoteAdmin") {
          // The Client's Admin removed (then let back in behind the app) or demoted and promoted again: what they sent must not outlive the role.
          const admin = o.client === "A" ? "adminA" : "adminB";
          const owner = o.client === "A" ? "ownerA" : "ownerB";
          const c = clients[o.client];
          if (o.op === "removeAdmin") {
            status = (await call(`/api/members/${users[admin].id}`, { method: "DELETE", token: tokens[owner] })).status;
            await s.db.clientMember.upsert({ where: { clientId_userId: { clientId: c.id, userId: users[admin].id } }, create: { clientId: c.id, userId: users[admin].id, role: "Admin" }, update: {} });
          } else {
            status = (await call(`/api/members/${users[admin].id}`, { method: "PATCH", body: { role: "Member" }, token: tokens[owner] })).status;
            await call(`/api/members/${users[admin].id}`, { method: "PATCH", body: { role: "Admin" }, token: tokens[owner] });
          }
        }
        steps++;
        (answers[o.op] ??= {})[status] = (answers[o.op]?.[status] ?? 0) + 1;
        if (!OK[o.op].includes(status)) failures.push(`${JSON.stringify(o).slice(0, 300)} -> ${status}`);
      };

      for (const o of seq) {
        await run(o);
        // The invariants, straight from the database.
        const now = new Date();
        const live = await s.db.clientInvite.findMany({
          where: { clientId: { in: [A.id, B.id] }, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
          select: { id: true, clientId: true, email: true, role: true, invitedByUserId: true },
        });
        const members = await s.db.clientMember.findMany({ where: { clientId: { in: [A.id, B.id] } }, select: { clientId: true, userId: true, role: true, user: { select: { email: true } } } });
        const seen = new Set<string>();
        for (const i of live) {
          const key = `${i.clientId}:${i.email}`;
          if (seen.has(key)) failures.push(`two live invitations for ${i.email} after ${JSON.stringify(o).slice(0, 200)}`);
          seen.add(key);
          if (members.some((m) => m.clientId === i.clientId && m.user.email === i.email)) failures.push(`a live invitation for member ${i.email} after ${JSON.stringify(o).slice(0, 200)}`);
          const inviter = members.find((m) => m.clientId === i.clientId && m.userId === i.invitedByUserId);
          if (i.invitedByUserId && !(inviter && can(inviter.role, "invites:write") && mayTouch(inviter.role, i.role, i.role))) {
            failures.push(`a live ${i.role} invitation from someone who may no longer send it, after ${JSON.stringify(o).slice(0, 200)}`);
          }
        }
        if (failures.length > 0) break;
      }
      if (failures.length > 0) break;
    }
    console.log(`invitation sequences: ${steps} steps, answers by operation ${JSON.stringify(answers)}`);
    expect(failures).toEqual([]);
    expect(steps).toBeGreaterThan(SEQUENCES * 20);
    // The sequences got past the refusals too: links issued, resent, revoked and used.
    for (const [op, status] of [["create", 201], ["resend", 200], ["revoke", 204], ["accept", 200], ["accept", 401], ["remove", 204]] as const) {
      expect(answers[op]?.[status] ?? 0, `${op} -> ${status}`).toBeGreaterThan(0);
    }
    expect(s.server.proc.exitCode).toBeNull();
  }, 600_000);
});

// Restricted keys managing other keys: random scopes, allowlists and lifetimes for the caller
// and the target, then a revoke, rename or access change by the caller. Never a 5xx, and a call
// succeeds exactly when the caller covers the target (as it is, and as a change would leave it),
// as an independent model of "could have made it" says; a refused call changes nothing.
describe("fuzzing key management by restricted keys", () => {
  const MANAGE_RUNS = Number(process.env.FUZZ_MANAGE_RUNS ?? 200);
  type Lvl = "none" | "read" | "write";
  const RES = ["apiKeys", "invoices", "bills", "customers"] as const;
  // Allowlists from a small pool whose containment is known: 10.1.2.3/32 ⊂ 10.1.0.0/16 ⊂ 10.0.0.0/8, 2001:db8:1::/48 ⊂ 2001:db8::/32.
  const INSIDE: Record<string, string[]> = {
    "10.0.0.0/8": ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.3/32"],
    "10.1.0.0/16": ["10.1.0.0/16", "10.1.2.3/32"],
    "10.1.2.3/32": ["10.1.2.3/32"],
    "192.0.2.0/24": ["192.0.2.0/24"],
    "2001:db8::/32": ["2001:db8::/32", "2001:db8:1::/48"],
    "2001:db8:1::/48": ["2001:db8:1::/48"],
  };
  const SOURCE: Record<string, string> = { "10.0.0.0/8": "10.1.2.3", "10.1.0.0/16": "10.1.2.3", "10.1.2.3/32": "10.1.2.3", "192.0.2.0/24": "192.0.2.9", "2001:db8::/32": "2001:db8:1::5", "2001:db8:1::/48": "2001:db8:1::5" };
  const LISTS = [[], ["10.0.0.0/8"], ["10.1.0.0/16"], ["10.1.2.3/32"], ["192.0.2.0/24"], ["10.0.0.0/8", "192.0.2.0/24"], ["10.1.0.0/16", "2001:db8:1::/48"], ["2001:db8::/32"], ["10.1.2.3/32", "2001:db8:1::/48"]];
  const DAY = 86_400_000;
  const base = Date.now() + DAY; // lifetimes are whole days from one instant, so equal ones compare equal

  const scopesArb = (writeApiKeys: boolean) =>
    fc.oneof(
      { weight: 1, arbitrary: fc.constant(null) },
      {
        weight: 5,
        arbitrary: fc.tuple(...RES.map((r) => fc.constantFrom<Lvl>(...(r === "apiKeys" && writeApiKeys ? (["write", "write", "write", "read"] as Lvl[]) : (["none", "read", "write"] as Lvl[]))))).map((lv) =>
          RES.flatMap((r, i) => (lv[i] === "none" ? [] : [`${r}:${lv[i]}`])),
        ),
      },
    );
  const keyArb = (caller: boolean) =>
    fc.record({ scopes: scopesArb(caller), allowedIps: fc.constantFrom(...LISTS), days: fc.constantFrom<number | null>(null, 2, 5, 10) });
  type K = { scopes: string[] | null; allowedIps: string[]; days: number | null };
  const inside = (list: string[], outer: string[]) => list.length > 0 && list.every((x) => outer.some((p) => INSIDE[p].includes(x)));
  // Half the targets are narrowed from the caller (so many calls may succeed), half drawn alone.
  const narrowed = (c: K) =>
    fc.record({
      scopes: c.scopes === null ? scopesArb(false) : fc.subarray(c.scopes),
      allowedIps: fc.constantFrom(...(c.allowedIps.length === 0 ? LISTS : LISTS.filter((l) => inside(l, c.allowedIps)))),
      days: fc.constantFrom<number | null>(...(c.days === null ? [null, 2, 5, 10] : [2, 5, 10].filter((d) => d <= c.days!))),
    });
  const manageCase = fc.record({
    caller: keyArb(true),
    op: fc.oneof(
      fc.constant({ kind: "revoke" as const }),
      fc.constant({ kind: "rename" as const }),
      fc.record({ scopes: fc.option(scopesArb(false), { nil: undefined }), allowedIps: fc.option(fc.constantFrom(...LISTS), { nil: undefined }) }).map((c) => ({ kind: "access" as const, ...c })),
    ),
  }).chain((c) => fc.oneof(keyArb(false), narrowed(c.caller)).map((target) => ({ ...c, target })));

  const allows = (held: string[], s: string) => held.includes(s) || (s.endsWith(":read") && held.includes(s.replace(/:read$/, ":write")));
  const covers = (c: K, t: K) =>
    (c.scopes === null || (t.scopes !== null && t.scopes.every((x) => allows(c.scopes!, x)))) &&
    (c.allowedIps.length === 0 || inside(t.allowedIps, c.allowedIps)) &&
    (c.days === null || (t.days !== null && t.days <= c.days));
  const sameList = (a: string[] | null, b: string[] | null) => (a === null || b === null ? a === b : a.length === b.length && [...a].sort().join() === [...b].sort().join());

  it(`${MANAGE_RUNS} revokes, renames and access changes by random restricted keys (seed ${SEED}): no 5xx, success exactly when the caller covers the target`, async () => {
    const cases = fc.sample(manageCase, { seed: SEED, numRuns: MANAGE_RUNS });
    const owner = { authorization: `Bearer ${s.token}`, "content-type": "application/json" };
    const make = async (k: K, name: string) => {
      const r = await fetch(`${s.server.url}/api/api-keys`, {
        method: "POST",
        headers: owner,
        body: JSON.stringify({ name, scopes: k.scopes, allowedIps: k.allowedIps, expiresAt: k.days === null ? null : new Date(base + k.days * DAY).toISOString() }),
        signal: AbortSignal.timeout(15_000),
      });
      const b = (await r.json()) as { id: string; rawKey: string };
      expect(r.status, JSON.stringify(b)).toBe(201);
      return b;
    };
    const failures: unknown[] = [];
    let succeeded = 0;
    let escalations = 0;
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= cases.length) return;
        const c = cases[i];
        const caller = await make(c.caller, `caller ${i}`);
        const target = await make(c.target, `target ${i}`);
        const headers: Record<string, string> = { "x-dolfin-api-key": caller.rawKey, "x-forwarded-for": SOURCE[c.caller.allowedIps[0]] ?? "10.1.2.3", "content-type": "application/json" };
        const before = await s.db.apiKey.findUniqueOrThrow({ where: { id: target.id } });
        let res: Response;
        if (c.op.kind === "revoke") res = await fetch(`${s.server.url}/api/api-keys/${target.id}/revoke`, { method: "POST", headers, signal: AbortSignal.timeout(15_000) });
        else {
          const body = c.op.kind === "rename" ? { name: `renamed ${i}` } : { ...(c.op.scopes !== undefined ? { scopes: c.op.scopes } : {}), ...(c.op.allowedIps !== undefined ? { allowedIps: c.op.allowedIps } : {}) };
          if (Object.keys(body).length === 0) Object.assign(body, { name: `renamed ${i}` }); // an empty PATCH is a 400
          res = await fetch(`${s.server.url}/api/api-keys/${target.id}`, { method: "PATCH", headers, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
        }
        const text = await res.text();
        const code = res.status >= 400 ? (JSON.parse(text) as { code: string }).code : undefined;
        // The model: the caller needs apiKeys:write, then must cover the target as it is and as a change leaves it.
        const canWrite = c.caller.scopes === null || c.caller.scopes.includes("apiKeys:write");
        const after: K =
          c.op.kind === "access"
            ? { scopes: c.op.scopes !== undefined ? c.op.scopes : c.target.scopes, allowedIps: c.op.allowedIps ?? c.target.allowedIps, days: c.target.days }
            : c.target;
        const changes = c.op.kind === "access" && !(sameList(after.scopes, c.target.scopes) && sameList(after.allowedIps, c.target.allowedIps));
        const expected = !canWrite
          ? { status: 403, code: "ApiKey.InsufficientScope" }
          : !covers(c.caller, c.target) || (changes && !covers(c.caller, after))
            ? { status: 403, code: "ApiKey.ScopeEscalation" }
            : { status: c.op.kind === "revoke" ? 204 : 200, code: undefined };
        if (res.status !== expected.status || code !== expected.code) failures.push({ i, case: c, got: { status: res.status, code }, expected, text: text.slice(0, 300) });
        if (res.status < 300) succeeded++;
        else {
          if (code === "ApiKey.ScopeEscalation") escalations++;
          // A refused call changed nothing.
          expect({ i, row: await s.db.apiKey.findUniqueOrThrow({ where: { id: target.id } }) }).toEqual({ i, row: before });
        }
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    expect(failures.filter((f) => (f as { got: { status: number } }).got.status >= 500)).toEqual([]);
    expect(failures.slice(0, 5), `${failures.length} of ${cases.length} outcomes differ from the model`).toEqual([]);
    // Both sides of the rule were exercised.
    expect(succeeded).toBeGreaterThan(cases.length / 10);
    expect(escalations).toBeGreaterThan(cases.length / 10);
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

describe("fuzzing passkeys", () => {
  it("malformed or mutated WebAuthn responses (adding a passkey, signing in with one) get 400/401 or no session, never a 5xx", async () => {
    const { SoftAuthenticator } = await import("../support/soft-authenticator");
    const email = "passkeys@stress.test";
    const user = await s.db.user.create({ data: { email, name: "Pia", passwordHash: await hash("stress-password") } });
    await s.db.clientMember.create({ data: { clientId: s.clientId, userId: user.id, role: "Member" } });
    const base = s.server.url;
    const call = (path: string, init: { method?: string; token?: string; body?: unknown }) =>
      fetch(`${base}${path}`, {
        method: init.method ?? "POST",
        headers: { "content-type": "application/json", ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(15_000),
      });
    const token = ((await (await call("/api/auth/token", { body: { email, password: "stress-password" } })).json()) as { token: string }).token;
    const auth = new SoftAuthenticator(base);
    const opts = async (path: string) => (await (await call(path, { token })).json()) as { challenge: string; user?: { id: string } };
    expect((await call("/api/account/passkeys", { token, body: { name: "real", response: auth.register(await opts("/api/account/passkeys/options")) } })).status).toBe(201);

    const b64 = fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b).toString("base64url"));
    const junk = fc.oneof(fc.constantFrom(...nasty), b64, fc.string({ maxLength: 40 }), fc.integer(), fc.constantFrom(null, true, "", "=", "AAAA", "e30", "bnVsbA"), fc.jsonValue({ maxDepth: 2 }));
    const regFields = ["id", "rawId", "type", "response", "response.clientDataJSON", "response.attestationObject", "response.transports", "clientExtensionResults", "authenticatorAttachment"];
    const authFields = ["id", "rawId", "type", "response", "response.clientDataJSON", "response.authenticatorData", "response.signature", "response.userHandle", "clientExtensionResults"];
    const kase = fc.oneof(
      fc.record({ op: fc.constant("register" as const), field: fc.constantFrom(...regFields), value: junk, drop: fc.boolean() }),
      fc.record({ op: fc.constant("signIn" as const), field: fc.constantFrom(...authFields), value: junk, drop: fc.boolean() }),
      fc.record({ op: fc.constant("registerRaw" as const), field: fc.constant(""), value: fc.jsonValue({ maxDepth: 3 }), drop: fc.constant(false) }),
    );
    const mutate = (obj: Record<string, unknown>, path: string, value: unknown, drop: boolean) => {
      const copy = structuredClone(obj) as Record<string, Record<string, unknown>>;
      const [a, b] = path.split(".");
      const holder = b ? (typeof copy[a] === "object" && copy[a] ? copy[a] : (copy[a] = {})) : (copy as Record<string, unknown>);
      const k = b ?? a;
      if (drop) delete holder[k];
      else holder[k] = value;
      return copy;
    };
    const cases = fc.sample(kase, { seed: SEED, numRuns: 200 });
    let next = 0;
    const statuses: number[] = [];
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= cases.length) return;
        const c = cases[i];
        let status: number;
        let what = `case ${i}: ${c.op} ${c.field} ${c.drop ? "dropped" : JSON.stringify(c.value)?.slice(0, 120)}`;
        if (c.op === "signIn") {
          const answer = mutate(auth.assert(await opts("/api/auth/passkey/options")) as never, c.field, c.value, c.drop);
          const csrf = await fetch(`${base}/api/auth/csrf`);
          const { csrfToken } = (await csrf.json()) as { csrfToken: string };
          const r = await fetch(`${base}/api/auth/callback/passkey`, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrf.headers.getSetCookie().map((x) => x.split(";")[0]).join("; "), origin: base },
            body: new URLSearchParams({ csrfToken, response: JSON.stringify(answer), callbackUrl: base }),
            redirect: "manual",
          });
          await r.text();
          status = r.status;
          // A changed field may still verify (e.g. a dropped userHandle or extension results); anything else must not sign in.
          const signedIn = r.headers.getSetCookie().some((x) => x.startsWith("authjs.session-token="));
          if (signedIn) expect(["response.userHandle", "clientExtensionResults", "authenticatorAttachment"], what).toContain(c.field);
        } else {
          const body = c.op === "registerRaw" ? c.value : { name: "fuzz", response: mutate(new SoftAuthenticator(base).register(await opts("/api/account/passkeys/options")) as never, c.field, c.value, c.drop) };
          const r = await call("/api/account/passkeys", { token, body });
          const text = await r.text();
          status = r.status;
          what += ` -> ${r.status} ${text.slice(0, 200)}`;
          if (r.status >= 400) expect(r.headers.get("content-type"), what).toBe("application/problem+json");
          if (r.status !== 201) expect([400, 409], what).toContain(r.status);
        }
        expect(status, what).toBeLessThan(500);
        statuses.push(status);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    expect(statuses).toHaveLength(cases.length);
    expect(statuses.filter((x) => x === 400).length).toBeGreaterThan(30);
    expect(s.server.proc.exitCode).toBeNull();
  }, 300_000);
});
