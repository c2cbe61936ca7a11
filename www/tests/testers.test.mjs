// Browser tests of the tools for rule testers (issue #18): "Boundary tests" for the indicator
// under the cursor (Shift-Alt-B), inserted after its block as one undoable change and run,
// all passing, the same tests `qofrules boundary --indicator ID` prints; and compare's "Can
// anyone differ?": QOF 2019/20 against a copy with DM020's target moved from 58 to 59 gives
// DM020 "differ" with an HbA1c of 59 in the window, verdicts as `qofrules witness --format
// json` gives them, an unchanged indicator "same", and the witness copied into B passes there.
// The boundary tests of a `for each` indicator template cover every copy, after the whole
// block. The witness panel is folded until opened (no witness work before), and runs in the
// tools worker, so an edit's comparison never waits for it: the edit stops it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI_BIN, cli, openPage, repoRoot, screenshot, setEditorText, waitState, useBrowser } from "./helpers.mjs";

const QOF = join(repoRoot, "rules", "qof-2019-20.qof");

const browser = useBrowser({ cli: true });

/** The line numbers (1-based) at which `text` has each `test "NAME"`. */
function testLines(text) {
  const out = new Map();
  text.split("\n").forEach((l, k) => {
    const m = /^test "([^"]*)"/.exec(l);
    if (m) out.set(m[1], k + 1);
  });
  return out;
}

