"use server";
import { revalidatePath } from "next/cache";
import { updateSession } from "@/lib/auth/config";
import { actionUser } from "@/lib/auth/session";

/** Make another of the user's Clients the active one (for the pages and for the API). */
export async function switchClient(clientId: string): Promise<{ ok: boolean }> {
  const user = await actionUser(); // resolved like the API: an ended session can do nothing
  if (!user || !user.memberships.some((m) => m.clientId === clientId)) return { ok: false };
  await updateSession({ activeClientId: clientId } as never);
  revalidatePath("/settings", "layout");
  return { ok: true };
}
