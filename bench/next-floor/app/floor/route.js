// The bare Next.js floor: one route handler, nothing else (built and started by npm run bench).
export function GET() {
  return new Response("ok");
}
