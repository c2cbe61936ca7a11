// The rule editor: wires the page (index.html) to the engine workers. One worker answers
// checks (live diagnostics must never wait behind an evaluation), the other keeps the
// population and evaluates, explains, runs tests and compares.
import { keymap } from "@codemirror/view";
import type { EditorView } from "@codemirror/view";
import { createEditor, jumpTo, setText, setWrap } from "./editor";
import type { SchemeName } from "./editor";
import { Cancelled, Engine } from "./engine";
import { setupHelp } from "./help";
import { setupInputs } from "./inputs";
import { compareCsv, download, h, morph, renderCompare, renderResults, resultsCsv, sortableTables } from "./report";
import { decodeFragment, encodeFragment } from "./share";
import { makeSplit } from "./split";
import { impactCharts, strataTable } from "./compare-panels";
import { diffMarks, jumpToChange, showMarks } from "./diffmarks";
import { setupSweep } from "./sweep";
import { insertAfter, WitnessPanel } from "./testers";
import type { SweepPanel } from "./sweep";
import type { CheckOutput, CompareOutput, Failure, PatientQuery, PatientStatus, PayResult, PopulationInfo, Problem, Reply, ShippedFile } from "./types";

const STORE_KEY = "qofrules.editor.text";
const STORE_A = "qofrules.compare.a";
const STORE_B = "qofrules.compare.b";
const STORE_WRAP = "qofrules.wrap";
const DEFAULT_SCHEME = "rules/qof-2019-20.qof";

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`page is missing the #${id} element`);
  return el;
}
function $input(id: string): HTMLInputElement {
  return $(id) as HTMLInputElement;
}
function $select(id: string): HTMLSelectElement {
  return $(id) as HTMLSelectElement;
}

const checker = new Engine();
const engine = new Engine();
let shippedFiles: ShippedFile[] = [];
let view: EditorView;
let viewA: EditorView | undefined;
let viewB: EditorView | undefined;
let population: PopulationInfo | undefined;
let lastResult: PayResult | undefined;
let lastCompare: CompareOutput | undefined;
let sweepPanel: SweepPanel | undefined;

function problemText(p: Problem): string {
  const where = p.start ? `${p.file ?? ""}:${p.start.line}:${p.start.column}` : p.file ? `${p.file}${p.row ? `, row ${p.row}` : ""}${p.column ? `, column ${p.column}` : ""}` : "";
  return `${p.severity === "error" ? "✖ error" : "⚠ warning"}${where ? ` ${where}` : ""}: ${p.message}${p.help ? ` (help: ${p.help})` : ""}`;
}

function failureList(f: Failure): HTMLElement {
  return h("ul", { class: "failure" }, ...f.errors.map((p) => h("li", { class: p.severity }, problemText(p))));
}

// ---------------------------------------------------------------- problems list

let openHelp: (query?: string) => void = () => undefined;

/** A problem's help, with `docs/language.md` as a link to the bundled reference. */
function helpText(help: string): HTMLElement {
  const span = h("span", { class: "help" }, " help: ");
  const parts = help.split("docs/language.md");
  parts.forEach((part, k) => {
    if (k > 0) {
      const a = h("a", { href: "#help", class: "doc-link" }, "docs/language.md");
      a.addEventListener("click", (e) => {
        e.preventDefault();
        e.stopPropagation();
        openHelp();
      });
      span.append(a);
    }
    span.append(part);
  });
  return span;
}

function renderProblems(problems: Problem[]): void {
  const list = $("problems");
  list.replaceChildren();
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.length - errors;
  $("problem-count").textContent = problems.length === 0 ? "(none)" : `(${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"})`;
  for (const p of problems) {
    const label = `${p.severity === "error" ? "✖ error" : "⚠ warning"} ${p.start ? `${p.root ? "" : `${p.file} `}${p.start.line}:${p.start.column}` : ""}`;
    const body = [h("span", { class: "sev" }, label), " ", h("span", { class: "msg" }, p.message)];
    // the help is outside the button: it may hold a link
    const help = p.help ? helpText(p.help) : null;
    if (p.root && p.start) {
      const start = p.start;
      const end = p.end;
      const b = h("button", { type: "button", class: `problem ${p.severity}`, "data-line": String(start.line), "data-column": String(start.column) }, ...body);
      b.addEventListener("click", () => jumpTo(view, start.offset, end?.offset));
      list.append(h("li", {}, b, help));
    } else {
      list.append(h("li", { class: `problem ${p.severity}` }, ...body, help));
    }
  }
}

// ---------------------------------------------------------------- evaluation (coalesced)

let evalRunning = false;
let evalPending: string | null = null;
/** The text last sent to the checker: the checker's reply, and whether it checks without
 * errors. */
let lastCheck: { text: string; reply: Promise<Reply<CheckOutput>>; clean: Promise<boolean> } | undefined;
/** The results of an evaluation that finished while the Results tab was hidden: drawn when
 * the tab is shown. */
let pendingDraw: (() => void) | undefined;
/** The text of the results on the panel and their drawing: drawn again when the scheme's
 * register indicators (whose counts are links) arrive after them. */
let drawn: { text: string; draw: () => void } | undefined;

function scheduleEvaluate(text: string): void {
  evalPending = text;
  if (!evalRunning) void runEvaluate();
}

