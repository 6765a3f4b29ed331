// One's own sessions: the response schemas, shared by the routes, the OpenAPI
// document and the account page. Browser-safe.
import { z } from "zod";

const isoDate = z.iso.datetime().describe("ISO-8601, UTC, with Z");

export const sessionSchema = z
  .object({
    id: z.uuid().meta({ description: "The session's id (what `DELETE /api/account/sessions/{id}` takes).", example: "01938f6e-3c2a-7d41-9a55-2f1c8b7e4d10" }),
    current: z.boolean().meta({ description: "true for the session making this request." }),
    kind: z.enum(["browser", "token"]).meta({ description: "`browser`: a sign-in on the web page (a cookie); `token`: a Bearer token from `POST /api/auth/token`." }),
    createdAt: isoDate,
    lastSeenAt: isoDate.meta({ description: "When it was last used (recorded at most once a minute)." }),
    ip: z.string().nullable().meta({ description: "The address it signed in from.", example: "203.0.113.7" }),
    userAgent: z.string().nullable().meta({ description: "The User-Agent it signed in with.", example: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36" }),
  })
  .meta({ id: "Session" });

export type SessionItem = z.infer<typeof sessionSchema>;

export const sessionListSchema = z.object({ data: z.array(sessionSchema) }).meta({ id: "SessionList" });
