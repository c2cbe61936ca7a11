// Browser tests of the patient explorer's extras (issue #16): filtering by sex and age band
// (ages at the end of the scheme's period), the events the explanation cites marked, and
// "Add as test": the patient appended as an in-file test that then passes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { editorText, openPage, screenshot, waitState, useBrowser, matched } from "./helpers.mjs";

const browser = useBrowser();

/** Chooses an option and waits for the explorer's new count. */
async function choose(page, select, value) {
  await page.evaluate(() => (document.querySelector("#patient-count").dataset.state = "pending"));
  await page.selectOption(select, value);
  return matched(page);
}

/** Whole years from a birth date to 31 March 2020. */
function ageOn2020(born) {
  const [y, m, d] = born.split("-").map(Number);
  return 2020 - y - (m > 3 || (m === 3 && d > 31) ? 1 : 0);
}

test("the explorer filters by sex and age band; a patient's cited events are marked; add as test passes", async () => {
  const { page, errors } = await openPage(browser, "", { width: 1366, height: 800 });
  await page.selectOption("#scheme-picker", "rules/qof-2019-20.qof");
  assert.equal(await waitState(page, "#results", ["done", "error"], 120_000), "done");
  await page.click("#tab-patients");
  await page.waitForFunction(() => document.querySelectorAll("#patient-indicator option").length > 1, null, { timeout: 60_000 });
  await page.selectOption("#patient-indicator", "DM020");
  const whole = await choose(page, "#patient-status", "denominator");
  assert.ok(whole > 0);
  // the sexes partition the denominator
  const women = await choose(page, "#patient-sex", "female");
  const men = await choose(page, "#patient-sex", "male");
  const unknown = await choose(page, "#patient-sex", "unknown");
  assert.ok(women > 0 && men > 0);
  assert.equal(women + men + unknown, whole);
  const listed = await page.$$eval("#patient-list option", (os) => os.map((o) => o.textContent));
  assert.ok(listed.every((t) => /, male, born /.test(t)), "only men are listed");
  // an age band: every patient listed is in it on 31 March 2020, and the bands partition
  await choose(page, "#patient-sex", "");
  let bands = 0;
  for (const [band, lo, hi] of [["17-39", 17, 39], ["40-64", 40, 64], ["65-79", 65, 79], ["80-", 80, 200], ["0-16", 0, 16]]) {
    const n = await choose(page, "#patient-age", band);
    bands += n;
    const ages = await page.$$eval("#patient-list option", (os) => os.map((o) => /born (\d{4}-\d\d-\d\d)/.exec(o.textContent)[1]));
    assert.ok(ages.map(ageOn2020).every((a) => a >= lo && a <= hi), `band ${band}: ${ages.slice(0, 5)}`);
  }
  assert.equal(bands, whole, "the age bands partition the denominator");
  await choose(page, "#patient-age", "");

  // a numerator patient: the HbA1c the rule read is cited in the explanation and marked
  await choose(page, "#patient-status", "numerator");
  await page.selectOption("#patient-list", { index: 0 });
  assert.equal(await waitState(page, "#explanation", ["done", "error"]), "done");
  const explanation = await page.textContent("#explanation details");
  const used = await page.$$eval("#patient-events tbody tr.used", (rs) => rs.map((r) => ({ mark: r.cells[0].textContent, date: r.cells[1].textContent, lists: r.cells[4].textContent })));
  assert.ok(used.some((u) => u.lists.includes("IFCCHBAM_COD")), `the HbA1c is marked: ${JSON.stringify(used)}`);
  assert.ok(used.every((u) => u.mark === "▶" && explanation.includes(u.date)), "each marked event's date is in the explanation");
  // an event in a code list on a date the explanation does not name is not marked
  const unmarked = await page.$$eval("#patient-events tbody tr:not(.used)", (rs) => rs.filter((r) => r.cells[4].textContent !== "").map((r) => r.cells[1].textContent));
  assert.ok(unmarked.every((d) => !explanation.includes(d)), "only cited events are marked");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, "no sideways page scroll");
  await screenshot(page, "patient-extras");

  // add as test: appended to the text, and it passes
  const id = await page.inputValue("#patient-list");
  await page.click("#add-test");
  await page.waitForFunction(() => document.querySelector("#patient-count")?.textContent?.startsWith("✔ added a test"), null, { timeout: 60_000 });
  const text = await editorText(page);
  assert.match(text, new RegExp(`test "patient ${id} at \\w+: DM020" \\{[\\s\\S]*expect DM020 numerator\\n\\}\\n?$`));
  await page.click("#tab-tests");
  await page.click("#run-tests");
  assert.equal(await waitState(page, "#tests", ["done", "error"], 120_000), "done");
  const mine = page.locator("#tests li", { hasText: `patient ${id} at` }).first();
  assert.match(await mine.textContent(), /^✔ pass: patient /);
  assert.deepEqual(errors, []);
  await page.context().close();
});
