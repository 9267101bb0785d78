import * as oauth from "oauth4webapi";
import { expect, newAccount, RESOURCE_CLIENT, test } from "./fixtures";

/**
 * The standard OAuth 2.1 flow driven by oauth4webapi, a strict, independent client library:
 * discovery, dynamic registration, authorization code + PKCE with the consent approved in the
 * browser, refresh, introspection and revocation.
 */

const REDIRECT_URI = "http://127.0.0.1:48213/callback";
const insecure = { [oauth.allowInsecureRequests]: true } as const;

async function discover(baseURL: string): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(baseURL);
  const response = await oauth.discoveryRequest(issuer, { algorithm: "oauth2", ...insecure });
  return oauth.processDiscoveryResponse(issuer, response);
}

test.describe("OAuth 2.1 with an independent client library", () => {
  test("discovery, registration, consent with PKCE, refresh, introspection, revocation", async ({
    page,
    baseURL,
    securityPage,
  }) => {
    const as = await discover(baseURL!);
    expect(as.code_challenge_methods_supported).toEqual(["S256"]);

    const registered = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        {
          client_name: "Interop desktop app",
          redirect_uris: [REDIRECT_URI],
          grant_types: ["authorization_code", "refresh_token"],
          token_endpoint_auth_method: "client_secret_basic",
        },
        insecure,
      ),
    );
    const client: oauth.Client = { client_id: registered.client_id };
    const auth = oauth.ClientSecretBasic(registered.client_secret as string);

    // The browser: sign in, open the authorization URL, approve on the consent page.
    await newAccount(page);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const authorize = new URL(as.authorization_endpoint!);
    authorize.search = new URLSearchParams({
      response_type: "code",
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      scope: "quote account.read",
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    }).toString();
    await page.route(`${REDIRECT_URI}**`, (route) => route.fulfill({ body: "back at the app" }));
    await page.goto(authorize.href);
    await expect(page.getByRole("heading", { name: "Allow Interop desktop app to act for you?" })).toBeVisible();
    await expect(page.getByRole("list", { name: "Permissions requested" })).toContainText("Market data");
    await expect(page.getByRole("list", { name: "Permissions requested" })).toContainText("Account details");
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    await page.waitForURL(`${REDIRECT_URI}**`);

    const params = oauth.validateAuthResponse(as, client, new URL(page.url()), state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT_URI, verifier, insecure),
    );
    expect(tokens.access_token).toMatch(/^acat_/);
    expect(tokens.scope).toBe("quote account.read");

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure),
    );
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    const resourceServer: oauth.Client = { client_id: RESOURCE_CLIENT.id };
    const resourceAuth = oauth.ClientSecretBasic(RESOURCE_CLIENT.secret);
    const introspect = async (token: string) =>
      oauth.processIntrospectionResponse(
        as,
        resourceServer,
        await oauth.introspectionRequest(as, resourceServer, resourceAuth, token, insecure),
      );
    const live = await introspect(refreshed.access_token);
    expect(live.active).toBe(true);
    expect(live.client_id).toBe(client.client_id);

    await securityPage.goto();
    await expect(securityPage.grantRow("Interop desktop app")).toContainText("Browser sign-in (OAuth)");

    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, auth, refreshed.refresh_token!, insecure),
    );
    expect((await introspect(refreshed.access_token)).active).toBe(false);
    await securityPage.goto();
    await expect(securityPage.grantRow("Interop desktop app")).toHaveCount(0);
  });

  test("denying on the consent page sends access_denied back to the app", async ({ page, baseURL }) => {
    const as = await discover(baseURL!);
    const registered = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        { client_name: "Declined app", redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none" },
        insecure,
      ),
    );
    await newAccount(page);
    const authorize = new URL(as.authorization_endpoint!);
    authorize.search = new URLSearchParams({
      response_type: "code",
      client_id: registered.client_id,
      redirect_uri: REDIRECT_URI,
      scope: "trade.write",
      state: "s-1",
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: "S256",
    }).toString();
    await page.route(`${REDIRECT_URI}**`, (route) => route.fulfill({ body: "back at the app" }));
    await page.goto(authorize.href);
    await expect(page.getByText("I understand this application can place and cancel orders")).toBeVisible();
    await page.getByRole("button", { name: "Deny", exact: true }).click();
    await page.waitForURL(`${REDIRECT_URI}**`);
    const back = new URL(page.url());
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe("s-1");
    expect(back.searchParams.get("iss")).toBe(as.issuer);
  });
});

