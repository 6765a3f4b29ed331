import fs from "node:fs";
import { startMailCatcher, type MailCatcher } from "../scripts/lib/mail-catcher";
import { startServer, type Server } from "../scripts/lib/stack";
import { expect, factory, PASSWORD, signIn, test } from "./fixtures";

const SHOTS = "test-results/screenshots";

// As in production: a server of its own with mail configured (SMTP to a catcher in this worker), on the tests' database.
// The invite link then reaches only the invitee's mailbox; the test reads it there.
test.describe("with mail configured", () => {
  let mail: MailCatcher;
  let srv: Server;
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    mail = await startMailCatcher({ webPort: null });
    srv = await startServer({
      databaseUrl: process.env.TEST_DATABASE_URL!,
      authSecret: process.env.TEST_AUTH_SECRET!,
      env: { SMTP_URL: mail.smtpUrl, MAIL_FROM: "Dolfin <keys@dolfin.test>", MAIL_POLL_INTERVAL_MS: "100", TRUSTED_PROXIES: "loopback" },
    });
  });
  test.afterAll(async () => {
    await srv?.stop();
    await mail?.stop();
  });

  test("an Owner invites someone: the link goes only to their mailbox; they open it in a fresh browser, set a password and land on the Client's keys as Admin", async ({ browser }, testInfo) => {
    fs.mkdirSync(SHOTS, { recursive: true });
    const client = await factory.client("Live");
    const owner = await factory.user([[client, "Owner"]], "Olivia Owner");
    const ownerCtx = await browser.newContext({ baseURL: srv.url });
    const page = await ownerCtx.newPage();
    await signIn(page, owner.email);
    await page.goto("/settings/members");
    await expect(page.getByText("only their mailbox gets it")).toBeVisible();

    const to = `invitee-${Date.now()}@example.test`;
    await page.getByLabel("Email", { exact: true }).fill(to.toUpperCase());
    await page.getByLabel("Role", { exact: true }).selectOption("Admin");
    await page.getByRole("button", { name: "Invite", exact: true }).click();
    await expect(page.getByTestId("invite-emailed")).toContainText(`Invitation emailed to ${to}`);
    await expect(page.getByTestId("invite-row")).toContainText(to);
    // The inviter never holds the link: no dialog, nothing on the page.
    await expect(page.getByRole("dialog")).toHaveCount(0);
    expect(await page.content()).not.toContain("/invite#");
    await page.screenshot({ path: `${SHOTS}/invite-emailed-desktop.png` });

    // The invited person reads it in their mailbox and opens it in a browser of their own.
    const m = await mail.waitFor((x) => x.to.includes(to));
    const link = m.text.match(/https?:\/\/\S+\/invite#[A-Za-z0-9_-]{43}/)![0];
    expect(new URL(link).origin).toBe(new URL(srv.url).origin); // where the browser's cookies live
    const ctx = await browser.newContext({ baseURL: srv.url });
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
    const later = await browser.newContext({ baseURL: srv.url });
    const again = await later.newPage();
    await again.goto(link);
    await expect(again.getByTestId("invite-invalid")).toBeVisible();

    // The Owner sees the new Admin among the members.
    await page.reload();
    await expect(page.getByTestId("member-row").filter({ hasText: "Ivy Invitee" })).toContainText("Admin");
    await Promise.all([ctx.close(), later.close(), ownerCtx.close()]);
  });
});

test("without mail (development) the link is shown once to copy; a signed-in user with another email sees why, and may sign out", async ({ page, browser, baseURL }) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const client = await factory.client("Sandbox");
  const owner = await factory.user([[client, "Owner"]]);
  const bystander = await factory.user([[await factory.client(), "Owner"]]);
  await signIn(page, owner.email);
  await page.goto("/settings/members");
  const to = `someone-${Date.now()}@example.test`;
  await page.getByLabel("Email", { exact: true }).fill(to);
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Invitation for ${to}` });
  await expect(dialog).toContainText("will not be shown again");
  const link = await dialog.getByTestId("invite-link").inputValue();
  expect(link).toMatch(/\/invite#[A-Za-z0-9_-]{43}$/);
  expect(new URL(link).origin).toBe(new URL(baseURL!).origin);
  await dialog.getByRole("button", { name: "Copy" }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  await page.screenshot({ path: `${SHOTS}/invite-dialog-desktop.png` });
  await page.setViewportSize({ width: 375, height: 812 });
  await page.screenshot({ path: `${SHOTS}/invite-dialog-phone.png` });
  await page.setViewportSize({ width: 1280, height: 720 });
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("invite-emailed")).toHaveCount(0);

  const ctx = await browser.newContext({ baseURL });
  const theirs = await ctx.newPage();
  await signIn(theirs, bystander.email);
  await theirs.goto(link);
  await expect(theirs.getByTestId("invite-wrong-account")).toContainText(`You are signed in as ${bystander.email}`);
  await theirs.getByRole("button", { name: "Sign out" }).click();
  await expect(theirs.getByLabel("Your name")).toBeVisible();
  await ctx.close();
});