async function runEvaluate(): Promise<void> {
  const results = $("results");
  while (evalPending !== null) {
    const text = evalPending;
    evalPending = null;
    evalRunning = true;
    results.dataset.state = "running";
    results.setAttribute("aria-busy", "true");
    try {
      performance.mark("qof:eval-sent");
      const { value, ms } = await engine.timed("evaluate", text);
      performance.mark("qof:eval-back");
      if (evalPending !== null) continue; // already stale
      if (value.ok) {
        lastResult = value.result;
        const draw = () => {
          // the last results' elements are kept where they match: only changed cells change
          morph(results, [renderResults(value.result, value.indicators, value.population.label, ms, (q) => void openPatients(q), (id) => registerIndicators.has(id))]);
          performance.mark("qof:rendered");
          // the frame after this one: the results have been laid out and painted
          requestAnimationFrame(() => setTimeout(() => performance.mark("qof:painted"), 0));
        };
        drawn = { text, draw };
        // only the visible panel is drawn; hidden results wait for their tab
        if ($("panel-results").hidden) pendingDraw = draw;
        else draw();
        // the text may have changed meanwhile into one that does not check (no evaluation
        // follows then): these results are of the old text
        results.dataset.state = text === view.state.doc.toString() ? "done" : "stale";
        results.dataset.ms = String(ms);
      } else if (text !== view.state.doc.toString() || (lastCheck?.text === text && !(await lastCheck.clean))) {
        // a text with errors (the check lists them) or no longer the editor's: keep the
        // last results, marked stale
        results.dataset.state = "stale";
      } else {
        pendingDraw = drawn = undefined;
        results.replaceChildren(h("p", {}, "The scheme cannot be evaluated:"), failureList(value));
        results.dataset.state = "error";
      }
    } catch (err) {
      pendingDraw = drawn = undefined;
      results.replaceChildren(h("p", { class: "error" }, `✖ ${String(err)}`));
      results.dataset.state = "error";
    }
  }
  evalRunning = false;
  results.setAttribute("aria-busy", "false");
}

// ---------------------------------------------------------------- the main editor

let saveTimer: number | undefined;
/** When Format last rewrote the text (its note stays on the status line for a while). */
let formattedAt = 0;
/** The last boundary tests inserted and when: their note stays on the status line for a while,
 * as Format's does, when the check of the new text rewrites it. */
let boundaryNote = { text: "", at: 0 };
let indicatorIds: string[] = [];
/** The resolved scheme's names (its parent's included), for completion. */
let schemeNames: SchemeName[] = [];
/** The scheme those names are of: another scheme's names are never offered. */
let schemeNamesFor = "";
/** The indicators that count a register (`register DM`). */
let registerIndicators = new Set<string>();
/** Per indicator, the keys of its adjustment categories, in the order it lists them. */
let adjustmentCategories = new Map<string, string[]>();

/** Starts the work a text needs, once per text: its check in one worker and, beside it (not
 * after it), its evaluation in the other; a text with errors only fails to evaluate, and the
 * results are then marked stale. Called from the keystroke (the editor's `onSettled`) and by
 * the linter, which finds the check already under way. */
function startWork(text: string): Promise<Reply<CheckOutput>> {
  if (lastCheck?.text === text) return lastCheck.reply;
  performance.mark("qof:check-sent");
  const reply = checker.call("check", text);
  lastCheck = { text, reply, clean: reply.then((r) => r.ok && r.error_count === 0, () => false) };
  scheduleEvaluate(text);
  return reply;
}

async function check(text: string): Promise<Problem[]> {
  return checked(text, await startWork(text));
}

function checked(text: string, reply: Reply<CheckOutput>): Problem[] {
  performance.mark("qof:check-back");
  if (!reply.ok) return reply.errors;
  renderProblems(reply.diagnostics);
  const status = $("editor-status");
  if (reply.error_count === 0 && reply.scheme) {
    status.textContent = `✔ ${reply.scheme.id}: ${reply.scheme.indicators} indicators, ${reply.scheme.tests} tests`;
    if (Date.now() - formattedAt < 4000) status.textContent += " · formatted";
    if (Date.now() - boundaryNote.at < 4000) status.textContent += ` · ${boundaryNote.text}`;
    updateIndicators(reply.scheme.id, text);
    sweepPanel?.textChanged(text);
  } else {
    status.textContent = `✖ ${reply.error_count} error${reply.error_count === 1 ? "" : "s"}`;
    $("results").dataset.state = "stale";
  }
  return reply.diagnostics;
}

let indicatorsFor = "";
async function updateIndicators(id: string, text: string): Promise<void> {
  if (indicatorsFor === text) return;
  indicatorsFor = text;
  const r = await checker.call("inspect", text);
  if (!r.ok || r.scheme.id !== id) return;
  indicatorIds = r.scheme.indicators.map((i) => i.id);
  registerIndicators = new Set(r.scheme.indicators.filter((i) => i.kind === "register").map((i) => i.id));
  adjustmentCategories = new Map(r.scheme.indicators.map((i) => [i.id, [...new Set(i.adjustments.map((a) => a.category))]]));
  // results of this text drawn before these: draw them again (only the register counts change)
  if (drawn?.text === text) {
    if ($("panel-results").hidden) pendingDraw = drawn.draw;
    else drawn.draw();
  }
  schemeNamesFor = r.scheme.id;
  schemeNames = [
    ...r.scheme.codelists.map((c) => ({ label: c.id, kind: "code list", detail: c.title })),
    ...r.scheme.registers.map((c) => ({ label: c.id, kind: "register", detail: c.title })),
    ...r.scheme.indicators.map((c) => ({ label: c.id, kind: "indicator", detail: c.title })),
  ];
  const sel = $select("patient-indicator");
  const keep = sel.value;
  sel.replaceChildren(h("option", { value: "" }, "all"), ...indicatorIds.map((i) => h("option", { value: i }, i)));
  if (indicatorIds.includes(keep)) sel.value = keep;
}

