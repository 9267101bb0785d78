import {
  AGENT_CODE_TEXT,
  callTool,
  expect,
  newAccount,
  PASSWORD,
  redeemTokens,
  registerDeviceClient,
  startDeviceAuthorization,
  test,
  uniqueEmail,
} from "./fixtures";

/**
 * The portal in each of its languages: one whole journey (sign up, issue a code, see it
 * redeemed, revoke it on the Security page, sign out, a refused sign-in), driven by the
 * accessible names a person reading that language sees. The names are written out here, not
 * read from the translation files, so a missing or wrong translation fails.
 */
interface Words {
  /** What the browser sends as its language. */
  browser: string;
  /** The `lang` of the page. */
  lang: string;
  createTitle: string;
  email: string;
  password: string;
  createAccount: string;
  connectTitle: string;
  scopeMarketData: string;
  agentName: string;
  generate: string;
  yourCode: string;
  codeLabel: string;
  tabs: string;
  anyAgentTab: string;
  waiting: string;
  redeemedBy: string;
  connected: string;
  nav: string;
  security: string;
  grants: string;
  revoke: string;
  revokeQuestion: (name: string) => string;
  yesRevoke: string;
  revoked: string;
  signOut: string;
  signIn: string;
  wrongPassword: string;
}

const LANGUAGES: Record<string, Words> = {
  English: {
    browser: "en-GB",
    lang: "en",
    createTitle: "Create your account",
    email: "Email",
    password: "Password",
    createAccount: "Create account",
    connectTitle: "Connect an agent",
    scopeMarketData: "Market data",
    agentName: "Agent name",
    generate: "Generate code",
    yourCode: "Your agent auth code",
    codeLabel: "Agent auth code",
    tabs: "How to give the code to your agent",
    anyAgentTab: "Any agent",
    waiting: "Waiting for your agent to use this code",
    redeemedBy: "Redeemed by",
    connected: "Your agent is connected",
    nav: "Main",
    security: "Security",
    grants: "AI Agent grants",
    revoke: "Revoke",
    revokeQuestion: (name) => `Revoke access for ${name}?`,
    yesRevoke: "Yes, revoke",
    revoked: "Access revoked. The agent's tokens stopped working at once.",
    signOut: "Sign out",
    signIn: "Sign in",
    wrongPassword: "That email and password don't match an account.",
  },
  "Simplified Chinese": {
    browser: "zh-CN",
    lang: "zh-Hans",
    createTitle: "创建你的账户",
    email: "电子邮箱",
    password: "密码",
    createAccount: "创建账户",
    connectTitle: "连接代理",
    scopeMarketData: "行情数据",
    agentName: "代理名称",
    generate: "生成授权码",
    yourCode: "你的代理授权码",
    codeLabel: "代理授权码",
    tabs: "如何把授权码交给你的代理",
    anyAgentTab: "任意代理",
    waiting: "正在等待你的代理使用此授权码",
    redeemedBy: "已由",
    connected: "你的代理已连接",
    nav: "主导航",
    security: "安全",
    grants: "AI 代理授权",
    revoke: "撤销",
    revokeQuestion: (name) => `撤销 ${name} 的访问权限？`,
    yesRevoke: "确定撤销",
    revoked: "访问权限已撤销。该代理的令牌已立即失效。",
    signOut: "退出登录",
    signIn: "登录",
    wrongPassword: "电子邮箱或密码不正确。请检查后重试。",
  },
  "Traditional Chinese (Hong Kong)": {
    browser: "zh-HK",
    lang: "zh-Hant-HK",
    createTitle: "建立你的帳戶",
    email: "電郵地址",
    password: "密碼",
    createAccount: "建立帳戶",
    connectTitle: "連接代理",
    scopeMarketData: "市場數據",
    agentName: "代理名稱",
    generate: "產生授權碼",
    yourCode: "你的代理授權碼",
    codeLabel: "代理授權碼",
    tabs: "如何把授權碼交給你的代理",
    anyAgentTab: "任何代理",
    waiting: "正在等待你的代理使用此授權碼",
    redeemedBy: "已由",
    connected: "你的代理已連接",
    nav: "主選單",
    security: "安全",
    grants: "AI 代理授權",
    revoke: "撤銷",
    revokeQuestion: (name) => `撤銷 ${name} 的存取權？`,
    yesRevoke: "確定撤銷",
    revoked: "存取權已撤銷。該代理的令牌已立即失效。",
    signOut: "登出",
    signIn: "登入",
    wrongPassword: "電郵地址或密碼不正確。請檢查後再試。",
  },
};

