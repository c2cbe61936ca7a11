// Browser tests of the page's layout: at common laptop and desktop widths the page never
// scrolls sideways, both compare editors are fully on screen, the comparison scrolls inside
// its own box, and the separators resize the areas.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPage, screenshot, waitState, useBrowser } from "./helpers.mjs";

const browser = useBrowser();

/** Scroll sizes of the page and of an element. */
function sizes(page, selector) {
  return page.evaluate((sel) => {
    const d = document.documentElement;
    const el = sel ? document.querySelector(sel) : null;
    return {
      pageScrollWidth: d.scrollWidth,
      pageClientWidth: d.clientWidth,
      pageScrollHeight: d.scrollHeight,
      innerHeight: window.innerHeight,
      scrollX: window.scrollX,
      el: el && { scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, scrollHeight: el.scrollHeight, clientHeight: el.clientHeight, scrollLeft: el.scrollLeft },
    };
  }, selector);
}

/** The box of `selector` once it has stopped moving (two reads 50 ms apart agree): the
 * compare view lays itself out again when its comparison arrives, and a drag measured against
 * a box taken before that moved by less than it should (seen once in CI: 90 px for 120). */
async function settledBox(page, selector) {
  let last = await box(page, selector);
  for (let i = 0; i < 40; i++) {
    await page.waitForTimeout(50);
    const now = await box(page, selector);
    if (now.x === last.x && now.y === last.y && now.width === last.width && now.height === last.height) return now;
    last = now;
  }
  return last;
}

async function box(page, selector) {
  const b = await page.locator(selector).boundingBox();
  assert.ok(b, `${selector} is shown`);
  return b;
}

for (const [width, height] of [[1366, 768], [1920, 1080]]) {
  test(`compare at ${width} px: both editors fully visible, no sideways scroll, the comparison scrolls by itself`, async () => {
    const { page, errors } = await openPage(browser, "", { width, height });
    await page.click("#mode-compare");
    assert.equal(await waitState(page, "#compare-results", ["done", "error"], 120_000), "done");
    const a = await box(page, "#editor-a");
    const b = await box(page, "#editor-b");
    for (const [name, e] of [["A", a], ["B", b]]) {
      assert.ok(e.x >= 0 && e.x + e.width <= width + 0.5, `editor ${name} spans ${e.x}..${e.x + e.width} of ${width} px`);
      assert.ok(e.y >= 0 && e.y + e.height <= height, `editor ${name} spans ${e.y}..${e.y + e.height} of ${height} px in height`);
      assert.ok(e.height >= 200, `editor ${name} is ${e.height} px high`);
    }
    // side by side, each about half the width
    assert.ok(Math.abs(a.width - b.width) <= 2, `equal widths (${a.width}, ${b.width})`);
    assert.ok(a.width >= width / 2 - 10, `editor A is ${a.width} px wide`);
    assert.ok(b.x >= a.x + a.width - 1, "B is right of A");

    let s = await sizes(page, "#compare-results");
    assert.ok(s.pageScrollWidth <= s.pageClientWidth, `page is ${s.pageScrollWidth} px wide in ${s.pageClientWidth}`);
    assert.ok(s.pageScrollHeight <= s.innerHeight, `page is ${s.pageScrollHeight} px high in ${s.innerHeight}`);
    // the comparison is longer than its box and scrolls inside it
    assert.ok(s.el.scrollHeight > s.el.clientHeight, "the comparison has its own scroll");
    const results = await box(page, "#compare-results");
    assert.ok(results.y + results.height <= height + 0.5, "the comparison's box ends on screen");

    // a long line typed in B scrolls inside B: the page and the columns stay put
    await page.click("#editor-b .cm-line >> nth=0");
    await page.keyboard.press("End");
    await page.keyboard.type(` ${"x".repeat(400)}`);
    const b2 = await box(page, "#editor-b");
    assert.deepEqual([b2.x, b2.width], [b.x, b.width], "editor B keeps its place and width");
    s = await sizes(page, "#editor-b .cm-scroller");
    assert.equal(s.scrollX, 0, "the page did not scroll sideways");
    assert.ok(s.pageScrollWidth <= s.pageClientWidth, "the page is no wider");
    assert.ok(s.el.scrollWidth > s.el.clientWidth && s.el.scrollLeft > 0, "editor B scrolled inside itself");
    assert.equal(await page.evaluate(() => document.querySelector("#compare-view").scrollLeft), 0);
    await page.keyboard.press("Control+z");
    if (width === 1920) await screenshot(page, "compare-layout");
    assert.deepEqual(errors, []);
    await page.context().close();
  });
}

test("the separators resize editors and results, by mouse and keyboard, and are remembered", async () => {
  const { page, errors } = await openPage(browser, "", { width: 1366, height: 768 });
  // edit view: drag the vertical separator 200 px to the right
  const editor = await box(page, "#editor");
  const handle = await box(page, "#edit-splitter");
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(handle.x + 200, handle.y + handle.height / 2, { steps: 5 });
  await page.mouse.up();
  const wider = await box(page, "#editor");
  assert.ok(Math.abs(wider.width - editor.width - 200) <= 8, `the editor grew from ${editor.width} to ${wider.width} px`);
  const panel = await box(page, "#panel-results");
  assert.ok(panel.x + panel.width <= 1366 + 0.5, "the panels stay on screen");
  // keyboard: ArrowLeft moves it back 2% a press
  const before = Number(await page.getAttribute("#edit-splitter", "aria-valuenow"));
  await page.focus("#edit-splitter");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowLeft");
  assert.equal(Number(await page.getAttribute("#edit-splitter", "aria-valuenow")), before - 4);

  // compare view: drag the horizontal separator 120 px down; the editors grow by as much
  await page.click("#mode-compare");
  await page.waitForSelector("#editor-b .cm-line");
  // the comparison's marks fill the editors' toolbars (which may then wrap): measure after it
  await waitState(page, "#compare-results", ["done", "error"], 120_000);
  await settledBox(page, "#compare-splitter");
  const ed = await settledBox(page, "#editor-a");
  const h = await box(page, "#compare-splitter");
  await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
  await page.mouse.down();
  await page.mouse.move(h.x + h.width / 2, h.y + 120, { steps: 5 });
  await page.mouse.up();
  const taller = await settledBox(page, "#editor-a");
  assert.ok(Math.abs(taller.height - ed.height - 120) <= 8, `editor A grew from ${ed.height} to ${taller.height} px`);
  const s = await sizes(page);
  assert.ok(s.pageScrollHeight <= s.innerHeight, "the page still does not scroll");

  // both splits are remembered
  await page.reload();
  await page.waitForSelector("#editor .cm-line");
  assert.ok(Math.abs((await box(page, "#editor")).width - (wider.width - 0.04 * (await box(page, "#edit-view")).width)) <= 8, "the edit split is remembered");
  assert.deepEqual(errors, []);
  await page.context().close();
});
