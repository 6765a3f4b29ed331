// The key-request contract as the page uses it (issue 23). Replaced by lib/key-requests/schemas.ts once merged.
export type KeyApproval = "none" | "fullAccess" | "write";
export type KeyRequestStatus = "pending" | "approved" | "denied" | "claimed" | "expired";
type Person = { id: string; name: string | null; email: string | null } | null;
export type KeyRequestView = {
  id: string;
  status: KeyRequestStatus;
  name: string | null;
  expiresAt: string | null;
  scopes: string[] | null;
  allowedIps: string[];
  reason: string;
  keyId: string | null;
  requestedBy: Person;
  createdAt: string;
  decidedBy?: Person;
  decidedAt?: string | null;
  denyReason?: string | null;
  claimableUntil?: string | null;
  claimedKeyId?: string | null;
};
export const REASON_MAX = 500;

/** Whether a Client's approval rule covers a key with these scopes (null: full access). */
export function needsApproval(rule: KeyApproval, scopes: readonly string[] | null): boolean {
  if (rule === "none") return false;
  if (scopes === null) return true;
  return rule === "write" && scopes.some((s) => s.endsWith(":write"));
}
