// The emails a person gets when their second factors change: they tell the
// owner of the mailbox about something they may not have done themselves.
import { escapeHtml, type Email } from "@/lib/mail/templates";

function body(lines: string[], foot: string): Email["html"] {
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#0f172a;line-height:1.5">
${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join("\n")}
<p style="color:#475569">${escapeHtml(foot)}</p>
</body></html>`;
}

const NOT_YOU = "If this was not you, change your password now and contact your Dolfin operator.";

export function factorAddedEmail(f: { what: string; when: Date; passkey?: boolean }): Email {
  const article = /^[aeiou]/i.test(f.what) ? "An" : "A";
  const lines = [
    `${article} ${f.what} was added to your Dolfin account on ${f.when.toUTCString().replace("GMT", "UTC")}. ${
      f.passkey ? "It signs you in by itself, and signing in with your password now asks for a second factor." : "Signing in now asks for its code after your password."
    }`,
    "Keep your recovery codes somewhere safe: each one lets you in once if you lose the app.",
  ];
  return { subject: "Two-factor sign-in turned on for your Dolfin account", text: [...lines, "", NOT_YOU].join("\n"), html: body(lines, NOT_YOU) };
}

export function factorRemovedEmail(f: { what: string; when: Date; byOperator: boolean; othersLeft?: boolean }): Email {
  const lines = [
    f.byOperator
      ? `Your Dolfin operator removed the second factors of your account on ${f.when.toUTCString().replace("GMT", "UTC")} (at your request, to let you back in), and ended all your sessions.`
      : `The ${f.what} was removed from your Dolfin account on ${f.when.toUTCString().replace("GMT", "UTC")}. ${f.othersLeft ? "Your other second factors still work." : "Signing in now needs only your password."}`,
    "You can set up an authenticator app again under Your account.",
  ];
  return { subject: "Two-factor sign-in turned off for your Dolfin account", text: [...lines, "", NOT_YOU].join("\n"), html: body(lines, NOT_YOU) };
}

export function recoveryCodeUsedEmail(f: { left: number; when: Date; ip: string | null }): Email {
  const lines = [
    `A recovery code was used to sign in to your Dolfin account on ${f.when.toUTCString().replace("GMT", "UTC")}${f.ip ? ` from ${f.ip}` : ""}.`,
    f.left === 0
      ? "You have no recovery codes left. Remove and set up your authenticator app again to get new ones."
      : `You have ${f.left} recovery code${f.left === 1 ? "" : "s"} left.`,
  ];
  return { subject: `A recovery code was used (${f.left} left)`, text: [...lines, "", NOT_YOU].join("\n"), html: body(lines, NOT_YOU) };
}

export function recoveryCodesRegeneratedEmail(f: { when: Date; ip: string | null }): Email {
  const lines = [
    `New recovery codes were made for your Dolfin account on ${f.when.toUTCString().replace("GMT", "UTC")}${f.ip ? ` from ${f.ip}` : ""}. The old ones no longer work.`,
    "Keep the new ones somewhere safe: each one lets you in once if you lose your authenticator app or passkey.",
  ];
  return { subject: "New recovery codes for your Dolfin account", text: [...lines, "", NOT_YOU].join("\n"), html: body(lines, NOT_YOU) };
}