for (const [language, words] of Object.entries(LANGUAGES)) {
  test.describe(`the portal in ${language}`, () => {
    test.use({ locale: words.browser });

    test("a whole journey: sign up, connect an agent, revoke it, sign out", async ({
      page,
      request,
      baseURL,
    }) => {
      const email = uniqueEmail();
      const agent = `Agent ${words.lang}`;

      await page.goto("/signup");
      await expect(page.locator("html")).toHaveAttribute("lang", words.lang);
      await expect(page.getByRole("heading", { name: words.createTitle })).toBeVisible();
      await page.getByLabel(words.email, { exact: true }).fill(email);
      await page.getByLabel(words.password, { exact: true }).fill(PASSWORD);
      await page.getByRole("button", { name: words.createAccount, exact: true }).click();

      await expect(page).toHaveURL(/\/connect$/);
      await expect(page.getByRole("heading", { name: words.connectTitle })).toBeVisible();
      await page.getByRole("checkbox", { name: words.scopeMarketData, exact: true }).check();
      await page.getByLabel(words.agentName, { exact: true }).fill(agent);
      await page.getByRole("button", { name: words.generate, exact: true }).click();

      await expect(page.getByRole("heading", { name: words.yourCode })).toBeVisible();
      const shown = page.getByLabel(words.codeLabel, { exact: true });
      await expect(shown).toHaveText(AGENT_CODE_TEXT);
      const code = (await shown.innerText()).trim();
      await expect(page.getByRole("status").filter({ hasText: words.waiting })).toBeVisible();
      // The instructions are in the page's language; the command and the code are not.
      const tabs = page.getByRole("tablist", { name: words.tabs });
      await expect(tabs.getByRole("tab", { name: "CLI", exact: true })).toBeVisible();
      await expect(tabs.getByRole("tab", { name: words.anyAgentTab, exact: true })).toBeVisible();
      await expect(page.getByRole("tabpanel").first()).toContainText(
        `agent-connect auth login --auth-code ${code} --server ${baseURL}`,
      );

      await redeemTokens(request, code, agent);
      await expect(page.getByRole("heading", { name: words.connected })).toBeVisible();
      await expect(page.getByRole("status").filter({ hasText: words.redeemedBy })).toContainText(
        agent,
      );

      await page
        .getByRole("navigation", { name: words.nav })
        .getByRole("link", { name: words.security, exact: true })
        .click();
      await expect(page.getByRole("heading", { name: words.security, level: 1 })).toBeVisible();
      const row = page
        .getByRole("table", { name: words.grants })
        .getByRole("row")
        .filter({ hasText: agent });
      await row.getByRole("button", { name: words.revoke, exact: true }).click();
      const confirm = page.getByRole("group", { name: words.revokeQuestion(agent) });
      await confirm.getByRole("button", { name: words.yesRevoke, exact: true }).click();
      await expect(page.getByRole("status").filter({ hasText: words.revoked })).toBeVisible();
      await expect(page.getByRole("table", { name: words.grants })).toHaveCount(0);

      await page.getByRole("button", { name: words.signOut, exact: true }).click();
      await expect(page.getByRole("heading", { name: words.signIn, exact: true })).toBeVisible();
      await page.getByLabel(words.email, { exact: true }).fill(email);
      await page.getByLabel(words.password, { exact: true }).fill("not the password");
      await page.getByRole("button", { name: words.signIn, exact: true }).click();
      await expect(page.getByRole("alert")).toContainText(words.wrongPassword);
    });
  });
}

