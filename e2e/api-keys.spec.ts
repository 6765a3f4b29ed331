import fs from "node:fs";
import { apiCreateKey, apiWrite, expect, factory, PASSWORD, signIn, test } from "./fixtures";

// Dates as the browser shows them: in its time zone (below), not the test process's (UTC on CI),
// or the test fails every day between 23:00 and midnight UTC.
const TZ = "Europe/Paris";
const localDate = (d: Date) => new Intl.DateTimeFormat("en-US", { day: "numeric", month: "short", year: "numeric", timeZone: TZ }).format(d);
const ymd = (d: Date) => new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone: TZ }).format(d);

test.use({ locale: "en-US", timezoneId: TZ });

test("an Owner signs in, creates a 30-day key, copies it once, and the copied key works", async ({ page, request }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]], "Olive Owner");

  // Signed out: sent to sign-in, and back after.
  await page.goto("/settings/api-keys");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fsettings%2Fapi-keys/);
  await page.getByLabel("Email").fill(owner.email);
  await page.getByLabel("Password").fill("wrong password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByText("That email and password do not match an account.")).toBeVisible();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await expect(page.getByTestId("empty-state")).toBeVisible();
  await expect(page.getByTestId("active-client")).toContainText(client.clientName);

  await page.getByRole("textbox", { name: /^Name/ }).fill("Billing sync");
  await expect(page.getByLabel("Expiration")).toHaveValue("30");
  const expected = new Date(Date.now() + 30 * 86_400_000);
  await expect(page.getByTestId("expiry-preview")).toHaveText(`Expires on ${localDate(expected)}`);
  await page.getByRole("button", { name: "Create key" }).click();

  const dialog = page.getByRole("dialog", { name: "Your new API key" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("will not be shown again");
  const rawKey = await dialog.getByTestId("raw-key").inputValue();
  expect(rawKey).toMatch(/^dol_live_[0-9A-Za-z]{49}$/);
  await dialog.getByRole("button", { name: "Copy" }).click();
  await expect(dialog.getByRole("button", { name: "Copied" })).toBeVisible();
  const clipboard = await page.evaluate(() => navigator.clipboard.readText());
  expect(clipboard).toBe(rawKey);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();

  // Gone from the page, its storage, and any reload.
  expect(await page.content()).not.toContain(rawKey);
  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  expect(storage).not.toContain(rawKey.slice(9));
  await page.reload();
  expect(await page.content()).not.toContain(rawKey);

  // The copied key authenticates (no cookie: a fresh request context).
  const me = await request.get("/api/me", { headers: { "x-dolfin-api-key": clipboard } });
  expect(me.status()).toBe(200);
  expect((await me.json()).clientId).toBe(client.clientId);

  const row = page.getByTestId("key-row").filter({ hasText: "Billing sync" });
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId("key-prefix")).toHaveText(rawKey.slice(0, 17) + "…");
  await expect(row.getByTestId("key-expires")).toContainText(localDate(expected));
  await expect(row).toContainText("Active");
  await expect(row).toContainText("by Olive Owner");
});

