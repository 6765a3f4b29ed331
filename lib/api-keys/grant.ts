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
import type { Quota, RateLimit } from "./schemas";

/** `rateLimit`, `quota`: undefined when not in question (a grant that leaves them as they are). */
export type Grant = { scopes: string[] | null; allowedIps: string[]; expiresAt?: Date | null; rateLimit?: RateLimit | null; quota?: Quota | null };

/** Is `g` at least as limited as `p` (null: unlimited)? No more requests in any window, nor at a higher rate. */
export function rateWithin(p: RateLimit | null, g: RateLimit | null): boolean {
  if (p === null) return true;
  if (g === null) return false;
  return g.requests <= p.requests && g.requests * p.windowSeconds <= p.requests * g.windowSeconds;
}

/** Is quota `g` at least as limited as `p`? No more in a day (a monthly quota may go in one day), nor in a month (31 days of a daily one). */
export function quotaWithin(p: Quota | null, g: Quota | null): boolean {
  if (p === null) return true;
  if (g === null) return false;
  const month = (q: Quota) => q.requests * (q.period === "day" ? 31 : 1);
  return g.requests <= p.requests && month(g) <= month(p);
}

const rateText = (r: RateLimit | null) => (r === null ? "no rate limit" : `${r.requests} requests per ${r.windowSeconds} s`);
const quotaText = (q: Quota | null) => (q === null ? "no quota" : `${q.requests} requests per ${q.period}`);

const list = (xs: string[]) => (xs.length > 8 ? `${xs.slice(0, 8).join(", ")} and ${xs.length - 8} more` : xs.join(", "));

/** What `grant` holds beyond `principal`: the first excess found (scopes, then allowlist, then lifetime), or null. */
type Excess =
  | { kind: "scopes"; beyond: string[] }
  | { kind: "ips"; ips: string[] }
  | { kind: "lifetime"; until: number }
  | { kind: "rateLimit"; held: RateLimit }
  | { kind: "quota"; held: Quota };

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
  if (grant.rateLimit !== undefined && principal.rateLimit !== null && !rateWithin(principal.rateLimit, grant.rateLimit)) return { kind: "rateLimit", held: principal.rateLimit };
  if (grant.quota !== undefined && principal.quota !== null && !quotaWithin(principal.quota, grant.quota)) return { kind: "quota", held: principal.quota };
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
  if (e.kind === "rateLimit") {
    throw Problems.scopeEscalation(
      `This API key is limited to ${rateText(e.held)}, and can only give a key a limit at least as strict (${rateText(grant.rateLimit ?? null)} is not).`,
    );
  }
  if (e.kind === "quota") {
    throw Problems.scopeEscalation(`This API key has a quota of ${quotaText(e.held)}, and can only give a key a quota at least as strict (${quotaText(grant.quota ?? null)} is not).`);
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
  key: { scopes: string[] | null; allowedIps: string[]; expiresAt: Date | null; rateLimit: RateLimit | null; quota: Quota | null },
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
        : e.kind === "rateLimit"
          ? `it has ${rateText(key.rateLimit)}, more than this API key's ${rateText(e.held)}`
          : e.kind === "quota"
            ? `it has ${quotaText(key.quota)}, more than this API key's ${quotaText(e.held)}`
            : `it ${key.expiresAt === null ? "never expires" : `expires at ${key.expiresAt.toISOString()}`}, after this API key (${new Date(e.until).toISOString()})`;
  throw Problems.scopeEscalation(`A key can only ${verb} keys it could have made, and this one has more power: ${why}. An Admin or Owner can do it.`);
}
