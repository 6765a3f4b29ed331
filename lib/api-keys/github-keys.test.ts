// GitHub's key list: how often it is fetched (never more than once a minute on unknown identifiers,
// whatever a caller sends), what a failure answers, and the signature check itself. A real HTTP
// server on 127.0.0.1 serves the list; the clock is the list's own, moved by hand.
import { generateKeyPairSync, sign } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitHubKeyList, MAX_AGE_MS, MAX_LIST_BYTES, MIN_REFRESH_MS, parseKeyList, verifyGitHubSignature } from "./github-keys";

const pair = () => generateKeyPairSync("ec", { namedCurve: "P-256" });
const pem = (k: ReturnType<typeof pair>) => k.publicKey.export({ type: "spki", format: "pem" }).toString();
const k1 = pair();
const k2 = pair();

type Mode = "ok" | "500" | "huge" | "hang" | "garbage";
let mode: Mode = "ok";
let listed: { id: string; key: ReturnType<typeof pair> }[] = [];
let server: http.Server;
let base = "";

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    if (mode === "500") return res.writeHead(500).end("down");
    if (mode === "hang") return; // never answers
    if (mode === "garbage") return res.writeHead(200, { "content-type": "application/json" }).end("<html>");
    if (mode === "huge") return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ public_keys: [], pad: "x".repeat(MAX_LIST_BYTES) }));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ public_keys: listed.map((k, i) => ({ key_identifier: k.id, key: pem(k.key), is_current: i === 0 })) }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function list() {
  let now = 1_000_000;
  const l = new GitHubKeyList({ url: `${base}/keys`, now: () => now, timeoutMs: 300 });
  return { l, advance: (ms: number) => (now += ms) };
}

describe("the key list's fetches", () => {
  it("fetches on first use, then answers known identifiers from memory", async () => {
    mode = "ok";
    listed = [{ id: "k1", key: k1 }];
    const { l, advance } = list();
    expect((await l.lookup("k1")).status).toBe("found");
    advance(MAX_AGE_MS - 1);
    expect((await l.lookup("k1")).status).toBe("found");
    expect(l.fetches).toBe(1);
  });

  it("an unknown identifier refetches at most once a minute, however many arrive", async () => {
    mode = "ok";
    listed = [{ id: "k1", key: k1 }];
    const { l, advance } = list();
    await l.lookup("k1");
    listed = [{ id: "k1", key: k1 }, { id: "k2", key: k2 }]; // GitHub rotates
    for (let i = 0; i < 20; i++) expect(await l.lookup(`forged-${i}`)).toMatchObject({ status: "unavailable", reason: "refreshTooSoon" });
    expect(await l.lookup("k2")).toMatchObject({ status: "unavailable", reason: "refreshTooSoon", retryAfterSeconds: 60 }); // not fetched: maybe new, come back
    expect(l.fetches).toBe(1);
    advance(MIN_REFRESH_MS);
    expect((await l.lookup("k2")).status).toBe("found");
    expect(l.fetches).toBe(2);
    expect((await l.lookup("forged-again")).status).toBe("unavailable");
    expect(l.fetches).toBe(2);
    advance(MIN_REFRESH_MS);
    expect((await l.lookup("forged-again")).status).toBe("unknown"); // fetched for this lookup, and not there
    expect(l.fetches).toBe(3);
  });

  it("a made-up identifier once a minute cannot make GitHub's newly published key unknown: its reports are told to come back", async () => {
    mode = "ok";
    listed = [{ id: "k1", key: k1 }];
    const { l, advance } = list();
    await l.lookup("k1");
    advance(MIN_REFRESH_MS);
    expect((await l.lookup("made-up")).status).toBe("unknown"); // the attacker's minute: the list is "just fetched"
    advance(1_000);
    listed = [{ id: "k1", key: k1 }, { id: "k2", key: k2 }]; // GitHub publishes k2 a second later
    const told = await l.lookup("k2");
    expect(told).toEqual({ status: "unavailable", reason: "refreshTooSoon", retryAfterSeconds: 59 });
    expect((await l.lookup("k1")).status).toBe("found"); // the old key still verifies meanwhile
    advance(told.status === "unavailable" ? told.retryAfterSeconds * 1000 : 0); // GitHub retries after Retry-After
    expect((await l.lookup("k2")).status).toBe("found");
    expect(l.fetches).toBe(3);
  });

  it("concurrent lookups share one fetch", async () => {
    mode = "ok";
    listed = [{ id: "k1", key: k1 }];
    const { l } = list();
    const all = await Promise.all(Array.from({ length: 10 }, () => l.lookup("k1")));
    expect(all.every((r) => r.status === "found")).toBe(true);
    expect(l.fetches).toBe(1);
  });

  it.each(["500", "huge", "hang", "garbage"] as const)("a list that cannot be had (%s) answers unavailable, and is not asked again within the minute", async (m) => {
    mode = m;
    const { l, advance } = list();
    const first = await l.lookup("k1");
    expect(first).toMatchObject({ status: "unavailable", reason: "unreachable" });
    expect(first.status === "unavailable" && first.retryAfterSeconds).toBe(60);
    expect(l.lastError).toBeTruthy();
    advance(30_000);
    expect(await l.lookup("k1")).toMatchObject({ status: "unavailable", retryAfterSeconds: 30 });
    expect(l.fetches).toBe(1);
    mode = "ok";
    listed = [{ id: "k1", key: k1 }];
    advance(30_000);
    expect((await l.lookup("k1")).status).toBe("found");
    expect(l.fetches).toBe(2);
  });

  it("an hour-old list is refreshed; when GitHub is unreachable the keys we had still verify", async () => {
    mode = "ok";
    listed = [{ id: "k1", key: k1 }];
    const { l, advance } = list();
    await l.lookup("k1");
    advance(MAX_AGE_MS);
    mode = "500";
    expect((await l.lookup("k1")).status).toBe("found");
    expect(l.fetches).toBe(2);
    expect(await l.lookup("k2")).toMatchObject({ status: "unavailable", reason: "unreachable" }); // unknown, and we could not look
    expect(l.fetches).toBe(2);
  });

  it("a key GitHub withdrew stops verifying at the hourly refresh", async () => {
    mode = "ok";
    listed = [{ id: "k1", key: k1 }, { id: "k2", key: k2 }];
    const { l, advance } = list();
    expect((await l.lookup("k2")).status).toBe("found");
    listed = [{ id: "k1", key: k1 }];
    advance(MAX_AGE_MS);
    expect((await l.lookup("k2")).status).toBe("unknown");
  });
});

