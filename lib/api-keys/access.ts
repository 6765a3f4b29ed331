// What a key may do and from where: the scope catalogue (Dolfin's resources,
// grouped as its product groups them), scope and CIDR parsing, the subset
// rules that stop escalation, and the fast matchers the verification cache
// keeps. Browser-safe (the create form validates with the same code).
import ipaddr from "ipaddr.js";

export const SCOPE_GROUPS = [
  { id: "receivables", label: "Receivables", resources: ["invoices", "creditNotes", "recurringInvoices", "invoiceReminders", "receivables", "customers", "products", "deliveryNotes"] },
  { id: "payables", label: "Payables", resources: ["bills", "supplierCreditNotes", "purchaseOrders", "payables", "suppliers", "spendCategories", "approvalPolicies"] },
  { id: "payments", label: "Payments", resources: ["payments", "bankPayments", "bankDetails", "matching"] },
  { id: "reference", label: "Reference data", resources: ["taxRates", "currencies", "industries"] },
  { id: "platform", label: "Platform", resources: ["organisations", "clients", "clientInvites", "members", "users", "webhooks", "apiKeys", "gmail", "mcp", "agent"] },
] as const;

export type Resource = (typeof SCOPE_GROUPS)[number]["resources"][number];
export const RESOURCES: readonly Resource[] = SCOPE_GROUPS.flatMap((g) => g.resources as readonly Resource[]);
export type Level = "read" | "write";
export type Scope = `${Resource}:${Level}`;
export const ALL_SCOPES: readonly Scope[] = RESOURCES.flatMap((r) => [`${r}:read`, `${r}:write`] as Scope[]);
export const READ_SCOPES: readonly Scope[] = RESOURCES.map((r) => `${r}:read` as Scope);
const KNOWN = new Set<string>(ALL_SCOPES);

/** A scope string's shape: `<resource>:read` or `<resource>:write`. */
export const SCOPE_PATTERN = /^[a-z][A-Za-z]{1,39}:(read|write)$/;

export const MAX_ACCESS_ENTRIES = 50;

