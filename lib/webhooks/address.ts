// Which addresses a webhook may reach (no I/O; lib/webhooks/target.ts applies it after DNS).
import ipaddr from "ipaddr.js";

/**
 * Public unicast only (ipaddr.js ranges): never private, loopback, link-local (169.254.169.254, the cloud
 * metadata address), unique-local (fd00:ec2::254), carrier-grade NAT (100.100.100.200), multicast,
 * reserved or unspecified; an IPv4-mapped IPv6 address is judged as its IPv4 address. `allowLoopback`
 * (WEBHOOK_ALLOW_LOOPBACK, development and tests) adds loopback, and nothing else.
 */
export function addressAllowed(ip: string, allowLoopback: boolean): boolean {
  if (!ipaddr.isValid(ip)) return false;
  const range = ipaddr.process(ip).range();
  return range === "unicast" || (allowLoopback && range === "loopback");
}

export function isLoopbackAddress(ip: string): boolean {
  return ipaddr.isValid(ip) && ipaddr.process(ip).range() === "loopback";
}
