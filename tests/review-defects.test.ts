// Defects found in a security review (issue 13), each reproduced against the
// production server: these tests failed on the code before the fixes.
import { afterAll, describe, expect, it } from "vitest";
import { api, BASE, createKey, db, inFuture, makeClient, makeTenant, makeUser, signInCookie } from "./helpers";

afterAll(() => db.$disconnect());

const STATUSES = ["", "?Status=active", "?Status=expired", "?Status=revoked"];

async function listsAnswer(auth: { token: string }, ids: string[]) {
  for (const q of STATUSES) {
    const r = await api(`/api/api-keys${q}`, auth);
    expect(r.status, `list${q}`).toBe(200);
  }
  for (const id of ids) expect((await api(`/api/api-keys/${id}`, auth)).status).toBe(200);
}

describe("expiries at the end of time", () => {
  it("an expiry past 9999-12-31T23:59:59Z in UTC is a 400 with a field error and writes nothing", async () => {
    const t = await makeTenant();
    const before = await db.apiKey.count({ where: { clientId: t.client.id } });
    for (const expiresAt of ["9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59-00:01", "9999-12-31T23:30:00-01:00"]) {
      const r = await api("/api/api-keys", { token: t.owner.token, body: { expiresAt } });
      expect(r.status, expiresAt).toBe(400);
      expect(r.body.errors.expiresAt).toBeDefined();
    }
    expect(await db.apiKey.count({ where: { clientId: t.client.id } })).toBe(before);
    expect(await db.auditEvent.count({ where: { clientId: t.client.id, action: "apiKey.created" } })).toBe(before);
    await listsAnswer({ token: t.owner.token }, [t.key.id]);
  });

  it("keys at every boundary are made, rotated without an expiry, and every list and page still answers", async () => {
    const t = await makeTenant();
    const made = [];
    for (const expiresAt of ["9999-12-31T23:59:59Z", "9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59+14:00", "9999-12-31T00:00:00-09:00"]) {
      const r = await api("/api/api-keys", { token: t.owner.token, body: { name: expiresAt, expiresAt } });
      expect(r.status, expiresAt).toBe(201);
      expect(new Date(r.body.expiresAt).getTime()).toBe(new Date(expiresAt).getTime());
      made.push(r.body);
    }
    // Rotation carries the lifetime forward from now: it would land past 9999, so it stops at the last moment.
    const rotated = [];
    for (const k of made) {
      const r = await api(`/api/api-keys/${k.id}/rotate`, { token: t.owner.token, body: { gracePeriodSeconds: 0 } });
      expect(r.status).toBe(201);
      expect(r.body.expiresAt <= "9999-12-31T23:59:59.999Z").toBe(true);
      expect((await api("/api/me", { apiKey: r.body.rawKey })).status).toBe(200);
      rotated.push(r.body.id);
    }
    expect(rotated.length).toBe(4);
    await listsAnswer({ token: t.owner.token }, [...made.map((k) => k.id), ...rotated]);
    const cookie = await signInCookie(t.owner.email);
    const page = await fetch(`${BASE}/settings/api-keys`, { headers: { cookie } });
    expect(page.status).toBe(200);
  });

  it("the database itself refuses an expiry no response could carry", async () => {
    const c = await makeClient();
    await expect(
      db.apiKey.create({ data: { clientId: c.id, keyPrefix: "dol_live_X", keyHash: "e".repeat(64), expiresAt: new Date(Date.UTC(10000, 0, 1)) } }),
    ).rejects.toThrow();
  });
});

describe("a session ended by 'sign out everywhere'", () => {
  it("is not refreshed by the session endpoint: the cookie is cleared, not re-issued", async () => {
    const c = await makeClient();
    const u = await makeUser([[c, "Owner"]]);
    const old = await signInCookie(u.email);
    const live = await fetch(`${BASE}/api/auth/session`, { headers: { cookie: old } });
    expect(((await live.json()) as { user?: { email?: string } }).user?.email).toBe(u.email);

    expect((await api("/api/auth/sessions/end", { method: "POST", cookie: old })).status).toBe(204);
    const r = await fetch(`${BASE}/api/auth/session`, { headers: { cookie: old } });
    expect(r.status).toBe(200);
    expect(await r.json()).toBeNull();
    const set = r.headers.getSetCookie().filter((x) => x.startsWith("authjs.session-token="));
    expect(set.length).toBeGreaterThan(0);
    for (const x of set) expect(x).toMatch(/authjs\.session-token=;|Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    // A new session is unaffected by the old cookie.
    const fresh = await signInCookie(u.email);
    expect((await api("/api/me", { cookie: fresh })).status).toBe(200);
    expect((await api("/api/me", { cookie: old })).status).toBe(401);
  });
});

describe("sign-in's callbackUrl", () => {
  const evil = ["/%09/evil.example", "/%0A/x", "/%E3%80%82/x", "//evil.example", "/%5Cevil.example", "https://evil.example/", "javascript:alert(1)", "/\\/evil", "%2F%2Fevil.example", "/settings/../..//evil.example"];
  it("never leaves the app's origin and never fails, signed in or not", async () => {
    const c = await makeClient();
    const u = await makeUser([[c, "Owner"]]);
    const cookie = await signInCookie(u.email);
    for (const value of evil) {
      for (const headers of [{ cookie }, {} as Record<string, string>]) {
        const r = await fetch(`${BASE}/sign-in?callbackUrl=${value}`, { headers, redirect: "manual" });
        expect(r.status, `${value} ${headers.cookie ? "signed in" : "signed out"}`).toBeLessThan(500);
        const loc = r.headers.get("location");
        if (loc) expect(new URL(loc, BASE).origin, `${value} -> ${loc}`).toBe(new URL(BASE).origin);
        if (!headers.cookie) {
          // The form carries the destination back: only ever a same-origin path.
          const html = await r.text();
          const m = /name="callbackUrl" value="([^"]*)"/.exec(html);
          if (m) expect(new URL(m[1].replace(/&amp;/g, "&"), BASE).origin).toBe(new URL(BASE).origin);
        }
      }
    }
    const ok = await fetch(`${BASE}/sign-in?callbackUrl=${encodeURIComponent("/settings/audit?key=1")}`, { headers: { cookie }, redirect: "manual" });
    expect(ok.headers.get("location")).toBe("/settings/audit?key=1");
  });
});

