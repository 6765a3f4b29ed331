// Four-eyes key approval (issue 23) in the browser: an Admin asks for a payments key from the create form,
// an Owner approves it in another browser, the Admin creates it and copies it once. Also: deny with a
// reason, the deep link the emails carry, and the policy page's setting (refused with one approver).
import fs from "node:fs";
import type { Browser, Page } from "@playwright/test";
import { startServer, type Server } from "../scripts/lib/stack";
import { apiWrite, expect, factory, PASSWORD, signIn, test } from "./fixtures";

test.use({ locale: "en-US", timezoneId: "Europe/Paris" });
// Two or three browsers per test, on a shared 2-core machine.
test.describe.configure({ timeout: 90_000 });

const SHOTS = "test-results/screenshots";

async function person(browser: Browser, email: string, width = 1280, baseURL = process.env.TEST_BASE_URL ?? "http://127.0.0.1:3000"): Promise<Page> {
  const ctx = await browser.newContext({ baseURL, viewport: { width, height: 900 }, locale: "en-US", timezoneId: "Europe/Paris", permissions: ["clipboard-read", "clipboard-write"] });
  const page = await ctx.newPage();
  await signIn(page, email);
  return page;
}

/** A Live Client whose keys with write access need approval; an Owner and an Admin. */
async function approvalClient(browser: Browser, baseURL?: string) {
  const client = await factory.client("Live");
  const owner = await factory.user([[client, "Owner"]], "Olivia Owner");
  const admin = await factory.user([[client, "Admin"]], "Ada Admin");
  const ownerPage = await person(browser, owner.email, 1280, baseURL);
  // Set in the database: the policy page's own test sets it through the page.
  await factory.db.client.update({ where: { id: client.clientId }, data: { keyApproval: "write" } });
  return { client, owner, admin, ownerPage };
}

/** Click, then get through the "Confirm it's you" dialog if the server asks for a fresh proof. */
async function clickThroughReauth(page: Page, click: () => Promise<void>, done: ReturnType<Page["locator"]>) {
  await click();
  const reauth = page.getByRole("dialog", { name: "Confirm it’s you" });
  await expect(reauth.or(done).first()).toBeVisible();
  if (await reauth.isVisible()) {
    await reauth.getByLabel("Password").fill(PASSWORD);
    await reauth.getByRole("button", { name: "Confirm" }).click();
  }
  await expect(done).toBeVisible();
}

