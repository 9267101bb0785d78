import { defineConfig, devices } from "@playwright/test";

const baseURL = process.env.BASE_URL ?? "http://127.0.0.1:3100";
/** The release binary `make run` serves (the Makefile passes its path; it honours CARGO_TARGET_DIR). */
const binary = process.env.AGENT_CONNECT_BIN ?? "target/release/agent-connect";

/**
 * End-to-end tests of the Agent Connect portal.
 *
 * The server is the release build `make run` serves, started from the repository root on a
 * fresh SQLite database under `target/e2e/`. Playwright starts the web server before any global setup runs, so the
 * database directory is reset by the server command itself.
 */
export default defineConfig({
  testDir: "tests",
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: "list",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [
    {
      name: "chromium",
      use: { ...devices["Desktop Chrome"] },
    },
  ],
  webServer: {
    command:
      `sh -c 'rm -rf target/e2e && mkdir -p target/e2e && exec "$AGENT_CONNECT_BIN" serve'`,
    cwd: "..",
    url: `${baseURL}/healthz`,
    reuseExistingServer: !process.env.CI,
    gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
    timeout: 120_000,
    env: {
      AGENT_CONNECT_BIND: "127.0.0.1:3100",
      AGENT_CONNECT_PUBLIC_URL: "http://127.0.0.1:3100",
      DATABASE_URL: "sqlite://target/e2e/agent-connect.db?mode=rwc",
      AGENT_CONNECT_RESOURCE_CLIENT_ID: "e2e-resource-server",
      AGENT_CONNECT_RESOURCE_CLIENT_SECRET: "e2e-resource-secret",
      AGENT_CONNECT_RATE_LIMIT_PER_MINUTE: "10000",
      AGENT_CONNECT_BIN: binary,
      LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? "target/site",
      RUST_LOG: "info",
    },
  },
});
