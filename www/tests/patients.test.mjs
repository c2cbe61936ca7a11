// Browser tests of the patient explorer: from a results cell to the patients it counts, each
// status listing as many patients as the count, and a patient's explanation and events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MINI, SCREEN_SIZES, openPage, screenshot, setEditorText, waitState, useBrowser, matched, number } from "./helpers.mjs";

const browser = useBrowser();

/** The explanation is shown next to the patient's events, at each of `SCREEN_SIZES`: the last
 * trace and the events table in the same panel (`#explanation`), one straight after the other,
 * their boxes either side by side (overlapping rows, a gap of at most 32 px) or one directly
 * under the other (overlapping columns, a gap of at most 32 px), both within the window's width,
 * and seen together: with the trace scrolled into view, the events' heading is on screen. */
async function explanationBesideEvents(page) {
  const before = page.viewportSize();
  for (const size of SCREEN_SIZES) {
    await page.setViewportSize(size);
    await page.locator("#explanation details").last().scrollIntoViewIfNeeded();
    const m = await page.evaluate(() => {
      const traces = [...document.querySelectorAll("#explanation > details")];
      const events = document.querySelector("#explanation > #patient-events");
      const last = traces[traces.length - 1];
      const box = (el) => {
        const r = el.getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
      };
      const caption = events?.querySelector("caption");
      return {
        traces: traces.length,
        adjacent: !!events && last?.nextElementSibling === events,
        trace: last ? box(last) : null,
        events: events ? box(events) : null,
        caption: caption ? box(caption) : null,
        width: window.innerWidth,
        height: window.innerHeight,
      };
    });
    const at = `at ${size.width} px: ${JSON.stringify(m)}`;
    assert.ok(m.traces > 0 && m.events, `a trace and the events in #explanation ${at}`);
    assert.ok(m.adjacent, `the events straight after the explanation ${at}`);
    const { trace: t, events: e } = m;
    assert.ok(t.width > 0 && t.height > 0 && e.width > 0 && e.height > 0, `both shown ${at}`);
    const sideBySide = t.top < e.bottom && e.top < t.bottom && Math.max(e.left - t.right, t.left - e.right) >= -1 && Math.max(e.left - t.right, t.left - e.right) <= 32;
    const stacked = t.left < e.right && e.left < t.right && e.top - t.bottom >= -1 && e.top - t.bottom <= 32;
    assert.ok(sideBySide || stacked, `side by side or directly under ${at}`);
    for (const b of [t, e]) assert.ok(b.left >= 0 && b.right <= m.width + 1, `within the window's width ${at}`);
    assert.ok(t.top < m.height && t.bottom > 0, `the explanation on screen ${at}`);
    assert.ok(m.caption.top >= 0 && m.caption.bottom <= m.height, `the events' heading on screen with it ${at}`);
  }
  if (before) await page.setViewportSize(before);
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
  await explanationBesideEvents(page);

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