/** A human label for a resource name: "creditNotes" -> "Credit notes". */
const LABELS: Record<string, string> = { apiKeys: "API keys", mcp: "MCP", gmail: "Gmail" };
export function resourceLabel(r: string): string {
  if (LABELS[r]) return LABELS[r];
  const words = r.replace(/([A-Z])/g, " $1").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Problems with a scope list, by index (for field errors), or none. Unknown,
 * malformed, duplicate, and a resource named twice (`invoices:read` with
 * `invoices:write`: write includes read) are all refused.
 */
export function scopeProblems(scopes: readonly string[]): { index: number; message: string }[] {
  const out: { index: number; message: string }[] = [];
  const seen = new Map<string, string>();
  scopes.forEach((s, index) => {
    if (!SCOPE_PATTERN.test(s)) return out.push({ index, message: `"${s.slice(0, 60)}" is not a scope: use <resource>:read or <resource>:write, e.g. invoices:read.` });
    if (!KNOWN.has(s)) return out.push({ index, message: `"${s}" is not a Dolfin resource scope.` });
    const [resource] = s.split(":");
    const prev = seen.get(resource);
    if (prev === s) return out.push({ index, message: `"${s}" is listed twice.` });
    if (prev) return out.push({ index, message: `"${s}" and "${prev}" name the same resource: send one (write includes read).` });
    seen.set(resource, s);
  });
  return out;
}

/** Stored and returned in catalogue order, so equal grants compare equal. */
export function sortScopes(scopes: readonly string[]): Scope[] {
  const order = new Map(ALL_SCOPES.map((s, i) => [s, i]));
  return [...scopes].sort((a, b) => (order.get(a as Scope) ?? 0) - (order.get(b as Scope) ?? 0)) as Scope[];
}

/** The level granted on a resource by a scope list (null: full access). */
export function levelOf(scopes: readonly string[] | null, resource: string): Level | null {
  if (scopes === null) return "write";
  if (scopes.includes(`${resource}:write`)) return "write";
  if (scopes.includes(`${resource}:read`)) return "read";
  return null;
}

/** Every permission a scope list allows, write expanded to read: what the verification cache checks against. */
export function expandScopes(scopes: readonly string[]): Set<string> {
  const set = new Set<string>();
  for (const s of scopes) {
    set.add(s);
    if (s.endsWith(":write")) set.add(`${s.slice(0, -6)}:read`);
  }
  return set;
}

/** Does `held` (null: full access) allow `needed`? */
export function allows(held: readonly string[] | null, needed: string): boolean {
  if (held === null) return true;
  const [resource, level] = needed.split(":");
  return held.includes(needed) || (level === "read" && held.includes(`${resource}:write`));
}

export const WRITE_SCOPES: readonly Scope[] = RESOURCES.map((r) => `${r}:write` as Scope);

/**
 * Does a scope list (null: full access) grant what full access grants? Every `:write` scope does: write
 * includes read, so nothing is left that full access could do and it cannot (scopesBeyond counts full
 * access as every write scope). The keyApproval policy treats such a list as full access.
 */
export function grantsFullAccess(scopes: readonly string[] | null): boolean {
  return scopes === null || WRITE_SCOPES.every((s) => scopes.includes(s));
}

/** The scopes of `asked` (null: full access) that `held` does not allow: what an escalation asks beyond. */
export function scopesBeyond(held: readonly string[] | null, asked: readonly string[] | null): string[] {
  if (held === null) return [];
  const wanted = asked ?? WRITE_SCOPES;
  return wanted.filter((s) => !allows(held, s));
}

/** Is `scopes` read-only over the whole catalogue (every resource read, nothing written)? */
export function isReadOnly(scopes: readonly string[] | null): boolean {
  return scopes !== null && scopes.length === READ_SCOPES.length && READ_SCOPES.every((s) => scopes.includes(s));
}

/** "Invoices (write), Customers (read)": a scope list as people read it. */
export function scopeList(scopes: readonly string[]): string {
  return scopes.map((s) => `${resourceLabel(s.split(":")[0])} (${s.split(":")[1]})`).join(", ");
}

/** "Full access", "Read only", "Restricted: 6 resources", "No access". */
export function accessSummary(scopes: readonly string[] | null): string {
  if (scopes === null) return "Full access";
  if (isReadOnly(scopes)) return "Read only";
  if (scopes.length === 0) return "No access";
  return `Restricted: ${scopes.length} resource${scopes.length === 1 ? "" : "s"}`;
}

// ---- IP allowlists ---------------------------------------------------------

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** An IPv4-mapped IPv6 address is the IPv4 address it carries. */
function unmap(a: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return a.kind() === "ipv6" && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a;
}

/**
 * One allowlist entry in canonical form (network address + prefix; a single
 * address gets /32 or /128; IPv4-mapped IPv6 becomes IPv4), or an error.
 */
export function canonicalCidr(entry: string): { ok: true; cidr: string } | { ok: false; message: string } {
  const s = entry.trim();
  const bad = { ok: false as const, message: `"${s.slice(0, 60)}" is not an IP address or CIDR range (e.g. 203.0.113.7, 203.0.113.0/24, 2001:db8::/32).` };
  if (s === "" || s.length > 64) return bad;
  try {
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    let bits: number;
    if (s.includes("/")) {
      const parts = s.split("/");
      if (parts.length !== 2) return bad;
      const [a, p] = parts;
      if (!/^\d{1,3}$/.test(p)) return bad;
      if (!ipaddr.isValid(a)) return bad;
      addr = ipaddr.parse(a);
      bits = Number(p);
      if (bits > (addr.kind() === "ipv4" ? 32 : 128)) return bad;
      if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
        addr = (addr as ipaddr.IPv6).toIPv4Address();
        bits -= 96;
      }
    } else {
      if (!ipaddr.isValid(s)) return bad;
      addr = unmap(ipaddr.parse(s));
      bits = addr.kind() === "ipv4" ? 32 : 128;
    }
    // Strict forms only: no "127.1" or octal shorthands that mean something other than they seem.
    if (addr.kind() === "ipv4" && !ipaddr.IPv4.isValidFourPartDecimal(s.split("/")[0]) && !s.includes(":")) return bad;
    const network = addr.kind() === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${bits}`) : ipaddr.IPv6.networkAddressFromCIDR(`${addr.toString()}/${bits}`);
    return { ok: true, cidr: `${network.toString()}/${bits}` };
  } catch {
    return bad;
  }
}

/** Problems with an allowlist, by index (invalid entries, the same range twice). */
export function cidrProblems(entries: readonly string[]): { index: number; message: string }[] {
  const out: { index: number; message: string }[] = [];
  const seen = new Set<string>();
  entries.forEach((e, index) => {
    const c = canonicalCidr(e);
    if (!c.ok) return out.push({ index, message: c.message });
    if (seen.has(c.cidr)) return out.push({ index, message: `"${e.trim()}" is listed twice (as ${c.cidr}).` });
    seen.add(c.cidr);
  });
  return out;
}

function toRange(cidr: string): Range {
  return ipaddr.parseCIDR(cidr) as Range;
}

/** A parsed allowlist: matching an address costs one parse and a few bit comparisons. */
export type IpMatcher = (ip: string | null) => boolean;

/** A dotted-quad IPv4 address as an unsigned 32-bit number, or -1. The hot path: no regex, no allocation. */
function v4Number(s: string, from = 0): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else return -1;
  }
  return dots === 3 && digits > 0 ? n * 256 + part : -1;
}

export function ipMatcher(cidrs: readonly string[]): IpMatcher {
  if (cidrs.length === 0) return () => true;
  const ranges = cidrs.map(toRange);
  // IPv4 ranges as (network, mask) numbers; IPv6 ranges matched by ipaddr.js (rarer, and longer).
  const v4 = ranges
    .filter((r) => r[0].kind() === "ipv4")
    .map(([a, bits]) => {
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      return [(v4Number(a.toString()) & mask) >>> 0, mask] as const;
    });
  const v6 = ranges.filter((r) => r[0].kind() === "ipv6") as [ipaddr.IPv6, number][];
  const inV4 = (n: number) => {
    for (const [net, mask] of v4) if (((n & mask) >>> 0) === net) return true;
    return false;
  };
  return (ip) => {
    if (ip === null) return false; // a list is set and the address is unknown: refuse
    const n = v4Number(ip);
    if (n >= 0) return inV4(n);
    if (ip.length > 7 && ip.slice(0, 7).toLowerCase() === "::ffff:") {
      const m = v4Number(ip, 7);
      if (m >= 0) return inV4(m);
    }
    if (!ipaddr.IPv6.isValid(ip)) return false;
    const a = unmap(ipaddr.IPv6.parse(ip));
    if (a.kind() === "ipv4") return inV4(v4Number(a.toString()));
    for (const r of v6) if ((a as ipaddr.IPv6).match(r)) return true;
    return false;
  };
}

/** The entries of `child` not inside any range of `parent` (empty parent: anywhere; empty child: anywhere, so beyond any list). */
export function cidrsBeyond(parent: readonly string[], child: readonly string[]): string[] {
  if (parent.length === 0) return [];
  if (child.length === 0) return ["any address"];
  const ranges = parent.map(toRange);
  return child.filter((c) => {
    const [addr, bits] = toRange(c);
    return !ranges.some(([p, pb]) => p.kind() === addr.kind() && bits >= pb && (addr as ipaddr.IPv4).match(p as ipaddr.IPv4, pb));
  });
}

/** Is a canonical CIDR one single address (/32 for IPv4, /128 for IPv6)? */
const isSingle = (c: string) => c.endsWith(c.includes(":") ? "/128" : "/32");

export function ipSummary(cidrs: readonly string[]): string | null {
  if (cidrs.length === 0) return null;
  const ranges = cidrs.filter((c) => !isSingle(c)).length;
  if (ranges === 0) return `${cidrs.length} IP address${cidrs.length === 1 ? "" : "es"}`;
  return `${cidrs.length} IP range${cidrs.length === 1 ? "" : "s"}`;
}

/** A CIDR for display: a single address without its /32 or /128. */
export function displayCidr(c: string): string {
  return isSingle(c) ? c.slice(0, c.lastIndexOf("/")) : c;
}
