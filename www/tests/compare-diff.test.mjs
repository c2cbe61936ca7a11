// Browser test of compare's inline diff and impact charts (issue #16): QOF 2024/25 against
// QOF 2025/26 on the default population. Each `change`, new `indicator` and retired name that
// scheme B's text writes is marked on its line with the comparison's status (as `qofrules
// compare --format json` gives it), nothing else is; the change per indicator and the practices'
// distribution are drawn from the CLI's figures and fit the comparison at 1366 and 1920 px; F7,
// Shift-F7 and the Next and Previous change buttons move between the marked changes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openPage, repoRoot, screenshot, waitState, cli, useBrowser } from "./helpers.mjs";

const A = join(repoRoot, "rules", "qof-2024-25.qof");
const B = join(repoRoot, "rules", "qof-2025-26.qof");

const browser = useBrowser({ cli: true });

/** Every rendered line of an editor, top to bottom, scrolling it through (CodeMirror draws
 * only the lines near the viewport): `{n, text, diff, indicator}` with 1-based line numbers. */
async function allLines(page, editor) {
  const seen = new Map();
  const scroller = `${editor} .cm-scroller`;
  await page.$eval(scroller, (s) => (s.scrollTop = 0));
  for (;;) {
    const batch = await page.$eval(editor, (root) => {
      const view = root.querySelector(".cm-content");
      const gutter = [...root.querySelectorAll(".cm-lineNumbers .cm-gutterElement")].filter((g) => g.textContent !== "");
      const lines = [...view.querySelectorAll(".cm-line")];
      // line numbers: the gutter's elements line up with the content's lines by position
      return lines.map((l) => {
        const top = l.getBoundingClientRect().top;
        const g = gutter.find((x) => Math.abs(x.getBoundingClientRect().top - top) < 2);
        return { n: g ? Number(g.textContent) : null, text: l.textContent, diff: l.dataset.diff ?? null, indicator: l.dataset.indicator ?? null };
      });
    });
    for (const l of batch) if (l.n !== null) seen.set(l.n, l);
    const done = await page.$eval(scroller, (s) => {
      const end = s.scrollTop + s.clientHeight >= s.scrollHeight - 1;
      s.scrollTop += s.clientHeight * 0.8;
      return end;
    });
    if (done) break;
    await page.waitForTimeout(30);
  }
  return [...seen.values()].sort((x, y) => x.n - y.n);
}

