// The editor in headless Chromium: QOF 2019/20 on about 50,000 synthetic patients generated in
// the page, then an edit; reports the evaluation time the engine worker measured (check,
// compile, evaluate, pay) and the time from the keystroke to the results on screen: drawn,
// then laid out and painted (the page's `qof:painted` mark, a frame after drawing). Needs
// QOFRULES_URL (cargo xtask bench serves www/dist). The edit changes one indicator's window
// (`windowText` in common.mjs); the old edit, a comment, is timed too, for comparison.
import { launchChromium } from "../tests/browser.mjs";
import { ITERATIONS, POPULATION, report, windowText } from "./common.mjs";

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
  await page.goto(process.env.QOFRULES_URL);
  await page.waitForSelector('#results[data-state="done"]', { timeout: 120_000 });
  await page.selectOption("#population-kind", "synthetic");
  await page.selectOption("#synth-ccg", POPULATION.ccg);
  await page.fill("#synth-scale", String(POPULATION.scale));
  await page.fill("#synth-seed", String(POPULATION.seed));
  await page.click("#synth-go");
  await page.waitForSelector('#population-status[data-state="ready"]', { timeout: 120_000 });
  const patients = Number((await page.textContent("#population-status")).match(/([\d,]+) patients/)[1].replace(/,/g, ""));
  await page.waitForFunction(() => document.querySelector("#results")?.textContent?.includes("scale 0.15"), null, { timeout: 120_000 });
  await page.waitForSelector('#results[data-state="done"]', { timeout: 120_000 });
  // what the results say of AF006 (its rows' text)
  const af006 = () =>
    page.$$eval("#results tr", (rows) => rows.filter((r) => r.querySelector("th")?.textContent?.trim() === "AF006").map((r) => r.textContent).join("\n"));
  // One edit typed in the page, timed from the keystroke to the new results painted; its
  // marks (main.ts) in ms after the keystroke; the engine worker's evaluation time.
  const timeEdit = async (type) => {
    const before = await page.getAttribute("#results", "data-ms");
    const shown = await af006();
    await page.evaluate(() => performance.clearMarks());
    const t0 = Date.now();
    await type();
    await page.waitForFunction(
      (b) => {
        const r = document.querySelector("#results");
        // the new results drawn and painted: the page marks `qof:painted` a frame after
        // drawing them (main.ts), and this edit's marks are the only ones
        return r?.dataset.state === "done" && r.dataset.ms !== b && performance.getEntriesByName("qof:painted").length > 0;
      },
      before,
      { timeout: 120_000, polling: 5 },
    );
    const wall = Date.now() - t0;
    const phases = await page.evaluate(() => {
      const marks = performance.getEntriesByType("mark").filter((m) => m.name.startsWith("qof:"));
      const edit = marks.find((m) => m.name === "qof:edit")?.startTime ?? 0;
      return marks.map((m) => `${m.name.slice(4)} ${Math.round(m.startTime - edit)}`).join(", ");
    });
    const worker = Number(await page.getAttribute("#results", "data-ms"));
    const changed = (await af006()) !== shown;
    return { wall, phases, worker, changed };
  };
  const show = (name, runs) =>
    runs.forEach((r, k) => console.log(`  ${name} ${k}: ms after the keystroke: ${r.phases} (the engine worker's evaluation: ${Math.round(r.worker)}; seen by the bench: ${r.wall})`));

  // The edit timed: AF006's achievement window shortened by a month (common.mjs), found with
  // the editor's search (Ctrl+F, as a user would), then typed over the selected match, so the
  // results of one indicator change and every text is new.
  const semantic = [];
  for (let i = 0; i < ITERATIONS; i++) {
    await page.click("#editor .cm-content");
    await page.keyboard.press("Control+f");
    // typed, not filled: the search panel reads its field on key events
    await page.keyboard.type(windowText(12 - i));
    await page.keyboard.press("Enter");
    await page.keyboard.press("Escape");
    const run = await timeEdit(() => page.keyboard.insertText(windowText(11 - i)));
    if (!run.changed) throw new Error(`edit ${i} left AF006's results as they were: the edit is not the one intended`);
    semantic.push(run);
  }
  show("window edit", semantic);
  // The old edit, for comparison: a comment typed at the end (the results do not change).
  const comment = [];
  for (let i = 0; i < ITERATIONS; i++) {
    await page.click("#editor .cm-content");
    await page.keyboard.press("Control+End");
    const run = await timeEdit(() => page.keyboard.insertText(`\n// edit ${i}`));
    if (run.changed) throw new Error(`the comment ${i} changed AF006's results`);
    comment.push(run);
  }
  show("comment edit", comment);
  report("page/evaluate_qof_2019_20_after_edit", patients, semantic.map((r) => r.worker));
  report("page/keystroke_to_results_qof_2019_20", patients, semantic.map((r) => r.wall));
  report("page/keystroke_to_results_qof_2019_20_comment_edit", patients, comment.map((r) => r.wall));
} finally {
  await browser.close();
}
