// Shared by the editor's browser tests: the browser, the page URL, screenshots, and editor
// helpers.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, after } from "node:test";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./browser.mjs";

const here = dirname(fileURLToPath(import.meta.url));
export const resultsDir = join(here, "..", "test-results");
export const repoRoot = join(here, "..", "..");

/** The debug CLI the browser tests compare the page with (`cargo xtask browser-test` builds it
 * and names it in `QOFRULES_BIN`). */
export const CLI_BIN = process.env.QOFRULES_BIN || join(repoRoot, "target", "debug", "qofrules");

/** Fails the test run early, with a hint, when the CLI is missing. */
export function requireCli() {
  assert.ok(existsSync(CLI_BIN), `no CLI at ${CLI_BIN}: \`cargo build\` (cargo xtask browser-test builds it) or set QOFRULES_BIN`);
}

/** The CLI's standard output for `args`; throws when it fails. */
export function cli(args) {
  return execFileSync(CLI_BIN, args, { encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "ignore"] });
}

/** The browser of a test file, one for all its tests: launched before them (with
 * `{ cli: true }`, after checking that the CLI is there) and closed after them. Call it once,
 * at the top of the file: `const browser = useBrowser();`. What it returns stands for the
 * browser (every property is the launched browser's, methods bound to it), so `browser` is
 * used as playwright's own: `openPage(browser)`, `browser.newContext(...)`. */
export function useBrowser({ cli = false } = {}) {
  let browser = null;
  before(async () => {
    if (cli) requireCli();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  return new Proxy(
    {},
    {
      get(_, key) {
        if (!browser) throw new Error(`the browser is used before it is launched (\`${String(key)}\`): use it inside a test`);
        const value = browser[key];
        return typeof value === "function" ? value.bind(browser) : value;
      },
    },
  );
}

export function requireEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the browser tests with \`cargo xtask test\``);
  }
  return value;
}

/** What the CLI printed for `file` (`qofrules eval --format json`), or null when the xtask
 * could not produce it (no `eval` subcommand yet). */
export function expectedJson(name) {
  const dir = process.env.QOFRULES_EXPECTED;
  if (!dir) return null;
  const path = join(dir, name);
  return existsSync(path) ? readFileSync(path, "utf8") : null;
}

/** The two window sizes every feature is shown at: the smallest laptop and a desktop. */
export const SCREEN_SIZES = [
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
];

/** The browser tests' artefacts: screenshots of the page as it is now at each of
 * `SCREEN_SIZES`, `www/test-results/NAME-1366.png` and `NAME-1920.png`; the viewport is put back
 * afterwards. Every browser test takes its screenshots through this. */
export async function screenshot(page, name) {
  mkdirSync(resultsDir, { recursive: true });
  const before = page.viewportSize();
  for (const size of SCREEN_SIZES) {
    await page.setViewportSize(size);
    await settled(page);
    await page.screenshot({ path: join(resultsDir, `${name}-${size.width}.png`) });
  }
  if (before) {
    await page.setViewportSize(before);
    await settled(page);
  }
}

/** After two animation frames: a resize has been laid out and painted. */
function settled(page) {
  return page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/** A page on a fresh profile, collecting page errors and console errors and warnings (a
 * failed request, such as a missing favicon, is a console error). */
export async function openPage(browser, hash = "", viewport = { width: 1366, height: 800 }, options = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, ...options });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") errors.push(`console ${m.type()}: ${m.text()}`);
  });
  await page.goto(requireEnv("QOFRULES_URL") + hash);
  await page.waitForSelector('#version:is([data-state="ready"], [data-state="error"])', { timeout: 60_000 });
  return { page, errors };
}

/** Replaces the main editor's text, as if pasted: all selected (Ctrl+A), then one paste event
 * carrying the text, which the editor takes as one change. Not `keyboard.insertText`: that
 * types the text through the browser's own editing, a paragraph per line, which takes minutes
 * and gigabytes on a national scheme of thousands of lines (issue #16). */