describe("parsing the list and checking a signature", () => {
  it("keeps only P-256 public keys", () => {
    const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey.export({ type: "spki", format: "pem" }).toString();
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" }).toString();
    const keys = parseKeyList(
      JSON.stringify({
        public_keys: [
          { key_identifier: "good", key: pem(k1), is_current: true },
          { key_identifier: "p384", key: p384 },
          { key_identifier: "rsa", key: rsa },
          { key_identifier: "junk", key: "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----" },
          { key_identifier: 7, key: pem(k1) },
          null,
        ],
      }),
    );
    expect([...keys.keys()]).toEqual(["good"]);
    expect(() => parseKeyList(JSON.stringify({ keys: [] }))).toThrow();
  });

  it("verifies ECDSA P-256/SHA-256 DER over the exact bytes, nothing else", () => {
    const body = Buffer.from('[{"token":"x","type":"dolfin_live_api_key","url":"","source":"content"}]');
    const sig = sign("sha256", body, { key: k1.privateKey, dsaEncoding: "der" }).toString("base64");
    const key = parseKeyList(JSON.stringify({ public_keys: [{ key_identifier: "a", key: pem(k1) }, { key_identifier: "b", key: pem(k2) }] }));
    expect(verifyGitHubSignature(key.get("a")!, body, sig)).toBe(true);
    expect(verifyGitHubSignature(key.get("b")!, body, sig)).toBe(false); // another key
    expect(verifyGitHubSignature(key.get("a")!, Buffer.from(body.toString().replace("content", "commit")), sig)).toBe(false);
    expect(verifyGitHubSignature(key.get("a")!, Buffer.concat([body, Buffer.from(" ")]), sig)).toBe(false); // one byte more
    expect(verifyGitHubSignature(key.get("a")!, body, "not base64!")).toBe(false);
    expect(verifyGitHubSignature(key.get("a")!, body, Buffer.from("short").toString("base64"))).toBe(false);
    const p1363 = sign("sha256", body, { key: k1.privateKey, dsaEncoding: "ieee-p1363" }).toString("base64");
    expect(verifyGitHubSignature(key.get("a")!, body, p1363)).toBe(false); // GitHub sends DER
  });
});
