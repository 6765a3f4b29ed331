import { json, notAllowed, withPublic } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Liveness: no auth, no database. */
export const GET = withPublic(async () => json({ status: "ok" }));

export const { POST, PUT, PATCH, DELETE } = notAllowed(["GET"]);
