import { expect, introspect, newAccount, redeemTokens, test } from "./fixtures";

/**
 * The reference deployment: two instances on PostgreSQL behind nginx (scripts/cluster.sh,
 * started by the Playwright config). nginx balances round-robin, so the pages, the server
 * functions, the code panel's polling and the token endpoint land on both instances in turn:
 * the journey works only if the instances share everything through the database.
 */
const BALANCER = process.env.E2E_BALANCER_URL ?? "http://127.0.0.1:3180";

test.use({ baseURL: BALANCER });
test.skip(process.env.E2E_CLUSTER === "0", "the cluster is not started for this run");

test("the portal journey works through the load balancer", async ({
  page,
  connectPage,
  securityPage,
  request,
}) => {
  await newAccount(page);
  const code = await connectPage.generateCode({ scopes: ["quote"], agentName: "Balanced bot" });
  const tokens = await redeemTokens(request, code);
  await expect(connectPage.redemptionStatus).toContainText("Redeemed by");

  await securityPage.goto();
  await expect(securityPage.grantRow("Balanced bot")).toBeVisible();
  expect((await introspect(request, tokens.access_token)).active).toBe(true);

  await securityPage.revoke("Balanced bot");
  await expect(securityPage.grantRow("Balanced bot")).toHaveCount(0);
  for (let attempt = 0; attempt < 4; attempt++) {
    // Whichever instance answers, the revoked token is refused at once.
    expect((await introspect(request, tokens.access_token)).active).toBe(false);
  }
});
