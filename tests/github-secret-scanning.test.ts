// GitHub secret scanning's partner endpoint, end to end: a key list served on
// 127.0.0.1 from this process (a key pair made here stands in for GitHub's),
// our own server pointed at it (with SMTP to a mail catcher here), reports
// signed like GitHub signs them. Our live keys are revoked, audited with where
// they were found, and their Owners and Admins emailed; strangers' tokens are
// false positives; nothing is revoked without a good signature.
// Its server sends mail from the shared test database: listed in vitest.config.ts SHARED_DB_MAIL_FILES.
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey } from "@/lib/api-keys/key-format";
import { startMailCatcher, type MailCatcher } from "../scripts/lib/mail-catcher";
import { startServer, type Server } from "../scripts/lib/stack";
import { api, BASE, createKey, db, makeTenant, makeUser, uid } from "./helpers";
import { assertMatchesDocument } from "./openapi-validator";

const PATH = "/api/api-keys/leaks/github";
const github = generateKeyPairSync("ec", { namedCurve: "P-256" }); // "GitHub's" key, in the list
const forger = generateKeyPairSync("ec", { namedCurve: "P-256" }); // not in the list
const KEY_ID = createHash("sha256").update("test-github-key").digest("hex");
const pem = github.publicKey.export({ type: "spki", format: "pem" }).toString();

let keysServer: http.Server;
let keyFetches = 0;
// The list the `rot` server fetches: GitHub publishing a new key is a push here.
const rotation = generateKeyPairSync("ec", { namedCurve: "P-256" });
const ROTATED_ID = createHash("sha256").update("test-github-key-2").digest("hex");
const rotList = [{ key_identifier: KEY_ID, key: pem, is_current: true }];
let rotFetches = 0;
let mail: MailCatcher;
let app: Server; // key list reachable
let cut: Server; // key list unreachable
let rot: Server; // key list GitHub rotates during a test (rotList)
const FAILURES_PER_MINUTE = 3;
const UNVERIFIED_PER_MINUTE = 5;

