import { expect, newAccount, test } from "./fixtures";

/** The first load of /connect with an empty cache, everything counted as sent over the wire. */
const BUDGET_BYTES = 150 * 1024;

test("the first load of /connect stays within its weight budget", async ({
  page,
  browser,
  baseURL,
  connectPage,
}) => {
  await newAccount(page);
  await connectPage.generateCode({ scopes: ["quote", "trade.read"], agentName: "Weight check" });

  // A new context with the same session cookie and an empty cache: a person's first visit.
  const context = await browser.newContext({ storageState: await page.context().storageState(), baseURL });
  const fresh = await context.newPage();
  const sizes = new Map<string, { kind: string; bytes: number; encoding: string }>();
  fresh.on("requestfinished", async (request) => {
    const response = await request.response();
    if (!response) return;
    const { responseBodySize, responseHeadersSize } = await request.sizes();
    sizes.set(request.url(), {
      kind: request.resourceType(),
      bytes: responseBodySize + responseHeadersSize,
      encoding: (await response.headerValue("content-encoding")) ?? "identity",
    });
  });
  await fresh.goto("/connect");
  // Hydrated: the copy button is shown only once the island runs.
  await expect(fresh.getByRole("button", { name: "Copy code", exact: true })).toBeVisible();
  await fresh.waitForLoadState("networkidle");

  let total = 0;
  console.log("first load of /connect:");
  for (const [url, { kind, bytes, encoding }] of sizes) {
    total += bytes;
    console.log(`  ${kind.padEnd(10)} ${encoding.padEnd(9)} ${String(bytes).padStart(8)} B  ${new URL(url).pathname}`);
  }
  console.log(`  total ${total} B (${(total / 1024).toFixed(1)} KB) of a ${BUDGET_BYTES / 1024} KB budget`);
  await context.close();

  expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
  const wasm = [...sizes.entries()].find(([url]) => url.endsWith(".wasm"));
  expect(wasm?.[1].encoding, "the wasm bundle is sent compressed").toMatch(/br|gzip/);
});
