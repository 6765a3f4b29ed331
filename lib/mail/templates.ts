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
