import fs from "node:fs";
import { apiCreateKey, apiWrite, expect, factory, PASSWORD, signIn, test } from "./fixtures";

test.use({ locale: "en-US" });

test("rotate from the list: grace choice, the one-time modal, both keys linked, old key still works", async ({ page, request }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  const old = await apiCreateKey(page, { name: "Payments worker", expiresAt: new Date(Date.now() + 60 * 86_400_000).toISOString() });
  await page.goto("/settings/api-keys");
  await page.getByTestId("key-row").filter({ hasText: "Payments worker" }).getByRole("button", { name: /Rotate/ }).click();
  const dialog = page.getByRole("dialog", { name: "Rotate API key" });
  await expect(dialog.getByLabel("After 24 hours")).toBeChecked();
  await dialog.getByLabel("After 1 hour").check();
  await dialog.getByRole("button", { name: "Rotate key" }).click();

  const created = page.getByRole("dialog", { name: "Your rotated API key" });
  await expect(created).toBeVisible();
  const rawKey = await created.getByTestId("raw-key").inputValue();
  expect(rawKey).not.toBe(old.rawKey);
  await created.getByRole("button", { name: "Copy" }).click();
  await created.getByRole("button", { name: "Done" }).click();

  const rows = page.getByTestId("key-row").filter({ hasText: "Payments worker" });
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText(`Replaces ${old.keyPrefix}`);
  await expect(rows.nth(1)).toContainText(`Rotated to ${rawKey.slice(0, 17)}`);
  await expect(rows.nth(1)).toContainText("Expires soon");
  expect((await request.get("/api/me", { headers: { "x-dolfin-api-key": old.rawKey } })).status()).toBe(200);
  expect((await request.get("/api/me", { headers: { "x-dolfin-api-key": rawKey } })).status()).toBe(200);
  const row = await factory.db.apiKey.findUniqueOrThrow({ where: { id: old.id } });
  expect(Math.abs(row.expiresAt!.getTime() - (Date.now() + 3600_000))).toBeLessThan(120_000);
});

test("the list shows when and from where a key was last used", async ({ page, request }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Admin"]]);
  await signIn(page, owner.email);
  const key = await apiCreateKey(page, { name: "Used key" });
  await page.goto("/settings/api-keys");
  await expect(page.getByTestId("key-row").filter({ hasText: "Used key" }).getByTestId("key-last-used")).toContainText("Never");
  expect((await request.get("/api/me", { headers: { "x-dolfin-api-key": key.rawKey, "user-agent": "reconciler/3.1" } })).status()).toBe(200);
  await expect
    .poll(async () => (await factory.db.apiKey.findUniqueOrThrow({ where: { id: key.id } })).lastUsedAt)
    .not.toBeNull();
  await page.reload();
  const cell = page.getByTestId("key-row").filter({ hasText: "Used key" }).getByTestId("key-last-used");
  await expect(cell).toContainText(/just now|minute/);
  await expect(cell).toContainText("from 127.0.0.1");
  await expect(cell.locator("[title]")).toHaveAttribute("title", /reconciler\/3\.1/);
});

test("the audit page lists what happened, newest first; Members cannot see it", async ({ page }, testInfo) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]], "Audrey Owner");
  const member = await factory.user([[client, "Member"]]);
  await signIn(page, owner.email);
  const k = await apiCreateKey(page, { name: "Audit me" });
  await apiWrite(page, "POST", `/api/api-keys/${k.id}/rotate`, { gracePeriodSeconds: 0 });
  await apiWrite(page, "PUT", "/api/key-policy", { keysMustExpire: true, maxKeyLifetimeDays: 90, maxActiveKeys: 20 });
  await page.goto("/settings/audit");
  const rows = page.getByTestId("audit-row");
  await expect(rows).toHaveCount(4);
  await expect(rows.nth(0)).toContainText("Policy changed");
  await expect(rows.nth(0)).toContainText("max lifetime: 90 days");
  await expect(rows.nth(2)).toContainText("Key rotated");
  await expect(rows.nth(3)).toContainText("Key created");
  await expect(rows.nth(3)).toContainText(owner.email);
  fs.mkdirSync("test-results/screenshots", { recursive: true });
  await page.screenshot({ path: "test-results/screenshots/audit-desktop.png", fullPage: true });
  await testInfo.attach("audit-desktop", { path: "test-results/screenshots/audit-desktop.png", contentType: "image/png" });

  await page.context().clearCookies();
  await signIn(page, member.email);
  await page.goto("/settings/audit");
  await expect(page.getByText("Only Admins and Owners can see the audit log.")).toBeVisible();
});

