import fs from "node:fs/promises";
import path from "node:path";

// Scalar's standalone browser bundle, from node_modules (pinned in the lock file).
const BUNDLE = path.join(process.cwd(), "node_modules", "@scalar", "api-reference", "dist", "browser", "standalone.js");
let cached: Promise<Buffer> | undefined;

export async function GET() {
  const body = await (cached ??= fs.readFile(BUNDLE));
  return new Response(new Uint8Array(body), {
    headers: { "content-type": "application/javascript; charset=utf-8", "cache-control": "public, max-age=86400" },
  });
}
