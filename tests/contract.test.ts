// The served OpenAPI document against Dolfin's seed contract for "Create API
// key": the request and response schemas must accept and reject the same
// instances, apart from the deliberate, named ways ours is stricter.
import fs from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats-3";
import fc from "fast-check";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { BASE } from "./helpers";

const VENDORED = path.resolve("spec/dolfin-create-api-key.openapi.yaml");
const SHARED = path.resolve("../shared/spec/create-api-key.openapi.yaml");

function compiler(doc: object, id: string) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, id);
  return (pointer: string) => ajv.compile({ $ref: `${id}#${pointer}` });
}

const seed = parse(fs.readFileSync(VENDORED, "utf8"));
const seedSchema = compiler(seed, "seed.json");
const seedRequest = seedSchema("/components/schemas/CreateApiKeyRequest");
const seedResponse = seedSchema("/components/schemas/CreateApiKeyResponse");

async function ours() {
  const doc = await (await fetch(`${BASE}/api/openapi.json`)).json();
  const c = compiler(doc, "ours.json");
  const op = "/paths/~1api~1api-keys/post";
  return {
    doc,
    request: c(`${op}/requestBody/content/application~1json/schema`),
    response: c(`${op}/responses/201/content/application~1json/schema`),
  };
}

const names = ["", "Billing sync", "  padded  ", "é".repeat(100), "x".repeat(100), "ünïcödé 🔑"];
const dates = ["2030-01-01T00:00:00Z", "2030-01-01T00:00:00.123Z", "2030-06-01T12:00:00+02:00", "1999-12-31T23:59:59-05:00"];
const badDates = ["2030-01-01", "2030-01-01T00:00:00", "not a date", "2030-13-01T00:00:00Z", "2030-02-30T00:00:00Z"];
const junk = [42, 0, true, false, {}, [], [1], { a: 1 }];
const uuids = ["01937a1c-5d2e-7c4b-9a3f-2b1e8d7c6a5f", "3fa85f64-5717-4562-b3fc-2c963f66afa6"];

const nameValue = fc.constantFrom<unknown>(null, ...names, ...junk);
const dateValue = fc.constantFrom<unknown>(null, ...dates, ...badDates, ...junk);