test.describe("choosing the language", () => {
  test("Accept-Language picks the language, Traditional for Taiwan and Hong Kong alike", async ({
    browser,
  }) => {
    for (const [browserLanguage, lang, heading] of [
      ["zh-TW", "zh-Hant-HK", "登入"],
      ["zh-SG", "zh-Hans", "登录"],
      ["fr-FR", "en", "Sign in"],
    ]) {
      const context = await browser.newContext({ locale: browserLanguage });
      const page = await context.newPage();
      await page.goto("/login");
      await expect(page.locator("html")).toHaveAttribute("lang", lang);
      await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
      await context.close();
    }
  });

  for (const javaScriptEnabled of [true, false]) {
    test(`the switcher's choice is remembered (${javaScriptEnabled ? "with" : "without"} JavaScript)`, async ({
      browser,
    }) => {
      const context = await browser.newContext({ locale: "en-US", javaScriptEnabled });
      const page = await context.newPage();
      await page.goto("/login?next=%2Fsecurity");
      const switcher = page.getByRole("group", { name: "Language" });
      await expect(switcher.getByRole("button", { name: "English" })).toHaveAttribute(
        "aria-pressed",
        "true",
      );

      await switcher.getByRole("button", { name: "繁體中文" }).click();
      // The same page comes back, query and all, in the language picked.
      await expect(page).toHaveURL(/\/login\?next=%2Fsecurity$/);
      await expect(page.locator("html")).toHaveAttribute("lang", "zh-Hant-HK");
      await expect(page.getByRole("heading", { name: "登入", exact: true })).toBeVisible();

      await page.goto("/signup");
      await expect(page.getByRole("heading", { name: "建立你的帳戶" })).toBeVisible();
      const chosen = page.getByRole("group", { name: "語言" });
      await expect(chosen.getByRole("button", { name: "繁體中文" })).toHaveAttribute(
        "aria-pressed",
        "true",
      );

      await chosen.getByRole("button", { name: "简体中文" }).click();
      await expect(page.getByRole("heading", { name: "创建你的账户" })).toBeVisible();
      await page.getByRole("group", { name: "语言" }).getByRole("button", { name: "English" }).click();
      await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
      await context.close();
    });
  }
});

test.describe("the standard flows' pages in Traditional Chinese", () => {
  test("the device page and the consent page speak it too", async ({ page, request, baseURL }) => {
    const clientId = await registerDeviceClient(request, "Living-room TV");
    const device = await startDeviceAuthorization(request, clientId, "quote trade.read");
    await newAccount(page);
    await page.context().addCookies([{ name: "lang", value: "zh-Hant-HK", url: baseURL }]);

    await page.goto(device.verification_uri_complete);
    await expect(page.getByRole("heading", { name: "連接裝置", level: 1 })).toBeVisible();
    const asked = page.getByRole("list", { name: "所請求的權限" });
    await expect(asked.getByText("市場數據", { exact: true })).toBeVisible();
    await expect(asked.getByText("訂單紀錄", { exact: true })).toBeVisible();
    await expect(page.getByLabel("誰在請求")).toContainText("未核實");
    await page.getByRole("button", { name: "批准", exact: true }).click();
    await expect(page.getByRole("status")).toHaveText("裝置已批准。你可以返回你的裝置。");

    const registered = await request.post("/oauth2/register", {
      data: {
        client_name: "Desktop MCP client",
        redirect_uris: ["http://127.0.0.1:48213/callback"],
        token_endpoint_auth_method: "none",
      },
    });
    const { client_id } = (await registered.json()) as { client_id: string };
    const query = new URLSearchParams({
      response_type: "code",
      client_id,
      redirect_uri: "http://127.0.0.1:48213/callback",
      scope: "quote trade.write",
      state: "s",
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
    });
    await page.goto(`/oauth2/authorize?${query}`);
    await expect(
      page.getByRole("heading", { name: "是否允許 Desktop MCP client 代表你操作？" }),
    ).toBeVisible();
    await expect(
      page.getByRole("checkbox", { name: "我明白這個應用程式可以下單及取消訂單" }),
    ).toBeVisible();
    await expect(page.getByRole("button", { name: "拒絕", exact: true })).toBeVisible();

    // A request the portal cannot trust is refused in the same language.
    await page.goto(`/oauth2/authorize?${query}&state=again`);
    await expect(page.getByRole("heading", { name: "此請求無法繼續" })).toBeVisible();
    await expect(page.getByRole("alert")).toContainText("該請求重複了某個參數，因此無法信任。");
  });
});

/**
 * The approval panel and the agent page's activity in each language: a code with a high-risk
 * permission, redeemed; the person approves it on the code page; then pauses the agent, whose
 * next call is refused, and the page says so in words of that language (Agent Connect refused
 * the call, not the agent).
 */
interface ApprovalWords {
  browser: string;
  email: string;
  password: string;
  createAccount: string;
  scopeMarketData: string;
  scopeTrading: string;
  understood: RegExp;
  agentName: string;
  generate: string;
  codeLabel: string;
  isThisYours: string;
  waitingApproval: string;
  approve: string;
  approved: string;
  nav: string;
  security: string;
  pause: string;
  paused: string;
  refused: (tool: string) => string;
}

