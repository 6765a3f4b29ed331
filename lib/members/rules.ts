// Who may change whom: pure, so the server and the page ask the same question.
import type { Role } from "@/lib/auth/permissions";
import { ApiError, Problems } from "@/lib/http/problem";

/** Only an Owner may grant the Owner role, or change or remove an Owner. */
export function mayTouch(actor: Role, target: Role, newRole: Role | null): boolean {
  if (actor !== "Owner" && actor !== "Admin") return false;
  return actor === "Owner" || (target !== "Owner" && newRole !== "Owner");
}

/**
 * Throws the problem for changing `target` to `newRole` (null = removing them),
 * given how many Owners the Client has now. Call it holding the Client lock.
 */
export function assertMayChange(actor: Role, target: Role, newRole: Role | null, owners: number): void {
  if (!mayTouch(actor, target, newRole)) throw Problems.forbidden("Only an Owner can grant the Owner role, or change or remove an Owner.");
  if (target === "Owner" && newRole !== "Owner" && owners <= 1) {
    throw new ApiError({
      status: 409,
      code: "Member.LastOwner",
      title: "The last Owner cannot leave",
      detail: "A Client must keep at least one Owner. Make someone else an Owner first.",
    });
  }
}
