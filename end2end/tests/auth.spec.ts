import { BAD_CREDENTIALS, expect, newAccount, PASSWORD, test, uniqueEmail } from "./fixtures";

test.describe("accounts and sessions", () => {
  test("signing up lands on /connect with the navigation", async ({ page, signupPage, nav }) => {
    await signupPage.goto();
    await expect(signupPage.email).toBeVisible();
    await expect(signupPage.password).toBeVisible();
    await expect(signupPage.signInLink).toBeVisible();

    await signupPage.signUp(uniqueEmail(), PASSWORD);

    await expect(page).toHaveURL(/\/connect$/);
    await nav.expectSignedIn();
  });

  test("signing out ends the session and signing in again works", async ({
    page,
    nav,
    loginPage,
  }) => {
    const account = await newAccount(page);

    await nav.signOut();
    await expect(loginPage.heading).toBeVisible();
    await expect(loginPage.createAccountLink).toBeVisible();

    await page.goto("/connect");
    await expect(page).toHaveURL(/\/login(\?.*)?$/);
    await expect(nav.signOutButton).toBeHidden();

    await loginPage.signIn(account.email, account.password);
    await expect(page).toHaveURL(/\/connect$/);
    await nav.expectSignedIn();
  });

  test("a wrong password and an unknown email get the same answer", async ({
    page,
    nav,
    loginPage,
  }) => {
    const account = await newAccount(page);
    await nav.signOut();

    await loginPage.goto();
    const wrongPassword = await loginPage.expectRejected(account.email, "not the right password");

    await loginPage.goto();
    const unknownEmail = await loginPage.expectRejected(uniqueEmail(), account.password);

    expect(unknownEmail).toBe(wrongPassword);
    expect(wrongPassword).toMatch(BAD_CREDENTIALS);
  });

  test("signing in returns to the page that asked for it", async ({
    page,
    nav,
    loginPage,
    securityPage,
  }) => {
    const account = await newAccount(page);
    await nav.signOut();

    await page.goto("/security");
    await expect(page).toHaveURL(/\/login\?next=%2Fsecurity$/);
    await expect(loginPage.heading).toBeVisible();

    await loginPage.signIn(account.email, account.password);
    await expect(page).toHaveURL(/\/security$/);
    await expect(securityPage.heading).toBeVisible();
  });

  test("signing up twice with one email is refused", async ({ page, nav, signupPage }) => {
    const account = await newAccount(page);
    await nav.signOut();

    await signupPage.goto();
    await signupPage.signUp(account.email, account.password);

    await expect(signupPage.alert).toBeVisible();
    await expect(page).toHaveURL(/\/signup(\?.*)?$/);
    await expect(nav.signOutButton).toBeHidden();
  });
});
