// The bucket a client address is counted in by the per-address rate limits (lib/http/rate-limit.ts).
import { isIPv4, isIPv6 } from "node:net";

/**
 * The bucket of a client address for the per-address limits: an IPv4 address is itself (an IPv4-mapped
 * IPv6 address too: ::ffff:192.0.2.9 is 192.0.2.9); an IPv6 address is its /64, the smallest block one
 * subscriber is usually given (so the 2^64 addresses of one network share one budget), written
 * canonically ("2001:db8:0:1::/64"). Anything else (no address known) is kept as it is.
 */
export function addressKey(ip: string): string {
  let a = ip.trim().toLowerCase();
  if (a.startsWith("[") && a.endsWith("]")) a = a.slice(1, -1);
  const zone = a.indexOf("%");
  if (zone >= 0) a = a.slice(0, zone);
  if (isIPv4(a)) return a;
  if (!isIPv6(a)) return ip;
  const [head, tail] = a.includes("::") ? a.split("::") : [a, null];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const last = tail === null ? h : t;
  if (last.length > 0 && last[last.length - 1].includes(".")) {
    const o = last.pop()!.split(".").map(Number);
    last.push(((o[0] << 8) | o[1]).toString(16), ((o[2] << 8) | o[3]).toString(16));
  }
  const g = [...h, ...Array<string>(tail === null ? 0 : 8 - h.length - t.length).fill("0"), ...t].map((x) => parseInt(x, 16));
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(":")}::/64`;
}