describe("the served document agrees with the seed contract (create API key)", () => {
  it("the vendored seed contract is the shared one", () => {
    if (fs.existsSync(SHARED)) expect(fs.readFileSync(VENDORED, "utf8")).toBe(fs.readFileSync(SHARED, "utf8"));
  });

  it("request: the same verdict on every instance within the contract's fields", async () => {
    const { request } = await ours();
    const instance = fc.record({ name: nameValue, expiresAt: dateValue }, { requiredKeys: [] });
    fc.assert(
      fc.property(instance, (body) => {
        expect({ body, ours: request(body) }).toEqual({ body, ours: seedRequest(body) });
      }),
      { seed: 20261126, numRuns: 600 },
    );
    // Non-objects are refused by both.
    for (const body of [null, [], "x", 1]) expect([request(body), seedRequest(body)]).toEqual([false, false]);
  });

  it("request: ours is stricter in exactly two named ways (unknown fields, names over 100 characters)", async () => {
    const { request } = await ours();
    for (const extra of [{ clientId: uuids[0] }, { foo: 1 }, { Name: "x" }]) {
      expect(seedRequest({ name: "ok", ...extra })).toBe(true);
      expect(request({ name: "ok", ...extra })).toBe(false);
    }
    expect(seedRequest({ name: "x".repeat(101) })).toBe(true);
    expect(request({ name: "x".repeat(101) })).toBe(false);
  });

  it("response: the same verdict on complete instances; ours requires every field (null, never absent)", async () => {
    const { response } = await ours();
    const complete = fc.record({
      id: fc.constantFrom<unknown>(...uuids, "not-a-uuid", 5),
      clientId: fc.constantFrom<unknown>(...uuids, "nope", null),
      rawKey: fc.constantFrom<unknown>("dol_live_abc", 5, null),
      keyPrefix: fc.constantFrom<unknown>("dol_live_abc", null),
      name: nameValue,
      createdAt: fc.constantFrom<unknown>(...dates.filter((d) => d.endsWith("Z")), "yesterday", null),
      expiresAt: fc.constantFrom<unknown>(null, ...dates.filter((d) => d.endsWith("Z")), "soon"),
    });
    fc.assert(
      fc.property(complete, (body) => {
        expect({ body, ours: response(body) }).toEqual({ body, ours: seedResponse(body) });
      }),
      { seed: 7, numRuns: 600 },
    );
    const full = { id: uuids[0], clientId: uuids[1], rawKey: "dol_live_x", keyPrefix: "dol_live_x", name: null, createdAt: dates[0], expiresAt: null };
    for (const field of ["id", "name", "createdAt", "expiresAt"]) {
      const { [field]: _gone, ...partial } = full as Record<string, unknown>;
      expect(seedResponse(partial)).toBe(true);
      expect(response(partial)).toBe(false);
    }
    for (const field of ["clientId", "rawKey", "keyPrefix"]) {
      const { [field]: _gone, ...partial } = full as Record<string, unknown>;
      expect([seedResponse(partial), response(partial)]).toEqual([false, false]);
    }
  });

  it("the document covers every endpoint, its responses, the three ways of authenticating and our services' token", async () => {
    const { doc } = await ours();
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["ApiKeyAuth", "BearerAuth", "ServiceToken", "SessionCookie"]);
    expect(doc.components.securitySchemes.ServiceToken).toMatchObject({ in: "header", name: "x-dolfin-service-token" });
    expect(doc.components.securitySchemes.ApiKeyAuth).toMatchObject({ in: "header", name: "x-dolfin-api-key" });
    const ops = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item as object).map((m) => `${m.toUpperCase()} ${p}`));
    for (const op of [
      "POST /api/api-keys/verify", "POST /api/client-invites", "POST /api/client-invites/accept",
      "POST /api/api-keys", "GET /api/api-keys", "GET /api/api-keys/{id}", "PATCH /api/api-keys/{id}", "POST /api/api-keys/{id}/revoke", "POST /api/api-keys/{id}/rotate",
      "POST /api/api-keys/leaks", "POST /api/api-keys/leaks/github", "GET /api/audit-events", "GET /api/key-policy", "PUT /api/key-policy", "GET /api/me", "POST /api/auth/token", "POST /api/auth/sessions/end", "GET /api/members", "PATCH /api/members/{userId}", "DELETE /api/members/{userId}",
    ]) expect(ops).toContain(op);
    const create = doc.paths["/api/api-keys"].post;
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(["201", "400", "401", "403", "409", "413", "415", "429"]));
    expect(create.requestBody.content["application/json"].examples).toBeTruthy();
  });

  it("the API reference page is our own server-rendered page of every operation in the document, with no third-party script", async () => {
    const { doc } = await ours();
    const page = await fetch(`${BASE}/docs/api`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    const unescape = (s: string) => s.replace(/&amp;/g, "&").replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">");
    const text = unescape(html);
    for (const item of Object.values(doc.paths) as Record<string, { operationId: string; summary: string }>[]) {
      for (const op of Object.values(item)) {
        expect(html).toContain(`id="${op.operationId}"`); // an anchor to link to
        expect(text).toContain(op.summary);
      }
    }
    for (const path of Object.keys(doc.paths)) expect(text).toContain(path);
    for (const tag of ["API keys", "Invitations", "Authentication", "Errors"]) expect(text).toContain(tag);
    expect(html).not.toMatch(/swagger/i);
    expect((await fetch(`${BASE}/docs/api/assets/swagger-ui-bundle.js`)).status).toBe(404);
  });
});