beforeAll(async () => {
  keysServer = http.createServer((req, res) => {
    if (req.url === "/down") return res.writeHead(502).end("bad gateway");
    if (req.url === "/rot") {
      rotFetches++;
      return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ public_keys: rotList }));
    }
    keyFetches++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ public_keys: [{ key_identifier: KEY_ID, key: pem, is_current: true }] }));
  });
  await new Promise<void>((r) => keysServer.listen(0, "127.0.0.1", r));
  const keysBase = `http://127.0.0.1:${(keysServer.address() as AddressInfo).port}`;
  mail = await startMailCatcher({ webPort: null });
  const env = {
    SMTP_URL: mail.smtpUrl,
    MAIL_FROM: "Dolfin <keys@dolfin.test>",
    MAIL_POLL_INTERVAL_MS: "100",
    // Each test speaks from addresses of its own (X-Forwarded-For from loopback is believed), so the shared counters never mix.
    TRUSTED_PROXIES: "loopback",
    RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: String(FAILURES_PER_MINUTE),
    RATE_LIMIT_GITHUB_UNVERIFIED_PER_MINUTE: String(UNVERIFIED_PER_MINUTE),
    RATE_LIMIT_SIGN_IN_FAILURES_PER_MINUTE: "100000",
    // Webhook receivers here are http servers on 127.0.0.1.
    WEBHOOK_ALLOW_LOOPBACK: "1",
    WEBHOOK_POLL_INTERVAL_MS: "100",
    WEBHOOK_RETRY_BASE_MS: "50",
  };
  const { SMTP_URL: _smtp, MAIL_FROM: _from, ...noMail } = env;
  [app, cut, rot] = await Promise.all([
    startServer({ databaseUrl: process.env.TEST_DATABASE_URL!, authSecret: process.env.TEST_AUTH_SECRET!, env: { ...env, GITHUB_SECRET_SCANNING_KEYS_URL: `${keysBase}/keys` } }),
    startServer({ databaseUrl: process.env.TEST_DATABASE_URL!, authSecret: process.env.TEST_AUTH_SECRET!, env: { ...noMail, GITHUB_SECRET_SCANNING_KEYS_URL: `${keysBase}/down` } }),
    startServer({ databaseUrl: process.env.TEST_DATABASE_URL!, authSecret: process.env.TEST_AUTH_SECRET!, env: { ...noMail, GITHUB_SECRET_SCANNING_KEYS_URL: `${keysBase}/rot` } }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([app?.stop(), cut?.stop(), rot?.stop()]);
  await mail?.stop();
  keysServer?.closeAllConnections();
  keysServer?.close();
}, 60_000);

/** A documentation address of its own for each caller: its own /64 (per-address limits count IPv6 by /64). */
const address = () => {
  const u = uid();
  return `2001:db8:${u.slice(0, 4)}:${u.slice(4, 8)}::1`;
};

type Match = { token: string; type: string; url?: string; source?: string };
const signed = (body: string, key = github.privateKey, id = KEY_ID) => ({
  "github-public-key-identifier": id,
  "github-public-key-signature": sign("sha256", Buffer.from(body), { key, dsaEncoding: "der" }).toString("base64"),
});

/** POST a raw body to a server of ours; the answer is checked against the served OpenAPI document. */
async function post(server: Server, body: string, headers: Record<string, string>, ip = address()) {
  const r = await fetch(server.url + PATH, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": ip, ...headers }, body });
  const text = await r.text();
  const parsed = text ? JSON.parse(text) : null;
  await assertMatchesDocument(BASE, "POST", PATH, r.status, r.headers.get("content-type"), parsed);
  return { status: r.status, headers: r.headers, body: parsed };
}
const report = (matches: Match[], ip?: string) => {
  const body = JSON.stringify(matches);
  return post(app, body, signed(body), ip);
};
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const keyRow = (id: string) => db.apiKey.findUniqueOrThrow({ where: { id } });
const leakEvents = (id: string) => db.auditEvent.findMany({ where: { targetId: id, action: "apiKey.reportedLeaked" } });
/** A checksum that does not match: the shape of our keys, but never one we issued. */
const badChecksum = (k: string) => k.slice(0, -1) + (k.endsWith("A") ? "B" : "A");

describe("GitHub secret scanning reports", () => {
  it("revokes our live keys (Live and Sandbox), audits where they were found, emails Owners and Admins, and labels every match", async () => {
    const live = await makeTenant("Live");
    const admin = await makeUser([[live.client, "Admin"]]);
    const member = await makeUser([[live.client, "Member"]]);
    const second = await createKey({ token: live.owner.token }, { name: `ci ${uid()}` });
    const sandbox = await makeTenant("Sandbox");
    const dead = await createKey({ token: live.owner.token });
    expect((await api(`/api/api-keys/${dead.id}/revoke`, { method: "POST", token: live.owner.token })).status).toBe(204);
    const stranger = generateKey("Live").rawKey; // well-formed, never issued
    const matches: Match[] = [
      { token: live.key.rawKey, type: "dolfin_live_api_key", url: "https://github.com/octocat/hello/blob/abc/.env", source: "content" },
      { token: second.rawKey, type: "dolfin_live_api_key", url: "https://github.com/octocat/hello/commit/abc", source: "commit" },
      { token: sandbox.key.rawKey, type: "dolfin_test_api_key", url: "", source: "issue_comment" },
      { token: dead.rawKey, type: "dolfin_live_api_key", url: "https://gist.github.com/x", source: "gist_content" },
      { token: stranger, type: "dolfin_live_api_key", url: "https://github.com/a/b", source: "content" },
      { token: badChecksum(generateKey("Live").rawKey), type: "dolfin_live_api_key", url: "https://github.com/a/c", source: "content" },
      { token: "dol_live_not-even-close", type: "dolfin_live_api_key" },
      { token: live.key.rawKey, type: "dolfin_live_api_key", url: "https://github.com/octocat/fork/blob/abc/.env", source: "content" }, // found twice
    ];
    const r = await report(matches);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(
      matches.map((m, i) => ({ token_hash: sha256(m.token), token_type: m.type, label: [0, 1, 2, 3, 7].includes(i) ? "true_positive" : "false_positive" })),
    );

    for (const k of [live.key, second, sandbox.key]) expect(await keyRow(k.id)).toMatchObject({ revokedReason: "Leaked", revokedAt: expect.any(Date) });
    // The instance that revoked refuses the key at once.
    expect((await fetch(`${app.url}/api/me`, { headers: { "x-dolfin-api-key": live.key.rawKey, "x-forwarded-for": address() } })).status).toBe(401);
    expect((await keyRow(dead.id)).revokedReason).toBe("Manual"); // already dead: labelled ours, left as it was
    expect(await leakEvents(dead.id)).toHaveLength(0);

    const [event] = await leakEvents(live.key.id);
    expect(event).toMatchObject({
      actorType: "Anonymous",
      actorLabel: "GitHub secret scanning",
      metadata: { keyPrefix: live.key.keyPrefix, url: "https://github.com/octocat/hello/blob/abc/.env", source: "content" },
    });
    expect((await leakEvents(sandbox.key.id))[0].metadata).toMatchObject({ url: null, source: "issue_comment" }); // an empty url is none

    // One email per Owner and Admin of each Client, naming its keys and where they were found; none to a Member.
    const toOwner = await mail.waitFor((m) => m.to.includes(live.owner.email));
    const toAdmin = await mail.waitFor((m) => m.to.includes(admin.email));
    for (const m of [toOwner, toAdmin]) {
      expect(m.subject).toBe(`2 API keys of ${live.client.name} were found in public and revoked`);
      expect(m.text).toContain(`${live.key.keyPrefix}…`);
      expect(m.text).toContain("found at https://github.com/octocat/hello/blob/abc/.env (content)");
      expect(m.text).toContain(`${second.keyPrefix}…`);
      expect(m.text).toContain("GitHub secret scanning reported 2 API keys");
    }
    const toSandbox = await mail.waitFor((m) => m.to.includes(sandbox.owner.email));
    expect(toSandbox.subject).toContain(`(Sandbox) was found in public and revoked`);
    expect(toSandbox.text).toContain("found in issue_comment");
    expect(mail.messages.filter((m) => m.to.includes(member.email))).toHaveLength(0);
    expect(mail.messages.filter((m) => m.to.includes(live.owner.email))).toHaveLength(1);

    // Reported again (GitHub finds it in another push): still ours, nothing more revoked, audited or emailed.
    const again = await report([matches[0]]);
    expect(again.body).toEqual([{ token_hash: sha256(live.key.rawKey), token_type: "dolfin_live_api_key", label: "true_positive" }]);
    expect(await leakEvents(live.key.id)).toHaveLength(1);
  });

  it("strangers' and malformed tokens are false positives and write nothing", async () => {
    const before = await db.auditEvent.count({ where: { action: "apiKey.reportedLeaked" } });
    const outbox = await db.emailOutbox.count();
    const tokens = [generateKey("Live").rawKey, generateKey("Sandbox").rawKey, "ghp_somebodyelse", ""];
    const r = await report(tokens.map((token) => ({ token, type: "dolfin_live_api_key" })));
    expect(r.status).toBe(200);
    expect(r.body.map((f: { label: string }) => f.label)).toEqual(["false_positive", "false_positive", "false_positive", "false_positive"]);
    expect(await db.auditEvent.count({ where: { action: "apiKey.reportedLeaked" } })).toBe(before);
    expect(await db.emailOutbox.count()).toBe(outbox);
    expect((await report([])).body).toEqual([]);
  });

  it("refuses anything not signed by a key in GitHub's list: 401, nothing revoked", async () => {
    const t = await makeTenant("Live");
    const body = JSON.stringify([{ token: t.key.rawKey, type: "dolfin_live_api_key", url: "https://github.com/x/y", source: "content" }]);
    const cases: [Record<string, string>, string][] = [
      [{}, "SecretScanning.SignatureRequired"],
      [{ "github-public-key-identifier": KEY_ID }, "SecretScanning.SignatureRequired"],
      [signed(body, forger.privateKey), "SecretScanning.InvalidSignature"], // GitHub's identifier, another key
      [signed(body.replace("content", "commit")), "SecretScanning.InvalidSignature"], // signed over other bytes
      [{ ...signed(body), "github-public-key-signature": "bm90IGEgc2lnbmF0dXJl" }, "SecretScanning.InvalidSignature"],
    ];
    for (const [headers, code] of cases) {
      const r = await post(app, body, headers);
      expect(r.status, code).toBe(401);
      expect(r.body.code).toBe(code);
    }
    // An identifier not in the list fetched within the minute: maybe one GitHub has just published; come back after Retry-After.
    const later = await post(app, body, signed(body, github.privateKey, "f".repeat(64)));
    expect(later.status).toBe(503);
    expect(later.body.code).toBe("SecretScanning.KeyNotYetKnown");
    expect(Number(later.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await keyRow(t.key.id)).revokedAt).toBeNull();
    expect(await leakEvents(t.key.id)).toHaveLength(0);
  });

  it("unknown identifiers never make us fetch GitHub's list more than once a minute", async () => {
    await report([]); // the list is in memory
    const before = keyFetches;
    for (let i = 0; i < 10; i++) {
      const body = `[{"token":"x${i}","type":"dolfin_live_api_key"}]`;
      expect([401, 503]).toContain((await post(app, body, signed(body, github.privateKey, `unknown-${uid()}`))).status);
    }
    expect(keyFetches - before).toBeLessThanOrEqual(1); // one refresh at most, if the last fetch is a minute old by now
  });

  it("a signed body that is not a report is 400; a body over 1 MiB is 413; nothing revoked", async () => {
    for (const [body, code] of [
      ['{"token":"x"}', "Request.Invalid"],
      ['[{"type":"dolfin_live_api_key"}]', "Request.Invalid"],
      ["[{]", "Request.MalformedJson"],
    ] as const) {
      const r = await post(app, body, signed(body));
      expect(r.status, body).toBe(400);
      expect(r.body.code).toBe(code);
    }
    const huge = JSON.stringify([{ token: "x".repeat(1024 * 1024), type: "dolfin_live_api_key" }]);
    const r = await post(app, huge, signed(huge));
    expect(r.status).toBe(413);
    expect(r.body.code).toBe("Request.TooLarge");
  });

  it("failed signatures are limited per address; GitHub's own reports are not", async () => {
    const forgerIp = address();
    const body = "[]";
    for (let i = 0; i < FAILURES_PER_MINUTE; i++) expect((await post(app, body, signed(body, forger.privateKey), forgerIp)).status).toBe(401);
    expect((await post(app, body, signed(body, forger.privateKey), forgerIp)).status).toBe(429); // the failure past the budget
    const blocked = await post(app, body, signed(body), forgerIp); // then the address is refused before any check
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe("RateLimit.Exceeded");
    const githubIp = address();
    for (let i = 0; i < FAILURES_PER_MINUTE + 3; i++) expect((await report([{ token: "x", type: "dolfin_live_api_key" }], githubIp)).status).toBe(200);
  });

  it("a made-up identifier once a minute does not make GitHub's newly published key fail: its reports get 503 to retry, never a failure; the old key still works", async () => {
    const t = await makeTenant("Live");
    const attacker = address();
    const first = await post(rot, "[]", signed("[]", forger.privateKey, `made-up-${uid()}`), attacker); // fetches the list: not in it
    expect(first.status).toBe(401);
    expect(first.body.code).toBe("SecretScanning.UnknownKey");
    expect(rotFetches).toBe(1);
    for (let i = 0; i < FAILURES_PER_MINUTE; i++) {
      const again = await post(rot, "[]", signed("[]", forger.privateKey, `made-up-${uid()}`), attacker); // within the minute: not fetched, not a failure
      expect(again.status).toBe(503);
      expect(again.body.code).toBe("SecretScanning.KeyNotYetKnown");
    }
    rotList.push({ key_identifier: ROTATED_ID, key: rotation.publicKey.export({ type: "spki", format: "pem" }).toString(), is_current: true }); // GitHub rotates
    const githubIp = address();
    const body = JSON.stringify([{ token: t.key.rawKey, type: "dolfin_live_api_key", url: "https://github.com/x/rotated", source: "content" }]);
    for (let i = 0; i < UNVERIFIED_PER_MINUTE; i++) {
      const r = await post(rot, body, signed(body, rotation.privateKey, ROTATED_ID), githubIp);
      expect(r.status).toBe(503); // not 401, not counted: GitHub retries
      expect(r.body.code).toBe("SecretScanning.KeyNotYetKnown");
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(Number(r.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    }
    expect(rotFetches).toBe(1); // still at most once a minute
    expect((await keyRow(t.key.id)).revokedAt).toBeNull();
    // The same address's report signed with the key it had: verified and revoked, not refused.
    const old = await post(rot, body, signed(body), githubIp);
    expect(old.status).toBe(200);
    expect(old.body[0].label).toBe("true_positive");
    expect((await keyRow(t.key.id)).revokedReason).toBe("Leaked");
    // The attacker's unknown identifiers never spent its failures (3): a real bad signature is its first.
    expect((await post(rot, "[]", signed("[]", forger.privateKey), attacker)).status).toBe(401);
  });

  it("with the list unreachable, one address's unverifiable reports are limited and the warning is logged at most once a minute", async () => {
    const warnings = () => cut.logs().split("\n").filter((l) => l.includes("github keys unavailable")).length;
    const ip = address();
    const body = JSON.stringify([{ token: generateKey("Live").rawKey, type: "dolfin_live_api_key" }]);
    const before = warnings();
    const statuses: number[] = [];
    for (let i = 0; i < UNVERIFIED_PER_MINUTE + 3; i++) statuses.push((await post(cut, body, signed(body), ip)).status);
    expect(statuses).toEqual([...Array(UNVERIFIED_PER_MINUTE).fill(503), 429, 429, 429]);
    expect((await post(cut, body, signed(body))).status).toBe(503); // another address is not limited by this one
    expect(warnings()).toBeGreaterThanOrEqual(1);
    expect(warnings() - before).toBeLessThanOrEqual(1);
  });

  it("GitHub's key list unreachable: 503 with a clear code, nothing revoked", async () => {
    const t = await makeTenant("Live");
    const body = JSON.stringify([{ token: t.key.rawKey, type: "dolfin_live_api_key", url: "", source: "content" }]);
    const r = await post(cut, body, signed(body));
    expect(r.status).toBe(503);
    expect(r.body.code).toBe("SecretScanning.KeysUnavailable");
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await keyRow(t.key.id)).revokedAt).toBeNull();
    expect((await fetch(`${cut.url}/api/me`, { headers: { "x-dolfin-api-key": t.key.rawKey, "x-forwarded-for": address() } })).status).toBe(200);
  });

  it("delivers apiKey.leaked, signed, to the Client's webhook endpoints, with where the key was found", async () => {
    const t = await makeTenant("Live");
    const got: { headers: Record<string, string>; body: string }[] = [];
    let arrived: () => void = () => {};
    const delivered = new Promise<void>((r) => (arrived = r));
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        got.push({ headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(204).end();
        arrived();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
      const ep = await api("/api/webhook-endpoints", { token: t.owner.token, body: { url, events: ["apiKey.leaked"] } });
      expect(ep.status).toBe(201);
      const r = await report([{ token: t.key.rawKey, type: "dolfin_live_api_key", url: "https://github.com/octocat/leak/blob/1/config.yml", source: "commit" }]);
      expect(r.body[0].label).toBe("true_positive");
      await delivered;
      expect(got).toHaveLength(1);
      const event = new Webhook(ep.body.secret).verify(got[0].body, got[0].headers) as { type: string; data: Record<string, unknown> };
      expect(event).toMatchObject({
        type: "apiKey.leaked",
        data: { id: t.key.id, clientId: t.client.id, keyPrefix: t.key.keyPrefix, revoked: true, url: "https://github.com/octocat/leak/blob/1/config.yml", source: "commit" },
      });
      expect(got[0].body).not.toContain(t.key.rawKey);
      expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString("base64")}`).verify(got[0].body, got[0].headers)).toThrow(); // signed with this endpoint's secret
    } finally {
      receiver.closeAllConnections();
      receiver.close();
    }
  });

  it("reads at most 2 bodies at once per address and 16 in all: more are refused at once, unread; the bodies under way finish", async () => {
    const body = `[${" ".repeat(2000)}]`; // a report with no matches, sent in two halves
    const half = (ip: string) => {
      const req = http.request(app.url + PATH, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(body.length), "x-forwarded-for": ip, ...signed(body) },
      });
      const answered = new Promise<number>((resolve, reject) => {
        req.on("response", (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode!));
        });
        req.on("error", reject);
      });
      req.write(body.slice(0, 100));
      return { finish: () => (req.end(body.slice(100)), answered) };
    };
    /** Reports from `ip()` until one is refused with `status` (the halves may take a moment to reach their read). */
    const refusedWhileReading = async (ip: () => string, status: number) => {
      await new Promise((res) => setTimeout(res, 300)); // let the halves reach their read first: a report read meanwhile would take a slot
      for (let i = 0; i < 50; i++) {
        const r = await post(app, body, signed(body), ip());
        if (r.status === status) return r;
        expect(r.status).toBe(200);
        await new Promise((res) => setTimeout(res, 20));
      }
      throw new Error(`never ${status}`);
    };

    const ip = address();
    const mine = [half(ip), half(ip)];
    const refused = await refusedWhileReading(() => ip, 429);
    expect(refused.body.code).toBe("RateLimit.Exceeded");
    expect(await Promise.all(mine.map((h) => h.finish()))).toEqual([200, 200]);
    expect((await post(app, body, signed(body), ip)).status).toBe(200); // its slots are free again

    const many = Array.from({ length: 8 }, () => address()).flatMap((a) => [half(a), half(a)]);
    const busy = await refusedWhileReading(address, 503);
    expect(busy.body.code).toBe("Service.Busy");
    expect(Number(busy.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await Promise.all(many.map((h) => h.finish()))).toEqual(Array(16).fill(200));
    expect((await report([])).status).toBe(200);
  });

  it("answers only POST", async () => {
    const r = await fetch(app.url + PATH);
    expect(r.status).toBe(405);
  });
});
