// Email bodies. "{{link}}" marks where a secret link goes: it is filled in at
// send time, so the stored body never holds it.
export const LINK = "{{link}}";

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export type Email = { subject: string; text: string; html: string };

/** EmailOutbox.subject holds 300 characters; a template's subject stays well under it. */
export const SUBJECT_MAX = 200;
/** A name (Client, person, key) inside a subject; in a body, names are cut at NAME_MAX. */
const SUBJECT_NAME_MAX = 60;
const NAME_MAX = 200;

/**
 * At most `max` characters (code points, as PostgreSQL's varchar counts them),
 * whitespace runs as one space, cut with an ellipsis. Every template bounds the
 * names it shows and its subject with this, so no name can make an email too
 * long to queue.
 */
export function clip(s: string, max: number): string {
  const chars = Array.from(s.replace(/\s+/g, " ").trim());
  return chars.length <= max ? chars.join("") : `${chars.slice(0, max - 1).join("").trimEnd()}…`;
}

export function inviteEmail(i: { clientName: string; clientType: "Live" | "Sandbox"; role: string; invitedBy: string; expiresAt: Date }): Email {
  const when = i.expiresAt.toUTCString().replace("GMT", "UTC");
  const sandbox = i.clientType === "Sandbox" ? " (Sandbox)" : "";
  const what = `${clip(i.clientName, NAME_MAX)}${sandbox}`;
  const invitedBy = clip(i.invitedBy, NAME_MAX);
  const subject = clip(`${clip(i.invitedBy, SUBJECT_NAME_MAX)} invited you to ${clip(i.clientName, SUBJECT_NAME_MAX)}${sandbox} on Dolfin`, SUBJECT_MAX);
  const text = [
    `${invitedBy} invited you to join ${what} on Dolfin as ${i.role}.`,
    ``,
    `Accept the invitation: ${LINK}`,
    ``,
    `As ${i.role} you will ${roleText(i.role)}.`,
    `The link works once and expires on ${when}.`,
    `If you did not expect this, ignore this email: nothing happens unless the link is used.`,
  ].join("\n");
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#0f172a;line-height:1.5">
<p><strong>${escapeHtml(invitedBy)}</strong> invited you to join <strong>${escapeHtml(what)}</strong> on Dolfin as <strong>${escapeHtml(i.role)}</strong>.</p>
<p><a href="${LINK}" style="display:inline-block;background:#1d4ed8;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">Accept the invitation</a></p>
<p>As ${escapeHtml(i.role)} you will ${escapeHtml(roleText(i.role))}.</p>
<p style="color:#475569">The link works once and expires on ${escapeHtml(when)}. If you did not expect this, ignore this email: nothing happens unless the link is used.</p>
</body></html>`;
  return { subject, text, html };
}

function roleText(role: string): string {
  if (role === "Owner") return "manage API keys, people and the key policy";
  if (role === "Admin") return "manage API keys and people";
  return "see the Client's API keys";
}

export type ReminderKind = "7d" | "1d" | "expiredInUse";

/** A key's expiry reminder to an Owner or Admin: what, when, and the next step (rotate). */
export function keyReminderEmail(
  kind: ReminderKind,
  k: { name: string | null; keyPrefix: string; expiresAt: Date; lastUsedAt: Date | null; clientName: string; clientType: "Live" | "Sandbox"; appUrl: string | null },
): Email {
  const sandbox = k.clientType === "Sandbox" ? " (Sandbox)" : "";
  const labelOf = (max: number) => (k.name ? `“${clip(k.name, max)}” (${k.keyPrefix}…)` : `${k.keyPrefix}…`);
  const label = labelOf(NAME_MAX);
  const client = `${clip(k.clientName, NAME_MAX)}${sandbox}`;
  const short = `API key ${labelOf(SUBJECT_NAME_MAX)} of ${clip(k.clientName, SUBJECT_NAME_MAX)}${sandbox}`;
  const when = k.expiresAt.toUTCString().replace("GMT", "UTC");
  const page = k.appUrl ? `${k.appUrl.replace(/\/$/, "")}/settings/api-keys` : null;
  const subject = clip(kind === "expiredInUse" ? `${short} expired while still in use` : `${short} expires in ${kind === "7d" ? "7 days" : "1 day"}`, SUBJECT_MAX);
  const lead =
    kind === "expiredInUse"
      ? `The API key ${label} of ${client} expired on ${when}, and it was still being used in its last 24 hours${k.lastUsedAt ? ` (last at ${k.lastUsedAt.toUTCString().replace("GMT", "UTC")})` : ""}. Whatever used it is now refused.`
      : `The API key ${label} of ${client} expires on ${when}. Integrations using it will be refused from then on.`;
  const next =
    kind === "expiredInUse"
      ? "Create a new key and give it to the integration that used this one."
      : "Rotate it now: the new key is shown once, and the old one keeps working for the grace period you choose while you switch over.";
  const text = [lead, "", next, page ? `API keys: ${page}` : "Open API keys in Dolfin's settings.", "", "You get this because you are an Owner or Admin of this Client. Turn these reminders off under Your account."].join("\n");
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#0f172a;line-height:1.5">
<p>${escapeHtml(lead)}</p>
<p>${escapeHtml(next)}</p>
${page ? `<p><a href="${escapeHtml(page)}" style="display:inline-block;background:#1d4ed8;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">Open API keys</a></p>` : ""}
<p style="color:#475569">You get this because you are an Owner or Admin of this Client. Turn these reminders off under Your account.</p>
</body></html>`;
  return { subject, text, html };
}

export type LeakedKey = { name: string | null; keyPrefix: string; url: string | null; source: string | null };