describe("chained rotations and the active-key cap", () => {
  it("a key in its grace period shares only its live replacement's slot: chains cannot pass the cap", async () => {
    const c = await makeClient("Live", { maxActiveKeys: 1 });
    const owner = await makeUser([[c, "Owner"]]);
    const k0 = await createKey({ token: owner.token });
    expect((await api("/api/api-keys", { token: owner.token, body: {} })).status).toBe(409);
    const k1 = await api(`/api/api-keys/${k0.id}/rotate`, { token: owner.token, body: { gracePeriodSeconds: 604800 } });
    expect(k1.status).toBe(201);
    // k0 now shares k1's slot; rotating k1 would leave k0 alone in its grace period.
    const k2 = await api(`/api/api-keys/${k1.body.id}/rotate`, { token: owner.token, body: { gracePeriodSeconds: 604800 } });
    expect(k2.status).toBe(409);
    expect(k2.body.code).toBe("ApiKey.LimitReached");
    const policy = await api("/api/key-policy", { token: owner.token });
    expect(policy.body.activeKeys).toBe(1);
    expect((await api("/api/api-keys?Status=active", { token: owner.token })).body.data).toHaveLength(2);
    // Retiring k0 first (or rotating without grace) is the way on.
    expect((await api(`/api/api-keys/${k0.id}/revoke`, { method: "POST", token: owner.token })).status).toBe(204);
    const k2b = await api(`/api/api-keys/${k1.body.id}/rotate`, { token: owner.token, body: { gracePeriodSeconds: 604800 } });
    expect(k2b.status).toBe(201);
    // Rotating k2b without grace would strand k1 (still in its grace period) beside the new key: refused too.
    const k3 = await api(`/api/api-keys/${k2b.body.id}/rotate`, { token: owner.token, body: { gracePeriodSeconds: 0 } });
    expect(k3.status).toBe(409);
    const row = await db.client.findUniqueOrThrow({ where: { id: c.id } });
    expect(row.activeKeyCount).toBeGreaterThanOrEqual((await api("/api/key-policy", { token: owner.token })).body.activeKeys);
  });

  it("revoking a replacement makes the key it replaced count again", async () => {
    const c = await makeClient("Live", { maxActiveKeys: 1 });
    const owner = await makeUser([[c, "Owner"]]);
    const k0 = await createKey({ token: owner.token });
    const k1 = await api(`/api/api-keys/${k0.id}/rotate`, { token: owner.token, body: { gracePeriodSeconds: 604800 } });
    expect((await api(`/api/api-keys/${k1.body.id}/revoke`, { method: "POST", token: owner.token })).status).toBe(204);
    expect((await api("/api/key-policy", { token: owner.token })).body.activeKeys).toBe(1);
    expect((await api("/api/api-keys", { token: owner.token, body: {} })).status).toBe(409);
    expect((await db.client.findUniqueOrThrow({ where: { id: c.id } })).activeKeyCount).toBeGreaterThanOrEqual(1);
  });

  it("the old key never outlives its replacement", async () => {
    const t = await makeTenant();
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const r = await api(`/api/api-keys/${t.key.id}/rotate`, { token: t.owner.token, body: { gracePeriodSeconds: 604800, expiresAt: soon } });
    expect(r.status).toBe(201);
    const old = await db.apiKey.findUniqueOrThrow({ where: { id: t.key.id } });
    expect(old.expiresAt!.getTime()).toBeLessThanOrEqual(new Date(soon).getTime());
  });

  it("racing chained rotations and creates never pass the cap", async () => {
    const MAX = 3;
    const c = await makeClient("Live", { maxActiveKeys: MAX });
    const owner = await makeUser([[c, "Owner"]]);
    const seeds = [await createKey({ token: owner.token }), await createKey({ token: owner.token })];
    let tips = seeds.map((k) => k.id);
    for (let round = 0; round < 4; round++) {
      const results = await Promise.all([
        ...tips.flatMap((id) => [0, 1].map(() => api(`/api/api-keys/${id}/rotate`, { token: owner.token, body: { gracePeriodSeconds: 604800 } }))),
        ...[0, 1].map(() => api("/api/api-keys", { token: owner.token, body: {} })),
      ]);
      for (const r of results) expect([201, 409]).toContain(r.status);
      const active = (await api("/api/api-keys?Status=active&Limit=100", { token: owner.token })).body.data as { id: string; rotatedToId: string | null }[];
      tips = active.filter((k) => k.rotatedToId === null).map((k) => k.id);
      const counted = (await api("/api/key-policy", { token: owner.token })).body.activeKeys;
      expect(counted).toBeLessThanOrEqual(MAX);
      // Every working key either counts or shares a counted key's slot: never more than twice the cap.
      expect(active.length).toBeLessThanOrEqual(2 * MAX);
      expect((await db.client.findUniqueOrThrow({ where: { id: c.id } })).activeKeyCount).toBeGreaterThanOrEqual(counted);
    }
  });
});

