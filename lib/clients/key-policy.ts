import "server-only";
import { actorOf, recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { Principal } from "@/lib/auth/principal";
import { db } from "@/lib/db/client";
import { ApiError } from "@/lib/http/problem";
import type { RequestMeta } from "@/lib/http/request-meta";
import { activeKeyCount } from "@/lib/api-keys/create-api-key";
import { lockClient } from "./lock";
import { keyPolicyViewSchema, type KeyPolicy, type KeyPolicyView } from "./schemas";

const select = { keysMustExpire: true, maxKeyLifetimeDays: true, maxActiveKeys: true, requireTwoFactor: true, keyApproval: true, rateLimitFailMode: true } as const;

/** The policy and the exact number of keys counting against its cap now. */
export async function getKeyPolicy(clientId: string): Promise<KeyPolicyView> {
  const [policy, activeKeys] = await Promise.all([db().client.findUniqueOrThrow({ where: { id: clientId }, select }), activeKeyCount(clientId)]);
  return keyPolicyViewSchema.parse({ ...policy, activeKeys });
}

/** Replace the policy. New rules apply to keys created or rotated from now on; existing keys are untouched. */
export async function updateKeyPolicy(principal: Principal, policy: KeyPolicy, meta: RequestMeta): Promise<KeyPolicyView> {
  // Turning the second-factor rule on would lock its Owner out of their own Client: they need one first.
  if (policy.requireTwoFactor === true && principal.type === "user" && !principal.hasSecondFactor) {
    throw new ApiError({
      status: 409,
      code: "Client.TwoFactorNeeded",
      title: "Add a second factor first",
      detail: "You have no second factor: add one to your own account first (Settings > Account, or POST /api/account/two-factor/totp), then require it of everyone.",
    });
  }
  await db().$transaction(async (tx) => {
    // Under the Client lock: the approvers counted here cannot be demoted or removed meanwhile (lib/members).
    await lockClient(tx, principal.clientId);
    const before = await tx.client.findUniqueOrThrow({ where: { id: principal.clientId }, select });
    if (policy.keyApproval !== undefined && policy.keyApproval !== "none" && policy.keyApproval !== before.keyApproval) {
      const approvers = await tx.clientMember.count({ where: { clientId: principal.clientId, role: { in: ["Owner", "Admin"] } } });
      if (approvers < 2) {
        throw new ApiError({
          status: 409,
          code: "Policy.NotEnoughApprovers",
          title: "Not enough people to approve",
          detail: `Approval needs a second person: only ${approvers === 1 ? "one person" : `${approvers} people`} (Owners and Admins together) could approve, and it needs at least two. Invite or promote an Admin first.`,
        });
      }
    }
    const after = await tx.client.update({ where: { id: principal.clientId }, data: policy, select });
    if (JSON.stringify(before) !== JSON.stringify(after)) {
      await recordAuditEvent(tx, {
        clientId: principal.clientId,
        action: "client.policyChanged",
        actor: actorOf(principal),
        target: { type: "client", id: principal.clientId },
        metadata: { before, after },
        meta,
      });
    }
  });
  return getKeyPolicy(principal.clientId);
}
