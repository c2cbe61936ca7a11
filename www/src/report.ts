// Rendering results: the totals, per-indicator and per-practice tables, the compare tables,
// a practice-level SVG chart, and the CSV and self-contained HTML exports.
import { fixed, percent, pounds, scaled } from "./decimal";
import type { CompareOutput, IndicatorSum, PayResult } from "./types";

type Child = Node | string | null | undefined | false;

/** A small element builder: `h("td", {class: "num"}, "12")`. */
export function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c);
  }
  return el;
}

/** Whole numbers as `en-GB` writes them (`12,345`): one formatter for every cell, not a
 * `toLocaleString` per cell (which builds its formatter each time). */
const wholeFormat = new Intl.NumberFormat("en-GB");
export const whole = (n: number): string => wholeFormat.format(n);

/** Makes `target`'s children equal to `fresh`, reusing the nodes already there where they
 * match: an element of the same tag and attributes is kept (its children made equal in turn),
 * a text node takes the new text, and anything else is replaced by the fresh node. Results
 * drawn again after an edit then change only the cells whose text changed, instead of
 * building, styling and laying out every element anew. A kept element keeps its event
 * listeners, so an element's listeners must follow from its attributes (as `opener`'s do: its
 * label names what it opens). */
export function morph(target: Node, fresh: Node[]): void {
  const old = Array.from(target.childNodes);
  if (old.length !== fresh.length) {
    (target as Element).replaceChildren(...fresh);
    return;
  }
  fresh.forEach((f, i) => {
    const o = old[i];
    if (!reuse(o, f)) target.replaceChild(f, o);
  });
}

/** Makes `o` equal to `f` in place when it can: whether it did. */
function reuse(o: Node, f: Node): boolean {
  if (o.nodeType === Node.TEXT_NODE && f.nodeType === Node.TEXT_NODE) {
    if (o.nodeValue !== f.nodeValue) o.nodeValue = f.nodeValue;
    return true;
  }
  if (!(o instanceof Element) || !(f instanceof Element) || o.tagName !== f.tagName) return false;
  // the browser's own deep comparison first: an unchanged table is passed over whole
  if (o.isEqualNode(f)) return true;
  if (o.attributes.length !== f.attributes.length) return false;
  for (const a of Array.from(f.attributes)) if (o.getAttribute(a.name) !== a.value) return false;
  morph(o, Array.from(f.childNodes));
  return true;
}

