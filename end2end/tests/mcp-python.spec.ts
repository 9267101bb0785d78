import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, newAccount, test } from "./fixtures";

/**
 * The /mcp/agent journey with a second official SDK, Python's `mcp` (end2end/clients/
 * requirements.txt), on its defaults: it probes with `server/discover` first, falls back to
 * `initialize` because /mcp/agent offers only revisions with sessions, and after
 * `authenticate` the same client session lists and calls the granted tools.
 */

const run = promisify(execFile);
const python = fileURLToPath(new URL("../.venv/bin/python", import.meta.url));
const journey = fileURLToPath(new URL("../clients/agent_journey.py", import.meta.url));

type Journey = {
  protocol_version: string;
  tools_before: string[];
  authenticate_error: boolean;
  authenticate_text: string;
  tools_after: string[];
  whoami_error: boolean | null;
  whoami_text: string | null;
};

test.describe("MCP with the Python SDK", () => {
  test("authenticate upgrades the same client session", async ({ page, baseURL, connectPage }) => {
    await newAccount(page);
    const code = await connectPage.generateCode({ scopes: ["quote", "trade.read"], agentName: "Python agent" });

    const { stdout } = await run(python, [journey, baseURL!, code]);
    const seen = JSON.parse(stdout) as Journey;

    expect(seen.protocol_version).toBe("2025-11-25");
    expect(seen.tools_before).toEqual(["authenticate"]);
    expect(seen.authenticate_error, seen.authenticate_text).toBe(false);
    expect(seen.authenticate_text).toContain("This MCP session is authorized now");
    expect(seen.authenticate_text).not.toContain("acrt_");
    expect(seen.tools_after).toEqual(
      expect.arrayContaining(["authenticate", "whoami", "get_quote", "list_orders"]),
    );
    expect(seen.whoami_error).toBe(false);
    expect(seen.whoami_text).toContain("Agent: Python agent");
    expect(seen.whoami_text).toContain("Scopes: quote trade.read");

    await expect(connectPage.redemptionStatus).toContainText("Redeemed by Python agent");
  });
});
