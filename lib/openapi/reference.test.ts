import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats-3";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "./document";
import { authSchemes, commonResponses, constraints, curlExample, examplesOf, longEnum, operationsByTag, sample, typeLabel, type ApiDocument, type Schema } from "./reference";

const doc = openApiDocument() as unknown as ApiDocument;
const ops = operationsByTag(doc).flatMap((g) => g.operations);
const op = (id: string) => ops.find((o) => o.id === id)!;

describe("the API reference's reading of the OpenAPI document", () => {
  it("groups every operation under its tag, in the document's tag order, each once", () => {
    const groups = operationsByTag(doc);
    expect(groups.map((g) => g.name)).toEqual(doc.tags!.map((t) => t.name));
    const count = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    expect(ops).toHaveLength(count);
    expect(new Set(ops.map((o) => o.id)).size).toBe(count);
    expect(groups[0].operations[0]).toMatchObject({ id: "createApiKey", method: "post", path: "/api/api-keys", tag: "ApiKeys" });
  });

  it("names types in words: formats, nullables, arrays of named schemas, maps, constants", () => {
    expect(typeLabel(doc, { type: "string", format: "uuid" })).toBe("string (uuid)");
    expect(typeLabel(doc, { anyOf: [{ type: "string", format: "date-time" }, { type: "null" }] })).toBe("string (date-time) or null");
    expect(typeLabel(doc, { type: ["string", "null"] })).toBe("string or null");
    expect(typeLabel(doc, { type: "array", items: { $ref: "#/components/schemas/ApiKey" } })).toBe("array of ApiKey");
    expect(typeLabel(doc, { type: "object", additionalProperties: { type: "array", items: { type: "string" } } })).toBe("map of string to array of string");
    expect(typeLabel(doc, { type: "boolean", const: false })).toBe("false");
  });

  it("tells the limits a caller must keep, and leaves out zod's safe-integer bounds", () => {
    expect(constraints({ type: "integer", minimum: 1, maximum: 100 })).toEqual(["1 to 100"]);
    expect(constraints({ type: "integer", minimum: -9007199254740991, maximum: 9007199254740991 })).toEqual([]);
    expect(constraints({ anyOf: [{ type: "string", maxLength: 100 }, { type: "null" }] })).toEqual(["at most 100 characters"]);
    expect(constraints({ type: "string", enum: ["hour", "day"] })).toEqual(['one of "hour", "day"']);
    expect(constraints({ type: "array", maxItems: 50, items: { type: "string", maxLength: 64 } })).toEqual(["at most 50 items", "each at most 64 characters"]);
    // the scope catalogue: too long for a line, counted here and listed apart
    const scopes = { type: "array", items: { type: "string", enum: Array.from({ length: 40 }, (_, i) => `r${i}:read`) } } satisfies Schema;
    expect(constraints(scopes)).toEqual(["each one of 40 values"]);
    expect(longEnum(scopes)).toHaveLength(40);
    expect(longEnum({ type: "string", enum: ["hour", "day"] })).toBeNull();
  });

  it("makes an example that fits the schema when the document gives none", () => {
    const policy = op("getKeyPolicy").responses!["200"].content!["application/json"];
    const [example] = examplesOf(doc, policy);
    expect(example.generated).toBe(true);
    expect(Object.keys(example.value as object).sort()).toEqual(Object.keys(doc.components!.schemas!.KeyPolicyView.properties!).sort());
    const me = sample(doc, { $ref: "#/components/schemas/Me" }) as Record<string, unknown>;
    expect(Object.keys(me).sort()).toEqual(Object.keys(doc.components!.schemas!.Me.properties!).sort());
    // deep in a list page, through references, nullables and unions: still real values, names that fit
    const page = sample(doc, { $ref: "#/components/schemas/ApiKeyPage" }) as { data: Record<string, unknown>[] };
    expect(page.data[0]).toMatchObject({ name: "Billing sync", keyPrefix: "dol_live_3xT9aB2q", status: "active", createdBy: { type: "user", email: "alice@example.com" } });
    expect((sample(doc, { $ref: "#/components/schemas/UsageBucket" }) as Record<string, unknown>).ip).toBe(0); // an integer named ip stays a number
    // the document's own examples win
    expect(examplesOf(doc, op("createApiKey").requestBody!.content!["application/json"]).map((e) => e.generated)).not.toContain(true);
  });

  it("finds the errors most routes share (told once on the page), not a route's own", () => {
    const codes = [...commonResponses(doc).values()].map((c) => c.code).sort();
    expect(codes).toEqual(expect.arrayContaining(["401", "403", "429", "503", "default"]));
    expect(codes).not.toContain("404");
    expect(codes).not.toContain("409");
  });

  it("writes a curl line with the operation's credential, path parameters and example body", () => {
    expect(curlExample(doc, op("listApiKeys"))).toBe('curl "$DOLFIN_URL/api/api-keys" \\\n  -H "x-dolfin-api-key: $DOLFIN_API_KEY"');
    const revoke = curlExample(doc, op("revokeApiKey"));
    expect(revoke).toMatch(/^curl -X POST "\$DOLFIN_URL\/api\/api-keys\/[0-9a-f-]{36}\/revoke"/);
    expect(curlExample(doc, op("changeMemberRole"), { role: "Admin" })).toContain(`-H "authorization: Bearer $TOKEN"`);
    expect(curlExample(doc, op("verifyApiKey"), { key: "it's" })).toContain(`-d '{"key":"it'\\''s"}'`);
    expect(curlExample(doc, op("health"))).toBe('curl "$DOLFIN_URL/api/health"');
    expect(authSchemes(op("health"))).toEqual([]);
    expect(authSchemes(op("createApiKey"))).toEqual(["ApiKeyAuth", "BearerAuth", "SessionCookie"]);
  });

  it("every example the page shows fits its schema, the document's own and the made-up ones", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(doc, "doc.json");
    const ptr = (...parts: string[]) => parts.map((x) => x.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
    const bodies = ops.flatMap((o) => [
      [ptr("paths", o.path, o.method, "requestBody", "content", "application/json", "schema"), o.requestBody?.content?.["application/json"]] as const,
      ...Object.entries(o.responses ?? {}).map(([code, r]) => [ptr("paths", o.path, o.method, "responses", code, "content", "application/json", "schema"), r.content?.["application/json"]] as const),
    ]);
    const wrong: string[] = [];
    let checked = 0;
    for (const [pointer, media] of bodies) {
      if (!media?.schema) continue;
      const validate = ajv.compile({ $ref: `doc.json#/${pointer}` });
      for (const e of examplesOf(doc, media)) {
        checked++;
        if (!validate(e.value)) wrong.push(`${pointer} ${e.name}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(30);
  });
});
