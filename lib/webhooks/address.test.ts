import { describe, expect, it } from "vitest";
import { addressAllowed } from "./address";

describe("webhook target addresses", () => {
  it("allows public unicast addresses", () => {
    for (const ip of ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]) expect(addressAllowed(ip, false), ip).toBe(true);
  });
  it("refuses private, loopback, link-local, unique-local, metadata and reserved addresses", () => {
    const refused = [
      "127.0.0.1", "::1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.100.100.200", "0.0.0.0", "::",
      "224.0.0.1", "255.255.255.255", "fe80::1", "fd00:ec2::254", "fc00::1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:127.0.0.1",
      "192.0.2.1", "198.18.0.1", "not-an-ip",
    ];
    for (const ip of refused) expect(addressAllowed(ip, false), ip).toBe(false);
  });
  it("refuses IPv6 outside global unicast and the forms that embed IPv4 (compatible, NAT64, 6to4, Teredo), and site-local", () => {
    const refused = [
      "::127.0.0.1", "::10.0.0.1", "::169.254.169.254", "::8.8.8.8", "fec0::1", "64:ff9b:1::a9fe:a9fe", "64:ff9b::a9fe:a9fe", "64:ff9b::808:808",
      "2002:7f00:1::1", "2002:a9fe:a9fe::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:db8::1", "100::1", "4000::1",
    ];
    for (const ip of refused) expect(addressAllowed(ip, false), ip).toBe(false);
    for (const ip of ["::127.0.0.1", "fec0::1", "64:ff9b::7f00:1"]) expect(addressAllowed(ip, true), ip).toBe(false);
  });
  it("WEBHOOK_ALLOW_LOOPBACK adds loopback and nothing else", () => {
    expect(addressAllowed("127.0.0.1", true)).toBe(true);
    expect(addressAllowed("::1", true)).toBe(true);
    for (const ip of ["10.0.0.1", "192.168.1.1", "169.254.169.254", "fd00:ec2::254", "fe80::1"]) expect(addressAllowed(ip, true), ip).toBe(false);
  });
});