test("an Admin requests a payments key, an Owner approves it in another browser, the Admin creates it and copies it once", async ({ browser, request }) => {
  test.slow();
  fs.mkdirSync(SHOTS, { recursive: true });
  const { client, admin, ownerPage } = await approvalClient(browser);

  // The Admin fills the form: a write scope turns "Create key" into "Request key" with a reason.
  const adminPage = await person(browser, admin.email);
  await adminPage.goto("/settings/api-keys");
  await adminPage.getByRole("textbox", { name: /^Name/ }).fill("Payments worker");
  // Full access (the default) is covered; read-only is not; a write scope is.
  await expect(adminPage.getByRole("button", { name: "Request key" })).toBeVisible();
  await adminPage.getByRole("radio", { name: /Read only/ }).check();
  await expect(adminPage.getByTestId("approval-needed")).toHaveCount(0);
  await expect(adminPage.getByRole("button", { name: "Create key" })).toBeVisible();
  await adminPage.getByRole("radio", { name: /Restricted/ }).check();
  const grid = adminPage.getByTestId("scope-grid");
  await grid.getByRole("radiogroup", { name: /^Payments\b/ }).getByRole("radio", { name: "Write" }).check();
  await grid.getByRole("radiogroup", { name: /^Bank details\b/ }).getByRole("radio", { name: "Read" }).check();
  const note = adminPage.getByTestId("approval-needed");
  await expect(note).toContainText("This key needs approval");
  await expect(note).toContainText("another Owner or Admin");
  const ask = adminPage.getByRole("button", { name: "Request key" });
  await expect(ask).toBeVisible();

  // No reason: said beside the field, nothing sent.
  await ask.click();
  await expect(adminPage.getByText("Say why you need this key")).toBeVisible();
  await adminPage.getByRole("textbox", { name: "Why do you need it?" }).fill("The payments worker pays suppliers' bills for the March run.");
  // Limits are part of what is asked (and approved).
  await adminPage.getByRole("checkbox", { name: "Limit requests" }).check();
  await adminPage.getByRole("spinbutton", { name: "Requests allowed per window" }).fill("100");
  await adminPage.getByRole("combobox", { name: "per" }).first().selectOption({ label: "minute" });
  await adminPage.getByRole("checkbox", { name: "Quota" }).check();
  await adminPage.getByRole("spinbutton", { name: "Requests allowed per period" }).fill("10000");
  await adminPage.getByRole("combobox", { name: "per" }).nth(1).selectOption("day");
  for (const width of [1280, 375]) {
    await adminPage.setViewportSize({ width, height: 900 });
    await note.scrollIntoViewIfNeeded();
    await adminPage.screenshot({ path: `${SHOTS}/key-request-form-${width}.png`, fullPage: true });
    expect(await adminPage.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  }
  await adminPage.setViewportSize({ width: 1280, height: 900 });
  await clickThroughReauth(adminPage, () => ask.click(), adminPage.getByTestId("requests-view"));

  // The requester lands on their request in the Requests view; no key exists yet.
  await expect(adminPage).toHaveURL(/view=requests&request=/);
  const requestId = new URL(adminPage.url()).searchParams.get("request")!;
  const mine = adminPage.locator(`[data-request-id="${requestId}"]`);
  await expect(mine.getByTestId("request-status")).toHaveText("Waiting for approval");
  await expect(mine).toContainText("Your request");
  await expect(mine.getByRole("button", { name: /Approve/ })).toHaveCount(0); // never one's own
  await expect(mine).toBeFocused();
  expect(await factory.db.apiKey.count({ where: { clientId: client.clientId } })).toBe(0);
  for (const width of [1280, 375]) {
    await adminPage.setViewportSize({ width, height: 900 });
    await adminPage.screenshot({ path: `${SHOTS}/key-requests-requester-pending-${width}.png`, fullPage: true });
  }
  await adminPage.setViewportSize({ width: 1280, height: 900 });

  // The Owner sees the badge, opens Requests, reads what it grants, who asked and why.
  await ownerPage.goto("/settings/api-keys");
  const tab = ownerPage.getByRole("tab", { name: /Requests/ });
  await expect(tab.getByTestId("requests-badge")).toContainText("1");
  await tab.click();
  await expect(ownerPage).toHaveURL(/view=requests/);
  const theirs = ownerPage.locator(`[data-request-id="${requestId}"]`);
  await expect(theirs.getByTestId("request-grants")).toContainText("Payments (write)");
  await expect(theirs.getByTestId("request-limits")).toHaveText("Limits: 100 a minute · quota 10,000 a day");
  await expect(theirs.getByTestId("request-by")).toHaveText("Ada Admin");
  await expect(theirs.getByTestId("request-reason")).toContainText("pays suppliers' bills");
  for (const width of [1280, 375]) {
    await ownerPage.setViewportSize({ width, height: 900 });
    await ownerPage.screenshot({ path: `${SHOTS}/key-requests-approver-${width}.png`, fullPage: true });
    expect(await ownerPage.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  }
  await ownerPage.setViewportSize({ width: 1280, height: 900 });
  await clickThroughReauth(ownerPage, () => theirs.getByRole("button", { name: "Approve Payments worker" }).click(), theirs.getByTestId("request-status").getByText("Approved"));
  await expect(theirs).toContainText("Waiting for Ada Admin to create the key");
  await expect(tab.getByTestId("requests-badge")).toHaveCount(0);
  expect(await factory.db.apiKey.count({ where: { clientId: client.clientId } })).toBe(0); // approved, not made

  // The Admin creates it: the usual one-time dialog, copied once.
  await adminPage.reload();
  await expect(mine.getByTestId("request-status")).toHaveText("Approved");
  await expect(mine.getByTestId("request-decision")).toContainText("Approved by Olivia Owner");
  for (const width of [1280, 375]) {
    await adminPage.setViewportSize({ width, height: 900 });
    await adminPage.screenshot({ path: `${SHOTS}/key-requests-requester-approved-${width}.png`, fullPage: true });
  }
  await adminPage.setViewportSize({ width: 1280, height: 900 });
  const shown = adminPage.getByRole("dialog", { name: "Your new API key" });
  await clickThroughReauth(adminPage, () => mine.getByRole("button", { name: "Create key" }).click(), shown);
  await expect(shown).toContainText("will not be shown again");
  await expect(shown.getByTestId("created-access")).toContainText("Payments (write)");
  await shown.getByRole("button", { name: "Copy" }).click();
  await expect(shown.getByRole("button", { name: "Copied" })).toBeVisible();
  const rawKey = await adminPage.evaluate(() => navigator.clipboard.readText());
  expect(rawKey).toMatch(/^dol_live_[0-9A-Za-z]{49}$/);
  await shown.getByRole("button", { name: "Done" }).click();
  await expect(shown).toHaveCount(0);
  await expect(mine.getByTestId("request-status")).toHaveText("Key created");
  await expect(mine.getByRole("button", { name: "Create key" })).toHaveCount(0);

  const made = await factory.db.apiKey.findMany({ where: { clientId: client.clientId } });
  expect(made.map((k) => [k.name, k.scopes, k.rateLimitRequests, k.rateLimitWindowSeconds, k.quotaRequests, k.quotaPeriod])).toEqual([
    ["Payments worker", ["payments:write", "bankDetails:read"], 100, 60, 10_000, "day"],
  ]);
  // The copied key works; a second claim makes nothing.
  expect((await request.get("/api/me", { headers: { "x-dolfin-api-key": rawKey } })).status()).toBe(200);
  const again = await apiWrite(adminPage, "POST", `/api/key-requests/${requestId}/claim`);
  expect(again.status()).toBeGreaterThanOrEqual(400);
  expect(await factory.db.apiKey.count({ where: { clientId: client.clientId } })).toBe(1);

  // And it is listed under Keys.
  await adminPage.getByRole("tab", { name: "Keys" }).click();
  await expect(adminPage.getByTestId("key-row").filter({ hasText: "Payments worker" })).toBeVisible();
  // Each step is in the audit log, in words.
  await adminPage.goto("/settings/audit");
  const rows = adminPage.getByTestId("audit-row");
  await expect(rows.filter({ hasText: "Key requested" })).toContainText("Payments worker: Restricted");
  await expect(rows.filter({ hasText: "Request approved" })).toContainText("asked by");
  await expect(rows.filter({ hasText: "Requested key created" })).toContainText("approved by");
  await adminPage.context().close();
  await ownerPage.context().close();
});

test("an Owner denies with a reason from the emailed link; the requester, signed out, follows it and reads why", async ({ browser }) => {
  const { admin, ownerPage } = await approvalClient(browser);
  const adminPage = await person(browser, admin.email);
  await adminPage.goto("/settings/api-keys");
  const sent = await apiWrite(adminPage, "POST", "/api/key-requests", { name: "Everything", expiresAt: null, scopes: null, allowedIps: [], reason: "Quicker than choosing scopes." });
  expect(sent.status(), await sent.text()).toBe(201);
  const { id } = await sent.json();

  await ownerPage.goto(`/settings/api-keys?view=requests&request=${id}`);
  const row = ownerPage.locator(`[data-request-id="${id}"]`);
  await expect(row).toBeFocused();
  await expect(row.getByTestId("request-grants")).toContainText("Full access");
  await row.getByRole("button", { name: "Deny Everything" }).click();
  const dialog = ownerPage.getByRole("dialog", { name: "Deny key request?" });
  await dialog.getByRole("button", { name: "Deny request" }).click();
  await expect(dialog.getByRole("alert")).toContainText("Say why");
  await dialog.getByRole("textbox", { name: "Reason" }).fill("Pick the scopes it needs: full access is too much.");
  await dialog.getByRole("button", { name: "Deny request" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row.getByTestId("request-status")).toHaveText("Denied");

  // The emailed link, opened signed out: sign in, and land on the request.
  await adminPage.context().clearCookies();
  await adminPage.goto(`/settings/api-keys?view=requests&request=${id}`);
  await expect(adminPage).toHaveURL(/\/sign-in\?callbackUrl=/);
  await adminPage.getByLabel("Email").fill(admin.email);
  await adminPage.getByLabel("Password").fill(PASSWORD);
  await adminPage.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(adminPage).toHaveURL(new RegExp(`/settings/api-keys\\?view=requests&request=${id}$`));
  const mine = adminPage.locator(`[data-request-id="${id}"]`);
  await expect(mine).toBeFocused();
  await expect(mine.getByTestId("request-status")).toHaveText("Denied");
  await expect(mine.getByTestId("request-decision")).toContainText("Denied by Olivia Owner");
  await expect(mine.getByTestId("request-decision")).toContainText("full access is too much");
  await expect(mine.getByRole("button", { name: "Create key" })).toHaveCount(0);
  await adminPage.context().close();
  await ownerPage.context().close();
});

test("the policy page: approval needs two approvers (409 said beside the setting), then saves", async ({ page }) => {
  const client = await factory.client("Live");
  const owner = await factory.user([[client, "Owner"]], "Olivia Owner");
  await factory.user([[client, "Member"]], "Mo Member");
  await signIn(page, owner.email);
  await page.goto("/settings/policy");
  await page.getByRole("radio", { name: /Keys that can change data/ }).check();
  await page.getByRole("button", { name: "Save policy" }).click();
  const problem = page.getByTestId("key-approval-error");
  await expect(problem).toBeVisible();
  await expect(problem).toHaveAttribute("role", "alert");
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `${SHOTS}/policy-approval-409-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  const policy = await (await page.request.get("/api/key-policy")).json();
  expect(policy.keyApproval).toBe("none");

  await factory.user([[client, "Admin"]], "Ada Admin");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Key policy saved")).toBeVisible();
  await expect(problem).toHaveCount(0);
  expect((await (await page.request.get("/api/key-policy")).json()).keyApproval).toBe("write");
  await page.reload();
  await expect(page.getByRole("radio", { name: /Keys that can change data/ })).toBeChecked();
});

test("more access for an existing key is asked for from Edit access and applied when approved", async ({ browser }) => {
  const { client, admin, ownerPage } = await approvalClient(browser);
  const adminPage = await person(browser, admin.email);
  await adminPage.goto("/settings/api-keys");
  const made = await apiWrite(adminPage, "POST", "/api/api-keys", { name: "Reconciliation", scopes: ["payments:read"] });
  expect(made.status(), await made.text()).toBe(201); // read-only: no approval
  const { id: keyId } = await made.json();
  await adminPage.reload();

  const row = adminPage.getByTestId("key-row").filter({ hasText: "Reconciliation" });
  await row.getByText("Details").click();
  await row.getByRole("button", { name: "Edit access of Reconciliation" }).click();
  const edit = adminPage.getByRole("dialog", { name: "Edit access" });
  await expect(edit.getByRole("button", { name: "Save access" })).toBeVisible();
  await edit.getByRole("radiogroup", { name: /^Payments\b/ }).getByRole("radio", { name: "Write" }).check();
  await expect(edit.getByTestId("approval-needed")).toContainText("This needs approval");
  await edit.getByRole("textbox", { name: "Why does it need more?" }).fill("It must now mark payments as matched.");
  fs.mkdirSync(SHOTS, { recursive: true });
  await edit.getByTestId("approval-needed").scrollIntoViewIfNeeded();
  await adminPage.screenshot({ path: `${SHOTS}/key-request-widen-1280.png` });
  await clickThroughReauth(adminPage, () => edit.getByRole("button", { name: "Request access" }).click(), adminPage.getByTestId("requests-view"));
  const requestId = new URL(adminPage.url()).searchParams.get("request")!;
  const mine = adminPage.locator(`[data-request-id="${requestId}"]`);
  await expect(mine).toContainText("More access for an existing key");
  await expect(mine).toContainText("Holds now: Payments (read)");
  expect((await factory.db.apiKey.findUniqueOrThrow({ where: { id: keyId } })).scopes).toEqual(["payments:read"]);

  await ownerPage.goto(`/settings/api-keys?view=requests&request=${requestId}`);
  const theirs = ownerPage.locator(`[data-request-id="${requestId}"]`);
  await clickThroughReauth(ownerPage, () => theirs.getByRole("button", { name: "Approve Reconciliation" }).click(), theirs.getByText("Approved and applied"));
  expect((await factory.db.apiKey.findUniqueOrThrow({ where: { id: keyId } })).scopes).toEqual(["payments:write"]);
  expect(await factory.db.apiKey.count({ where: { clientId: client.clientId } })).toBe(1);
  await adminPage.context().close();
  await ownerPage.context().close();
});

test.describe("with a short sudo window", () => {
  const WINDOW_SECONDS = 3;
  let srv: Server;
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    srv = await startServer({
      databaseUrl: process.env.TEST_DATABASE_URL!,
      authSecret: process.env.TEST_AUTH_SECRET!,
      env: { SUDO_MAX_AGE_SECONDS: String(WINDOW_SECONDS), RATE_LIMIT_SIGN_IN_FAILURES_PER_MINUTE: "100000" },
    });
  });
  test.afterAll(async () => {
    await srv?.stop();
  });

  test("approving with an old proof opens the re-authentication dialog, then approves", async ({ browser }) => {
    const { admin, ownerPage } = await approvalClient(browser, srv.url);
    const adminPage = await person(browser, admin.email, 1280, srv.url);
    await adminPage.goto("/settings/api-keys");
    const sent = await apiWrite(adminPage, "POST", "/api/key-requests", { name: "Payouts", scopes: ["payments:write"], reason: "Payouts for March." });
    expect(sent.status(), await sent.text()).toBe(201);
    const { id } = await sent.json();

    await ownerPage.goto(`/settings/api-keys?view=requests&request=${id}`);
    const row = ownerPage.locator(`[data-request-id="${id}"]`);
    await expect(row.getByTestId("request-status")).toHaveText("Waiting for approval");
    await ownerPage.waitForTimeout(WINDOW_SECONDS * 1000 + 500); // the sign-in's proof is now too old
    await row.getByRole("button", { name: "Approve Payouts" }).click();
    const reauth = ownerPage.getByRole("dialog", { name: "Confirm it’s you" });
    await expect(reauth).toBeVisible();
    expect((await factory.db.keyRequest.findUniqueOrThrow({ where: { id } })).status).toBe("pending"); // refused, nothing decided
    await reauth.getByLabel("Password").fill(PASSWORD);
    await reauth.getByRole("button", { name: "Confirm" }).click();
    await expect(row.getByTestId("request-status")).toHaveText("Approved");
    await adminPage.context().close();
    await ownerPage.context().close();
  });
});
