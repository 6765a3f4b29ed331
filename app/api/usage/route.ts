import { clientUsage } from "@/lib/api-keys/usage-report";
import { usageQuerySchema } from "@/lib/api-keys/usage-schemas";
import { json, notAllowed, withAuth } from "@/lib/http/route";

/** The whole Client's verifications per hour or day, and its ten busiest keys. */
export const GET = withAuth({ permission: "apiKeys:read" }, async ({ req, principal }) =>
  json(await clientUsage(principal.clientId, usageQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams)))),
);

export const { POST, PUT, PATCH, DELETE } = notAllowed(["GET"]);
