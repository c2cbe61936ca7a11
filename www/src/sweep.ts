// The sweep panel (issue #17): pick a lever of the scheme (an indicator's upper or lower
// threshold, its points, or pounds per point) and a range, and see what the scheme costs at each
// value, live: a cost curve (inline SVG) and a table with the practices gaining and losing. The
// engine's `sweep` (src/session/sweep.rs) evaluates the population once and pays it again per
// value; every figure shown is its text, never recomputed here (the curve's geometry only reads
// the numbers to place points). Also the eval report (`qofrules eval --format html`), opened as
// a page or downloaded.
import type { Engine } from "./engine";
import { download, h } from "./report";
import type { InspectOutput, Problem, Sweep, SweepPoint } from "./types";

export type LeverKind = "upper" | "lower" | "points" | "pounds_per_point";

export interface SweepPanel {
  /** The text changed and checks cleanly: sweep it again (now if the panel is shown). */
  textChanged(text: string): void;
  /** The population or other inputs changed. */
  inputsChanged(): void;
  /** The panel was shown. */
  shown(): void;
}

interface Setup {
  engine: Engine;
  checker: Engine;
  text: () => string;
  problemText: (p: Problem) => string;
}

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`page is missing the #${id} element`);
  return el;
}

// ---------------------------------------------------------------- exact text formatting

/** A decimal string with thousands grouped: `1234567.5` -> `1,234,567.5`. */
function grouped(s: string): string {
  const [int = "", frac] = s.split(".");
  const g = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return frac === undefined ? g : `${g}.${frac}`;
}

/** Pounds from the engine's decimal string, with `+`/`−` when `signed` (`±` for zero). */
export function money(s: string, signed = false): string {
  const negative = s.startsWith("-");
  const abs = negative ? s.slice(1) : s;
  const zero = /^0*(\.0*)?$/.test(abs);
  const sign = !signed ? (negative && !zero ? "−" : "") : zero ? "±" : negative ? "−" : "+";
  return `${sign}£${grouped(abs)}`;
}

/** A number typed in a field, as an exact decimal: digits with at most one point. */
function decimalText(s: string): string | null {
  const t = s.trim();
  return /^\d+(\.\d+)?$/.test(t) ? t : null;
}

/** A float shown back as a short decimal (for default ranges only). */
function short(x: number): string {
  return String(Number(x.toFixed(4)));
}

// ---------------------------------------------------------------- levers

/** The `--vary` text of a lever over a range: `DM020.upper=60%..90% step 5%`. */
export function leverSpec(kind: LeverKind, indicator: string, from: string, to: string, step: string): string {
  if (kind === "pounds_per_point") return `pounds_per_point=${from}..${to} step ${step}`;
  const pct = kind === "points" ? "" : "%";
  return `${indicator}.${kind}=${from}${pct}..${to}${pct} step ${step}${pct}`;
}

/** A default range around the scheme's own value, which it always contains: three steps each
 * side where the other threshold, 0 and 100% allow. */
export function defaultRange(kind: LeverKind, base: number, other?: number): { from: string; to: string; step: string } {
  if (kind === "upper") {
    const lower = other ?? 0;
    const below = Math.max(0, Math.min(3, Math.ceil((base - lower) / 5) - 1));
    const above = Math.max(0, Math.min(3, Math.floor((100 - base) / 5)));
    return { from: short(base - 5 * below), to: short(base + 5 * above), step: "5" };
  }
  if (kind === "lower") {
    const upper = other ?? 100;
    const below = Math.max(0, Math.min(3, Math.floor(base / 5)));
    const above = Math.max(0, Math.min(3, Math.ceil((upper - base) / 5) - 1));
    return { from: short(base - 5 * below), to: short(base + 5 * above), step: "5" };
  }
  if (kind === "points") {
    const step = Math.max(1, Math.round(base / 5));
    const below = Math.min(3, Math.floor(base / step));
    return { from: short(base - step * below), to: short(base + step * 3), step: String(step) };
  }
  // pounds per point, in pence so the default values stay exact
  const pence = Math.round(base * 100);
  const below = Math.min(3, Math.floor(pence / 500));
  return { from: ((pence - 500 * below) / 100).toFixed(2), to: ((pence + 1500) / 100).toFixed(2), step: "5" };
}

// ---------------------------------------------------------------- the cost curve

const NS = "http://www.w3.org/2000/svg";

