import { endAllSessions } from "@/lib/auth/sessions";
import { noContent, notAllowed, withUser } from "@/lib/http/route";

/** End all of the caller's sessions and Bearer tokens, this one included. */
export const POST = withUser({ permission: "account:sessions" }, async ({ principal }) => {
  await endAllSessions(principal.userId);
  return noContent();
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
