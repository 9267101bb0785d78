import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig, devices } from "@playwright/test";

/**
 * A throwaway certificate authority and a certificate for 127.0.0.1 and localhost, for the
 * https server that serves a Client ID Metadata Document in mcp-oauth.spec.ts; the server
 * under test trusts the CA through AGENT_CONNECT_CLIENT_METADATA_CA_FILE.
 */
const tlsDir = fileURLToPath(new URL("../target/e2e-tls/", import.meta.url));
function makeTestCertificates() {
  rmSync(tlsDir, { recursive: true, force: true });
  mkdirSync(tlsDir, { recursive: true });
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: tlsDir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
    "-subj", "/CN=Agent Connect e2e CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
  openssl("req", ...ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost");
  execFileSync("sh", ["-c",
    "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > leaf.ext && " +
    "openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2 -extfile leaf.ext"],
    { cwd: tlsDir, stdio: "pipe" });
}
// The config is loaded again in every worker, which inherits this process's environment:
// the certificates are made once per run, before the server reads the CA.
if (!process.env.E2E_TLS_MADE) {
  makeTestCertificates();
  process.env.E2E_TLS_MADE = "1";
}

const baseURL = process.env.BASE_URL ?? "http://127.0.0.1:3100";
/** The release binary `make run` serves (the Makefile passes its path; it honours CARGO_TARGET_DIR). */
const binary = process.env.AGENT_CONNECT_BIN ?? "target/release/agent-connect";
/** Two instances on PostgreSQL behind nginx, for balanced.spec.ts; E2E_CLUSTER=0 leaves it out. */
const cluster = process.env.E2E_CLUSTER !== "0";
const balancerPort = "3180";

/**
 * End-to-end tests of the Agent Connect portal.
 *
 * The server is the release build `make run` serves, started from the repository root on a
 * fresh SQLite database under `target/e2e/`. Playwright starts the web server before any global setup runs, so the
 * database directory is reset by the server command itself. Unless E2E_CLUSTER=0, the reference
 * deployment starts beside it (scripts/cluster.sh: PostgreSQL, two instances, nginx on :3180)
 * on a fresh database.
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
  webServer: [
    {
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
        AGENT_CONNECT_CLIENT_METADATA_CA_FILE: `${tlsDir}ca.pem`,
        AGENT_CONNECT_BIN: binary,
        LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? "target/site",
        RUST_LOG: "info",
      },
    },
    ...(cluster
      ? [
          {
            command: "scripts/cluster.sh run",
            cwd: "..",
            url: `http://127.0.0.1:${balancerPort}/healthz/ready`,
            reuseExistingServer: !process.env.CI,
            gracefulShutdown: { signal: "SIGTERM" as const, timeout: 10_000 },
            timeout: 180_000,
            env: {
              CLUSTER_PORT: balancerPort,
              CLUSTER_BASE_PORT: "3110",
              CLUSTER_DIR: "target/e2e-cluster",
              CLUSTER_DATABASE: "e2e",
              CLUSTER_FRESH: "1",
              AGENT_CONNECT_BIN: binary,
              AGENT_CONNECT_RESOURCE_CLIENT_ID: "e2e-resource-server",
              AGENT_CONNECT_RESOURCE_CLIENT_SECRET: "e2e-resource-secret",
              AGENT_CONNECT_RATE_LIMIT_PER_MINUTE: "10000",
              LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? "target/site",
              RUST_LOG: "warn",
            },
          },
        ]
      : []),
  ],
});
