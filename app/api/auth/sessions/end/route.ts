import { endAllSessions } from "@/lib/auth/sessions";
import { Problems } from "@/lib/http/problem";
import { noContent, notAllowed, withAuth } from "@/lib/http/route";

/** End all of the caller's sessions and Bearer tokens, this one included. Users only (an API key gets 403). */
export const POST = withAuth({ permission: "account:sessions" }, async ({ principal }) => {
  if (principal.type !== "user") throw Problems.notUserScoped(); // the permission table already refuses keys
  await endAllSessions(principal.userId);
  return noContent();
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
