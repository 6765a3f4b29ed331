// The Webhooks page: add an endpoint (the secret once, in the one-time
// dialog), send a test event and see it delivered in the log, rotate the
// secret; a receiver in this process checks each delivery with the
// standardwebhooks reference package.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { expect, factory, signIn, test } from "./fixtures";

type Got = { headers: Record<string, string>; body: string };

test("an Owner adds an endpoint, sees the test event delivered in the log, and rotates the secret", async ({ page }, testInfo) => {
  const got: Got[] = [];
  const rx = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      got.push({ headers: req.headers as Record<string, string>, body });
      res.end("ok");
    });
  });
  await new Promise<void>((r) => rx.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(rx.address() as AddressInfo).port}/dolfin`;
  try {
    const client = await factory.client();
    const owner = await factory.user([[client, "Owner"]], "Wendy Owner");
    await signIn(page, owner.email);
    await page.goto("/settings/webhooks");
    await expect(page.getByRole("heading", { name: "Webhooks", level: 1 })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Webhooks" })).toHaveAttribute("aria-current", "page");

    // A private address is refused, naming the field.
    await page.getByLabel("URL").fill("https://10.1.2.3/hook");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.getByText("The URL's host must resolve to public internet addresses only (not private, loopback, link-local or reserved ones).")).toBeVisible();

    await page.getByLabel("URL").fill(url);
    await page.getByLabel("Description").fill("On-call tool");
    await page.getByRole("checkbox", { name: "apiKey.created" }).check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const dialog = page.getByRole("dialog", { name: "Endpoint added" });
    const secret = await dialog.getByTestId("webhook-secret").inputValue();
    expect(secret).toMatch(/^whsec_/);
    await dialog.getByRole("button", { name: "Copy" }).click();
    await dialog.getByRole("button", { name: "Done" }).click();
    await expect(dialog).toBeHidden();
    const endpoint = page.getByTestId("webhook-endpoint");
    await expect(endpoint).toContainText(url);
    await expect(endpoint.getByTestId("webhook-status")).toHaveText("Enabled");
    await expect(page.getByText(secret)).toHaveCount(0); // gone from the page for good

    await endpoint.getByRole("button", { name: "Send test event" }).click();
    const row = endpoint.getByTestId("webhook-delivery").first();
    await expect(row).toContainText("webhook.test");
    await expect(row).toContainText("Delivered", { timeout: 15_000 });
    await expect(row).toContainText("200");
    expect(got).toHaveLength(1);
    expect(new Webhook(secret).verify(got[0].body, got[0].headers)).toMatchObject({ type: "webhook.test" });

    fs.mkdirSync("test-results/screenshots", { recursive: true });
    for (const [w, h] of [[1280, 900], [375, 812]] as const) {
      await page.setViewportSize({ width: w, height: h });
      const path = `test-results/screenshots/webhooks-${w}.png`;
      await page.screenshot({ path, fullPage: true });
      await testInfo.attach(`webhooks-${w}`, { path, contentType: "image/png" });
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    await endpoint.getByRole("button", { name: "Rotate secret" }).click();
    const rotated = page.getByRole("dialog", { name: "New signing secret" });
    await expect(rotated).toContainText("The old secret keeps signing beside it until");
    const newSecret = await rotated.getByTestId("webhook-secret").inputValue();
    expect(newSecret).not.toBe(secret);
    await rotated.getByRole("button", { name: "Copy" }).click();
    await rotated.getByRole("button", { name: "Done" }).click();
    await expect(endpoint).toContainText("The previous secret also signs until");

    await endpoint.getByRole("button", { name: "Send test event" }).click();
    await expect(endpoint.getByTestId("webhook-delivery")).toHaveCount(2);
    await expect(endpoint.getByTestId("webhook-delivery").first()).toContainText("Delivered", { timeout: 15_000 });
    expect(got).toHaveLength(2);
    expect(got[1].headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(newSecret).verify(got[1].body, got[1].headers)).toMatchObject({ type: "webhook.test" });
    expect(new Webhook(secret).verify(got[1].body, got[1].headers)).toMatchObject({ type: "webhook.test" });

    await endpoint.getByRole("button", { name: "Disable" }).click();
    await expect(endpoint.getByTestId("webhook-status")).toHaveText("Disabled");
    await expect(endpoint.getByRole("button", { name: "Send test event" })).toBeDisabled();
  } finally {
    await new Promise((r) => rx.close(r));
  }
});

test("a Member sees no Webhooks link and is told who manages them", async ({ page }) => {
  const client = await factory.client();
  const member = await factory.user([[client, "Member"]]);
  await signIn(page, member.email);
  await page.goto("/settings/webhooks");
  await expect(page.getByText("Only Owners and Admins manage webhooks.")).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Webhooks" })).toHaveCount(0);
});
