import "server-only";
import { db } from "@/lib/db/client";
import { after, NEWEST_FIRST, page, resolveCursor } from "@/lib/http/keyset";
import { auditEventPageSchema, authFailureSummarySchema, type AuditQuery } from "./schemas";

const actorType = { User: "user", ApiKey: "apiKey", Anonymous: "anonymous" } as const;

/**
 * The Client's audit trail (or one target's part of it), newest first, keyset-paginated by event id.
 * `forApiKey`: an API key asks. Keys are not people and may not read people (members and invitations
 * are 403 to them), so they get key events only, and of those no people data: a person actor's email
 * (label), and the IP address and user agent of any actor but a key, are null.
 */
export async function listAuditEvents(clientId: string, q: Pick<AuditQuery, "Cursor" | "Limit" | "TargetId">, opts: { forApiKey?: boolean } = {}) {
  const forKey = opts.forApiKey === true;
  const scope = { clientId, ...(q.TargetId ? { targetId: q.TargetId } : {}), ...(forKey ? { targetType: "apiKey" } : {}) };
  const from = await resolveCursor(q.Cursor, (id) => db().auditEvent.findFirst({ where: { id, ...scope }, select: { id: true, createdAt: true } }));
  const rows = await db().auditEvent.findMany({ where: { ...scope, ...after(from) }, orderBy: NEWEST_FIRST, take: q.Limit + 1 });
  return auditEventPageSchema.parse(
    page(rows, q.Limit, (e) => {
      const people = forKey && e.actorType !== "ApiKey"; // what a key may not learn about who acted
      return {
        id: e.id,
        clientId: e.clientId,
        action: e.action,
        actor: { type: actorType[e.actorType], id: e.actorUserId ?? e.actorApiKeyId ?? null, label: people && e.actorType === "User" ? null : e.actorLabel },
        target: { type: e.targetType, id: e.targetId, label: e.targetLabel },
        metadata: people ? withoutPeopleData(e.metadata) : ((e.metadata as Record<string, unknown> | null) ?? null),
        ip: people ? null : e.ip,
        userAgent: people ? null : e.userAgent,
        createdAt: e.createdAt.toISOString(),
      };
    }),
  );
}

/** Metadata fields that name a person or an address (events written before the reporter's IP moved to the ip column kept it as `reportedBy`). */
const PEOPLE_METADATA = new Set(["reportedBy", "email", "ip", "userAgent"]);

function withoutPeopleData(m: unknown): Record<string, unknown> | null {
  if (!m || typeof m !== "object") return null;
  return Object.fromEntries(Object.entries(m as Record<string, unknown>).filter(([k]) => !PEOPLE_METADATA.has(k)));
}

/** Refused requests with this Client's keys over the last 24 hours: dead (revoked, expired) keys, and live keys used from outside their allowlist or without a scope. One entry per key and reason. */
export async function authFailureSummary(clientId: string) {
  const since = new Date(Date.now() - 24 * 3_600_000);
  const rows = await db().authFailureCount.findMany({ where: { clientId, bucket: { gte: new Date(since.getTime() - 3_600_000) } } });
  const byKey = new Map<string, { apiKeyId: string; reason: string; count: number; lastAt: Date; lastIp: string | null }>();
  for (const r of rows) {
    const e = byKey.get(`${r.subject}|${r.reason}`);
    if (!e) byKey.set(`${r.subject}|${r.reason}`, { apiKeyId: r.subject, reason: r.reason, count: r.count, lastAt: r.lastAt, lastIp: r.lastIp });
    else {
      e.count += r.count;
      if (r.lastAt > e.lastAt) Object.assign(e, { lastAt: r.lastAt, lastIp: r.lastIp });
    }
  }
  const keys = await db().apiKey.findMany({ where: { clientId, id: { in: [...new Set([...byKey.values()].map((e) => e.apiKeyId))] } }, select: { id: true, keyPrefix: true } });
  const prefix = new Map(keys.map((k) => [k.id, k.keyPrefix]));
  const list = [...byKey.values()].sort((a, b) => b.count - a.count);
  return authFailureSummarySchema.parse({
    since: since.toISOString(),
    total: list.reduce((n, e) => n + e.count, 0),
    byKey: list.map((e) => ({ ...e, keyPrefix: prefix.get(e.apiKeyId) ?? null, lastAt: e.lastAt.toISOString() })),
  });
}
