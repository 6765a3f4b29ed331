// The true client IP: the socket's address, unless that address is a trusted
// proxy (TRUSTED_PROXIES), in which case X-Forwarded-For is walked from the
// right past trusted hops (proxy-addr). IPv4-mapped IPv6 (::ffff:1.2.3.4)
// becomes plain IPv4.
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
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

/** A connection's peer never changes: its address and whether it is a trusted proxy are worked out once per socket. */
type Peer = { addr: string | null; trusted: boolean; trust: TrustFn };
const PEER = Symbol("dolfin.peer");
type PeerSocket = Socket & { [PEER]?: Peer };

function peerOf(socket: PeerSocket, trust: TrustFn): Peer {
  let p = socket[PEER];
  if (p === undefined || p.trust !== trust) {
    const addr = normalizeIp(socket.remoteAddress);
    p = { addr, trusted: addr !== null && trust(addr, 0), trust };
    socket[PEER] = p;
  }
  return p;
}

/** The client's address: the peer's own, or, from a trusted proxy, X-Forwarded-For walked past trusted hops. */
export function clientIpOf(req: IncomingMessage, trust: TrustFn): string | null {
  const peer = peerOf(req.socket, trust);
  return peer.trusted ? normalizeIp(proxyaddr(req, trust)) : peer.addr;
}

/** Whether the request came straight from a trusted proxy (only then are its X-Forwarded-Host/-Proto believed). */
export function fromTrustedProxy(req: IncomingMessage, trust: TrustFn): boolean {
  return peerOf(req.socket, trust).trusted;
}

/**
 * What Next.js's routes see: X-Forwarded-For is exactly the resolved client
 * IP, whatever the client sent; forwarded host and proto survive only from a
 * trusted proxy. (Headers are deleted only when present: on the hot path,
 * most requests carry none of them.)
 */
export function rewriteForwardedHeaders(req: IncomingMessage, trust: TrustFn): string | null {
  const h = req.headers;
  const ip = clientIpOf(req, trust);
  if (h["x-real-ip"] !== undefined) delete h["x-real-ip"];
  if (!fromTrustedProxy(req, trust)) {
    if (h["x-forwarded-host"] !== undefined) delete h["x-forwarded-host"];
    if (h["x-forwarded-proto"] !== undefined) delete h["x-forwarded-proto"];
  }
  if (ip) h["x-forwarded-for"] = ip;
  else if (h["x-forwarded-for"] !== undefined) delete h["x-forwarded-for"];
  return ip;
}
