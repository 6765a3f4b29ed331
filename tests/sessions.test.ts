// "Sign out everywhere": POST /api/auth/sessions/end ends every cookie session
// and Bearer token of the user at once; API keys (the Client's) keep working.
import { afterAll, describe, expect, it } from "vitest";
import { api, createKey, db, makeTenant, makeUser, PASSWORD, signInCookie } from "./helpers";

afterAll(() => db.$disconnect());

describe("POST /api/auth/sessions/end", () => {
  it("ends every token and cookie session of the user, not other users', not API keys; signing in again works", async () => {
    const t = await makeTenant();
    const u = await makeUser([[t.client, "Admin"]]);
    const bystander = await makeUser([[t.client, "Admin"]]);
    const second = (await api("/api/auth/token", { body: { email: u.email, password: PASSWORD } })).body.token as string;
    const cookie = await signInCookie(u.email);
    const key = await createKey({ token: u.token }, { name: "made by the user" });
    for (const auth of [{ token: u.token }, { token: second }, { cookie }]) expect((await api("/api/me", auth)).status).toBe(200);

    const end = await api("/api/auth/sessions/end", { token: second, method: "POST" });
    expect(end.status).toBe(204);

    for (const auth of [{ token: u.token }, { token: second }, { cookie }]) {
      const r = await api("/api/me", auth);
      expect([r.status, r.body.code]).toEqual([401, "Auth.SessionEnded"]);
    }
    // The answer says what to do next.
    expect((await api("/api/me", { token: u.token })).body.detail).toMatch(/Sign in again/);
    expect((await api("/api/me", { token: bystander.token })).status).toBe(200);
    expect((await api("/api/me", { apiKey: key.rawKey })).status).toBe(200);
    const fresh = (await api("/api/auth/token", { body: { email: u.email, password: PASSWORD } })).body.token as string;
    expect((await api("/api/me", { token: fresh })).status).toBe(200);
  });

  it("a cookie-authenticated call must come from the app itself, an API key cannot call it, and nobody else's sessions move", async () => {
    const t = await makeTenant();
    const u = await makeUser([[t.client, "Member"]]);
    const cookie = await signInCookie(u.email);
    const foreign = await api("/api/auth/sessions/end", { cookie, method: "POST", headers: { origin: "https://evil.example" } });
    expect([foreign.status, foreign.body.code]).toEqual([403, "Request.CrossOrigin"]);
    const viaKey = await api("/api/auth/sessions/end", { apiKey: t.key.rawKey, method: "POST" });
    expect([viaKey.status, viaKey.body.code]).toEqual([403, "Auth.NotUserScopedToken"]);
    expect((await db.user.findUniqueOrThrow({ where: { id: u.id } })).sessionVersion).toBe(0);
    // A Member may end their own sessions (it is about them, not the Client).
    const own = await api("/api/auth/sessions/end", { cookie, method: "POST" }); // the helper sends our own Origin
    expect(own.status).toBe(204);
    expect((await db.user.findUniqueOrThrow({ where: { id: u.id } })).sessionVersion).toBe(1);
  });

  it("a person removed from every Client can still end their sessions (cookie or Bearer): a token stolen before stays dead when they are invited again", async () => {
    const t = await makeTenant();
    const u = await makeUser([[t.client, "Member"]]);
    const other = await makeUser([[t.client, "Member"]]);
    const stolen = u.token;
    const cookie = await signInCookie(u.email);
    for (const id of [u.id, other.id]) expect((await api(`/api/members/${id}`, { token: t.owner.token, method: "DELETE" })).status).toBe(204);

    // Everything Client-scoped is refused...
    for (const auth of [{ token: stolen }, { cookie }]) expect((await api("/api/api-keys", auth)).status).toBe(403);
    // ...but their own account is theirs: by the browser's session, and by their own token.
    expect((await api("/api/auth/sessions/end", { cookie, method: "POST" })).status).toBe(204);
    expect((await api("/api/auth/sessions/end", { token: other.token, method: "POST" })).status).toBe(204);
    expect((await db.user.findUniqueOrThrow({ where: { id: u.id } })).sessionVersion).toBe(1);

    // Invited again (a membership again): what was ended stays ended.
    for (const id of [u.id, other.id]) await db.clientMember.create({ data: { clientId: t.client.id, userId: id, role: "Member" } });
    for (const auth of [{ token: stolen }, { cookie }, { token: other.token }]) {
      const r = await api("/api/me", auth);
      expect([r.status, r.body.code]).toEqual([401, "Auth.SessionEnded"]);
    }
    const fresh = (await api("/api/auth/token", { body: { email: u.email, password: PASSWORD } })).body.token as string;
    expect((await api("/api/me", { token: fresh })).status).toBe(200);
  });

  it("a person with no Client reaches the Account page (password, sign out everywhere); a Client's pages say there is none", async () => {
    const t = await makeTenant();
    const u = await makeUser([[t.client, "Admin"]]);
    const cookie = await signInCookie(u.email);
    await db.clientMember.deleteMany({ where: { userId: u.id } });
    // What the page renders, not the flight data Next streams in <script>s beside it (a layout may leave a page out).
    const shown = (html: string) => html.replace(/<script\b[\s\S]*?<\/script>/g, "");
    const account = await api("/settings/account", { cookie });
    expect(account.status).toBe(200);
    expect(shown(account.text)).toContain("Change password");
    expect(shown(account.text)).toContain(u.email);
    const keys = await api("/settings/api-keys", { cookie });
    expect(shown(keys.text)).toContain("You are not a member of any Client yet");
    expect(keys.text).not.toContain(t.key.keyPrefix);
  });
});
