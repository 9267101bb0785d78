import { callTool, expect, introspect, newAccount, redeem, test } from "./fixtures";

const ORDER = { symbol: "SPY", side: "buy", quantity: 1 };

for (const javaScript of [true, false]) {
  test.describe(javaScript ? "approving an agent" : "approving an agent without JavaScript", () => {
    test.use({ javaScriptEnabled: javaScript });

    test("high-risk permissions wait until the person approves who redeemed the code", async ({
      page,
      request,
      connectPage,
    }) => {
      await newAccount(page);
      await connectPage.expectForm();
      const code = await connectPage.generateCode({
        scopes: ["quote", "trade.write"],
        agentName: "Trader",
      });
      const response = await request.post("/oauth2/token", {
        form: { grant_type: "urn:agent-connect:grant-type:agent-auth-code", code },
        headers: { "User-Agent": "TradeBot/2.1" },
      });
      expect(response.status()).toBe(200);
      const tokens = (await response.json()) as { access_token: string };

      // Low risk at once; the order waits, and the agent is told why.
      expect((await callTool(request, tokens.access_token, "get_quote", { symbol: "AAPL" })).isError).toBe(false);
      const waiting = await callTool(request, tokens.access_token, "place_order", ORDER);
      expect(waiting.status).toBe(403);
      expect(waiting.text).toContain("Waiting for the person to approve");

      // The page shows who redeemed it: live with JavaScript, on reload without.
      if (!javaScript) await page.reload();
      await expect(connectPage.confirmAgent).toBeVisible();
      await expect(connectPage.confirmAgent).toContainText("TradeBot/2.1");
      await expect(connectPage.confirmAgent).toContainText("127.0.0.1");
      await expect(connectPage.redemptionStatus).toContainText("Waiting for your approval");

      await connectPage.approveButton.click();
      await expect(connectPage.redemptionStatus).toContainText("You approved it.");
      await expect(connectPage.confirmAgent).toHaveCount(0);
      const placed = await callTool(request, tokens.access_token, "place_order", ORDER);
      expect(placed.status).toBe(200);
      expect(placed.isError).toBe(false);
    });

    test("with /connect closed, the agent's page approves it", async ({
      page,
      request,
      connectPage,
      securityPage,
      agentPage,
    }) => {
      await newAccount(page);
      await connectPage.expectForm();
      const code = await connectPage.generateCode({ scopes: ["quote", "trade.write"], agentName: "Later" });
      const response = await redeem(request, code);
      expect(response.status()).toBe(200);
      const tokens = (await response.json()) as { access_token: string };
      await securityPage.goto();
      await expect(securityPage.grantRow("Later")).toContainText("Waiting for approval");
      await securityPage.openAgent("Later");
      await expect(page.getByRole("heading", { name: "Waiting for your approval" })).toBeVisible();
      await page.getByRole("button", { name: "Approve", exact: true }).click();
      await expect(agentPage.statusMessage("Approved.")).toBeVisible();
      await expect(page.getByRole("heading", { name: "Waiting for your approval" })).toHaveCount(0);
      const placed = await callTool(request, tokens.access_token, "place_order", ORDER);
      expect(placed.status).toBe(200);
    });

    test("denying revokes the agent at once", async ({ page, request, connectPage }) => {
      await newAccount(page);
      await connectPage.expectForm();
      const code = await connectPage.generateCode({ scopes: ["trade.write"], agentName: "Unknown" });
      const response = await redeem(request, code);
      expect(response.status()).toBe(200);
      const tokens = (await response.json()) as { access_token: string };
      if (!javaScript) await page.reload();
      await connectPage.denyButton.click();
      await expect(connectPage.redemptionStatus).toContainText("Its access was revoked");
      expect(await introspect(request, tokens.access_token)).toEqual({ active: false });
    });
  });
}
