import {
  AGENT_CODE_GRANT,
  expect,
  INSTRUCTION_TABS,
  newAccount,
  redeem,
  redeemTokens,
  scopePattern,
  scopeSet,
  test,
  type ConnectPage,
  type ScopeId,
} from "./fixtures";

test.use({ permissions: ["clipboard-read", "clipboard-write"] });

/** Checks the scopes in the CLI instructions, as the agent will read them. */
async function expectCliScopes(connectPage: ConnectPage, scopes: ScopeId[]): Promise<void> {
  const cli = await connectPage.openTab("CLI");
  for (const scope of scopes) {
    await expect(cli).toContainText(scopePattern(scope));
  }
}

test.describe("connecting an agent", () => {
  test.beforeEach(async ({ page }) => {
    await newAccount(page);
  });

  test("generating a code shows it with a countdown, instructions and copy buttons", async ({
    connectPage,
    baseURL,
  }) => {
    const scopes: ScopeId[] = ["quote", "trade.read"];
    await connectPage.expectForm();
    const code = await connectPage.generateCode({ scopes, agentName: "Ticker bot" });

    await expect(connectPage.timeLeft).toHaveText(/^\s*(5:00|4:5\d)\s*$/);
    await expect(connectPage.redemptionStatus).toContainText(
      "Waiting for your agent to use this code",
    );
    await expect(connectPage.instructionTabs).toBeVisible();
    await expect(connectPage.generateAnotherButton).toBeVisible();

    const expectedText: Record<(typeof INSTRUCTION_TABS)[number], (string | RegExp)[]> = {
      CLI: [`agent-connect auth login --auth-code ${code} --server ${baseURL}`],
      "MCP / Claude Code": ["claude mcp add --transport http", "/mcp/agent"],
      "Any agent": ["/oauth2/token", AGENT_CODE_GRANT],
    };
    for (const name of INSTRUCTION_TABS) {
      const panel = await connectPage.openTab(name);
      for (const text of expectedText[name]) {
        await expect(panel).toContainText(text);
      }
      for (const scope of scopes) {
        await expect(panel).toContainText(scopePattern(scope));
      }
      await expect(panel).toContainText(/\bonce\b/i);
      await expect(panel).toContainText("5 minutes");
    }

    expect(await connectPage.copy(connectPage.copyCodeButton)).toBe(code);

    await connectPage.openTab("CLI");
    const instructions = await connectPage.copy(connectPage.copyInstructionsButton);
    expect(instructions).toContain(`agent-connect auth login --auth-code ${code}`);
  });

  test("the high-risk permission needs an explicit confirmation", async ({ connectPage }) => {
    await connectPage.fill({ scopes: ["trade.read", "trade.write"], confirmHighRisk: false });
    await expect(connectPage.highRiskConfirmation).toBeVisible();
    await expect(connectPage.highRiskConfirmation).not.toBeChecked();
    await connectPage.generateCodeButton.click();

    await expect(connectPage.alert).toBeVisible();
    await expect(connectPage.code).toHaveCount(0);

    const code = await connectPage.generateCode({
      scopes: ["trade.read", "trade.write"],
      confirmHighRisk: true,
    });
    expect(code).toBeTruthy();
    await expectCliScopes(connectPage, ["trade.read", "trade.write"]);
  });

  test("a code needs at least one permission", async ({ connectPage }) => {
    await connectPage.fill({ scopes: [] });
    await connectPage.generateCodeButton.click();

    await expect(connectPage.alert).toContainText(/Pick at least one permission/i);
    await expect(connectPage.code).toHaveCount(0);
    await connectPage.expectForm();
  });

  test("the query string pre-fills permissions and agent name", async ({ connectPage }) => {
    await connectPage.goto("?scope=quote+trade.read&agent=My%20bot");

    await expect(connectPage.scope("quote")).toBeChecked();
    await expect(connectPage.scope("trade.read")).toBeChecked();
    await expect(connectPage.scope("account.read")).not.toBeChecked();
    await expect(connectPage.scope("trade.write")).not.toBeChecked();
    await expect(connectPage.agentName).toHaveValue("My bot");
  });

  test("the page shows the redemption as it happens", async ({ connectPage, request }) => {
    const code = await connectPage.generateCode({ scopes: ["quote", "trade.read"] });
    await expect(connectPage.redemptionStatus).toContainText(
      "Waiting for your agent to use this code",
    );

    const tokens = await redeemTokens(request, code, "e2e-agent");
    expect(tokens.expires_in).toBe(1800);
    expect(scopeSet(tokens.scope)).toEqual(scopeSet("quote trade.read"));

    await expect(connectPage.redemptionStatus).toContainText("Redeemed by e2e-agent", {
      timeout: 10_000,
    });

    const replay = await redeem(request, code, "e2e-agent");
    expect(replay.status()).toBe(400);
    expect(await replay.json()).toMatchObject({ error: "invalid_grant" });
  });

  test("an expired code offers a new one with the same permissions", async ({
    page,
    connectPage,
  }) => {
    await page.clock.install();
    const scopes: ScopeId[] = ["account.read", "trade.read"];
    await connectPage.goto();
    const first = await connectPage.generateCode({ scopes, agentName: "Clockwork" });

    // Only the browser's clock moves: from here on it runs 5:05 ahead of the server's, so the
    // new code's countdown must be anchored on the server time delivered with that code.
    await page.clock.fastForward("05:05");

    await expect(connectPage.expiredNotice).toBeVisible();
    await connectPage.generateNewCodeButton.click();

    await expect(connectPage.code).not.toHaveText(first);
    const second = await connectPage.shownCode();
    expect(second).not.toBe(first);
    await expect(connectPage.expiredNotice).toBeHidden();
    await expectCliScopes(connectPage, scopes);
  });

  test("generate another returns to the form", async ({ connectPage }) => {
    await connectPage.generateCode({ scopes: ["quote"] });
    await connectPage.generateAnotherButton.click();

    await connectPage.expectForm();
    await expect(connectPage.code).toHaveCount(0);
  });
});
