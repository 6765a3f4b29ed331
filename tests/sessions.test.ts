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
});