describe("revoking or rotating by an id in another case", () => {
  it("stops the key at once on this instance, whatever the id's case", async () => {
    const t = await makeTenant();
    const k = await createKey({ token: t.owner.token });
    expect((await api("/api/me", { apiKey: k.rawKey })).status).toBe(200); // now cached
    expect((await api(`/api/api-keys/${k.id.toUpperCase()}/revoke`, { method: "POST", token: t.owner.token })).status).toBe(204);
    expect((await api("/api/me", { apiKey: k.rawKey })).status).toBe(401);

    const k2 = await createKey({ token: t.owner.token });
    expect((await api("/api/me", { apiKey: k2.rawKey })).status).toBe(200);
    expect((await api(`/api/api-keys/${k2.id.toUpperCase()}/rotate`, { token: t.owner.token, body: { gracePeriodSeconds: 0 } })).status).toBe(201);
    expect((await api("/api/me", { apiKey: k2.rawKey })).status).toBe(401);
  });
});

describe("a token bound to a Client the user has left", () => {
  it("is refused with 403 Member.Forbidden instead of acting on another Client", async () => {
    const sandbox = await makeClient("Sandbox");
    const live = await makeClient("Live");
    const u = await makeUser([
      [sandbox, "Owner"],
      [live, "Owner"],
    ]);
    expect((await api("/api/me", { token: u.token })).body.clientId).toBe(sandbox.id);
    await db.clientMember.deleteMany({ where: { clientId: sandbox.id, userId: u.id } });
    const r = await api("/api/api-keys", { token: u.token, body: { name: "where?" } });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("Member.Forbidden");
    expect(r.body.detail).toMatch(/x-dolfin-client-id/);
    expect(await db.apiKey.count({ where: { clientId: live.id } })).toBe(0);
    // Naming a Client explicitly still works.
    const named = await api("/api/me", { token: u.token, headers: { "x-dolfin-client-id": live.id.toUpperCase() } });
    expect(named.status).toBe(200);
    expect(named.body.clientId).toBe(live.id);
  });
});

describe("pages name the Client they show", () => {
  it("a cookie request naming a Client acts there, whatever the session's active Client", async () => {
    const sandbox = await makeClient("Sandbox");
    const live = await makeClient("Live");
    const u = await makeUser([
      [live, "Owner"],
      [sandbox, "Owner"],
    ]);
    const cookie = await signInCookie(u.email); // active: live (first membership)
    const r = await api("/api/api-keys", { cookie, headers: { "x-dolfin-client-id": sandbox.id }, body: { name: "from a Sandbox tab" } });
    expect(r.status).toBe(201);
    expect(r.body.clientId).toBe(sandbox.id);
    expect(r.body.keyPrefix.startsWith("dol_test_")).toBe(true);
    const other = await makeClient();
    const refused = await api("/api/api-keys", { cookie, headers: { "x-dolfin-client-id": other.id }, body: {} });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/not a member/);
  });
});

describe("key names", () => {
  it("refuse bidirectional overrides and invisible characters, and are stored in NFC", async () => {
    const t = await makeTenant();
    for (const name of ["invoice\u202Egnp.exe", "a\u200Bb", "\u2067admin\u2069", "x\u2060y"]) {
      const r = await api("/api/api-keys", { token: t.owner.token, body: { name } });
      expect(r.status, JSON.stringify(name)).toBe(400);
      expect(r.body.errors.name).toBeDefined();
      expect((await api(`/api/api-keys/${t.key.id}`, { method: "PATCH", token: t.owner.token, body: { name } })).status).toBe(400);
    }
    const k = await createKey({ token: t.owner.token }, { name: "Cafe\u0301 sync", expiresAt: inFuture(3) });
    expect(k.name).toBe("Caf\u00e9 sync");
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: k.id } })).name).toBe("Caf\u00e9 sync");
  });
});
