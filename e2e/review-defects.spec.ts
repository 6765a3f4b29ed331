// Defects found in a security review (issue 13) that only a browser shows.
import { expect, factory, signIn, test } from "./fixtures";

test("a tab left open on one Client keeps acting on that Client after another tab switches", async ({ context }) => {
  const live = await factory.client("Live");
  const sandbox = await factory.client("Sandbox");
  const owner = await factory.user([
    [live, "Owner"],
    [sandbox, "Owner"],
  ]);
  const tabA = await context.newPage();
  await signIn(tabA, owner.email);
  await tabA.goto("/settings/api-keys");
  await expect(tabA.getByTestId("client-switcher")).toHaveValue(live.clientId);

  // Another tab switches the session to the Sandbox.
  const tabB = await context.newPage();
  await tabB.goto("/settings/api-keys");
  await tabB.getByTestId("client-switcher").selectOption(sandbox.clientId);
  await expect(tabB.getByRole("main")).toContainText(sandbox.clientName);

  // Tab A still shows the Live Client: what it creates lands there, as a live key.
  await expect(tabA.getByRole("main")).toContainText(live.clientName);
  await tabA.getByRole("textbox", { name: /^Name/ }).fill("From the stale tab");
  await tabA.getByRole("button", { name: "Create key" }).click();
  const dialog = tabA.getByRole("dialog", { name: "Your new API key" });
  await expect(dialog.getByTestId("raw-key")).toHaveValue(/^dol_live_/);
  expect(await factory.db.apiKey.count({ where: { clientId: live.clientId, name: "From the stale tab" } })).toBe(1);
  expect(await factory.db.apiKey.count({ where: { clientId: sandbox.clientId } })).toBe(0);
  await dialog.getByRole("button", { name: "Done" }).click();

  // Removed from the Live Client meanwhile: the stale tab is refused, and says why.
  await factory.db.clientMember.deleteMany({ where: { clientId: live.clientId, userId: owner.id } });
  await tabA.getByRole("textbox", { name: /^Name/ }).fill("Should not exist");
  await tabA.getByRole("button", { name: "Create key" }).click();
  await expect(tabA.getByText(/not a member of the Client/)).toBeVisible();
  expect(await factory.db.apiKey.count({ where: { name: "Should not exist" } })).toBe(0);
});

test("a cookie ended by 'Sign out everywhere' cannot end the user's new sessions", async ({ browser, baseURL }) => {
  const client = await factory.client();
  const owner = await factory.user([[client, "Owner"]]);

  // Session 1 signs out everywhere; keep its (now dead) cookie.
  const one = await browser.newContext({ baseURL });
  const onePage = await one.newPage();
  await signIn(onePage, owner.email);
  const dead = (await one.cookies()).find((c) => c.name === "authjs.session-token")!;
  await onePage.goto("/settings/api-keys");
  await onePage.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(onePage).toHaveURL(/\/sign-in/);

  // Session 2: the user's fresh sign-in.
  const two = await browser.newContext({ baseURL });
  const twoPage = await two.newPage();
  await signIn(twoPage, owner.email);
  await twoPage.goto("/settings/api-keys");
  await expect(twoPage.getByRole("heading", { name: "API keys" })).toBeVisible();

  // A third browser loads the page, then swaps in the dead cookie and presses the button.
  const three = await browser.newContext({ baseURL });
  const threePage = await three.newPage();
  await signIn(threePage, owner.email);
  await threePage.goto("/settings/api-keys");
  await three.addCookies([{ ...dead }]);
  await threePage.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(threePage).toHaveURL(/\/sign-in/);

  // Session 2 lives on.
  await twoPage.reload();
  await expect(twoPage.getByRole("heading", { name: "API keys" })).toBeVisible();
  await Promise.all([one.close(), two.close(), three.close()]);
});
