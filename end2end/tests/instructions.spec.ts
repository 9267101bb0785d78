import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { expect, introspect, newAccount, test } from "./fixtures";

/**
 * Every instruction tab is run exactly as it reads, by an agent that starts with nothing but
 * the pasted text: the CLI tab's commands in a shell (download, checksum, login), the "Any
 * agent" tab's curl in a shell, and the MCP tab's server and tool through the TypeScript SDK.
 */

const run = promisify(execFile);

/** The commands of a tab: the lines from the first one starting with `start` to the next blank line. */
function commandBlock(text: string, start: string): string {
  const lines = text.split("\n");
  const first = lines.findIndex((line) => line.startsWith(start));
  expect(first, text).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((line, i) => i > first && line.trim() === "");
  return lines.slice(first, end < 0 ? undefined : end).join("\n");
}

test.describe("instruction texts, run verbatim", () => {
  test.beforeEach(async ({ page }) => {
    await newAccount(page);
  });

  test("the CLI tab downloads the client, checks its SHA-256 and signs in", async ({ connectPage, request }) => {
    const code = await connectPage.generateCode({ scopes: ["quote"], agentName: "Shell agent" });
    const text = await (await connectPage.openTab("CLI")).innerText();
    const script = commandBlock(text, "curl ");
    expect(script).toContain("sha256sum -c -");
    expect(script).toContain(`./agent-connect auth login --auth-code ${code}`);

    const dir = await mkdtemp(path.join(tmpdir(), "agent-connect-tab-"));
    try {
      const { stdout } = await run("sh", ["-e", "-c", script], {
        cwd: dir,
        env: { ...process.env, AGENT_CONNECT_HOME: path.join(dir, "home") },
        maxBuffer: 1 << 20,
      });
      expect(stdout).toContain("agent-connect: OK");
      expect(stdout).toContain('as "Shell agent"');
      const token = (
        await run(path.join(dir, "agent-connect"), ["auth", "token"], {
          env: { ...process.env, AGENT_CONNECT_HOME: path.join(dir, "home") },
        })
      ).stdout.trim();
      expect((await introspect(request, token)).active).toBe(true);
      await expect(connectPage.redemptionStatus).toContainText("Redeemed by Shell agent");

      // A tampered download fails the check and nothing runs.
      const tampered = script.replace(/echo "([0-9a-f])/, (_, first) => `echo "${first === "0" ? "1" : "0"}`);
      const refused = await run("sh", ["-e", "-c", tampered], { cwd: dir, maxBuffer: 1 << 20 }).then(
        () => null,
        (err: { stdout: string; stderr: string }) => err,
      );
      expect(refused, "the tampered script must fail").not.toBeNull();
      expect(refused!.stdout).toContain("agent-connect: FAILED");
      expect(refused!.stdout).not.toContain("as \"");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("the Any agent tab's curl redeems the code", async ({ connectPage, request }) => {
    await connectPage.generateCode({ scopes: ["quote", "trade.read"], agentName: "Curl agent" });
    const text = await (await connectPage.openTab("Any agent")).innerText();
    const { stdout } = await run("sh", ["-e", "-c", commandBlock(text, "curl ")]);
    const answer = JSON.parse(stdout);
    expect(answer.token_type).toBe("Bearer");
    expect(answer.scope).toBe("quote trade.read");
    expect((await introspect(request, answer.access_token)).active).toBe(true);
    await expect(connectPage.redemptionStatus).toContainText("Redeemed by Curl agent");
  });

  test("the MCP tab's server and tool call authorize an MCP client", async ({ connectPage }) => {
    const code = await connectPage.generateCode({ scopes: ["quote"], agentName: "MCP tab agent" });
    const text = await (await connectPage.openTab("MCP / Claude Code")).innerText();
    const add = commandBlock(text, "claude mcp add ");
    const [, name, url] = add.match(/^claude mcp add --transport http (\S+) (\S+)$/)!;
    const [, serverName, toolName, tabCode] = text.match(/Use the (\S+) (\S+) tool with code (\S+)"/)!;
    expect([serverName, toolName, tabCode]).toEqual([name, "authenticate", code]);

    const client = new Client({ name: "tab-client", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const result = await client.callTool({ name: toolName, arguments: { code: tabCode } });
    expect(result.isError ?? false).toBe(false);
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toContain("get_quote");
    await client.close();
    await expect(connectPage.redemptionStatus).toContainText("Redeemed by MCP tab agent");
  });
});
