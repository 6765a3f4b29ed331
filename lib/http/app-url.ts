import { env } from "@/lib/env";

/**
 * The app's public origin for links we hand out: APP_URL (set it in
 * production), else (outside production only: there env() refuses to start
 * without APP_URL) the origin the caller reached, from its Host header.
 */
export function appBaseUrl(req: Request & { nextUrl: { protocol: string; origin: string } }): string {
  const configured = env().APP_URL;
  if (configured) return configured;
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  if (!host || !/^[A-Za-z0-9.\-:[\]]+$/.test(host)) return req.nextUrl.origin;
  const proto = req.headers.get("x-forwarded-proto")?.split(",")[0].trim() === "https" ? "https" : req.nextUrl.protocol.replace(":", "");
  return `${proto}://${host}`;
}
