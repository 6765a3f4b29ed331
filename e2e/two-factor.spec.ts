// The authenticator app end to end in Chromium: set it up from the account
// page (the test reads the secret the page shows and computes the code, as an
// app would), see the recovery codes once, sign out, and sign in again with
// the password then the code (a wrong code first), and with a recovery code.
import fs from "node:fs";
import { Secret, TOTP } from "otpauth";
import type { Page, TestInfo } from "@playwright/test";
import { apiWrite, expect, factory, PASSWORD, signIn, test } from "./fixtures";

/** Codes of one app, each time step used at most once (the server refuses a replayed code). */
function app(secret: string) {
  const totp = new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(secret) });
  let last = -Infinity;
  return {
    async next(): Promise<string> {
      for (;;) {
        const cur = Math.floor(Date.now() / 30_000);
        const step = Math.max(last + 1, cur);
        if (step <= cur + 1) {
          last = step;
          return totp.generate({ timestamp: step * 30_000 + 15_000 });
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    },
    wrong(): string {
      const real = new Set([-1, 0, 1].map((d) => totp.generate({ timestamp: Date.now() + d * 30_000 })));
      return ["000000", "111111", "222222"].find((c) => !real.has(c))!;
    },
  };
}

async function shoot(page: Page, testInfo: TestInfo, name: string) {
  fs.mkdirSync("test-results/screenshots", { recursive: true });
  for (const [w, h, label] of [[1280, 800, "desktop"], [375, 812, "phone"]] as const) {
    await page.setViewportSize({ width: w, height: h });
    const path = `test-results/screenshots/${name}-${label}.png`;
    await page.screenshot({ path, fullPage: true });
    await testInfo.attach(`${name}-${label}`, { path, contentType: "image/png" });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), `${name} scrolls sideways at ${w}px`).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

test("set up the authenticator app on the account page, then sign in with password and code", async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const client = await factory.client();
  const me = await factory.user([[client, "Admin"]], "Tess Totp");
  await signIn(page, me.email);
  await page.goto("/settings/account");

  const section = page.getByTestId("two-factor");
  await expect(section).toContainText("Off.");
  await section.getByRole("button", { name: "Set up authenticator app" }).click();
  await expect(page.getByRole("img", { name: "QR code to scan with your authenticator app" }).locator("svg")).toBeVisible();
  const secret = (await page.getByTestId("totp-secret").textContent())!.replace(/\s+/g, "");
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  const phone = app(secret);
  await shoot(page, testInfo, "two-factor-enrol");

  // A wrong code: said clearly, nothing turned on.
  await page.getByLabel("Code from the app").fill(phone.wrong());
  await page.getByRole("button", { name: "Turn on" }).click();
  await expect(section.getByRole("alert")).toContainText("That code is not right");
  await page.getByLabel("Code from the app").fill(await phone.next());
  await page.getByRole("button", { name: "Turn on" }).click();

  // The recovery codes, once.
  const dialog = page.getByRole("dialog", { name: "Your recovery codes" });
  await expect(dialog).toBeVisible();
  const codes = (await dialog.getByTestId("recovery-codes").inputValue()).split("\n");
  expect(codes).toHaveLength(10);
  for (const c of codes) expect(c).toMatch(/^[2-9a-z]{5}-[2-9a-z]{5}$/);
  await shoot(page, testInfo, "two-factor-recovery-codes");
  await dialog.getByRole("button", { name: "Copy" }).click();
  await expect(dialog.getByRole("button", { name: "Copied" })).toBeVisible();
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("recovery-codes-left")).toHaveText("10 recovery codes left.");
  await page.reload();
  await expect(section).toContainText("On");
  expect(await page.content()).not.toContain(codes[0]);

  // Sign out, then in again: the password first, then the code.
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Sign in to Dolfin" })).toBeVisible();
  await page.getByLabel("Email").fill(me.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("second-step")).toBeVisible();
  await expect(page.getByLabel("6-digit code")).toBeFocused();
  expect((await page.context().cookies()).some((c) => c.name.includes("session-token"))).toBe(false);
  await shoot(page, testInfo, "two-factor-sign-in");

  await page.getByLabel("6-digit code").fill(phone.wrong());
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.locator("#sign-in-error")).toContainText("That code is not right");
  expect((await page.context().cookies()).some((c) => c.name.includes("session-token"))).toBe(false);
  await shoot(page, testInfo, "two-factor-sign-in-wrong");

  await page.getByLabel("6-digit code").fill(await phone.next());
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys/);
  await expect(page.getByTestId("user-email")).toContainText(me.email);

  // And once with a recovery code.
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.getByLabel("Email").fill(me.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("button", { name: "Use a recovery code" }).click();
  await page.getByLabel("Recovery code").fill(codes[3].toUpperCase());
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys/);
  await page.goto("/settings/account");
  await expect(page.getByTestId("recovery-codes-left")).toHaveText("9 recovery codes left.");
});