function table(caption: string, head: string[], rows: Child[][], numeric: boolean[]): HTMLElement {
  return h(
    "table",
    { class: "sortable" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...head.map((c, i) => h("th", { scope: "col", class: numeric[i] ? "num" : "", tabindex: "0", title: "sort by this column" }, c)))),
    h(
      "tbody",
      {},
      ...rows.map((r) => h("tr", {}, ...r.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", { class: numeric[i] ? "num" : "" }, c))))),
    ),
  );
}

/** What a results cell opens in the patient explorer. */
export interface PatientLink {
  indicator?: string;
  status?: "numerator" | "denominator" | "unmet" | "adjusted" | "register";
  practice?: string;
}

/** A cell's text as a button that opens the patient explorer (or plain text without `open`). */
function opener(text: string, label: string, link: PatientLink, open?: (l: PatientLink) => void): Child {
  if (!open) return text;
  const b = h("button", { type: "button", class: "link cell-link", title: label, "aria-label": `${text}: ${label}` }, text);
  b.addEventListener("click", () => open(link));
  return b;
}

/** The results panel: totals, then indicators (`rows`: each summed over practices and
 * networks by the engine, `EvalOutput.indicators`), then practices. With `open`, the counts
 * and practice codes are buttons that list those patients in the patient explorer;
 * `isRegister` tells a register's count (`register DM`: its numerator is the register). */
export function renderResults(
  r: PayResult,
  rows: IndicatorSum[],
  populationLabel: string,
  ms: number,
  open?: (l: PatientLink) => void,
  isRegister?: (id: string) => boolean,
): HTMLElement {
  const practices = r.practices.length;
  const totals = h(
    "dl",
    { class: "totals" },
    h("dt", {}, "Scheme"),
    h("dd", {}, `${r.scheme.title} (${r.scheme.id}), period ending ${r.scheme.period_end}`),
    h("dt", {}, "Population"),
    h("dd", {}, `${populationLabel}: ${practices} practices`),
    h("dt", {}, "National figures"),
    h(
      "dd",
      { id: "national" },
      `average list size ${r.national.average_list_size} (${r.national.average_list_size_source}); prevalence: ${r.national.prevalence_source}`,
    ),
    h("dt", {}, "Total payment"),
    h("dd", { id: "total-payment", "data-value": r.total.payment }, pounds(scaled(r.total.payment))),
    h("dt", {}, "Total points"),
    h("dd", { id: "total-points" }, fixed(scaled(r.total.points), 2)),
    h("dt", {}, "Evaluated in"),
    h("dd", { id: "eval-ms" }, `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms (check, compile, evaluate, pay)`),
  );
  const ind = table(
    `Indicators (${rows.length}): summed over practices`,
    ["Indicator", "Group", "Max pts", "Denom.", "Numer.", "PCAs", "Achieved", "Avg pts", "Payment"],
    rows.map((x) => [
      x.id,
      x.group,
      x.max_points,
      x.kind === "fraction" ? opener(whole(x.denominator), `list ${x.id}'s denominator`, { indicator: x.id, status: "denominator" }, open) : whole(x.denominator),
      x.kind === "fraction"
        ? opener(whole(x.numerator), `list ${x.id}'s numerator`, { indicator: x.id, status: "numerator" }, open)
        : x.kind === "boolean" && isRegister?.(x.id)
          ? opener(whole(x.numerator), `list ${x.id}'s register`, { indicator: x.id, status: "register" }, open)
          : whole(x.numerator),
      x.kind === "fraction" ? opener(whole(x.pcas), `list ${x.id}'s adjusted patients (PCAs)`, { indicator: x.id, status: "adjusted" }, open) : whole(x.pcas),
      x.kind === "fraction" ? percent(x.numerator, x.denominator) : "",
      x.average_points === null ? "" : fixed(scaled(x.average_points), 2),
      pounds(scaled(x.payment)),
    ]),
    [false, false, true, true, true, true, true, true, true],
  );
  const prac = table(
    `Practices (${practices})`,
    ["Practice", "Network", "List size", "CPI", "Points", "Payment"],
    r.practices.map((p) => [
      opener(p.practice_id, `list ${p.practice_id}'s patients`, { practice: p.practice_id }, open),
      p.network_id ?? "",
      p.list_size === undefined || p.list_size === null ? "" : whole(p.list_size),
      p.cpi === null ? "" : fixed(scaled(p.cpi), 4),
      fixed(scaled(p.points), 2),
      pounds(scaled(p.payment)),
    ]),
    [false, false, true, true, true, true],
  );
  const warnings = (r.warnings ?? []).map((w) =>
    h("p", { class: "warning" }, `⚠ warning: ${w.message} (${w.practices} practices, e.g. ${w.example})`),
  );
  return h("div", {}, totals, ...warnings, ind, factorsTable(r), prac);
}

/** The prevalence-adjusted groups of a run, in the order practices list them. */
function adjustedGroups(r: PayResult): string[] {
  const groups: string[] = [];
  for (const p of r.practices) for (const g of p.groups ?? []) if (!groups.includes(g.group)) groups.push(g.group);
  return groups;
}

/** National prevalence per group, then each practice's APDF per group (shown rounded). */
function factorsTable(r: PayResult): HTMLElement {
  const groups = adjustedGroups(r);
  const national = ["national", ...groups.map((g) => {
    const p = r.national.prevalence[g]?.prevalence;
    return p === null || p === undefined ? "" : `${fixed(scaled(p) * 100n, 2)}%`;
  })];
  const rows = r.practices.map((p) => {
    const by = new Map((p.groups ?? []).map((g) => [g.group, g.apdf]));
    return [p.practice_id, ...groups.map((g) => { const a = by.get(g); return a === undefined ? "" : fixed(scaled(a), 4); })];
  });
  return table(
    `National prevalence and APDF (practice prevalence / national) by group`,
    ["Practice", ...groups],
    [national, ...rows],
    [false, ...groups.map(() => true)],
  );
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(rows: string[][]): string {
  return rows.map((r) => r.map(csvField).join(",")).join("\n") + "\n";
}

/** One row per practice and indicator, the columns of `qofrules eval --format csv`. */
export function resultsCsv(r: PayResult): string {
  const head = ["practice_id", "network_id", "indicator", "group", "kind", "max_points", "register", "denominator", "numerator", "pcas", "achievement", "points", "payment", "cpi", "apdf", "prevalence", "national_prevalence"];
  const rows = [head];
  for (const p of r.practices) {
    const by = new Map((p.groups ?? []).map((g) => [g.group, g]));
    for (const i of p.indicators) {
      // a group that is not prevalence-adjusted has APDF 1 and no national prevalence
      const g = by.get(i.group);
      const apdf = g ? g.apdf : i.kind === "historic" && i.group === "" ? "" : "1";
      const national = g ? (r.national.prevalence[i.group]?.prevalence ?? "") : "";
      rows.push([p.practice_id, p.network_id ?? "", i.id, i.group, i.kind, i.max_points, i.register === null ? "" : String(i.register), String(i.denominator), String(i.numerator), String(i.pcas), i.achievement ?? "", i.points, i.payment, p.cpi ?? "", apdf, g?.prevalence ?? "", national]);
    }
  }
  return csv(rows);
}

// ---------------------------------------------------------------- compare

function signed(s: string): string {
  return pounds(scaled(s), true);
}

/** A horizontal bar per practice: its change in pounds, gains right, losses left. */
export function changeChart(c: CompareOutput): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const rows = [...c.comparison.practices].sort((a, b) => Number(scaled(b.delta) - scaled(a.delta)));
  const bar = 14;
  const labelW = 80;
  const valueW = 110;
  const plotW = 420;
  const width = labelW + plotW + valueW;
  const height = rows.length * bar + 30;
  // the zero line sits where the largest loss and the largest gain leave room for each other
  let gain = 0n;
  let loss = 0n;
  for (const r of rows) {
    const v = scaled(r.delta);
    if (v > gain) gain = v;
    if (-v > loss) loss = -v;
  }
  const span = gain + loss === 0n ? 1n : gain + loss;
  const zero = labelW + Number((loss * BigInt(plotW)) / span);
  const svg = document.createElementNS(ns, "svg");
  const el = (tag: string, attrs: Record<string, string | number>, text?: string) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", String(width));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Change in payment per practice: ${c.gainers} gain, ${c.losers} lose`);
  svg.append(el("title", {}, "Change in payment per practice (B minus A)"));
  rows.forEach((r, k) => {
    const v = scaled(r.delta);
    const w = Number(((v < 0n ? -v : v) * BigInt(plotW)) / span);
    const y = 20 + k * bar;
    svg.append(el("text", { x: labelW - 6, y: y + bar - 4, "text-anchor": "end", "font-size": 11 }, r.practice_id));
    svg.append(
      el("rect", {
        x: v < 0n ? zero - w : zero,
        y: y + 1,
        width: Math.max(w, v === 0n ? 0 : 1),
        height: bar - 3,
        fill: v < 0n ? "#c25e00" : "#1f5fa8",
      }),
    );
    svg.append(el("text", { x: labelW + plotW + 4, y: y + bar - 4, "font-size": 11 }, signed(r.delta)));
  });
  svg.append(el("line", { x1: zero, x2: zero, y1: 14, y2: height, stroke: "#333" }));
  svg.append(el("text", { x: zero - 4, y: 11, "text-anchor": "end", "font-size": 11 }, "− loses"));
  svg.append(el("text", { x: zero + 4, y: 11, "font-size": 11 }, "gains +"));
  return svg;
}

/** A percentage change with its sign (`+3.20%`, `−1.05%`), `—` when A paid nothing. */
function signedPct(p: string | null): string {
  if (p === null) return "—";
  const v = scaled(p);
  if (v === 0n) return "±0.00%";
  return `${v < 0n ? "−" : "+"}${fixed(v < 0n ? -v : v, 2)}%`;
}

const STATUS: Record<string, string> = { added: "+ added", retired: "− retired", changed: "~ changed", unchanged: "= unchanged" };

export function renderCompare(c: CompareOutput): HTMLElement {
  const cmp = c.comparison;
  const summary = h(
    "dl",
    { class: "totals" },
    h("dt", {}, "A"),
    h("dd", {}, `${c.scheme_a.title} (${c.scheme_a.id})`),
    h("dt", {}, "B"),
    h("dd", {}, `${c.scheme_b.title} (${c.scheme_b.id})`),
    h("dt", {}, "Population"),
    h("dd", {}, `${c.population.label}: ${c.population.practices} practices`),
    h("dt", {}, "Total A"),
    h("dd", { id: "total-a", "data-value": cmp.total.payment_a }, pounds(scaled(cmp.total.payment_a))),
    h("dt", {}, "Total B"),
    h("dd", { id: "total-b", "data-value": cmp.total.payment_b }, pounds(scaled(cmp.total.payment_b))),
    h("dt", {}, "Change"),
    h("dd", { id: "total-change" }, signed(cmp.total.delta)),
    h("dt", {}, "Practices"),
    h("dd", {}, `${c.gainers} gain (+), ${c.losers} lose (−), ${cmp.practices.length - c.gainers - c.losers} unchanged`),
    h("dt", {}, "National figures A"),
    h("dd", {}, `average list size ${cmp.national_a.average_list_size} (${cmp.national_a.average_list_size_source}); prevalence: ${cmp.national_a.prevalence_source}`),
    h("dt", {}, "National figures B"),
    h("dd", {}, `average list size ${cmp.national_b.average_list_size} (${cmp.national_b.average_list_size_source}); prevalence: ${cmp.national_b.prevalence_source}`),
  );
  const header = cmp.header.length
    ? table("Scheme header changes", ["Field", "A", "B"], cmp.header.map((f) => [f.field, f.a, f.b]), [false, false, false])
    : null;
  const changed = cmp.indicators.filter((d) => d.status !== "unchanged");
  const diff = table(
    `Indicator changes (${changed.length})`,
    ["Indicator", "Status", "What changed"],
    changed.map((d) => [d.id, STATUS[d.status] ?? d.status, d.changes.map((f) => `${f.field}: ${f.a || "—"} → ${f.b || "—"}`).join("; ")]),
    [false, false, false],
  );
  const impact = table(
    "Payment per indicator",
    ["Indicator", "Status", "Points A", "Points B", "Payment A", "Payment B", "Change"],
    cmp.indicators.map((i) => [i.id, STATUS[i.status] ?? i.status, fixed(scaled(i.a?.points)), fixed(scaled(i.b?.points)), pounds(scaled(i.a?.payment)), pounds(scaled(i.b?.payment)), signed(i.delta.payment)]),
    [false, false, true, true, true, true, true],
  );
  // APDF per group under A (and B when it differs), under each scheme's national prevalence
  const apdf = (v: (string | null)[]): string[] => v.map((a) => (a === null ? "" : fixed(scaled(a), 4)));
  const nationalRow = (n: PayResult["national"]): string[] => ["national", ...cmp.groups.map((g) => {
    const p = n.prevalence[g]?.prevalence;
    return p === null || p === undefined ? "" : `${fixed(scaled(p) * 100n, 2)}%`;
  })];
  const differ = cmp.practices.some((p) => p.cpi_a !== p.cpi_b || p.apdf_a.join() !== p.apdf_b.join());
  const factors = [false, ...(differ ? [true] : [])].map((b) =>
    table(
      `National prevalence and APDF by group${differ ? (b ? ", B" : ", A") : ""}`,
      ["Practice", ...cmp.groups],
      [nationalRow(b ? cmp.national_b : cmp.national_a), ...cmp.practices.map((p) => [p.practice_id, ...apdf(b ? p.apdf_b : p.apdf_a)])],
      [false, ...cmp.groups.map(() => true)],
    ),
  );
  const practices = table(
    "Payment per practice",
    ["Practice", "Network", "List size", "CPI", "Points A", "Points B", "Payment A", "Payment B", "Change", "Change %"],
    cmp.practices.map((p) => [p.practice_id, p.network_id, p.list_size === undefined || p.list_size === null ? "" : whole(p.list_size), p.cpi_a === null ? "" : fixed(scaled(p.cpi_a), 4), fixed(scaled(p.points_a)), fixed(scaled(p.points_b)), pounds(scaled(p.payment_a)), pounds(scaled(p.payment_b)), signed(p.delta), signedPct(p.delta_pct)]),
    [false, false, true, true, true, true, true, true, true, true],
  );
  const chart = h("figure", { class: "chart" }, changeChart(c), h("figcaption", {}, "Change in payment per practice, B minus A (+ gains, − losses)"));
  return h("div", {}, summary, header, chart, diff, impact, ...factors, practices);
}

/** Indicator, practice and total rows of the payments shown. */
export function compareCsv(c: CompareOutput): string {
  const cmp = c.comparison;
  const rows = [["level", "id", "network_id", "status", "payment_a", "payment_b", "change"]];
  for (const i of cmp.indicators) rows.push(["indicator", i.id, "", i.status, i.a?.payment ?? "0.00", i.b?.payment ?? "0.00", i.delta.payment]);
  for (const p of cmp.practices) rows.push(["practice", p.practice_id, p.network_id, "", p.payment_a, p.payment_b, p.delta]);
  rows.push(["total", "", "", "", cmp.total.payment_a, cmp.total.payment_b, cmp.total.delta]);
  return csv(rows);
}

export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A cell's sort key: a number for numeric columns (`£1,234.50`, `−3.2%`, `+£4`), else text. */
function sortKey(cell: Element | undefined, numeric: boolean): number | string {
  const text = cell?.textContent?.trim() ?? "";
  if (!numeric) return text;
  const n = Number(text.replace(/[£,%+\s]/g, "").replace(/^[−-]/, "-").replace(/^±/, ""));
  return text === "" || Number.isNaN(n) ? Number.NEGATIVE_INFINITY : n;
}

/** Sorts a `table.sortable` by a column, toggling ascending and descending. */
export function sortTable(th: HTMLTableCellElement): void {
  const table = th.closest("table");
  const body = table?.tBodies[0];
  if (!table || !body) return;
  const col = th.cellIndex;
  const numeric = th.classList.contains("num");
  const ascending = th.getAttribute("aria-sort") !== "ascending";
  for (const other of table.querySelectorAll("thead th")) other.removeAttribute("aria-sort");
  th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const rows = [...body.rows];
  rows.sort((a, b) => {
    const x = sortKey(a.cells[col], numeric);
    const y = sortKey(b.cells[col], numeric);
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "en-GB", { numeric: true });
    return ascending ? c : -c;
  });
  body.append(...rows);
}

/** Makes every `table.sortable` under `root` sort on a click (or Enter) on a column head. */
export function sortableTables(root: HTMLElement): void {
  const handle = (e: Event) => {
    const th = (e.target as Element | null)?.closest?.("table.sortable thead th");
    if (th instanceof HTMLTableCellElement) sortTable(th);
  };
  root.addEventListener("click", handle);
  root.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      const th = (e.target as Element | null)?.closest?.("table.sortable thead th");
      if (th) {
        e.preventDefault();
        handle(e);
      }
    }
  });
}
