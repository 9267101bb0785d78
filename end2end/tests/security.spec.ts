import type { APIRequestContext } from "@playwright/test";
import {
  expect,
  GRANT_COLUMNS,
  introspect,
  newAccount,
  redeemTokens,
  scopeSet,
  test,
  type ConnectPage,
  type ScopeId,
} from "./fixtures";

/**
 * Generates a code in the browser and redeems it as an agent would. Starts from, and returns
 * to, the /connect form.
 */
async function grantAgent(
  connectPage: ConnectPage,
  request: APIRequestContext,
  scopes: ScopeId[],
  agentName: string,
) {
  await connectPage.expectForm();
  const code = await connectPage.generateCode({ scopes, agentName });
  const tokens = await redeemTokens(request, code);
  await connectPage.generateAnotherButton.click();
  return tokens;
}

test.describe("security page", () => {
  test("a grant is listed with its details and revoking it stops its token", async ({
    page,
    request,
    nav,
    loginPage,
    connectPage,
    securityPage,
  }) => {
    const account = await newAccount(page);
    // Sign in once more so the account has a sign-in event of its own.
    await nav.signOut();
    await loginPage.signIn(account.email, account.password);
    await expect(page).toHaveURL(/\/connect$/);

    const tokens = await grantAgent(
      connectPage,
      request,
      ["quote", "account.read"],
      "Portfolio bot",
    );
    expect(scopeSet(tokens.scope)).toEqual(scopeSet("quote account.read"));

    const active = await introspect(request, tokens.access_token);
    expect(active.active).toBe(true);
    if (active.active) {
      expect(scopeSet(active.scope)).toEqual(scopeSet("quote account.read"));
      expect(active.sub).toBeTruthy();
      expect(active.client_id).toBeTruthy();
      expect(active.exp).toBeGreaterThan(Date.now() / 1000);
    }

    await securityPage.goto();
    await expect(securityPage.grants).toBeVisible();
    for (const column of GRANT_COLUMNS) {
      await expect(securityPage.columnHeader(column)).toBeVisible();
    }
    const row = securityPage.grantRow("Portfolio bot");
    await expect(row).toHaveCount(1);
    await expect(row).toContainText("Agent auth code");
    await expect(row.getByRole("button", { name: "Revoke", exact: true })).toBeVisible();

    await securityPage.revoke("Portfolio bot");

    await expect(securityPage.statusMessage("Access revoked")).toBeVisible();
    await expect(row).toHaveCount(0);
    expect(await introspect(request, tokens.access_token)).toEqual({ active: false });

    await expect(securityPage.eventsHeading).toBeVisible();
    await expect(securityPage.events).toBeVisible();
    for (const event of ["Signed in", "Code issued", "Code redeemed", "Access revoked"]) {
      await expect(securityPage.event(event).first()).toBeVisible();
    }
  });

  test("revoke all removes every grant and stops every token", async ({
    page,
    request,
    connectPage,
    securityPage,
  }) => {
    await newAccount(page);

    await securityPage.goto();
    await expect(securityPage.noGrantsMessage).toBeVisible();
    await expect(securityPage.revokeAllButton).toHaveCount(0);

    await connectPage.goto();
    const first = await grantAgent(connectPage, request, ["quote"], "Quote bot");
    const second = await grantAgent(connectPage, request, ["trade.read"], "Ledger bot");

    await securityPage.goto();
    await expect(securityPage.grantRows().filter({ hasText: "Agent auth code" })).toHaveCount(2);
    await expect(securityPage.grantRow("Quote bot")).toHaveCount(1);
    await expect(securityPage.grantRow("Ledger bot")).toHaveCount(1);

    await securityPage.revokeAll();

    await expect(securityPage.noGrantsMessage).toBeVisible();
    await expect(securityPage.grantRows()).toHaveCount(0);
    await expect(securityPage.revokeAllButton).toHaveCount(0);
    expect(await introspect(request, first.access_token)).toEqual({ active: false });
    expect(await introspect(request, second.access_token)).toEqual({ active: false });
  });
});
