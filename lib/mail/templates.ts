// Email bodies. "{{link}}" marks where a secret link goes: it is filled in at
// send time, so the stored body never holds it.
export const LINK = "{{link}}";

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export type Email = { subject: string; text: string; html: string };

export function inviteEmail(i: { clientName: string; clientType: "Live" | "Sandbox"; role: string; invitedBy: string; expiresAt: Date }): Email {
  const when = i.expiresAt.toUTCString().replace("GMT", "UTC");
  const what = `${i.clientName}${i.clientType === "Sandbox" ? " (Sandbox)" : ""}`;
  const subject = `${i.invitedBy} invited you to ${what} on Dolfin`;
  const text = [
    `${i.invitedBy} invited you to join ${what} on Dolfin as ${i.role}.`,
    ``,
    `Accept the invitation: ${LINK}`,
    ``,
    `As ${i.role} you will ${roleText(i.role)}.`,
    `The link works once and expires on ${when}.`,
    `If you did not expect this, ignore this email: nothing happens unless the link is used.`,
  ].join("\n");
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#0f172a;line-height:1.5">
<p><strong>${escapeHtml(i.invitedBy)}</strong> invited you to join <strong>${escapeHtml(what)}</strong> on Dolfin as <strong>${escapeHtml(i.role)}</strong>.</p>
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
  const label = k.name ? `“${k.name}” (${k.keyPrefix}…)` : `${k.keyPrefix}…`;
  const client = `${k.clientName}${k.clientType === "Sandbox" ? " (Sandbox)" : ""}`;
  const when = k.expiresAt.toUTCString().replace("GMT", "UTC");
  const page = k.appUrl ? `${k.appUrl.replace(/\/$/, "")}/settings/api-keys` : null;
  const subject =
    kind === "expiredInUse"
      ? `API key ${label} of ${client} expired while still in use`
      : `API key ${label} of ${client} expires in ${kind === "7d" ? "7 days" : "1 day"}`;
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
