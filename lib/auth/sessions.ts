import "server-only";
import { db } from "@/lib/db/client";
import { logger } from "@/lib/log";

/**
 * "Sign out everywhere": every session cookie and Bearer token the user holds
 * stops working on its next request, on every instance (the version is read
 * from the database with the roles on each request).
 */
export async function endAllSessions(userId: string): Promise<void> {
  await db().user.update({ where: { id: userId }, data: { sessionVersion: { increment: 1 } } });
  logger.info({ event: "sessions ended", userId }, "signed out everywhere");
}
