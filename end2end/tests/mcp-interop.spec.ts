import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { expect, newAccount, test } from "./fixtures";

/**
 * The MCP journey with the official TypeScript SDK, an MCP client we did not write: a code
 * made in the browser is redeemed through the `authenticate` tool of /mcp/agent, and the
 * token then works on /mcp with only the permissions the person picked.
 */

type ToolResult = Awaited<ReturnType<Client["callTool"]>>;

function textOf(result: ToolResult): string {
  const content = (result.content ?? []) as Array<{ type: string; text?: string }>;
  return content.map((part) => part.text ?? "").join("\n");
}

function newClient(): Client {
  return new Client({ name: "agent-connect-interop", version: "1.0.0" });
}

function bearer(baseURL: string, token: string): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(new URL(`${baseURL}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
}

test.describe("MCP with the TypeScript SDK", () => {
  test("authenticate on /mcp/agent, then work on /mcp with only the granted scopes", async ({
    page,
    baseURL,
    connectPage,
    securityPage,
  }) => {
    await newAccount(page);
    const code = await connectPage.generateCode({ scopes: ["quote"], agentName: "SDK agent" });

    const agent = newClient();
    let toolsChanged = false;
    agent.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      toolsChanged = true;
    });
    await agent.connect(new StreamableHTTPClientTransport(new URL(`${baseURL}/mcp/agent`)));
    const before = await agent.listTools();
    expect(before.tools.map((tool) => tool.name)).toEqual(["authenticate"]);
    expect(before.tools[0].description).toContain("/connect");
    expect(Object.keys(before.tools[0].inputSchema.properties ?? {})).toEqual(["code"]);

    const refused = await agent.callTool({ name: "authenticate", arguments: { code: "NOT-A-CODE" } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain(`${baseURL}/connect`);

    const accepted = await agent.callTool({ name: "authenticate", arguments: { code: ` ${code.toLowerCase()} ` } });
    expect(accepted.isError ?? false).toBe(false);
    const text = textOf(accepted);
    const token = text.match(/acat_[A-Za-z0-9_-]+/)?.[0];
    expect(token, text).toBeTruthy();
    expect(text).toContain(
      `claude mcp add --transport http agent-connect ${baseURL}/mcp --header "Authorization: Bearer ${token}"`,
    );
    await expect(connectPage.redemptionStatus).toContainText("Redeemed by SDK agent");

    // The same session is now authorized and says so.
    await expect.poll(() => toolsChanged).toBe(true);
    const after = await agent.listTools();
    expect(after.tools.map((tool) => tool.name)).toContain("whoami");
    const sameSession = await agent.callTool({ name: "whoami", arguments: {} });
    expect(textOf(sameSession)).toContain("SDK agent");
    await agent.close();

    // A fresh connection to the resource with the Bearer token.
    const resource = newClient();
    await resource.connect(bearer(baseURL!, token!));
    const names = (await resource.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(["whoami", "get_quote"]));
    const who = await resource.callTool({ name: "whoami", arguments: {} });
    expect(textOf(who)).toContain("SDK agent");
    expect(textOf(who)).toContain("quote");
    const quote = await resource.callTool({ name: "get_quote", arguments: { symbol: "AAPL" } });
    expect(quote.isError ?? false).toBe(false);
    expect(textOf(quote).toLowerCase()).toContain("sandbox");
    // A tool outside the grant: HTTP 403 with the scope challenge, and the step-up link.
    const order = resource.callTool({
      name: "place_order",
      arguments: { symbol: "AAPL", side: "buy", quantity: 1 },
    });
    await expect(order).rejects.toMatchObject({ code: 403 });
    await expect(order).rejects.toThrow(/insufficient_scope/);
    await expect(order).rejects.toThrow(`${baseURL}/connect?scope=quote%20trade.write`);
    await resource.close();

    await securityPage.goto();
    await expect(securityPage.grantRow("SDK agent").getByRole("cell").nth(4)).toHaveText("just now");

    // Revoked in the portal: the very next connection is refused.
    await securityPage.revoke("SDK agent");
    await expect(securityPage.grantRow("SDK agent")).toHaveCount(0);
    const revoked = newClient();
    await expect(revoked.connect(bearer(baseURL!, token!))).rejects.toThrow(/401|nauthorized|invalid_token/);
  });
});
