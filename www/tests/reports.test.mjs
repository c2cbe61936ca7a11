// Browser test of the HTML reports the CLI writes (issue #17): `qofrules eval --format html`
// and `qofrules sweep --format html` (a cost curve, and a two-lever heat map), each opened from
// a file in Chromium at 1366 px: it makes no request but for its own file, lays out within the
// width, draws its charts, sorts its tables, raises no error, and shows the CLI's JSON totals.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot, resultsDir, screenshot, cli, useBrowser } from "./helpers.mjs";

const SCHEME = join(repoRoot, "rules", "qof-2019-20-stratified.qof");

const browser = useBrowser({ cli: true });

/** Writes `html` to test-results/NAME.html and opens it at 1366 px, recording every request. */
async function open(name, html) {
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `${name}.html`);
  writeFileSync(path, html);
  const url = pathToFileURL(path).href;
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(url, { waitUntil: "load" });
  return { page, errors, requests, url };
}

async function checkLayout(page, name) {
  // nothing wider than the window but the scrolling table wrappers
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${name}: the page is ${overflow} px wider than 1366 px`);
  const svg = page.locator("svg").first();
  const box = await svg.boundingBox();
  assert.ok(box && box.width > 200 && box.height > 60, `${name}: a chart is drawn (${JSON.stringify(box)})`);
  assert.ok(box.x >= 0 && box.x + box.width <= 1366, `${name}: the chart fits the width`);
  await screenshot(page, name);
}

/** Clicks a sortable table's column header twice and checks the column is then in descending order. */
async function checkSort(page, table, column) {
  const header = page.locator(`${table} thead th`).nth(column);
  await header.click();
  await header.click();
  assert.equal(await header.getAttribute("aria-sort"), "descending");
  const keys = await page.$$eval(`${table} tbody tr`, (rows, c) => rows.map((r) => parseFloat(r.cells[c].getAttribute("data-v"))), column);
  for (let i = 1; i < keys.length; i++) assert.ok(keys[i - 1] >= keys[i], `${table} sorted by column ${column}`);
}

test("eval's HTML report: self-contained, laid out at 1366 px, the JSON's totals", async () => {
  const json = JSON.parse(cli(["eval", SCHEME, "--format", "json"]));
  const { page, errors, requests, url } = await open("eval-report", cli(["eval", SCHEME, "--format", "html"]));
  assert.deepEqual(requests, [url], "no request but the page itself");
  assert.equal(await page.getAttribute("[data-total-payment]", "data-total-payment"), json.total.payment);
  // what a reader sees: the population named, the JSON's total with its thousands grouped
  assert.equal(await page.textContent("#population"), "Figures are for a patient-level population: NHS Dudley CCG at scale 0.05, seed 2020.");
  const [whole, pence] = json.total.payment.split(".");
  assert.equal(await page.textContent("[data-total-payment]"), `£${whole.replace(/\B(?=(\d{3})+$)/g, ",")}.${pence}`);
  assert.equal(await page.locator("#practice-table tbody tr").count(), json.practices.length);
  // a histogram per fraction indicator, each with its two thresholds
  const dists = page.locator(".dist");
  assert.ok((await dists.count()) > 30);
  assert.equal(await dists.first().locator("line.thr").count(), 2);
  await checkLayout(page, "eval-report");
  await checkSort(page, "#practice-table", 4);
  assert.equal(await page.locator("table.strata").count(), 1);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("sweep's HTML reports: a cost curve and a heat map, self-contained, the JSON's totals", async () => {
  const lever = "DM020.upper=60%..90% step 5%";
  const json = JSON.parse(cli(["sweep", SCHEME.replace("-stratified", ""), "--vary", lever, "--format", "json"]));
  const curve = await open("sweep-curve", cli(["sweep", SCHEME.replace("-stratified", ""), "--vary", lever, "--format", "html"]));
  assert.deepEqual(curve.requests, [curve.url]);
  assert.equal(await curve.page.getAttribute("[data-base-total]", "data-base-total"), json.base.total);
  assert.equal(await curve.page.textContent("#population"), "Figures are for a patient-level population: NHS Dudley CCG at scale 0.05, seed 2020.");
  // a cheaper value's change is written with the one minus sign, never a hyphen
  const values = await curve.page.locator("#values tbody").textContent();
  assert.ok(values.includes("−£") && !values.includes("-£"), values.slice(0, 200));
  assert.equal(await curve.page.locator("circle.dot").count(), json.points.length);
  assert.equal(await curve.page.locator("circle.dot.base").count(), 1);
  assert.equal(await curve.page.locator("#values tbody tr").count(), json.points.length);
  await checkLayout(curve.page, "sweep-curve");
  await checkSort(curve.page, "#values", 1);
  assert.deepEqual(curve.errors, []);
  await curve.page.context().close();

  const grid = await open(
    "sweep-grid",
    cli([
      "sweep",
      SCHEME.replace("-stratified", ""),
      "--vary",
      lever,
      "--vary",
      "pounds_per_point=170..200 step 10",
      "--format",
      "html",
    ]),
  );
  assert.deepEqual(grid.requests, [grid.url]);
  assert.equal(await grid.page.locator("table.heat td.cell").count(), 7 * 4);
  assert.equal(await grid.page.locator("table.heat td.cell.base").count(), 0, "187.74 is not on the grid");
  const overflow = await grid.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the grid page is ${overflow} px too wide`);
  await screenshot(grid.page, "sweep-grid");
  assert.deepEqual(grid.errors, []);
  await grid.page.context().close();
});
