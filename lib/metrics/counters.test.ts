import { describe, expect, it } from "vitest";
import { countHttp, httpRoute, metrics } from "./counters";

describe("HTTP route labels stay bounded", () => {
  it("ids and odd segments never become labels; 404s, pages and assets share one label each", () => {
    expect(httpRoute("/api/api-keys/0190f3c4-1b2a-7c3d-8e4f-5a6b7c8d9e0f/revoke", 204)).toBe("/api/api-keys/{id}/revoke");
    expect(httpRoute("/api/api-keys/not-a-uuid-but-words", 400)).toBe("/api/api-keys/not-a-uuid-but-words");
    expect(httpRoute("/api/api-keys/%00%27;drop", 400)).toBe("/api/api-keys/{id}");
    expect(httpRoute("/api/api-keys/z8f3k2q9", 401)).toBe("/api/api-keys/{id}");
    expect(httpRoute("/api/webhook-endpoints/AbCdEf/deliveries", 401)).toBe("/api/webhook-endpoints/{id}/deliveries");
    expect(httpRoute("/api/openapi.json", 200)).toBe("/api/openapi.json");
    expect(httpRoute("/api/anything/at/all", 404)).toBe("unmatched");
    expect(httpRoute("/settings/api-keys", 200)).toBe("pages");
    expect(httpRoute("/_next/static/chunks/abc.js", 200)).toBe("/_next");
  });

  it("an error response never makes a new label: made-up paths count as unmatched and real routes keep theirs", () => {
    const before = metrics.http.get("unmatched")?.get(401) ?? 0;
    for (let i = 0; i < 400; i++) countHttp(httpRoute(`/api/api-keys/z${"abcdefghij"[i % 10]}x${"klmnopqrst"[(i / 10) % 10 | 0]}${i < 100 ? "" : "q".repeat(i / 100)}`, 401), 401);
    expect(metrics.http.get("unmatched")?.get(401)).toBe(before + 400);
    expect([...metrics.http.keys()].filter((k) => k.startsWith("/api/api-keys/z"))).toEqual([]);
    countHttp("/api/me", 200);
    countHttp("/api/me", 401);
    expect(metrics.http.get("/api/me")?.get(401)).toBe(1);
    expect(metrics.http.has("other")).toBe(false);
  });

  it("past the cap, new routes count as other", () => {
    for (let i = 0; i < 400; i++) countHttp(`/api/made-up-${i}`, 200);
    expect(metrics.http.size).toBeLessThanOrEqual(151);
    expect(metrics.http.get("other")?.get(200)).toBeGreaterThan(0);
  });
});