/** Saves the text in the browser (`localStorage`): 300 ms after an edit, or at once when the
 * page goes away (a reload sooner than that keeps the edit too). */
function saveText(): void {
  window.clearTimeout(saveTimer);
  saveTimer = undefined;
  localStorage.setItem(STORE_KEY, view.state.doc.toString());
}

function onChange(text: string): void {
  performance.mark("qof:edit");
  const tests = $("tests");
  if (tests.dataset.state === "done" || tests.dataset.state === "error") {
    tests.dataset.state = "stale";
    $("tests-stale").hidden = false;
  }
  window.clearTimeout(saveTimer);
  saveTimer = window.setTimeout(saveText, 300);
  const picker = $select("scheme-picker");
  const f = shippedFiles.find((s) => s.path === picker.value);
  if (f && f.text !== text) picker.value = "";
}

async function formatEditor(target: EditorView = view): Promise<void> {
  const text = target.state.doc.toString();
  const r = await checker.call("format", text);
  const status = $("editor-status");
  if (r.ok) {
    formattedAt = Date.now();
    if (r.text !== text) setText(target, r.text);
    status.textContent = r.text === text ? "✔ already formatted" : "✔ formatted";
  } else {
    status.textContent = `✖ cannot format: ${r.errors[0]?.message ?? "syntax errors"}`;
  }
}

// ---------------------------------------------------------------- tabs

function tabs(ids: string[], onSelect?: (id: string) => void): void {
  const buttons = ids.map((id) => $(id));
  const select = (b: HTMLElement) => {
    for (const x of buttons) {
      const on = x === b;
      x.setAttribute("aria-selected", String(on));
      x.tabIndex = on ? 0 : -1;
      const panel = $(x.getAttribute("aria-controls") ?? "");
      panel.hidden = !on;
    }
    onSelect?.(b.id);
  };
  buttons.forEach((b, k) => {
    b.addEventListener("click", () => select(b));
    b.addEventListener("keydown", (e) => {
      const d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (d === 0) return;
      const n = buttons[(k + d + buttons.length) % buttons.length];
      if (n) {
        select(n);
        n.focus();
      }
    });
  });
}

// ---------------------------------------------------------------- tests panel

async function runTests(): Promise<{ name: string; passed: boolean }[] | null> {
  const out = $("tests");
  out.dataset.state = "running";
  const r = await engine.call("runTests", view.state.doc.toString());
  if (!r.ok) {
    $("tests-stale").hidden = true;
    out.replaceChildren(h("p", {}, "The scheme has errors:"), failureList(r));
    out.dataset.state = "error";
    return null;
  }
  const { report, positions, records } = r;
  const items = records.map((t, k) => {
    const pos = positions[k];
    // an inherited test is in a parent's file: say where, there is nothing to jump to here
    const place = t.inherited ? ` (${t.file} line ${t.line}, inherited)` : pos ? ` (line ${pos.line})` : "";
    const name = h("button", { type: "button", class: "link" }, `${t.passed ? "✔ pass" : "✖ FAIL"}: ${t.name}${place}`);
    if (pos && !t.inherited) name.addEventListener("click", () => jumpTo(view, pos.offset));
    // outcome and pay expectations alike: `DM020 points: expected 6.375, got 0`
    const fails = t.expectations
      .filter((x) => !x.passed)
      .map((x) =>
        h(
          "li",
          {},
          `${x.indicator}${x.kind === "outcome" ? "" : ` ${x.kind}`}: expected ${x.expected}, got ${x.actual ?? "nothing"}`,
          x.explanation ? h("p", { class: "explanation" }, x.explanation) : null,
        ),
      );
    const errs = t.errors.map((e) => h("li", {}, `✖ ${e}`));
    return h("li", { class: t.passed ? "pass" : "fail" }, name, fails.length + errs.length ? h("ul", {}, ...errs, ...fails) : null);
  });
  $("tests-stale").hidden = true;
  out.replaceChildren(
    h("p", { id: "test-summary", class: report.failed ? "fail" : "pass" }, `${report.passed} passed, ${report.failed} failed`),
    h("ul", { class: "tests" }, ...items),
  );
  out.dataset.state = "done";
  return records;
}

// ---------------------------------------------------------------- boundary tests

/** Generates the boundary tests of the indicator under the cursor (or, in a `for each` body,
 * of every copy of its indicator template), inserts them after its block (after the whole
 * `for each`; one undoable change) and runs the tests. */
async function generateBoundaryTests(): Promise<void> {
  const status = $("editor-status");
  const text = view.state.doc.toString();
  status.textContent = "generating boundary tests…";
  status.dataset.state = "running";
  const r = await engine.call("boundaryAt", text, view.state.selection.main.head);
  if (!r.ok) {
    const outside = r.errors.length === 1 && r.errors[0]?.message === "the cursor is not in an indicator";
    status.textContent = outside ? "✖ put the cursor in an indicator to generate its boundary tests" : `✖ cannot generate boundary tests: ${r.errors.map(problemText).join("; ")}`;
    status.dataset.state = "error";
    return;
  }
  if (view.state.doc.toString() !== text) {
    status.textContent = "✖ the text changed meanwhile: generate the boundary tests again";
    status.dataset.state = "error";
    return;
  }
  if (r.cases === 0) {
    status.textContent = `✖ ${r.written} has no boundary tests to generate`;
    status.dataset.state = "error";
    return;
  }
  insertAfter(view, r, r.text);
  status.textContent = r.for_each
    ? `✔ ${r.cases} boundary tests of ${r.indicators.join(", ")} (every copy of ${r.written}) inserted after the ${r.for_each} block (Ctrl-Z removes them)`
    : `✔ ${r.cases} boundary tests of ${r.written} inserted after it (Ctrl-Z removes them)`;
  status.dataset.state = "done";
  boundaryNote = { text: `${r.cases} boundary tests inserted`, at: Date.now() };
  $("tab-tests").click();
  await runTests();
}

