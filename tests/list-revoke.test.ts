// GET /api/api-keys (list conventions) and POST /api/api-keys/{id}/revoke.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createKey, db, makeClient, makeUser, type Tenant, type TestUser } from "./helpers";

let client: Tenant;
let owner: TestUser;
let member: TestUser;
const ids: string[] = [];

beforeAll(async () => {
  client = await makeClient();
  owner = await makeUser([[client, "Owner"]]);
  member = await makeUser([[client, "Member"]]);
  for (let i = 0; i < 5; i++) ids.push((await createKey({ token: owner.token }, { name: `key ${i}` })).id);
});
afterAll(() => db.$disconnect());

describe("GET /api/api-keys", () => {
  it("lists newest first, pages with Cursor and Limit, never a raw key or hash", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: { status: number; body: any; text: string } = await api(`/api/api-keys?Limit=2${cursor ? `&Cursor=${cursor}` : ""}`, { token: member.token });
      expect(r.status).toBe(200);
      expect(Object.keys(r.body).sort()).toEqual(["data", "hasMore", "nextCursor"]);
      expect(r.body.data.length).toBeLessThanOrEqual(2);
      expect(r.text).not.toMatch(/dol_live_[0-9A-Za-z]{49}/);
      expect(r.text).not.toContain("keyHash");
      seen.push(...r.body.data.map((k: { id: string }) => k.id));
      expect(r.body.hasMore).toBe(r.body.nextCursor !== null);
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it("defaults to 20 and shows who created each key", async () => {
    const r = await api("/api/api-keys", { token: owner.token });
    expect(r.body.data).toHaveLength(5);
    expect(r.body.hasMore).toBe(false);
    expect(r.body.nextCursor).toBeNull();
    expect(r.body.data[0]).toMatchObject({ status: "active", createdBy: { type: "user", id: owner.id, email: owner.email }, lastUsedAt: null, revokedAt: null });
  });

  for (const q of ["Limit=0", "Limit=101", "Limit=abc", "Limit=1.5", "Cursor=", "Cursor=garbage", "limit=5"]) {
    it(`rejects ${q} with 400 problem details`, async () => {
      const r = await api(`/api/api-keys?${q}`, { token: owner.token });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe("Request.Invalid");
    });
  }

  it("rejects a cursor from another Client's list", async () => {
    const other = await makeClient();
    const o = await makeUser([[other, "Owner"]]);
    const foreign = await createKey({ token: o.token });
    const r = await api(`/api/api-keys?Cursor=${foreign.id}`, { token: owner.token });
    expect(r.status).toBe(400);
  });
});

describe("POST /api/api-keys/{id}/revoke", () => {
  it("204, the key stops working at once, a second revoke is still 204, audited once", async () => {
    const k = await createKey({ token: owner.token }, { name: "to revoke" });
    expect((await api("/api/me", { apiKey: k.rawKey })).status).toBe(200);
    const r = await api(`/api/api-keys/${k.id}/revoke`, { token: owner.token, method: "POST" });
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    expect((await api("/api/me", { apiKey: k.rawKey })).status).toBe(401);
    expect((await api(`/api/api-keys/${k.id}/revoke`, { token: owner.token, method: "POST" })).status).toBe(204);
    const events = await db.auditEvent.findMany({ where: { targetId: k.id, action: "apiKey.revoked" } });
    expect(events).toHaveLength(1);
    expect(events[0].actorUserId).toBe(owner.id);
    const listed = await api(`/api/api-keys/${k.id}`, { token: member.token });
    expect(listed.body).toMatchObject({ status: "revoked", revokedReason: "manual" });
  });

  it("an API key of the same Client may revoke (even itself)", async () => {
    const k = await createKey({ token: owner.token });
    expect((await api(`/api/api-keys/${k.id}/revoke`, { apiKey: k.rawKey, method: "POST" })).status).toBe(204);
    expect((await api("/api/me", { apiKey: k.rawKey })).status).toBe(401);
  });

  it("a Member may not revoke (403) and the key keeps working", async () => {
    const k = await createKey({ token: owner.token });
    const r = await api(`/api/api-keys/${k.id}/revoke`, { token: member.token, method: "POST" });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("Member.Forbidden");
    expect((await api("/api/me", { apiKey: k.rawKey })).status).toBe(200);
  });

  it("an id that is not a uuid, or unknown, is 404 ApiKey.NotFound", async () => {
    for (const id of ["nope", "01a21790-0000-7000-8000-000000000000"]) {
      const r = await api(`/api/api-keys/${id}/revoke`, { token: owner.token, method: "POST" });
      expect(r.status).toBe(404);
      expect(r.body.code).toBe("ApiKey.NotFound");
    }
  });
});

describe("PATCH /api/api-keys/{id} (rename)", () => {
  it("renames a key of the caller's Client, audited once per change; the key keeps working", async () => {
    const k = await createKey({ token: owner.token }, { name: "Old name" });
    const r = await api(`/api/api-keys/${k.id}`, { token: owner.token, method: "PATCH", body: { name: "  Billing sync (prod)  " } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: k.id, name: "Billing sync (prod)", status: "active" });
    expect((await api("/api/me", { apiKey: k.rawKey })).status).toBe(200);
    // The same name again changes nothing and writes no second event.
    await api(`/api/api-keys/${k.id}`, { token: owner.token, method: "PATCH", body: { name: "Billing sync (prod)" } });
    const events = await db.auditEvent.findMany({ where: { clientId: client.id, action: "apiKey.renamed", targetId: k.id } });
    expect(events).toHaveLength(1);
    expect(events[0].metadata).toMatchObject({ before: "Old name", after: "Billing sync (prod)" });
    // Blank removes the name; an API key of the Client may rename too.
    const viaKey = await api(`/api/api-keys/${k.id}`, { apiKey: k.rawKey, method: "PATCH", body: { name: "" } });
    expect([viaKey.status, viaKey.body.name]).toEqual([200, null]);
  });

  it("refuses bad bodies, Members and other Clients, and changes nothing", async () => {
    const k = await createKey({ token: owner.token }, { name: "Keep me" });
    for (const body of [{}, { name: 5 }, { name: "x".repeat(101) }, { name: "ok", expiresAt: null }, { name: "bad\u0007" }, []]) {
      const r = await api(`/api/api-keys/${k.id}`, { token: owner.token, method: "PATCH", body });
      expect([r.status, r.body.code]).toEqual([400, "Request.Invalid"]);
    }
    expect((await api(`/api/api-keys/${k.id}`, { token: member.token, method: "PATCH", body: { name: "m" } })).body.code).toBe("Member.Forbidden");
    const other = await makeClient();
    const stranger = await makeUser([[other, "Owner"]]);
    const foreign = await api(`/api/api-keys/${k.id}`, { token: stranger.token, method: "PATCH", body: { name: "mine now" } });
    expect([foreign.status, foreign.body.code]).toEqual([404, "ApiKey.NotFound"]);
    expect((await api(`/api/api-keys/not-a-uuid`, { token: owner.token, method: "PATCH", body: { name: "x" } })).status).toBe(404);
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: k.id } })).name).toBe("Keep me");
  });
});

