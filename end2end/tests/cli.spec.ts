import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, introspect, newAccount, test } from "./fixtures";

const run = promisify(execFile);
/** The release binary under test (the Makefile passes its path; it honours CARGO_TARGET_DIR). */
const binary =
  process.env.AGENT_CONNECT_BIN ?? fileURLToPath(new URL("../../target/release/agent-connect", import.meta.url));

/** Runs the `agent-connect` client with its own token folder, as an agent's shell would. */
async function agentConnect(home: string, ...args: string[]) {
  return run(binary, args, { env: { ...process.env, AGENT_CONNECT_HOME: home } });
}

test.describe("the command-line client", () => {
  test("a code from the browser signs the CLI in, and the grant shows when it was last used", async ({
    page,
    request,
    baseURL,
    connectPage,
    securityPage,
  }) => {
    const home = await mkdtemp(path.join(tmpdir(), "agent-connect-cli-"));
    try {
      await newAccount(page);
      const code = await connectPage.generateCode({ scopes: ["quote", "trade.read"], agentName: "Terminal agent" });

      // The CLI tab's last command, run with an installed client (instructions.spec.ts runs
      // the whole tab, download included).
      const panel = await connectPage.openTab("CLI");
      const command = (await panel.innerText()).split("\n").find((line) => line.startsWith("./agent-connect auth login"));
      expect(command).toBe(`./agent-connect auth login --auth-code ${code} --server ${baseURL}`);
      const login = await agentConnect(home, ...command!.split(" ").slice(1));
      expect(login.stdout).toContain('as "Terminal agent"');
      await expect(connectPage.redemptionStatus).toContainText("Redeemed by Terminal agent");

      const files = await readdir(path.join(home, "tokens"));
      expect(files).toHaveLength(1);
      const status = await agentConnect(home, "auth", "status");
      expect(status.stdout).toContain("quote trade.read");

      // The agent uses its token; the resource server checks it, which counts as use.
      const token = (await agentConnect(home, "auth", "token")).stdout.trim();
      expect(token).toMatch(/^acat_/);
      expect((await introspect(request, token)).active).toBe(true);

      await securityPage.goto();
      const row = securityPage.grantRow("Terminal agent");
      await expect(row).toContainText("Agent auth code");
      await expect(row.getByRole("cell").nth(4)).toHaveText("just now");

      await agentConnect(home, "auth", "logout");
      await securityPage.goto();
      await expect(securityPage.grantRow("Terminal agent")).toHaveCount(0);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
