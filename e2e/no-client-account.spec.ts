// A person removed from every Client still owns their account: the Account
// page, a new password and "Sign out everywhere" work, so a token stolen before
// does not come back to life when they are invited again. A Client's pages say
// there is none.
import { expect, factory, PASSWORD, signIn, test } from "./fixtures";

async function tokenFor(page: import("@playwright/test").Page, email: string, password = PASSWORD): Promise<string> {
  const r = await page.request.post("/api/auth/token", { data: { email, password } });
  expect(r.status()).toBe(200);
  return (await r.json()).token;
}

async function bearerMe(page: import("@playwright/test").Page, token: string) {
  const r = await page.request.get("/api/me", { headers: { authorization: `Bearer ${token}` } });
  return { status: r.status(), code: r.status() === 200 ? null : (await r.json()).code };
}

test("with no Client: the Account page changes the password; the token from before stays dead once invited again", async ({ page }) => {
  const client = await factory.client();
  const u = await factory.user([[client, "Member"]]);
  const stolen = await tokenFor(page, u.email);
  await signIn(page, u.email);
  await factory.db.clientMember.deleteMany({ where: { userId: u.id } }); // removed from their only Client

  await page.goto("/settings/account");
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill("a brand new passphrase for e2e");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed.")).toBeVisible();

  await factory.db.clientMember.create({ data: { clientId: client.clientId, userId: u.id, role: "Member" } }); // invited again
  expect(await bearerMe(page, stolen)).toEqual({ status: 401, code: "Auth.SessionEnded" });
  expect((await bearerMe(page, await tokenFor(page, u.email, "a brand new passphrase for e2e"))).status).toBe(200);
});

test("with no Client: a Client's page says so, and Sign out everywhere ends the token from before", async ({ page }) => {
  const client = await factory.client();
  const u = await factory.user([[client, "Admin"]]);
  const stolen = await tokenFor(page, u.email);
  await signIn(page, u.email);
  await factory.db.clientMember.deleteMany({ where: { userId: u.id } });

  await page.goto("/settings/api-keys");
  await expect(page.getByTestId("no-client")).toContainText("You are not a member of any Client yet");
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page).toHaveURL(/\/sign-in/);

  await factory.db.clientMember.create({ data: { clientId: client.clientId, userId: u.id, role: "Admin" } });
  expect(await bearerMe(page, stolen)).toEqual({ status: 401, code: "Auth.SessionEnded" });
});
