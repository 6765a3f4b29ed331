// One role -> permission table, read by the API's checks and by the UI that
// shows or hides controls. Nothing else decides who may do what. Browser-safe.
import { cidrsBeyond, READ_SCOPES, scopesBeyond, type Scope } from "@/lib/api-keys/access";

export const ROLES = ["Owner", "Admin", "Member"] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = {
  /** Who am I (GET /api/me): anyone, and any working key whatever its scopes. */
  "self:read": ["Owner", "Admin", "Member"],
  "apiKeys:read": ["Owner", "Admin", "Member"],
  "apiKeys:write": ["Owner", "Admin"],
  "audit:read": ["Owner", "Admin"],
  "policy:write": ["Owner"],
  "members:read": ["Owner", "Admin", "Member"],
  /** Change roles and remove people. Only an Owner may touch the Owner role (lib/members). */
  "members:write": ["Owner", "Admin"],
  /** Invite people (only an Owner may invite an Owner: lib/members/rules.ts), resend and revoke invitations. */
  "invites:write": ["Owner", "Admin"],
  /** Webhook endpoints: create, read (deliveries too), change, rotate, test, retry. People only (withUser). */
  "webhooks:manage": ["Owner", "Admin"],
  // One's own account (sessions, password) is no Client's and no role's: lib/http/route.ts withAccount.
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/**
 * What an API key may do for its own Client, and the scope a restricted key
 * needs for it (null: any key). Never policy or people: those are user-only.
 */
export const API_KEY_PERMISSIONS: Partial<Record<Permission, Scope | null>> = {
  "self:read": null,
  "apiKeys:read": "apiKeys:read",
  "apiKeys:write": "apiKeys:write",
  /** The audit trail is the keys' history. */
  "audit:read": "apiKeys:read",
};

/**
 * The most a person may grant a key, by role (a key can never exceed its
 * creator). Owners and Admins manage the Client's keys with the same powers
 * (DOMAIN: "Only Admin/Owner may manage ... API keys"), so both may grant every
 * scope; a Member could only ever grant reads (and may not manage keys at all).
 */
export const ROLE_SCOPES: Record<Role, readonly Scope[] | null> = {
  Owner: null,
  Admin: null,
  Member: READ_SCOPES,
};

/** The scopes a role holds, as a list (null: all of them). */
export function roleScopes(role: Role): readonly Scope[] | null {
  return ROLE_SCOPES[role];
}


/**
 * Sudo mode: what a person may do only within SUDO_MAX_AGE_SECONDS of proving it is them (signing in, or
 * POST /api/auth/reauthenticate); the server checks with lib/auth/sudo.ts assertRecentProof at the places
 * named here, the UI learns it from the 403 Auth.ReauthenticationRequired. API keys are never asked.
 */
export const SUDO_ACTIONS = {
  /** POST /api/api-keys, POST /api/api-keys/{id}/rotate: only when keyNeedsSudo. */
  "apiKeys:powerful": "create or rotate a key with full access or a write scope on a Live Client",
  /** PATCH /api/api-keys/{id}: only when widensAccess. */
  "apiKeys:widen": "widen a key's scopes or allowlist",
  /** PUT /api/key-policy. */
  "policy:write": "change the Client policy",
  /** POST /api/client-invites with role Owner (and resending one), PATCH /api/members/{userId} to Owner. */
  "owners:grant": "invite or promote an Owner",
  /** POST /api/account/two-factor/totp, …/totp/confirm, DELETE …/totp (and passkeys, later). */
  "factors:write": "add or remove a second factor",
  /** POST /api/auth/sessions/end, and ending one other session. */
  "sessions:end": "end other sessions",
} as const;

export type SudoAction = keyof typeof SUDO_ACTIONS;

/** A key made (or rotated) with these scopes on a Client of this type needs a fresh proof: full access or any write on Live. */
export function keyNeedsSudo(clientType: "Live" | "Sandbox", scopes: readonly string[] | null): boolean {
  return clientType === "Live" && (scopes === null || scopes.some((s) => !s.endsWith(":read")));
}

/** Whether changing a key's access from `before` to `after` gives it more: a scope or an address it did not have. */
export function widensAccess(
  before: { scopes: readonly string[] | null; allowedIps: readonly string[] },
  after: { scopes: readonly string[] | null; allowedIps: readonly string[] },
): boolean {
  const moreScopes = before.scopes !== null && (after.scopes === null || scopesBeyond(before.scopes, after.scopes).length > 0);
  return moreScopes || cidrsBeyond([...before.allowedIps], [...after.allowedIps]).length > 0;
}

export function can(role: Role | null | undefined, permission: Permission): boolean {
  return role != null && (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
