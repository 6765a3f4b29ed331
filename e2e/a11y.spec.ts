// Accessibility: axe-core (WCAG 2.0/2.1 A and AA, and axe's best practices) finds
// nothing on the API reference, the sign-in page, and every settings page an
// Owner sees, each with data on it. axe-core is injected from node_modules (it
// comes with eslint-plugin-jsx-a11y), so no extra dependency.
import fs from "node:fs";
import { createRequire } from "node:module";
import type { Page, TestInfo } from "@playwright/test";
import { apiCreateKey, apiWrite, expect, factory, signIn, test } from "./fixtures";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

type Violation = { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] };

/** Runs axe on the page as it is now; returns one readable line per violation and node. */
async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async (tags) => {
    const r = await (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: Violation[] }> } }).axe.run(document, {
      runOnly: { type: "tag", values: tags },
      resultTypes: ["violations"],
    });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  }, TAGS);
  return violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(n.target)}`));
}

/** The top of the page and one whole operation, for a person to look at (test-results/, not committed). */
async function shoot(page: Page, testInfo: TestInfo, name: string) {
  fs.mkdirSync("test-results/screenshots", { recursive: true });
  const shots: [string, (path: string) => Promise<unknown>][] = [
    [`${name}-top`, (path) => page.screenshot({ path })],
    [`${name}-create`, (path) => page.locator("#createApiKey").screenshot({ path })],
  ];
  for (const [shot, take] of shots) {
    const path = `test-results/screenshots/${shot}.png`;
    await take(path);
    await testInfo.attach(shot, { path, contentType: "image/png" });
  }
}

test("the API reference has no accessibility violations, at desktop and phone widths", async ({ page }, testInfo) => {
  test.slow(); // axe over a long page, twice: ~30 s on a busy machine
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/docs/api");
  await expect(page.getByText("Create API key", { exact: true }).first()).toBeVisible();
  expect(await axe(page)).toEqual([]);
  await shoot(page, testInfo, "docs-api-1280");
  await page.setViewportSize({ width: 375, height: 812 });
  // Everything folded away (contents, response fields, the scope list) unfolded, so axe sees it too.
  await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
  expect(await axe(page)).toEqual([]);
  await shoot(page, testInfo, "docs-api-375");
  // Nothing wider than a phone's screen.
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
});

test("the sign-in page has no accessibility violations", async ({ page }) => {
  await page.goto("/sign-in");
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  expect(await axe(page)).toEqual([]);
});

test("every settings page an Owner sees has no accessibility violations", async ({ page, browser }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]], "Ada Owner");
  await factory.user([[client, "Member"]], "Mo Member");
  await signIn(page, owner.email);
  await page.goto("/settings/api-keys");
  // Data on every page: keys (one revoked, so the audit log has two kinds), an invitation.
  await apiCreateKey(page, { name: "Billing sync" });
  const revoked = await apiCreateKey(page, { name: "Old export", scopes: ["invoices:read"], allowedIps: ["203.0.113.0/24"] });
  expect((await apiWrite(page, "POST", `/api/api-keys/${revoked.id}/revoke`)).status()).toBe(204);
  expect((await apiWrite(page, "POST", "/api/client-invites", { email: "new.person@example.com", role: "Admin" })).status()).toBe(201);
  // A key request waiting for the Owner (four-eyes approval): the Requests view with Approve / Deny.
  const admin = await factory.user([[client, "Admin"]], "Ada Admin");
  const policy = { keysMustExpire: false, maxKeyLifetimeDays: null, maxActiveKeys: 100, keyApproval: "write" };
  expect((await apiWrite(page, "PUT", "/api/key-policy", policy)).status()).toBe(200);
  const adminCtx = await browser.newContext({ baseURL: new URL(page.url()).origin });
  const adminPage = await adminCtx.newPage();
  await signIn(adminPage, admin.email);
  const asked = await apiWrite(adminPage, "POST", "/api/key-requests", { name: "Payments worker", expiresAt: null, scopes: ["payments:write"], allowedIps: [], reason: "Pays the March bills." });
  expect(asked.status()).toBe(201);
  await adminCtx.close();
  // A webhook endpoint (nobody listens on port 9: its test delivery fails and shows in the log).
  const hook = await apiWrite(page, "POST", "/api/webhook-endpoints", { url: "http://127.0.0.1:9/hook", events: ["apiKey.created", "apiKey.revoked"] });
  expect(hook.status()).toBe(201);
  expect((await apiWrite(page, "POST", `/api/webhook-endpoints/${(await hook.json()).id}/test`)).status()).toBe(202);

  const pages: [string, (p: Page) => Promise<void>][] = [
    ["/settings/api-keys", async (p) => void (await expect(p.getByTestId("key-row")).toHaveCount(2))],
    ["/settings/api-keys?view=requests", async (p) => void (await expect(p.getByTestId("request-row")).toHaveCount(1))],
    ["/settings/members", async (p) => {
      await expect(p.getByTestId("member-row")).toHaveCount(3);
      await expect(p.getByTestId("invite-row")).toHaveCount(1);
    }],
    ["/settings/audit", async (p) => void (await expect(p.getByTestId("audit-row").first()).toBeVisible())],
    ["/settings/policy", async (p) => void (await expect(p.getByRole("button", { name: /Save/ })).toBeVisible())],
    ["/settings/account", async (p) => void (await expect(p.getByRole("button", { name: /Change password/ })).toBeVisible())],
    ["/settings/webhooks", async (p) => void (await expect(p.getByTestId("webhook-delivery").first()).toBeVisible())],
  ];
  const found: Record<string, string[]> = {};
  for (const [path, ready] of pages) {
    await page.goto(path);
    await ready(page);
    found[path] = await axe(page);
  }
  expect(found).toEqual(Object.fromEntries(pages.map(([path]) => [path, []])));
});
