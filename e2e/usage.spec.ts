import fs from "node:fs";
import { apiCreateKey, expect, factory, signIn, test } from "./fixtures";

test.use({ locale: "en-US", timezoneId: "Europe/Paris" });

test("use a key N times: N in its row, its chart, its table and the Client's chart; screenshots", async ({ page, request }, testInfo) => {
  const client = await factory.client("Live", "Acme Usage");
  const owner = await factory.user([[client, "Owner"]], "Olivia Owner");
  await signIn(page, owner.email);
  const busy = await apiCreateKey(page, { name: "Billing sync" });
  const restricted = await apiCreateKey(page, { name: "Reports", scopes: ["apiKeys:read"] });
  await apiCreateKey(page, { name: "Idle key" });
  const N = 7;
  for (let i = 0; i < N; i++) expect((await request.get("/api/me", { headers: { "x-dolfin-api-key": busy.rawKey } })).status()).toBe(200);
  for (let i = 0; i < 2; i++) expect((await request.post("/api/api-keys", { headers: { "x-dolfin-api-key": restricted.rawKey }, data: {} })).status()).toBe(403);
  // Counts reach the database within a flush interval; the page then shows them.
  await expect(async () => {
    const rows = await factory.db.apiKeyUsage.aggregate({ where: { clientId: client.clientId }, _sum: { success: true, scope: true } });
    expect(rows._sum).toEqual({ success: N, scope: 2 });
  }).toPass({ timeout: 10_000 });

  await page.goto("/settings/api-keys");
  const row = page.getByTestId("key-row").filter({ hasText: "Billing sync" });
  await expect(row.getByTestId("key-requests-14d")).toHaveText(String(N));
  await expect(row.getByTestId("key-sparkline")).toHaveAccessibleName(`${N} requests in the last 14 days`);
  await expect(page.getByTestId("key-row").filter({ hasText: "Reports" }).getByTestId("key-sparkline")).toHaveAccessibleName("2 requests in the last 14 days (2 refused)");
  await expect(page.getByTestId("client-usage-totals")).toHaveText(`${N + 2} in all · 2 refused`);
  await expect(page.getByTestId("client-usage")).toContainText("Billing sync");

  await row.getByRole("button", { name: "Usage of Billing sync" }).click();
  const dialog = page.getByRole("dialog", { name: /Usage of/ });
  await expect(dialog.getByTestId("usage-totals")).toContainText(`${N} requests: ${N} successful, 0 refused`);
  const today = dialog.getByTestId("chart-bar").last();
  await expect(today).toHaveAttribute("data-success", String(N));
  await today.hover();
  await expect(dialog.getByTestId("chart-caption")).toContainText(`${N} successful, 0 refused`);
  await dialog.getByText("Show as a table").click();
  await expect(dialog.getByTestId("usage-table").locator("tbody tr").first().locator("td").first()).toHaveText(String(N));
  // By hour: the same N in this hour's bar.
  await dialog.getByText("48 hours").click();
  await expect(dialog.getByTestId("chart-bar").last()).toHaveAttribute("data-success", String(N));
  await expect(dialog.getByTestId("usage-table").locator("thead")).toContainText("Hour");

  fs.mkdirSync("test-results/screenshots", { recursive: true });
  for (const [w, h, tag] of [[1280, 900, "desktop"], [375, 812, "phone"]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: `test-results/screenshots/usage-dialog-${tag}.png`, fullPage: false });
  }
  await page.keyboard.press("Escape");
  for (const [w, h, tag] of [[1280, 900, "desktop"], [375, 812, "phone"]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.goto("/settings/api-keys");
    await expect(page.getByTestId("client-usage")).toBeVisible();
    const file = `test-results/screenshots/usage-list-${tag}.png`;
    await page.screenshot({ path: file, fullPage: true });
    await testInfo.attach(`usage-list-${tag}`, { path: file, contentType: "image/png" });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  }
});

test("a key that works but was not used for 30 days says so, with revoke one click away", async ({ page }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Admin"]]);
  await signIn(page, owner.email);
  const stale = await apiCreateKey(page, { name: "Old integration" });
  const fresh = await apiCreateKey(page, { name: "New integration" });
  const old = new Date(Date.now() - 45 * 86_400_000);
  await factory.db.apiKey.update({ where: { id: stale.id }, data: { createdAt: old, lastUsedAt: new Date(Date.now() - 31 * 86_400_000) } });
  await factory.db.apiKey.update({ where: { id: fresh.id }, data: { createdAt: old, lastUsedAt: new Date(Date.now() - 86_400_000) } });
  await page.goto("/settings/api-keys");
  const row = page.getByTestId("key-row").filter({ hasText: "Old integration" });
  await expect(row.getByTestId("key-unused")).toHaveText("Unused for 30 days");
  await expect(page.getByTestId("key-row").filter({ hasText: "New integration" }).getByTestId("key-unused")).toHaveCount(0);
  await row.getByRole("button", { name: "Revoke Old integration" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: /Revoke/ }).last().click();
  await expect(row).toContainText("Revoked");
  await expect(row.getByTestId("key-unused")).toHaveCount(0);
});

test("reminder emails are on by default and can be turned off on the account page", async ({ page }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  await page.goto("/settings/account");
  const toggle = page.getByRole("checkbox", { name: /Email me about expiring API keys/ });
  await expect(toggle).toBeChecked();
  await toggle.uncheck();
  await expect(page.getByText("Key reminders off")).toBeVisible();
  await expect.poll(async () => (await factory.db.user.findUniqueOrThrow({ where: { id: owner.id } })).keyReminderEmails).toBe(false);
  await page.reload();
  await expect(page.getByRole("checkbox", { name: /Email me about expiring API keys/ })).not.toBeChecked();
});
