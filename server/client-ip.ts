// The true client IP: the socket's address, unless that address is a trusted
// proxy (TRUSTED_PROXIES), in which case X-Forwarded-For is walked from the
// right past trusted hops (proxy-addr). IPv4-mapped IPv6 (::ffff:1.2.3.4)
// becomes plain IPv4.
import type { IncomingMessage } from "node:http";
import ipaddr from "ipaddr.js";
import proxyaddr from "proxy-addr";

export type TrustFn = (addr: string, i: number) => boolean;

/** Compile TRUSTED_PROXIES (comma-separated IPs, CIDRs or proxy-addr names); throws on a bad entry. */
export function compileTrust(list: string): TrustFn {
  const entries = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return entries.length ? proxyaddr.compile(entries) : () => false;
}

export function normalizeIp(addr: string | undefined | null): string | null {
  if (!addr) return null;
  try {
    return ipaddr.process(addr).toString();
  } catch {
    return null;
  }
}

export function clientIpOf(req: IncomingMessage, trust: TrustFn): string | null {
  return normalizeIp(proxyaddr(req, trust));
}

/** Whether the request came straight from a trusted proxy (only then are its X-Forwarded-Host/-Proto believed). */
export function fromTrustedProxy(req: IncomingMessage, trust: TrustFn): boolean {
  const a = normalizeIp(req.socket.remoteAddress);
  return a !== null && trust(a, 0);
}

/**
 * What Next.js's routes see: X-Forwarded-For is exactly the resolved client
 * IP, whatever the client sent; forwarded host and proto survive only from a
 * trusted proxy.
 */
export function rewriteForwardedHeaders(req: IncomingMessage, trust: TrustFn): string | null {
  const ip = clientIpOf(req, trust);
  const trusted = fromTrustedProxy(req, trust);
  delete req.headers["x-real-ip"];
  if (!trusted) {
    delete req.headers["x-forwarded-host"];
    delete req.headers["x-forwarded-proto"];
  }
  if (ip) req.headers["x-forwarded-for"] = ip;
  else delete req.headers["x-forwarded-for"];
  return ip;
}
