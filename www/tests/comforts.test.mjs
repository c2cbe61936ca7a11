// Browser tests of issue #16's items that the other files check only in part: one click from a
// results cell to the explained patient and one more to a passing in-file test; the explorer's
// adjustment categories and excluded patients; no request after load; a style for every
// highlighted token; completion of a window's dates and of adjustment categories; the results'
// stale mark; the whole status at 1280 and 1920 px; the favicon; the keyboard shortcuts; the
// compare layout at 1280 px; the other inputs' errors as the CLI gives them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI_BIN, MINI, editorText, expectedJson, openPage, screenshot, setEditorText, useBrowser, waitState, matched, number } from "./helpers.mjs";

const browser = useBrowser({ cli: true });

/** Chooses a status in the explorer and waits for its new count. */
async function status(page, value) {
  await page.evaluate(() => (document.querySelector("#patient-count").dataset.state = "pending"));
  await page.selectOption("#patient-status", value);
  return matched(page);
}

const miniDone = (page) => page.waitForFunction(() => document.querySelector("#results")?.dataset.state === "done" &&
  document.querySelector("#results dd")?.textContent?.includes("(mini)"), null, { timeout: 60_000 });

test("one click from a results cell to the explained patient, one more to a passing in-file test", async () => {
  const { page, errors } = await openPage(browser);
  await setEditorText(page, MINI);
  await miniDone(page);
  // click 1: DM020's numerator count
  await page.locator("#results table").first().locator("tbody tr", { hasText: "DM020" }).locator("td").nth(3).locator("button").click();
  assert.equal(await waitState(page, "#explanation", ["done", "error"]), "done");
  assert.match(await page.textContent("#explanation details summary"), /^DM020 ✔ numerator/);
  const id = await page.inputValue("#patient-list");
  assert.ok(id, "a patient is chosen");
  assert.match(await page.textContent("#explanation p"), new RegExp(`^Patient ${id} at `));
  // click 2: Add as test; the tests run, and the page says the new test passes
  const before = await editorText(page);
  await page.click("#add-test");
  await page.waitForSelector('#patient-count:is([data-state="done"], [data-state="error"])', { timeout: 60_000 });
  assert.match(await page.textContent("#patient-count"), new RegExp(`^✔ added a test of ${id} with 1 expectation at the end of the text: it passes$`));
  const text = await editorText(page);
  assert.ok(text.startsWith(before.trimEnd()), "the text before is kept");
  assert.match(text.slice(before.length), new RegExp(`test "patient ${id} at \\w+: DM020" \\{[\\s\\S]*expect DM020 numerator\\n\\}\\n?$`));
  // the Tests panel holds the run: the new test passes, MINI's own failing one still fails
  assert.equal(await page.getAttribute("#tests", "data-state"), "done");
  assert.equal(await page.textContent("#test-summary"), "2 passed, 1 failed");
  assert.match(await page.locator("#tests li", { hasText: `patient ${id} at` }).first().textContent(), /^✔ pass: patient /);
  await screenshot(page, "add-as-test-passes");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("the explorer lists each adjustment category and the excluded, as many as the counts say", async () => {
  const { page, errors } = await openPage(browser);
  await page.selectOption("#scheme-picker", "rules/qof-2019-20.qof");
  assert.equal(await waitState(page, "#results", ["done", "error"], 120_000), "done");
  const json = expectedJson("qof-2019-20.json");
  assert.ok(json, "the CLI's eval of QOF 2019/20 (cargo xtask browser-test writes it)");
  const result = JSON.parse(json);
  const rows = result.practices.flatMap((p) => p.indicators).filter((i) => i.id === "DM020");
  const byCategory = new Map();
  for (const r of rows) for (const [k, v] of Object.entries(r.pcas_by_category)) byCategory.set(k, (byCategory.get(k) ?? 0) + v);
  const pcas = rows.reduce((a, r) => a + r.pcas, 0);
  assert.ok([...byCategory.values()].filter((n) => n > 0).length > 1, `DM020 has PCAs of several categories: ${JSON.stringify([...byCategory])}`);

  // the PCAs cell opens the explorer; the status picker offers DM020's categories
  await page.locator("#results table").first().locator("tbody tr", { hasText: "DM020" }).locator("td").nth(4).locator("button").click();
  assert.equal(await page.inputValue("#patient-status"), "adjusted");
  assert.equal(await matched(page), pcas);
  const offered = await page.$$eval("#patient-status option", (os) => os.map((o) => o.value).filter((v) => v.startsWith("adjusted:")));
  assert.deepEqual(offered.map((v) => v.slice("adjusted:".length)).sort(), [...byCategory.keys()].sort());
  let sum = 0;
  for (const [key, n] of byCategory) {
    const m = await status(page, `adjusted:${key}`);
    assert.equal(m, n, `DM020 adjusted as ${key}`);
    sum += m;
    if (m > 0) {
      await page.click("#explain");
      assert.equal(await waitState(page, "#explanation", ["done", "error"]), "done");
      const label = await page.$eval(`#patient-status option[value="adjusted:${key}"]`, (o) => o.textContent.replace(/^adjusted: /, ""));
      assert.match(await page.textContent("#explanation details summary"), /^DM020 ⊘ adjusted/);
      assert.ok((await page.textContent("#explanation details")).includes(label), `the explanation names ${label}`);
    }
  }
  assert.equal(sum, pcas, "the categories partition the PCAs");
  // excluded: on the register, neither counted nor adjusted (the register is DM017's count)
  const excluded = await status(page, "excluded");
  const den = await status(page, "denominator");
  await page.click("#tab-results");
  const register = number(await page.locator("#results table").first().locator("tbody tr", { hasText: "DM017" }).locator("td").nth(3).textContent());
  assert.ok(excluded > 0);
  assert.equal(excluded + den + pcas, register, "DM020's statuses partition the diabetes register");
  await page.click("#tab-patients");
  await status(page, "excluded");
  await page.click("#explain");
  assert.equal(await waitState(page, "#explanation", ["done", "error"]), "done");
  assert.match(await page.textContent("#explanation details summary"), /^DM020 – excluded/);
  await screenshot(page, "explorer-categories");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("after load the page makes no request: editing, evaluating, explaining, testing, comparing", async () => {
  const { page, errors } = await openPage(browser);
  assert.equal(await waitState(page, "#results", ["done", "error"], 120_000), "done");
  await page.waitForSelector('#offline[data-state="ready"]', { timeout: 60_000 });
  const requests = [];
  page.context().on("request", (r) => requests.push(r.url()));
  await setEditorText(page, MINI);
  await miniDone(page);
  await page.locator("#results table").first().locator("tbody tr", { hasText: "DM020" }).locator("td").nth(2).locator("button").click();
  assert.equal(await waitState(page, "#explanation", ["done", "error"]), "done");
  await page.click("#tab-tests");
  await page.click("#run-tests");
  assert.equal(await waitState(page, "#tests", ["done", "error"]), "done");
  await page.click("#help-open");
  await page.fill("#help-search", "window");
  await page.click("#help-close");
  await page.click("#mode-compare");
  assert.equal(await waitState(page, "#compare-results", ["done", "error"], 120_000), "done");
  assert.deepEqual(requests, [], "no request after load");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("every token the highlighter finds has a style: no category is left plain", async () => {
  const { page, errors } = await openPage(browser);
  // every category: declarations, keywords, defined and used names, numbers, codes, dates,
  // QOF years, percentages, money, strings, comments, list names, operators, punctuation
  const text = `${MINI}// a comment
define high_bp "High" = latest BP in last 12 months has value >= 140 / 90
register R17 "Aged" { patients aged 17 or over, where DM_COD, list 17OV }
indicator X1 "Y" { group DM, domain CL, points 1, register DM, payment £1,000 }
category frailty_review "Reviewed as frail"
indicator X2 "Z" { group DM, domain CL, points 2, thresholds 40% to 90%
  denominator DM
  achieved when DM_COD between 2019-04-01 and 2020-03-31 or (count DM_COD in last 12 months >= 2)
}
`;
  await setEditorText(page, text);
  // the cursor away from any bracket, nothing selected (matching marks are not highlighting)
  await page.keyboard.press("Control+Home");
  await page.waitForSelector("#editor .cm-content span");
  const plain = await page.evaluate(() => {
    const out = [];
    for (const line of document.querySelectorAll("#editor .cm-line")) {
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (!n.textContent.trim()) continue;
        // a highlighted token is a span with one of the highlight style's generated classes
        let styled = false;
        for (let e = n.parentElement; e && e !== line; e = e.parentElement) {
          if (e.tagName === "SPAN" && [...e.classList].some((c) => c.startsWith("ͼ"))) styled = true;
        }
        if (!styled) out.push(n.textContent);
      }
    }
    return out;
  });
  assert.deepEqual(plain, [], "text outside every highlighted token");
  await screenshot(page, "highlighting");
  // the list name, the comment and the operator have styles of their own
  const style = (t) => page.evaluate((t) => {
    const s = [...document.querySelectorAll("#editor .cm-content span")].find((x) => x.textContent === t);
    return s && `${getComputedStyle(s).color} ${getComputedStyle(s).fontStyle}`;
  }, t);
  const [list, comment, op, name] = [await style("17OV"), await style("// a comment"), await style(">="), await style("BP")];
  assert.ok(list && comment && op && name);
  assert.equal(new Set([list, comment, op, name]).size, 4, JSON.stringify({ list, comment, op, name }));
  // `category NAME` declares, as `define NAME` does
  assert.equal(await style("category"), await style("define"));
  assert.equal(await style("frailty_review"), await style("high_bp"));
  assert.notEqual(await style("frailty_review"), name);
  assert.deepEqual(errors, []);
  await page.context().close();
});

/** The labels of the open completion list, or [] when none is open. */
async function completions(page) {
  await page.waitForTimeout(250);
  return page.locator(".cm-tooltip-autocomplete li .cm-completionLabel").allTextContents();
}

test("completion offers the period's dates where a window takes one, and the adjustment categories in `adjustments`", async () => {
  const { page, errors } = await openPage(browser);
  await setEditorText(page, `${MINI}category frailty_review "Reviewed as frail"\n`);
  await page.keyboard.press("Control+End");
  // `since`: the period's dates and the anchors, as soon as the slot is reached
  await page.keyboard.type('define recent "Recent" = DM_COD since ');
  const since = await completions(page);
  assert.deepEqual(since.slice(0, 2), ["2019-04-01", "2020-03-31"]);
  assert.ok(since.includes("the start of the period") && since.includes("registration"), `anchors: ${since}`);
  await page.keyboard.type("2020");
  assert.deepEqual(await completions(page), ["2020-03-31"], "typing a date filters them");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  assert.ok((await editorText(page)).endsWith("since 2020-03-31"), "the date taken");
  // `between D1 and D2`: dates only
  await page.keyboard.press("Enter");
  await page.keyboard.type('define within "Within" = DM_COD between ');
  assert.deepEqual(await completions(page), ["2019-04-01", "2020-03-31"]);
  await page.keyboard.type("2019-04-01 and ");
  assert.deepEqual(await completions(page), ["2019-04-01", "2020-03-31"]);
  await page.keyboard.press("Escape");
  // a number elsewhere is still never completed; Enter there is a newline
  await page.keyboard.type("2020-03-31");
  await page.keyboard.press("Enter");
  await page.keyboard.type('indicator X3 "X" { group DM, domain CL, points 1');
  assert.deepEqual(await completions(page), []);
  // in an adjustments block: the standard categories and the scheme's own
  await page.keyboard.type("\n  denominator DM\n  achieved when DM_COD\n  adjustments {\n    ");
  await page.keyboard.type("fr");
  assert.deepEqual(await completions(page), ["frailty_review"]);
  await page.keyboard.press("Escape");
  await page.keyboard.press("Control+Backspace");
  await page.keyboard.type("n");
  const ns = await completions(page);
  assert.ok(ns.includes("no response") && ns.includes("new patient") && !ns.includes("indicator"), `categories: ${ns}`);
  await screenshot(page, "completion-categories");
  await page.keyboard.press("Escape");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("results of a text that no longer checks say they are stale, in words", async () => {
  const { page, errors } = await openPage(browser);
  await setEditorText(page, MINI);
  await miniDone(page);
  const note = () => page.evaluate(() => getComputedStyle(document.querySelector("#results"), "::before").content);
  assert.equal(await note(), "none");
  await setEditorText(page, MINI.replace("where DM_COD }", "where DM_CDO }"));
  await page.waitForSelector('#results[data-state="stale"]', { timeout: 30_000 });
  assert.match(await note(), /^"⚠ stale: /);
  const opacity = await page.evaluate(() => Number(getComputedStyle(document.querySelector("#results")).opacity));
  assert.ok(opacity < 1, "and greyed");
  await screenshot(page, "results-stale");
  // fixed: fresh again, the note gone
  await setEditorText(page, MINI);
  await miniDone(page);
  assert.equal(await note(), "none");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("the population status is shown whole at 1280 and 1920 px, a long one and an error alike", async () => {
  for (const width of [1280, 1920]) {
    const { page, errors } = await openPage(browser, "", { width, height: 800 });
    await page.waitForSelector('#population-status[data-state="ready"]', { timeout: 60_000 });
    const whole = () => page.evaluate(() => {
      const s = document.querySelector("#population-status");
      const b = s.getBoundingClientRect();
      const cs = getComputedStyle(s);
      return {
        text: s.textContent,
        ok: s.scrollWidth <= s.clientWidth + 1 && s.scrollHeight <= s.clientHeight + 1 && b.right <= window.innerWidth && b.width > 0 &&
          cs.textOverflow !== "ellipsis" && document.documentElement.scrollWidth <= window.innerWidth,
      };
    });
    let w = await whole();
    assert.ok(w.ok, `${width} px: ${JSON.stringify(w)}`);
    // a long label: a synthetic CCG
    await page.selectOption("#population-kind", "synthetic");
    await page.selectOption("#synth-ccg", "Buckinghamshire");
    await page.fill("#synth-scale", "0.01");
    await page.fill("#synth-seed", "12345");
    await page.click("#synth-go");
    await page.waitForSelector('#population-status[data-state="ready"]:has-text("Buckinghamshire")', { timeout: 120_000 });
    w = await whole();
    assert.match(w.text, /^✔ Buckinghamshire at scale 0\.01, seed 12345: \d+ practices, [\d,]+ patients$/);
    assert.ok(w.ok, `${width} px: ${JSON.stringify(w)}`);
    // an error: the whole message, file and row included
    await page.selectOption("#population-kind", "files");
    await page.setInputFiles("#population-files", { name: "patients.ndjson", mimeType: "application/x-ndjson", buffer: Buffer.from('{"patient_id": 3}\n') });
    await page.waitForSelector('#population-status[data-state="error"]', { timeout: 30_000 });
    w = await whole();
    assert.match(w.text, /patients\.ndjson, row 1/);
    assert.ok(w.ok, `${width} px: ${JSON.stringify(w)}`);
    if (width === 1920) await screenshot(page, "population-status-error");
    assert.deepEqual(errors, []);
    await page.context().close();
  }
});

test("the favicon is served, and Help lists the keyboard shortcuts, which work", async () => {
  const { page, errors } = await openPage(browser);
  const icon = await page.evaluate(async () => {
    const href = document.querySelector('link[rel="icon"]')?.href;
    const r = await fetch(href);
    return { href, status: r.status, type: r.headers.get("content-type"), svg: (await r.text()).includes("<svg") };
  });
  assert.deepEqual([icon.status, icon.svg], [200, true], JSON.stringify(icon));
  assert.match(icon.type, /^image\/svg\+xml/);

  await page.click("#help-open");
  const keys = await page.$$eval("#help dl.keys dt", (ds) => ds.map((d) => d.textContent));
  for (const k of ["Ctrl-Space", "Shift-Alt-F", "Ctrl-F", "Shift-Alt-B", "F8", "F7 / Shift-F7"]) assert.ok(keys.includes(k), `${k} is listed: ${keys}`);
  await page.click("#help-close");
  // Shift-Alt-F formats the text
  await setEditorText(page, MINI.replace("codelist DM_COD", "codelist    DM_COD"));
  await page.keyboard.press("Shift+Alt+F");
  await page.waitForFunction(() => !document.querySelector("#editor .cm-content")?.textContent?.includes("codelist    DM_COD"), null, { timeout: 10_000 });
  assert.equal(await editorText(page), cliFormat(MINI), "the text `qofrules fmt` writes");
  // Ctrl-Space completes; F8 goes to the next problem
  await page.keyboard.press("Control+End");
  await page.keyboard.type("reg");
  await page.keyboard.press("Escape");
  await page.keyboard.press("Control+Space");
  assert.ok((await completions(page)).includes("register"));
  await page.keyboard.press("Escape");
  await setEditorText(page, MINI.replace("where DM_COD }", "where DM_CDO }"));
  await page.waitForSelector("#problems button.problem.error", { timeout: 10_000 });
  await page.keyboard.press("Control+Home");
  await page.keyboard.press("F8");
  await page.waitForSelector(".cm-panel.cm-panel-lint, .cm-tooltip-lint, .cm-diagnostic", { timeout: 5_000 }).catch(() => {});
  const selected = await page.evaluate(() => window.getSelection()?.toString());
  assert.equal(selected, "DM_CDO", "F8 selects the next problem's span");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("compare at 1280 px: both editors fully visible, no sideways scroll; A marked too; its tables sort by keyboard", async () => {
  const { page, errors } = await openPage(browser, "", { width: 1280, height: 720 });
  await page.click("#mode-compare");
  assert.equal(await waitState(page, "#compare-results", ["done", "error"], 120_000), "done");
  const box = (sel) => page.locator(sel).boundingBox();
  const [a, b] = [await box("#editor-a"), await box("#editor-b")];
  for (const e of [a, b]) assert.ok(e.x >= 0 && e.x + e.width <= 1280.5 && e.y + e.height <= 720 && e.height >= 150, JSON.stringify(e));
  assert.ok(Math.abs(a.width - b.width) <= 2 && b.x >= a.x + a.width - 1);
  const s = await page.evaluate(() => {
    const r = document.querySelector("#compare-results");
    return { page: document.documentElement.scrollWidth - window.innerWidth, high: document.documentElement.scrollHeight - window.innerHeight, own: r.scrollHeight > r.clientHeight };
  });
  assert.ok(s.page <= 0 && s.high <= 0 && s.own, JSON.stringify(s));
  // scheme A's side is marked too: F7 in A lands on a marked line of a rule B changes or retires
  assert.match(await page.textContent("#marks-a"), /^\d+ changes? marked$/);
  await page.click("#editor-a .cm-line >> nth=0");
  await page.keyboard.press("Control+Home");
  await page.keyboard.press("F7");
  const line = await page.$eval("#editor-a .cm-activeLine", (l) => ({ diff: l.dataset.diff ?? null, text: l.textContent }));
  assert.ok(["changed", "retired"].includes(line.diff) && /^(scheme|indicator|network indicator|change|retire)\b/.test(line.text), JSON.stringify(line));
  // the comparison's tables sort too, by keyboard: Enter on a numeric column's head
  const table = page.locator("#compare-results table.sortable").last();
  const head = table.locator("thead th.num").last();
  const key = (t) => Number(t.trim().replace(/[£,%+\s]/g, "").replace(/^[−-]/, "-").replace(/^±/, ""));
  const column = async () => {
    const k = await head.evaluate((th) => th.cellIndex);
    return (await table.locator(`tbody tr td:nth-child(${k + 1}), tbody tr th:nth-child(${k + 1})`).allTextContents()).map(key);
  };
  await head.focus();
  await page.keyboard.press("Enter");
  assert.equal(await head.getAttribute("aria-sort"), "ascending");
  let v = await column();
  assert.ok(v.length > 10 && v.every((x, k) => k === 0 || v[k - 1] <= x), `ascending: ${v.slice(0, 8)}`);
  await page.keyboard.press("Enter");
  assert.equal(await head.getAttribute("aria-sort"), "descending");
  v = await column();
  assert.ok(v[0] > v.at(-1) && v.every((x, k) => k === 0 || v[k - 1] >= x), `descending: ${v.slice(0, 8)}`);
  assert.deepEqual(errors, []);
  await page.context().close();
});

/** `text` as `qofrules fmt` rewrites it. */
function cliFormat(text) {
  const dir = mkdtempSync(join(tmpdir(), "qof-fmt-"));
  try {
    writeFileSync(join(dir, "mini.qof"), text);
    const r = spawnSync(CLI_BIN, ["fmt", "mini.qof"], { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return readFileSync(join(dir, "mini.qof"), "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The CLI's message for a bad input file: `qofrules eval` of MINI with `args`, files in a
 * temporary directory; its standard error. */
function cliError(files, args) {
  const dir = mkdtempSync(join(tmpdir(), "qof-inputs-"));
  try {
    writeFileSync(join(dir, "mini.qof"), MINI);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const r = spawnSync(CLI_BIN, ["eval", "mini.qof", ...args], { cwd: dir, encoding: "utf8" });
    assert.notEqual(r.status, 0, "the CLI fails");
    return r.stderr;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the other inputs' errors are the CLI's: national prevalence, attested and historic files", async () => {
  const { page, errors } = await openPage(browser);
  await setEditorText(page, MINI);
  await miniDone(page);
  await page.click("#inputs summary");
  const csv = (name, text) => ({ name, mimeType: "text/csv", buffer: Buffer.from(text) });
  /** Whether the page's text `shown` gives the CLI's error: its message, file, row, column
   * and help (the page lays them out on one line, the CLI on three). */
  const same = (shown, stderr) => {
    const m = /^error(?:\[[\w-]+\])?: (.*)\n --> (.*), row (\d+), column `([^`]*)`\n  = help: (.*)$/m.exec(stderr);
    assert.ok(m, `an error with its file, row, column and help in: ${stderr}`);
    const [, message, file, row, column, help] = m;
    for (const part of [message, `${file}, row ${row}, column ${column}`, help]) {
      assert.ok(shown.includes(part), `the page shows \`${part}\`:\npage: ${shown}\ncli: ${stderr}`);
    }
    return true;
  };

  const national = "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\nX,DM,many,17OV,20\n";
  await page.setInputFiles("#national-file", csv("bad-national.csv", national));
  await page.waitForSelector('#inputs-status[data-state="error"]', { timeout: 30_000 });
  const cliNational = cliError({ "bad-national.csv": national }, ["--national", "bad-national.csv"]);
  assert.ok(same(await page.textContent("#inputs-status"), cliNational));
  await page.click("#inputs-clear");

  const attested = "practice_id,item_id,met\nA81001,QI001,perhaps\n";
  await page.setInputFiles("#attested-file", csv("bad-attested.csv", attested));
  await page.waitForFunction(() => document.querySelector("#results")?.dataset.state === "error", null, { timeout: 60_000 });
  const cliAttested = cliError({ "bad-attested.csv": attested }, ["--attested", "bad-attested.csv"]);
  assert.ok(same(await page.textContent("#results"), cliAttested));
  await page.click("#inputs-clear");
  await page.setInputFiles("#attested-file", []);

  const historic = "practice_id,year,item,points,pounds\nA81001,2018/19,DM020,lots,\n";
  await page.setInputFiles("#historic-file", csv("bad-historic.csv", historic));
  await page.waitForFunction(() => document.querySelector("#results")?.dataset.state === "error" && document.querySelector("#results")?.textContent?.includes("bad-historic.csv"), null, { timeout: 60_000 });
  const cliHistoric = cliError({ "bad-historic.csv": historic }, ["--historic", "bad-historic.csv"]);
  assert.ok(same(await page.textContent("#results"), cliHistoric));
  assert.deepEqual(errors, []);
  await page.context().close();
});
