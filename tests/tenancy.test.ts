// A Globex key must never touch Acme: every read and write is scoped to the caller's Client.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createKey, db, makeTenant } from "./helpers";

let acme: Awaited<ReturnType<typeof makeTenant>>;
let globex: Awaited<ReturnType<typeof makeTenant>>;

beforeAll(async () => {
  acme = await makeTenant();
  globex = await makeTenant();
});
afterAll(() => db.$disconnect());

describe("cross-Client isolation", () => {
  it("a Globex key lists only Globex keys", async () => {
    const r = await api("/api/api-keys?Limit=100", { apiKey: globex.key.rawKey });
    expect(r.status).toBe(200);
    expect(r.body.data.length).toBeGreaterThan(0);
    for (const k of r.body.data) expect(k.clientId).toBe(globex.client.id);
    expect(r.body.data.map((k: { id: string }) => k.id)).not.toContain(acme.key.id);
  });

  it("a Globex key gets 404 for an Acme key, by id and on revoke, and the Acme key keeps working", async () => {
    expect((await api(`/api/api-keys/${acme.key.id}`, { apiKey: globex.key.rawKey })).status).toBe(404);
    const r = await api(`/api/api-keys/${acme.key.id}/revoke`, { apiKey: globex.key.rawKey, method: "POST" });
    expect(r.status).toBe(404);
    expect(r.body.code).toBe("ApiKey.NotFound");
    expect((await api("/api/me", { apiKey: acme.key.rawKey })).status).toBe(200);
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: acme.key.id } });
    expect(row.revokedAt).toBeNull();
  });

  it("the 404 for another Client's key is the same as for a key that does not exist", async () => {
    const foreign = await api(`/api/api-keys/${acme.key.id}/revoke`, { apiKey: globex.key.rawKey, method: "POST" });
    const missing = await api(`/api/api-keys/01a21790-0000-7000-8000-000000000000/revoke`, { apiKey: globex.key.rawKey, method: "POST" });
    const strip = (b: Record<string, unknown>) => ({ ...b, traceId: undefined, instance: undefined });
    expect(strip(foreign.body)).toEqual(strip(missing.body));
  });

  it("a Globex key creates keys for Globex only, whatever the body claims", async () => {
    const r = await api("/api/api-keys", { apiKey: globex.key.rawKey, body: { clientId: acme.client.id } });
    expect(r.status).toBe(400);
    const k = await createKey({ apiKey: globex.key.rawKey });
    expect(k.clientId).toBe(globex.client.id);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { targetId: k.id } });
    expect(audit.clientId).toBe(globex.client.id);
  });
});
