// Compare's impact charts (issue #16): the change in pounds per indicator (B minus A, each
// indicator whose payment moved) and the practices' distribution (how many practices fall in
// each band of percentage change: the comparison's own `distribution`). Every figure written is
// the engine's text; numbers are read only to size the bars.
import { h, whole } from "./report";
import type { CompareOutput } from "./types";
import { money } from "./sweep";

const NS = "http://www.w3.org/2000/svg";

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function svg(id: string, width: number, height: number, label: string, title: string): SVGSVGElement {
  const s = document.createElementNS(NS, "svg") as SVGSVGElement;
  s.setAttribute("id", id);
  s.setAttribute("viewBox", `0 0 ${width} ${height}`);
  s.setAttribute("width", String(width));
  s.setAttribute("role", "img");
  s.setAttribute("aria-label", label);
  s.append(el("title", {}, title));
  return s;
}

const GAIN = "#1f5fa8";
const LOSS = "#c25e00";

/** A horizontal bar per indicator whose payment changed, largest gain first; gains right of
 * the zero line, losses left, each with its signed amount in text. */
export function indicatorChart(c: CompareOutput): SVGSVGElement {
  const rows = c.comparison.indicators
    .filter((i) => !/^-?0*(\.0*)?$/.test(i.delta.payment))
    .sort((x, y) => Number(y.delta.payment) - Number(x.delta.payment));
  const bar = 16;
  const labelW = 90;
  const plotW = 360;
  const valueW = 110;
  const width = labelW + plotW + valueW;
  const height = Math.max(1, rows.length) * bar + 28;
  const gain = Math.max(0, ...rows.map((r) => Number(r.delta.payment)));
  const loss = Math.max(0, ...rows.map((r) => -Number(r.delta.payment)));
  const span = gain + loss || 1;
  const zero = labelW + (loss / span) * plotW;
  const up = rows.filter((r) => !r.delta.payment.startsWith("-")).length;
  const s = svg("indicator-chart", width, height, `Change in payment per indicator: ${up} indicators pay more, ${rows.length - up} pay less`, "Change in payment per indicator (B minus A)");
  if (rows.length === 0) s.append(el("text", { x: labelW, y: 20, "font-size": 12, fill: "currentColor" }, "no indicator's payment changed"));
  rows.forEach((r, k) => {
    const v = Number(r.delta.payment);
    const w = (Math.abs(v) / span) * plotW;
    const y = 20 + k * bar;
    const g = el("g", { class: "ind-bar", "data-indicator": r.id, "data-delta": r.delta.payment });
    g.append(el("title", {}, `${r.id} (${r.status}): ${money(r.delta.payment, true)}`));
    g.append(el("text", { x: labelW - 6, y: y + bar - 4, "text-anchor": "end", "font-size": 11, fill: "currentColor" }, r.id));
    g.append(el("rect", { x: v < 0 ? zero - w : zero, y: y + 2, width: Math.max(w, 1), height: bar - 4, fill: v < 0 ? LOSS : GAIN }));
    g.append(el("text", { x: labelW + plotW + 4, y: y + bar - 4, "font-size": 11, fill: "currentColor" }, money(r.delta.payment, true)));
    s.append(g);
  });
  s.append(el("line", { x1: zero, x2: zero, y1: 14, y2: height, stroke: "currentColor" }));
  s.append(el("text", { x: zero - 4, y: 11, "text-anchor": "end", "font-size": 11, fill: "currentColor" }, "− less"));
  s.append(el("text", { x: zero + 4, y: 11, "font-size": 11, fill: "currentColor" }, "more +"));
  return s;
}

/** A column per band of percentage change (the comparison's distribution), its height the
 * number of practices, labelled with the count and the band's total change. */
export function distributionChart(c: CompareOutput): SVGSVGElement {
  const bands = c.comparison.distribution;
  const colW = 72;
  const left = 8;
  const top = 20;
  const plotH = 120;
  const width = left * 2 + bands.length * colW;
  const height = top + plotH + 44;
  const most = Math.max(1, ...bands.map((b) => b.practices));
  const s = svg("distribution-chart", width, height, `Practices by change in payment: ${bands.map((b) => `${b.label} ${b.practices}`).join(", ")}`, "Practices by percentage change in payment, B against A");
  bands.forEach((b, k) => {
    const x = left + k * colW;
    const hgt = (b.practices / most) * plotH;
    const lose = b.label.startsWith("lose");
    const g = el("g", { class: "band", "data-label": b.label, "data-practices": b.practices });
    g.append(el("title", {}, `${b.label}: ${b.practices} practices, ${money(b.delta, true)} in all`));
    g.append(el("rect", { x: x + 6, y: top + plotH - hgt, width: colW - 12, height: Math.max(hgt, b.practices ? 1 : 0), fill: lose ? LOSS : b.label === "no change" ? "#888" : GAIN }));
    g.append(el("text", { x: x + colW / 2, y: top + plotH - hgt - 4, "text-anchor": "middle", "font-size": 11, fill: "currentColor" }, String(b.practices)));
    g.append(el("text", { x: x + colW / 2, y: top + plotH + 14, "text-anchor": "middle", "font-size": 10, fill: "currentColor" }, b.label));
    g.append(el("text", { x: x + colW / 2, y: top + plotH + 28, "text-anchor": "middle", "font-size": 10, fill: "currentColor" }, money(b.delta, true)));
    s.append(g);
  });
  s.append(el("line", { x1: left, x2: width - left, y1: top + plotH, y2: top + plotH, stroke: "currentColor" }));
  return s;
}

/** Both charts, side by side where they fit. */
export function impactCharts(c: CompareOutput): HTMLElement {
  return h(
    "div",
    { class: "impact-charts" },
    h("figure", { class: "chart" }, indicatorChart(c), h("figcaption", {}, "Change in payment per indicator, B minus A (+ more, − less)")),
    h("figure", { class: "chart" }, distributionChart(c), h("figcaption", {}, "Practices by percentage change in payment (count, and the band's change in pounds)")),
  );
}

/** The reporting strata of either scheme (`report by`), summed over practices: counts and
 * achievement under A and B; null when neither scheme reports by anything. */
export function strataTable(c: CompareOutput): HTMLElement | null {
  const rows = c.comparison.reports ?? [];
  if (rows.length === 0) return null;
  const head = ["Indicator", "Dimension", "Class", "Denom. A", "Denom. B", "Numer. A", "Numer. B", "PCAs A", "PCAs B", "Achieved A", "Achieved B"];
  const num = head.map((_, k) => k >= 3);
  const n = (x: number | undefined) => (x === undefined ? "–" : whole(x));
  return h(
    "table",
    { class: "sortable", id: "compare-strata" },
    h("caption", {}, `Reporting strata (${rows.length}): summed over practices; they never change money (– where a scheme does not report the indicator so)`),
    h("thead", {}, h("tr", {}, ...head.map((t, k) => h("th", { scope: "col", class: num[k] ? "num" : "", tabindex: "0", title: "sort by this column" }, t)))),
    h(
      "tbody",
      {},
      ...rows.map((r) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, r.indicator),
          h("td", {}, r.dimension),
          h("td", {}, r.class),
          ...[r.a?.denominator, r.b?.denominator, r.a?.numerator, r.b?.numerator, r.a?.pcas, r.b?.pcas].map((x) => h("td", { class: "num" }, n(x))),
          h("td", { class: "num" }, r.a ? (r.achieved_a ?? "") : "–"),
          h("td", { class: "num" }, r.b ? (r.achieved_b ?? "") : "–"),
        ),
      ),
    ),
  );
}
