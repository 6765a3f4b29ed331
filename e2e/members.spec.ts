import fs from "node:fs";
import { expect, factory, signIn, test } from "./fixtures";

test("an Owner changes roles and removes people; the last Owner cannot step down; an Admin cannot touch Owners", async ({ page, browser, baseURL }, testInfo) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]], "Olivia Owner");
  const admin = await factory.user([[client, "Admin"]], "Adam Admin");
  const member = await factory.user([[client, "Member"]], "Mia Member");
  await signIn(page, owner.email);
  await page.goto("/settings/members");
  await expect(page.getByTestId("member-row")).toHaveCount(3);

  await page.getByLabel("Role of Mia Member").selectOption("Admin");
  await expect(page.getByText("Mia Member is now an Admin")).toBeVisible();
  expect((await factory.db.clientMember.findFirstOrThrow({ where: { clientId: client.clientId, userId: member.id } })).role).toBe("Admin");

  // The last Owner: refused, and the page says why.
  await page.getByLabel("Role of Olivia Owner").selectOption("Admin");
  await expect(page.getByText("A Client must keep at least one Owner. Make someone else an Owner first.")).toBeVisible(); // the toast
  expect((await factory.db.clientMember.findFirstOrThrow({ where: { clientId: client.clientId, userId: owner.id } })).role).toBe("Owner");

  fs.mkdirSync("test-results/screenshots", { recursive: true });
  await page.screenshot({ path: "test-results/screenshots/members-desktop.png", fullPage: true });
  await testInfo.attach("members-desktop", { path: "test-results/screenshots/members-desktop.png", contentType: "image/png" });
  await page.setViewportSize({ width: 375, height: 812 });
  await page.screenshot({ path: "test-results/screenshots/members-phone.png", fullPage: true });
  await testInfo.attach("members-phone", { path: "test-results/screenshots/members-phone.png", contentType: "image/png" });
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1280, height: 720 });

  await page.getByRole("button", { name: "Remove Mia Member" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Remove member?" });
  await expect(confirm).toContainText("Mia Member");
  await confirm.getByRole("button", { name: "Remove member" }).click();
  await expect(page.getByTestId("member-row")).toHaveCount(2);
  expect(await factory.db.clientMember.count({ where: { clientId: client.clientId } })).toBe(2);

  // An Admin sees the Owner's role but cannot change it or remove them.
  const ctx = await browser.newContext({ baseURL });
  const adminPage = await ctx.newPage();
  await signIn(adminPage, admin.email);
  await adminPage.goto("/settings/members");
  const ownerRow = adminPage.getByTestId("member-row").filter({ hasText: "Olivia Owner" });
  await expect(ownerRow.getByTestId("member-role")).toHaveText("Owner");
  await expect(ownerRow.getByRole("button")).toHaveCount(0);
  await expect(adminPage.getByLabel("Role of Adam Admin").locator("option")).toHaveText(["Admin", "Member"]);
  await ctx.close();
});