test.describe("OAuth 2.1 with an independent client library, without a browser on the client", () => {
  test("the device flow: the client polls, the person approves on /device", async ({ page, baseURL }) => {
    const as = await discover(baseURL!);
    const registered = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        {
          client_name: "Headless CLI",
          grant_types: ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
          token_endpoint_auth_method: "none",
        },
        insecure,
      ),
    );
    const client: oauth.Client = { client_id: registered.client_id };
    const auth = oauth.None();
    const device = await oauth.processDeviceAuthorizationResponse(
      as,
      client,
      await oauth.deviceAuthorizationRequest(as, client, auth, { scope: "quote" }, insecure),
    );

    const poll = () =>
      oauth
        .deviceCodeGrantRequest(as, client, auth, device.device_code, insecure)
        .then((response) => oauth.processDeviceCodeResponse(as, client, response));
    await expect(poll()).rejects.toMatchObject({ error: "authorization_pending" });

    await newAccount(page);
    await page.goto(device.verification_uri_complete!);
    await expect(page.getByText("Headless CLI", { exact: true })).toBeVisible();
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    await expect(page.getByText("Device approved. You can return to your device.")).toBeVisible();

    // Poll as a well-behaved client: wait the interval, and longer after slow_down.
    let interval = device.interval ?? 5;
    let tokens: oauth.TokenEndpointResponse | undefined;
    for (let attempt = 0; attempt < 4 && !tokens; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, interval * 1000));
      try {
        tokens = await poll();
      } catch (err) {
        if (!(err instanceof oauth.ResponseBodyError) || err.error !== "slow_down") throw err;
        interval += 5;
      }
    }
    expect(tokens?.access_token).toMatch(/^acat_/);
    expect(tokens?.scope).toBe("quote");
  });

  test("an MCP client finds the authorization server from /mcp's 401 and gets a token for /mcp", async ({
    page,
    baseURL,
    request,
  }) => {
    const unauthorized = await request.post("/mcp", {
      headers: { Accept: "application/json, text/event-stream" },
      data: { jsonrpc: "2.0", id: 1, method: "initialize", params: {} },
    });
    expect(unauthorized.status()).toBe(401);
    const challenge = unauthorized.headers()["www-authenticate"];
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadataUrl).toBe(`${baseURL}/.well-known/oauth-protected-resource/mcp`);
    const resource = (await (await request.get(metadataUrl!)).json()) as {
      resource: string;
      authorization_servers: string[];
    };
    const as = await discover(resource.authorization_servers[0]);
    const registered = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        { client_name: "MCP desktop client", redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none" },
        insecure,
      ),
    );
    const client: oauth.Client = { client_id: registered.client_id };

    await newAccount(page);
    const verifier = oauth.generateRandomCodeVerifier();
    const authorize = new URL(as.authorization_endpoint!);
    authorize.search = new URLSearchParams({
      response_type: "code",
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      scope: "quote",
      resource: resource.resource,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    }).toString();
    await page.route(`${REDIRECT_URI}**`, (route) => route.fulfill({ body: "back at the app" }));
    await page.goto(authorize.href);
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    await page.waitForURL(`${REDIRECT_URI}**`);
    const params = oauth.validateAuthResponse(as, client, new URL(page.url()), oauth.expectNoState);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT_URI, verifier, {
        ...insecure,
        additionalParameters: { resource: resource.resource },
      }),
    );

    const authorized = await request.post("/mcp", {
      headers: {
        Accept: "application/json, text/event-stream",
        Authorization: `Bearer ${tokens.access_token}`,
      },
      data: {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "e2e", version: "1" } },
      },
    });
    expect(authorized.status()).toBe(200);
  });
});
