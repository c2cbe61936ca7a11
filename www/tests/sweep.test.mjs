// Browser test of the sweep panel and the eval report (issue #17): DM020's upper threshold on
// QOF 2019/20 and the default population gives, value by value, what `qofrules sweep` prints;
// the curve fits the panel at 1366 and 1920 px; changing the lever or the text sweeps again by
// itself; the eval report opens as a page with `qofrules eval --format html`'s bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MINI, openPage, repoRoot, screenshot, setEditorText, waitState, cli, useBrowser } from "./helpers.mjs";

const SCHEME = join(repoRoot, "rules", "qof-2019-20.qof");

const browser = useBrowser({ cli: true });

/** The page's money text back to the engine's decimal: `+£1,234.50` -> `1234.50`. */
function decimal(text) {
  const t = text.trim();
  const negative = t.startsWith("−");
  const digits = t.replace(/^[+−±]/, "").replace(/^£/, "").replace(/,/g, "");
  return negative ? `-${digits}` : digits;
}

async function tableRows(page) {
  return page.$$eval("#sweep-table tbody tr", (rows) =>
    rows.map((r) => ({ value: r.dataset.value, base: r.classList.contains("base"), cells: [...r.cells].map((c) => c.textContent) })),
  );
}

/** The curve lies inside the panel and the page does not scroll sideways. */
async function checkLayout(page, width) {
  const box = await page.evaluate(() => {
    const svg = document.querySelector("#sweep-curve").getBoundingClientRect();
    const panel = document.querySelector("#panel-sweep").getBoundingClientRect();
    return { svg: { left: svg.left, right: svg.right, width: svg.width, height: svg.height }, panel: { left: panel.left, right: panel.right }, page: document.documentElement.scrollWidth - window.innerWidth };
  });
  assert.ok(box.page <= 0, `${width} px: the page scrolls sideways by ${box.page} px`);
  assert.ok(box.svg.width > 250 && box.svg.height > 100, `${width} px: the curve is drawn at a readable size ${JSON.stringify(box)}`);
  assert.ok(box.svg.left >= box.panel.left - 1 && box.svg.right <= box.panel.right + 1, `${width} px: the curve fits the panel ${JSON.stringify(box)}`);
}

