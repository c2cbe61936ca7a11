// Browser tests of the patient explorer: from a results cell to the patients it counts, each
// status listing as many patients as the count, and a patient's explanation and events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MINI, openPage, screenshot, setEditorText, waitState, useBrowser } from "./helpers.mjs";

const browser = useBrowser();

const number = (text) => Number(text.replace(/,/g, ""));

/** The count the explorer reports ("1,234 patients match..."). */
async function matched(page) {
  await page.waitForSelector('#patient-count[data-state="done"]', { timeout: 60_000 });
  const text = await page.textContent("#patient-count");
  if (text === "no patient matches") return 0;
  const m = /^([\d,]+) patients? match/.exec(text);
  assert.ok(m, `count text: ${text}`);
  return number(m[1]);
}

test("a results cell opens the explorer on exactly the patients it counts, explained with their events", async () => {
  const { page, errors } = await openPage(browser);
  // the default scheme (QOF 2019/20) on the default population
  assert.equal(await waitState(page, "#results", ["done", "error"], 120_000), "done");
  const row = page.locator("#results table").first().locator("tbody tr", { hasText: "DM020" });
  const cells = row.locator("td");
  // columns: Group, Max pts, Denom., Numer., PCAs, ...
  const [den, num, pcas] = [number(await cells.nth(2).textContent()), number(await cells.nth(3).textContent()), number(await cells.nth(4).textContent())];
  assert.ok(num > 0 && den > num && pcas > 0, `DM020: ${num}/${den}, ${pcas} PCAs`);

  // one click on the numerator: the explorer lists DM020's numerator and explains the first
  await cells.nth(3).locator("button").click();
  assert.equal(await page.getAttribute("#tab-patients", "aria-selected"), "true");
  assert.equal(await page.inputValue("#patient-indicator"), "DM020");
  assert.equal(await page.inputValue("#patient-status"), "numerator");
  assert.equal(await matched(page), num);
  assert.equal(await page.locator("#patient-list option").count(), Math.min(num, 200));
  assert.equal(await waitState(page, "#explanation", ["done", "error"]), "done");
  const summary = await page.textContent("#explanation details summary");
  assert.match(summary, /^DM020 ✔ numerator/);
  // the patient's events: as many rows as the record has, HbA1c among them
  const head = await page.textContent("#explanation p");
  const events = Number(/, (\d+) events$/.exec(head)?.[1]);
  assert.equal(await page.locator("#patient-events tbody tr").count(), events);
  assert.ok((await page.locator("#patient-events tbody tr", { hasText: "IFCCHBAM_COD" }).count()) > 0, "the HbA1c that achieved is listed");
  await screenshot(page, "patient-explorer");

  // the other statuses list as many patients as their counts
  await page.selectOption("#patient-status", "adjusted");
  assert.equal(await matched(page), pcas);
  await page.selectOption("#patient-status", "denominator");
  assert.equal(await matched(page), den);
  await page.selectOption("#patient-status", "unmet");
  assert.equal(await matched(page), den - num);
  await page.click("#explain");
  assert.equal(await waitState(page, "#explanation", ["done", "error"]), "done");
  assert.match(await page.textContent("#explanation details summary"), /^DM020 ○ denominator/);

  // the register count of DM017 opens the diabetes register
  await page.click("#tab-results");
  const reg = page.locator("#results table").first().locator("tbody tr", { hasText: "DM017" }).locator("td").nth(3);
  const size = number(await reg.textContent());
  await reg.locator("button").click();
  assert.equal(await page.inputValue("#patient-status"), "register");
  assert.equal(await matched(page), size);

  // a practice code opens that practice's patients
  await page.click("#tab-results");
  const practice = page.locator("#results table").last().locator("tbody tr th button").first();
  const id = await practice.textContent();
  await practice.click();
  assert.equal(await page.inputValue("#patient-practice"), id);
  assert.equal(await page.inputValue("#patient-indicator"), "");
  await matched(page);
  const listed = await page.locator("#patient-list option").allTextContents();
  assert.ok(listed.length > 0 && listed.every((o) => o.includes(`(${id},`)), "every patient listed is at the practice");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("results after an edit are drawn into the last ones: kept elements, the same page as drawn afresh, cells opening the new counts", async () => {
  const edited = MINI.replace("has value <= 58", "has value <= 40");
  assert.notEqual(edited, MINI);
  const dm020 = (page) => page.locator("#results table").first().locator("tbody tr", { hasText: "DM020" }).locator("td").nth(3);
  const mini = (page) => page.waitForFunction(() => document.querySelector("#results")?.dataset.state === "done" &&
    document.querySelector("#results dd")?.textContent?.includes("(mini)"), null, { timeout: 60_000 });
  // the results' markup, less the evaluation time
  const markup = (page) => page.evaluate(() => {
    const r = document.querySelector("#results").cloneNode(true);
    r.querySelector("#eval-ms").textContent = "";
    return r.innerHTML;
  });

  const { page, errors } = await openPage(browser);
  await setEditorText(page, MINI);
  await mini(page);
  const before = number(await dm020(page).textContent());
  await page.evaluate(() => { window.keptTable = document.querySelector("#results table:last-of-type"); });
  await setEditorText(page, edited);
  await page.waitForFunction((b) => {
    const r = document.querySelector("#results");
    const row = [...(r?.querySelectorAll("table:first-of-type tbody tr") ?? [])].find((tr) => tr.textContent.includes("DM020"));
    return r?.dataset.state === "done" && row && Number(row.cells[4].textContent.replace(/,/g, "")) !== b;
  }, before, { timeout: 60_000 });
  const after = number(await dm020(page).textContent());
  assert.ok(after < before, `DM020's numerator: ${before} then ${after}`);
  assert.equal(await page.evaluate(() => window.keptTable === document.querySelector("#results table:last-of-type")), true,
    "the practices table is the same element, its cells rewritten");
  const drawnInto = await markup(page);

  // the same text drawn on a new page: the same markup
  const fresh = await openPage(browser);
  await setEditorText(fresh.page, edited);
  await mini(fresh.page);
  assert.equal(number(await dm020(fresh.page).textContent()), after);
  assert.equal(drawnInto, await markup(fresh.page));
  assert.deepEqual(fresh.errors, []);
  await fresh.page.context().close();

  // a kept cell opens its new count
  await dm020(page).locator("button").click();
  assert.equal(await page.inputValue("#patient-indicator"), "DM020");
  assert.equal(await page.inputValue("#patient-status"), "numerator");
  assert.equal(await matched(page), after);
  assert.deepEqual(errors, []);
  await page.context().close();
});