function svgEl(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The total at each value of the lever, as a line with a dot per value; the scheme as written
 * is a larger dot, labelled. */
export function costCurve(sw: Sweep): SVGSVGElement {
  const width = 560;
  const height = 240;
  const left = 96;
  const right = 16;
  const top = 22;
  const bottom = 40;
  const lever = sw.levers[0];
  const pts = sw.points;
  const xs = pts.map((p) => Number(p.values[0]));
  const ys = pts.map((p) => Number(p.total));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) {
    y0 -= 1;
    y1 += 1;
  }
  const px = (x: number) => left + (x1 === x0 ? (width - left - right) / 2 : ((x - x0) / (x1 - x0)) * (width - left - right));
  const py = (y: number) => top + (1 - (y - y0) / (y1 - y0)) * (height - top - bottom);
  const svg = document.createElementNS(NS, "svg") as SVGSVGElement;
  svg.setAttribute("id", "sweep-curve");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "img");
  const lowest = pts[ys.indexOf(Math.min(...ys))];
  const highest = pts[ys.indexOf(Math.max(...ys))];
  svg.setAttribute(
    "aria-label",
    `Cost curve of ${lever?.label ?? "the lever"}: from ${money(lowest?.total ?? "0")} at ${lowest?.shown[0] ?? ""} to ${money(highest?.total ?? "0")} at ${highest?.shown[0] ?? ""}`,
  );
  svg.append(svgEl("title", {}, `Total payment by ${lever?.label ?? "lever"}`));
  // axes: the lowest and highest totals, the first and last values
  const axis = "currentColor";
  svg.append(svgEl("line", { x1: left, x2: left, y1: top, y2: height - bottom, stroke: axis, "stroke-opacity": 0.5 }));
  svg.append(svgEl("line", { x1: left, x2: width - right, y1: height - bottom, y2: height - bottom, stroke: axis, "stroke-opacity": 0.5 }));
  const yLabel = (p: SweepPoint | undefined, cls: string) =>
    p && svg.append(svgEl("text", { x: left - 6, y: py(Number(p.total)) + 4, "text-anchor": "end", "font-size": 11, fill: axis, class: cls }, money(p.total)));
  yLabel(highest, "y-max");
  if (lowest !== highest) yLabel(lowest, "y-min");
  const xLabel = (p: SweepPoint | undefined, anchor: string) =>
    p && svg.append(svgEl("text", { x: px(Number(p.values[0])), y: height - bottom + 16, "text-anchor": anchor, "font-size": 11, fill: axis, class: "x-label" }, p.shown[0] ?? ""));
  xLabel(pts[0], "start");
  if (pts.length > 1) xLabel(pts[pts.length - 1], "end");
  svg.append(svgEl("text", { x: (left + width - right) / 2, y: height - 6, "text-anchor": "middle", "font-size": 11, fill: axis }, lever?.label ?? ""));
  svg.append(
    svgEl("polyline", {
      points: pts.map((p) => `${px(Number(p.values[0])).toFixed(1)},${py(Number(p.total)).toFixed(1)}`).join(" "),
      fill: "none",
      stroke: "#1f5fa8",
      "stroke-width": 2,
    }),
  );
  for (const p of pts) {
    const c = svgEl("circle", {
      cx: px(Number(p.values[0])).toFixed(1),
      cy: py(Number(p.total)).toFixed(1),
      r: p.is_base ? 6 : 3.5,
      fill: p.is_base ? "#c25e00" : "#1f5fa8",
      class: p.is_base ? "pt base" : "pt",
      "data-value": p.shown[0] ?? "",
      "data-total": p.total,
    });
    c.append(svgEl("title", {}, `${p.shown[0] ?? ""}: ${money(p.total)} (${money(p.change, true)}; ${p.gaining} gain, ${p.losing} lose)`));
    svg.append(c);
    if (p.is_base) {
      const x = px(Number(p.values[0]));
      svg.append(svgEl("text", { x, y: py(Number(p.total)) - 10, "text-anchor": x > width / 2 ? "end" : "start", "font-size": 11, fill: axis, class: "base-label" }, `as written: ${p.shown[0] ?? ""}`));
    }
  }
  return svg;
}

