import "server-only";
// No escalation: a key can only be given what its creator (or changer) holds,
// and a key can only manage (revoke, rename, change, rotate) a key it could
// have made. A person holds their role's scopes (lib/auth/permissions
// ROLE_SCOPES); a key holds its own scopes, and its allowlist and lifetime
// bound any key it makes or manages.
import type { Principal } from "@/lib/auth/principal";
import { roleScopes } from "@/lib/auth/permissions";
import { Problems } from "@/lib/http/problem";
import { cidrsBeyond, displayCidr, scopesBeyond } from "./access";

export type Grant = { scopes: string[] | null; allowedIps: string[]; expiresAt?: Date | null };

const list = (xs: string[]) => (xs.length > 8 ? `${xs.slice(0, 8).join(", ")} and ${xs.length - 8} more` : xs.join(", "));

/** What `grant` holds beyond `principal`: the first excess found (scopes, then allowlist, then lifetime), or null. */
type Excess = { kind: "scopes"; beyond: string[] } | { kind: "ips"; ips: string[] } | { kind: "lifetime"; until: number };

function excess(principal: Principal, grant: Grant): Excess | null {
  const held = principal.type === "apiKey" ? principal.scopes : roleScopes(principal.role);
  const beyond = scopesBeyond(held, grant.scopes);
  if (beyond.length > 0) return { kind: "scopes", beyond };
  if (principal.type !== "apiKey") return null;
  const ips = cidrsBeyond(principal.allowedIps, grant.allowedIps);
  if (ips.length > 0) return { kind: "ips", ips: ips.map(displayCidr) };
  if (grant.expiresAt !== undefined && principal.expiresAt !== null && (grant.expiresAt === null || grant.expiresAt.getTime() > principal.expiresAt)) {
    return { kind: "lifetime", until: principal.expiresAt };
  }
  return null;
}

const whoOf = (principal: Principal) => (principal.type === "apiKey" ? "this API key" : `your role (${principal.role})`);
const are = (xs: string[]) => (xs.length === 1 ? "is" : "are");

/** Throws 403 ApiKey.ScopeEscalation naming what `grant` asks beyond what `principal` holds. */
export function assertCanGrant(principal: Principal, grant: Grant): void {
  const e = excess(principal, grant);
  if (!e) return;
  const who = whoOf(principal);
  if (e.kind === "scopes") {
    throw Problems.scopeEscalation(
      grant.scopes === null
        ? `Full access is more than ${who} holds (it lacks ${list(e.beyond)}). Ask for the scopes you need instead.`
        : `A key cannot be given more than ${who} holds: ${list(e.beyond)} ${are(e.beyond)} beyond it.`,
    );
  }
  if (e.kind === "ips") {
    throw Problems.scopeEscalation(
      `This API key may only be used from its own allowlist, and cannot give a key a wider one: ${list(e.ips)} ${are(e.ips)} outside it.`,
    );
  }
  throw Problems.scopeEscalation(
    `A key cannot outlive the API key that makes it: this key expires at ${new Date(e.until).toISOString()}, so choose an expiry at or before it.`,
  );
}

/**
 * The one check before revoking, renaming, changing or rotating a key: the
 * caller must cover the key as it is (its scopes, allowlist and lifetime), as
 * if it were making it. A key can only manage keys it could have made; people
 * manage within their role (Owners and Admins: every key). Throws 403
 * ApiKey.ScopeEscalation saying what the key holds beyond the caller.
 */
export function assertCanManage(
  principal: Principal,
  key: { scopes: string[] | null; allowedIps: string[]; expiresAt: Date | null },
  verb: "revoke" | "rename" | "change the access of" | "rotate",
): void {
  const e = excess(principal, key);
  if (!e) return;
  const why =
    e.kind === "scopes"
      ? key.scopes === null
        ? `it has full access, and ${whoOf(principal)} lacks ${list(e.beyond)}`
        : `it holds ${list(e.beyond)}, beyond ${whoOf(principal)}`
      : e.kind === "ips"
        ? `it may be used from ${list(e.ips)}, outside this API key's allowlist`
        : `it ${key.expiresAt === null ? "never expires" : `expires at ${key.expiresAt.toISOString()}`}, after this API key (${new Date(e.until).toISOString()})`;
  throw Problems.scopeEscalation(`A key can only ${verb} keys it could have made, and this one has more power: ${why}. An Admin or Owner can do it.`);
}