// ---------------------------------------------------------------- patients panel

const PATIENT_LIMIT = 200;

/** The sex and age band chosen in the explorer (ages at the end of the scheme's period). */
function patientFilters(): Pick<PatientQuery, "sex" | "age_from" | "age_to"> {
  const [from, to] = $select("patient-age").value.split("-");
  return {
    sex: $select("patient-sex").value || null,
    age_from: from ? Number(from) : null,
    age_to: to ? Number(to) : null,
  };
}
let patientsSeq = 0;

/** Clears the explanation of a patient no longer listed. */
function clearExplanation(): void {
  $("explanation").replaceChildren();
  delete $("explanation").dataset.state;
}

/** The standard adjustment categories' keys as the language writes them. */
const CATEGORY_NAMES: Record<string, string> = {
  chose_not_to: "chose not to",
  no_response: "no response",
  service_unavailable: "service unavailable",
  new_patient: "new patient",
};

/** The status picker's options for an indicator: after "adjusted (PCA)", one per adjustment
 * category the indicator has (`adjusted:KEY`); a chosen category it lacks falls back to all. */
function categoryOptions(indicator: string): void {
  const status = $select("patient-status");
  const keep = status.value;
  for (const o of [...status.options]) if (o.value.startsWith("adjusted:")) o.remove();
  const all = [...status.options].find((o) => o.value === "adjusted");
  const keys = adjustmentCategories.get(indicator) ?? [];
  all?.after(...keys.map((k) => h("option", { value: `adjusted:${k}` }, `adjusted: ${CATEGORY_NAMES[k] ?? k}`)));
  status.value = keep;
  if (status.value !== keep) status.value = keep.startsWith("adjusted:") ? "adjusted" : "denominator";
}

async function refreshPatients(): Promise<void> {
  const seq = ++patientsSeq;
  const indicator = $select("patient-indicator").value;
  const status = $select("patient-status");
  status.disabled = indicator === "";
  categoryOptions(indicator);
  const [chosen, category] = status.value.split(":");
  const query: PatientQuery = {
    filter: $input("patient-filter").value,
    practice: $input("patient-practice").value.trim() || null,
    indicator: indicator || null,
    status: indicator ? (chosen as PatientStatus) : null,
    ...(indicator && category ? { category } : {}),
    limit: PATIENT_LIMIT,
    ...patientFilters(),
  };
  const count = $("patient-count");
  count.dataset.state = "running";
  const r = await engine.call("findPatients", view.state.doc.toString(), query);
  if (seq !== patientsSeq) return; // a newer query is on its way
  const sel = $select("patient-list");
  if (!r.ok) {
    sel.replaceChildren();
    clearExplanation();
    // published counts have no patients: not an error of the text, said plainly
    const counts = population?.kind === "counts";
    count.textContent = counts ? "published counts have no patients; load a population to explore patients" : r.errors.map(problemText).join("; ");
    count.dataset.state = counts ? "empty" : "error";
    return;
  }
  const keep = sel.value;
  sel.replaceChildren(...r.patients.map((p) => h("option", { value: p.patient_id }, `${p.patient_id} (${p.practice_id}, ${p.sex}, born ${p.birth_date})`)));
  if (r.patients.some((p) => p.patient_id === keep)) sel.value = keep;
  else clearExplanation(); // its patient is no longer listed
  const n = r.matched.toLocaleString("en-GB");
  count.textContent = r.matched === 0 ? "no patient matches" : r.matched > r.patients.length ? `${n} patients match; the first ${r.patients.length} are listed` : `${n} patient${r.matched === 1 ? "" : "s"} match`;
  count.dataset.state = "done";
}

/** Opens the patient explorer on an indicator's patients with a status (or a practice's). */
async function openPatients(q: { indicator?: string; status?: PatientStatus; practice?: string }): Promise<void> {
  $("tab-patients").click();
  const ind = $select("patient-indicator");
  ind.value = q.indicator && indicatorIds.includes(q.indicator) ? q.indicator : "";
  if (q.status) $select("patient-status").value = q.status;
  $input("patient-practice").value = q.practice ?? "";
  $input("patient-filter").value = "";
  await refreshPatients();
  if ($select("patient-list").options.length > 0) {
    $select("patient-list").selectedIndex = 0;
    await explain();
  } else {
    $("explanation").replaceChildren();
  }
}