test("with the app on, changing the password keeps this browser signed in; removing the app asks for a code or the password", async ({ page }) => {
  const client = await factory.client();
  const me = await factory.user([[client, "Member"]], "Rita Remove");
  await signIn(page, me.email);
  await page.goto("/settings/account");
  await page.getByRole("button", { name: "Set up authenticator app" }).click();
  const phone = app((await page.getByTestId("totp-secret").textContent())!.replace(/\s+/g, ""));
  await page.getByLabel("Code from the app").fill(await phone.next());
  await page.getByRole("button", { name: "Turn on" }).click();
  await page.getByRole("dialog", { name: "Your recovery codes" }).getByRole("button", { name: "Download" }).click();
  await page.getByRole("dialog", { name: "Your recovery codes" }).getByRole("button", { name: "Done" }).click();

  // Changing the password keeps this browser signed in (no code asked again) and ends the other sessions.
  const NEW = "a brand new passphrase 42";
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill(NEW);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed.")).toBeVisible();
  await expect(page.getByTestId("two-factor")).toContainText("On");

  await page.getByRole("button", { name: "Remove authenticator app" }).click();
  await page.getByLabel("My password").check();
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Remove", exact: true }).click();
  await expect(page.getByTestId("two-factor").getByRole("alert")).toContainText("not your current password");
  await page.getByLabel("Password", { exact: true }).fill(NEW);
  await page.getByRole("button", { name: "Remove", exact: true }).click();
  await expect(page.getByTestId("two-factor").getByRole("status")).toContainText("was removed");
  await expect(page.getByRole("button", { name: "Set up authenticator app" })).toBeVisible();
  expect(await factory.db.userFactor.count({ where: { userId: me.id } })).toBe(0);
});

test("an existing account with a second factor accepts an invitation with its password, then signs in with its code", async ({ page, browser, baseURL }) => {
  const mine = await factory.client();
  const theirs = await factory.client("Live", `E2E Joined ${Date.now()}`);
  const me = await factory.user([[mine, "Member"]], "Ida Invited");
  const owner = await factory.user([[theirs, "Owner"]], "Otto Owner");
  // My app, set up through the API.
  await signIn(page, me.email);
  await page.goto("/settings/account");
  const start = await apiWrite(page, "POST", "/api/account/two-factor/totp");
  const phone = app(((await start.json()) as { secret: string }).secret);
  expect((await apiWrite(page, "POST", "/api/account/two-factor/totp/confirm", { code: await phone.next() })).status()).toBe(200);
  await page.context().clearCookies();
  // Their Owner invites me.
  const ctx = await browser.newContext({ baseURL });
  const ownerPage = await ctx.newPage();
  await signIn(ownerPage, owner.email);
  await ownerPage.goto("/settings/members");
  const inv = await apiWrite(ownerPage, "POST", "/api/client-invites", { email: me.email, role: "Member" }, { "x-dolfin-client-id": theirs.clientId });
  expect(inv.status()).toBe(201);
  const { inviteUrl } = (await inv.json()) as { inviteUrl: string };
  await ctx.close();

  await page.goto(inviteUrl);
  await page.getByLabel(`Password of ${me.email}`).fill(PASSWORD);
  await page.getByRole("button", { name: `Join ${theirs.clientName}` }).click();
  // Joined, but not signed in without the code.
  await expect(page).toHaveURL(/\/sign-in/);
  expect(await factory.db.clientMember.count({ where: { userId: me.id, clientId: theirs.clientId } })).toBe(1);
  expect((await page.context().cookies()).some((c) => c.name.includes("session-token"))).toBe(false);
  await page.getByLabel("Email").fill(me.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByLabel("6-digit code").fill(await phone.next());
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys/);
});
