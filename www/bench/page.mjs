// The editor in headless Chromium: QOF 2019/20 on about 50,000 synthetic patients generated in
// the page, then an edit; reports the evaluation time the engine worker measured (check,
// compile, evaluate, pay) and the time from the keystroke to the results on screen: drawn,
// then laid out and painted (the page's `qof:painted` mark, a frame after drawing). Needs
// QOFRULES_URL (cargo xtask bench serves www/dist).
import { launchChromium } from "../tests/browser.mjs";
import { ITERATIONS, POPULATION, report } from "./common.mjs";

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
  const worker = [];
  const wall = [];
  const phases = [];
  for (let i = 0; i < ITERATIONS; i++) {
    await page.click("#editor .cm-content");
    await page.keyboard.press("Control+End");
    const before = await page.getAttribute("#results", "data-ms");
    await page.evaluate(() => performance.clearMarks());
    const t0 = Date.now();
    await page.keyboard.insertText(`\n// edit ${i}`);
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
    wall.push(Date.now() - t0);
    // where the time went: each of the page's marks (main.ts), in ms after the keystroke
    phases.push(await page.evaluate(() => {
      const marks = performance.getEntriesByType("mark").filter((m) => m.name.startsWith("qof:"));
      const edit = marks.find((m) => m.name === "qof:edit")?.startTime ?? 0;
      return marks.map((m) => `${m.name.slice(4)} ${Math.round(m.startTime - edit)}`).join(", ");
    }));
    worker.push(Number(await page.getAttribute("#results", "data-ms")));
  }
  phases.forEach((p, k) => console.log(`  ms after the keystroke: ${p} (the engine worker's evaluation: ${Math.round(worker[k])}; seen by the bench: ${wall[k]})`));
  report("page/evaluate_qof_2019_20_after_edit", patients, worker);
  report("page/keystroke_to_results_qof_2019_20", patients, wall);
} finally {
  await browser.close();
}
