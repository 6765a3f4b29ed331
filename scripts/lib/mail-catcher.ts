// A real SMTP server on loopback that keeps what it receives (smtp-server +
// mailparser), with a small web page listing the messages. `npm run dev` runs
// one so developers read the app's email with nothing else installed; the
// tests run one in-process and assert on the delivered messages.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { escapeHtml } from "../../lib/mail/templates";

export type CaughtMail = { from: string; to: string[]; subject: string; text: string; html: string; date: Date };

export type MailCatcher = {
  smtpUrl: string;
  webUrl: string | null;
  messages: CaughtMail[];
  /**
   * Refuse the next `n` messages with a temporary error (451), as a flaky relay would;
   * given `to`, only messages to that recipient (another message due first cannot take the refusal).
   */
  failNext: (n: number, to?: string) => void;
  /** Resolves with the first message (received from now on or already held) that matches. */
  waitFor: (match: (m: CaughtMail) => boolean, timeoutMs?: number) => Promise<CaughtMail>;
  stop: () => Promise<void>;
};

const esc = escapeHtml;

export async function startMailCatcher(opts: { smtpPort?: number; webPort?: number | null } = {}): Promise<MailCatcher> {
  const messages: CaughtMail[] = [];
  const waiters: { match: (m: CaughtMail) => boolean; resolve: (m: CaughtMail) => void }[] = [];
  let failing = { n: 0, to: null as string | null };
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      if (failing.n > 0 && (failing.to === null || session.envelope.rcptTo.some((r) => r.address.toLowerCase() === failing.to))) {
        failing.n--;
        stream.resume();
        stream.on("end", () => callback(Object.assign(new Error("Try again later (test relay)"), { responseCode: 451 })));
        return;
      }
      simpleParser(stream)
        .then((p) => {
          const m: CaughtMail = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: p.subject ?? "",
            text: p.text ?? "",
            html: typeof p.html === "string" ? p.html : "",
            date: new Date(),
          };
          messages.push(m);
          for (const w of [...waiters]) {
            if (!w.match(m)) continue;
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(m);
          }
          callback();
        })
        .catch((err) => callback(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once("error", reject);
    smtp.listen(opts.smtpPort ?? 0, "127.0.0.1", () => resolve());
  });
  smtp.on("error", () => {}); // a client hanging up mid-message must not crash the host process
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  let web: http.Server | null = null;
  let webUrl: string | null = null;
  if (opts.webPort !== null) {
    web = http.createServer((_req, res) => {
      const rows = [...messages]
        .reverse()
        .map(
          (m) =>
            `<article><h2>${esc(m.subject)}</h2><p class="meta">To ${esc(m.to.join(", "))} · ${m.date.toISOString()}</p><pre>${esc(m.text).replace(/(https?:\/\/[^\s<]+)/g, '<a href="$1">$1</a>')}</pre></article>`,
        )
        .join("");
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "no-referrer" });
      res.end(
        `<!doctype html><meta charset="utf-8"><title>Dolfin dev mail</title><meta http-equiv="refresh" content="5"><style>body{font:14px system-ui;max-width:50rem;margin:2rem auto;padding:0 1rem}article{border:1px solid #e2e8f0;border-radius:8px;padding:0 1rem;margin:1rem 0}.meta{color:#64748b}pre{white-space:pre-wrap}</style><h1>Mail caught by npm run dev (${messages.length})</h1>${rows || "<p>Nothing yet. Invite someone from the Members page.</p>"}`,
      );
    });
    // Port 1080 when free (a stable address to bookmark), else any.
    await new Promise<void>((resolve) => {
      web!.once("error", () => web!.listen(0, "127.0.0.1", () => resolve()));
      web!.listen(opts.webPort ?? 1080, "127.0.0.1", () => resolve());
    });
    webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  }

  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    webUrl,
    messages,
    failNext: (n, to) => (failing = { n, to: to?.toLowerCase() ?? null }),
    waitFor: (match, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const held = messages.find(match);
        if (held) return resolve(held);
        const w = { match, resolve };
        waiters.push(w);
        setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i < 0) return;
          waiters.splice(i, 1);
          reject(new Error(`no matching email within ${timeoutMs} ms (have ${messages.length})`));
        }, timeoutMs).unref();
      }),
    stop: async () => {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      if (web) await new Promise<void>((resolve) => web!.close(() => resolve()));
    },
  };
}