/** The sweep's table: one row per value. */
function sweepTable(sw: Sweep): HTMLElement {
  const head = ["Value", "Total", "Change", "Gain", "Lose", "Median per practice", "q1 to q3"];
  const num = [false, true, true, true, true, true, false];
  return h(
    "table",
    { class: "sortable", id: "sweep-table" },
    h("caption", {}, `${sw.levers[0]?.label ?? "Lever"}: the scheme's cost at each value, on ${sw.practices} practices`),
    h("thead", {}, h("tr", {}, ...head.map((c, i) => h("th", { scope: "col", class: num[i] ? "num" : "", tabindex: "0", title: "sort by this column" }, c)))),
    h(
      "tbody",
      {},
      ...sw.points.map((p) =>
        h(
          "tr",
          { class: p.is_base ? "base" : "", "data-value": p.shown[0] ?? "" },
          h("th", { scope: "row" }, `${p.shown.join(", ")}${p.is_base ? " ◆ as written" : ""}`),
          h("td", { class: "num" }, money(p.total)),
          h("td", { class: "num" }, money(p.change, true)),
          h("td", { class: "num" }, `${p.gaining} +`),
          h("td", { class: "num" }, `${p.losing} −`),
          h("td", { class: "num" }, money(p.per_practice.median, true)),
          h("td", {}, `${money(p.per_practice.q1, true)} to ${money(p.per_practice.q3, true)}`),
        ),
      ),
    ),
  );
}

export function renderSweep(sw: Sweep, ms: number): HTMLElement {
  const lever = sw.levers[0];
  const base = sw.points.find((p) => p.is_base);
  const summary = h(
    "p",
    { id: "sweep-summary" },
    `${sw.scheme.id}, ${lever?.label ?? ""}: as written (${lever?.base_shown ?? ""}) it costs `,
    h("strong", { id: "sweep-base", "data-value": sw.base.total }, money(sw.base.total)),
    base ? "" : ` (${lever?.base_shown ?? "its value"} is not in the range)`,
    ` · ${sw.points.length} values in ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`,
  );
  const chart = h("figure", { class: "chart sweep-chart" }, costCurve(sw), h("figcaption", {}, `Total payment at each value of ${lever?.label ?? "the lever"}; the larger dot is the scheme as written`));
  return h("div", {}, summary, chart, sweepTable(sw));
}

// ---------------------------------------------------------------- the panel

