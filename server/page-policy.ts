// What every response carries and what settings pages need before Next sees
// the request, done here in the serving layer instead of next.config headers()
// and a proxy (middleware): there they cost about 15% of the throughput of
// every request, API routes included (measured, see the README's Performance).
import type { IncomingMessage, ServerResponse } from "node:http";

export const SECURITY_HEADERS: [string, string][] = [
  ["X-Content-Type-Options", "nosniff"],
  ["X-Frame-Options", "DENY"],
  ["Referrer-Policy", "strict-origin-when-cross-origin"],
  // Ignored over plain http (localhost); binding once served over https.
  ["Strict-Transport-Security", "max-age=63072000; includeSubDomains"],
  ["Permissions-Policy", "camera=(), microphone=(), geolocation=(), clipboard-write=(self)"],
];

const SESSION_COOKIES = /(?:^|;\s*)(?:__Secure-)?authjs\.session-token(?:\.\d+)?=/;

/**
 * Sets the security headers; for the invite page, no referrer and no indexing
 * (it holds a secret in its URL fragment); for a settings page, either sends a
 * visitor without a session to sign-in (and back after), or tells the page
 * where it is (x-dolfin-path: the layout sends an expired session back there).
 * Returns true when it answered the request itself.
 */
export function applyPagePolicy(req: IncomingMessage, res: ServerResponse): boolean {
  for (const [k, v] of SECURITY_HEADERS) res.setHeader(k, v);
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  if (path === "/invite") {
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("X-Robots-Tag", "noindex");
  } else if (path === "/settings" || path.startsWith("/settings/")) {
    if (!SESSION_COOKIES.test(req.headers.cookie ?? "")) {
      res.writeHead(307, { location: `/sign-in?${new URLSearchParams({ callbackUrl: url })}`, "cache-control": "no-store" });
      res.end();
      return true;
    }
    req.headers["x-dolfin-path"] = url;
  } else if (req.headers["x-dolfin-path"] !== undefined) {
    delete req.headers["x-dolfin-path"]; // only a settings page may be told where it is (and deleting costs: only when sent)
  }
  return false;
}
