import { keyUsage } from "@/lib/api-keys/usage-report";
import { usageQuerySchema } from "@/lib/api-keys/usage-schemas";
import { json, notAllowed, withAuth } from "@/lib/http/route";

/** One key's verifications per hour or day: successes and refusals by reason. */
export const GET = withAuth<{ id: string }>({ permission: "apiKeys:read" }, async ({ req, principal, params }) =>
  json(await keyUsage(principal.clientId, params.id, usageQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams)))),
);

export const { POST, PUT, PATCH, DELETE } = notAllowed(["GET"]);
