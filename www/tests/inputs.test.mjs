// The "Other inputs" section: published counts replace the population, a national prevalence
// file replaces the scheme's figures, attested items are paid, and a bad file is shown with its
// file, row and column.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchChromium } from "./browser.mjs";
import { MINI, ccgPracticeIds, openPage, screenshot, setEditorText } from "./helpers.mjs";

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

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
  assert.equal(await payment(), "£0.00", "nothing attested: nothing paid");
  await page.click("#inputs summary");

  const [first] = ccgPracticeIds("Dudley");
  await page.setInputFiles("#attested-file", csv("attested.csv", `practice_id,item_id,met\n${first},QI001,yes\n`));
  await page.waitForFunction(() => document.querySelector("#inputs-status")?.textContent?.includes("attested: attested.csv"), null, { timeout: 30_000 });
  await page.waitForFunction(
    () => [...(document.querySelector("#results table")?.querySelectorAll("tbody tr") ?? [])].some((r) => r.textContent.includes("QI001") && !r.lastElementChild.textContent.includes("£0.00")),
    null,
    { timeout: 60_000 },
  );
  assert.notEqual(await payment(), "£0.00", "one practice attested QI001: it is paid");

  await page.setInputFiles("#historic-file", csv("historic.csv", `practice_id,year,item,points,pounds\n${first},2018/19,DM020,lots,\n`));
  await page.waitForFunction(() => document.querySelector("#inputs-status")?.dataset.state === "error", null, { timeout: 30_000 });
  assert.match(await page.textContent("#inputs-status"), /historic\.csv, row 2, column points/);
  await page.setInputFiles("#historic-file", []);
  await page.setInputFiles("#attested-file", csv("bad.csv", `practice_id,item_id,met\n${first},QI001,perhaps\n`));
  await page.waitForFunction(() => document.querySelector("#inputs-status")?.textContent?.includes("bad.csv"), null, { timeout: 30_000 });
  assert.match(await page.textContent("#inputs-status"), /bad\.csv, row 2, column met/);
  await screenshot(page, "inputs-attested");
  assert.deepEqual(errors, []);
  await page.context().close();
});
