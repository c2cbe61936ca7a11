// Browser tests of the smaller parts of the page: stale test results, asking before losing
// edits, the population status, the help dialog, sortable tables, line wrapping, dark mode.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MINI, editorText, openPage, screenshot, setEditorText, waitState, useBrowser } from "./helpers.mjs";

const browser = useBrowser();

test("test results are marked stale after an edit, and fresh after running again", async () => {
  const { page, errors } = await openPage(browser);
  await setEditorText(page, MINI);
  await page.click("#tab-tests");
  await page.click("#run-tests");
  assert.equal(await waitState(page, "#tests", ["done", "error"]), "done");
  assert.equal(await page.isVisible("#tests-stale"), false);
  await page.click("#editor .cm-content");
  await page.keyboard.press("Control+End");
  await page.keyboard.type("// edited");
  assert.equal(await page.getAttribute("#tests", "data-state"), "stale");
  assert.match(await page.textContent("#tests-stale"), /stale: the text changed/);
  assert.equal(await page.isVisible("#tests-stale"), true);
  await page.click("#run-tests");
  assert.equal(await waitState(page, "#tests", ["done", "error"]), "done");
  assert.equal(await page.isVisible("#tests-stale"), false);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("picking a scheme asks before replacing edited text; no means the text stays", async () => {
  const { page, errors } = await openPage(browser);
  await setEditorText(page, MINI);
  await page.waitForFunction(() => document.querySelector("#scheme-picker")?.value === "");
  const asked = [];
  page.once("dialog", (d) => {
    asked.push(d.message());
    void d.dismiss();
  });
  await page.selectOption("#scheme-picker", "rules/qof-2019-20.qof");
  assert.equal(asked.length, 1, "the user was asked");
  assert.match(asked[0], /^Replace the edited text with qof-2019-20\.qof\?/);
  assert.equal(await editorText(page), MINI, "the edited text stays");
  assert.equal(await page.inputValue("#scheme-picker"), "");

  page.once("dialog", (d) => void d.accept());
  await page.selectOption("#scheme-picker", "rules/qof-2019-20.qof");
  await page.waitForFunction(() => document.querySelector("#editor .cm-content")?.textContent?.includes("scheme qof_2019_20"));
  // a shipped scheme's text is not an edit: picking another asks nothing
  let askedAgain = false;
  page.once("dialog", (d) => {
    askedAgain = true;
    void d.dismiss();
  });
  await page.selectOption("#scheme-picker", "rules/qof-2018-19.qof");
  await page.waitForFunction(() => document.querySelector("#editor .cm-content")?.textContent?.includes("scheme qof_2018_19"));
  assert.equal(askedAgain, false);
  page.removeAllListeners("dialog");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("the population status is shown whole at 1366 px, and an old error goes when switching back", async () => {
  const { page, errors } = await openPage(browser, "", { width: 1366, height: 768 });
  await page.waitForSelector('#population-status[data-state="ready"]');
  const fits = () => page.evaluate(() => {
    const s = document.querySelector("#population-status");
    const b = s.getBoundingClientRect();
    return { text: s.textContent, whole: s.scrollWidth <= s.clientWidth + 1 && b.right <= window.innerWidth, page: document.documentElement.scrollWidth <= window.innerWidth };
  });
  let f = await fits();
  assert.match(f.text, /^✔ NHS Dudley CCG at scale 0\.05, seed 2020: 44 practices, [\d,]+ patients$/);
  assert.ok(f.whole && f.page, JSON.stringify(f));
  // a bad file: an error; back to the default: the error is gone
  await page.selectOption("#population-kind", "files");
  await page.setInputFiles("#population-files", { name: "patients.ndjson", mimeType: "application/x-ndjson", buffer: Buffer.from('{"patient_id": 3}\n') });
  await page.waitForSelector('#population-status[data-state="error"]', { timeout: 30_000 });
  await page.selectOption("#population-kind", "default");
  await page.waitForSelector('#population-status[data-state="ready"]');
  f = await fits();
  assert.match(f.text, /^✔ NHS Dudley CCG/);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("help: a problem's docs/language.md is a link to the bundled reference, which a search filters", async () => {
  const { page, errors } = await openPage(browser);
  // a file that does not start with a statement: the help names the reference
  await setEditorText(page, "bogus\n");
  const link = page.locator("#problems a.doc-link");
  await link.waitFor({ timeout: 10_000 });
  await link.click();
  assert.equal(await page.isVisible("#help"), true);
  const all = await page.locator("#help-doc section:not([hidden])").count();
  assert.ok(all > 10, `${all} sections`);
  await page.fill("#help-search", "stratum");
  const some = await page.locator("#help-doc section:not([hidden])").count();
  assert.ok(some > 0 && some < all, `${some} of ${all} sections mention stratum`);
  for (const t of await page.locator("#help-doc section:not([hidden])").allTextContents()) assert.match(t.toLowerCase(), /stratum/);
  assert.match(await page.textContent("#help-count"), new RegExp(`^${some} sections? mention`));
  await screenshot(page, "help");
  await page.click("#help-close");
  assert.equal(await page.isVisible("#help"), false);
  // F1 opens it too
  await page.keyboard.press("F1");
  assert.equal(await page.isVisible("#help"), true);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("tables sort by a column; Format says so; line wrapping is a toggle", async () => {
  const { page, errors } = await openPage(browser);
  assert.equal(await waitState(page, "#results", ["done", "error"], 120_000), "done");
  const practices = page.locator("#results table").last();
  const payments = async () => (await practices.locator("tbody tr td:last-child").allTextContents()).map((t) => Number(t.replace(/[£,]/g, "")));
  const head = practices.locator("thead th", { hasText: "Payment" });
  await head.click();
  let p = await payments();
  assert.deepEqual(p, [...p].sort((a, b) => a - b), "ascending");
  assert.equal(await head.getAttribute("aria-sort"), "ascending");
  await head.click();
  p = await payments();
  assert.deepEqual(p, [...p].sort((a, b) => b - a), "descending");
  assert.ok(p[0] > p.at(-1));

  // Format keeps its note on the status line after the re-check
  await setEditorText(page, MINI.replace("codelist DM_COD", "codelist    DM_COD"));
  await page.click("#format");
  await page.waitForFunction(() => /· formatted$/.test(document.querySelector("#editor-status")?.textContent ?? ""), null, { timeout: 10_000 });
  const formatted = await editorText(page);
  assert.ok(formatted.includes("\ncodelist DM_COD ") && !formatted.includes("codelist    DM_COD"), "the text was formatted");

  // wrapping: a long line fits the editor's width, and the choice is remembered
  await page.click("#editor .cm-content");
  await page.keyboard.press("Control+End");
  await page.keyboard.type(`// ${"long ".repeat(100)}`);
  const overflow = () => page.evaluate(() => {
    const s = document.querySelector("#editor .cm-scroller");
    return s.scrollWidth > s.clientWidth;
  });
  assert.equal(await overflow(), true);
  await page.check("#wrap-lines");
  assert.equal(await overflow(), false);
  await page.reload();
  await page.waitForSelector("#editor .cm-content.cm-lineWrapping");
  assert.equal(await page.isChecked("#wrap-lines"), true);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("dark mode follows the system", async () => {
  const colours = async (scheme) => {
    const { page, errors } = await openPage(browser, "", { width: 1366, height: 800 }, { colorScheme: scheme });
    await setEditorText(page, MINI);
    await page.waitForSelector("#editor .cm-content span");
    const c = await page.evaluate(() => {
      const bg = getComputedStyle(document.querySelector("#editor .cm-editor .cm-content").closest(".editor")).backgroundColor;
      const kw = [...document.querySelectorAll("#editor .cm-content span")].find((s) => s.textContent === "codelist");
      return { bg, body: getComputedStyle(document.body).backgroundColor, text: getComputedStyle(document.body).color, kw: kw && getComputedStyle(kw).color };
    });
    await screenshot(page, `editor-${scheme}`);
    assert.deepEqual(errors, []);
    await page.context().close();
    return c;
  };
  const luminance = (rgb) => {
    const [r, g, b] = rgb.match(/\d+/g).map(Number);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const light = await colours("light");
  const dark = await colours("dark");
  assert.ok(luminance(light.bg) > 200 && luminance(light.text) < 80, JSON.stringify(light));
  assert.ok(luminance(dark.bg) < 60 && luminance(dark.body) < 60 && luminance(dark.text) > 180, JSON.stringify(dark));
  assert.notEqual(light.kw, dark.kw, "keywords have a colour for each scheme");
});
