import { factory, signIn, test, expect } from "./fixtures";
test("shots", async ({ page, browser, baseURL }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]], "Shot Person");
  for (const [ua, ip] of [["Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "198.51.100.23"], ["Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "2001:db8:85a3:0000:0000:8a2e:0370:7334"]]) {
    const c = await browser.newContext({ baseURL, userAgent: ua, extraHTTPHeaders: { "x-forwarded-for": ip } });
    await signIn(await c.newPage(), owner.email);
  }
  await page.request.post("/api/auth/token", { data: { email: owner.email, password: "e2e correct horse battery" }, headers: { "user-agent": "curl/8.5.0" } });
  await signIn(page, owner.email);
  for (const w of [1280, 375]) {
    await page.setViewportSize({ width: w, height: 900 });
    await page.goto("/settings/account");
    await expect(page.getByTestId("session")).toHaveCount(4);
    await page.getByRole("heading", { name: /signed in/ }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `/tmp/sessions-shot-${w}.png`, fullPage: true });
  }
  await page.getByTestId("session").nth(1).getByRole("button").click();
  await page.screenshot({ path: `/tmp/sessions-shot-dialog-375.png` });
});
