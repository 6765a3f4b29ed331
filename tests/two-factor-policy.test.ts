// A Client that requires a second factor, over HTTP against the production server and real PostgreSQL:
// only an Owner who has one may turn it on (409 otherwise, Admins 403), people of that Client without
// one get 403 Member.TwoFactorRequired from its API (their account routes stay open, its keys keep
// working), the settings pages send them to their account with why, and the members list shows who has one.
import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createKey, db, makeClient, makeUser, signInCookie, type Tenant, type TestUser } from "./helpers";

let client: Tenant;
let other: Tenant;
let owner: TestUser;
let admin: TestUser;
let member: TestUser;
let rawKey: string;

const lastStep = new Map<string, number>();
async function code(secret: string): Promise<string> {
  for (;;) {
    const step = Math.max((lastStep.get(secret) ?? 0) + 1, Math.floor(Date.now() / 30_000));
    if (step <= Math.floor(Date.now() / 30_000) + 1) {
      lastStep.set(secret, step);
      return new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: step * 30_000 + 15_000 });
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function enrol(u: TestUser): Promise<string> {
  const start = await api("/api/account/two-factor/totp", { method: "POST", token: u.token });
  expect(start.status).toBe(201);
  expect((await api("/api/account/two-factor/totp/confirm", { token: u.token, body: { code: await code(start.body.secret) } })).status).toBe(200);
  return start.body.secret;
}

const rules = { keysMustExpire: false, maxKeyLifetimeDays: null, maxActiveKeys: 100 };

beforeAll(async () => {
  client = await makeClient("Live");
  other = await makeClient("Live");
  owner = await makeUser([[client, "Owner"]]);
  admin = await makeUser([[client, "Admin"]]);
  member = await makeUser([[client, "Member"], [other, "Member"]]);
  rawKey = (await createKey({ token: owner.token })).rawKey;
});
afterAll(async () => {
  await db.$disconnect();
});

describe("turning it on", () => {
  it("is off by default and shown in the policy", async () => {
    const r = await api("/api/key-policy", { token: owner.token });
    expect(r.status).toBe(200);
    expect(r.body.requireTwoFactor).toBe(false);
  });

  it("an Owner without a second factor gets 409 (add one first); nothing changes", async () => {
    const r = await api("/api/key-policy", { method: "PUT", token: owner.token, body: { ...rules, requireTwoFactor: true } });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe("Client.TwoFactorNeeded");
    expect(r.body.detail).toMatch(/add one/i);
    expect((await db.client.findUniqueOrThrow({ where: { id: client.id } })).requireTwoFactor).toBe(false);
  });

  it("an Admin may not (403), even with a second factor", async () => {
    await enrol(admin);
    const r = await api("/api/key-policy", { method: "PUT", token: admin.token, body: { ...rules, requireTwoFactor: true } });
    expect(r.status).toBe(403);
    expect((await db.client.findUniqueOrThrow({ where: { id: client.id } })).requireTwoFactor).toBe(false);
  });

  it("a wrong type is 400", async () => {
    expect((await api("/api/key-policy", { method: "PUT", token: owner.token, body: { ...rules, requireTwoFactor: "yes" } })).status).toBe(400);
  });

  it("an Owner with a second factor turns it on; it is audited; a PUT without it keeps it", async () => {
    await enrol(owner);
    const on = await api("/api/key-policy", { method: "PUT", token: owner.token, body: { ...rules, requireTwoFactor: true } });
    expect(on.status).toBe(200);
    expect(on.body.requireTwoFactor).toBe(true);
    const ev = await db.auditEvent.findFirstOrThrow({ where: { clientId: client.id, action: "client.policyChanged" }, orderBy: { createdAt: "desc" } });
    expect(ev.metadata).toMatchObject({ before: { requireTwoFactor: false }, after: { requireTwoFactor: true } });
    const kept = await api("/api/key-policy", { method: "PUT", token: owner.token, body: { ...rules, maxActiveKeys: 99 } });
    expect(kept.status).toBe(200);
    expect(kept.body.requireTwoFactor).toBe(true);
    expect(kept.body.maxActiveKeys).toBe(99);
  });
});

describe("while it is on", () => {
  it("a Member without a second factor gets 403 Member.TwoFactorRequired from the Client's API", async () => {
    for (const path of ["/api/api-keys", "/api/me", "/api/members", "/api/key-policy"]) {
      const r = await api(path, { token: member.token });
      expect(r.status, path).toBe(403);
      expect(r.body.code).toBe("Member.TwoFactorRequired");
      expect(r.body.detail).toContain(client.name);
    }
  });

  it("their own account routes stay open, and another Client of theirs that does not require one works", async () => {
    expect((await api("/api/account/two-factor", { token: member.token })).status).toBe(200);
    expect((await api("/api/api-keys", { token: member.token, headers: { "x-dolfin-client-id": other.id } })).status).toBe(200);
  });

  it("API keys are unaffected", async () => {
    expect((await api("/api/api-keys", { apiKey: rawKey })).status).toBe(200);
    expect((await api("/api/api-keys", { apiKey: rawKey, body: { scopes: ["invoices:read"] } })).status).toBe(201);
  });

  it("the members list shows who has a second factor", async () => {
    const r = await api("/api/members", { token: owner.token });
    expect(r.status).toBe(200);
    const by = Object.fromEntries(r.body.data.map((m: { userId: string; twoFactor: boolean }) => [m.userId, m.twoFactor]));
    expect(by).toEqual({ [owner.id]: true, [admin.id]: true, [member.id]: false });
  });

  it("the settings pages send them to their account, which says why", async () => {
    const cookie = await signInCookie(member.email);
    const page = await api("/settings/api-keys", { cookie });
    expect([303, 307]).toContain(page.status);
    expect(page.headers.get("location")).toMatch(/\/settings\/account$/);
    const account = await api("/settings/account", { cookie });
    expect(account.status).toBe(200);
    expect(account.text).toContain("requires everyone to use a second factor");
  });

  it("once they add one, they are in", async () => {
    await enrol(member);
    expect((await api("/api/api-keys", { token: member.token })).status).toBe(200);
    const r = await api("/api/members", { token: member.token });
    expect(r.body.data.find((m: { userId: string }) => m.userId === member.id).twoFactor).toBe(true);
  });

  it("turning it off lets everyone in again", async () => {
    const bystander = await makeUser([[client, "Member"]]);
    expect((await api("/api/api-keys", { token: bystander.token })).status).toBe(403);
    const off = await api("/api/key-policy", { method: "PUT", token: owner.token, body: { ...rules, requireTwoFactor: false } });
    expect(off.status).toBe(200);
    expect(off.body.requireTwoFactor).toBe(false);
    expect((await api("/api/api-keys", { token: bystander.token })).status).toBe(200);
  });
});
