// Every response the integration tests receive is checked against the
// OpenAPI document the server itself serves (ajv, JSON Schema 2020-12).
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats-3";

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> };

let ready: Promise<{ doc: Doc; ajv: Ajv2020 }> | undefined;

async function load(base: string) {
  const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(doc as object, "openapi.json");
  return { doc, ajv };
}

const esc = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

function matchPath(doc: Doc, path: string): string | null {
  const p = path.split("?")[0];
  if (doc.paths[p]) return p;
  for (const template of Object.keys(doc.paths)) {
    const re = new RegExp("^" + template.replace(/\{[^}]+\}/g, "[^/]+") + "$");
    if (re.test(p) && !Object.keys(doc.paths).some((t) => t === p)) return template;
  }
  return null;
}

/** Throws when the response does not match the served document. */
export async function assertMatchesDocument(base: string, method: string, path: string, status: number, contentType: string | null, body: unknown): Promise<void> {
  const { doc, ajv } = await (ready ??= load(base));
  const template = matchPath(doc, path);
  const m = method.toLowerCase();
  const op = template ? doc.paths[template][m] : undefined;
  const type = (contentType ?? "").split(";")[0].trim();
  if (!op) {
    // An undocumented path or method: it must still answer with problem details.
    if (status >= 400 && type !== "application/problem+json") throw new Error(`${method} ${path} → ${status} is not documented and not problem+json`);
    return;
  }
  const code = op.responses[String(status)] ? String(status) : op.responses.default ? "default" : null;
  if (!code) throw new Error(`${method} ${path} → ${status}: status not in the OpenAPI document (${Object.keys(op.responses).join(", ")})`);
  const content = op.responses[code].content;
  if (!content) {
    if (body !== null && body !== "") throw new Error(`${method} ${path} → ${status}: documented without a body, got one`);
    return;
  }
  if (!content[type]) throw new Error(`${method} ${path} → ${status}: content type ${type} not documented (${Object.keys(content).join(", ")})`);
  const ref = `openapi.json#/paths/${esc(template!)}/${m}/responses/${code}/content/${esc(type)}/schema`;
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
  if (!validate(body)) {
    throw new Error(`${method} ${path} → ${status}: body does not match the OpenAPI document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
  }
}
