// The app's one connection pool (node-postgres) and the Prisma client on top
// of it (PrismaPg driver adapter, no native engine). The few hot write paths
// that need a short explicit transaction use the pool directly (see tx.ts).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

const g = globalThis as unknown as { __dolfinDb?: PrismaClient; __dolfinPool?: pg.Pool };

/** The pool, created on first use (the build never connects). */
export function pool(): pg.Pool {
  if (!g.__dolfinPool) {
    const e = env();
    const p = new pg.Pool({
      connectionString: e.DATABASE_URL,
      max: e.DATABASE_POOL_SIZE,
      // A request must fail fast (503), not hang, when PostgreSQL is away.
      connectionTimeoutMillis: 3_000,
      idleTimeoutMillis: 30_000,
      query_timeout: 10_000,
    });
    // An idle connection dropped by the server (restart, outage) must not crash the process.
    p.on("error", (err) => logger.warn({ err }, "database connection lost"));
    g.__dolfinPool = p;
  }
  return g.__dolfinPool;
}

/** `p`, or an ETIMEDOUT error after `ms` (a database that does not answer: isDatabaseUnavailable, 503). The query itself runs on until the pool's query_timeout. */
export function within<T>(p: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what}: no answer from the database within ${ms} ms`), { code: "ETIMEDOUT" })), ms);
  });
  return Promise.race([Promise.resolve(p).finally(() => clearTimeout(timer)), timeout]);
}

/** The Prisma client, created on first use. */
export function db(): PrismaClient {
  return (g.__dolfinDb ??= new PrismaClient({ adapter: new PrismaPg(pool()) }));
}

/** Close the pool (scripts that stop their database afterwards). */
export async function closeDatabase(): Promise<void> {
  await g.__dolfinDb?.$disconnect().catch(() => {});
  await g.__dolfinPool?.end().catch(() => {});
  g.__dolfinDb = undefined;
  g.__dolfinPool = undefined;
}
