// One role -> permission table, read by the API's checks and by the UI that
// shows or hides controls. Nothing else decides who may do what. Browser-safe.
import { READ_SCOPES, type Scope } from "@/lib/api-keys/access";

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
  /** End one's own sessions everywhere: any signed-in user, never an API key. */
  "account:sessions": ["Owner", "Admin", "Member"],
  /** One's own second factors (authenticator app, recovery codes): any signed-in user, never an API key. */
  "account:twoFactor": ["Owner", "Admin", "Member"],
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


export function can(role: Role | null | undefined, permission: Permission): boolean {
  return role != null && (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
