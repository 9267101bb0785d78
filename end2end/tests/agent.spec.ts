import type { APIRequestContext } from "@playwright/test";
import {
  callTool,
  expect,
  introspect,
  newAccount,
  redeemTokens,
  test,
  type ConnectPage,
} from "./fixtures";

/** A code generated in the browser for `quote`, redeemed as an agent would. */
async function grantAgent(connectPage: ConnectPage, request: APIRequestContext, name: string) {
  await connectPage.expectForm();
  const code = await connectPage.generateCode({ scopes: ["quote"], agentName: name });
  return redeemTokens(request, code);
}

for (const javaScript of [true, false]) {
  test.describe(javaScript ? "agent page" : "agent page without JavaScript", () => {
    test.use({ javaScriptEnabled: javaScript });

    test("shows what the agent did, pauses, resumes, renames and revokes it", async ({
      page,
      request,
      connectPage,
      securityPage,
      agentPage,
    }) => {
      await newAccount(page);
      const name = javaScript ? "Research bot" : "Plain bot";
      const tokens = await grantAgent(connectPage, request, name);
      for (let i = 0; i < 3; i++) {
        expect((await callTool(request, tokens.access_token, "whoami")).isError).toBe(false);
      }
      await callTool(request, tokens.access_token, "get_quote", { symbol: "AAPL" });

      await securityPage.goto();
      await expect(securityPage.grantRow(name)).toHaveCount(1);
      await securityPage.openAgent(name);
      await agentPage.expectLoaded(name);
      await expect(agentPage.page.getByText("Active", { exact: true })).toBeVisible();
      await expect(agentPage.fact("May do")).toContainText("quote");
      await expect(agentPage.fact("Granted via")).toContainText("Agent auth code");
      await expect(agentPage.fact("Last used")).toContainText("from 127.0.0.1");
      await expect(agentPage.activityLine("Called whoami")).toContainText("3 times");
      await expect(agentPage.activityLine("Called get_quote")).toHaveCount(1);

      await agentPage.pause();
      const paused = await callTool(request, tokens.access_token, "whoami");
      expect(paused.isError).toBe(true);
      expect(paused.text).toContain("paused this agent's access");
      expect(await introspect(request, tokens.access_token)).toEqual({ active: false });
      await expect(agentPage.page.getByText("Paused just now", { exact: true })).toBeVisible();

      await agentPage.resume();
      expect((await callTool(request, tokens.access_token, "whoami")).isError).toBe(false);

      const renamed = `${name} (laptop)`;
      await agentPage.rename(renamed);
      await expect(agentPage.statusMessage("Renamed.")).toBeVisible();
      await expect(agentPage.activityLine(`Renamed to ${renamed}`)).toHaveCount(1);
      await expect(agentPage.activityLine("Paused by you")).toHaveCount(1);
      const whoami = await callTool(request, tokens.access_token, "whoami");
      expect(whoami.text).toContain(renamed);

      await agentPage.revoke();
      await expect(securityPage.statusMessage("Access revoked")).toBeVisible();
      await expect(securityPage.grantRow(renamed)).toHaveCount(0);
      expect(await introspect(request, tokens.access_token)).toEqual({ active: false });
    });
  });
}

test("an empty name is refused with the reason, and the name stays", async ({
  page,
  request,
  connectPage,
  securityPage,
  agentPage,
}) => {
  await newAccount(page);
  await grantAgent(connectPage, request, "Keeper");
  await securityPage.goto();
  await securityPage.openAgent("Keeper");
  await agentPage.nameField.fill("   ");
  await agentPage.renameButton.click();
  await expect(page.getByRole("alert")).toContainText("Enter a name for the agent.");
  await expect(agentPage.heading("Keeper")).toBeVisible();
});

test("another account's agent is not there", async ({ page, request, connectPage, browser }) => {
  await newAccount(page);
  await grantAgent(connectPage, request, "Private");
  await page.goto("/security");
  const href = await page.getByRole("link", { name: "Private", exact: true }).getAttribute("href");
  expect(href).toMatch(/^\/security\/agents\/gr_/);

  const other = await browser.newContext();
  const stranger = await other.newPage();
  await newAccount(stranger);
  await stranger.goto(href!);
  await expect(stranger.getByRole("alert")).toContainText("There is no such agent on your account");
  await expect(stranger.getByRole("heading", { name: "Private" })).toHaveCount(0);
  await other.close();
});
