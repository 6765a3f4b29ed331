import { describe, expect, it } from "vitest";
import { z } from "zod";
import { isDatabaseUnavailable, toProblem, toProblemChecked } from "./errors";
import { ApiError } from "./problem";

describe("the error handler", () => {
  it("keeps ApiErrors as they are", () => {
    const e = new ApiError({ status: 409, code: "ApiKey.NotActive", title: "Key is not active" });
    expect(toProblem(e, "t1")).toMatchObject({ status: 409, code: "ApiKey.NotActive" });
  });
  it("turns zod errors into 400 with field errors", () => {
    const r = z.strictObject({ name: z.string() }).safeParse({ name: 1, extra: true });
    const p = toProblem(r.error, "t2");
    expect(p.status).toBe(400);
    expect(Object.keys(p.errors!).sort()).toEqual(["extra", "name"]);
  });
  it("unknown fields named __proto__ or constructor are reported like any other", () => {
    const r = z.strictObject({ name: z.string() }).safeParse(JSON.parse('{"__proto__": 1, "constructor": 2, "name": "x"}'));
    const p = toProblem(r.error, "t3");
    expect(p.status).toBe(400);
    expect(Object.keys(p.errors!).sort()).toEqual(["__proto__", "constructor"]);
    expect(JSON.parse(JSON.stringify(p.errors))).toHaveProperty("__proto__");
  });
  it("an unexpected error is a 500 that reveals nothing internal but the trace id", () => {
    const p = toProblem(new Error("relation \"secret_table\" does not exist at /srv/app/lib/x.ts:12"), "trace-xyz");
    expect(p.status).toBe(500);
    expect(p.code).toBe("Server.Error");
    expect(JSON.stringify(p)).not.toContain("secret_table");
    expect(p.detail).toContain("trace-xyz");
  });
  it("recognises an unreachable database, also when wrapped", () => {
    expect(isDatabaseUnavailable(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isDatabaseUnavailable(new Error("outer", { cause: new Error("Connection terminated unexpectedly") }))).toBe(true);
    expect(isDatabaseUnavailable(new Error("duplicate key value violates unique constraint"))).toBe(false);
    expect(toProblem(new Error("timeout exceeded when trying to connect"), "t").status).toBe(503);
  });
});

describe("database outages in every shape the stack produces", () => {
  const prismaLike = (code: string, message: string, meta?: unknown) => Object.assign(new Error(message), { code, meta });
  it("recognises Prisma's connection codes and adapter errors by code, not wording", () => {
    expect(isDatabaseUnavailable(prismaLike("P1001", "x"))).toBe(true);
    expect(isDatabaseUnavailable(prismaLike("P1017", "x"))).toBe(true);
    // P2010/P2039 carry the SQLSTATE in meta.driverAdapterError.cause.originalCode.
    const adapter = { name: "DriverAdapterError", cause: { kind: "postgres", originalCode: "57P01", originalMessage: "bye" } };
    expect(isDatabaseUnavailable(prismaLike("P2039", "Database error.", { driverAdapterError: adapter }))).toBe(true);
    const closed = { name: "DriverAdapterError", cause: { kind: "ConnectionClosed" } };
    expect(isDatabaseUnavailable(prismaLike("P2010", "Raw query failed.", { driverAdapterError: closed }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("x"), { code: "08006" }))).toBe(true);
  });
  it("does not mistake ordinary database errors for an outage", () => {
    const unique = { name: "DriverAdapterError", cause: { kind: "UniqueConstraintViolation", originalCode: "23505" } };
    expect(isDatabaseUnavailable(prismaLike("P2002", "Unique constraint failed", { driverAdapterError: unique }))).toBe(false);
    expect(isDatabaseUnavailable(prismaLike("P2039", "Database error. Code: `42601`", { driverAdapterError: { cause: { kind: "postgres", originalCode: "42601" } } }))).toBe(false);
  });
  it("an unrecognised error while the database does not answer is a 503, not a 500", async () => {
    const odd = new Error("some driver wording nobody has seen");
    expect((await toProblemChecked(odd, "t", () => Promise.reject(new Error("down")))).status).toBe(503);
    expect((await toProblemChecked(odd, "t", () => new Promise(() => {}), 50)).status).toBe(503);
    expect((await toProblemChecked(odd, "t", () => Promise.resolve(1))).status).toBe(500);
    // Known errors are answered without a probe.
    let probed = false;
    const e = new ApiError({ status: 404, code: "ApiKey.NotFound", title: "Not found" });
    expect((await toProblemChecked(e, "t", async () => (probed = true))).status).toBe(404);
    expect(probed).toBe(false);
  });
});
