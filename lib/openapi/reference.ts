// What the API reference page (app/docs/api) shows, read from the OpenAPI
// document: operations grouped by tag, the errors every route shares, a type
// in words for each schema, an example for each body (the document's own, or
// one made from the schema) and a curl line per operation. Plain data; the
// page only lays it out.

/** A JSON Schema as the document holds it (zod-openapi's output, OpenAPI 3.1). */
export type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  description?: string;
  default?: unknown;
  example?: unknown;
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
};
type Media = { schema?: Schema; example?: unknown; examples?: Record<string, { summary?: string; value?: unknown }> };
type Parameter = { name: string; in: string; required?: boolean; description?: string; schema?: Schema };
type Response = { description: string; headers?: Record<string, { description?: string; required?: boolean; schema?: Schema }>; content?: Record<string, Media> };
type RawOperation = {
  operationId?: string;
  tags?: string[];
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; description?: string; content?: Record<string, Media> };
  responses?: Record<string, Response>;
};
export type SecurityScheme = { type: string; in?: string; name?: string; scheme?: string; description?: string };
export type ApiDocument = {
  info: { title: string; version: string; description?: string };
  tags?: { name: string; description?: string }[];
  security?: Record<string, string[]>[];
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, Schema>; securitySchemes?: Record<string, SecurityScheme> };
};

export type Operation = RawOperation & { id: string; method: string; path: string; tag: string; security: Record<string, string[]>[] };
export type Example = { name: string; value: unknown; generated: boolean };

const METHODS = ["get", "post", "put", "patch", "delete"]; // in the order the document has them

/** Every operation, grouped by the document's tags in their order (untagged ones last, under "Other"). */
export function operationsByTag(doc: ApiDocument): { name: string; description?: string; operations: Operation[] }[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const id = op.operationId ?? `${method}-${path.replace(/[^a-zA-Z0-9]+/g, "-")}`;
      ops.push({ ...op, id, method, path, tag: op.tags?.[0] ?? "Other", security: op.security ?? doc.security ?? [] });
    }
  }
  const tags = [...(doc.tags ?? [])];
  for (const op of ops) if (!tags.some((t) => t.name === op.tag)) tags.push({ name: op.tag });
  return tags.map((t) => ({ ...t, operations: ops.filter((o) => o.tag === t.name) })).filter((g) => g.operations.length > 0);
}

/** The schema a $ref names (and that name), or the schema itself. */
export function resolve(doc: ApiDocument, schema: Schema): { schema: Schema; name?: string } {
  if (!schema.$ref) return { schema };
  const name = schema.$ref.replace("#/components/schemas/", "");
  return { schema: doc.components?.schemas?.[name] ?? {}, name };
}

/** `X or null` written as X plus a flag (zod-openapi writes both `anyOf: [X, null]` and `type: [t, "null"]`). */
export function unwrapNullable(schema: Schema): { schema: Schema; nullable: boolean } {
  const alts = schema.anyOf ?? schema.oneOf;
  if (alts && alts.length === 2 && alts.some(isNull)) {
    const inner = alts.find((a) => !isNull(a))!;
    return { schema: { ...inner, description: inner.description ?? schema.description }, nullable: true };
  }
  if (Array.isArray(schema.type) && schema.type.includes("null")) {
    const rest = schema.type.filter((t) => t !== "null");
    return { schema: { ...schema, type: rest.length === 1 ? rest[0] : rest }, nullable: true };
  }
  return { schema, nullable: false };
}
const isNull = (s: Schema) => s.type === "null";

/** The type in a few words: `string (uuid)`, `array of ApiKey`, `integer or null`. */
export function typeLabel(doc: ApiDocument, raw: Schema): string {
  const { schema, nullable } = unwrapNullable(raw);
  const orNull = nullable ? " or null" : "";
  if (schema.$ref) return resolve(doc, schema).name + orNull;
  if (schema.const !== undefined) return JSON.stringify(schema.const) + orNull;
  const alts = schema.oneOf ?? schema.anyOf;
  if (alts) return alts.map((a) => typeLabel(doc, a)).join(" or ") + orNull;
  const type = Array.isArray(schema.type) ? schema.type.join(" or ") : schema.type;
  if (type === "array") return `array of ${schema.items ? typeLabel(doc, schema.items) : "any"}` + orNull;
  if (type === "object" && !schema.properties && schema.additionalProperties && typeof schema.additionalProperties === "object") {
    const values = Object.keys(schema.additionalProperties).length ? typeLabel(doc, schema.additionalProperties) : "any";
    return `map of string to ${values}` + orNull;
  }
  if (!type) return (schema.properties ? "object" : "any") + orNull;
  return (schema.format ? `${type} (${schema.format})` : type) + orNull;
}

