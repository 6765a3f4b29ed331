// The problems of key requests (codes listed in ./schemas.ts). Browser-safe.
import { ApiError } from "@/lib/http/problem";
import { KEY_APPROVAL_TEXT, type KeyApprovalPolicy } from "./schemas";

/** 403 ApiKey.ApprovalRequired: names the policy and the requests endpoint. */
export function approvalRequired(policy: KeyApprovalPolicy, what: "create" | "widen" | "extend"): ApiError {
  const ask =
    what === "create"
      ? "Ask for it instead: POST /api/key-requests with the same body plus a reason; another Owner or Admin approves it, then you claim the key (POST /api/key-requests/{id}/claim)."
      : what === "widen"
        ? "Ask for it instead: POST /api/key-requests with keyId, the scopes and allowedIps you want, and a reason; it is applied when another Owner or Admin approves it."
        : "Rotating a key it covers may not extend the key's life: give an expiresAt no later than the current key's (or leave it out), or ask for a new key with POST /api/key-requests.";
  return new ApiError({
    status: 403,
    code: "ApiKey.ApprovalRequired",
    title: "A second person's approval is required",
    detail: `This Client's key policy (keyApproval: "${policy}") says: ${KEY_APPROVAL_TEXT[policy]}. ${ask}`,
  });
}

const conflict = (code: string, title: string, detail: string) => new ApiError({ status: 409, code, title, detail });

export const KeyRequestProblems = {
  notFound: () => new ApiError({ status: 404, code: "KeyRequest.NotFound", title: "Key request not found" }),
  notRequired: (policy: KeyApprovalPolicy) =>
    conflict(
      "KeyRequest.NotRequired",
      "No approval needed",
      policy === "none"
        ? "This Client's key policy requires no approval (keyApproval: \"none\"): create or change the key directly."
        : `This Client's key policy (keyApproval: "${policy}") does not cover what you ask: create or change the key directly.`,
    ),
  selfApproval: () =>
    new ApiError({ status: 403, code: "KeyRequest.SelfApproval", title: "You cannot approve your own request", detail: "Another Owner or Admin must approve it: that is the point of the policy." }),
  notRequester: () =>
    new ApiError({ status: 403, code: "KeyRequest.NotRequester", title: "Only the requester can claim", detail: "The key is shown once, to the person who asked for it." }),
  notPending: (status: string) => conflict("KeyRequest.NotPending", "Already decided", `This request is ${status}: it can no longer be approved or denied.`),
  notApproved: () => conflict("KeyRequest.NotApproved", "Not approved yet", "This request is still waiting for another Owner or Admin to approve it."),
  denied: () => conflict("KeyRequest.Denied", "Request denied", "This request was denied: it cannot be claimed. Make a new request if you still need the key."),
  alreadyClaimed: () => conflict("KeyRequest.AlreadyClaimed", "Already claimed", "The key of this request was already created and shown once. Rotate it if it was lost."),
  expired: (pending: boolean) =>
    conflict(
      "KeyRequest.Expired",
      "Request expired",
      pending
        ? "Nobody approved this request within 7 days. Make a new request if you still need the key."
        : "This request was approved but not claimed within 24 hours. Make a new request if you still need the key.",
    ),
  notClaimable: () => conflict("KeyRequest.NotClaimable", "Nothing to claim", "A request to widen a key is applied when approved: there is no key to claim."),
  keyNotActive: () =>
    conflict(
      "KeyRequest.KeyNotActive",
      "The key is no longer active",
      "The key of this request is revoked, expired or replaced by a rotation: its access cannot change. The request is closed (expired).",
    ),
  keyChanged: () =>
    conflict(
      "KeyRequest.KeyChanged",
      "The key changed since the request",
      "The key's scopes, allowlist or expiry are no longer what they were when this was asked (see `before`): approving would undo that change. The request is closed (expired); ask again from the key as it is now.",
    ),
  lastApprover: (n: number) =>
    conflict(
      "Member.LastApprover",
      "Pending key requests need an approver",
      `This change would leave ${n} pending key request${n === 1 ? "" : "s"} with nobody who could approve ${n === 1 ? "it" : "them"} (an Owner or Admin other than the requester). Approve or deny ${n === 1 ? "it" : "them"} first, or make someone else an Admin.`,
    ),
};
