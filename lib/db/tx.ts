import "server-only";
// A short explicit transaction straight on the pool, for the hot write path
// whose statements are hand-written SQL anyway. Prisma's interactive
// transactions cost about as much CPU as the SQL itself; this is one BEGIN,
// the caller's statements and one COMMIT on one pooled connection.
import type pg from "pg";
import type { Prisma } from "@/lib/generated/prisma/client";
import { pool } from "./client";

/** One statement on the pool, committed on its own. */
export async function sqlQuery<R extends pg.QueryResultRow>(sql: Prisma.Sql): Promise<R[]> {
  return (await pool().query<R>(sql.text, sql.values)).rows;
}

export type SqlTx = { query<R extends pg.QueryResultRow>(sql: Prisma.Sql): Promise<R[]> };

export async function sqlTransaction<T>(work: (tx: SqlTx) => Promise<T>): Promise<T> {
  const conn = await pool().connect();
  let broken: Error | undefined;
  try {
    await conn.query("BEGIN");
    const result = await work({ query: async <R extends pg.QueryResultRow>(sql: Prisma.Sql) => (await conn.query<R>(sql.text, sql.values)).rows });
    await conn.query("COMMIT");
    return result;
  } catch (err) {
    // A connection that cannot even roll back is not handed to anyone else.
    await conn.query("ROLLBACK").catch((e: Error) => (broken = e));
    throw err;
  } finally {
    conn.release(broken);
  }
}