test("compare: B's rule changes marked on their lines, and the impact by indicator and by practice", async () => {
  const cmp = JSON.parse(cli(["compare", A, B, "--format", "json"]));
  const status = new Map(cmp.indicators.map((i) => [i.id, i.status]));
  const { page, errors } = await openPage(browser, "", { width: 1366, height: 800 });
  await page.click("#mode-compare");
  assert.equal(await waitState(page, "#compare-results", ["done", "error"], 120_000), "done");

  // what B's text writes, read here from the file: the marks expected on each line
  const text = readFileSync(B, "utf8").split("\n");
  const expected = new Map();
  let markCount = 0;
  text.forEach((line, k) => {
    let m = /^(?:change|indicator|network indicator)\s+(\w+)/.exec(line);
    if (m && ["changed", "added"].includes(status.get(m[1]))) {
      expected.set(k + 1, status.get(m[1]));
      markCount++;
    }
    m = /^retire\s+(.*?)(\s*\/\/.*)?$/.exec(line);
    const retired = m ? m[1].split(/\s*,\s*/).filter((id) => status.get(id) === "retired") : [];
    if (retired.length) {
      expected.set(k + 1, "retired");
      markCount += retired.length;
    }
    if (/^scheme\s/.test(line) && cmp.header.length) {
      expected.set(k + 1, "changed");
      markCount++;
    }
  });
  assert.ok(expected.size > 10, `B writes many changes (${expected.size})`);
  const lines = await allLines(page, "#editor-b");
  // the first line of each mark has the expected status; a line outside every change is bare
  const firsts = lines.filter((l, k) => l.diff && (k === 0 || lines[k - 1].diff === null || lines[k - 1].indicator !== l.indicator));
  for (const [n, st] of expected) {
    const l = lines.find((x) => x.n === n);
    assert.ok(l, `line ${n} rendered`);
    assert.equal(l.diff, st, `line ${n} (${l.text.slice(0, 40)}) is marked ${st}`);
  }
  for (const l of firsts) assert.ok(expected.has(l.n), `line ${l.n} (${l.text.slice(0, 40)}) is marked ${l.diff} and should not start a mark`);
  const hf003 = lines.find((l) => l.text.startsWith("change HF003"));
  assert.equal(hf003.diff, "changed");
  assert.equal(await page.textContent("#marks-b"), `${markCount} changes marked`);
  // the marked lines have their sign in the diff gutter (back at the top, where the header is)
  await page.$eval("#editor-b .cm-scroller", (s) => (s.scrollTop = 0));
  await page.waitForSelector("#editor-b .cm-diff-gutter .cm-diff-sign");
  const signs = await page.$$eval("#editor-b .cm-diff-gutter .cm-diff-sign", (s) => s.map((x) => x.textContent));
  assert.ok(signs.length > 0 && signs.every((s) => ["+", "~", "−"].includes(s)));

  // F7 and Shift-F7 (and the buttons) move the cursor to the next and previous change's line
  const starts = firsts.map((l) => l.n).sort((x, y) => x - y);
  const cursorLine = async () => Number(await page.textContent("#editor-b .cm-lineNumbers .cm-activeLineGutter"));
  await page.click("#editor-b .cm-line >> nth=0");
  await page.keyboard.press("Control+Home");
  const below = starts.filter((n) => n > 1);
  assert.ok(below.length >= 3, "changes to move between");
  await page.keyboard.press("F7");
  assert.equal(await cursorLine(), below[0], "F7: the first change below the cursor");
  await page.keyboard.press("F7");
  assert.equal(await cursorLine(), below[1], "F7 again: the next one");
  await page.keyboard.press("Shift+F7");
  assert.equal(await cursorLine(), below[0], "Shift-F7: back to the previous one");
  await page.click("#next-change-b");
  assert.equal(await cursorLine(), below[1], "the Next change button");
  await page.click("#prev-change-b");
  assert.equal(await cursorLine(), below[0], "the Previous change button");
  await page.keyboard.press("Control+End");
  await page.keyboard.press("F7");
  assert.equal(await cursorLine(), starts[0], "after the last change, F7 wraps round to the first");
  assert.ok(await page.isVisible(`#editor-b .cm-activeLine`), "the change is scrolled into view");
  await screenshot(page, "compare-next-change");

  // the impact per indicator: a bar for each indicator whose payment changed, the CLI's change
  const moved = cmp.indicators.filter((i) => !/^-?0\.00$/.test(i.delta.payment));
  const bars = await page.$$eval("#indicator-chart g.ind-bar", (gs) => gs.map((g) => ({ id: g.dataset.indicator, delta: g.dataset.delta, text: g.querySelector("text:last-of-type").textContent })));
  assert.equal(bars.length, moved.length);
  assert.deepEqual(new Map(bars.map((b) => [b.id, b.delta])), new Map(moved.map((i) => [i.id, i.delta.payment])));
  for (let k = 1; k < bars.length; k++) assert.ok(Number(bars[k - 1].delta) >= Number(bars[k].delta), "largest gain first");
  assert.ok(bars.every((b) => /^[+−]£[\d,]+\.\d\d$/.test(b.text)), "signed amounts in text");
  // the practices' distribution: the comparison's bands, every practice in one
  const bands = await page.$$eval("#distribution-chart g.band", (gs) => gs.map((g) => ({ label: g.dataset.label, practices: Number(g.dataset.practices) })));
  assert.deepEqual(bands, cmp.distribution.map((d) => ({ label: d.label, practices: d.practices })));
  assert.equal(bands.reduce((a, b) => a + b.practices, 0), cmp.practices.length);

  for (const [width, height] of [[1366, 800], [1920, 1080]]) {
    await page.setViewportSize({ width, height });
    const box = await page.evaluate(() => {
      const r = document.querySelector("#compare-results").getBoundingClientRect();
      const ch = [...document.querySelectorAll(".impact-charts svg")].map((s) => s.getBoundingClientRect());
      return { right: r.right, left: r.left, charts: ch.map((c) => ({ left: c.left, right: c.right, w: c.width })), page: document.documentElement.scrollWidth - window.innerWidth };
    });
    assert.ok(box.page <= 0, `${width} px: no sideways page scroll`);
    for (const c of box.charts) assert.ok(c.w > 200 && c.left >= box.left - 1 && c.right <= box.right + 1, `${width} px: a chart fits the comparison ${JSON.stringify(box)}`);
    await page.$eval(".impact-charts", (e) => e.scrollIntoView());
    if (width === 1920) await screenshot(page, "compare-impact");
  }
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("compare: the same scheme on both sides marks nothing", async () => {
  const { page, errors } = await openPage(browser);
  await page.click("#mode-compare");
  assert.equal(await waitState(page, "#compare-results", ["done", "error"], 120_000), "done");
  assert.ok((await page.locator("#editor-b .cm-line[data-diff]").count()) > 0);
  await page.selectOption("#picker-b", "rules/qof-2024-25.qof");
  await page.waitForFunction(() => document.querySelector("#marks-b")?.textContent === "" && document.querySelector("#compare-results")?.dataset.state === "done", null, { timeout: 120_000 });
  assert.equal(await page.locator("#editor-a .cm-line[data-diff], #editor-b .cm-line[data-diff]").count(), 0);
  assert.match(await page.textContent("#indicator-chart"), /no indicator's payment changed/);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("compare: reporting strata of the stratified scheme, as `qofrules compare` gives them", async () => {
  const a = join(repoRoot, "rules", "qof-2019-20.qof");
  const b = join(repoRoot, "rules", "qof-2019-20-stratified.qof");
  const cmp = JSON.parse(cli(["compare", a, b, "--format", "json"]));
  assert.ok(cmp.reports.length > 0);
  const { page, errors } = await openPage(browser, "", { width: 1366, height: 800 });
  await page.click("#mode-compare");
  await waitState(page, "#compare-results", ["done", "error"], 120_000);
  await page.selectOption("#picker-a", "rules/qof-2019-20.qof");
  await page.selectOption("#picker-b", "rules/qof-2019-20-stratified.qof");
  await page.waitForFunction(() => document.querySelector("#compare-strata") && document.querySelector("#compare-results")?.dataset.state === "done", null, { timeout: 120_000 });
  const rows = await page.$$eval("#compare-strata tbody tr", (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent)));
  const n = (x) => (x === undefined ? "–" : x.toLocaleString("en-GB"));
  assert.deepEqual(
    rows,
    cmp.reports.map((r) => [r.indicator, r.dimension, r.class, n(r.a?.denominator), n(r.b?.denominator), n(r.a?.numerator), n(r.b?.numerator), n(r.a?.pcas), n(r.b?.pcas), r.a ? (r.achieved_a ?? "") : "–", r.b ? (r.achieved_b ?? "") : "–"]),
  );
  // A reports nothing, B by age band
  assert.ok(rows.every((r) => r[3] === "–" && r[1] === "age band"));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, "no sideways page scroll");
  await page.$eval("#compare-strata", (e) => e.scrollIntoView());
  await screenshot(page, "compare-strata");
  // the exported report is the CLI's, strata included
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#compare-html")]);
  const html = readFileSync(await dl.path(), "utf8");
  assert.ok(html.includes("<h2>Reporting strata</h2>"));
  assert.equal(html, cli(["compare", a, b, "--format", "html"]));
  assert.deepEqual(errors, []);
  await page.context().close();
});
