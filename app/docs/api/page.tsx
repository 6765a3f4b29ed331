// The API reference: our OpenAPI document (/api/openapi.json, generated from
// the zod schemas the routes parse with) rendered on the server as plain
// semantic HTML in our own styles. No script, no third-party UI: it is built
// once at `next build`, passes axe (e2e/a11y.spec.ts) and reads on a phone.
import type { Metadata } from "next";
import Link from "next/link";
import { Inline, Markdown } from "@/components/docs/markdown";
import { SchemaView, Values } from "@/components/docs/schema-view";
import { openApiDocument } from "@/lib/openapi/document";
import {
  authSchemes,
  commonResponses,
  constraints,
  curlExample,
  examplesOf,
  longEnum,
  operationsByTag,
  resolve,
  responseKey,
  typeLabel,
  type ApiDocument,
  type Operation,
} from "@/lib/openapi/reference";

export const metadata: Metadata = { title: "API reference", description: "Every route of the Dolfin API-keys API: authentication, parameters, bodies, responses and examples." };

const doc = openApiDocument() as unknown as ApiDocument;
const groups = operationsByTag(doc);
const common = commonResponses(doc);
const schemes = doc.components?.securitySchemes ?? {};

const TAG_TITLES: Record<string, string> = { ApiKeys: "API keys", ClientInvites: "Invitations", Clients: "Clients and members", Auth: "Authentication and sessions" };
const tagTitle = (name: string) => TAG_TITLES[name] ?? name;

const SCHEME_TITLES: Record<string, string> = { ApiKeyAuth: "API key", BearerAuth: "Bearer token", SessionCookie: "Browser session", ServiceToken: "Service token" };
const schemeTitle = (name: string) => SCHEME_TITLES[name] ?? name;

const METHOD_STYLE: Record<string, string> = {
  get: "bg-sky-100 text-sky-900",
  post: "bg-emerald-100 text-emerald-900",
  put: "bg-amber-100 text-amber-900",
  patch: "bg-amber-100 text-amber-900",
  delete: "bg-red-100 text-red-900",
};

function Method({ method, small = false }: { method: string; small?: boolean }) {
  return (
    <span className={`inline-block shrink-0 rounded font-mono font-semibold uppercase ${small ? "w-12 px-1 text-center text-[0.65rem] leading-5" : "px-2 py-0.5 text-xs"} ${METHOD_STYLE[method] ?? "bg-slate-100 text-slate-800"}`}>
      {method}
    </span>
  );
}

function Status({ code }: { code: string }) {
  const style = code.startsWith("2") ? "bg-emerald-100 text-emerald-900" : code.startsWith("4") ? "bg-amber-100 text-amber-900" : code.startsWith("5") ? "bg-red-100 text-red-900" : "bg-slate-100 text-slate-800";
  return <span className={`inline-block w-16 shrink-0 rounded px-1.5 py-0.5 text-center font-mono text-xs font-semibold ${style}`}>{code}</span>;
}

function Code({ children, label }: { children: string; label?: string }) {
  return (
    <div className="mt-2">
      {label && <p className="text-xs font-medium text-slate-700">{label}</p>}
      {/* Wrapped rather than scrolled: nothing hides off to the side on a phone, and no scrolling region to reach by keyboard. */}
      <pre className="mt-1 whitespace-pre-wrap rounded-lg bg-slate-900 p-3 font-mono text-xs leading-relaxed text-slate-100 [overflow-wrap:anywhere]">
        <code>{children}</code>
      </pre>
    </div>
  );
}

const humanize = (name: string) => name.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
const H4 = "mt-5 text-sm font-semibold uppercase tracking-wide text-slate-700";

function authText(op: Operation) {
  const names = authSchemes(op);
  if (names.length === 0) return <>None: anyone may call it.</>;
  return (
    <>
      {names.map((n, i) => (
        <span key={n}>
          {i > 0 && (i === names.length - 1 ? " or " : ", ")}
          <a href={`#auth-${n}`} className="font-medium text-brand-700 underline underline-offset-2 hover:text-brand-900">{schemeTitle(n)}</a>
        </span>
      ))}
    </>
  );
}

