import { expect, INSTRUCTION_TABS, newAccount, test } from "./fixtures";

test.use({ permissions: ["clipboard-read", "clipboard-write"] });

/**
 * The release build hydrates: the code panel's island comes to life in the browser. A page
 * that only renders on the server keeps a frozen countdown, hidden copy buttons and every
 * instruction panel stacked, and the fixture fails on any console error on the way.
 */
test("the code panel hydrates: the countdown moves, copying works, one tab shows at a time", async ({
  page,
  connectPage,
}) => {
  await newAccount(page);
  const code = await connectPage.generateCode({ scopes: ["quote"], agentName: "Hydration check" });

  const before = (await connectPage.timeLeft.innerText()).trim();
  await expect
    .poll(async () => (await connectPage.timeLeft.innerText()).trim(), { timeout: 5_000 })
    .not.toBe(before);

  await expect(connectPage.copyCodeButton).toBeVisible();
  expect(await connectPage.copy(connectPage.copyCodeButton)).toBe(code);

  for (const name of INSTRUCTION_TABS) {
    await connectPage.openTab(name);
    await expect(page.getByRole("tabpanel")).toHaveCount(1);
    await expect(connectPage.selectedPanel).toHaveAttribute(
      "aria-labelledby",
      (await connectPage.tab(name).getAttribute("id")) ?? "",
    );
  }
});
