import { describe, expect, it } from "vitest";
import { z } from "zod";
import { isDatabaseUnavailable, toProblem } from "./errors";
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
