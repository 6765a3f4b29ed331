// Sudo mode in the browser: a server of its own with a 3-second window (the shared one keeps the
// default 15 minutes), on the tests' database. Creating a full-access key on a Live Client after the
// window asks for the password in the shared dialog, then creates the key and shows it once.
// And the Client policy's "Require a second factor" toggle on the policy page.
import fs from "node:fs";
import { Secret, TOTP } from "otpauth";
import { generateKey } from "../lib/api-keys/key-format";
import { startServer, type Server } from "../scripts/lib/stack";
import { apiWrite, expect, factory, PASSWORD, signIn, test } from "./fixtures";

const SHOTS = "test-results/screenshots";
const WINDOW_SECONDS = 3;

test.describe("with a short sudo window", () => {
  let srv: Server;
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    srv = await startServer({
      databaseUrl: process.env.TEST_DATABASE_URL!,
      authSecret: process.env.TEST_AUTH_SECRET!,
      env: { SUDO_MAX_AGE_SECONDS: String(WINDOW_SECONDS), TRUSTED_PROXIES: "loopback" },
    });
  });
  test.afterAll(async () => {
    await srv?.stop();
  });

  for (const width of [1280, 375]) {
    test(`${width}px: an old session is asked for the password before a full-access Live key is made, then the key is shown once`, async ({ browser }) => {
      fs.mkdirSync(SHOTS, { recursive: true });
      const client = await factory.client("Live");
      const owner = await factory.user([[client, "Owner"]], "Olivia Owner");
      const ctx = await browser.newContext({ baseURL: srv.url, viewport: { width, height: width > 400 ? 800 : 740 } });
      const page = await ctx.newPage();
      await signIn(page, owner.email);
      await page.goto("/settings/api-keys");
      await page.getByRole("textbox", { name: /^Name/ }).fill("Production billing");
      await page.waitForTimeout(WINDOW_SECONDS * 1000 + 500); // the sign-in's proof is now too old

      await page.getByRole("button", { name: "Create key" }).click();
      const reauth = page.getByRole("dialog", { name: "Confirm it’s you" });
      await expect(reauth).toBeVisible();
      expect(await factory.db.apiKey.count({ where: { clientId: client.clientId } })).toBe(0); // refused, nothing made
      await expect(reauth.getByLabel("Password")).toBeFocused();
      await page.screenshot({ path: `${SHOTS}/sudo-dialog-${width}.png` });

      // A wrong password: said in the dialog, still nothing made.
      await reauth.getByLabel("Password").fill("not my password");
      await reauth.getByRole("button", { name: "Confirm" }).click();
      await expect(reauth.getByRole("alert")).toContainText("not right");
      await page.screenshot({ path: `${SHOTS}/sudo-dialog-wrong-${width}.png` });

      await reauth.getByLabel("Password").fill(PASSWORD);
      await reauth.getByRole("button", { name: "Confirm" }).click();
      const shown = page.getByRole("dialog", { name: "Your new API key" });
      await expect(shown).toBeVisible();
      await expect(shown).toContainText("will not be shown again");
      expect(await shown.getByTestId("raw-key").inputValue()).toMatch(/^dol_live_[0-9A-Za-z]{49}$/);
      expect(await factory.db.apiKey.count({ where: { clientId: client.clientId, name: "Production billing" } })).toBe(1);
      await ctx.close();
    });
  }

  test("from another dialog: rotating a full-access key asks on top of the rotate dialog, then rotates", async ({ browser }) => {
    const client = await factory.client("Live");
    const owner = await factory.user([[client, "Owner"]]);
    const ctx = await browser.newContext({ baseURL: srv.url });
    const page = await ctx.newPage();
    const k = generateKey("Live"); // made directly: a full-access Live key to rotate
    await factory.db.apiKey.create({ data: { clientId: client.clientId, name: "Payments worker", keyPrefix: k.keyPrefix, keyHash: k.keyHash, fullAccess: true, createdByUserId: owner.id } });
    await signIn(page, owner.email);
    await page.goto("/settings/api-keys");
    await page.waitForTimeout(WINDOW_SECONDS * 1000 + 500);
    await page.getByTestId("key-row").filter({ hasText: "Payments worker" }).getByRole("button", { name: /Rotate/ }).click();
    await page.getByRole("dialog", { name: "Rotate API key" }).getByRole("button", { name: "Rotate key" }).click();
    const reauth = page.getByRole("dialog", { name: "Confirm it’s you" });
    await expect(reauth).toBeVisible();
    await reauth.getByLabel("Password").fill(PASSWORD);
    await reauth.getByRole("button", { name: "Confirm" }).click();
    await expect(page.getByRole("dialog", { name: "Your rotated API key" })).toBeVisible();
    expect(await factory.db.apiKey.count({ where: { clientId: client.clientId, name: "Payments worker" } })).toBe(2);
    await ctx.close();
  });

  test("cancelling the dialog leaves the action undone and says why", async ({ browser }) => {
    const client = await factory.client("Live");
    const owner = await factory.user([[client, "Owner"]]);
    const ctx = await browser.newContext({ baseURL: srv.url });
    const page = await ctx.newPage();
    await signIn(page, owner.email);
    await page.goto("/settings/api-keys");
    await page.getByRole("textbox", { name: /^Name/ }).fill("Never made");
    await page.waitForTimeout(WINDOW_SECONDS * 1000 + 500);
    await page.getByRole("button", { name: "Create key" }).click();
    const reauth = page.getByRole("dialog", { name: "Confirm it’s you" });
    await reauth.getByRole("button", { name: "Cancel" }).click();
    await expect(reauth).toHaveCount(0);
    await expect(page.getByText(/prove it is you again/i).first()).toBeVisible();
    expect(await factory.db.apiKey.count({ where: { clientId: client.clientId } })).toBe(0);
    await ctx.close();
  });
});

