// Which addresses a webhook may reach (no I/O; lib/webhooks/target.ts applies it after DNS).
import ipaddr from "ipaddr.js";

/** Global unicast IPv6 (RFC 4291): everything outside it (IPv4-compatible ::/96, NAT64 64:ff9b::/96 and 64:ff9b:1::/48, site-local fec0::/10, ...) is refused. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR("2000::/3");

/**
 * Public unicast only: never private, loopback, link-local (169.254.169.254, the cloud metadata address),
 * unique-local (fd00:ec2::254), carrier-grade NAT (100.100.100.200), multicast, reserved or unspecified.
 * IPv6 must be global unicast (2000::/3) and not one of ipaddr.js's special ranges inside it (6to4 2002::/16
 * and Teredo 2001::/32, which embed an IPv4 address, documentation, ORCHID...): so an address that embeds
 * IPv4 is refused unless it is IPv4-mapped (::ffff:a.b.c.d), which is judged as its IPv4 address.
 * `allowLoopback` (WEBHOOK_ALLOW_LOOPBACK, development and tests) adds loopback, and nothing else.
 */
export function addressAllowed(ip: string, allowLoopback: boolean): boolean {
  if (!ipaddr.isValid(ip)) return false;
  // ipaddr.js reads any "::a.b.c.d" as IPv4-mapped; only ::ffff:a.b.c.d is (::a.b.c.d is IPv4-compatible, deprecated).
  if (ip.includes(":") && ip.includes(".") && !/^(0{0,4}:){0,5}:?ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip)) return false;
  const addr = ipaddr.process(ip);
  const range = addr.range();
  if (allowLoopback && range === "loopback") return true;
  if (range !== "unicast") return false;
  return addr.kind() === "ipv4" || (addr as ipaddr.IPv6).match(GLOBAL_UNICAST_V6);
}

export function isLoopbackAddress(ip: string): boolean {
  return ipaddr.isValid(ip) && ipaddr.process(ip).range() === "loopback";
}
