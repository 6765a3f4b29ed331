import { describe, expect, it } from "vitest";
import { addressKey } from "./address";

describe("addressKey (the per-address limits' bucket)", () => {
  it("keeps an IPv4 address as it is, and an IPv4-mapped IPv6 address as its IPv4 address", () => {
    expect(addressKey("192.0.2.9")).toBe("192.0.2.9");
    expect(addressKey("::ffff:192.0.2.9")).toBe("192.0.2.9");
    expect(addressKey("::FFFF:192.0.2.9")).toBe("192.0.2.9");
    expect(addressKey("::ffff:c000:209")).toBe("192.0.2.9");
    expect(addressKey("0:0:0:0:0:ffff:192.0.2.9")).toBe("192.0.2.9");
  });

  it("counts an IPv6 address by its /64, however it is written", () => {
    const k = addressKey("2001:db8:1:2::10");
    expect(k).toBe("2001:db8:1:2::/64");
    for (const same of ["2001:db8:1:2::ffff", "2001:0DB8:0001:0002:aaaa:bbbb:cccc:dddd", "[2001:db8:1:2::1]", "2001:db8:1:2::1%eth0", "2001:db8:1:2:0:0:1.2.3.4"]) expect(addressKey(same), same).toBe(k);
    expect(addressKey("2001:db8:1:3::10")).not.toBe(k);
    expect(addressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("fe80::1")).toBe("fe80:0:0:0::/64");
  });

  it("keeps anything that is not an address as it is, and is idempotent", () => {
    expect(addressKey("unknown")).toBe("unknown");
    expect(addressKey("2001:db8:1:2::/64")).toBe("2001:db8:1:2::/64");
    expect(addressKey(addressKey("2001:db8:1:2::10"))).toBe(addressKey("2001:db8:1:2::10"));
  });
});
