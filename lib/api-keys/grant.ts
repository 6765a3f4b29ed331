import "server-only";
// No escalation: a key can only be given what its creator (or changer) holds.
// A person holds their role's scopes (lib/auth/permissions ROLE_SCOPES); a key
// holds its own scopes, and its allowlist and lifetime bound any key it makes.
import type { Principal } from "@/lib/auth/principal";
import { roleScopes } from "@/lib/auth/permissions";
import { Problems } from "@/lib/http/problem";
import { cidrsBeyond, displayCidr, scopesBeyond } from "./access";

export type Grant = { scopes: string[] | null; allowedIps: string[]; expiresAt?: Date | null };

const list = (xs: string[]) => (xs.length > 8 ? `${xs.slice(0, 8).join(", ")} and ${xs.length - 8} more` : xs.join(", "));

/** Throws 403 ApiKey.ScopeEscalation naming what `grant` asks beyond what `principal` holds. */
export function assertCanGrant(principal: Principal, grant: Grant): void {
  const who = principal.type === "apiKey" ? "this API key" : `your role (${principal.role})`;
  const held = principal.type === "apiKey" ? principal.scopes : roleScopes(principal.role);
  const beyond = scopesBeyond(held, grant.scopes);
  if (beyond.length > 0) {
    throw Problems.scopeEscalation(
      grant.scopes === null
        ? `Full access is more than ${who} holds (it lacks ${list(beyond)}). Ask for the scopes you need instead.`
        : `A key cannot be given more than ${who} holds: ${list(beyond)} ${beyond.length === 1 ? "is" : "are"} beyond it.`,
    );
  }
  if (principal.type !== "apiKey") return;
  const ips = cidrsBeyond(principal.allowedIps, grant.allowedIps);
  if (ips.length > 0) {
    throw Problems.scopeEscalation(
      `This API key may only be used from its own allowlist, and cannot give a key a wider one: ${list(ips.map(displayCidr))} ${ips.length === 1 ? "is" : "are"} outside it.`,
    );
  }
  if (grant.expiresAt !== undefined && principal.expiresAt !== null && (grant.expiresAt === null || grant.expiresAt.getTime() > principal.expiresAt)) {
    throw Problems.scopeEscalation(
      `A key cannot outlive the API key that makes it: this key expires at ${new Date(principal.expiresAt).toISOString()}, so choose an expiry at or before it.`,
    );
  }
}
