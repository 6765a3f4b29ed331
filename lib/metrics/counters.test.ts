import { describe, expect, it } from "vitest";
import { countHttp, httpRoute, metrics } from "./counters";

describe("HTTP route labels stay bounded", () => {
  it("ids and odd segments never become labels; 404s, pages and assets share one label each", () => {
    expect(httpRoute("/api/api-keys/0190f3c4-1b2a-7c3d-8e4f-5a6b7c8d9e0f/revoke", 204)).toBe("/api/api-keys/{id}/revoke");
    expect(httpRoute("/api/api-keys/not-a-uuid-but-words", 400)).toBe("/api/api-keys/not-a-uuid-but-words");
    expect(httpRoute("/api/api-keys/%00%27;drop", 400)).toBe("/api/api-keys/{param}");
    expect(httpRoute("/api/anything/at/all", 404)).toBe("unmatched");
    expect(httpRoute("/settings/api-keys", 200)).toBe("pages");
    expect(httpRoute("/_next/static/chunks/abc.js", 200)).toBe("/_next");
  });

  it("past the cap, new routes count as other", () => {
    for (let i = 0; i < 400; i++) countHttp(`/api/made-up-${i}`, 400);
    expect(metrics.http.size).toBeLessThanOrEqual(151);
    expect(metrics.http.get("other")?.get(400)).toBeGreaterThan(0);
  });
});
