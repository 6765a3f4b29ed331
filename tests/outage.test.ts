// Verification through a database outage, and /metrics. Two instances of our
// server on a database of this file's own, each reaching PostgreSQL through a
// TCP proxy in this process: the proxy can refuse every connection (an outage)
// or only the key-change listener's or only the pool's (told apart by the
// listener's application_name), without touching the machine's PostgreSQL.
// It can also freeze (a silent partition: bytes held, nothing closed), which a
// third instance, C, meets with a short VERIFY_STALE_SECONDS.
import net from "node:net";
import { hash } from "@node-rs/argon2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey } from "@/lib/api-keys/key-format";
import { KEY_EVENTS_APPLICATION } from "@/lib/api-keys/key-events";
import { startServer, type Server } from "../scripts/lib/stack";
import { ownDatabase } from "./helpers";

const SERVICE_TOKEN = "outage-test-service-token-0123456789abcdef";
const METRICS_TOKEN = "outage-test-metrics-token-0123456789abcdef";

type Kind = "listener" | "pool";

type Held = [to: net.Socket, data: Buffer][];

/** A TCP proxy to PostgreSQL that can refuse connections (all of them: the port closes; or one kind: accepted, then cut) or freeze them (bytes held, nothing closed). */
class PgProxy {
  private server: net.Server | null = null;
  private readonly conns = new Set<{ kind: Kind; sockets: net.Socket[]; held: Held }>();
  private readonly blocked: Record<Kind, boolean> = { listener: false, pool: false };
  private readonly frozen: Record<Kind, boolean> = { listener: false, pool: false };
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async start(port = 0): Promise<void> {
    const server = net.createServer((client) => {
      client.on("error", () => {});
      // The first packet is the startup message, which names the application.
      client.once("data", (first) => {
        const kind: Kind = first.includes(KEY_EVENTS_APPLICATION) ? "listener" : "pool";
        if (this.blocked[kind]) return void client.destroy();
        const upstream = net.connect(this.target);
        upstream.on("error", () => client.destroy());
        const conn = { kind, sockets: [client, upstream], held: [] as Held };
        this.conns.add(conn);
        const end = () => {
          this.conns.delete(conn);
          client.destroy();
          upstream.destroy();
        };
        client.on("close", end);
        upstream.on("close", end);
        const forward = (to: net.Socket) => (data: Buffer) => (this.frozen[kind] ? conn.held.push([to, data]) : to.write(data));
        forward(upstream)(first);
        client.on("data", forward(upstream));
        upstream.on("data", forward(client));
      });
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  private cut(kind?: Kind): void {
    for (const c of [...this.conns]) if (!kind || c.kind === kind) c.sockets.forEach((s) => s.destroy());
  }

  /** The database refuses connections: the port closes, open connections are cut. */
  async down(): Promise<void> {
    const s = this.server;
    this.server = null;
    this.cut();
    await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
  }

  async up(): Promise<void> {
    if (!this.server) await this.start(this.port);
  }

  /** Only one kind of connection is refused (cut now, and cut as soon as it connects again). */
  block(kind: Kind): void {
    this.blocked[kind] = true;
    this.cut(kind);
  }

  unblock(kind: Kind): void {
    this.blocked[kind] = false;
  }

  /** A silent partition: every byte of these connections (open ones, and new ones) is held; nothing is closed. */
  freeze(kinds: Kind[] = ["listener", "pool"]): void {
    for (const k of kinds) this.frozen[k] = true;
  }

  /** What was held goes through, in order. */
  thaw(kinds: Kind[] = ["listener", "pool"]): void {
    for (const k of kinds) this.frozen[k] = false;
    for (const c of this.conns) {
      if (!kinds.includes(c.kind)) continue;
      for (const [to, data] of c.held.splice(0)) if (!to.destroyed) to.write(data);
    }
  }
}

let own: Awaited<ReturnType<typeof ownDatabase>>;
let proxyA: PgProxy;
let proxyB: PgProxy;
let proxyC: PgProxy;
let a: Server;
let b: Server;
let c: Server;
/** C's VERIFY_STALE_SECONDS. */
const C_STALE_SECONDS = 3;
let clientId: string;
let bearer: string;

async function call(server: Server, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const r = await fetch(server.url + path, {
    method: init.method ?? (init.body !== undefined ? "POST" : "GET"),
    headers: { ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await r.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text (metrics, pages)
  }
  return { status: r.status, headers: r.headers, body };
}

const verify = (s: Server, key: string) => call(s, "/api/api-keys/verify", { body: { key }, headers: { "x-dolfin-service-token": SERVICE_TOKEN } });
const scrape = (s: Server, token: string | null = METRICS_TOKEN) => call(s, "/metrics", { headers: token === null ? {} : { authorization: `Bearer ${token}` } });

/** One sample's value in a Prometheus text scrape (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const listening = async (s: Server) => sample((await scrape(s)).body, "dolfin_key_events_listening") === 1;

async function newKey(name: string) {
  const k = generateKey("Live");
  const row = await own.db.apiKey.create({ data: { clientId, keyPrefix: k.keyPrefix, keyHash: k.keyHash, name } });
  return { id: row.id, raw: k.rawKey };
}

beforeAll(async () => {
  own = await ownDatabase("outage");
  const url = new URL(own.url);
  const target = { host: url.hostname, port: Number(url.port || 5432) };
  proxyA = new PgProxy(target);
  proxyB = new PgProxy(target);
  proxyC = new PgProxy(target);
  await Promise.all([proxyA.start(), proxyB.start(), proxyC.start()]);
  const via = (p: PgProxy) => {
    const u = new URL(own.url);
    u.hostname = "127.0.0.1";
    u.port = String(p.port);
    return u.toString();
  };
  const client = await own.db.client.create({ data: { name: "Outage Co", type: "Live" } });
  clientId = client.id;
  const user = await own.db.user.create({ data: { email: "owner@outage.test", name: "Owner", passwordHash: await hash("outage test password") } });
  await own.db.clientMember.create({ data: { clientId, userId: user.id, role: "Owner" } });
  const env = {
    VERIFY_SERVICE_TOKENS: SERVICE_TOKEN,
    METRICS_TOKEN,
    RATE_LIMIT_SIGN_IN_FAILURES_PER_MINUTE: "100000",
    RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "100000",
    LOG_LEVEL: "warn",
  };
  const authSecret = "outage-test-secret-0123456789abcdefghij";
  [a, b, c] = await Promise.all([
    startServer({ databaseUrl: via(proxyA), authSecret, env }),
    startServer({ databaseUrl: via(proxyB), authSecret, env }),
    startServer({ databaseUrl: via(proxyC), authSecret, env: { ...env, VERIFY_STALE_SECONDS: String(C_STALE_SECONDS) } }),
  ]);
  const t = await call(a, "/api/auth/token", { body: { email: "owner@outage.test", password: "outage test password" } });
  expect(t.status).toBe(200);
  bearer = t.body.token;
  await until("the instances listening", async () => (await listening(a)) && (await listening(b)) && (await listening(c)));
}, 120_000);

afterAll(async () => {
  proxyC?.thaw();
  await Promise.all([proxyA?.up(), proxyB?.up(), proxyC?.up()]);
  await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
  await own?.drop();
}, 60_000);

describe("/metrics", () => {
  it("answers only with the token (else 404, like any unknown path), in Prometheus text, and its counters move with verifications", async () => {
    for (const token of [null, "wrong-token-of-the-right-length-0123456789", METRICS_TOKEN.slice(0, -1)]) {
      const r = await scrape(a, token);
      expect(r.status).toBe(404);
      expect(String(r.body)).not.toContain("dolfin_");
    }
    const before = await scrape(a);
    expect(before.status).toBe(200);
    expect(before.headers.get("content-type")).toContain("text/plain");
    expect(before.body).toContain("# TYPE dolfin_verifications_total counter");
    expect(before.body).toContain("# TYPE dolfin_verification_duration_seconds histogram");
    expect(before.body).toContain("process_cpu_seconds_total"); // the default process metrics
    expect(sample(before.body, "dolfin_key_events_listening")).toBe(1);
    expect(sample(before.body, "dolfin_outbox_backlog", { kind: "email" })).toBe(0);
    // Other files' deliveries may be waiting on this shared database: the series is there, a count.
    expect(before.body).toMatch(/^dolfin_outbox_backlog\{kind="webhook"\} \d+$/m);

    const k = await newKey("metrics");
    const unknown = generateKey("Live").rawKey;
    for (let i = 0; i < 3; i++) expect((await verify(a, k.raw)).body.valid).toBe(true);
    expect((await verify(a, unknown)).body.code).toBe("ApiKey.Invalid");
    expect((await call(a, "/api/me", { headers: { "x-dolfin-api-key": k.raw } })).status).toBe(200);
    expect((await call(a, `/api/api-keys/${k.id}`, { headers: { authorization: `Bearer ${bearer}` } })).status).toBe(200);

    const after = (await scrape(a)).body;
    const diff = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before.body, name, labels);
    expect(diff("dolfin_verifications_total", { path: "verify_api", outcome: "valid" })).toBe(3);
    expect(diff("dolfin_verifications_total", { path: "verify_api", outcome: "ApiKey.Invalid" })).toBe(1);
    expect(diff("dolfin_verifications_total", { path: "routes", outcome: "valid" })).toBe(1);
    expect(diff("dolfin_verification_duration_seconds_count", { path: "verify_api" })).toBe(4);
    expect(diff("dolfin_verify_cache_misses_total")).toBeGreaterThanOrEqual(2); // the new key's first lookup, the unknown key's
    expect(diff("dolfin_verify_cache_hits_total")).toBeGreaterThanOrEqual(3);
    expect(diff("dolfin_http_requests_total", { route: "/api/api-keys/verify", status: "200" })).toBe(4);
    expect(diff("dolfin_http_requests_total", { route: "/api/me", status: "200" })).toBe(1);
    // Ids never become labels.
    expect(diff("dolfin_http_requests_total", { route: "/api/api-keys/{id}", status: "200" })).toBe(1);
    expect(after).not.toContain(k.id);
  });

  it("made-up paths never fill the route labels: an error on a path without a label counts as unmatched, real routes keep theirs", async () => {
    const letters = () => Array.from({ length: 12 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");
    const before = (await scrape(a)).body;
    const junk = Array.from({ length: 40 }, () => `/api/api-keys/z${letters()}`);
    for (const path of junk) expect((await call(a, path)).status).toBe(401);
    // An id-like segment (digits) is the route's {id}, not a label of its own.
    expect((await call(a, `/api/api-keys/z${Date.now()}`)).status).toBe(401);
    expect((await call(a, "/api/me", { headers: { authorization: `Bearer ${bearer}` } })).status).toBe(200);
    const after = (await scrape(a)).body;
    for (const path of junk) expect(after).not.toContain(path);
    expect(after).not.toMatch(/route="\/api\/api-keys\/z/);
    expect(sample(after, "dolfin_http_requests_total", { route: "unmatched", status: "401" }) - sample(before, "dolfin_http_requests_total", { route: "unmatched", status: "401" })).toBeGreaterThanOrEqual(40);
    expect(sample(after, "dolfin_http_requests_total", { route: "/api/me", status: "200" }) - sample(before, "dolfin_http_requests_total", { route: "/api/me", status: "200" })).toBe(1);
    expect(sample(after, "dolfin_http_requests_total", { route: "other", status: "401" })).toBe(0);
  });
});

describe("a database outage", () => {
  it("while PostgreSQL refuses connections, keys verified a moment earlier keep verifying on both instances (marked stale); unknown keys and writes get 503", async () => {
    const warm = await newKey("warm");
    const unknown = generateKey("Live").rawKey;
    for (const s of [a, b]) {
      expect((await verify(s, warm.raw)).body.valid).toBe(true);
      expect((await call(s, "/api/me", { headers: { "x-dolfin-api-key": warm.raw } })).status).toBe(200);
    }
    const staleBefore = sample((await scrape(a)).body, "dolfin_verifications_stale_total", { path: "verify_api" });
    await Promise.all([proxyA.down(), proxyB.down()]);
    // Until an instance notices its connections are gone, its cache still answers (fresh, as any cache hit); then stale.
    const seen = { valid: 0, stale: 0, other: [] as string[] };
    try {
      const end = Date.now() + 5_000;
      while (Date.now() < end) {
        for (const s of [a, b]) {
          const r = await verify(s, warm.raw);
          if (r.status === 200 && r.body.valid === true) {
            seen.valid++;
            if (r.headers.get("x-dolfin-verification") === "stale") seen.stale++;
          } else seen.other.push(`${r.status} ${JSON.stringify(r.body)}`);
        }
      }
      for (const s of [a, b]) {
        const me = await call(s, "/api/me", { headers: { "x-dolfin-api-key": warm.raw } });
        expect(me.status).toBe(200);
        expect(me.headers.get("x-dolfin-verification")).toBe("stale");
        const u = await verify(s, unknown);
        expect(u.status).toBe(503);
        expect(u.body.code).toBe("Service.Unavailable");
        expect((await call(s, "/api/api-keys", { body: {}, headers: { authorization: `Bearer ${bearer}` } })).status).toBe(503);
      }
      const m = (await scrape(a)).body;
      expect(sample(m, "dolfin_key_events_listening")).toBe(0);
      expect(sample(m, "dolfin_verifications_stale_total", { path: "verify_api" }) - staleBefore).toBeGreaterThan(0);
      expect(sample(m, "dolfin_verifications_total", { path: "verify_api", outcome: "unavailable" })).toBeGreaterThan(0);
    } finally {
      await Promise.all([proxyA.up(), proxyB.up()]);
    }
    console.log(`during the outage: ${seen.valid} valid answers (${seen.stale} of them stale), ${seen.other.length} others`);
    expect(seen.other).toEqual([]);
    expect(seen.stale).toBeGreaterThan(0);
    expect(seen.valid - seen.stale).toBeLessThan(seen.stale);
    // Back: fresh answers again.
    for (const s of [a, b]) {
      await until("fresh answers", async () => {
        const r = await verify(s, warm.raw);
        return r.status === 200 && r.body.valid === true && r.headers.get("x-dolfin-verification") === null;
      });
    }
    await until("both instances listening", async () => (await listening(a)) && (await listening(b)));
  }, 60_000);

  it("a key revoked while B could not hear is refused by B as soon as it hears again, even before its pool is back (the change log is read back)", async () => {
    const revoked = await newKey("revoked while B was away");
    const warm = await newKey("still good");
    for (const k of [revoked, warm]) expect((await verify(b, k.raw)).body.valid).toBe(true);
    // B loses the database entirely; A hears the revocation, B cannot.
    await proxyB.down();
    try {
      await until("B to notice", async () => !(await listening(b)));
      await own.db.apiKey.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
      await until("A refuses it", async () => (await verify(a, revoked.raw)).body.code === "ApiKey.Revoked");
      // B still answers from what it last knew (the outage's trade-off, VERIFY_STALE_SECONDS), and says so.
      expect((await verify(b, revoked.raw)).headers.get("x-dolfin-verification")).toBe("stale");
      // B's listener comes back, its pool does not: what changed is read back before anything is served as current.
      proxyB.block("pool");
      await proxyB.up();
      await until("B listening again", () => listening(b));
      const r = await verify(b, revoked.raw);
      expect(r.status).toBe(503); // no last verdict to serve any more: unknown, as far as B can tell
      const w = await verify(b, warm.raw);
      expect(w.body.valid).toBe(true); // an unchanged key still verifies from its last verdict
      expect(w.headers.get("x-dolfin-verification")).toBe("stale");
    } finally {
      proxyB.unblock("pool");
      await proxyB.up();
    }
    const back = await verify(b, revoked.raw);
    expect(back.body).toEqual({ valid: false, code: "ApiKey.Revoked" });
    expect(back.headers.get("x-dolfin-verification")).toBeNull();
  }, 60_000);

  it("while only the listener is down (the database answers), nothing stale is served and a revocation is felt through the lookups", async () => {
    const k = await newKey("listener down");
    expect((await verify(b, k.raw)).body.valid).toBe(true);
    proxyB.block("listener");
    try {
      await until("B not listening", async () => !(await listening(b)));
      await own.db.apiKey.update({ where: { id: k.id }, data: { revokedAt: new Date() } });
      // Entries live 750 ms while the channel is down: the revocation is read within a second.
      await until("B refuses it", async () => (await verify(b, k.raw)).body.code === "ApiKey.Revoked", 5_000);
      const r = await verify(b, k.raw);
      expect(r.headers.get("x-dolfin-verification")).toBeNull();
    } finally {
      proxyB.unblock("listener");
    }
    await until("B listening again", () => listening(b));
  }, 60_000);

  it("a silent partition (C's connections frozen: bytes held, no reset): C stops listening, and a key revoked elsewhere stops verifying on C within a heartbeat and VERIFY_STALE_SECONDS", async () => {
    const k = await newKey("revoked during a freeze");
    expect((await verify(c, k.raw)).body.valid).toBe(true); // cached, and C's last verdict
    proxyC.freeze();
    let answers: string[] = [];
    try {
      await own.db.apiKey.update({ where: { id: k.id }, data: { revokedAt: new Date() } });
      await until("A refuses it", async () => (await verify(a, k.raw)).body.code === "ApiKey.Revoked");
      // C hears nothing (nor is told it is cut off): its heartbeat goes unanswered, the window runs out from the last one answered.
      await until(
        "C to stop calling it valid",
        async () => {
          const r = await verify(c, k.raw);
          answers.push(`${r.status} ${r.headers.get("x-dolfin-verification") ?? "fresh"} ${r.body.valid ?? r.body.code}`);
          return r.body.valid !== true;
        },
        (C_STALE_SECONDS + 10) * 1000,
      );
      expect(sample((await scrape(c)).body, "dolfin_key_events_listening")).toBe(0);
      // And it stays so while frozen: no last verdict is served any more, the database cannot answer (503).
      answers = [];
      for (let i = 0; i < 3; i++) {
        const r = await verify(c, k.raw);
        answers.push(`${r.status} ${r.body.valid ?? r.body.code}`);
      }
      expect(answers).toEqual(Array(3).fill("503 Service.Unavailable"));
    } finally {
      proxyC.thaw();
    }
    await until("C listening again", () => listening(c), 30_000);
    await until("C refuses it, fresh", async () => {
      const r = await verify(c, k.raw);
      return r.body.code === "ApiKey.Revoked" && r.headers.get("x-dolfin-verification") === null;
    });
  }, 60_000);

  it("a revocation C's listener never heard (its bytes held) is not served valid once C's database is cut", async () => {
    const k = await newKey("revoked, unheard");
    expect((await verify(c, k.raw)).body.valid).toBe(true);
    proxyC.freeze(["listener"]);
    try {
      // The frozen listener is noticed (unanswered heartbeat): entries live briefly, lookups read the revocation.
      await until("C not listening", async () => !(await listening(c)));
      await own.db.apiKey.update({ where: { id: k.id }, data: { revokedAt: new Date() } });
      await until("C refuses it", async () => (await verify(c, k.raw)).body.code === "ApiKey.Revoked", 10_000);
      await proxyC.down();
      // Past C's whole stale window: never valid (its last verdict is the revocation; then nothing, 503).
      const seen = new Set<string>();
      const end = Date.now() + (C_STALE_SECONDS + 1) * 1000;
      while (Date.now() < end) {
        const r = await verify(c, k.raw);
        seen.add(`${r.status} ${r.body.valid ?? r.body.code}`);
      }
      expect([...seen].filter((x) => x.endsWith("true"))).toEqual([]);
      expect(seen.size).toBeGreaterThan(0);
    } finally {
      proxyC.thaw();
      await proxyC.up();
    }
    await until("C listening again", () => listening(c), 30_000);
  }, 60_000);
});
