import { listAuditEvents } from "@/lib/audit/list-audit-events";
import { auditQuerySchema } from "@/lib/audit/schemas";
import { json, notAllowed, withAuth } from "@/lib/http/route";

export const GET = withAuth({ permission: "audit:read" }, async ({ req, principal }) => {
  const query = auditQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  return json(await listAuditEvents(principal.clientId, query, { forApiKey: principal.type === "apiKey" }));
});

export const { POST, PUT, PATCH, DELETE } = notAllowed(["GET"]);