function OperationCard({ op }: { op: Operation }) {
  const params = op.parameters ?? [];
  const body = op.requestBody?.content?.["application/json"];
  const bodyExamples = examplesOf(doc, body);
  const responses = Object.entries(op.responses ?? {});
  const own = responses.filter(([code, r]) => !common.has(responseKey(code, r)));
  const shared = responses.filter(([code, r]) => common.has(responseKey(code, r)));
  return (
    <section id={op.id} aria-labelledby={`${op.id}-title`} className="scroll-mt-4 rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:p-6">
      <h3 id={`${op.id}-title`} className="text-lg font-semibold text-slate-900">
        <a href={`#${op.id}`} className="hover:underline">{op.summary ?? op.id}</a>
      </h3>
      <p className="mt-2 flex flex-wrap items-center gap-2">
        <Method method={op.method} />
        <code className="font-mono text-sm text-slate-900 [overflow-wrap:anywhere]">{op.path}</code>
      </p>
      <p className="mt-3 text-sm text-slate-700">
        <span className="font-medium text-slate-900">Authentication: </span>
        {authText(op)}
      </p>
      {op.description && <Markdown text={op.description} className="mt-3 text-sm leading-relaxed text-slate-700" />}

      {params.length > 0 && (
        <>
          <h4 className={H4}>Parameters</h4>
          <ul className="mt-1 divide-y divide-slate-100">
            {params.map((p) => {
              const limits = p.schema ? constraints(p.schema) : [];
              return (
                <li key={`${p.in}-${p.name}`} className="py-2 text-sm">
                  <div className="flex flex-wrap items-baseline gap-x-2">
                    <code className="font-mono text-[0.85rem] font-semibold text-slate-900">{p.name}</code>
                    <span className="font-mono text-xs text-slate-600">{p.schema ? typeLabel(doc, p.schema) : "string"}</span>
                    <span className="text-xs text-slate-600">in {p.in}</span>
                    {p.required ? <span className="text-xs font-medium text-red-700">required</span> : <span className="text-xs text-slate-600">optional</span>}
                  </div>
                  {p.description && <Markdown text={p.description} className="mt-0.5 text-slate-700" />}
                  {limits.length > 0 && <p className="mt-0.5 text-xs text-slate-600">{limits.join(" · ")}</p>}
                  {p.schema && <Values values={longEnum(p.schema)} />}
                </li>
              );
            })}
          </ul>
        </>
      )}

      {op.requestBody && (
        <>
          <h4 className={H4}>Request body</h4>
          <p className="mt-1 text-sm text-slate-700">
            <code className="font-mono text-xs">application/json</code>, {op.requestBody.required ? "required" : "optional"}
            {body?.schema?.$ref && <> · <span className="font-mono text-xs">{resolve(doc, body.schema).name}</span></>}
          </p>
          {body?.schema && resolve(doc, body.schema).schema.description && (
            <Markdown text={resolve(doc, body.schema).schema.description!} className="mt-1 text-sm text-slate-700" />
          )}
          {body?.schema && (
            <div className="mt-1">
              <SchemaView doc={doc} schema={body.schema} mode="request" />
            </div>
          )}
          {bodyExamples.map((e) => (
            <Code key={e.name} label={e.generated ? "Example" : `Example: ${humanize(e.name)}`}>{JSON.stringify(e.value, null, 2)}</Code>
          ))}
        </>
      )}

      <h4 className={H4}>Responses</h4>
      <ul className="mt-1 space-y-3">
        {own.map(([code, r]) => {
          const json = r.content?.["application/json"];
          const problem = r.content?.["application/problem+json"];
          const examples = code.startsWith("2") ? examplesOf(doc, json) : [];
          const typeName = json?.schema ? typeLabel(doc, json.schema) : undefined;
          return (
            <li key={code} className="flex items-start gap-3 text-sm">
              <Status code={code} />
              <div className="min-w-0 flex-1">
                <Markdown text={r.description} className="text-slate-700" />
                {Object.entries(r.headers ?? {}).map(([h, v]) => (
                  <p key={h} className="mt-1 text-xs text-slate-700">
                    Header <code className="font-mono">{h}</code>{v.description ? <>: <Inline text={v.description} /></> : null}
                  </p>
                ))}
                {problem && (
                  <p className="mt-1 text-xs text-slate-600">
                    <code className="font-mono">application/problem+json</code>: <a href="#errors" className="text-brand-700 underline underline-offset-2 hover:text-brand-900">problem details</a>
                  </p>
                )}
                {json?.schema && (
                  <details className="group mt-2 rounded-lg ring-1 ring-slate-200">
                    <summary className="cursor-pointer rounded-lg px-3 py-2 text-xs font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-600">
                      Fields of the body <span className="font-mono">({typeName})</span>
                    </summary>
                    <div className="border-t border-slate-200 px-3 pb-2">
                      <SchemaView doc={doc} schema={json.schema} mode="response" />
                    </div>
                  </details>
                )}
                {examples.map((e) => (
                  <Code key={e.name} label={e.generated ? "Example" : `Example: ${humanize(e.name)}`}>{JSON.stringify(e.value, null, 2)}</Code>
                ))}
              </div>
            </li>
          );
        })}
      </ul>
      {shared.length > 0 && (
        <p className="mt-3 text-sm text-slate-700">
          And the <a href="#common-errors" className="text-brand-700 underline underline-offset-2 hover:text-brand-900">common errors</a>:{" "}
          {shared.map(([code], i) => (
            <span key={code}>
              {i > 0 && ", "}
              <a href={`#error-${code}`} className="font-mono text-brand-700 underline underline-offset-2 hover:text-brand-900">{code}</a>
            </span>
          ))}
          .
        </p>
      )}

      <h4 className={H4}>Example request</h4>
      <Code>{curlExample(doc, op, bodyExamples[0]?.value)}</Code>
    </section>
  );
}