test("the policy page: an Owner without a second factor is told to add one; with one, turns on 'Require a second factor'; a Member without one is sent to their account", async ({ page, browser }) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const client = await factory.client("Live");
  const owner = await factory.user([[client, "Owner"]], "Olivia Owner");
  const member = await factory.user([[client, "Member"]], "Mel Member");
  await signIn(page, owner.email);
  await page.goto("/settings/policy");
  const toggle = page.getByRole("checkbox", { name: /Require a second factor/ });
  await expect(toggle).not.toBeChecked();
  await toggle.check();
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText(/add one to your own account first/i)).toBeVisible();
  expect((await factory.db.client.findUniqueOrThrow({ where: { id: client.clientId } })).requireTwoFactor).toBe(false);

  // The Owner sets up an authenticator app (through the API, as the account page does).
  const start = await apiWrite(page, "POST", "/api/account/two-factor/totp");
  expect(start.status()).toBe(201);
  const { secret } = await start.json();
  const code = new TOTP({ secret: Secret.fromBase32(secret) }).generate();
  expect((await apiWrite(page, "POST", "/api/account/two-factor/totp/confirm", { code })).status()).toBe(200);

  await page.reload();
  await page.getByRole("checkbox", { name: /Require a second factor/ }).check();
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Key policy saved")).toBeVisible();
  await expect.poll(async () => (await factory.db.client.findUniqueOrThrow({ where: { id: client.clientId } })).requireTwoFactor).toBe(true);
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `${SHOTS}/policy-${width}.png`, fullPage: true });
  }

  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/settings/members");
  const rows = page.getByTestId("member-row");
  await expect(rows.filter({ hasText: "Olivia Owner" }).getByTestId("member-two-factor")).toHaveText("2FA on");
  await expect(rows.filter({ hasText: "Mel Member" }).getByTestId("member-two-factor")).toHaveText("No 2FA");

  const ctx = await browser.newContext({ baseURL: new URL(page.url()).origin });
  const theirs = await ctx.newPage();
  await signIn(theirs, member.email);
  await theirs.goto("/settings/api-keys");
  await expect(theirs).toHaveURL(/\/settings\/account$/);
  await expect(theirs.getByTestId("two-factor-required")).toContainText(`${client.clientName} requires everyone to use a second factor`);
  for (const width of [1280, 375]) {
    await theirs.setViewportSize({ width, height: 900 });
    await theirs.screenshot({ path: `${SHOTS}/two-factor-required-${width}.png` });
  }
  await ctx.close();
});
