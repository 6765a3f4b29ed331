// A schema from the OpenAPI document as a list of fields: name, type in words,
// required or optional, description, limits, and the fields of nested objects
// (indented). Server-rendered; no script.
import { constraints, longEnum, resolve, typeLabel, unwrapNullable, type ApiDocument, type Schema } from "@/lib/openapi/reference";
import { Markdown } from "./markdown";

type Mode = "request" | "response";
const MAX_DEPTH = 4;

/** The object (or the array's item object) whose fields a schema has, if any. */
function objectOf(doc: ApiDocument, raw: Schema, seen: Set<string>): { schema: Schema; seen: Set<string> } | null {
  let s = unwrapNullable(raw).schema;
  if (s.type === "array" && s.items) s = unwrapNullable(s.items).schema;
  if (s.$ref) {
    const { schema, name } = resolve(doc, s);
    if (name && seen.has(name)) return null;
    return objectOf(doc, schema, name ? new Set([...seen, name]) : seen);
  }
  if (s.properties || s.oneOf || s.anyOf) return { schema: s, seen };
  return null;
}

export function SchemaView({ doc, schema, mode, depth = 0, seen = new Set<string>() }: { doc: ApiDocument; schema: Schema; mode: Mode; depth?: number; seen?: Set<string> }) {
  const obj = objectOf(doc, schema, seen);
  if (!obj) {
    const limits = constraints(schema);
    return (
      <p className="text-sm text-slate-700">
        <span className="font-mono text-xs text-slate-700">{typeLabel(doc, schema)}</span>
        {limits.length > 0 && <span className="text-xs text-slate-600"> · {limits.join(" · ")}</span>}
      </p>
    );
  }
  const variants = obj.schema.oneOf ?? obj.schema.anyOf;
  if (variants) {
    return (
      <ol className="space-y-3">
        {variants.map((v, i) => (
          <li key={i}>
            <p className="text-xs font-medium text-slate-700">{variants.length > 1 ? (i === 0 ? "One of: " : "or: ") : ""}{variantName(doc, v, i)}</p>
            <div className="mt-1">
              <SchemaView doc={doc} schema={v} mode={mode} depth={depth} seen={obj.seen} />
            </div>
          </li>
        ))}
      </ol>
    );
  }
  return <Fields doc={doc} schema={obj.schema} mode={mode} depth={depth} seen={obj.seen} />;
}

/** A variant by what tells it apart: a constant field (`valid: false`), or its number. */
function variantName(doc: ApiDocument, v: Schema, i: number): string {
  const s = resolve(doc, v).schema;
  const tag = Object.entries(s.properties ?? {}).find(([, p]) => p.const !== undefined);
  return tag ? `when ${tag[0]} is ${JSON.stringify(tag[1].const)}` : `variant ${i + 1}`;
}

function Fields({ doc, schema, mode, depth, seen }: { doc: ApiDocument; schema: Schema; mode: Mode; depth: number; seen: Set<string> }) {
  const required = new Set(schema.required ?? []);
  const props = Object.entries(schema.properties ?? {});
  if (props.length === 0) return <p className="text-sm text-slate-600">An empty object.</p>;
  return (
    <ul className={`divide-y divide-slate-100 ${depth > 0 ? "mt-2 border-l-2 border-slate-200 pl-3" : ""}`}>
      {props.map(([name, prop]) => {
        const nested = depth < MAX_DEPTH ? objectOf(doc, prop, seen) : null;
        const description = prop.description ?? (prop.$ref ? resolve(doc, prop).schema.description : undefined);
        const limits = constraints(prop.$ref ? resolve(doc, prop).schema : prop);
        const isRequired = required.has(name);
        return (
          <li key={name} className="py-2 text-sm">
            <div className="flex flex-wrap items-baseline gap-x-2 gap-y-0.5">
              <code className="font-mono text-[0.85rem] font-semibold text-slate-900 [overflow-wrap:anywhere]">{name}</code>
              <span className="font-mono text-xs text-slate-600 [overflow-wrap:anywhere]">{typeLabel(doc, prop)}</span>
              {mode === "request" && isRequired && <span className="text-xs font-medium text-red-700">required</span>}
              {!isRequired && <span className="text-xs text-slate-600">optional</span>}
            </div>
            {description && <Markdown text={description} className="mt-0.5 text-slate-700" />}
            {limits.length > 0 && <p className="mt-0.5 text-xs text-slate-600">{limits.join(" · ")}</p>}
            <Values values={longEnum(prop)} />
            {nested && <SchemaView doc={doc} schema={prop} mode={mode} depth={depth + 1} seen={seen} />}
          </li>
        );
      })}
    </ul>
  );
}

/** A long list of allowed values (the scope catalogue), folded away until asked for. */
export function Values({ values }: { values: unknown[] | null }) {
  if (!values) return null;
  return (
    <details className="mt-1">
      <summary className="cursor-pointer text-xs font-medium text-brand-700 hover:text-brand-900 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-600">
        The {values.length} allowed values
      </summary>
      <ul className="mt-1 flex flex-wrap gap-1">
        {values.map((v) => (
          <li key={String(v)}>
            <code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-xs text-slate-800">{String(v)}</code>
          </li>
        ))}
      </ul>
    </details>
  );
}
