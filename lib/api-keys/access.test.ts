import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { displayCidr, ipSummary } from "./access";
import { accessSummary, ALL_SCOPES, allows, canonicalCidr, cidrsBeyond, expandScopes, ipMatcher, READ_SCOPES, scopeProblems, scopesBeyond } from "./access";
import { ROLE_SCOPES } from "@/lib/auth/permissions";

describe("scopes", () => {
  it("the catalogue is Dolfin's resources, read and write each", () => {
    expect(ALL_SCOPES).toContain("invoices:read");
    expect(ALL_SCOPES).toContain("apiKeys:write");
    expect(new Set(ALL_SCOPES).size).toBe(ALL_SCOPES.length);
    expect(ALL_SCOPES.length).toBe(READ_SCOPES.length * 2);
  });

  it("write includes read, never the other way", () => {
    expect(allows(["invoices:write"], "invoices:read")).toBe(true);
    expect(allows(["invoices:read"], "invoices:write")).toBe(false);
    expect(allows(null, "agent:write")).toBe(true);
    expect(allows([], "invoices:read")).toBe(false);
    expect([...expandScopes(["bills:write", "taxRates:read"])].sort()).toEqual(["bills:read", "bills:write", "taxRates:read"]);
  });

  it("what an ask goes beyond: full access asks for every write", () => {
    expect(scopesBeyond(["invoices:write"], ["invoices:read", "bills:read"])).toEqual(["bills:read"]);
    expect(scopesBeyond(null, null)).toEqual([]);
    expect(scopesBeyond(ALL_SCOPES.filter((s) => s.endsWith(":write")), null)).toEqual([]);
    expect(scopesBeyond(["invoices:write"], null).length).toBe(READ_SCOPES.length - 1);
  });

  it("a member's role bound is read only", () => {
    expect(ROLE_SCOPES.Member).toEqual(READ_SCOPES);
    expect(scopesBeyond(ROLE_SCOPES.Member, ["invoices:write"])).toEqual(["invoices:write"]);
    expect(accessSummary(ROLE_SCOPES.Member)).toBe("Read only");
  });

  it("problems name the entry", () => {
    expect(scopeProblems(["invoices:read", "nope:read", "x", "invoices:write"]).map((p) => p.index)).toEqual([1, 2, 3]);
  });

  it("summaries", () => {
    expect(accessSummary(null)).toBe("Full access");
    expect(accessSummary(["invoices:read"])).toBe("Restricted: 1 resource");
    expect(accessSummary([])).toBe("No access");
  });
});

describe("CIDRs", () => {
  it("canonical forms", () => {
    const c = (s: string) => {
      const r = canonicalCidr(s);
      return r.ok ? r.cidr : null;
    };
    expect(c("203.0.113.77/24")).toBe("203.0.113.0/24");
    expect(c("203.0.113.77")).toBe("203.0.113.77/32");
    expect(c("2001:DB8::1")).toBe("2001:db8::1/128");
    expect(c("2001:db8::1/32")).toBe("2001:db8::/32");
    expect(c("::ffff:10.1.2.3")).toBe("10.1.2.3/32");
    expect(c("::ffff:10.1.2.3/104")).toBe("10.0.0.0/8");
    expect(c("0.0.0.0/0")).toBe("0.0.0.0/0");
    for (const bad of ["10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "127.1", "010.0.0.1", "1.2.3.4.5", "::/129", "", "x/8", "10.0.0.0/8/8"]) expect({ bad, r: c(bad) }).toEqual({ bad, r: null });
  });

  it("matching: IPv4, IPv6, mapped; unknown address refused when a list is set", () => {
    const m = ipMatcher(["10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32"]);
    expect(m("10.255.0.1")).toBe(true);
    expect(m("::ffff:10.0.0.1")).toBe(true);
    expect(m("2001:db8:1::1")).toBe(true);
    expect(m("192.0.2.7")).toBe(true);
    expect(m("192.0.2.8")).toBe(false);
    expect(m("11.0.0.1")).toBe(false);
    expect(m(null)).toBe(false);
    expect(m("garbage")).toBe(false);
    for (const bad of ["10.0.0", "10.0.0.1.", "10.0.0.256", "1000.0.0.1", "10..0.1", ".10.0.0", "10.0.0.1x", ""]) expect({ bad, ok: m(bad) }).toEqual({ bad, ok: false });
    expect(m("::FFFF:10.1.2.3")).toBe(true);
    expect(m("::ffff:a01:203")).toBe(true); // the same address written in hex
    expect(ipMatcher(["0.0.0.0/0"])("255.255.255.255")).toBe(true);
    expect(ipMatcher(["128.0.0.0/1"])("127.255.255.255")).toBe(false);
    expect(ipMatcher(["128.0.0.0/1"])("200.1.1.1")).toBe(true);
    expect(ipMatcher([])(null)).toBe(true);
  });

  it("display: single addresses without their prefix, IPv6 /32 is a range", () => {
    expect(displayCidr("10.0.0.1/32")).toBe("10.0.0.1");
    expect(displayCidr("2001:db8::/32")).toBe("2001:db8::/32");
    expect(displayCidr("2001:db8::1/128")).toBe("2001:db8::1");
    expect(ipSummary(["2001:db8::/32"])).toBe("1 IP range");
    expect(ipSummary(["10.0.0.1/32", "::1/128"])).toBe("2 IP addresses");
  });

  it("a child list must lie inside the parent's", () => {
    expect(cidrsBeyond([], [])).toEqual([]);
    expect(cidrsBeyond(["10.0.0.0/8"], [])).toEqual(["any address"]);
    expect(cidrsBeyond(["10.0.0.0/8"], ["10.1.0.0/16", "10.0.0.0/8", "11.0.0.0/8", "0.0.0.0/0"])).toEqual(["11.0.0.0/8", "0.0.0.0/0"]);
    expect(cidrsBeyond(["2001:db8::/32"], ["2001:db8:1::/48", "10.0.0.0/8"])).toEqual(["10.0.0.0/8"]);
  });

  it("the fast IPv4 path agrees with ipaddr.js on random addresses and ranges", () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, net, bits) => {
        const cidr = canonicalCidr(`${net}/${bits}`);
        if (!cidr.ok) return;
        const [a, b] = cidr.cidr.split("/");
        expect(ipMatcher([cidr.cidr])(ip)).toBe(ipaddr.IPv4.parse(ip).match(ipaddr.IPv4.parse(a), Number(b)));
      }),
      { numRuns: 3000, seed: 5 },
    );
  });

  it("random input never throws; whatever is accepted is matched by itself", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.ipV4().map((ip) => `${ip}/${ip.length % 33}`), fc.ipV6(), fc.ipV4()), (s) => {
        const r = canonicalCidr(s);
        if (r.ok) {
          const [addr] = r.cidr.split("/");
          expect(ipMatcher([r.cidr])(addr)).toBe(true);
          expect(canonicalCidr(r.cidr)).toEqual(r);
        }
      }),
      { numRuns: 2000, seed: 11 },
    );
  });
});
