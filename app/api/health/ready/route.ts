import { db } from "@/lib/db/client";
import { json, notAllowed, withPublic } from "@/lib/http/route";

/** Readiness: one trivial database round trip (also the benchmark's db-floor). */
export const GET = withPublic(async () => {
  await db().$queryRaw`SELECT 1`;
  return json({ status: "ok" });
});

export const { POST, PUT, PATCH, DELETE } = notAllowed(["GET"]);
