// Sessions you can see and end: two browsers signed in as one person; the
// account page lists both ("This browser" for its own), ends the other after a
// confirmation, and the other browser is signed out on its next navigation.
import { expect, factory, signIn, test } from "./fixtures";

test("two browsers signed in: the account page lists both, ends the other, which is signed out on its next page", async ({ page, browser, baseURL }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);
  const other = await browser.newContext({
    baseURL,
    userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    extraHTTPHeaders: { "x-forwarded-for": "198.51.100.23" },
  });
  const otherPage = await other.newPage();
  await signIn(otherPage, owner.email);
  await otherPage.goto("/settings/api-keys");
  await expect(otherPage.getByRole("heading", { name: "API keys" })).toBeVisible();
  await signIn(page, owner.email);

  await page.goto("/settings/account");
  const sessions = page.getByTestId("session");
  await expect(sessions).toHaveCount(2);
  await expect(sessions.first()).toContainText("This browser");
  await expect(sessions.first()).toContainText("Chrome");
  await expect(sessions.first().getByRole("button", { name: /End/ })).toHaveCount(0);
  const theOther = sessions.filter({ hasText: "Firefox on Linux" });
  await expect(theOther).toContainText("198.51.100.23");
  await expect(theOther).toContainText(/last active (just now|now|\d+ minutes? ago)/);

  await theOther.getByRole("button", { name: /End session: Firefox on Linux/ }).click();
  const dialog = page.getByRole("alertdialog", { name: "End this session?" });
  await expect(dialog).toContainText("Firefox on Linux at 198.51.100.23");
  await dialog.getByRole("button", { name: "End session" }).click();
  await expect(dialog).toBeHidden();
  await expect(sessions).toHaveCount(1);
  await expect(sessions.first()).toContainText("This browser");

  // The other browser still holds its cookie, but its session is over.
  await otherPage.goto("/settings/audit");
  await expect(otherPage).toHaveURL(/\/sign-in\?callbackUrl=%2Fsettings%2Faudit/);
  // This one carries on.
  await page.goto("/settings/api-keys");
  await expect(page.getByRole("heading", { name: "API keys" })).toBeVisible();
  await other.close();
});
