import fs from "node:fs";
import { expect, factory, signIn, test } from "./fixtures";

test.use({ locale: "en-US", timezoneId: "Europe/Paris" });

test("a key made with 3 requests a minute from the form: used past its limit, the refusals show on its row and in its usage", async ({ page, request }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  await signIn(page, owner.email);
  await page.goto("/settings/api-keys");

  await page.getByRole("textbox", { name: /^Name/ }).fill("Partner sync");
  await page.getByRole("checkbox", { name: "Limit requests" }).check();
  await page.getByRole("spinbutton", { name: "Requests allowed per window" }).fill("3");
  await page.getByRole("combobox", { name: "per" }).first().selectOption({ label: "minute" });
  await page.getByRole("checkbox", { name: "Quota" }).check();
  await page.getByRole("spinbutton", { name: "Requests allowed per period" }).fill("1000");

  // A bad number is refused beside the field, with the route's own words, before anything is sent.
  await page.getByRole("spinbutton", { name: "Requests allowed per window" }).fill("0");
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByText("Limit requests: the number must be at least 1.")).toBeVisible();
  await page.getByRole("spinbutton", { name: "Requests allowed per window" }).fill("3");

  fs.mkdirSync("test-results/screenshots", { recursive: true });
  for (const [w, h, tag] of [[1280, 900, "desktop"], [375, 812, "phone"]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.getByRole("form", { name: "Create API key" }).screenshot({ path: `test-results/screenshots/create-limited-${tag}.png` });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  await page.getByRole("button", { name: "Create key" }).click();
  const dialog = page.getByRole("dialog", { name: "Your new API key" });
  const rawKey = await dialog.getByTestId("raw-key").inputValue();
  await dialog.getByRole("button", { name: "Copy" }).click();
  await dialog.getByRole("button", { name: "Done" }).click();

  const row = page.getByTestId("key-row").filter({ hasText: "Partner sync" });
  await expect(row.getByTestId("key-limits")).toHaveText("3 a minute · quota 1,000 a month");
  const stored = await factory.db.apiKey.findFirstOrThrow({ where: { clientId: client.clientId, name: "Partner sync" } });
  expect(stored).toMatchObject({ rateLimitRequests: 3, rateLimitWindowSeconds: 60, quotaRequests: 1000, quotaPeriod: "month" });

  // Used past its limit: 3 answers, then 429 with the headers.
  const statuses = [];
  for (let i = 0; i < 5; i++) {
    const r = await request.get("/api/me", { headers: { "x-dolfin-api-key": rawKey } });
    statuses.push(r.status());
    if (i === 4) {
      expect((await r.json()).code).toBe("ApiKey.RateLimited");
      expect(r.headers()["retry-after"]).toBeTruthy();
      expect(r.headers()["ratelimit-policy"]).toContain('"rate";q=3;w=60');
    }
  }
  expect(statuses).toEqual([200, 200, 200, 429, 429]);

  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("key-row").filter({ hasText: "Partner sync" }).getByTestId("key-refusals")).toContainText("Refused 2 times over its rate limit", { timeout: 1000 });
  }).toPass({ timeout: 15_000 });

  await page.getByTestId("key-row").filter({ hasText: "Partner sync" }).getByRole("button", { name: "Usage of Partner sync" }).click();
  const usage = page.getByRole("dialog", { name: /Usage of/ });
  await expect(usage.getByTestId("usage-totals")).toContainText("2 over the rate limit");
  await expect(usage.getByTestId("usage-limits")).toContainText("Refused 2 times over the rate limit");
  for (const [w, h, tag] of [[1280, 900, "desktop"], [375, 812, "phone"]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: `test-results/screenshots/limited-usage-${tag}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.keyboard.press("Escape");

  // "Edit access" changes the limit, felt at once: 10 a minute lets the key through again.
  const again = page.getByTestId("key-row").filter({ hasText: "Partner sync" });
  await again.getByText("Details").click();
  await expect(again).toContainText("Limits: 3 a minute, 1,000 a month");
  await again.getByRole("button", { name: "Edit access of Partner sync" }).click();
  const edit = page.getByRole("dialog", { name: "Edit access" });
  await edit.getByRole("spinbutton", { name: "Requests allowed per window" }).fill("10");
  await edit.getByRole("button", { name: "Save access" }).click();
  await expect(edit).toBeHidden();
  await expect(page.getByTestId("key-row").filter({ hasText: "Partner sync" }).getByTestId("key-limits")).toHaveText("10 a minute · quota 1,000 a month");
  expect((await request.get("/api/me", { headers: { "x-dolfin-api-key": rawKey } })).status()).toBe(200);
});