test("the sweep panel: DM020's upper threshold, value by value what `qofrules sweep` prints, live", async () => {
  const expected = JSON.parse(cli(["sweep", SCHEME, "--vary", "DM020.upper=60%..90% step 5%", "--format", "json"]));
  const evalJson = JSON.parse(cli(["eval", SCHEME, "--format", "json"]));
  const { page, errors } = await openPage(browser, "", { width: 1366, height: 800 });
  await page.selectOption("#scheme-picker", "rules/qof-2019-20.qof");
  await waitState(page, "#results", ["done"], 120_000);
  await page.click("#tab-sweep");
  assert.equal(await waitState(page, "#sweep", ["done", "error"], 120_000), "done", await page.textContent("#sweep-status"));
  // the default range is the scheme's own value and three steps of 5% each side
  assert.equal(await page.inputValue("#sweep-lever"), "upper");
  assert.equal(await page.inputValue("#sweep-indicator"), "DM020");
  assert.deepEqual([await page.inputValue("#sweep-from"), await page.inputValue("#sweep-to"), await page.inputValue("#sweep-step")], ["60", "90", "5"]);

  // the base is eval's total, and every value is the CLI's
  assert.equal(await page.getAttribute("#sweep-base", "data-value"), evalJson.total.payment);
  assert.equal(expected.base.total, evalJson.total.payment);
  const rows = await tableRows(page);
  assert.equal(rows.length, expected.points.length);
  assert.equal(rows.length, 7);
  rows.forEach((r, k) => {
    const p = expected.points[k];
    assert.equal(r.value, p.shown[0]);
    assert.equal(r.base, p.is_base, `row ${r.value}: marked as written or not`);
    assert.equal(decimal(r.cells[1]), p.total, `row ${r.value}: total`);
    assert.equal(decimal(r.cells[2]), p.change === "0.00" ? "0.00" : p.change, `row ${r.value}: change`);
    assert.equal(r.cells[3], `${p.gaining} +`);
    assert.equal(r.cells[4], `${p.losing} −`);
    assert.equal(decimal(r.cells[5]), p.per_practice.median);
  });
  assert.equal(rows.filter((r) => r.base).map((r) => r.value).join(), "75%");
  // a higher upper threshold never costs more, and the range does move money
  const totals = expected.points.map((p) => Number(p.total));
  for (let k = 1; k < totals.length; k++) assert.ok(totals[k] <= totals[k - 1]);
  assert.ok(totals[0] > totals[totals.length - 1]);

  // the curve: a dot per value at its total, the base larger; higher totals drawn higher
  const dots = await page.$$eval("#sweep-curve circle.pt", (cs) => cs.map((c) => ({ value: c.dataset.value, total: c.dataset.total, base: c.classList.contains("base"), cy: Number(c.getAttribute("cy")), r: Number(c.getAttribute("r")) })));
  assert.deepEqual(dots.map((d) => d.value), expected.points.map((p) => p.shown[0]));
  assert.deepEqual(dots.map((d) => d.total), expected.points.map((p) => p.total));
  assert.equal(dots.filter((d) => d.base).length, 1);
  assert.ok(dots[0].cy < dots[dots.length - 1].cy, "the dearest value is drawn highest");
  await checkLayout(page, 1366);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await checkLayout(page, 1920);
  await screenshot(page, "sweep");

  // the sweep's HTML export is the CLI's report
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#sweep-html")]);
  const html = readFileSync(await dl.path(), "utf8");
  assert.equal(html, cli(["sweep", SCHEME, "--vary", "DM020.upper=60%..90% step 5%", "--format", "html"]), "the report `qofrules sweep --format html` writes");

  // another lever sweeps again by itself: £ per point, around the scheme's £187.74
  await page.selectOption("#sweep-lever", "pounds_per_point");
  await page.waitForFunction(() => document.querySelector("#sweep-table caption")?.textContent?.startsWith("pounds per point"), null, { timeout: 60_000 });
  await waitState(page, "#sweep", ["done"]);
  assert.equal(await page.isDisabled("#sweep-indicator"), true);
  assert.deepEqual([await page.inputValue("#sweep-from"), await page.inputValue("#sweep-to")], ["172.74", "202.74"]);
  const ppp = JSON.parse(cli(["sweep", SCHEME, "--vary", "pounds_per_point=172.74..202.74 step 5", "--format", "json"]));
  const pppRows = await tableRows(page);
  assert.deepEqual(pppRows.map((r) => decimal(r.cells[1])), ppp.points.map((p) => p.total));
  assert.deepEqual(pppRows.map((r) => r.cells[3]), ppp.points.map((p) => `${p.gaining} +`));

  // a bad range is a message, not a crash
  await page.fill("#sweep-step", "five");
  await page.waitForSelector('#sweep-status[data-state="error"]');
  assert.match(await page.textContent("#sweep-status"), /numbers such as/);
  await page.fill("#sweep-step", "5");
  await waitState(page, "#sweep", ["done"]);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("the sweep follows the text: an edit of the scheme sweeps again", async () => {
  const { page, errors } = await openPage(browser);
  await setEditorText(page, MINI);
  await page.click("#tab-sweep");
  assert.equal(await waitState(page, "#sweep", ["done", "error"], 120_000), "done", await page.textContent("#sweep-status"));
  assert.equal(await page.inputValue("#sweep-indicator"), "DM020");
  const before = await page.getAttribute("#sweep-base", "data-value");
  // 17 points to 34: the scheme as written costs more, and the panel shows it unasked
  await setEditorText(page, MINI.replace("points 17,", "points 34,"));
  await page.waitForFunction((b) => {
    const el = document.querySelector("#sweep-base");
    return el && el.getAttribute("data-value") !== b && document.querySelector("#sweep")?.dataset.state === "done";
  }, before, { timeout: 60_000 });
  const after = await page.getAttribute("#sweep-base", "data-value");
  assert.ok(Number(after) > Number(before), `${after} > ${before}`);
  // an unknown lever is the engine's message
  await page.selectOption("#sweep-lever", "lower");
  await page.fill("#sweep-from", "80");
  await page.fill("#sweep-to", "90");
  await page.waitForSelector('#sweep-status[data-state="error"]', { timeout: 60_000 });
  assert.match(await page.textContent("#sweep-status"), /✖ error.*DM020/);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("the eval report opens as a page: `qofrules eval --format html`'s report, with no request", async () => {
  const { page, errors } = await openPage(browser);
  await page.selectOption("#scheme-picker", "rules/qof-2019-20.qof");
  await waitState(page, "#results", ["done"], 120_000);
  const requests = [];
  page.context().on("request", (r) => requests.push(r.url()));
  const [tab] = await Promise.all([page.context().waitForEvent("page"), page.click("#report-open")]);
  await tab.waitForURL(/^blob:/, { timeout: 60_000 });
  await tab.waitForLoadState("load");
  const html = await tab.evaluate(() => document.documentElement.outerHTML);
  const total = await page.getAttribute("#total-payment", "data-value");
  assert.ok(html.includes(`data-total-payment="${total}"`), "the report's total is the results panel's");
  assert.ok((await tab.locator("svg").count()) > 0, "the report draws its charts");
  assert.ok(requests.every((u) => u.startsWith("blob:")), `no request but the report itself: ${requests.join(", ")}`);
  const box = await tab.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(box <= 0, "the report fits the window");
  await screenshot(tab, "eval-report-from-page");
  await tab.close();
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#report-download")]);
  assert.equal(dl.suggestedFilename(), "qof_2019_20-report.html");
  assert.equal(readFileSync(await dl.path(), "utf8"), cli(["eval", SCHEME, "--format", "html"]), "the report `qofrules eval --format html` writes");
  assert.deepEqual(errors, []);
  await page.context().close();
});
