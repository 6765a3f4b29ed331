import fs from "node:fs";
import { apiCreateKey, expect, factory, signIn, test } from "./fixtures";

test.use({ locale: "en-US", timezoneId: "Europe/Paris" });

test("a read-only key made on the page can list keys and cannot create one", async ({ page, request }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  await page.goto("/settings/api-keys");

  await page.getByRole("textbox", { name: /^Name/ }).fill("Reporting");
  await page.getByRole("radio", { name: /Read only/ }).check();
  await page.getByRole("button", { name: "Create key" }).click();
  const dialog = page.getByRole("dialog", { name: "Your new API key" });
  await expect(dialog.getByTestId("created-access")).toHaveText("What it may do: Read only, every resource, from any address.");
  await dialog.getByRole("button", { name: "Copy" }).click();
  const rawKey = await page.evaluate(() => navigator.clipboard.readText());
  expect(rawKey).toMatch(/^dol_live_/);
  await dialog.getByRole("button", { name: "Done" }).click();

  const row = page.getByTestId("key-row").filter({ hasText: "Reporting" });
  await expect(row.getByTestId("access-summary")).toHaveText("Read only");
  // The copied key: it may list, it may not create (and is told which permission it lacks).
  expect((await request.get("/api/api-keys", { headers: { "x-dolfin-api-key": rawKey } })).status()).toBe(200);
  const create = await request.post("/api/api-keys", { headers: { "x-dolfin-api-key": rawKey }, data: {} });
  expect(create.status()).toBe(403);
  expect(await create.json()).toMatchObject({ code: "ApiKey.InsufficientScope", detail: expect.stringContaining("apiKeys:write") });
});

test("a restricted key with an allowlist: the grid by keyboard, live allowlist errors, refused from outside, then opened up with the same form", async ({ page, request }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Admin"]]);
  await signIn(page, owner.email);
  await page.goto("/settings/api-keys");

  await page.getByRole("textbox", { name: /^Name/ }).fill("Invoice sync");
  await page.getByRole("radio", { name: /Restricted/ }).check();
  const grid = page.getByTestId("scope-grid");
  await expect(grid.getByTestId("scope-count")).toHaveText("No resource granted yet");
  // Keyboard: focus Invoices' "None" and move right twice to "Write".
  const invoices = grid.getByRole("radiogroup", { name: /^Invoices\b/ });
  await invoices.getByRole("radio", { name: "None" }).focus();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await expect(invoices.getByRole("radio", { name: "Write" })).toBeChecked();
  // "Set all" in a group, and search.
  await grid.getByRole("button", { name: "Set all Reference data to Read" }).click();
  await grid.getByRole("searchbox", { name: "Filter resources" }).fill("api");
  await expect(grid.getByRole("radiogroup")).toHaveCount(1);
  await grid.getByRole("radiogroup", { name: /^API keys/ }).getByRole("radio", { name: "Read" }).check();
  await expect(grid.getByTestId("scope-count")).toHaveText("5 resources granted");

  // The allowlist is validated as you type, with the route's own messages.
  const ips = page.getByTestId("allowed-ips");
  await ips.fill("203.0.113.0/24\n10.0.0.300");
  await expect(page.getByTestId("ip-errors")).toContainText('Line 2: "10.0.0.300" is not an IP address or CIDR range');
  await ips.fill("203.0.113.0/24\n2001:db8::/32");
  await expect(page.getByTestId("ip-errors")).toHaveCount(0);

  fs.mkdirSync("test-results/screenshots", { recursive: true });
  await grid.getByRole("searchbox", { name: "Filter resources" }).fill("");
  for (const [w, h, tag] of [[1280, 900, "desktop"], [375, 812, "phone"]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.getByTestId("scope-grid").screenshot({ path: `test-results/screenshots/scope-grid-${tag}.png` });
    await page.screenshot({ path: `test-results/screenshots/create-restricted-${tag}.png`, fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  await page.getByRole("button", { name: "Create key" }).click();
  const dialog = page.getByRole("dialog", { name: "Your new API key" });
  await expect(dialog.getByTestId("created-access")).toContainText("Invoices (write)");
  await expect(dialog.getByTestId("created-access")).toContainText("only from 203.0.113.0/24, 2001:db8::/32");
  const rawKey = await dialog.getByTestId("raw-key").inputValue();
  await dialog.getByRole("button", { name: "Copy" }).click();
  await dialog.getByRole("button", { name: "Done" }).click();

  const row = page.getByTestId("key-row").filter({ hasText: "Invoice sync" });
  await expect(row.getByTestId("access-summary")).toHaveText("Restricted: 5 resources");
  await expect(row).toContainText("2 IP ranges");
  const stored = await factory.db.apiKey.findFirstOrThrow({ where: { clientId: client.clientId, name: "Invoice sync" } });
  expect(stored.scopes).toEqual(["invoices:write", "taxRates:read", "currencies:read", "industries:read", "apiKeys:read"]);

  // This test's address (loopback) is not on the list: refused, and the refusal shows on the key's row.
  const refused = await request.get("/api/api-keys", { headers: { "x-dolfin-api-key": rawKey } });
  expect(refused.status()).toBe(403);
  expect((await refused.json()).code).toBe("ApiKey.IpNotAllowed");
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("key-row").filter({ hasText: "Invoice sync" }).getByTestId("key-refusals")).toContainText(
      "Refused 1 time from outside the allowlist",
      { timeout: 1000 },
    );
  }).toPass({ timeout: 15_000 });

  // Opened up with the same form: full access from anywhere, and the key works at once.
  const again = page.getByTestId("key-row").filter({ hasText: "Invoice sync" });
  await again.getByText("Details").click();
  await expect(again).toContainText("From: 203.0.113.0/24, 2001:db8::/32");
  await again.getByRole("button", { name: "Edit access of Invoice sync" }).click();
  const edit = page.getByRole("dialog", { name: "Edit access" });
  await expect(edit.getByRole("radio", { name: /Restricted/ })).toBeChecked();
  await expect(edit.getByTestId("allowed-ips")).toHaveValue("203.0.113.0/24\n2001:db8::/32");
  await edit.getByRole("radio", { name: /Full access/ }).check();
  await edit.getByTestId("allowed-ips").fill("");
  await edit.getByRole("button", { name: "Save access" }).click();
  await expect(edit).toBeHidden();
  await expect(again.getByTestId("access-summary")).toHaveText("Full access");
  expect((await request.get("/api/api-keys", { headers: { "x-dolfin-api-key": rawKey } })).status()).toBe(200);
  // The change is in the audit log, before and after.
  await page.goto("/settings/audit");
  await expect(page.getByText("Access changed")).toBeVisible();
});

test("the list shows each key's access at a glance", async ({ page }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  await apiCreateKey(page, { name: "Everything" });
  await apiCreateKey(page, { name: "Bills only", scopes: ["bills:write", "suppliers:read"], allowedIps: ["198.51.100.7"] });
  await page.goto("/settings/api-keys");
  const bills = page.getByTestId("key-row").filter({ hasText: "Bills only" });
  await expect(bills.getByTestId("access-summary")).toHaveText("Restricted: 2 resources");
  await expect(bills).toContainText("1 IP address");
  await expect(page.getByTestId("key-row").filter({ hasText: "Everything" }).getByTestId("access-summary")).toHaveText("Full access");
  await bills.getByText("Details").click();
  await expect(bills).toContainText("Bills (write), Suppliers (read)");
  await expect(bills).toContainText("From: 198.51.100.7");
});
