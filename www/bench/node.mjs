// The wasm engine under Node: QOF 2019/20 on about 50,000 patients, re-evaluated after an edit
// (check, compile, evaluate, pay, and the conversion of the result to a JS object), as the
// editor's worker does; the edit changes one indicator's window (`edited` in common.mjs).
// `cargo xtask bench` runs it when pkg/ is built.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ITERATIONS, POPULATION, SCHEME, edited, report, root } from "./common.mjs";

const mod = await import(join(root, "pkg", "qofrules.js"));
await mod.default({ module_or_path: readFileSync(join(root, "pkg", "qofrules_bg.wasm")) });
const ws = new mod.Workspace();
const pop = ws.synth(POPULATION);
if (!pop.ok) throw new Error(JSON.stringify(pop.errors));
const warm = JSON.parse(ws.evaluate(SCHEME));
if (!warm.ok) throw new Error(JSON.stringify(warm.errors));
const times = [];
for (let i = 0; i < ITERATIONS; i++) {
  const t0 = performance.now();
  const r = JSON.parse(ws.evaluate(edited(i)));
  times.push(performance.now() - t0);
  if (!r.ok) throw new Error("evaluation failed");
}
report("wasm-node/session_evaluate_qof_2019_20_after_edit", pop.patients, times);