// zod's int() bounds say "any safe integer": not worth a reader's attention.
const meaningful = (n: number | undefined): n is number => n !== undefined && Math.abs(n) < Number.MAX_SAFE_INTEGER;

/** Past this many allowed values, the page folds the list away (`longEnum`) and the limits only count them. */
export const LONG_ENUM = 12;

/** The allowed values of a field (or of its items) when there are too many to read in a line. */
export function longEnum(raw: Schema): unknown[] | null {
  const { schema } = unwrapNullable(raw);
  if (schema.enum && schema.enum.length > LONG_ENUM) return schema.enum;
  return schema.items ? longEnum(schema.items) : null;
}

/** The limits worth telling a caller: allowed values, lengths, ranges, sizes, default. */
export function constraints(raw: Schema): string[] {
  const { schema } = unwrapNullable(raw);
  const out: string[] = [];
  if (schema.enum && schema.enum.length <= LONG_ENUM) out.push(`one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`);
  else if (schema.enum) out.push(`one of ${schema.enum.length} values`);
  const { minimum: min, maximum: max } = schema;
  if (meaningful(min) && meaningful(max)) out.push(`${min} to ${max}`);
  else if (meaningful(min)) out.push(`at least ${min}`);
  else if (meaningful(max)) out.push(`at most ${max}`);
  if (schema.minLength !== undefined && schema.minLength > 0 && schema.maxLength !== undefined) out.push(`${schema.minLength} to ${schema.maxLength} characters`);
  else if (schema.maxLength !== undefined) out.push(`at most ${schema.maxLength} characters`);
  else if (schema.minLength !== undefined && schema.minLength > 0) out.push(`at least ${schema.minLength} character${schema.minLength === 1 ? "" : "s"}`);
  if (schema.minItems !== undefined && schema.minItems > 0 && schema.maxItems !== undefined) out.push(`${schema.minItems} to ${schema.maxItems} items`);
  else if (schema.maxItems !== undefined) out.push(`at most ${schema.maxItems} items`);
  else if (schema.minItems !== undefined && schema.minItems > 0) out.push(`at least ${schema.minItems} item${schema.minItems === 1 ? "" : "s"}`);
  if (schema.items && !schema.items.$ref) out.push(...constraints(schema.items).map((c) => `each ${c}`));
  if (schema.default !== undefined) out.push(`default ${JSON.stringify(schema.default)}`);
  return out;
}

const SAMPLE_FORMATS: Record<string, string> = {
  uuid: "01937a1c-5d2e-7c4b-9a3f-2b1e8d7c6a5f",
  "date-time": "2026-11-26T10:00:00.000Z",
  date: "2026-11-26",
  email: "alice@example.com",
  uri: "https://dolfin.example/",
  ipv4: "203.0.113.7",
};
// Plausible values for the field names our schemas use, so a made-up example reads like a real answer.
const SAMPLE_FIELDS: Record<string, unknown> = {
  name: "Billing sync",
  keyPrefix: "dol_live_3xT9aB2q",
  rawKey: "dol_live_3xT9aB2qK7mN4pR8sV1wY6zC0dF5gH2jL9nQ3tX7uA1b2C3d",
  key: "dol_live_3xT9aB2qK7mN4pR8sV1wY6zC0dF5gH2jL9nQ3tX7uA1b2C3d",
  email: "alice@example.com",
  label: "alice@example.com",
  ip: "203.0.113.7",
  lastUsedIp: "203.0.113.7",
  userAgent: "billing-sync/2.3",
  lastUsedUserAgent: "billing-sync/2.3",
  scopes: ["invoices:read", "customers:read"],
  allowedIps: ["203.0.113.0/24"],
  permission: "invoices:write",
  action: "apiKey.created",
  clientName: "Acme Payments",
  password: "correct horse battery staple",
  token: "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0…",
  nextCursor: "01937a1c-5d2e-7c4b-9a3f-2b1e8d7c6a5f",
};

/**
 * A value that fits the schema, for an example when the document gives none.
 * `field` is the property it is for (a plausible value when we know the name);
 * `depth` counts objects and arrays entered, `hops` references followed.
 */
