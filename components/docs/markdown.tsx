// The little Markdown the OpenAPI document's descriptions use: paragraphs,
// "- " lists, `code` and **bold**. Rendered as React elements (never as HTML
// from a string), so nothing in a description can inject markup.
import { Fragment, type ReactNode } from "react";

const CODE = "rounded bg-slate-100 px-[0.25em] py-0.5 font-mono text-[0.85em] text-slate-800 [overflow-wrap:anywhere]";

export function Inline({ text }: { text: string }) {
  const out: ReactNode[] = [];
  // `code` first (its content is literal), then **bold** in the text between.
  text.split(/(`[^`]+`)/).forEach((part, i) => {
    if (part.startsWith("`") && part.endsWith("`") && part.length > 1) {
      out.push(<code key={i} className={CODE}>{part.slice(1, -1)}</code>);
      return;
    }
    part.split(/(\*\*[^*]+\*\*)/).forEach((bit, j) => {
      if (bit.startsWith("**") && bit.endsWith("**") && bit.length > 4) out.push(<strong key={`${i}.${j}`} className="font-semibold text-slate-900">{bit.slice(2, -2)}</strong>);
      else if (bit) out.push(<Fragment key={`${i}.${j}`}>{bit}</Fragment>);
    });
  });
  return <>{out}</>;
}

export function Markdown({ text, className = "" }: { text: string; className?: string }) {
  const blocks = text.trim().split(/\n\s*\n/);
  return (
    <div className={`space-y-2 ${className}`}>
      {blocks.map((block, i) => {
        const lines = block.split("\n");
        if (lines.every((l) => l.startsWith("- "))) {
          return (
            <ul key={i} className="list-disc space-y-1 pl-5">
              {lines.map((l, j) => <li key={j}><Inline text={l.slice(2)} /></li>)}
            </ul>
          );
        }
        return <p key={i}><Inline text={lines.join(" ")} /></p>;
      })}
    </div>
  );
}
