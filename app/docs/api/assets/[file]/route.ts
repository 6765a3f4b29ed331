import fs from "node:fs/promises";
import path from "node:path";

// The few files of swagger-ui-dist the reference page loads, and its start-up script.
const DIST = path.join(process.cwd(), "node_modules", "swagger-ui-dist");
const FILES: Record<string, string> = {
  "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
};
const INIT = `window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: false,
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
});`;
const cache = new Map<string, Promise<Buffer>>();

export async function GET(_req: Request, ctx: { params: Promise<{ file: string }> }) {
  const { file } = await ctx.params;
  if (file === "init.js") {
    return new Response(INIT, { headers: { "content-type": "application/javascript; charset=utf-8", "cache-control": "no-cache" } });
  }
  const type = FILES[file];
  if (!type) return new Response("Not found", { status: 404, headers: { "content-type": "text/plain" } });
  if (!cache.has(file)) cache.set(file, fs.readFile(path.join(DIST, file)));
  const body = await cache.get(file)!;
  return new Response(new Uint8Array(body), { headers: { "content-type": type, "cache-control": "public, max-age=86400" } });
}
