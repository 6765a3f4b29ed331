import { describe, expect, it } from "vitest";
import { clip, inviteEmail, keyReminderEmail, leakedKeysEmail, newSignInEmail, SUBJECT_MAX } from "./templates";

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

describe("the leaked-keys email", () => {
  it("bounds names, escapes what the reporter sent, shows only web links, and lists at most 50 keys", () => {
    const key = (i: number) => ({ name: `<i>${"K".repeat(300)}`, keyPrefix: `dol_live_${String(i).padStart(8, "0")}`, url: "https://github.com/o/r/blob/1/.env?<x>", source: "content" });
    const m = leakedKeysEmail({ clientName: "Ñ".repeat(200), clientType: "Sandbox", reporter: "GitHub secret scanning", keys: Array.from({ length: 60 }, (_, i) => key(i)), appUrl: "https://keys.example.com/" });
    expect(Array.from(m.subject).length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(m.subject).toMatch(/^60 API keys of Ñ+… \(Sandbox\) were found in public and revoked$/);
    expect(m.text).toContain("found at https://github.com/o/r/blob/1/.env?<x> (content)");
    expect(m.text).toContain("and 10 more (see the audit log)");
    expect(m.text).toContain("https://keys.example.com/settings/api-keys");
    expect(m.html).not.toContain("<i>");
    expect(m.html).not.toContain("<x>");
    const one = leakedKeysEmail({ clientName: "Acme", clientType: "Live", reporter: "A secret scanner", keys: [{ name: null, keyPrefix: "dol_live_abcdefgh", url: "javascript:alert(1)", source: null }], appUrl: null });
    expect(one.subject).toBe("API key dol_live_abcdefgh… of Acme was found in public and revoked");
    expect(one.text).toContain("- dol_live_abcdefgh…: found in public");
    expect(one.text).not.toContain("javascript:");
  });
});
