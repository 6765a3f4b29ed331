import { notAllowed, withPublic } from "@/lib/http/route";
import { openApiDocument } from "@/lib/openapi/document";

export const GET = withPublic(async () =>
  new Response(JSON.stringify(openApiDocument()), { headers: { "content-type": "application/json", "cache-control": "public, max-age=300" } }),
);

export const { POST, PUT, PATCH, DELETE } = notAllowed(["GET"]);
