import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import type { Page } from "@playwright/test";
import { expect, newAccount, test } from "./fixtures";

/**
 * The standard MCP authorization journey with the official TypeScript SDK and nothing of ours
 * on the client side: discovery from /mcp's 401, a Client ID Metadata Document (an https
 * client id served on loopback) instead of registration, authorization code with PKCE
 * approved on the consent page, a scoped tool call, and a step-up after a 403
 * insufficient_scope through a second authorization.
 */

const REDIRECT = "http://127.0.0.1:8977/callback";
const tlsDir = fileURLToPath(new URL("../../target/e2e-tls/", import.meta.url));

/** Serves the client's metadata document over https, naming itself by its own URL. */
async function serveDocument(): Promise<{ server: Server; url: string }> {
  let url = "";
  const server = createServer(
    { key: readFileSync(`${tlsDir}leaf.key`), cert: readFileSync(`${tlsDir}leaf.pem`) },
    (req, res) => {
      if (req.url !== "/oauth/client.json") {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=300" });
      res.end(
        JSON.stringify({
          client_id: url,
          client_name: "Interop MCP client",
          redirect_uris: [REDIRECT],
          grant_types: ["authorization_code", "refresh_token"],
          response_types: ["code"],
          token_endpoint_auth_method: "none",
          application_type: "native",
        }),
      );
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/client.json`;
  return { server, url };
}

/**
 * An in-memory OAuth client. The SDK answers a 403 insufficient_scope by refreshing first,
 * but a refresh can never add scope (RFC 6749 section 6), so when the server asks for more
 * scope this provider sets its refresh token aside and the SDK starts a new authorization.
 */
class MemoryProvider implements OAuthClientProvider {
  authorizationUrl?: URL;
  needsMoreScope = false;
  private info?: OAuthClientInformationMixed;
  private saved?: OAuthTokens;
  private verifier?: string;

  constructor(readonly clientMetadataUrl: string) {}

  get redirectUrl() {
    return REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: "Interop MCP client", redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.needsMoreScope && this.saved ? { ...this.saved, refresh_token: undefined } : this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
    this.needsMoreScope = false;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier!;
  }
}

/** Opens the authorization URL as the person, approves, and returns the code sent back. */
async function approveInBrowser(page: Page, url: URL, highRisk: boolean): Promise<string> {
  await page.route("http://127.0.0.1:8977/**", (route) => route.fulfill({ body: "You can close this tab." }));
  await page.goto(url.toString());
  await expect(page.getByRole("heading", { name: "Allow Interop MCP client to act for you?" })).toBeVisible();
  const facts = page.getByRole("definition").first();
  await expect(facts).toContainText("Verified");
  await expect(facts).toContainText("127.0.0.1");
  await expect(page.getByRole("note")).toContainText("Runs on this device only");
  if (highRisk) {
    await page.getByRole("checkbox", { name: /I understand this application can/ }).check();
  }
  await page.getByRole("button", { name: "Approve" }).click();
  await page.waitForURL(/127\.0\.0\.1:8977\/callback/);
  const back = new URL(page.url());
  expect(back.searchParams.get("iss")).toBe(new URL(url).origin);
  return back.searchParams.get("code")!;
}

test.describe("MCP authorization with the TypeScript SDK", () => {
  test("discovery, a metadata document client, PKCE, a scoped call and a step-up", async ({ page, baseURL }) => {
    const { server, url: documentUrl } = await serveDocument();
    try {
      await newAccount(page);
      const provider = new MemoryProvider(documentUrl);
      // Watches the answers the SDK gets, to notice the server asking for more scope.
      const watching: typeof fetch = async (input, init) => {
        const res = await fetch(input, init);
        if (res.status === 403 && (res.headers.get("www-authenticate") ?? "").includes("insufficient_scope")) {
          provider.needsMoreScope = true;
        }
        return res;
      };
      const transport = () =>
        new StreamableHTTPClientTransport(new URL(`${baseURL}/mcp`), { authProvider: provider, fetch: watching });

      // 1. The 401 leads the SDK through discovery to an authorization URL with the document as client_id.
      const first = transport();
      await expect(new Client({ name: "interop", version: "1.0.0" }).connect(first)).rejects.toThrow(UnauthorizedError);
      const asked = provider.authorizationUrl!;
      expect(asked.origin + asked.pathname).toBe(`${baseURL}/oauth2/authorize`);
      expect(asked.searchParams.get("client_id")).toBe(documentUrl);
      expect(asked.searchParams.get("code_challenge_method")).toBe("S256");
      expect(asked.searchParams.get("scope")).toBe("quote account.read trade.read");

      // 2. The person approves; the SDK exchanges the code with its PKCE verifier.
      const code = await approveInBrowser(page, asked, false);
      await first.finishAuth(code);
      const client = new Client({ name: "interop", version: "1.0.0" });
      const second = transport();
      await client.connect(second);
      const who = await client.callTool({ name: "whoami", arguments: {} });
      expect(JSON.stringify(who.content)).toContain("quote account.read trade.read");

      // 3. A tool outside the grant: 403 insufficient_scope, a second authorization for the
      //    scopes the challenge names, then the call goes through.
      const order = { name: "place_order", arguments: { symbol: "AAPL", side: "buy", quantity: 1 } };
      provider.authorizationUrl = undefined;
      await expect(client.callTool(order)).rejects.toThrow(UnauthorizedError);
      const stepUp = provider.authorizationUrl!;
      expect(stepUp.searchParams.get("scope")).toBe("quote account.read trade.read trade.write");
      await second.finishAuth(await approveInBrowser(page, stepUp, true));
      const placed = await client.callTool(order);
      expect(placed.isError ?? false).toBe(false);
      expect(JSON.stringify(placed.content)).toContain("AAPL");
      await client.close();
    } finally {
      server.close();
    }
  });
});
