// Shared by the wasm benchmarks: the workload and the result line format of benches/engine.rs.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** About 50,000 patients: NHS Dudley CCG's 44 practices at scale 0.15. */
export const POPULATION = { ccg: "Dudley", scale: 0.15, seed: 2020 };
export const SCHEME = readFileSync(join(root, "rules", "qof-2019-20.qof"), "utf8");
export const ITERATIONS = Number(process.env.QOFRULES_BENCH_ITERATIONS) > 0 ? Math.min(Number(process.env.QOFRULES_BENCH_ITERATIONS), 10) : 5;

/** The edit the benchmarks time: indicator AF006's achievement window, 12 months in the
 * shipped scheme, shortened by a month per edit (11 months, then 10, ...), so that every edit
 * changes one indicator's results and no text comes back (no cache of an earlier text or of
 * earlier results can answer it). At most 10 edits. */
export function windowText(months) {
  return `achieved when CHADVAS_COD in last ${months} months`;
}

/** The scheme after edit `i` (0, 1, ...): AF006's window of `11 - i` months. */
export function edited(i) {
  if (!SCHEME.includes(windowText(12))) throw new Error("the benchmark's edit is not in the scheme");
  return SCHEME.replace(windowText(12), windowText(11 - i));
}

/** The old edit, which leaves the results as they were (the best case): a comment appended. */
export function commented(i) {
  return `${SCHEME}\n// edit ${i}\n`;
}

/** Prints one result line like benches/engine.rs (times in nanoseconds). */
export function report(name, elements, ms) {
  const ns = ms.map((m) => Math.round(m * 1e6)).sort((a, b) => a - b);
  const median = ns[Math.floor(ns.length / 2)];
  console.log(JSON.stringify({
    name,
    elements,
    iterations: ns.length,
    median_ns: median,
    min_ns: ns[0],
    max_ns: ns[ns.length - 1],
    median_ns_per_element: Number((median / elements).toFixed(3)),
  }));
}
