// The app's single Prisma client (PrismaPg driver adapter, no native engine).
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

const g = globalThis as unknown as { __dolfinDb?: PrismaClient };

function create(): PrismaClient {
  const e = env();
  const adapter = new PrismaPg(
    {
      connectionString: e.DATABASE_URL,
      max: e.DATABASE_POOL_SIZE,
      // A request must fail fast (503), not hang, when PostgreSQL is away.
      connectionTimeoutMillis: 3_000,
      idleTimeoutMillis: 30_000,
      query_timeout: 10_000,
    },
    { onPoolError: (err) => logger.warn({ err }, "database connection lost") },
  );
  return new PrismaClient({ adapter });
}

/** The Prisma client, created on first use (the build never connects). */
export function db(): PrismaClient {
  return (g.__dolfinDb ??= create());
}
