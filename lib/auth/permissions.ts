// One role -> permission table, read by the API's checks and by the UI that
// shows or hides controls. Nothing else decides who may do what.
export const ROLES = ["Owner", "Admin", "Member"] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = {
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
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/** What an API key may do for its own Client: manage keys and read the audit trail, not change policy. */
export const API_KEY_PERMISSIONS: readonly Permission[] = ["apiKeys:read", "apiKeys:write", "audit:read"];

export function can(role: Role | null | undefined, permission: Permission): boolean {
  return role != null && (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
