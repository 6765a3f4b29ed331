import fs from "node:fs";
import { apiCreateKey, expect, factory, signIn, test } from "./fixtures";

test.use({ locale: "en-US" });

test("keys about to expire: a banner names them with the date and 'in 3 days', Rotate is one click away, and the list can show only them", async ({ page }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  await apiCreateKey(page, { name: "Billing sync", expiresAt: new Date(Date.now() + 3 * 86_400_000 + 3_600_000).toISOString() });
  await apiCreateKey(page, { name: "Reporting", expiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString() });
  await page.goto("/settings/api-keys");

  const banner = page.getByTestId("expiring-banner");
  await expect(banner).toContainText("1 key expires within 14 days");
  await expect(banner.getByTestId("expiring-key")).toContainText("Billing sync");
  await expect(banner.getByTestId("expiring-key")).toContainText("in 3 days");
  await expect(banner).not.toContainText("Reporting");
  const row = page.getByTestId("key-row").filter({ hasText: "Billing sync" });
  await expect(row.getByTestId("key-expires-relative")).toHaveText("in 3 days");

  fs.mkdirSync("test-results/screenshots", { recursive: true });
  await page.screenshot({ path: "test-results/screenshots/expiring-desktop.png", fullPage: true });
  await page.setViewportSize({ width: 375, height: 812 });
  await page.screenshot({ path: "test-results/screenshots/expiring-phone.png", fullPage: true });
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1280, height: 720 });

  await page.getByLabel("Show").selectOption("expiring");
  await expect(page.getByTestId("key-row")).toHaveCount(1);

  // Rotate from the banner: the replacement lives 3 days too, so the banner still names a key (the new one);
  // the old one, in its grace period, is not counted.
  await banner.getByRole("button", { name: "Rotate Billing sync" }).click();
  const dialog = page.getByRole("dialog", { name: "Rotate API key" });
  await dialog.getByRole("button", { name: "Rotate key" }).click();
  await page.getByRole("dialog", { name: "Your rotated API key" }).getByRole("button", { name: "Done" }).click();
  await expect(banner.getByTestId("expiring-key")).toHaveCount(1);
});