test("an Owner sets a key policy; the expiry picker then offers only what it allows, and says why", async ({ page }, testInfo) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  await page.goto("/settings/policy");
  await page.getByLabel("Keys must expire").check();
  await page.getByLabel("Maximum lifetime (days)").fill("60");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Key policy saved")).toBeVisible();
  await expect(page.getByTestId("active-keys")).toContainText("Active now: 0 keys");
  fs.mkdirSync("test-results/screenshots", { recursive: true });
  await page.screenshot({ path: "test-results/screenshots/policy-desktop.png", fullPage: true });
  await testInfo.attach("policy-desktop", { path: "test-results/screenshots/policy-desktop.png", contentType: "image/png" });
  await page.setViewportSize({ width: 375, height: 812 });
  await page.screenshot({ path: "test-results/screenshots/policy-phone.png", fullPage: true });
  await testInfo.attach("policy-phone", { path: "test-results/screenshots/policy-phone.png", contentType: "image/png" });
  await page.setViewportSize({ width: 1280, height: 720 });
  expect(await factory.db.client.findUniqueOrThrow({ where: { id: client.clientId } })).toMatchObject({ keysMustExpire: true, maxKeyLifetimeDays: 60 });

  await page.goto("/settings/api-keys");
  await expect(page.getByTestId("policy-note")).toContainText("at most 60 days");
  const select = page.getByLabel("Expiration");
  await expect(select.locator('option[value="never"]')).toBeDisabled();
  await expect(select.locator('option[value="90"]')).toBeDisabled();
  await expect(select.locator('option[value="60"]')).toBeEnabled();
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByRole("dialog", { name: "Your new API key" })).toBeVisible();
});

test("a key reported as leaked shows so in the list", async ({ page, request }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  const k = await apiCreateKey(page, { name: "Leaky" });
  const r = await request.post("/api/api-keys/leaks", { data: { keys: [k.rawKey] } });
  expect(r.status()).toBe(202);
  await page.goto("/settings/api-keys");
  await expect(page.getByTestId("key-row").filter({ hasText: "Leaky" })).toContainText("Revoked: reported as leaked");
});

test("an expired or forged session on a deep settings page goes to sign-in, then back to that page", async ({ page, context, baseURL }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await context.addCookies([{ name: "authjs.session-token", value: "not-a-valid-session", url: baseURL! }]);
  await page.goto("/settings/audit");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fsettings%2Faudit/);
  await page.getByLabel("Email").fill(owner.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/audit$/);
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
});

test("Sign out everywhere ends the sessions in other browsers too, and a new sign-in works", async ({ page, browser, baseURL }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  const other = await browser.newContext({ baseURL });
  const otherPage = await other.newPage();
  await signIn(otherPage, owner.email);
  await otherPage.goto("/settings/api-keys");
  await expect(otherPage.getByRole("heading", { name: "API keys" })).toBeVisible();

  await page.goto("/settings/api-keys");
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page).toHaveURL(/\/sign-in/);

  // The other browser still holds its cookie, but the session is over: back to sign-in, and no loop.
  await otherPage.goto("/settings/audit");
  await expect(otherPage).toHaveURL(/\/sign-in\?callbackUrl=%2Fsettings%2Faudit/);
  await expect(otherPage.getByRole("heading", { name: "Sign in to Dolfin" })).toBeVisible();
  await signIn(otherPage, owner.email);
  await otherPage.goto("/settings/api-keys");
  await expect(otherPage.getByRole("heading", { name: "API keys" })).toBeVisible();
  await other.close();
});