async function explain(): Promise<void> {
  const out = $("explanation");
  const id = $select("patient-list").value;
  if (!id) {
    out.textContent = "Choose a patient first.";
    return;
  }
  out.dataset.state = "running";
  const ind = $select("patient-indicator").value;
  const r = await engine.call("explain", view.state.doc.toString(), id, ind || null);
  if (!r.ok) {
    out.replaceChildren(failureList(r));
    out.dataset.state = "error";
    return;
  }
  // the events the explanation cites: in one of the scheme's code lists, on a date its
  // steps name
  const cited = r.traces.map((t) => t.text).join(" ");
  const used = (e: { date: string; lists: string[] }) => e.lists.length > 0 && cited.includes(e.date);
  const ICON: Record<string, string> = { numerator: "✔ numerator", denominator: "○ denominator", adjusted: "⊘ adjusted", excluded: "– excluded" };
  const events = h(
    "table",
    { id: "patient-events", class: "sortable" },
    h("caption", {}, `Events (${r.events.length}); ▶ marks those the explanation cites, those in none of the scheme's code lists are greyed`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", title: "cited by the explanation" }, "Used"), h("th", { scope: "col" }, "Date"), h("th", { scope: "col" }, "Code"), h("th", { scope: "col", class: "num" }, "Value"), h("th", { scope: "col" }, "Code lists"))),
    h(
      "tbody",
      {},
      ...r.events.map((e) =>
        h(
          "tr",
          { class: used(e) ? "used" : e.lists.length ? "" : "muted" },
          h("td", {}, used(e) ? "▶" : ""),
          h("td", {}, e.date),
          h("td", {}, e.code),
          h("td", { class: "num" }, e.value === null ? "" : String(e.value)),
          h("td", {}, e.lists.join(", ")),
        ),
      ),
    ),
  );
  out.replaceChildren(
    h("p", {}, `Patient ${r.patient.patient_id} at ${r.patient.practice_id}: ${r.patient.sex}, born ${r.patient.birth_date}, ${r.patient.events} events`),
    ...r.traces.map((t) =>
      h(
        "details",
        { open: "" },
        h("summary", {}, h("strong", {}, t.indicator), ` ${ICON[t.outcome.outcome] ?? t.outcome.outcome}${t.stratum ? ` (stratum ${t.stratum})` : ""}: ${t.title}`),
        h("ol", {}, ...t.steps.map((s) => h("li", {}, s))),
      ),
    ),
    events,
  );
  out.dataset.state = "done";
}

/** Appends the chosen patient to the text as a test expecting its current outcome. */
async function addAsTest(): Promise<void> {
  const id = $select("patient-list").value;
  const note = $("patient-count");
  if (!id) {
    note.textContent = "Choose a patient first.";
    return;
  }
  const ind = $select("patient-indicator").value;
  const r = await engine.call("patientTest", view.state.doc.toString(), id, ind || null);
  if (!r.ok) {
    note.textContent = r.errors.map(problemText).join("; ");
    note.dataset.state = "error";
    return;
  }
  const doc = view.state.doc;
  const sep = doc.length === 0 ? "" : doc.toString().endsWith("\n\n") ? "" : doc.toString().endsWith("\n") ? "\n" : "\n\n";
  const at = doc.length + sep.length;
  view.dispatch({ changes: { from: doc.length, insert: sep + r.block }, selection: { anchor: at }, scrollIntoView: true });
  const added = `a test of ${id} with ${r.expects} expectation${r.expects === 1 ? "" : "s"} at the end of the text`;
  note.textContent = `added ${added}; running the tests…`;
  note.dataset.state = "running";
  // the tests run at once (the Tests panel shows them all), so one click says it passes
  const name = /^test "((?:[^"\\]|\\.)*)"/.exec(r.block)?.[1];
  const mine = (await runTests())?.find((t) => t.name === name);
  note.textContent = mine?.passed ? `✔ added ${added}: it passes` : `✖ added ${added}, but it ${mine ? "fails" : "did not run"}: see the Tests panel`;
  note.dataset.state = mine?.passed ? "done" : "error";
}

// ---------------------------------------------------------------- population

function showPopulation(info: PopulationInfo): void {
  population = info;
  $("population-status").textContent = `✔ ${info.label}: ${info.practices} practices, ${info.patients.toLocaleString("en-GB")} patients`;
  $("population-status").dataset.state = "ready";
}

async function afterPopulation(reply: Reply<PopulationInfo>): Promise<void> {
  const status = $("population-status");
  if (!reply.ok) {
    status.textContent = reply.errors.map(problemText).join("; ");
    status.dataset.state = "error";
    return;
  }
  showPopulation(reply);
  if (reply.kind === "counts") {
    // published counts show as their own choice, so that choosing a population again (the
    // default one included) is a change that loads it
    $select("population-kind").value = "counts";
    $("synth-controls").hidden = true;
    $("file-controls").hidden = true;
  }
  scheduleEvaluate(view.state.doc.toString());
  sweepPanel?.inputsChanged();
  void refreshPatients();
  if (!$("compare-view").hidden) void runCompare();
}

function readFile(f: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error ?? new Error(`cannot read ${f.name}`));
    r.readAsText(f);
  });
}

function setupPopulation(): void {
  const kind = $select("population-kind");
  kind.addEventListener("change", async () => {
    $("synth-controls").hidden = kind.value !== "synthetic";
    $("file-controls").hidden = kind.value !== "files";
    if (kind.value === "default" && population?.kind !== "default") {
      $("population-status").textContent = "loading the default population…";
      $("population-status").dataset.state = "busy";
      await afterPopulation(await engine.call("useDefaultPopulation"));
    } else if (population && $("population-status").dataset.state === "error") {
      // an error of an earlier try is not news any more: show what is loaded
      showPopulation(population);
    }
  });
  $("synth-go").addEventListener("click", async () => {
    const scale = Number($input("synth-scale").value);
    const seed = Number($input("synth-seed").value);
    $("population-status").textContent = "generating…";
    $("population-status").dataset.state = "busy";
    await afterPopulation(await engine.call("synth", { ccg: $select("synth-ccg").value, scale, seed }));
  });
  $select("prevalence-from").addEventListener("change", async () => {
    await engine.call("setPrevalenceFromPopulation", $select("prevalence-from").value === "population");
    scheduleEvaluate(view.state.doc.toString());
    sweepPanel?.inputsChanged();
    if (!$("compare-view").hidden) void runCompare();
  });
  $input("population-files").addEventListener("change", async () => {
    const files = [...($input("population-files").files ?? [])];
    if (files.length === 0) return;
    $("population-status").textContent = "reading files (they stay on this computer)…";
    $("population-status").dataset.state = "busy";
    const texts: Record<string, string> = {};
    for (const f of files) texts[f.name] = await readFile(f);
    await afterPopulation(await engine.call("loadPopulation", texts));
  });
}