export async function setEditorText(page, text, selector = "#editor") {
  await page.click(`${selector} .cm-content`);
  await page.keyboard.press("Control+a");
  await page.$eval(
    `${selector} .cm-content`,
    (el, t) => {
      const data = new DataTransfer();
      data.setData("text/plain", t);
      el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    },
    text,
  );
}

export async function editorText(page, selector = "#editor") {
  return page.$$eval(`${selector} .cm-line`, (lines) => lines.map((l) => l.textContent).join("\n"));
}

export async function waitState(page, selector, states, timeout = 60_000) {
  const sel = states.map((s) => `${selector}[data-state="${s}"]`).join(", ");
  await page.waitForSelector(sel, { timeout });
  return page.getAttribute(selector, "data-state");
}

export const MINI = `scheme mini "Mini scheme" { period 2019-04-01 to 2020-03-31, point value £187.74, national average list size 8479 }
codelist DM_COD "Diabetes" snomed { 44054006 }
codelist IFCCHBAM_COD "IFCC HbA1c" snomed { 999791000000106 }
register DM "Diabetes mellitus" { patients aged 17 or over, where DM_COD }
indicator DM017 "Register" { group DM, domain CL, points 6, register DM }
indicator DM020 "HbA1c 58 or less" {
  group DM, domain CL, points 17, thresholds 35% to 75%
  denominator DM
  achieved when latest IFCCHBAM_COD in last 12 months has value <= 58
}
test "HbA1c of 57 counts" {
  patient born 1950-01-01, female, registered 2000-01-01 {
    DM_COD on 2010-05-01
    999791000000106 on 2019-10-01 value 57
  }
  expect DM020 numerator
}
test "HbA1c of 70 does not count" {
  patient born 1950-01-01, male, registered 2000-01-01 {
    DM_COD on 2010-05-01
    999791000000106 on 2019-10-01 value 70
  }
  expect DM020 numerator
}
`;

/** Splits one line of a CSV file (fields may be double-quoted, with `""` for a quote). */
function csvLine(line) {
  const out = [];
  let field = "";
  let quoted = false;
  for (let k = 0; k < line.length; k++) {
    const c = line[k];
    if (quoted) {
      if (c === '"' && line[k + 1] === '"') {
        field += '"';
        k++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(field);
      field = "";
    } else field += c;
  }
  out.push(field);
  return out;
}

/** The rows of a CSV file under data/reference/ as objects keyed by the header's names. */
export function referenceRows(file) {
  const [head, ...lines] = readFileSync(join(repoRoot, "data", "reference", file), "utf8").trim().split("\n");
  const names = csvLine(head);
  return lines.map((l) => Object.fromEntries(csvLine(l).map((v, k) => [names[k], v])));
}

/** The practice codes of a CCG in the embedded NHS Digital 2019/20 figures, sorted. */
export function ccgPracticeIds(ccgName) {
  const ccg = referenceRows("ccgs_1920.csv").find((c) => c.ccg_name === ccgName);
  if (!ccg) throw new Error(`no CCG named ${ccgName} in data/reference/ccgs_1920.csv`);
  return referenceRows("practices_1920.csv").filter((p) => p.ccg_id === ccg.ccg_id).map((p) => p.practice_id).sort();
}

/** A number as the page writes it, thousands separators and all ("1,234" is 1234). */
export const number = (text) => Number(String(text).replace(/,/g, ""));

/** The patient explorer's count ("1,234 patients match ...") once its query is done. */
export async function matched(page) {
  await page.waitForSelector('#patient-count[data-state="done"]', { timeout: 60_000 });
  const text = await page.textContent("#patient-count");
  if (text === "no patient matches") return 0;
  const m = /^([\d,]+) patients? match/.exec(text ?? "");
  if (!m) throw new Error(`the explorer's count is not a count: ${text}`);
  return number(m[1]);
}
