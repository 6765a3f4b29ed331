import fs from "node:fs";
import { expect, factory, PASSWORD, signIn, test } from "./fixtures";

const SHOTS = "test-results/screenshots";

test("an Owner invites someone; they open the link in a fresh browser, set a password and land on the Client's keys as Admin", async ({ page, browser, baseURL }, testInfo) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const client = await factory.client("Live");
  const owner = await factory.user([[client, "Owner"]], "Olivia Owner");
  await signIn(page, owner.email);
  await page.goto("/settings/members");

  const to = `invitee-${Date.now()}@example.test`;
  await page.getByLabel("Email", { exact: true }).fill(to.toUpperCase());
  await page.getByLabel("Role", { exact: true }).selectOption("Admin");
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Invitation for ${to}` });
  await expect(dialog).toContainText("will not be shown again");
  const link = await dialog.getByTestId("invite-link").inputValue();
  expect(link).toMatch(/\/invite#[A-Za-z0-9_-]{43}$/);
  expect(new URL(link).origin).toBe(new URL(baseURL!).origin); // where the browser's cookies live
  await dialog.getByRole("button", { name: "Copy" }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  await page.screenshot({ path: `${SHOTS}/invite-dialog-desktop.png` });
  await page.setViewportSize({ width: 375, height: 812 });
  await page.screenshot({ path: `${SHOTS}/invite-dialog-phone.png` });
  await page.setViewportSize({ width: 1280, height: 720 });
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("invite-row")).toContainText(to);

  // The invited person, in a browser of their own.
  const ctx = await browser.newContext({ baseURL });
  const theirs = await ctx.newPage();
  const referers: string[] = [];
  theirs.on("request", (r) => {
    const ref = r.headers()["referer"];
    if (ref) referers.push(ref);
  });
  await theirs.goto(link);
  await expect(theirs.getByTestId("invite-client")).toHaveText(client.clientName);
  await expect(theirs.getByTestId("invite-role")).toHaveText("Admin");
  await expect(theirs.getByText(`invited ${to}`)).toBeVisible();
  expect(theirs.url()).not.toContain("#"); // the token left the address bar
  await theirs.screenshot({ path: `${SHOTS}/invite-accept-desktop.png` });
  await theirs.setViewportSize({ width: 375, height: 812 });
  await theirs.screenshot({ path: `${SHOTS}/invite-accept-phone.png` });
  expect(await theirs.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  await testInfo.attach("invite-accept-phone", { path: `${SHOTS}/invite-accept-phone.png`, contentType: "image/png" });

  await theirs.getByLabel("Your name").fill("Ivy Invitee");
  await theirs.getByLabel("Choose a password").fill("short");
  await theirs.getByRole("button", { name: "Create account and join" }).click();
  await expect(theirs.getByText("Use at least 12 characters.")).toBeVisible();
  await theirs.getByLabel("Choose a password").fill(PASSWORD);
  await theirs.getByRole("button", { name: "Create account and join" }).click();
  await expect(theirs).toHaveURL(/\/settings\/api-keys$/);
  await expect(theirs.getByTestId("active-client")).toContainText(client.clientName);
  await expect(theirs.getByRole("button", { name: "Create key" })).toBeVisible(); // an Admin manages keys
  expect(referers.some((r) => r.includes("#") || /invite#/.test(r))).toBe(false);

  // The link is used up: opening it again says so.
  const later = await browser.newContext({ baseURL });
  const again = await later.newPage();
  await again.goto(link);
  await expect(again.getByTestId("invite-invalid")).toBeVisible();

  // The Owner sees the new Admin among the members.
  await page.reload();
  await expect(page.getByTestId("member-row").filter({ hasText: "Ivy Invitee" })).toContainText("Admin");
  await Promise.all([ctx.close(), later.close()]);
});

test("an invitation for someone else: a signed-in user with another email sees why, and may sign out", async ({ page, browser, baseURL }) => {
  const client = await factory.client("Sandbox");
  const owner = await factory.user([[client, "Owner"]]);
  const bystander = await factory.user([[await factory.client(), "Owner"]]);
  await signIn(page, owner.email);
  await page.goto("/settings/members");
  await page.getByLabel("Email", { exact: true }).fill(`someone-${Date.now()}@example.test`);
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  const link = await page.getByTestId("invite-link").inputValue();

  const ctx = await browser.newContext({ baseURL });
  const theirs = await ctx.newPage();
  await signIn(theirs, bystander.email);
  await theirs.goto(link);
  await expect(theirs.getByTestId("invite-wrong-account")).toContainText(`You are signed in as ${bystander.email}`);
  await theirs.getByRole("button", { name: "Sign out" }).click();
  await expect(theirs.getByLabel("Your name")).toBeVisible();
  await ctx.close();
});
