// The "Other inputs" section: published counts replace the population, a national prevalence
// file replaces the scheme's figures, attested items are paid, and a bad file is shown with its
// file, row and column.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MINI, ccgPracticeIds, openPage, screenshot, setEditorText, useBrowser } from "./helpers.mjs";

const browser = useBrowser();

const csv = (name, text) => ({ name, mimeType: "text/csv", buffer: Buffer.from(text) });
const PREVALENCE = "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\n";

test("published counts, a national prevalence file and their errors, in the page", async () => {
  const { page, errors } = await openPage(browser);
  await setEditorText(page, MINI);
  await page.click("#inputs summary");
  await page.setInputFiles("#counts-files", [
    csv("ach.csv", "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\nZ1,DM020,NUMERATOR,30\nZ1,DM020,DENOMINATOR,40\n"),
    csv("prev.csv", `${PREVALENCE}Z1,DM,45,17OV,600\nZ1,AF,10,TOTAL,800\n`),
  ]);
  await page.waitForFunction(() => document.querySelector("#population-status")?.textContent?.includes("ach.csv"), null, { timeout: 30_000 });
  assert.match(await page.textContent("#population-status"), /ach\.csv, prev\.csv: 1 practices/);
  // the results are the counts' practice, not the default population's
  await page.waitForFunction(() => document.querySelector("#results")?.dataset.state === "done" &&
    document.querySelector("#results")?.textContent?.includes("Z1"), null, { timeout: 30_000 });
  const row = page.locator("#results table").first().locator("tbody tr", { hasText: "DM020" });
  assert.match(await row.textContent(), /75\.0%/);

  await page.setInputFiles("#national-file", csv("national.csv", `${PREVALENCE}X,DM,1,17OV,20\n`));
  await page.waitForFunction(() => document.querySelector("#inputs-status")?.textContent?.includes("national.csv"), null, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector("#results")?.textContent?.includes("national.csv"), null, { timeout: 30_000 });

  await page.setInputFiles("#national-file", csv("bad.csv", `${PREVALENCE}X,DM,many,17OV,20\n`));
  await page.waitForFunction(() => document.querySelector("#inputs-status")?.dataset.state === "error", null, { timeout: 30_000 });
  assert.match(await page.textContent("#inputs-status"), /bad\.csv, row 2, column REGISTER/);
  await screenshot(page, "inputs-counts");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("attested items and historic achievement: read in the page, paid, and a bad row named", async () => {
  const { page, errors } = await openPage(browser);
  const scheme = `${MINI}indicator QI001 "Quality improvement" { group QI, domain QI, points 27, attested }\n`;
  await setEditorText(page, scheme);
  const payment = async () => {
    await page.waitForSelector('#results[data-state="done"]', { timeout: 60_000 });
    const row = page.locator("#results table").first().locator("tbody tr", { hasText: "QI001" });
    return (await row.locator("td").last().textContent()).trim();
  };
  await page.waitForFunction(() => document.querySelector("#results")?.textContent?.includes("QI001"), null, { timeout: 60_000 });
  assert.notEqual(await payment(), "£0.00", "the default population's own attestations are paid");
  await page.click("#inputs summary");

  // a file in place of the population's: no practice met QI001, then only the first did
  const ids = ccgPracticeIds("NHS Dudley CCG");
  /** Waits until the results are done and QI001 is paid nothing (`zero`) or something; its payment. */
  const qi001 = async (zero) => {
    const h = await page.waitForFunction(
      (z) => {
        const r = document.querySelector("#results");
        const row = [...(r?.querySelector("table")?.querySelectorAll("tbody tr") ?? [])].find((tr) => tr.firstElementChild?.textContent === "QI001");
        const paid = row?.lastElementChild?.textContent;
        return r?.dataset.state === "done" && paid !== undefined && (paid === "£0.00") === z && paid;
      },
      zero,
      { timeout: 60_000 },
    );
    return h.jsonValue();
  };
  await page.setInputFiles("#attested-file", csv("attested.csv", `practice_id,item_id,met\n${ids.map((id) => `${id},QI001,no`).join("\n")}\n`));
  await page.waitForFunction(() => document.querySelector("#inputs-status")?.textContent?.includes("attested: attested.csv"), null, { timeout: 30_000 });
  assert.equal(await qi001(true), "£0.00", "no practice attested QI001: nothing paid");
  await page.setInputFiles("#attested-file", csv("attested.csv", `practice_id,item_id,met\n${ids[0]},QI001,yes\n`));
  assert.match(await qi001(false), /^£[\d,]+\.\d\d$/, "one practice attested QI001: it is paid");

  // the files are read when the scheme is run (not when given, unlike the counts and national
  // files): a bad row stops the run, and the results name its file, row and column
  const failed = async (file) => {
    await page.waitForFunction((f) => document.querySelector("#results")?.dataset.state === "error" && document.querySelector("#results")?.textContent?.includes(f), file, { timeout: 60_000 });
    return page.textContent("#results");
  };
  await page.setInputFiles("#historic-file", csv("historic.csv", `practice_id,year,item,points,pounds\n${ids[0]},2018/19,DM020,lots,\n`));
  assert.match(await failed("historic.csv"), /historic\.csv, row 2, column POINTS: expected a number, found `lots`/);
  await page.setInputFiles("#historic-file", []);
  await page.setInputFiles("#attested-file", csv("bad.csv", `practice_id,item_id,met\n${ids[0]},QI001,perhaps\n`));
  assert.match(await failed("bad.csv"), /bad\.csv, row 2, column met/i);
  await screenshot(page, "inputs-attested");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("published counts leave the explorer no patients; choosing the default population lists its patients again", async () => {
  const { page, errors } = await openPage(browser);
  await setEditorText(page, MINI);
  // the default population's patients, one explained
  await page.click("#tab-patients");
  await page.waitForSelector('#patient-count[data-state="done"]', { timeout: 60_000 });
  const listed = await page.locator("#patient-list option").count();
  assert.ok(listed > 0, "the default population lists patients");
  const before = await page.textContent("#patient-count");
  await page.click("#explain");
  await page.waitForFunction(() => document.querySelector("#explanation")?.dataset.state === "done", null, { timeout: 60_000 });

  await page.click("#inputs summary");
  await page.setInputFiles("#counts-files", [
    csv("ach.csv", "PRACTICE_CODE,INDICATOR_CODE,MEASURE,VALUE\nZ1,DM020,NUMERATOR,30\nZ1,DM020,DENOMINATOR,40\n"),
  ]);
  await page.waitForFunction(() => document.querySelector("#population-status")?.textContent?.includes("ach.csv"), null, { timeout: 30_000 });
  // no patient of the earlier population is listed, and the explorer says why
  await page.waitForFunction(() => document.querySelector("#patient-count")?.dataset.state === "empty", null, { timeout: 30_000 });
  assert.equal(await page.textContent("#patient-count"), "published counts have no patients; load a population to explore patients");
  assert.equal(await page.locator("#patient-list option").count(), 0);
  assert.equal((await page.textContent("#explanation")).trim(), "", "the earlier patient's explanation is gone");
  await page.click("#inputs summary"); // closed, so that it covers nothing
  await page.click("#explain");
  assert.equal(await page.textContent("#explanation"), "Choose a patient first.");
  assert.equal(await page.inputValue("#population-kind"), "counts");

  // choosing the default population again lists its patients again
  await page.selectOption("#population-kind", "default");
  await page.waitForFunction(() => document.querySelector("#population-status")?.textContent?.includes("Dudley"), null, { timeout: 60_000 });
  await page.waitForFunction(() => document.querySelector("#patient-count")?.dataset.state === "done", null, { timeout: 60_000 });
  assert.equal(await page.textContent("#patient-count"), before);
  assert.equal(await page.locator("#patient-list option").count(), listed);
  await page.click("#explain");
  await page.waitForFunction(() => document.querySelector("#explanation")?.dataset.state === "done", null, { timeout: 60_000 });
  await screenshot(page, "inputs-counts-no-patients");
  assert.deepEqual(errors, []);
  await page.context().close();
});
