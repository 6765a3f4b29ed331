// Signed-out visitors to a settings page go to sign-in and come back after.
// (The page itself still verifies the session; this only saves a round trip.)
import { NextResponse, type NextRequest } from "next/server";

export function proxy(req: NextRequest) {
  const hasSession = req.cookies.has("authjs.session-token") || req.cookies.has("__Secure-authjs.session-token");
  if (!hasSession) {
    const url = new URL("/sign-in", req.url);
    url.searchParams.set("callbackUrl", req.nextUrl.pathname + req.nextUrl.search);
    return NextResponse.redirect(url);
  }
  // The settings layout sends an expired session back here too: tell it where "here" is.
  const headers = new Headers(req.headers);
  headers.set("x-dolfin-path", req.nextUrl.pathname + req.nextUrl.search);
  return NextResponse.next({ request: { headers } });
}

export const config = { matcher: ["/settings/:path*"] };