// ---------------------------------------------------------------- compare mode

let compareTimer: number | undefined;

async function runCompare(): Promise<void> {
  if (!viewA || !viewB) return;
  const out = $("compare-results");
  out.dataset.state = "running";
  out.setAttribute("aria-busy", "true");
  const a = viewA.state.doc.toString();
  const b = viewB.state.doc.toString();
  cancelWitness();
  const { value: r, ms } = await engine.timed("compare", a, b);
  out.setAttribute("aria-busy", "false");
  if (viewA.state.doc.toString() !== a || viewB.state.doc.toString() !== b) return; // stale
  if (!r.ok) {
    lastCompare = undefined;
    out.replaceChildren(h("p", {}, "Cannot compare:"), failureList(r));
    out.dataset.state = "error";
    return;
  }
  lastCompare = r;
  // the rule changes, marked where each text writes them
  for (const [ed, list, side] of [[viewA, r.marks_a, "a"], [viewB, r.marks_b, "b"]] as const) {
    showMarks(ed, list);
    const note = $(`marks-${side}`);
    note.textContent = list.length ? `${list.length} change${list.length === 1 ? "" : "s"} marked` : "";
    note.title = list.map((m) => `${m.indicator ?? "header"} ${m.status}${m.note ? `: ${m.note}` : ""}`).join("\n");
    for (const dir of ["prev", "next"]) ($(`${dir}-change-${side}`) as HTMLButtonElement).disabled = list.length === 0;
  }
  const view = renderCompare(r);
  view.insertBefore(impactCharts(r), view.children[1] ?? null);
  const strata = strataTable(r);
  if (strata) view.append(strata);
  out.replaceChildren(view, h("p", { class: "muted" }, `compared in ${Math.round(ms)} ms`));
  out.dataset.state = "done";
  showWitness(a, b, r, view);
}

// Compare's "Can anyone differ?" runs on demand in the tools worker, never in the engine
// worker: a witness search takes seconds on very different schemes (every indicator of QOF
// 2024/25 against 2025/26), and a comparison or evaluation must never wait behind it.

/** The tools worker, started when the panel is first opened (and again after a cancel). */
let tools: Engine | undefined;
/** Bumped by every comparison and edit in compare mode: a witness run of an older one stops. */
let witnessSeq = 0;
/** The panel was opened: the next comparisons fill it at once. */
let witnessWanted = false;

/** Stops the witness work of an older text: the tools worker is terminated mid-search (a
 * witness call cannot be interrupted otherwise) and started afresh when next needed. */
function cancelWitness(): void {
  witnessSeq++;
  if (tools?.busy) {
    tools.terminate();
    tools = undefined;
  }
}

/** Compare's "Can anyone differ?": folded until opened; then, per indicator, whether any
 * patient can have another outcome under B, with a verified witness patient (the ones whose
 * compiled rule is the same at once, the others one by one). Drawn below the indicator
 * changes. */
function showWitness(a: string, b: string, r: CompareOutput, into: HTMLElement): void {
  const holder = h(
    "details",
    { id: "witness", "data-state": "idle", "aria-labelledby": "witness-title" },
    h("summary", {}, h("h2", { id: "witness-title" }, "Can anyone differ?")),
    h("p", { class: "muted" }, "Open to decide, per indicator, whether any patient can have another outcome under B (in a worker of its own: the comparison never waits for it)."),
  ) as HTMLDetailsElement;
  const changes = [...into.querySelectorAll("caption")].find((c) => c.textContent?.startsWith("Indicator changes"))?.closest("table");
  if (changes) changes.after(holder);
  else into.append(holder);
  const seq = witnessSeq;
  holder.addEventListener("toggle", () => {
    witnessWanted = holder.open;
    if (holder.open && holder.dataset.state === "idle" && seq === witnessSeq) void fillWitness(a, b, r, holder, seq);
  });
  if (witnessWanted) holder.open = true;
}

async function fillWitness(a: string, b: string, r: CompareOutput, holder: HTMLElement, seq: number): Promise<void> {
  const head = holder.querySelector("summary") as HTMLElement;
  const say = (...nodes: (HTMLElement | string)[]) => holder.replaceChildren(head, ...nodes);
  holder.dataset.state = "running";
  say(h("p", { class: "muted" }, "comparing the compiled rules…"));
  const t0 = performance.now();
  tools ??= new Engine("tools");
  const worker = tools;
  try {
    const plan = await worker.call("witnessPlan", a, b);
    if (seq !== witnessSeq) return;
    if (!plan.ok) {
      say(failureList(plan));
      holder.dataset.state = "error";
      return;
    }
    const changed = new Set(r.comparison.indicators.filter((i) => i.status !== "unchanged").map((i) => i.id));
    const panel = new WitnessPanel(plan.indicators, changed, (x, test) => {
      if (!viewB) return;
      const doc = viewB.state.doc;
      const text = doc.toString();
      const sep = text.length === 0 ? "" : text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n";
      viewB.dispatch({ changes: { from: doc.length, insert: sep + test }, selection: { anchor: doc.length + sep.length }, scrollIntoView: true });
      $("status-b").textContent = `✔ ${x.indicator}'s witness added to B as a test expecting ${x.b?.outcome ?? ""}`;
    });
    const timing = h("p", { class: "muted", id: "witness-timing" });
    say(...panel.nodes, timing);
    const pending = panel.pending();
    const settled = plan.indicators.length - pending.length;
    for (const id of pending) {
      const w = await worker.call("witness", a, b, id);
      if (seq !== witnessSeq) return;
      if (!w.ok) {
        say(failureList(w));
        holder.dataset.state = "error";
        return;
      }
      for (const x of w.indicators) panel.answer(x);
    }
    timing.textContent = `${settled} indicator${settled === 1 ? "" : "s"} settled by comparing the compiled rules, ${pending.length} decided one by one; ${Math.round(performance.now() - t0)} ms in the tools worker`;
    holder.dataset.state = "done";
  } catch (err) {
    if (err instanceof Cancelled) return;
    throw err;
  }
}

