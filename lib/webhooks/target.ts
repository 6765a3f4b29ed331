import "server-only";
// Where a webhook may go, and the one way it is sent. https only; every
// address the host resolves to must be public unicast (ipaddr.js ranges: no
// loopback, private, link-local (169.254.169.254, the cloud metadata address),
// unique-local, carrier-grade NAT (100.100.100.200), multicast, reserved...).
// The check runs on create and update and again at every send, after DNS, and
// the request connects to the very address checked (a custom `lookup`, the
// URL's host kept for Host and TLS SNI/certificate), so a name that resolves
// elsewhere the second time (DNS rebinding) cannot slip through.
// WEBHOOK_ALLOW_LOOPBACK=1 (development, tests) also allows loopback, and
// plain http to it; nothing allows private or link-local ranges.
import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { env } from "@/lib/env";
import { ApiError } from "@/lib/http/problem";
import { logger } from "@/lib/log";
import { addressAllowed, isLoopbackAddress } from "./address";
import { URL_MAX } from "./schemas";

export const SEND_TIMEOUT_MS = 10_000;
export const RESPONSE_BODY_MAX = 1024;

export class TargetRefused extends Error {}

const refused = (detail: string) =>
  new ApiError({ status: 400, code: "Webhook.UrlRefused", title: "Webhook URL refused", detail, errors: { url: [detail] } });

const allowed = (ip: string) => addressAllowed(ip, env().WEBHOOK_ALLOW_LOOPBACK);

/** The URL's shape (no DNS): http(s), no credentials, a host. Throws TargetRefused with a sentence. */
function parse(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused("Enter a full URL, like https://hooks.example.com/dolfin.");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && env().WEBHOOK_ALLOW_LOOPBACK)) throw new TargetRefused("The URL must start with https://.");
  if (url.username || url.password) throw new TargetRefused("The URL must not carry a user name or password.");
  if (!url.hostname) throw new TargetRefused("The URL has no host.");
  // What is stored is the normalized URL (percent-encoded): its length is the one that must fit.
  if (url.toString().length > URL_MAX) throw new TargetRefused(`url must be at most ${URL_MAX} characters once encoded (spaces and non-ASCII characters count 3 per byte).`);
  return url;
}

/**
 * One sentence for every refusal after DNS: a host that does not resolve and one that resolves to a
 * non-public address look the same to the caller, and no address is named (the details go to the debug log).
 */
const NOT_PUBLIC = "The URL's host must resolve to public internet addresses only (not private, loopback, link-local or reserved ones).";

/** Resolve once and check every address; the first is the one to connect to. */
async function resolve(url: URL): Promise<{ address: string; family: 4 | 6 }> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: { address: string; family: number }[];
  if (ipaddr.isValid(host)) addresses = [{ address: host, family: host.includes(":") ? 6 : 4 }];
  else {
    try {
      addresses = await dnsLookup(host, { all: true, verbatim: true });
    } catch (err) {
      logger.debug({ host, err: err instanceof Error ? err.message : String(err) }, "webhook host does not resolve");
      throw new TargetRefused(NOT_PUBLIC);
    }
  }
  const bad = addresses.filter((a) => !allowed(a.address));
  if (addresses.length === 0 || bad.length > 0) {
    logger.debug({ host, refused: bad.map((a) => a.address) }, "webhook host refused");
    throw new TargetRefused(NOT_PUBLIC);
  }
  if (url.protocol === "http:" && !addresses.every((a) => isLoopbackAddress(a.address))) throw new TargetRefused("The URL must start with https://.");
  return { address: addresses[0].address, family: addresses[0].family === 6 ? 6 : 4 };
}

/** The check on create and update: `400 Webhook.UrlRefused` naming the field. Returns the URL as stored. */
export async function assertTargetAllowed(raw: string): Promise<string> {
  try {
    const url = parse(raw);
    await resolve(url);
    return url.toString();
  } catch (err) {
    if (err instanceof TargetRefused) throw refused(err.message);
    throw err;
  }
}

export type SendResult = { statusCode: number | null; body: string | null; error: string | null; durationMs: number };

/**
 * POST `body` with `headers` to `rawUrl`, connecting to the address just
 * checked. 10 s for the whole exchange, no redirect followed, at most 1 KB of
 * the answer read. Never throws.
 */
export async function sendWebhook(rawUrl: string, headers: Record<string, string>, body: string): Promise<SendResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let target: { address: string; family: 4 | 6 };
  let url: URL;
  try {
    url = parse(rawUrl);
    target = await resolve(url);
  } catch (err) {
    return { statusCode: null, body: null, error: `Refused: ${err instanceof Error ? err.message : String(err)}`, durationMs: ms() };
  }
  const pinned: LookupFunction = (_host, opts, cb) => {
    if (opts.all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
    else cb(null, target.address, target.family);
  };
  return new Promise<SendResult>((done) => {
    let finished = false;
    const finish = (r: Omit<SendResult, "durationMs">) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      req.destroy();
      done({ ...r, durationMs: ms() });
    };
    const req = (url.protocol === "https:" ? https : http).request(
      url,
      {
        method: "POST",
        lookup: pinned,
        agent: false,
        headers: { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), "user-agent": "Dolfin-Webhooks/1" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const end = () =>
          finish({ statusCode: res.statusCode ?? null, body: Buffer.concat(chunks).subarray(0, RESPONSE_BODY_MAX).toString("utf8").replace(/\uFFFD+$/, ""), error: null });
        res.on("data", (c: Buffer) => {
          chunks.push(c);
          size += c.length;
          if (size >= RESPONSE_BODY_MAX) end();
        });
        res.on("end", end);
        res.on("error", end);
      },
    );
    const timer = setTimeout(() => finish({ statusCode: null, body: null, error: `No answer within ${SEND_TIMEOUT_MS / 1000} s.` }), SEND_TIMEOUT_MS);
    req.on("error", (err) => finish({ statusCode: null, body: null, error: err.message.slice(0, 300) }));
    req.end(body);
  });
}
