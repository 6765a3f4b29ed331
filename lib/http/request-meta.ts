import { randomUUID } from "node:crypto";

export type RequestMeta = { requestId: string; ip: string | null; userAgent: string | null };

const SAFE_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** The client IP: the nearest proxy's view (rightmost x-forwarded-for entry), trimmed to a sane length. */
export function clientIp(headers: Headers): string | null {
  const xff = headers.get("x-forwarded-for");
  const ip = xff ? xff.split(",").at(-1)!.trim() : headers.get("x-real-ip");
  if (!ip) return null;
  return ip.replace(/^::ffff:/, "").slice(0, 64) || null;
}

export function requestMeta(req: Request): RequestMeta {
  const incoming = req.headers.get("x-request-id");
  return {
    requestId: incoming && SAFE_ID.test(incoming) ? incoming : randomUUID(),
    ip: clientIp(req.headers),
    userAgent: req.headers.get("user-agent")?.slice(0, 512) ?? null,
  };
}
