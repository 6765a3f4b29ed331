import { describe, expect, it } from "vitest";
import { clip, inviteEmail, keyReminderEmail, newSignInEmail, SUBJECT_MAX } from "./templates";

describe("bounded names and subjects", () => {
  it("clip cuts at a character count with an ellipsis, never inside a surrogate pair", () => {
    expect(clip("short", 10)).toBe("short");
    expect(clip("abcdefghij", 5)).toBe("abcd…");
    expect(clip("  a \n b  ", 10)).toBe("a b");
    const cut = clip("😀".repeat(10), 4);
    expect(Array.from(cut)).toEqual(["😀", "😀", "😀", "…"]);
    expect(cut.isWellFormed()).toBe(true);
  });

  it("every template's subject stays within SUBJECT_MAX however long the names", () => {
    const long = "Ñ".repeat(200);
    const expiresAt = new Date("2027-01-01T00:00:00Z");
    const invite = inviteEmail({ clientName: long, clientType: "Sandbox", role: "Admin", invitedBy: "Ö".repeat(300), expiresAt });
    expect(Array.from(invite.subject).length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(invite.subject).toMatch(/… invited you to Ñ+… \(Sandbox\) on Dolfin$/);
    expect(invite.text).toContain(long); // the body names the Client in full (bounded at 200)
    for (const kind of ["7d", "1d", "expiredInUse"] as const) {
      const m = keyReminderEmail(kind, { name: "K".repeat(100), keyPrefix: "dol_test_abcdefgh", expiresAt, lastUsedAt: null, clientName: long, clientType: "Sandbox", appUrl: null });
      expect(Array.from(m.subject).length, kind).toBeLessThanOrEqual(SUBJECT_MAX);
      expect(m.subject).toContain("…");
    }
  });

  it("the new sign-in email bounds the person's name and says what, where and what to do", () => {
    const m = newSignInEmail({ name: "<b>" + "N".repeat(400), device: "Firefox on Linux", ip: "198.51.100.7", when: new Date("2027-01-01T10:00:00Z") });
    expect(m.subject).toBe("New sign-in to your Dolfin account: Firefox on Linux");
    expect(m.text).toContain("Firefox on Linux from 198.51.100.7, on Fri, 01 Jan 2027 10:00:00 UTC");
    expect(m.text.split("\n")[0]).toHaveLength("Hello ,".length + 200);
    expect(m.html).not.toContain("<b>N");
    expect(m.text).toMatch(/Your account → “Where you’re signed in”/);
  });
});
