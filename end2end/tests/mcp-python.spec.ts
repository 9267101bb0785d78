import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, newAccount, test } from "./fixtures";

/**
 * The /mcp/agent journey with a second official SDK, Python's `mcp` (end2end/clients/
 * requirements.txt), in each way it negotiates: its default ("auto": `server/discover`, which
 * now finds 2026-07-28), pinned to the stateless revision 2026-07-28, and the `initialize`
 * handshake of 2025-11-25. Each goes from a code made in the browser to a scoped tool call:
 * through the authorized session with the handshake, through the command lines
 * `authenticate` gives (the command-line client and its stdio server) without one.
 */

const run = promisify(execFile);
const python = fileURLToPath(new URL("../.venv/bin/python", import.meta.url));
const journey = fileURLToPath(new URL("../clients/agent_journey.py", import.meta.url));
const binary =
  process.env.AGENT_CONNECT_BIN ?? fileURLToPath(new URL("../../target/release/agent-connect", import.meta.url));

type Journey = {
  protocol_version: string;
  path: "session" | "command line";
  tools_before: string[];
  authenticate_error: boolean;
  authenticate_text: string;
  commands?: string[];
  login_output?: string;
  stdio_command?: string[];
  tools_after: string[];
  whoami_error: boolean | null;
  whoami_text: string | null;
  quote_error: boolean | null;
};

const modes = [
  { mode: "auto", version: "2026-07-28", path: "command line" },
  { mode: "2026-07-28", version: "2026-07-28", path: "command line" },
  { mode: "legacy", version: "2025-11-25", path: "session" },
] as const;

test.describe("MCP with the Python SDK", () => {
  for (const { mode, version, path: expectedPath } of modes) {
    test(`from a pasted code to a scoped tool call (mode ${mode})`, async ({ page, baseURL, connectPage }) => {
      await newAccount(page);
      const agentName = `Python ${mode}`;
      const code = await connectPage.generateCode({ scopes: ["quote", "trade.read"], agentName });
      const home = await mkdtemp(path.join(tmpdir(), "agent-connect-py-"));
      try {
        const { stdout } = await run(python, [journey, baseURL!, code, mode, binary, home]);
        const seen = JSON.parse(stdout) as Journey;

        expect(seen.protocol_version).toBe(version);
        expect(seen.path).toBe(expectedPath);
        expect(seen.tools_before).toEqual(["authenticate"]);
        expect(seen.authenticate_error, seen.authenticate_text).toBe(false);
        expect(seen.authenticate_text).not.toContain("acrt_");
        if (expectedPath === "session") {
          expect(seen.authenticate_text).toContain("This MCP session is authorized now");
          expect(seen.tools_after).toEqual(expect.arrayContaining(["authenticate", "whoami", "get_quote", "list_orders"]));
        } else {
          // No token reaches the model: the answer is two commands, run as written.
          expect(seen.authenticate_text).not.toContain("acat_");
          expect(seen.commands).toEqual([
            `agent-connect auth login --auth-code ${code} --server ${baseURL}`,
            "claude mcp add agent-connect -- agent-connect mcp",
          ]);
          expect(seen.login_output).toContain("Signed in to");
          expect(seen.stdio_command).toEqual(["agent-connect", "mcp"]);
          expect(seen.tools_after).toEqual(["get_quote", "list_orders", "whoami"]);
        }
        expect(seen.whoami_error).toBe(false);
        expect(seen.whoami_text).toContain(`Agent: ${agentName}`);
        expect(seen.whoami_text).toContain("Scopes: quote trade.read");
        expect(seen.quote_error).toBe(false);
        await expect(connectPage.redemptionStatus).toContainText(`Redeemed by ${agentName}`);
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    });
  }
});
