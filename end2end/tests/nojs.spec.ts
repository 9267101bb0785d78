import type { Page } from "@playwright/test";
import { BAD_CREDENTIALS, expect, newAccount, scopePattern, test, uniqueEmail } from "./fixtures";

test.use({ javaScriptEnabled: false });

/** Every URL the page requests or navigates to, redirects included. */
function recordUrls(page: Page): string[] {
  const urls: string[] = [];
  page.on("request", (request) => urls.push(request.url()));
  page.on("framenavigated", (frame) => urls.push(frame.url()));
  return urls;
}

function expectNothingLeaked(urls: string[], secrets: string[] = []): void {
  expect(urls.length).toBeGreaterThan(0);
  for (const url of urls) {
    expect(url, "errors must not travel in the URL").not.toContain("__err");
    for (const secret of secrets) {
      const decoded = decodeURIComponent(url).toUpperCase();
      expect(decoded, "the code must not travel in the URL").not.toContain(secret.toUpperCase());
      expect(decoded).not.toContain(secret.replaceAll("-", "").toUpperCase());
    }
  }
}

test.describe("without JavaScript", () => {
  test("sign up, sign out, sign in and generate a code", async ({
    page,
    baseURL,
    nav,
    loginPage,
    connectPage,
  }) => {
    const urls = recordUrls(page);
    const account = await newAccount(page);
    await nav.expectSignedIn();

    await nav.signOut();
    await loginPage.signIn(account.email, account.password);
    await expect(page).toHaveURL(/\/connect$/);

    await connectPage.expectForm();
    const code = await connectPage.generateCode({ scopes: ["quote"], agentName: "Plain HTML bot" });

    const cli = page.getByRole("tabpanel").filter({ hasText: "agent-connect auth login" });
    await expect(cli).toContainText(
      `agent-connect auth login --auth-code ${code} --server ${baseURL}`,
    );
    await expect(cli).toContainText(scopePattern("quote"));

    expectNothingLeaked([...urls, page.url()], [code]);
  });

  test("a wrong password shows the alert", async ({ page, nav, loginPage }) => {
    const urls = recordUrls(page);
    const account = await newAccount(page);
    await nav.signOut();

    await loginPage.goto();
    await loginPage.expectRejected(account.email, "not the right password");
    await loginPage.goto();
    await loginPage.expectRejected(uniqueEmail(), account.password);
    await expect(loginPage.alert).toHaveText(BAD_CREDENTIALS);

    expectNothingLeaked([...urls, page.url()]);
  });

  test("a code-generation error shows the alert", async ({ page, connectPage }) => {
    const urls = recordUrls(page);
    await newAccount(page);

    await connectPage.expectForm();
    await connectPage.fill({ scopes: [] });
    await connectPage.generateCodeButton.click();

    await expect(connectPage.alert).toContainText(/Pick at least one permission/i);
    await expect(connectPage.code).toHaveCount(0);
    await connectPage.expectForm();

    expectNothingLeaked([...urls, page.url()]);
  });
});
