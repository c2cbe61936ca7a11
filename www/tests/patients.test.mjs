// Browser tests of the patient explorer: from a results cell to the patients it counts, each
// status listing as many patients as the count, and a patient's explanation and events.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchChromium } from "./browser.mjs";
import { openPage, screenshot, waitState } from "./helpers.mjs";

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

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
