// The emails of key requests: to the other Owners and Admins when one is made
// (what is asked, why, and a link), and to the requester when it is approved or
// denied (with the reason). The link is no secret: it opens the request on the
// API keys page, where the person signs in as usual.
import { quotaText, rateLimitText } from "@/lib/api-keys/limit-text";
import type { Quota, RateLimit } from "@/lib/api-keys/schemas";
import { clip, escapeHtml, SUBJECT_MAX, type Email } from "@/lib/mail/templates";

const NAME_MAX = 200;
const SUBJECT_NAME_MAX = 60;

export type RequestFacts = {
  clientName: string;
  clientType: "Live" | "Sandbox";
  kind: "create" | "widen";
  keyName: string | null;
  keyPrefix: string | null;
  scopes: string[] | null;
  allowedIps: string[];
  expiresAt: Date | null;
  /** A new key's limits as asked (a widening: null, its limits do not change). */
  rateLimit: RateLimit | null;
  quota: Quota | null;
  reason: string;
  link: string | null;
};

const when = (d: Date) => d.toUTCString().replace("GMT", "UTC");
const listOf = (xs: string[], max = 12) => (xs.length > max ? `${xs.slice(0, max).join(", ")} and ${xs.length - max} more` : xs.join(", "));

function describe(f: RequestFacts): string[] {
  const key = f.keyName ? `“${clip(f.keyName, NAME_MAX)}”${f.keyPrefix ? ` (${f.keyPrefix}…)` : ""}` : f.keyPrefix ? `${f.keyPrefix}…` : "(no name)";
  return [
    f.kind === "create" ? `A new API key: ${key}` : `More access for the API key ${key}`,
    `Access: ${f.scopes === null ? "full access (everything this Client's keys can do)" : listOf(f.scopes)}`,
    `From: ${f.allowedIps.length === 0 ? "any address" : listOf(f.allowedIps)}`,
    ...(f.kind === "create"
      ? [`Expires: ${f.expiresAt ? when(f.expiresAt) : "never"}`, `Limits: ${f.rateLimit || f.quota ? `rate ${rateLimitText(f.rateLimit)}, quota ${quotaText(f.quota)}` : "none (not rate-limited, no quota)"}`]
      : []),
    `Reason: ${clip(f.reason, 500)}`,
  ];
}

function html(paragraphs: string[], facts: string[], link: { href: string; label: string } | null, foot: string): string {
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#0f172a;line-height:1.5">
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n")}
<ul>${facts.map((f) => `<li>${escapeHtml(f)}</li>`).join("")}</ul>
${link ? `<p><a href="${escapeHtml(link.href)}" style="display:inline-block;background:#1d4ed8;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">${escapeHtml(link.label)}</a></p>` : ""}
<p style="color:#475569">${escapeHtml(foot)}</p>
</body></html>`;
}

const sandbox = (f: RequestFacts) => (f.clientType === "Sandbox" ? " (Sandbox)" : "");

/** To each other Owner and Admin: someone asks for a powerful key. */
export function keyRequestedEmail(f: RequestFacts & { requester: string }): Email {
  const client = `${clip(f.clientName, NAME_MAX)}${sandbox(f)}`;
  const lead = `${clip(f.requester, NAME_MAX)} asks for ${f.kind === "create" ? "a new API key" : "more access for an API key"} of ${client}, which needs a second person's approval under its key policy.`;
  const facts = describe(f);
  const next = "Approve it only if it is exactly what is needed: an approval covers this request as it is, and nothing about it can change. It expires in 7 days.";
  const foot = "You get this because you are an Owner or Admin of this Client.";
  const text = [lead, "", ...facts, "", next, f.link ? `Review it: ${f.link}` : "Review it under API keys > Requests in Dolfin's settings.", "", foot].join("\n");
  return {
    subject: clip(`${clip(f.requester, SUBJECT_NAME_MAX)} asks for approval of an API key of ${clip(f.clientName, SUBJECT_NAME_MAX)}${sandbox(f)}`, SUBJECT_MAX),
    text,
    html: html([lead, next], facts, f.link ? { href: f.link, label: "Review the request" } : null, foot),
  };
}

/** To the requester: approved (a new key: claim it within 24 hours; a widening: applied). */
export function keyRequestApprovedEmail(f: RequestFacts & { approver: string; claimBy: Date | null }): Email {
  const client = `${clip(f.clientName, NAME_MAX)}${sandbox(f)}`;
  const lead = `${clip(f.approver, NAME_MAX)} approved your request for ${f.kind === "create" ? "a new API key" : "more access for an API key"} of ${client}.`;
  const next =
    f.kind === "create"
      ? `Claim the key by ${f.claimBy ? when(f.claimBy) : "within 24 hours"}: it is created when you claim it and shown once.`
      : "The key has its new access now, on every server.";
  const facts = describe(f);
  const foot = "You get this because you asked for this key.";
  const text = [lead, next, "", ...facts, "", f.link ? `${f.kind === "create" ? "Claim it" : "See it"}: ${f.link}` : "Open API keys > Requests in Dolfin's settings.", "", foot].join("\n");
  return {
    subject: clip(`Approved: your API key request for ${clip(f.clientName, SUBJECT_NAME_MAX)}${sandbox(f)}`, SUBJECT_MAX),
    text,
    html: html([lead, next], facts, f.link ? { href: f.link, label: f.kind === "create" ? "Claim the key" : "See the request" } : null, foot),
  };
}

/** To the requester: denied, with the reason. */
export function keyRequestDeniedEmail(f: RequestFacts & { denier: string; denyReason: string }): Email {
  const client = `${clip(f.clientName, NAME_MAX)}${sandbox(f)}`;
  const lead = `${clip(f.denier, NAME_MAX)} denied your request for ${f.kind === "create" ? "a new API key" : "more access for an API key"} of ${client}.`;
  const why = `Their reason: ${clip(f.denyReason, 500)}`;
  const facts = describe(f);
  const foot = "You get this because you asked for this key. Make a new request if you still need it.";
  const text = [lead, why, "", ...facts, "", f.link ? `See it: ${f.link}` : "Open API keys > Requests in Dolfin's settings.", "", foot].join("\n");
  return {
    subject: clip(`Denied: your API key request for ${clip(f.clientName, SUBJECT_NAME_MAX)}${sandbox(f)}`, SUBJECT_MAX),
    text,
    html: html([lead, why], facts, f.link ? { href: f.link, label: "See the request" } : null, foot),
  };
}