test("boundary tests of the indicator under the cursor: inserted after it, all passing, undone at once", async () => {
  const original = readFileSync(QOF, "utf8");
  const generated = cli(["boundary", QOF, "--indicator", "DM020"]);
  const names = [...generated.matchAll(/^test "([^"]*)"/gm)].map((m) => m[1]);
  assert.ok(names.length > 10);
  // where the page should put them: after the line that closes DM020's block
  const lines = original.split("\n");
  const head = lines.findIndex((l) => l.startsWith("indicator DM020 "));
  const close = lines.findIndex((l, k) => k > head && l === "}");
  assert.ok(head > 0 && close > head);
  const expectedText = [...lines.slice(0, close + 1), "", generated.trimEnd(), ...lines.slice(close + 1)].join("\n");
  const expectedLines = testLines(expectedText);

  const { page, errors } = await openPage(browser, "", { width: 1366, height: 800 });
  await page.selectOption("#scheme-picker", "rules/qof-2019-20.qof");
  await page.waitForFunction(() => /^✔ qof_2019_20: /.test(document.querySelector("#editor-status")?.textContent ?? ""), null, { timeout: 120_000 });
  const before = await page.textContent("#editor-status");
  // the cursor into DM020's header line, through the editor's search
  await page.click("#editor .cm-content");
  await page.keyboard.press("Control+Home");
  await page.keyboard.press("Control+f");
  await page.keyboard.type("indicator DM020 ");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Escape");
  await page.keyboard.press("Shift+Alt+B");
  // the note as first seen: the re-check of the new text may replace it within a frame or two,
  // keeping the count as a suffix (as Format's "formatted"), so read it where it is found
  const seen = await (
    await page.waitForFunction(
      () => {
        const t = document.querySelector("#editor-status")?.textContent ?? "";
        return /boundary tests (of DM020 )?inserted|✖/.test(t) ? t : null;
      },
      null,
      { timeout: 120_000, polling: "raf" },
    )
  ).jsonValue();
  const note = `✔ ${names.length} boundary tests of DM020 inserted after it (Ctrl-Z removes them)`;
  const rechecked = new RegExp(`^✔ qof_2019_20: \\d+ indicators, \\d+ tests · ${names.length} boundary tests inserted$`);
  assert.ok(seen === note || rechecked.test(seen), `status: ${seen}`);
  assert.equal(await waitState(page, "#tests", ["done", "error"], 120_000), "done");
  assert.match(await page.textContent("#test-summary"), /^\d+ passed, 0 failed$/);
  const shown = await page.$$eval("#tests ul.tests > li", (ls) => ls.map((l) => ({ pass: l.classList.contains("pass"), text: l.querySelector("button")?.textContent ?? "" })));
  for (const name of names) {
    const item = shown.find((s) => s.text.includes(`: ${name} (line `));
    assert.ok(item, `test ${name} is listed`);
    assert.ok(item.pass, `${name} passes`);
    // at the line it has in the text with the tests inserted after DM020's block
    assert.equal(Number(/\(line (\d+)\)$/.exec(item.text)?.[1]), expectedLines.get(name), name);
  }
  await screenshot(page, "boundary-tests");

  // one undoable change: one Ctrl-Z takes every inserted test away
  await page.click("#editor .cm-content");
  await page.keyboard.press("Control+z");
  // (the check's status, with the insertion's note for a few seconds after it)
  await page.waitForFunction((b) => (document.querySelector("#editor-status")?.textContent ?? "").startsWith(b), before, { timeout: 120_000 });

  // outside every indicator: said, nothing inserted
  await page.keyboard.press("Control+Home");
  await page.click("#boundary-tests");
  await page.waitForFunction(() => (document.querySelector("#editor-status")?.textContent ?? "").startsWith("✖ put the cursor"), null, { timeout: 60_000 });
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("compare: can anyone differ? DM020 at 59 differs with an HbA1c of 59, unchanged indicators are the same", async () => {
  const a = readFileSync(QOF, "utf8");
  assert.equal(a.split("value <= 58").length, 2, "DM020's target is written once");
  const b = a.replace("value <= 58", "value <= 59");
  const dir = mkdtempSync(join(tmpdir(), "qofrules-witness-"));
  try {
    const bPath = join(dir, "dm020-59.qof");
    writeFileSync(bPath, b);
    const expected = JSON.parse(cli(["witness", QOF, bPath, "--format", "json"]));

    // the two texts stored as the compare editors keep them, so compare mode opens on them
    const { page, errors } = await openPage(browser, "", { width: 1366, height: 800 });
    await page.evaluate(([ta, tb]) => {
      localStorage.setItem("qofrules.compare.a", ta);
      localStorage.setItem("qofrules.compare.b", tb);
    }, [a, b]);
    await page.reload();
    await page.waitForSelector('#version[data-state="ready"]', { timeout: 60_000 });
    await page.click("#mode-compare");
    assert.equal(await waitState(page, "#compare-results", ["done", "error"], 180_000), "done");
    // folded until asked for
    assert.equal(await page.getAttribute("#witness", "data-state"), "idle");
    await page.click("#witness > summary");
    await page.waitForSelector('#witness:is([data-state="done"], [data-state="error"])', { timeout: 180_000 });
    assert.equal(await page.getAttribute("#witness", "data-state"), "done");
    const rows = await page.$$eval("#witness tr[data-indicator]", (rs) =>
      rs.map((r) => ({ id: r.dataset.indicator, verdict: r.dataset.verdict, shown: r.cells[1].textContent, reason: r.cells[2].textContent, witness: r.querySelector("pre")?.textContent ?? null })),
    );
    // every indicator, with the CLI's verdict, reason and witness
    assert.deepEqual(
      rows.map((r) => r.id).sort(),
      expected.map((w) => w.indicator).sort(),
    );
    for (const w of expected) {
      const r = rows.find((x) => x.id === w.indicator);
      assert.equal(r.verdict, w.verdict, w.indicator);
      assert.equal(r.reason, w.reason, w.indicator);
      assert.equal(r.witness, w.witness, w.indicator);
    }
    const dm020 = rows.find((r) => r.id === "DM020");
    assert.equal(dm020.verdict, "differ");
    assert.equal(dm020.shown, "≠ differ");
    const hba1c = /^\s*999791000000106 on (\d{4}-\d\d-\d\d) value 59\b/m.exec(dm020.witness);
    assert.ok(hba1c, `an HbA1c of 59: ${dm020.witness}`);
    assert.ok(hba1c[1] >= "2019-04-01" && hba1c[1] <= "2020-03-31", `within the last 12 months: ${hba1c[1]}`);
    const dm017 = rows.find((r) => r.id === "DM017");
    assert.equal(dm017.verdict, "same");
    assert.equal(dm017.shown, "= same");
    assert.equal(rows.filter((r) => r.verdict !== "same").length, 1, "only DM020 can differ");
    // DM020 first, among the changed; the unchanged folded below
    assert.equal(await page.$eval("#witness > table tr[data-indicator]", (r) => r.dataset.indicator), "DM020");
    assert.equal(await page.$eval('#witness details.witness-same tr[data-indicator="DM017"]', (r) => r.dataset.verdict), "same");
    await page.$eval("#witness", (el) => el.scrollIntoView());
    await screenshot(page, "witness");

    // the witness copied into B: a test expecting B's outcome, which B passes
    await page.click('#witness tr[data-indicator="DM020"] button.copy-witness');
    await page.waitForFunction(() => (localStorage.getItem("qofrules.compare.b") ?? "").includes('test "DM020: denominator under A, numerator under B"'), null, { timeout: 60_000 });
    const stored = await page.evaluate(() => localStorage.getItem("qofrules.compare.b"));
    assert.ok(stored.startsWith(b), "appended to B's text");
    const added = stored.slice(b.length);
    assert.match(added, /^\n?test "DM020: denominator under A, numerator under B" \{[\s\S]*\n {2}expect DM020 numerator\n\}\n$/);
    writeFileSync(bPath, stored);
    // (exit 1: the shipped test of an HbA1c of 59 expects A's outcome; it is the one failure)
    const run = spawnSync(CLI_BIN, ["test", bPath], { encoding: "utf8" });
    assert.match(run.stdout, /\n {2}pass DM020: denominator under A, numerator under B \(line \d+\)\n/);
    const failed = run.stdout.match(/^ {2}FAIL .*$/gm) ?? [];
    assert.equal(failed.length, 1, failed.join("\n"));
    assert.match(failed[0], /^ {2}FAIL HbA1c 59 misses DM020/);
    assert.deepEqual(errors, []);
    await page.context().close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Records, in the page, every worker made (its script), the methods sent to it and whether it
 * was terminated: `window.workerLog`. */
function logWorkers() {
  window.workerLog = [];
  const Base = window.Worker;
  window.Worker = class extends Base {
    constructor(url, options) {
      super(url, options);
      this.log = { url: String(url), methods: [], terminated: false };
      window.workerLog.push(this.log);
    }
    postMessage(message, ...rest) {
      if (message && typeof message.method === "string") this.log.methods.push(message.method);
      return super.postMessage(message, ...rest);
    }
    terminate() {
      this.log.terminated = true;
      return super.terminate();
    }
  };
}

test("compare: the witness waits until asked, in its own worker, and an edit's comparison never waits for it", async () => {
  // the default texts: QOF 2024/25 against 2025/26, where every indicator needs a search
  const { page, errors } = await openPage(browser, "", { width: 1366, height: 800 });
  await page.addInitScript(logWorkers);
  await page.reload();
  await page.waitForSelector('#version[data-state="ready"]', { timeout: 60_000 });
  await page.click("#mode-compare");
  assert.equal(await waitState(page, "#compare-results", ["done", "error"], 300_000), "done");
  const log = () => page.evaluate(() => window.workerLog);
  const witnessCalls = (ws) => ws.flatMap((w) => w.methods).filter((m) => /^witness/.test(m));
  // folded: no witness work anywhere, no tools worker
  assert.equal(await page.getAttribute("#witness", "data-state"), "idle");
  assert.equal(await page.getAttribute("#witness", "open"), null);
  let workers = await log();
  assert.deepEqual(witnessCalls(workers), []);
  assert.equal(workers.filter((w) => w.url.includes("tools-worker")).length, 0);

  // opened: the plan (no indicator settled by form: the periods differ), then one indicator at
  // a time, all in the tools worker
  await page.click("#witness > summary");
  await page.waitForFunction(() => document.querySelectorAll('#witness tr[data-verdict="pending"]').length > 0, null, { timeout: 120_000 });
  assert.equal(await page.getAttribute("#witness", "data-state"), "running");
  assert.equal(await page.$$eval("#witness details.witness-same", (d) => d.length), 0);
  assert.match(await page.textContent("#witness-summary"), /^Deciding \d+ more indicators whose rule differs… So far: /);
  await page.waitForFunction(() => document.querySelectorAll('#witness tr[data-verdict="differ"]').length > 0, null, { timeout: 120_000 });
  workers = await log();
  const engines = workers.filter((w) => !w.url.includes("tools-worker"));
  const tools = workers.filter((w) => w.url.includes("tools-worker"));
  assert.equal(tools.length, 1);
  assert.deepEqual(witnessCalls(engines), [], "the engine workers never run the witness");
  assert.equal(tools[0].methods[0], "witnessPlan");
  assert.ok(tools[0].methods.slice(1).every((m) => m === "witness"));

  // an edit in B while the witness is still deciding: the tools worker is stopped at once, and
  // the comparison of the edited text comes back without waiting for it
  const pendingBefore = await page.$$eval('#witness tr[data-verdict="pending"]', (r) => r.length);
  assert.ok(pendingBefore > 0, "still deciding when the edit comes");
  await page.click("#editor-b .cm-content");
  await page.keyboard.press("Control+End");
  await page.keyboard.type("\n// an edit");
  await page.waitForFunction(() => window.workerLog.some((w) => w.terminated), null, { timeout: 10_000 });
  await page.waitForFunction(() => document.querySelector("#compare-results")?.dataset.state === "running", null, { timeout: 30_000, polling: 20 });
  assert.equal(await waitState(page, "#compare-results", ["done", "error"], 300_000), "done");
  workers = await log();
  assert.ok(workers.find((w) => w.url.includes("tools-worker")).terminated, "the old witness was stopped");
  assert.deepEqual(witnessCalls(workers.filter((w) => !w.url.includes("tools-worker"))), []);
  // the panel was open, so the new comparison's is too, deciding again in a fresh tools worker
  assert.equal(await page.getAttribute("#witness", "open"), "");
  await page.waitForFunction(() => window.workerLog.filter((w) => w.url.includes("tools-worker")).length === 2, null, { timeout: 30_000 });
  assert.deepEqual(errors, []);
  await page.context().close();
});

const FAMILY = `scheme fam "A family of indicators" { period 2019-04-01 to 2020-03-31, point value £187.74, national average list size 8479 }

codelist AF_COD "Atrial fibrillation" snomed { 49436004 }
codelist CHD_COD "Coronary heart disease" snomed { 53741008 }
codelist HF_COD "Heart failure" snomed { 84114007 }
codelist BP_COD "Blood pressure recorded" snomed { 163020007 }

// blood pressure — one indicator per condition
for each X in AF, CHD, HF {
  indicator {X}001 "Blood pressure of {X} patients" {
    group FAM, domain CL, points 1, thresholds 40% to 90%
    denominator patients where {X}_COD
    achieved when BP_COD in last 12 months
  }
}

indicator ALL001 "Blood pressure of everyone with any" {
  group FAM, domain CL, points 1, thresholds 40% to 90%
  denominator patients where AF_COD or CHD_COD or HF_COD
  achieved when BP_COD in last 12 months
}
`;

test("boundary tests of a for each indicator template: every copy's, after the whole for each, as the CLI prints them", async () => {
  const dir = mkdtempSync(join(tmpdir(), "qofrules-family-"));
  try {
    const path = join(dir, "family.qof");
    writeFileSync(path, FAMILY);
    const ids = ["AF001", "CHD001", "HF001"];
    const generated = cli(["boundary", path, ...ids.flatMap((id) => ["--indicator", id])]);
    const names = [...generated.matchAll(/^test "([^"]*)"/gm)].map((m) => m[1]);
    for (const id of ids) assert.ok(names.some((n) => n.startsWith(`${id} boundary`)), id);
    // after the line that closes the `for each`
    const lines = FAMILY.split("\n");
    const close = lines.findIndex((l, k) => k > lines.findIndex((x) => x.startsWith("for each")) && l === "}");
    const expected = [...lines.slice(0, close + 1), "", generated.trimEnd(), ...lines.slice(close + 1)].join("\n");

    const { page, errors } = await openPage(browser, "", { width: 1366, height: 800 });
    await setEditorText(page, FAMILY);
    await page.waitForFunction(() => /^✔ fam: /.test(document.querySelector("#editor-status")?.textContent ?? ""), null, { timeout: 120_000 });
    const before = await page.textContent("#editor-status");
    // the cursor into the template's `achieved` line
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("Control+f");
    await page.keyboard.type("achieved when BP_COD");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Escape");
    await page.keyboard.press("Shift+Alt+B");
    // (read as it appears: the check of the new text soon rewrites the status line, keeping a
    // note of the insertion for a few seconds)
    const said = await page.waitForFunction(
      () => {
        const t = document.querySelector("#editor-status")?.textContent ?? "";
        return /inserted after|✖/.test(t) ? t : false;
      },
      null,
      { timeout: 120_000, polling: "raf" },
    );
    assert.equal(
      await said.jsonValue(),
      `✔ ${names.length} boundary tests of AF001, CHD001, HF001 (every copy of {X}001) inserted after the for each X in AF, CHD, HF block (Ctrl-Z removes them)`,
    );
    await page.waitForFunction(() => (document.querySelector("#editor-status")?.textContent ?? "").startsWith("✔ fam: "), null, { timeout: 60_000 });
    assert.match(await page.textContent("#editor-status"), new RegExp(`^✔ fam: 4 indicators, ${names.length} tests( · ${names.length} boundary tests inserted)?$`));
    // the text, byte for byte: the CLI's tests on the lines after the `for each`
    await page.waitForFunction((t) => localStorage.getItem("qofrules.editor.text") === t, expected, { timeout: 10_000 }).catch(() => undefined);
    assert.equal(await page.evaluate(() => localStorage.getItem("qofrules.editor.text")), expected);
    assert.equal(await waitState(page, "#tests", ["done", "error"], 120_000), "done");
    assert.equal(await page.textContent("#test-summary"), `${names.length} passed, 0 failed`);
    await screenshot(page, "boundary-tests-for-each");

    // one undoable change
    await page.click("#editor .cm-content");
    await page.keyboard.press("Control+z");
    await page.waitForFunction((t) => localStorage.getItem("qofrules.editor.text") === t, FAMILY, { timeout: 10_000 });
    await page.waitForFunction((b) => (document.querySelector("#editor-status")?.textContent ?? "").startsWith(b), before, { timeout: 120_000 });
    assert.deepEqual(errors, []);
    await page.context().close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