export function setupSweep(o: Setup): SweepPanel {
  const leverSel = $("sweep-lever") as HTMLSelectElement;
  const indSel = $("sweep-indicator") as HTMLSelectElement;
  const from = $("sweep-from") as HTMLInputElement;
  const to = $("sweep-to") as HTMLInputElement;
  const step = $("sweep-step") as HTMLInputElement;
  const unit = $("sweep-unit");
  const out = $("sweep");
  const status = $("sweep-status");
  let scheme: InspectOutput["scheme"] | undefined;
  let schemeText = "";
  let dirty = true;
  let running = false;
  let pending = false;
  let timer: number | undefined;
  let last: { id: string; html: string } | undefined;

  const visible = () => !$("panel-sweep").hidden && !$("edit-view").hidden;

  /** The indicators the chosen lever applies to (thresholds need a fraction indicator). */
  const fillIndicators = () => {
    const kind = leverSel.value as LeverKind;
    indSel.disabled = kind === "pounds_per_point";
    const keep = indSel.value;
    const ids = (scheme?.indicators ?? []).filter((i) => (kind === "upper" || kind === "lower" ? i.kind === "fraction" && i.thresholds : kind === "points")).map((i) => i.id);
    if (kind !== "pounds_per_point") {
      indSel.replaceChildren(...ids.map((id) => h("option", { value: id }, id)));
      indSel.value = ids.includes(keep) ? keep : (ids[0] ?? "");
    }
    unit.textContent = kind === "points" ? "points" : kind === "pounds_per_point" ? "£" : "%";
  };

  /** Puts the default range of the chosen lever in the fields. */
  const fillRange = () => {
    const kind = leverSel.value as LeverKind;
    const ind = scheme?.indicators.find((i) => i.id === indSel.value);
    let r;
    if (kind === "pounds_per_point") r = defaultRange(kind, Number(scheme?.point_value ?? 0));
    else if (!ind) return;
    else if (kind === "points") r = defaultRange(kind, Number(ind.points));
    else if (!ind.thresholds) return;
    else if (kind === "upper") r = defaultRange(kind, Number(ind.thresholds.upper), Number(ind.thresholds.lower));
    else r = defaultRange(kind, Number(ind.thresholds.lower), Number(ind.thresholds.upper));
    from.value = r.from;
    to.value = r.to;
    step.value = r.step;
  };

  const loadScheme = async (text: string): Promise<boolean> => {
    if (scheme && schemeText === text) return true;
    const r = await o.checker.call("inspect", text);
    if (!r.ok) return false;
    const first = scheme === undefined || scheme.id !== r.scheme.id;
    scheme = r.scheme;
    schemeText = text;
    fillIndicators();
    // a new scheme starts on its first indicator's default range; an edit keeps the range
    if (first || from.value === "") {
      if (first && scheme.indicators.some((i) => i.id === "DM020" && i.kind === "fraction")) indSel.value = "DM020";
      fillRange();
    }
    return true;
  };

  const run = async () => {
    if (running) {
      pending = true;
      return;
    }
    running = true;
    try {
      do {
        pending = false;
        dirty = false;
        const text = o.text();
        out.dataset.state = "running";
        out.setAttribute("aria-busy", "true");
        if (!(await loadScheme(text))) {
          out.dataset.state = "stale";
          continue;
        }
        const kind = leverSel.value as LeverKind;
        const [a, b, s] = [from.value, to.value, step.value].map(decimalText);
        if (a === null || b === null || s === null) {
          status.textContent = "✖ from, to and step are numbers such as 60 or 72.5";
          status.dataset.state = "error";
          out.dataset.state = "error";
          continue;
        }
        const spec = leverSpec(kind, indSel.value, a, b, s);
        status.textContent = spec;
        status.dataset.state = "running";
        const { value: r, ms } = await o.engine.timed("sweep", text, spec);
        if (pending || text !== o.text()) continue; // a newer request is waiting
        if (!r.ok) {
          last = undefined;
          status.textContent = r.errors.map(o.problemText).join("; ");
          status.dataset.state = "error";
          out.replaceChildren();
          out.dataset.state = "error";
          continue;
        }
        last = { id: `${r.sweep.scheme.id}-${r.sweep.levers[0]?.lever ?? "sweep"}`, html: r.html };
        status.textContent = `✔ ${spec}`;
        status.dataset.state = "done";
        out.replaceChildren(renderSweep(r.sweep, ms));
        out.dataset.state = "done";
      } while (pending);
    } catch (err) {
      out.replaceChildren(h("p", { class: "error" }, `✖ ${String(err)}`));
      out.dataset.state = "error";
    } finally {
      running = false;
      out.setAttribute("aria-busy", "false");
    }
  };

  const schedule = (delay = 250) => {
    dirty = true;
    window.clearTimeout(timer);
    if (visible()) timer = window.setTimeout(() => void run(), delay);
  };

  leverSel.addEventListener("change", () => {
    fillIndicators();
    fillRange();
    schedule(0);
  });
  indSel.addEventListener("change", () => {
    fillRange();
    schedule(0);
  });
  for (const f of [from, to, step]) f.addEventListener("input", () => schedule());
  $("sweep-html").addEventListener("click", () => {
    if (last) download(`sweep-${last.id.replace(/[^\w.-]+/g, "-")}.html`, last.html, "text/html");
  });

  // the eval report: opened in a new tab (opened at the click, filled when the engine replies,
  // so no popup blocker stands in the way), or downloaded
  const report = async (open: boolean) => {
    const tab = open ? window.open("", "_blank") : null;
    const btnStatus = $("report-status");
    btnStatus.textContent = "making the report…";
    const r = await o.engine.call("evalReport", o.text());
    if (!r.ok) {
      tab?.close();
      btnStatus.textContent = r.errors.map(o.problemText).join("; ");
      return;
    }
    btnStatus.textContent = "";
    const name = `${/^\s*scheme\s+(\w+)/m.exec(o.text())?.[1] ?? "scheme"}-report.html`;
    if (!open) {
      download(name, r.html, "text/html");
      return;
    }
    const url = URL.createObjectURL(new Blob([r.html], { type: "text/html" }));
    if (tab) tab.location.href = url;
    else download(name, r.html, "text/html");
    window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  $("report-open").addEventListener("click", () => void report(true));
  $("report-download").addEventListener("click", () => void report(false));

  return {
    textChanged: () => schedule(),
    inputsChanged: () => schedule(0),
    shown: () => {
      if (dirty || out.dataset.state === "idle") schedule(0);
    },
  };
}