/** Keys of one Client found in public and revoked at once (a leak report, GitHub secret scanning): which, where, what now. */
export function leakedKeysEmail(l: { clientName: string; clientType: "Live" | "Sandbox"; reporter: string; keys: LeakedKey[]; appUrl: string | null }): Email {
  const sandbox = l.clientType === "Sandbox" ? " (Sandbox)" : "";
  const labelOf = (k: LeakedKey, max: number) => (k.name ? `“${clip(k.name, max)}” (${k.keyPrefix}…)` : `${k.keyPrefix}…`);
  const client = `${clip(l.clientName, NAME_MAX)}${sandbox}`;
  const shown = l.keys.slice(0, 50);
  const where = (k: LeakedKey) => {
    const url = k.url && /^https?:\/\//.test(k.url) ? clip(k.url, 500) : null;
    const source = k.source ? clip(k.source, 40) : null;
    return url ? `found at ${url}${source ? ` (${source})` : ""}` : source ? `found in ${source}` : "found in public";
  };
  const lines = shown.map((k) => `- ${labelOf(k, NAME_MAX)}: ${where(k)}`);
  if (l.keys.length > shown.length) lines.push(`- and ${l.keys.length - shown.length} more (see the audit log)`);
  const subject = clip(
    l.keys.length === 1
      ? `API key ${labelOf(l.keys[0], SUBJECT_NAME_MAX)} of ${clip(l.clientName, SUBJECT_NAME_MAX)}${sandbox} was found in public and revoked`
      : `${l.keys.length} API keys of ${clip(l.clientName, SUBJECT_NAME_MAX)}${sandbox} were found in public and revoked`,
    SUBJECT_MAX,
  );
  const lead = `${clip(l.reporter, 60)} reported ${l.keys.length === 1 ? "an API key" : `${l.keys.length} API keys`} of ${client} in a public place. We revoked ${l.keys.length === 1 ? "it" : "them"} at once: anything still using ${l.keys.length === 1 ? "it" : "them"} is now refused.`;
  const next = "Create a new key for each integration that used one, and remove the key from where it was published (it stays in the repository's history: treat it as public for good).";
  const page = l.appUrl ? `${l.appUrl.replace(/\/$/, "")}/settings/api-keys` : null;
  const foot = "You get this because you are an Owner or Admin of this Client.";
  const text = [lead, "", ...lines, "", next, page ? `API keys: ${page}` : "Open API keys in Dolfin's settings.", "", foot].join("\n");
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#0f172a;line-height:1.5">
<p>${escapeHtml(lead)}</p>
<ul>${lines.map((x) => `<li>${escapeHtml(x.slice(2))}</li>`).join("")}</ul>
<p>${escapeHtml(next)}</p>
${page ? `<p><a href="${escapeHtml(page)}" style="display:inline-block;background:#1d4ed8;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">Open API keys</a></p>` : ""}
<p style="color:#475569">${escapeHtml(foot)}</p>
</body></html>`;
  return { subject, text, html };
}

/** A sign-in from a device or address the person has not used lately: what, where, when, and what to do if it was not them. */
export function newSignInEmail(s: { name: string; device: string; ip: string | null; when: Date }): Email {
  const when = s.when.toUTCString().replace("GMT", "UTC");
  const where = `${clip(s.device, 100)}${s.ip ? ` from ${clip(s.ip, 64)}` : ""}`;
  const lines = [
    `Hello ${clip(s.name, NAME_MAX)},`,
    `Your Dolfin account was signed in to on ${where}, on ${when}. We tell you because that device or address is new in your sessions of the last 30 days.`,
    "If this was you, there is nothing to do.",
  ];
  const foot = "If it was not you: end that session under Your account → “Where you’re signed in” (or sign out everywhere), then change your password.";
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#0f172a;line-height:1.5">
${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join("\n")}
<p style="color:#475569">${escapeHtml(foot)}</p>
</body></html>`;
  return { subject: clip(`New sign-in to your Dolfin account: ${clip(s.device, SUBJECT_NAME_MAX)}`, SUBJECT_MAX), text: [...lines, "", foot].join("\n"), html };
}

/** A webhook endpoint was turned off by itself: 5 days of failed deliveries, or its receiver answered 410 Gone. */
export function webhookDisabledEmail(w: { url: string; reason: "failing" | "gone"; clientName: string; appUrl: string | null }): Email {
  const url = clip(w.url, NAME_MAX);
  const client = clip(w.clientName, NAME_MAX);
  const subject = clip(`Webhook endpoint of ${clip(w.clientName, SUBJECT_NAME_MAX)} turned off`, SUBJECT_MAX);
  const why = w.reason === "gone" ? "its receiver answered 410 Gone (it asked us to stop)" : "every delivery to it has failed for 5 days";
  const page = w.appUrl ? `${w.appUrl.replace(/\/$/, "")}/settings/webhooks` : null;
  const lead = `The webhook endpoint ${url} of ${client} was turned off because ${why}. Events are no longer sent to it.`;
  const next = "Fix the receiver, then turn the endpoint back on and retry the deliveries you need from its log.";
  const text = [lead, "", next, page ? `Webhooks: ${page}` : "Open Webhooks in Dolfin's settings.", "", "You get this because you are an Owner or Admin of this Client."].join("\n");
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#0f172a;line-height:1.5">
<p>${escapeHtml(lead)}</p>
<p>${escapeHtml(next)}</p>
${page ? `<p><a href="${escapeHtml(page)}" style="display:inline-block;background:#1d4ed8;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">Open Webhooks</a></p>` : ""}
<p style="color:#475569">You get this because you are an Owner or Admin of this Client.</p>
</body></html>`;
  return { subject, text, html };
}
