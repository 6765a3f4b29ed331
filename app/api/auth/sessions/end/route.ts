import { assertRecentProof } from "@/lib/auth/sudo";
import { endAllSessions } from "@/lib/auth/sessions";
import { noContent, notAllowed, withAccount } from "@/lib/http/route";

/** End all of the caller's sessions and Bearer tokens, this one included (a person with no Client too). */
export const POST = withAccount(async ({ principal }) => {
  assertRecentProof(principal, "sessions:end");
  await endAllSessions(principal.userId);
  return noContent();
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
