import { expect, introspect, newAccount, redeemTokens, scopeSet, test } from "./fixtures";

test("the person asks for the agent to be paused if it shows up from a new network", async ({
  page,
  request,
  connectPage,
  securityPage,
  agentPage,
}) => {
  await newAccount(page);
  await connectPage.expectForm();
  const guard = page.getByRole("checkbox", { name: "Pause it if it's used from a new network" });
  await expect(guard).not.toBeChecked();
  await connectPage.fill({ scopes: ["quote"], agentName: "Homebody" });
  await guard.check();
  await connectPage.generateCodeButton.click();
  await redeemTokens(request, await connectPage.shownCode());
  await securityPage.goto();
  await securityPage.openAgent("Homebody");
  await expect(agentPage.fact("Network guard")).toContainText("127.0.0.0/24");
});

for (const javaScript of [true, false]) {
  test.describe(javaScript ? "lifetimes" : "lifetimes without JavaScript", () => {
    test.use({ javaScriptEnabled: javaScript });

    test("the person chooses how long the access and its high-risk permissions last", async ({
      page,
      request,
      connectPage,
      securityPage,
    }) => {
      await newAccount(page);
      await connectPage.expectForm();
      await expect(connectPage.lifetime).toHaveValue("30d");
      if (javaScript) {
        // Offered once a high-risk permission is ticked.
        await connectPage.scope("trade.write").setChecked(false);
        await expect(connectPage.highRiskLifetime).toBeHidden();
      }
      const code = await connectPage.generateCode({
        scopes: ["quote", "trade.write"],
        agentName: "Day trader",
        lifetime: "1 day",
        highRiskLifetime: "1 hour",
      });
      const tokens = await redeemTokens(request, code);
      expect(scopeSet(tokens.scope)).toEqual(scopeSet("quote trade.write"));
      const active = await introspect(request, tokens.access_token);
      expect(active.active).toBe(true);
      // Its high-risk permission starts once approved on the page that issued the code.
      if (!javaScript) await page.reload();
      await connectPage.approveButton.click();
      await expect(connectPage.redemptionStatus).toContainText("You approved it.");

      await securityPage.goto();
      const row = securityPage.grantRow("Day trader");
      await expect(row.getByRole("cell").filter({ hasText: "in 1 day" })).toHaveCount(1);
      await expect(row).toContainText("trade.write ends in 1 hour");

      // The form keeps the choices for the next code.
      await page.goto("/connect");
      await connectPage.generateAnotherButton.click();
      await connectPage.expectForm();
      await expect(connectPage.lifetime).toHaveValue("1d");
    });
  });
}
