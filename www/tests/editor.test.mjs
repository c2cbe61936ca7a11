// Browser tests of the rule editor (playwright-core, Debian's Chromium, headless). Run by
// `cargo xtask test`, which serves www/dist and sets QOFRULES_URL. Screenshots go to
// www/test-results/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { MINI, ccgPracticeIds, editorText, openPage, screenshot, setEditorText, waitState, useBrowser } from "./helpers.mjs";

const browser = useBrowser();

test("an error is underlined at its line and column; fixing it shows results", async () => {
  const { page, errors } = await openPage(browser);
  // the default scheme is evaluated on the default population at start
  assert.equal(await waitState(page, "#results", ["done", "error"]), "done");
  const broken = MINI.replace("where DM_COD }", "where DM_CDO }");
  await setEditorText(page, broken);
  // line 4, column of `DM_CDO` (1-based, UTF-16)
  const line = 4;
  const column = broken.split("\n")[3].indexOf("DM_CDO") + 1;
  const problem = page.locator(`#problems button.problem.error[data-line="${line}"][data-column="${column}"]`);
  await problem.waitFor({ timeout: 10_000 });
  assert.match(await problem.textContent(), /DM_CDO/);
  assert.match(await problem.textContent(), /✖ error 4:/);
  assert.ok((await page.locator("#editor .cm-lintRange-error").count()) >= 1, "the span is underlined");
  assert.equal(await page.getAttribute("#results", "data-state"), "stale");
  await screenshot(page, "diagnostic");

  // jump to the problem: the span is selected; typing the right name replaces it
  await problem.click();
  await page.keyboard.type("DM_COD");
  assert.equal(await editorText(page), MINI);
  await page.waitForSelector("#problems:not(:has(.error))", { state: "attached", timeout: 10_000 });
  await page.waitForFunction(
    () => document.querySelector("#results")?.dataset.state === "done" &&
      document.querySelector("#results dd")?.textContent?.includes("(mini)"),
    null,
    { timeout: 30_000 },
  );
  const rows = await page.locator("#results table").first().locator("tbody tr").count();
  assert.equal(rows, 2, "one row per indicator");
  assert.match(await page.textContent("#total-payment"), /^£[\d,]+\.\d\d$/);
  await screenshot(page, "results");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("the tests panel shows passes, failures and the explanation of a failure", async () => {
  const { page, errors } = await openPage(browser);
  await setEditorText(page, MINI);
  await page.click("#tab-tests");
  await page.click("#run-tests");
  assert.equal(await waitState(page, "#tests", ["done", "error"]), "done");
  assert.equal(await page.textContent("#test-summary"), "1 passed, 1 failed");
  const fail = page.locator("#tests li.fail");
  assert.match(await fail.textContent(), /HbA1c of 70 does not count/);
  assert.match(await fail.textContent(), /expected numerator, got denominator/);
  assert.match(await fail.locator(".explanation").textContent(), /70/);
  await screenshot(page, "tests");

  // the patient explorer explains a patient of the population
  await page.click("#tab-patients");
  await page.waitForSelector("#patient-list option", { state: "attached", timeout: 10_000 });
  await page.click("#explain");
  assert.equal(await waitState(page, "#explanation", ["done", "error"]), "done");
  assert.equal(await page.locator("#explanation details").count(), 2, "a trace per indicator");
  await screenshot(page, "patients");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("autosave keeps the text across reloads, and a share link carries it", async () => {
  const { page, errors } = await openPage(browser);
  await setEditorText(page, MINI);
  await page.waitForTimeout(500);
  await page.reload();
  await page.waitForSelector("#editor .cm-line");
  assert.equal(await editorText(page), MINI);
  await page.click("#share");
  await page.waitForFunction(() => location.hash.startsWith("#s="));
  const url = page.url();
  const fresh = await openPage(browser, "");
  await fresh.page.goto(url);
  await fresh.page.reload();
  await fresh.page.waitForSelector("#editor .cm-line");
  assert.equal(await editorText(fresh.page), MINI);
  assert.deepEqual([...errors, ...fresh.errors], []);
  await fresh.page.context().close();
  await page.context().close();
});

test("a population from the user's own files is read in the page, errors with file and row", async () => {
  const { page, errors } = await openPage(browser);
  await setEditorText(page, MINI);
  await page.selectOption("#population-kind", "files");
  const patient = (id, value) => JSON.stringify({
    patient_id: id, practice_id: "X1", birth_date: "1950-01-01", sex: "female", registered_on: "2000-01-01",
    events: [{ date: "2010-05-01", code: 44054006 }, { date: "2019-10-01", code: 999791000000106, value }],
  });
  const ndjson = `${patient("P1", 57)}\n${patient("P2", 70)}\n`;
  await page.setInputFiles("#population-files", { name: "patients.ndjson", mimeType: "application/x-ndjson", buffer: Buffer.from(ndjson) });
  await page.waitForSelector('#population-status[data-state="ready"]:has-text("2 patients")', { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector("#results")?.dataset.state === "done" &&
    document.querySelector("#results")?.textContent?.includes("patients.ndjson"), null, { timeout: 30_000 });
  // DM020: one of the two diabetics achieved
  const row = page.locator("#results table").first().locator("tbody tr", { hasText: "DM020" });
  assert.match(await row.textContent(), /50\.0%/);
  await screenshot(page, "own-files");

  await page.setInputFiles("#population-files", { name: "patients.ndjson", mimeType: "application/x-ndjson", buffer: Buffer.from(`${patient("P1", 57)}\n{"patient_id": 3}\n`) });
  await page.waitForSelector('#population-status[data-state="error"]', { timeout: 30_000 });
  assert.match(await page.textContent("#population-status"), /patients\.ndjson, row 2/);
  assert.deepEqual(errors, []);
  await page.context().close();
});

/** The practice codes of the results panel's practice table (its last table), in page order. */
async function resultPractices(page) {
  return page.locator("#results table").last().locator("tbody tr th").allTextContents();
}

test("a synthetic CCG chosen in the picker replaces the population: results and patients are its practices'", async () => {
  const { page, errors } = await openPage(browser);
  await setEditorText(page, MINI);
  await page.waitForFunction(() => document.querySelector("#results")?.dataset.state === "done" &&
    document.querySelector("#results dd")?.textContent?.includes("(mini)"), null, { timeout: 60_000 });
  const dudley = ccgPracticeIds("NHS Dudley CCG");
  assert.deepEqual([...(await resultPractices(page))].sort(), dudley, "the default population is Dudley's");

  await page.selectOption("#population-kind", "synthetic");
  assert.equal(await page.isVisible("#synth-controls"), true);
  await page.selectOption("#synth-ccg", "Tower Hamlets");
  await page.fill("#synth-scale", "0.02");
  await page.fill("#synth-seed", "7");
  await page.click("#synth-go");
  const expected = ccgPracticeIds("NHS Tower Hamlets CCG");
  const status = page.locator('#population-status[data-state="ready"]', { hasText: "Tower Hamlets at scale 0.02, seed 7" });
  await status.waitFor({ timeout: 60_000 });
  assert.match(await status.textContent(), new RegExp(`: ${expected.length} practices, [\\d,]+ patients$`));
  // the results follow: one row per practice of the CCG, and no other
  await page.waitForFunction(() => document.querySelector("#results")?.dataset.state === "done" &&
    document.querySelector("#results")?.textContent?.includes("Tower Hamlets at scale 0.02, seed 7"), null, { timeout: 60_000 });
  const shown = await resultPractices(page);
  assert.equal(shown.length, expected.length);
  assert.deepEqual([...shown].sort(), expected);
  assert.ok(!shown.some((id) => dudley.includes(id)), "no Dudley practice is left");
  assert.match(await page.textContent("#results caption >> nth=-1"), new RegExp(`^Practices \\(${expected.length}\\)$`));
  await screenshot(page, "synthetic-ccg");

  // the patient explorer lists the new population's patients
  await page.click("#tab-patients");
  const practiceOf = (option) => /\(([^,()]+),/.exec(option)?.[1];
  await page.waitForFunction((ids) => {
    const o = document.querySelector("#patient-list option")?.textContent ?? "";
    return ids.includes(/\(([^,()]+),/.exec(o)?.[1]);
  }, expected, { timeout: 10_000 });
  const patients = await page.locator("#patient-list option").allTextContents();
  assert.ok(patients.length > 0);
  for (const p of patients) {
    const practice = practiceOf(p);
    assert.ok(practice && expected.includes(practice), `${p} is at a Tower Hamlets practice`);
  }
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("Open loads a .qof file into the editor and checks it; Save downloads the current text", async () => {
  const { page, errors } = await openPage(browser);
  await page.waitForFunction(() => document.querySelector("#scheme-picker")?.value !== "", null, { timeout: 10_000 });
  // a file with an error: the editor shows it and the checker finds the error in it
  const broken = MINI.replace("where DM_COD }", "where DM_CDO }");
  await page.setInputFiles("#open-file", { name: "draft.qof", mimeType: "text/plain", buffer: Buffer.from(broken) });
  const problem = page.locator('#problems button.problem.error[data-line="4"]');
  await problem.waitFor({ timeout: 10_000 });
  assert.match(await problem.textContent(), /DM_CDO/);
  assert.equal(await editorText(page), broken);
  assert.equal(await page.inputValue("#scheme-picker"), "", "no shipped scheme is selected");
  assert.equal(await page.getAttribute("#results", "data-state"), "stale");

  // a good file replaces it, once the user agrees to lose the edited text: no error, and
  // the results are its scheme's
  const asked = [];
  page.once("dialog", (d) => {
    asked.push(d.message());
    void d.accept();
  });
  await page.setInputFiles("#open-file", { name: "mini.qof", mimeType: "text/plain", buffer: Buffer.from(MINI) });
  await page.waitForSelector("#problems:not(:has(.error))", { state: "attached", timeout: 10_000 });
  assert.equal(await editorText(page), MINI);
  assert.equal(asked.length, 1);
  assert.match(asked[0], /^Replace the edited text with mini\.qof\?/);
  await page.waitForFunction(() => document.querySelector("#results")?.dataset.state === "done" &&
    document.querySelector("#results dd")?.textContent?.includes("(mini)"), null, { timeout: 60_000 });
  assert.equal(await page.locator("#results table").first().locator("tbody tr").count(), 2, "its two indicators");

  // Save writes what the editor holds now, edits included, named after the scheme
  const edited = MINI.replace("points 17", "points 18");
  await setEditorText(page, edited);
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#save")]);
  assert.equal(download.suggestedFilename(), "mini.qof");
  assert.equal(readFileSync(await download.path(), "utf8"), edited);
  assert.deepEqual(errors, []);
  await page.context().close();
});