test("custom date, no expiry, and a refused past date", async ({ page }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Admin"]]);
  await signIn(page, owner.email);
  await page.goto("/settings/api-keys");

  // A past custom date is refused in the form, and nothing is created.
  await page.getByLabel("Expiration").selectOption("custom");
  const yesterday = new Date(Date.now() - 86_400_000);
  await page.getByLabel("Expiry date").fill(ymd(yesterday));
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByText("not in the past")).toBeVisible();
  expect(await factory.db.apiKey.count({ where: { clientId: client.clientId } })).toBe(0);

  // A custom date in 10 days: the key lasts until the end of that day.
  const later = new Date(Date.now() + 10 * 86_400_000);
  await page.getByLabel("Expiry date").fill(ymd(later));
  await expect(page.getByTestId("expiry-preview")).toHaveText(`Expires on ${localDate(later)}`);
  await page.getByRole("textbox", { name: /^Name/ }).fill("Custom date key");
  await page.getByRole("button", { name: "Create key" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("key-row").filter({ hasText: "Custom date key" }).getByTestId("key-expires")).toContainText(localDate(later));
  const stored = await factory.db.apiKey.findFirstOrThrow({ where: { clientId: client.clientId, name: "Custom date key" } });
  // 23:59:59.999 in Paris on that day.
  expect(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit", hour12: false }).format(stored.expiresAt!)).toBe("23:59");

  // No expiration: a visible warning, and "Never" in the list.
  await page.getByLabel("Expiration").selectOption("never");
  await expect(page.getByRole("note").filter({ hasText: "never expires is a risk" })).toBeVisible();
  await page.getByRole("textbox", { name: /^Name/ }).fill("Forever key");
  await page.getByRole("button", { name: "Create key" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("key-row").filter({ hasText: "Forever key" }).getByTestId("key-expires")).toContainText("Never");
});

test("the one-time key cannot be lost by Escape or a click outside without confirmation", async ({ page }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  await page.goto("/settings/api-keys");
  await page.getByRole("button", { name: "Create key" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  const rawKey = await dialog.getByTestId("raw-key").inputValue();

  await page.keyboard.press("Escape");
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("alert")).toContainText("not copied the key yet");
  await dialog.getByRole("button", { name: "Keep it open" }).click();
  await expect(dialog.getByTestId("raw-key")).toHaveValue(rawKey);

  await page.mouse.click(5, 5); // the overlay
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("alert")).toBeVisible();
  await dialog.getByRole("button", { name: "Close without copying" }).click();
  await expect(dialog).toBeHidden();
  expect(await page.content()).not.toContain(rawKey);
});

test("a double click on Create makes one key", async ({ page }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  await page.goto("/settings/api-keys");
  await page.getByRole("button", { name: "Create key" }).dblclick();
  await expect(page.getByRole("dialog")).toBeVisible();
  await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("key-row")).toHaveCount(1);
  expect(await factory.db.apiKey.count({ where: { clientId: client.clientId } })).toBe(1);
});

test("revoke asks, names the key, and the key fails with 401 right after", async ({ page, request }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  const key = await apiCreateKey(page, { name: "Doomed key" });
  await page.goto("/settings/api-keys");
  const row = page.getByTestId("key-row").filter({ hasText: "Doomed key" });
  await row.getByRole("button", { name: /Revoke/ }).click();
  const confirm = page.getByRole("alertdialog", { name: "Revoke API key?" });
  await expect(confirm).toContainText("Doomed key");
  await expect(confirm).toContainText(key.keyPrefix);
  await confirm.getByRole("button", { name: "Revoke key" }).click();
  await expect(confirm).toBeHidden();
  await expect(row).toContainText("Revoked");
  await expect(row.getByRole("button", { name: /Revoke/ })).toHaveCount(0);
  const me = await request.get("/api/me", { headers: { "x-dolfin-api-key": key.rawKey } });
  expect(me.status()).toBe(401);
});

test("a Member sees the list and why they cannot manage keys, and no controls", async ({ page }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  const member = await factory.user([[client, "Member"]]);
  await signIn(page, owner.email);
  await apiCreateKey(page, { name: "Visible to members" });
  await page.context().clearCookies();
  await signIn(page, member.email);
  await page.goto("/settings/api-keys");
  await expect(page.getByTestId("member-note")).toContainText("Only Admins and Owners");
  await expect(page.getByTestId("key-row").filter({ hasText: "Visible to members" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Create key" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Revoke/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Rename|Rotate/ })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Audit log" })).toHaveCount(0);
});

test("switching Client shows the other Client's keys, for the page and the API", async ({ page }) => {
  const live = await factory.client("Live", `Switch Live ${Date.now()}`);
  const sandbox = await factory.client("Sandbox", `Switch Sandbox ${Date.now()}`);
  const owner = await factory.user([[live, "Owner"], [sandbox, "Owner"]]);
  await signIn(page, owner.email);
  await apiCreateKey(page, { name: "Live key" });
  const sbKey = await apiWrite(page, "POST", "/api/api-keys", { name: "Sandbox key" }, { "x-dolfin-client-id": sandbox.clientId });
  expect(sbKey.status()).toBe(201);

  await page.goto("/settings/api-keys");
  await expect(page.getByTestId("key-row").filter({ hasText: "Live key" })).toBeVisible();
  await expect(page.getByTestId("key-row").filter({ hasText: "Sandbox key" })).toHaveCount(0);
  await page.getByLabel("Active Client").selectOption(sandbox.clientId);
  await expect(page.getByTestId("key-row").filter({ hasText: "Sandbox key" })).toBeVisible();
  await expect(page.getByTestId("key-row").filter({ hasText: "Live key" })).toHaveCount(0);
  await expect(page.getByTestId("key-prefix").first()).toContainText("dol_test_");
  const me = await (await page.request.get("/api/me")).json();
  expect(me.clientId).toBe(sandbox.clientId);
  await page.reload();
  await expect(page.getByLabel("Active Client")).toHaveValue(sandbox.clientId);
});

test("screenshots of the page at desktop and phone width", async ({ page }, testInfo) => {
  const client = await factory.client("Live", "Acme Screenshots");
  const owner = await factory.user([[client, "Owner"]], "Olivia Owner");
  await signIn(page, owner.email);
  await apiCreateKey(page, { name: "Production billing", expiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString() });
  await apiCreateKey(page, { name: "Nightly reconciliation", expiresAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
  const old = await apiCreateKey(page, { name: "Old staging key" });
  await apiWrite(page, "POST", `/api/api-keys/${old.id}/revoke`);
  fs.mkdirSync("test-results/screenshots", { recursive: true });
  for (const [w, h, tag] of [[1280, 900, "desktop"], [375, 812, "phone"]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.goto("/settings/api-keys");
    await expect(page.getByTestId("key-row")).toHaveCount(3);
    const file = `test-results/screenshots/api-keys-${tag}.png`;
    await page.screenshot({ path: file, fullPage: true });
    await testInfo.attach(`api-keys-${tag}`, { path: file, contentType: "image/png" });
    // Nothing overflows sideways on a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  }
});

test("server errors land where they belong: a policy tightened after the page loaded shows beside the field; the key cap in a toast", async ({ page }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  await page.goto("/settings/api-keys");
  // Someone else tightens the policy while this page is open.
  await factory.db.client.update({ where: { id: client.clientId }, data: { maxKeyLifetimeDays: 10 } });
  await page.getByLabel("Expiration").selectOption("30");
  await page.getByRole("button", { name: "Create key" }).click();
  const expiration = page.getByLabel("Expiration");
  await expect(expiration).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Keys may live at most 10 days.")).toBeVisible();
  expect(await factory.db.apiKey.count({ where: { clientId: client.clientId } })).toBe(0);

  await factory.db.client.update({ where: { id: client.clientId }, data: { maxKeyLifetimeDays: null, maxActiveKeys: 0 } });
  await page.getByLabel("Expiration").selectOption("7");
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByText(/already has 0 active keys \(limit 0\)/)).toBeVisible(); // the toast
  await expect(page.getByRole("dialog")).toHaveCount(0);
});

test("keyboard only: create a key, copy it and close the dialog without a mouse", async ({ page }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Admin"]]);
  await signIn(page, owner.email);
  await page.goto("/settings/api-keys");
  await page.getByRole("textbox", { name: /^Name/ }).focus();
  await page.keyboard.type("Keyboard key");
  await page.keyboard.press("Tab"); // Expiration
  await expect(page.getByLabel("Expiration")).toBeFocused();
  await page.keyboard.press("Tab"); // Permissions: the checked radio ("Full access")
  await expect(page.getByRole("radio", { name: /Full access/ })).toBeFocused();
  await page.keyboard.press("Tab"); // IP allowlist
  await expect(page.getByTestId("allowed-ips")).toBeFocused();
  await page.keyboard.press("Tab"); // Limits: "Limit requests", then "Quota" (both off)
  await expect(page.getByRole("checkbox", { name: "Limit requests" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("checkbox", { name: "Quota" })).toBeFocused();
  await page.keyboard.press("Tab"); // Create key
  await expect(page.getByRole("button", { name: "Create key" })).toBeFocused();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Your new API key" });
  await expect(dialog).toBeVisible();
  // Focus is trapped in the dialog; reach Copy, then Done.
  await dialog.getByRole("button", { name: "Copy" }).focus();
  await page.keyboard.press("Enter");
  await expect(dialog.getByRole("button", { name: "Copied" })).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(dialog.getByRole("button", { name: "Done" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("key-row").filter({ hasText: "Keyboard key" })).toBeVisible();
});

test("the page says how many of the allowed keys are in use, and warns at the cap", async ({ page }, testInfo) => {
  const client = await factory.client("Live", undefined, { maxActiveKeys: 2 });
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  await page.goto("/settings/api-keys");
  await expect(page.getByTestId("key-usage")).toHaveText("0 of 2 active keys in use");
  await expect(page.getByTestId("cap-reached")).toHaveCount(0);
  for (const expected of ["1 of 2", "2 of 2"]) {
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();
    await expect(page.getByTestId("key-usage")).toHaveText(`${expected} active keys in use`);
  }
  await expect(page.getByTestId("cap-reached")).toContainText("its limit");
  fs.mkdirSync("test-results/screenshots", { recursive: true });
  await page.screenshot({ path: "test-results/screenshots/api-keys-at-cap.png", fullPage: true });
  await testInfo.attach("api-keys-at-cap", { path: "test-results/screenshots/api-keys-at-cap.png", contentType: "image/png" });
  await page.getByTestId("key-row").first().getByRole("button", { name: /Revoke/ }).click();
  await page.getByRole("alertdialog", { name: "Revoke API key?" }).getByRole("button", { name: "Revoke key" }).click();
  await expect(page.getByTestId("key-usage")).toHaveText("1 of 2 active keys in use");
  await expect(page.getByTestId("cap-reached")).toHaveCount(0);
});

test("rename a key from the list: the same rules as create, the key keeps working, the audit log says so", async ({ page, request }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  const key = await apiCreateKey(page, { name: "Temp name" });
  await page.goto("/settings/api-keys");
  await page.getByRole("button", { name: "Rename Temp name" }).click();
  const dialog = page.getByRole("dialog", { name: "Rename API key" });
  const field = dialog.getByLabel("Name");
  await expect(field).toHaveValue("Temp name");
  await field.fill("x".repeat(101));
  await dialog.getByRole("button", { name: "Save name" }).click();
  await expect(dialog.getByText("Name must be at most 100 characters.")).toBeVisible();
  await field.fill("  Billing sync (production)  ");
  await dialog.getByRole("button", { name: "Save name" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("key-row").filter({ hasText: key.keyPrefix })).toContainText("Billing sync (production)");
  expect((await request.get("/api/me", { headers: { "x-dolfin-api-key": key.rawKey } })).status()).toBe(200);
  await page.reload();
  await expect(page.getByTestId("key-row").filter({ hasText: key.keyPrefix })).toContainText("Billing sync (production)");
  await page.goto("/settings/audit");
  await expect(page.getByText("Key renamed")).toBeVisible();
  await expect(page.getByText(/renamed from “Temp name” to “Billing sync \(production\)”/)).toBeVisible();
});

test("History on a key row opens the audit log narrowed to that key", async ({ page }, testInfo) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  const tracked = await apiCreateKey(page, { name: "Tracked key" });
  await apiCreateKey(page, { name: "Other key" });
  await apiWrite(page, "POST", `/api/api-keys/${tracked.id}/revoke`);
  await page.goto("/settings/api-keys");
  await page.getByRole("link", { name: "History of Tracked key" }).click();
  await expect(page).toHaveURL(new RegExp(`/settings/audit\\?key=${tracked.id}$`));
  await expect(page.getByTestId("audit-filter")).toContainText("Tracked key");
  const rows = page.getByTestId("audit-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText("Key revoked");
  await expect(rows.nth(1)).toContainText("Key created");
  fs.mkdirSync("test-results/screenshots", { recursive: true });
  await page.screenshot({ path: "test-results/screenshots/audit-key-history.png", fullPage: true });
  await testInfo.attach("audit-key-history", { path: "test-results/screenshots/audit-key-history.png", contentType: "image/png" });
  await page.getByRole("link", { name: "Show every event" }).click();
  await expect(page.getByTestId("audit-row")).toHaveCount(3);
});

test("the list can show only active, expired or revoked keys", async ({ page }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  await apiCreateKey(page, { name: "Still good" });
  const gone = await apiCreateKey(page, { name: "Gone key" });
  await apiWrite(page, "POST", `/api/api-keys/${gone.id}/revoke`);
  await page.goto("/settings/api-keys");
  await expect(page.getByTestId("key-row")).toHaveCount(2);
  await page.getByLabel("Show").selectOption("revoked");
  await expect(page.getByTestId("key-row")).toHaveCount(1);
  await expect(page.getByTestId("key-row")).toContainText("Gone key");
  await page.getByLabel("Show").selectOption("expired");
  await expect(page.getByTestId("filtered-empty")).toContainText("No expired keys.");
  await page.getByRole("button", { name: "Show all keys" }).click();
  await expect(page.getByTestId("key-row")).toHaveCount(2);
  await expect(page.getByLabel("Show")).toHaveValue("");
});