export function sample(doc: ApiDocument, raw: Schema, field?: string, depth = 0, hops = 0): unknown {
  if (depth > 8 || hops > 32) return null;
  const again = (s: Schema) => sample(doc, s, field, depth, hops + 1);
  if (raw.$ref) return again(resolve(doc, raw).schema);
  if (raw.example !== undefined) return raw.example;
  if (raw.examples?.length) return raw.examples[0];
  const { schema } = unwrapNullable(raw);
  if (schema !== raw) return again(schema);
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum?.length) return schema.enum[0];
  const alts = schema.oneOf ?? schema.anyOf ?? schema.allOf;
  if (alts?.length) return again(alts[0]);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const known = field === undefined ? undefined : SAMPLE_FIELDS[field];
  if (known !== undefined && (Array.isArray(known) ? type === "array" : typeof known === type)) return known;
  switch (type) {
    case "string":
      return SAMPLE_FORMATS[schema.format ?? ""] ?? "string";
    case "integer":
    case "number":
      return meaningful(schema.minimum) ? Math.max(schema.minimum, 0) : 0;
    case "boolean":
      return true;
    case "array":
      if (!schema.items) return [];
      // As many items as the schema asks for (at least one), all alike.
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => sample(doc, schema.items!, undefined, depth + 1, hops));
    case "null":
      return null;
    default: {
      if (!schema.properties) return {};
      return Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, sample(doc, v, k, depth + 1, hops)]));
    }
  }
}

/** The document's examples for a body, or one made from its schema. */
export function examplesOf(doc: ApiDocument, media: Media | undefined): Example[] {
  if (!media) return [];
  if (media.examples && Object.keys(media.examples).length) {
    return Object.entries(media.examples).map(([name, e]) => ({ name: e.summary ?? name, value: e.value, generated: false }));
  }
  if (media.example !== undefined) return [{ name: "example", value: media.example, generated: false }];
  return media.schema ? [{ name: "example", value: sample(doc, media.schema), generated: true }] : [];
}

/**
 * Responses many routes share word for word (401, 403, 429, 503, …): told once
 * on the page, and named by code under each operation. Keyed `code description`.
 */
export function commonResponses(doc: ApiDocument): Map<string, { code: string; response: Response; count: number }> {
  const ops = operationsByTag(doc).flatMap((g) => g.operations);
  const seen = new Map<string, { code: string; response: Response; count: number }>();
  for (const op of ops) {
    for (const [code, response] of Object.entries(op.responses ?? {})) {
      if (/^[23]/.test(code)) continue;
      const key = responseKey(code, response);
      const hit = seen.get(key);
      if (hit) hit.count++;
      else seen.set(key, { code, response, count: 1 });
    }
  }
  const threshold = Math.max(3, ops.length / 4);
  return new Map([...seen].filter(([, v]) => v.count >= threshold));
}
export const responseKey = (code: string, r: { description: string }) => `${code} ${r.description}`;

/** How an operation may be called: the security schemes it accepts, `[]` when public. */
export function authSchemes(op: Operation): string[] {
  return [...new Set(op.security.flatMap((req) => Object.keys(req)))];
}

const AUTH_HEADERS: Record<string, string> = {
  ApiKeyAuth: "x-dolfin-api-key: $DOLFIN_API_KEY",
  BearerAuth: "authorization: Bearer $TOKEN",
  ServiceToken: "x-dolfin-service-token: $SERVICE_TOKEN",
};

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A curl line that calls the operation (path parameters and body from the examples). */
export function curlExample(doc: ApiDocument, op: Operation, body?: unknown): string {
  let path = op.path;
  for (const p of op.parameters ?? []) {
    if (p.in === "path") path = path.replace(`{${p.name}}`, String(p.schema ? sample(doc, p.schema, p.name) : p.name));
  }
  const lines = [`curl${op.method === "get" ? "" : ` -X ${op.method.toUpperCase()}`} "$DOLFIN_URL${path}"`];
  const scheme = authSchemes(op).find((s) => AUTH_HEADERS[s]);
  if (scheme) lines.push(`-H "${AUTH_HEADERS[scheme]}"`);
  if (body !== undefined) lines.push(`-H "content-type: application/json"`, `-d ${shellQuote(JSON.stringify(body))}`);
  return lines.join(" \\\n  ");
}