/** Whether the text may be replaced: it is a shipped scheme's or empty, or the user agrees. */
function mayReplace(text: string, by: string): boolean {
  if (text.trim() === "" || shippedFiles.some((f) => f.text === text)) return true;
  return window.confirm(`Replace the edited text with ${by}? Your edits are lost (Save first to keep them).`);
}

/** A scheme picker: loads the chosen shipped scheme, after asking when that loses edits. */
function watchPicker(picker: HTMLSelectElement, target: () => EditorView): void {
  picker.addEventListener("change", () => {
    const f = shippedFiles.find((s) => s.path === picker.value);
    if (!f) return;
    const ed = target();
    const text = ed.state.doc.toString();
    if (!mayReplace(text, f.path.replace(/^rules\//, ""))) {
      picker.value = shippedFiles.find((s) => s.text === text)?.path ?? "";
      return;
    }
    setText(ed, f.text);
  });
}

function fillPicker(sel: HTMLSelectElement, chosen: string): void {
  sel.replaceChildren(h("option", { value: "" }, "(your text)"), ...shippedFiles.map((f) => h("option", { value: f.path }, f.path.replace(/^rules\//, ""))));
  sel.value = chosen;
}

function makeCompareEditor(side: "a" | "b"): EditorView {
  const key = side === "a" ? STORE_A : STORE_B;
  const fallback = side === "a" ? "rules/qof-2024-25.qof" : "rules/qof-2025-26.qof";
  const stored = localStorage.getItem(key);
  const initial = stored ?? shippedFiles.find((f) => f.path === fallback)?.text ?? "";
  const picker = $select(`picker-${side}`);
  fillPicker(picker, stored === null ? fallback : (shippedFiles.find((f) => f.text === stored)?.path ?? ""));
  const status = $(`status-${side}`);
  const ed = createEditor({
    parent: $(`editor-${side}`),
    doc: initial,
    label: `Scheme ${side.toUpperCase()} rule text`,
    wrap: $input("wrap-lines").checked,
    check: async (text) => {
      const r = await checker.call("check", text);
      if (!r.ok) return r.errors;
      status.textContent = r.error_count === 0 ? `✔ ${r.scheme?.id ?? ""}` : `✖ ${r.error_count} errors`;
      return r.diagnostics;
    },
    onChange: (text) => {
      localStorage.setItem(key, text);
      cancelWitness();
      window.clearTimeout(compareTimer);
      compareTimer = window.setTimeout(() => void runCompare(), 400);
    },
    onFormat: () => void formatEditor(ed),
    extensions: [diffMarks()],
  });
  watchPicker(picker, () => ed);
  return ed;
}

function enterCompare(): void {
  if (!viewA) {
    viewA = makeCompareEditor("a");
    viewB = makeCompareEditor("b");
  }
  void runCompare();
}

// ---------------------------------------------------------------- start

async function initialText(): Promise<string> {
  const shared = await decodeFragment(location.hash);
  if (shared !== null) return shared;
  const stored = localStorage.getItem(STORE_KEY);
  if (stored !== null) return stored;
  return shippedFiles.find((f) => f.path === DEFAULT_SCHEME)?.text ?? shippedFiles[0]?.text ?? "";
}

function schemeFileName(): string {
  const m = /scheme\s+([A-Za-z_]\w*)/.exec(view.state.doc.toString());
  return `${(m?.[1] ?? "scheme").replace(/_/g, "-")}.qof`;
}

/** Registers the service worker (built pages only) so the editor works offline after this
 * visit; `#offline` says when it is ready. */
function registerOffline(): void {
  const el = $("offline");
  if (!import.meta.env.PROD || !("serviceWorker" in navigator)) {
    el.hidden = true;
    return;
  }
  navigator.serviceWorker
    .register("./sw.js")
    .then(() => navigator.serviceWorker.ready)
    .then(() => {
      el.textContent = "· works offline";
      el.title = "Every file of the editor is stored in this browser: it opens and evaluates without a network";
      el.dataset.state = "ready";
    })
    .catch((err: unknown) => {
      el.textContent = "";
      el.dataset.state = "error";
      console.warn(`the editor will not work offline: ${String(err)}`);
    });
}

async function main(): Promise<void> {
  const versionEl = $("version");
  try {
    versionEl.textContent = await engine.call("version");
    versionEl.dataset.state = "ready";
  } catch (err) {
    versionEl.textContent = `could not load the engine: ${String(err)}`;
    versionEl.dataset.state = "error";
    console.error(err);
    return;
  }
  registerOffline();
  window.addEventListener("pagehide", () => {
    if (saveTimer !== undefined) saveText();
  });
  shippedFiles = await engine.call("shipped");
  const wrap = $input("wrap-lines");
  wrap.checked = localStorage.getItem(STORE_WRAP) === "true";
  wrap.addEventListener("change", () => {
    localStorage.setItem(STORE_WRAP, String(wrap.checked));
    for (const v of [view, viewA, viewB]) if (v) setWrap(v, wrap.checked);
  });
  const text = await initialText();
  const picker = $select("scheme-picker");
  fillPicker(picker, shippedFiles.find((f) => f.text === text)?.path ?? "");
  view = createEditor({
    parent: $("editor"),
    doc: text,
    label: "Rule text",
    wrap: $input("wrap-lines").checked,
    check,
    onChange,
    onSettled: (text) => void startWork(text),
    onFormat: () => void formatEditor(),
    extensions: [keymap.of([{ key: "Shift-Alt-b", run: () => (void generateBoundaryTests(), true), preventDefault: true }])],
    names: () => (/^\s*scheme\s+(\w+)/m.exec(view.state.doc.toString())?.[1] === schemeNamesFor ? schemeNames : []),
  });
  watchPicker(picker, () => view);

  $("format").addEventListener("click", () => void formatEditor());
  $("open").addEventListener("click", () => $input("open-file").click());
  $input("open-file").addEventListener("change", async () => {
    const f = $input("open-file").files?.[0];
    if (!f) return;
    const text = await readFile(f);
    $input("open-file").value = "";
    if (!mayReplace(view.state.doc.toString(), f.name)) return;
    setText(view, text);
    picker.value = "";
    $("editor-status").textContent = `opened ${f.name}`;
  });
  $("boundary-tests").addEventListener("click", () => void generateBoundaryTests());
  $("save").addEventListener("click", () => download(schemeFileName(), view.state.doc.toString(), "text/plain"));
  $("share").addEventListener("click", async () => {
    const frag = await encodeFragment(view.state.doc.toString());
    const url = `${location.origin}${location.pathname}${frag}`;
    history.replaceState(null, "", frag);
    try {
      await navigator.clipboard.writeText(url);
      $("editor-status").textContent = "✔ link copied (the scheme is in the link itself)";
    } catch {
      $("editor-status").textContent = "✔ link in the address bar (the scheme is in the link itself)";
    }
  });
  $("export-json").addEventListener("click", async () => {
    const r = await engine.call("evaluateJson", view.state.doc.toString());
    if (r.ok) download(`${lastResult?.scheme.id ?? "result"}.json`, r.json, "application/json");
  });
  $("export-csv").addEventListener("click", () => {
    if (lastResult) download(`${lastResult.scheme.id}.csv`, resultsCsv(lastResult), "text/csv");
  });
  $("run-tests").addEventListener("click", () => void runTests());
  $("explain").addEventListener("click", () => void explain());
  $("add-test").addEventListener("click", () => void addAsTest());
  for (const id of ["patient-sex", "patient-age"]) $select(id).addEventListener("change", () => void refreshPatients());
  $select("patient-list").addEventListener("change", () => void explain());
  $select("patient-indicator").addEventListener("change", async () => {
    await refreshPatients();
    await explain();
  });
  $select("patient-status").addEventListener("change", () => void refreshPatients());
  let filterTimer: number | undefined;
  for (const id of ["patient-filter", "patient-practice"]) {
    $input(id).addEventListener("input", () => {
      window.clearTimeout(filterTimer);
      filterTimer = window.setTimeout(() => void refreshPatients(), 150);
    });
  }
  $("compare-run").addEventListener("click", () => void runCompare());
  for (const side of ["a", "b"] as const) {
    const jump = (dir: 1 | -1) => {
      const ed = side === "a" ? viewA : viewB;
      if (ed) jumpToChange(ed, dir);
    };
    $(`next-change-${side}`).addEventListener("click", () => jump(1));
    $(`prev-change-${side}`).addEventListener("click", () => jump(-1));
  }
  $("compare-csv").addEventListener("click", () => {
    if (lastCompare) download(`compare-${lastCompare.scheme_a.id}-${lastCompare.scheme_b.id}.csv`, compareCsv(lastCompare), "text/csv");
  });
  $("compare-html").addEventListener("click", () => {
    if (lastCompare) download(`compare-${lastCompare.scheme_a.id}-${lastCompare.scheme_b.id}.html`, lastCompare.html, "text/html");
  });

  sweepPanel = setupSweep({ engine, checker, text: () => view.state.doc.toString(), problemText });
  tabs(["tab-results", "tab-tests", "tab-patients", "tab-sweep"], (id) => {
    if (id === "tab-results" && pendingDraw) {
      const draw = pendingDraw;
      pendingDraw = undefined;
      draw();
    }
    if (id === "tab-patients") void refreshPatients();
    if (id === "tab-sweep") sweepPanel?.shown();
  });
  tabs(["mode-edit", "mode-compare"], (id) => {
    if (id === "mode-compare") enterCompare();
  });
  openHelp = setupHelp();
  sortableTables(document.body);
  makeSplit({ handle: $("edit-splitter"), container: $("edit-view"), axis: "x", storeKey: "qofrules.split.edit", initial: 50 });
  makeSplit({ handle: $("compare-splitter"), container: $("compare-view"), axis: "y", storeKey: "qofrules.split.compare", initial: 45, min: 15, max: 85 });
  setupPopulation();
  setupInputs(engine, afterPopulation, () => {
    scheduleEvaluate(view.state.doc.toString());
    sweepPanel?.inputsChanged();
    if (!$("compare-view").hidden) void runCompare();
  });
  showPopulation(await engine.call("population"));
  if (location.hash === "#compare") $("mode-compare").click();
}

void main();