describe("GET /api/api-keys?Status=", () => {
  it("keeps only keys of that status, with the same paging, and refuses unknown statuses", async () => {
    const c = await makeClient();
    const o = await makeUser([[c, "Owner"]]);
    const live = [await createKey({ token: o.token }, { name: "live 1" }), await createKey({ token: o.token }, { name: "live 2" })];
    const gone = await createKey({ token: o.token }, { name: "gone" });
    await api(`/api/api-keys/${gone.id}/revoke`, { token: o.token, method: "POST" });
    const old = await createKey({ token: o.token }, { name: "old" });
    await db.apiKey.update({ where: { id: old.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const names = async (q: string) => (await api(`/api/api-keys?${q}`, { token: o.token })).body.data.map((k: { name: string; status: string }) => `${k.name}:${k.status}`);
    expect(await names("Status=active")).toEqual(["live 2:active", "live 1:active"]);
    expect(await names("Status=revoked")).toEqual(["gone:revoked"]);
    expect(await names("Status=expired")).toEqual(["old:expired"]);
    expect(await names("")).toHaveLength(4);
    const first = await api("/api/api-keys?Status=active&Limit=1", { token: o.token });
    expect(first.body.hasMore).toBe(true);
    const second = await api(`/api/api-keys?Status=active&Limit=1&Cursor=${first.body.nextCursor}`, { token: o.token });
    expect([second.body.data[0].id, second.body.hasMore]).toEqual([live[0].id, false]);
    const bad = await api("/api/api-keys?Status=deleted", { token: o.token });
    expect([bad.status, bad.body.code]).toEqual([400, "Request.Invalid"]);
    expect(bad.body.errors.Status).toEqual(["Status must be active, expiring, expired or revoked."]);
  });
});

describe("GET /api/api-keys?Status=expiring", () => {
  it("keeps active keys that expire within 14 days, not replaced ones, expired, revoked or later ones", async () => {
    const c = await makeClient();
    const o = await makeUser([[c, "Owner"]]);
    const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();
    const soon = await createKey({ token: o.token }, { name: "soon", expiresAt: days(3) });
    await createKey({ token: o.token }, { name: "later", expiresAt: days(60) });
    await createKey({ token: o.token }, { name: "never" });
    const gone = await createKey({ token: o.token }, { name: "revoked soon", expiresAt: days(2) });
    await api(`/api/api-keys/${gone.id}/revoke`, { token: o.token, method: "POST" });
    const old = await createKey({ token: o.token }, { name: "expired" });
    await db.apiKey.update({ where: { id: old.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const rotating = await createKey({ token: o.token }, { name: "rotated", expiresAt: days(5) });
    const rotated = await api(`/api/api-keys/${rotating.id}/rotate`, { token: o.token, body: { gracePeriodSeconds: 3600 } });
    expect(rotated.status).toBe(201);
    const r = await api("/api/api-keys?Status=expiring", { token: o.token });
    expect(r.status).toBe(200);
    // The replacement counts (it expires in 5 days too); the key it replaced, going away in an hour, does not.
    expect(r.body.data.map((k: { id: string }) => k.id)).toEqual([rotated.body.id, soon.id]);
    for (const k of r.body.data) expect(k.status).toBe("active");
  });
});
