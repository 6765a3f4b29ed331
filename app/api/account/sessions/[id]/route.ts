import { endSession } from "@/lib/auth/sessions";
import { assertRecentProof } from "@/lib/auth/sudo";
import { Problems } from "@/lib/http/problem";
import { noContent, notAllowed, withAccount } from "@/lib/http/route";

/**
 * End one of the caller's sessions (its cookie or token is refused at once, on every instance). People only.
 * Ending ANOTHER session needs a recent proof (sudo mode); ending the current one is signing out.
 */
export const DELETE = withAccount<{ id: string }>(async ({ principal, params }) => {
  if (params.id.toLowerCase() !== principal.sessionId) assertRecentProof(principal, "sessions:end");
  if (!(await endSession(principal.userId, params.id))) throw Problems.notFound("Session.NotFound", "Session");
  return noContent();
});

export const { GET, POST, PUT, PATCH } = notAllowed(["DELETE"]);