function Contents() {
  const link = "block rounded px-2 py-1 text-slate-700 hover:bg-slate-100 hover:text-slate-900";
  return (
    <ul className="space-y-1 text-sm">
      <li><a href="#overview" className={link}>Overview</a></li>
      <li><a href="#authentication" className={link}>Authentication</a></li>
      <li><a href="#errors" className={link}>Errors</a></li>
      {groups.map((g) => (
        <li key={g.name} className="pt-2">
          <a href={`#tag-${g.name}`} className={`${link} font-semibold text-slate-900`}>{tagTitle(g.name)}</a>
          <ul className="mt-0.5 space-y-0.5">
            {g.operations.map((op) => (
              <li key={op.id}>
                <a href={`#${op.id}`} className={`${link} flex items-start gap-2`}>
                  <Method method={op.method} small />
                  <span className="min-w-0">{op.summary ?? op.id}</span>
                </a>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}

export default function ApiReferencePage() {
  const problem = doc.components?.schemas?.ProblemDetails;
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-10 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:ring-2 focus:ring-brand-600">
          Skip to the reference
        </a>
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3 sm:px-6">
          <Link href="/settings/api-keys" className="flex items-center gap-2 font-bold text-brand-700 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-600">
            <span aria-hidden="true" className="grid h-7 w-7 place-items-center rounded-md bg-brand-600 text-sm text-white">D</span>
            <span>Dolfin</span>
          </Link>
          <span className="text-sm font-medium text-slate-600">API reference</span>
          <nav aria-label="Site" className="ml-auto flex items-center gap-1 text-sm">
            <Link href="/settings/api-keys" className="rounded-md px-2 py-1 font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900">API keys</Link>
            <a href="/api/openapi.json" className="rounded-md px-2 py-1 font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900">OpenAPI JSON</a>
          </nav>
        </div>
      </header>

      <div className="mx-auto max-w-6xl px-4 sm:px-6 lg:grid lg:grid-cols-[16rem_minmax(0,1fr)] lg:gap-10">
        <nav aria-label="Contents" className="hidden lg:block lg:sticky lg:top-0 lg:max-h-screen lg:overflow-y-auto lg:py-8">
          <Contents />
        </nav>

        <main id="main" className="min-w-0 space-y-12 py-8">
          <section id="overview" aria-labelledby="overview-title">
            <h1 id="overview-title" className="text-2xl font-semibold tracking-tight text-slate-900">{doc.info.title}</h1>
            <p className="mt-1 text-sm text-slate-600">Version {doc.info.version} · {groups.reduce((n, g) => n + g.operations.length, 0)} operations · the same document as <a href="/api/openapi.json" className="text-brand-700 underline underline-offset-2 hover:text-brand-900">/api/openapi.json</a></p>
            {/* Phones and tablets: the contents fold away under the title (the sidebar shows them on wide screens). */}
            <nav aria-label="Contents" className="mt-4 lg:hidden">
              <details className="rounded-lg bg-white ring-1 ring-slate-200">
                <summary className="cursor-pointer rounded-lg px-4 py-3 text-sm font-semibold text-slate-900 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-600">Contents</summary>
                <div className="border-t border-slate-200 px-2 py-3">
                  <Contents />
                </div>
              </details>
            </nav>
            {doc.info.description && <Markdown text={doc.info.description} className="mt-4 max-w-3xl text-sm leading-relaxed text-slate-700" />}
          </section>

          <section id="authentication" aria-labelledby="authentication-title" className="scroll-mt-4">
            <h2 id="authentication-title" className="text-xl font-semibold text-slate-900">Authentication</h2>
            <p className="mt-2 max-w-3xl text-sm text-slate-700">
              Each operation names the ways it may be called. The examples call <code className="font-mono text-xs">$DOLFIN_URL</code> (this server&apos;s address) with{" "}
              <code className="font-mono text-xs">$DOLFIN_API_KEY</code> (a raw key) or <code className="font-mono text-xs">$TOKEN</code> (from{" "}
              <a href="#createToken" className="text-brand-700 underline underline-offset-2 hover:text-brand-900">Exchange email and password for a Bearer token</a>).
            </p>
            <dl className="mt-4 grid gap-3 sm:grid-cols-2">
              {Object.entries(schemes).map(([name, s]) => (
                <div key={name} id={`auth-${name}`} className="scroll-mt-4 rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200">
                  <dt className="font-semibold text-slate-900">{schemeTitle(name)}</dt>
                  <dd className="mt-1 text-sm text-slate-700">
                    {s.type === "http" ? (
                      <code className="font-mono text-xs">Authorization: {s.scheme === "bearer" ? "Bearer" : s.scheme} &lt;token&gt;</code>
                    ) : (
                      <>
                        {s.in === "cookie" ? "Cookie" : "Header"} <code className="font-mono text-xs">{s.name}</code>
                      </>
                    )}
                    {s.description && <Markdown text={s.description} className="mt-1" />}
                  </dd>
                </div>
              ))}
            </dl>
          </section>

          <section id="errors" aria-labelledby="errors-title" className="scroll-mt-4">
            <h2 id="errors-title" className="text-xl font-semibold text-slate-900">Errors</h2>
            <p className="mt-2 max-w-3xl text-sm text-slate-700">
              Every error is a problem details object (RFC 7807, <code className="font-mono text-xs">application/problem+json</code>). Branch on{" "}
              <code className="font-mono text-xs">code</code>; quote <code className="font-mono text-xs">traceId</code> when asking for help.
            </p>
            {problem && (
              <div className="mt-4 rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:p-6">
                <h3 className="font-semibold text-slate-900">Problem details</h3>
                <div className="mt-1">
                  <SchemaView doc={doc} schema={problem} mode="response" />
                </div>
              </div>
            )}
            <div id="common-errors" className="mt-4 scroll-mt-4 rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:p-6">
              <h3 className="font-semibold text-slate-900">Common errors</h3>
              <p className="mt-1 text-sm text-slate-700">Most operations may answer these; each operation lists the ones it may.</p>
              <ul className="mt-3 space-y-3">
                {[...common.values()].map(({ code, response }) => (
                  <li key={code} id={`error-${code}`} className="flex scroll-mt-4 items-start gap-3 text-sm">
                    <Status code={code} />
                    <Markdown text={response.description} className="min-w-0 flex-1 text-slate-700" />
                  </li>
                ))}
              </ul>
            </div>
          </section>

          {groups.map((g) => (
            <section key={g.name} id={`tag-${g.name}`} aria-labelledby={`tag-${g.name}-title`} className="scroll-mt-4">
              <h2 id={`tag-${g.name}-title`} className="text-xl font-semibold text-slate-900">{tagTitle(g.name)}</h2>
              {g.description && <Markdown text={g.description} className="mt-2 max-w-3xl text-sm text-slate-700" />}
              <div className="mt-4 space-y-6">
                {g.operations.map((op) => (
                  <OperationCard key={op.id} op={op} />
                ))}
              </div>
            </section>
          ))}
        </main>
      </div>
    </div>
  );
}
