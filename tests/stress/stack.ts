// A private stack for the stress tests: its own embedded PostgreSQL (so it can
// be stopped), migrated, one Client with an Owner and a key, and a server with
// limits raised out of the way.
import { hash } from "@node-rs/argon2";
import { PrismaPg } from "@prisma/adapter-pg";
import { startEmbeddedPostgres, type EmbeddedDb } from "@/lib/db/embedded";
import { applyMigrations } from "@/lib/db/migrate";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { startServer, type Server } from "../../scripts/lib/stack";

export const RAISED = {
  RATE_LIMIT_KEY_WRITES_PER_MINUTE: "1000000",
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "1000000",
  RATE_LIMIT_LEAK_REPORTS_PER_MINUTE: "1000000",
  RATE_LIMIT_SIGN_IN_FAILURES_PER_MINUTE: "1000000",
  // The tests stand in for a proxy on loopback: the X-Forwarded-For they send is believed.
  TRUSTED_PROXIES: "loopback",
};
/** The verify API's service token on the stress server. */
export const SERVICE_TOKEN = "stress-service-token-0123456789abcdef";

export type Stack = { pg: EmbeddedDb; server: Server; db: PrismaClient; clientId: string; otherClientId: string; token: string; apiKey: string; stop: () => Promise<void> };

/** `env`: more settings for the server (e.g. SMTP_URL). */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const pg = await startEmbeddedPostgres();
  await pg.pg.createDatabase("dolfin");
  const url = pg.url("dolfin");
  await applyMigrations(url);
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  const client = await db.client.create({ data: { name: "Stress Co", type: "Live", maxActiveKeys: 100_000 } });
  const other = await db.client.create({ data: { name: "Bystander", type: "Live" } });
  const user = await db.user.create({ data: { email: "owner@stress.test", name: "Owner", passwordHash: await hash("stress-password") } });
  await db.clientMember.create({ data: { clientId: client.id, userId: user.id, role: "Owner" } });
  const server = await startServer({ databaseUrl: url, authSecret: "stress-test-secret-0123456789abcdefghij", env: { ...RAISED, VERIFY_SERVICE_TOKENS: SERVICE_TOKEN, DATABASE_POOL_SIZE: "20", LOG_LEVEL: "warn", ...env } });
  const t = await fetch(`${server.url}/api/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "owner@stress.test", password: "stress-password" }),
  });
  const token = ((await t.json()) as { token: string }).token;
  const k = await fetch(`${server.url}/api/api-keys`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: "{}" });
  const apiKey = ((await k.json()) as { rawKey: string }).rawKey;
  return {
    pg,
    server,
    db,
    clientId: client.id,
    otherClientId: other.id,
    token,
    apiKey,
    stop: async () => {
      await server.stop();
      await db.$disconnect();
      await pg.stop();
    },
  };
}
