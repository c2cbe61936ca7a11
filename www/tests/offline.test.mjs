// Browser test of offline use: after one visit the service worker has stored the editor, so
// with the network gone the page reloads, checks, evaluates and explains as before.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MINI, openPage, screenshot, setEditorText, waitState, useBrowser } from "./helpers.mjs";

const browser = useBrowser();

test("after the first visit the editor works with no network: reload, check, evaluate", async () => {
  const { page, errors } = await openPage(browser);
  assert.equal(await waitState(page, "#results", ["done", "error"], 120_000), "done");
  const online = await page.getAttribute("#total-payment", "data-value");
  await page.waitForSelector('#offline[data-state="ready"]', { timeout: 60_000 });
  assert.equal(await page.textContent("#offline"), "· works offline");
  await screenshot(page, "offline-ready");

  const context = page.context();
  await context.setOffline(true);
  assert.equal(await page.evaluate(() => navigator.onLine), false, "the page is offline");
  const requests = [];
  page.on("requestfailed", (r) => requests.push(r.url()));
  await page.reload();
  await page.waitForSelector('#version[data-state="ready"]', { timeout: 60_000 });
  assert.equal(await waitState(page, "#results", ["done", "error"], 120_000), "done");
  assert.equal(await page.getAttribute("#total-payment", "data-value"), online, "the same result offline");
  // a new text is checked and evaluated offline
  await setEditorText(page, MINI);
  await page.waitForFunction(() => document.querySelector("#results")?.dataset.state === "done" &&
    document.querySelector("#results dd")?.textContent?.includes("(mini)"), null, { timeout: 60_000 });
  await screenshot(page, "offline-evaluated");
  assert.deepEqual(requests, [], "no request failed: everything came from the stored copy");
  assert.deepEqual(errors, []);
  await context.setOffline(false);
  await context.close();
});
