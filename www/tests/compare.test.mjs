// Browser test of compare mode: QOF 2024/25 against QOF 2025/26 (the editor's default comparison) on the default population,
// with the totals `qofrules eval` prints for each scheme and the HTML report `qofrules compare`
// writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { expectedJson, openPage, screenshot, waitState, useBrowser } from "./helpers.mjs";

const browser = useBrowser();

test("compare QOF 2024/25 with QOF 2025/26: the CLI's totals, a chart and exports", async () => {
  const { page, errors } = await openPage(browser);
  await page.click("#mode-compare");
  assert.equal(await waitState(page, "#compare-results", ["done", "error"], 120_000), "done");
  const totalA = await page.getAttribute("#total-a", "data-value");
  const totalB = await page.getAttribute("#total-b", "data-value");
  const a = expectedJson("qof-2024-25.json");
  const b = expectedJson("qof-2025-26.json");
  if (a !== null && b !== null) {
    assert.equal(totalA, JSON.parse(a).total.payment, "scheme A's total is the CLI's");
    assert.equal(totalB, JSON.parse(b).total.payment, "scheme B's total is the CLI's");
  } else {
    assert.match(totalA, /^\d+\.\d\d+$/);
  }
  assert.notEqual(totalA, totalB);
  // the chart has a bar per practice; changes carry their sign in text
  const bars = await page.locator('#compare-results svg[aria-label^="Change in payment per practice"] rect').count();
  const practices = await page.locator("#compare-results table:last-of-type tbody tr").count();
  assert.equal(bars, practices);
  assert.match(await page.textContent("#total-change"), /^[+−±]£/);
  await screenshot(page, "compare");

  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#compare-html")]);
  const html = readFileSync(await download.path(), "utf8");
  assert.match(html, /^<!doctype html>/i);
  assert.ok(html.includes("<svg") && !/<(link|img)\b|\bsrc=/i.test(html), "self-contained");
  // it names its population, groups thousands and writes one minus sign
  assert.match(html, /Figures are for a patient-level population: NHS Dudley CCG at scale 0\.05, seed 2020\./);
  assert.match(html, />£\d{1,3}(,\d{3})+\.\d\d</);
  assert.match(html, />−£\d/);
  assert.doesNotMatch(html.replace(/<[^>]*>/g, " "), /(^|[^\d])-[£\d]/, "no hyphen as a minus sign");
  const cliHtml = expectedJson("compare-qof-2024-25-qof-2025-26.html");
  if (cliHtml !== null) assert.equal(html, cliHtml, "the report `qofrules compare --format html` writes");
  const [csvDownload] = await Promise.all([page.waitForEvent("download"), page.click("#compare-csv")]);
  const csv = readFileSync(await csvDownload.path(), "utf8");
  assert.match(csv.split("\n").at(-2), new RegExp(`^total,,,,${totalA.replace(".", "\\.")}`));
  assert.deepEqual(errors, []);
  await page.context().close();
});
