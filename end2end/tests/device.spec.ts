import {
  expect,
  introspect,
  newAccount,
  pollDevice,
  registerDeviceClient,
  startDeviceAuthorization,
  test,
  type TokenResponse,
} from "./fixtures";

/** RFC 8628: a device starts over HTTP, the person decides on /device, the device polls. */
test.describe("device authorization", () => {
  test("approving a pre-filled code hands the device its tokens once", async ({
    page,
    devicePage,
    securityPage,
    request,
  }) => {
    const clientId = await registerDeviceClient(request, "Living-room TV");
    const device = await startDeviceAuthorization(request, clientId, "quote trade.read");
    expect(device.expires_in).toBe(900);
    expect(device.interval).toBe(5);
    expect(device.verification_uri_complete).toBe(
      `${device.verification_uri}?user_code=${device.user_code}`,
    );

    await newAccount(page);
    await page.goto(device.verification_uri_complete);
    await expect(devicePage.heading).toBeVisible();
    await expect(page.getByText("Living-room TV", { exact: true })).toBeVisible();
    // A registered client's name is its own claim, and the page says so.
    await expect(page.getByLabel("Who is asking")).toContainText("Unverified");
    await expect(devicePage.permissions.getByText("Market data")).toBeVisible();
    await expect(devicePage.permissions.getByText("Order history")).toBeVisible();
    await expect(devicePage.shownCode).toHaveText(device.user_code);
    await expect(devicePage.warning).toBeVisible();
    await expect(devicePage.qrCode).toBeVisible();

    await devicePage.approveButton.click();
    await expect(
      devicePage.statusMessage("Device approved. You can return to your device."),
    ).toBeVisible();

    const response = await pollDevice(request, clientId, device.device_code);
    expect(response.status(), await response.text()).toBe(200);
    const tokens = (await response.json()) as TokenResponse;
    expect(tokens.access_token).toMatch(/^acat_/);
    expect(tokens.scope).toBe("quote trade.read");
    expect(tokens.client_id).toBe(clientId);
    expect((await introspect(request, tokens.access_token)).active).toBe(true);

    await page.waitForTimeout(5_000);
    const again = await pollDevice(request, clientId, device.device_code);
    expect(again.status()).toBe(400);
    expect((await again.json()).error).toBe("invalid_grant");

    await securityPage.goto();
    await expect(securityPage.grantRow("Living-room TV")).toContainText("Device code");
    await expect(securityPage.event("Device approved")).toHaveCount(1);
  });

  test("a signed-out visitor signs in and comes back to the same code", async ({
    page,
    devicePage,
    loginPage,
    nav,
    request,
  }) => {
    const clientId = await registerDeviceClient(request, "Kitchen display");
    const device = await startDeviceAuthorization(request, clientId, "quote");
    const account = await newAccount(page);
    await nav.signOut();
    await page.goto(device.verification_uri_complete);
    await expect(page).toHaveURL(/\/login\?next=/);
    await loginPage.signIn(account.email, account.password);
    await expect(page).toHaveURL(/\/device\?user_code=/);
    await expect(devicePage.shownCode).toHaveText(device.user_code);
  });

  test("denying a typed code answers the device with access_denied", async ({
    page,
    devicePage,
    request,
  }) => {
    const clientId = await registerDeviceClient(request, "Garage sensor");
    const device = await startDeviceAuthorization(request, clientId, "quote");
    const pending = await pollDevice(request, clientId, device.device_code);
    expect(pending.status()).toBe(400);
    expect((await pending.json()).error).toBe("authorization_pending");
    const polledAt = Date.now();

    await newAccount(page);
    await devicePage.goto();
    // Lower case without the dash is the same code.
    await devicePage.enterCode(device.user_code.replace("-", "").toLowerCase());
    await expect(devicePage.shownCode).toHaveText(device.user_code);
    await devicePage.denyButton.click();
    await expect(devicePage.statusMessage("Request denied.")).toBeVisible();

    await page.waitForTimeout(Math.max(0, polledAt + 5_500 - Date.now()));
    const denied = await pollDevice(request, clientId, device.device_code);
    expect(denied.status()).toBe(400);
    expect((await denied.json()).error).toBe("access_denied");
  });

  test("a mistyped code shows an alert and keeps what was typed", async ({ page, devicePage }) => {
    await newAccount(page);
    await devicePage.goto();
    await devicePage.enterCode("BCDF-GHJ");
    await expect(devicePage.alert).toHaveText(
      "We couldn't find that code. Check it against your device and try again.",
    );
    await expect(devicePage.codeInput).toHaveValue("BCDF-GHJ");
    await expect(devicePage.approveButton).toHaveCount(0);
  });

  test("high-risk permissions need the explicit confirmation before approval", async ({
    page,
    devicePage,
    request,
  }) => {
    const clientId = await registerDeviceClient(request, "Trading terminal");
    const device = await startDeviceAuthorization(request, clientId, "quote trade.write");
    await newAccount(page);
    await page.goto(device.verification_uri_complete);
    await expect(devicePage.highRiskConfirmation).toBeVisible();
    await expect(devicePage.highRiskConfirmation).not.toBeChecked();

    // The browser will not send the form until the box is ticked.
    await devicePage.approveButton.click();
    await expect(devicePage.approveButton).toBeVisible();
    const pending = await pollDevice(request, clientId, device.device_code);
    expect((await pending.json()).error).toBe("authorization_pending");

    await devicePage.highRiskConfirmation.check();
    await devicePage.approveButton.click();
    await expect(
      devicePage.statusMessage("Device approved. You can return to your device."),
    ).toBeVisible();
  });
});
