import { reportLeakedKeys } from "@/lib/api-keys/report-leaks";
import { leakReportResponseSchema, leakReportSchema } from "@/lib/api-keys/schemas";
import { readJsonBody } from "@/lib/http/body";
import { consume } from "@/lib/http/rate-limit";
import { json, notAllowed, withPublic } from "@/lib/http/route";

/** Secret scanners report keys found in public. Always 202; never says which keys existed. */
export const POST = withPublic(async ({ req, meta }) => {
  await consume("leakReports", meta.ip ?? "unknown");
  const { keys } = leakReportSchema.parse(await readJsonBody(req));
  return json(leakReportResponseSchema.parse(await reportLeakedKeys(keys, meta)), { status: 202 });
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
