// Passkeys end to end in Chromium with its virtual authenticator (CDP
// WebAuthn: internal, resident keys, user verification): add one on the
// account page, sign out, and "Sign in with a passkey" lands signed in without
// an email or a password. WebAuthn needs a hostname as relying party, so this
// runs on a server of its own at http://localhost:PORT (APP_URL too). And
// sudo mode by passkey: on a server with a short window, an old session is
// asked before a full-access Live key is made and "Use your passkey" answers.
import fs from "node:fs";
import type { Page, TestInfo } from "@playwright/test";
import { startServer, type Server } from "../scripts/lib/stack";
import { expect, factory, PASSWORD, signIn, test } from "./fixtures";

const SHOTS = "test-results/screenshots";

async function shoot(page: Page, testInfo: TestInfo, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const [w, h] of [[1280, 800], [375, 760]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: `${SHOTS}/${name}-${w}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  void testInfo;
}

let srv: Server;
test.beforeAll(async () => {
  test.setTimeout(120_000);
  srv = await startServer({ databaseUrl: process.env.TEST_DATABASE_URL!, authSecret: process.env.TEST_AUTH_SECRET!, appHost: "localhost", env: { RATE_LIMIT_PASSKEY_OPTIONS_PER_MINUTE: "100000" } });
});
test.afterAll(async () => {
  await srv?.stop();
});

test("add a passkey on the account page, sign out, and sign in with it alone; then it is the second step after the password", async ({ browser }, testInfo) => {
  const client = await factory.client("Live");
  const me = await factory.user([[client, "Admin"]], "Pat Passkey");
  const ctx = await browser.newContext({ baseURL: srv.url });
  const page = await ctx.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });

  await signIn(page, me.email);
  await page.goto("/settings/account");
  const section = page.getByTestId("passkeys");
  await expect(section).toBeVisible();
  // No name: said clearly, nothing asked of the authenticator.
  await section.getByRole("button", { name: "Add a passkey" }).click();
  await expect(section.getByRole("alert")).toContainText("Name your passkey");

  await section.getByLabel("Passkey name").fill("Work laptop");
  await section.getByRole("button", { name: "Add a passkey" }).click();
  const dialog = page.getByRole("dialog", { name: "Your recovery codes" });
  await expect(dialog).toBeVisible();
  expect((await dialog.getByTestId("recovery-codes").inputValue()).split("\n")).toHaveLength(10);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(section.getByTestId("passkey-row")).toHaveCount(1);
  await expect(section.getByTestId("passkey-name")).toHaveText("Work laptop");
  await expect(section.getByTestId("passkey-last-used")).toHaveText("Never");
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  expect(credentials).toHaveLength(1);
  expect(credentials[0].isResidentCredential).toBe(true);

  // Renamed in place.
  await section.getByRole("button", { name: "Rename Work laptop" }).click();
  await section.getByLabel("New name").fill("Work laptop (Touch ID)");
  await section.getByRole("button", { name: "Save" }).click();
  await expect(section.getByTestId("passkey-name")).toHaveText("Work laptop (Touch ID)");
  await shoot(page, testInfo, "passkeys-account");

  // Sign out, then in with the passkey alone: no email, no password.
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Sign in to Dolfin" })).toBeVisible();
  await shoot(page, testInfo, "passkeys-sign-in");
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page).not.toHaveURL(/\/sign-in/);
  expect((await ctx.cookies()).some((c) => c.name.includes("session-token"))).toBe(true);
  const session = await (await page.request.get("/api/auth/session")).json();
  expect(session.user.email).toBe(me.email);
  expect(session.amr).toEqual(["hwk", "user"]);
  await page.goto("/settings/account");
  await expect(section.getByTestId("passkey-last-used")).not.toHaveText("Never");

  // The password now asks for a second step, and the passkey answers it.
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Sign in to Dolfin" })).toBeVisible();
  await page.getByLabel("Email").fill(me.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("second-step")).toBeVisible();
  await expect(page.getByRole("button", { name: "Use your passkey" })).toBeFocused();
  await expect(page.getByRole("button", { name: "Verify" })).toHaveCount(0); // no code field for a passkey-only account until "Use a recovery code"
  await shoot(page, testInfo, "passkeys-second-step");
  await page.getByRole("button", { name: "Use your passkey" }).click();
  await expect(page).not.toHaveURL(/\/sign-in/);
  expect((await (await page.request.get("/api/auth/session")).json()).amr).toEqual(["pwd", "hwk"]);

  // Removed: it no longer signs in (the authenticator still holds it; the server refuses it).
  await page.goto("/settings/account");
  page.once("dialog", (d) => void d.accept());
  await section.getByRole("button", { name: "Remove Work laptop (Touch ID)" }).click();
  await expect(section.getByTestId("passkey-row")).toHaveCount(0);
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Sign in to Dolfin" })).toBeVisible();
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.locator("#sign-in-error")).toContainText("That passkey is not known here");
  await expect(page).toHaveURL(/\/sign-in/);
  await ctx.close();
});

test.describe("sudo mode by passkey (a short window)", () => {
  const WINDOW_SECONDS = 4;
  let short: Server;
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    short = await startServer({
      databaseUrl: process.env.TEST_DATABASE_URL!,
      authSecret: process.env.TEST_AUTH_SECRET!,
      appHost: "localhost",
      env: { SUDO_MAX_AGE_SECONDS: String(WINDOW_SECONDS), RATE_LIMIT_PASSKEY_OPTIONS_PER_MINUTE: "100000" },
    });
  });
  test.afterAll(async () => {
    await short?.stop();
  });

  test("an old session is asked before a full-access Live key is made; a refused passkey is said, then “Use your passkey” passes and the key is shown", async ({ browser }) => {
    test.setTimeout(120_000); // a long walk (sign in, add a passkey, wait out the window, two dialogs) on a busy machine
    fs.mkdirSync(SHOTS, { recursive: true });
    const client = await factory.client("Live");
    const me = await factory.user([[client, "Owner"]], "Sam Sudo");
    const ctx = await browser.newContext({ baseURL: short.url });
    const page = await ctx.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    await signIn(page, me.email);

    // A passkey (adding one needs a recent proof too: on a slow machine the password dialog may ask first).
    await page.goto("/settings/account");
    const section = page.getByTestId("passkeys");
    await section.getByLabel("Passkey name").fill("Laptop");
    await section.getByRole("button", { name: "Add a passkey" }).click();
    const codes = page.getByRole("dialog", { name: "Your recovery codes" });
    const reauth = page.getByRole("dialog", { name: "Confirm it’s you" });
    await expect(codes.or(reauth)).toBeVisible();
    if (await reauth.isVisible()) {
      await expect(reauth.getByRole("button", { name: "Use your passkey" })).toHaveCount(0); // none yet
      await reauth.getByLabel("Password").fill(PASSWORD);
      await reauth.getByRole("button", { name: "Confirm" }).click();
    }
    await codes.getByRole("button", { name: "Done" }).click();
    await expect(section.getByTestId("passkey-row")).toHaveCount(1);
    // With passkeys only, the two-factor section says so (not "Off.").
    await expect(page.getByTestId("two-factor-state")).toContainText("passkeys only");
    await expect(page.getByTestId("two-factor")).not.toContainText("Off.");

    await page.goto("/settings/api-keys");
    await page.getByRole("textbox", { name: /^Name/ }).fill("Payments");
    await page.waitForTimeout(WINDOW_SECONDS * 1000 + 500); // every proof so far is now too old
    await page.getByRole("button", { name: "Create key" }).click();
    await expect(reauth).toBeVisible();
    const usePasskey = reauth.getByRole("button", { name: "Use your passkey" });
    await expect(usePasskey).toBeFocused();
    await expect(reauth.getByLabel("Password")).toBeVisible(); // the other ways stay offered
    for (const [w, h] of [[1280, 800], [375, 740]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.screenshot({ path: `${SHOTS}/sudo-passkey-dialog-${w}.png` });
    }
    await page.setViewportSize({ width: 1280, height: 800 });

    // The authenticator cannot verify the person (no fingerprint, PIN): no passkey is used, said in the dialog, nothing made.
    await cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified: false });
    await usePasskey.click();
    await expect(reauth.getByRole("alert")).toContainText(/No passkey was used|not recognised|could not use a passkey/);
    await page.screenshot({ path: `${SHOTS}/sudo-passkey-dialog-error-1280.png` });
    expect(await factory.db.apiKey.count({ where: { clientId: client.clientId } })).toBe(0);

    await cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified: true });
    await usePasskey.click();
    const shown = page.getByRole("dialog", { name: "Your new API key" });
    await expect(shown).toBeVisible();
    await expect(reauth).toHaveCount(0);
    expect(await shown.getByTestId("raw-key").inputValue()).toMatch(/^dol_live_[0-9A-Za-z]{49}$/);
    expect(await factory.db.apiKey.count({ where: { clientId: client.clientId, name: "Payments" } })).toBe(1);
    expect((await (await page.request.get("/api/auth/session")).json()).amr).toEqual(["pwd", "hwk"]);
    await shown.getByRole("button", { name: "Done" }).click();
    await expect(shown).toHaveCount(0);

    // New recovery codes from the account page: shown once, ten of them, and the count stays ten.
    await page.goto("/settings/account");
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Get new recovery codes" }).click();
    await expect(codes.or(reauth)).toBeVisible();
    if (await reauth.isVisible()) await reauth.getByRole("button", { name: "Use your passkey" }).click(); // the window may have passed again
    await expect(codes).toBeVisible();
    expect((await codes.getByTestId("recovery-codes").inputValue()).split("\n")).toHaveLength(10);
    await codes.getByRole("button", { name: "Done" }).click();
    await expect(page.getByTestId("two-factor").getByRole("status")).toContainText("old ones no longer work");
    await expect(page.getByTestId("recovery-codes-left")).toHaveText("10 recovery codes left.");
    await ctx.close();
  });
});
