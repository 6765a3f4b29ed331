import type { AccountPrincipal } from "@/lib/auth/principal";
import { endSession } from "@/lib/auth/sessions";
import { Problems } from "@/lib/http/problem";
import { noContent, notAllowed, withAccount } from "@/lib/http/route";

/**
 * Ending ANOTHER of one's sessions will need a recent proof (re-authentication, "sudo mode"): this is the one
 * place that check goes (ending the current one needs none: it is signing out). A no-op until then.
 */
async function requireFreshProofToEndAnother(principal: AccountPrincipal): Promise<void> {
  void principal;
}

/** End one of the caller's sessions (its cookie or token is refused at once, on every instance). People only. */
export const DELETE = withAccount<{ id: string }>(async ({ principal, params }) => {
  if (params.id.toLowerCase() !== principal.sessionId) await requireFreshProofToEndAnother(principal);
  if (!(await endSession(principal.userId, params.id))) throw Problems.notFound("Session.NotFound", "Session");
  return noContent();
});

export const { GET, POST, PUT, PATCH } = notAllowed(["DELETE"]);
