import { sessionListSchema } from "@/lib/auth/session-schemas";
import { listSessions } from "@/lib/auth/sessions";
import { json, notAllowed, withAccount } from "@/lib/http/route";

/** The caller's live sessions (browser sign-ins and Bearer tokens), newest first; `current` is this one. People only. */
export const GET = withAccount(async ({ principal }) => json(sessionListSchema.parse({ data: await listSessions(principal.userId, principal.sessionId) })));

export const { POST, PUT, PATCH, DELETE } = notAllowed(["GET"]);
