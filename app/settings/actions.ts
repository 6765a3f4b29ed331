"use server";
import { revalidatePath } from "next/cache";
import { auth, updateSession } from "@/lib/auth/config";
import { memberships } from "@/lib/auth/memberships";

/** Make another of the user's Clients the active one (for the pages and for the API). */
export async function switchClient(clientId: string): Promise<{ ok: boolean }> {
  const session = await auth();
  if (!session?.user?.id) return { ok: false };
  const mine = await memberships(session.user.id);
  if (!mine.some((m) => m.clientId === clientId)) return { ok: false };
  await updateSession({ activeClientId: clientId } as never);
  revalidatePath("/settings", "layout");
  return { ok: true };
}