const APPROVALS: Record<string, ApprovalWords> = {
  English: {
    browser: "en-GB",
    email: "Email",
    password: "Password",
    createAccount: "Create account",
    scopeMarketData: "Market data",
    scopeTrading: "Place and cancel orders",
    understood: /^I understand this agent can/,
    agentName: "Agent name",
    generate: "Generate code",
    codeLabel: "Agent auth code",
    isThisYours: "Is this your agent?",
    waitingApproval: ". Waiting for your approval.",
    approve: "Approve",
    approved: ". You approved it.",
    nav: "Main",
    security: "Security",
    pause: "Pause",
    paused: "Paused. The agent's calls are refused until you resume it.",
    refused: (tool) => `Refused ${tool}`,
  },
  "Simplified Chinese": {
    browser: "zh-CN",
    email: "电子邮箱",
    password: "密码",
    createAccount: "创建账户",
    scopeMarketData: "行情数据",
    scopeTrading: "下单和撤单",
    understood: /^我了解这个代理可以/,
    agentName: "代理名称",
    generate: "生成授权码",
    codeLabel: "代理授权码",
    isThisYours: "这是你的代理吗？",
    waitingApproval: "。正在等待你批准。",
    approve: "批准",
    approved: "。你已批准。",
    nav: "主导航",
    security: "安全",
    pause: "暂停",
    paused: "已暂停。在你恢复之前，该代理的调用会被拒绝。",
    refused: (tool) => `调用 ${tool} 被拒绝`,
  },
  "Traditional Chinese (Hong Kong)": {
    browser: "zh-HK",
    email: "電郵地址",
    password: "密碼",
    createAccount: "建立帳戶",
    scopeMarketData: "市場數據",
    scopeTrading: "下單及取消訂單",
    understood: /^我明白這個代理可以/,
    agentName: "代理名稱",
    generate: "產生授權碼",
    codeLabel: "代理授權碼",
    isThisYours: "這是你的代理嗎？",
    waitingApproval: "。正在等待你批准。",
    approve: "批准",
    approved: "。你已批准。",
    nav: "主選單",
    security: "安全",
    pause: "暫停",
    paused: "已暫停。在你恢復之前，該代理的呼叫會被拒絕。",
    refused: (tool) => `呼叫 ${tool} 被拒絕`,
  },
};

for (const [language, words] of Object.entries(APPROVALS)) {
  test.describe(`approving and watching an agent in ${language}`, () => {
    test.use({ locale: words.browser });

    test("the approval panel, then a refused call on the agent's page", async ({ page, request }) => {
      const agent = `Trader ${words.browser}`;
      await page.goto("/signup");
      await page.getByLabel(words.email, { exact: true }).fill(uniqueEmail());
      await page.getByLabel(words.password, { exact: true }).fill(PASSWORD);
      await page.getByRole("button", { name: words.createAccount, exact: true }).click();
      await expect(page).toHaveURL(/\/connect$/);

      await page.getByRole("checkbox", { name: words.scopeMarketData, exact: true }).check();
      await page.getByRole("checkbox", { name: words.scopeTrading, exact: true }).check();
      await page.getByRole("checkbox", { name: words.understood }).check();
      await page.getByLabel(words.agentName, { exact: true }).fill(agent);
      await page.getByRole("button", { name: words.generate, exact: true }).click();
      const shown = page.getByLabel(words.codeLabel, { exact: true });
      await expect(shown).toHaveText(AGENT_CODE_TEXT);
      const code = (await shown.innerText()).trim();

      const tokens = await redeemTokens(request, code, agent);
      const panel = page.getByRole("region", { name: words.isThisYours });
      await expect(panel).toBeVisible();
      await expect(page.getByRole("status").filter({ hasText: words.waitingApproval })).toBeVisible();
      await panel.getByRole("button", { name: words.approve, exact: true }).click();
      await expect(page.getByRole("status").filter({ hasText: words.approved })).toBeVisible();

      await page
        .getByRole("navigation", { name: words.nav })
        .getByRole("link", { name: words.security, exact: true })
        .click();
      await page.getByRole("link", { name: agent, exact: true }).click();
      await page.getByRole("button", { name: words.pause, exact: true }).click();
      await expect(page.getByRole("status").filter({ hasText: words.paused })).toBeVisible();
      const refused = await callTool(request, tokens.access_token, "get_quote", { symbol: "SPY" });
      expect(refused.isError).toBe(true);
      // Activity is written every couple of seconds: the page shows it after a reload or two.
      await expect(async () => {
        await page.reload();
        await expect(page.getByText(words.refused("get_quote"), { exact: true })).toBeVisible({ timeout: 1_000 });
      }).toPass();
    });
  });
}
