import "server-only";
// Sudo mode: the check before the actions SUDO_ACTIONS names (lib/auth/permissions.ts).
import { env } from "@/lib/env";
import { ApiError } from "@/lib/http/problem";
import type { SudoAction } from "./permissions";
import { SUDO_ACTIONS } from "./permissions";
import type { AccountPrincipal, Principal } from "./principal";

export const REAUTHENTICATION_REQUIRED = "Auth.ReauthenticationRequired";

export function reauthenticationRequired(via: "bearer" | "session", action?: SudoAction): ApiError {
  const seconds = env().SUDO_MAX_AGE_SECONDS;
  const ago = seconds < 120 ? `${seconds} seconds` : `${Math.round(seconds / 60)} minutes`;
  const what = action ? `To ${SUDO_ACTIONS[action]}, prove` : "Prove";
  return new ApiError({
    status: 403,
    code: REAUTHENTICATION_REQUIRED,
    title: "Re-authentication required",
    detail:
      via === "bearer"
        ? `${what} it is you again: this token was issued more than ${ago} ago. Get a fresh token (POST /api/auth/token again, with your code if you have a second factor) and repeat the request with it.`
        : `${what} it is you again: your last sign-in was more than ${ago} ago. Send your password, a code or a passkey's answer to POST /api/auth/reauthenticate, then repeat the request.`,
  });
}

/**
 * A person must have proved it is them (signed in, a token issued, or POST /api/auth/reauthenticate)
 * within SUDO_MAX_AGE_SECONDS; else 403 Auth.ReauthenticationRequired. API keys are not people and are
 * never asked. One check for every sensitive action (the per-session DELETE calls it too).
 */
export function assertRecentProof(principal: Principal | AccountPrincipal, action?: SudoAction, now = Date.now()): void {
  if (principal.type === "apiKey") return;
  const at = principal.authTime;
  if (at === null || now / 1000 - at > env().SUDO_MAX_AGE_SECONDS) throw reauthenticationRequired(principal.via, action);
}

/** POST /api/auth/reauthenticate and its passkey options are for the browser's session: a Bearer token gets a new token instead. */
export function refuseBearer(via: "bearer" | "session"): void {
  if (via === "bearer") {
    throw new ApiError({
      status: 400,
      code: "Auth.ReauthenticateWithToken",
      title: "Get a new token instead",
      detail: "A Bearer token's proof is its issue time: get a fresh token with POST /api/auth/token.",
    });
  }
}
