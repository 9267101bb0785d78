import path from "node:path";
import type { Page } from "@playwright/test";
import {
  callTool,
  expect,
  newAccount,
  redeemTokens,
  registerDeviceClient,
  startDeviceAuthorization,
  test,
} from "./fixtures";

const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;
const COLOR_SCHEMES = ["light", "dark"] as const;

/** Captures the current page in every viewport and color scheme under end2end/screenshots/. */
async function capture(page: Page, name: string): Promise<void> {
  const directory = path.resolve(test.info().project.testDir, "..", "screenshots");
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    for (const colorScheme of COLOR_SCHEMES) {
      await page.emulateMedia({ colorScheme });
      const file = `${name}-${viewport.width}x${viewport.height}-${colorScheme}.png`;
      await page.screenshot({
        path: path.join(directory, file),
        fullPage: true,
        animations: "disabled",
        caret: "hide",
      });
    }
  }
}

test.describe("@screenshots", () => {
  test("sign-in page", async ({ loginPage, page }) => {
    await loginPage.goto();
    await capture(page, "login");
  });

  test("connect form", async ({ connectPage, page }) => {
    await newAccount(page);
    await connectPage.goto("?scope=quote+trade.read&agent=Portfolio%20bot");
    await capture(page, "connect-form");
  });

  test("connect code", async ({ connectPage, page }) => {
    await newAccount(page);
    await connectPage.generateCode({ scopes: ["quote", "trade.read"], agentName: "Portfolio bot" });
    await expect(connectPage.instructionTabs).toBeVisible();
    await capture(page, "connect-code");
  });

  test("connect code redeemed, waiting for approval", async ({ connectPage, page, request }) => {
    await newAccount(page);
    const code = await connectPage.generateCode({
      scopes: ["quote", "trade.write"],
      agentName: "Day trader",
    });
    const response = await request.post("/oauth2/token", {
      form: { grant_type: "urn:agent-connect:grant-type:agent-auth-code", code },
      headers: { "User-Agent": "claude-code/2.0.14" },
    });
    expect(response.status()).toBe(200);
    await expect(connectPage.confirmAgent).toBeVisible();
    await capture(page, "connect-approve");
  });

  test("security page with one grant", async ({ connectPage, securityPage, page, request }) => {
    await newAccount(page);
    const code = await connectPage.generateCode({
      scopes: ["quote", "account.read"],
      agentName: "Portfolio bot",
    });
    await redeemTokens(request, code);
    await securityPage.goto();
    await expect(securityPage.grantRow("Portfolio bot")).toHaveCount(1);
    await capture(page, "security");
  });

  test("connect form with a high-risk permission", async ({ connectPage, page }) => {
    await newAccount(page);
    await connectPage.goto("?scope=quote+trade.write&agent=Day%20trader");
    await connectPage.highRiskConfirmation.check();
    await connectPage.lifetime.selectOption({ label: "1 day" });
    await capture(page, "connect-high-risk");
  });

  test("security page with an alert and a time-limited permission", async ({
    connectPage,
    securityPage,
    page,
    request,
  }) => {
    await newAccount(page);
    const code = await connectPage.generateCode({
      scopes: ["quote", "trade.write"],
      agentName: "Day trader",
      highRiskLifetime: "1 hour",
    });
    const tokens = await redeemTokens(request, code);
    const refresh = { grant_type: "refresh_token", refresh_token: tokens.refresh_token };
    expect((await request.post("/oauth2/token", { form: refresh })).status()).toBe(200);
    // Presented again after the grace period: a replay, which revokes the grant.
    await page.waitForTimeout(10_500);
    expect((await request.post("/oauth2/token", { form: refresh })).status()).toBe(400);
    await page.goto("/connect");
    await connectPage.generateAnotherButton.click();
    const second = await connectPage.generateCode({
      scopes: ["quote", "trade.write"],
      agentName: "Portfolio bot",
      highRiskLifetime: "1 day",
    });
    await redeemTokens(request, second);
    await securityPage.goto();
    await capture(page, "security-alert");
  });

  test("agent page waiting for approval", async ({ connectPage, securityPage, page, request }) => {
    await newAccount(page);
    const code = await connectPage.generateCode({
      scopes: ["quote", "trade.write"],
      agentName: "Day trader",
    });
    const response = await request.post("/oauth2/token", {
      form: { grant_type: "urn:agent-connect:grant-type:agent-auth-code", code },
      headers: { "User-Agent": "claude-code/2.0.14" },
    });
    expect(response.status()).toBe(200);
    await securityPage.goto();
    await securityPage.openAgent("Day trader");
    await capture(page, "agent-pending");
  });

  test("agent page, paused, with activity", async ({
    connectPage,
    securityPage,
    agentPage,
    page,
    request,
  }) => {
    await newAccount(page);
    const code = await connectPage.generateCode({
      scopes: ["quote", "account.read"],
      agentName: "Portfolio bot",
    });
    const tokens = await redeemTokens(request, code);
    for (const tool of ["whoami", "whoami", "get_account"]) {
      await callTool(request, tokens.access_token, tool);
    }
    await securityPage.goto();
    await securityPage.openAgent("Portfolio bot");
    await agentPage.pause();
    await capture(page, "agent");
  });

  test("device approval", async ({ devicePage, page, request }) => {
    const clientId = await registerDeviceClient(request, "Living-room TV");
    const device = await startDeviceAuthorization(request, clientId, "quote trade.write");
    await newAccount(page);
    await page.goto(device.verification_uri_complete);
    await expect(devicePage.approveButton).toBeVisible();
    await capture(page, "device");
  });

  test("device approval in Traditional Chinese", async ({ page, request, baseURL }) => {
    const clientId = await registerDeviceClient(request, "Living-room TV");
    const device = await startDeviceAuthorization(request, clientId, "quote trade.write");
    await newAccount(page);
    await page.context().addCookies([{ name: "lang", value: "zh-Hant-HK", url: baseURL }]);
    await page.goto(device.verification_uri_complete);
    await expect(page.getByRole("button", { name: "批准", exact: true })).toBeVisible();
    await capture(page, "zh-Hant-HK-device");
  });

  test("consent page", async ({ page, request }) => {
    const registered = await request.post("/oauth2/register", {
      data: {
        client_name: "Desktop MCP client",
        redirect_uris: ["http://127.0.0.1:48213/callback"],
        token_endpoint_auth_method: "none",
      },
    });
    const { client_id } = (await registered.json()) as { client_id: string };
    await newAccount(page);
    const query = new URLSearchParams({
      response_type: "code",
      client_id,
      redirect_uri: "http://127.0.0.1:48213/callback",
      scope: "quote account.read trade.write",
      state: "s",
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
    });
    await page.goto(`/oauth2/authorize?${query}`);
    await expect(page.getByRole("button", { name: "Approve", exact: true })).toBeVisible();
    await capture(page, "consent");
  });

  test("in Simplified Chinese: the connect form, a redeemed code and the security page", async ({
    page,
    request,
    baseURL,
  }) => {
    await newAccount(page);
    await page.context().addCookies([{ name: "lang", value: "zh-Hans", url: baseURL }]);
    await page.goto("/connect?scope=quote+trade.write&agent=Day%20trader");
    await expect(page.getByRole("heading", { name: "连接代理" })).toBeVisible();
    await capture(page, "zh-Hans-connect-form");
    await page.getByRole("checkbox", { name: "我了解这个代理可以下单和撤单" }).check();
    await page.getByRole("button", { name: "生成授权码", exact: true }).click();
    const shown = page.getByLabel("代理授权码", { exact: true });
    await expect(shown).toHaveText(/\S/);
    const code = (await shown.innerText()).trim();
    await capture(page, "zh-Hans-connect-code");
    const response = await request.post("/oauth2/token", {
      form: { grant_type: "urn:agent-connect:grant-type:agent-auth-code", code },
      headers: { "User-Agent": "claude-code/2.0.14" },
    });
    expect(response.status()).toBe(200);
    await expect(page.getByRole("heading", { name: "这是你的代理吗？" })).toBeVisible();
    await capture(page, "zh-Hans-connect-approve");
    await page.goto("/security");
    await expect(page.getByRole("heading", { name: "安全", level: 1 })).toBeVisible();
    await capture(page, "zh-Hans-security");
  });

  test("in Traditional Chinese: the code panel and an agent's page", async ({
    connectPage,
    page,
    request,
    baseURL,
  }) => {
    await newAccount(page);
    const code = await connectPage.generateCode({
      scopes: ["quote", "account.read"],
      agentName: "Portfolio bot",
    });
    await page.context().addCookies([{ name: "lang", value: "zh-Hant-HK", url: baseURL }]);
    await page.reload();
    await expect(page.getByRole("heading", { name: "你的代理授權碼" })).toBeVisible();
    await capture(page, "zh-Hant-HK-connect-code");
    const tokens = await redeemTokens(request, code);
    for (const tool of ["whoami", "whoami", "get_account"]) {
      await callTool(request, tokens.access_token, tool);
    }
    await page.goto("/security");
    await page.getByRole("link", { name: "Portfolio bot" }).click();
    await expect(page.getByRole("heading", { name: "最近活動" })).toBeVisible();
    await capture(page, "zh-Hant-HK-agent");
    await page.getByRole("button", { name: "登出", exact: true }).click();
    await page.goto("/login");
    await expect(page.getByRole("heading", { name: "登入", exact: true })).toBeVisible();
    await capture(page, "zh-Hant-HK-login");
  });
});
