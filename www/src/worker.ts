// The engine worker: loads the wasm module, keeps one Workspace (and so one population), and
// answers requests in order. Engine work never runs on the page's thread, so typing never
// waits for an evaluation.
import init, { Workspace, shipped, version } from "../../pkg/qofrules.js";
import type { Init, Method, Methods, Request, Response } from "./protocol";

// The page compiles the module once and hands it to each worker (one download, one compile).
let ready: Promise<unknown> = Promise.reject(new Error("the engine worker was not given its module"));
ready.catch(() => undefined);
let ws: Workspace | undefined;

function workspace(): Workspace {
  ws ??= new Workspace();
  return ws;
}

type Handler<M extends Method> = (...args: Methods[M][0]) => unknown;

/** The methods whose reply is JSON text, sent to the page as it is: a string crosses to the
 * page as one copy, where parsing it and cloning the parsed objects across would cost several
 * times as much for an evaluation's 800 KB (every practice's every indicator). */
const JSON_TEXT = new Set<Method>(["evaluate", "compare", "sweep", "evalReport"]);
type Handlers = { [M in Method]: Handler<M> };

const handlers: Handlers = {
  version: () => version(),
  shipped: () => shipped(),
  check: (text) => workspace().check(text),
  format: (text) => workspace().format(text),
  inspect: (text) => workspace().inspect(text),
  population: () => workspace().population(),
  synth: (options) => workspace().synth(options),
  useDefaultPopulation: () => workspace().use_default_population(),
  loadPopulation: (files) => workspace().load_population(files),
  patients: (filter, limit) => workspace().patients(filter, limit),
  findPatients: (text, query) => workspace().find_patients(text, query),
  setPrevalenceFromPopulation: (population) => {
    workspace().set_prevalence_from_population(population);
    return null;
  },
  loadCounts: (files) => workspace().load_counts(files),
  setNational: (file) => workspace().set_national(file),
  setPracticeInputs: (files) => workspace().set_practice_inputs(files),
  // the large replies come as JSON text (faster than building objects in wasm), and go to the
  // page as that text, which the page parses (see JSON_TEXT)
  evaluate: (text) => workspace().evaluate(text),
  evaluateJson: (text) => workspace().evaluate_json(text),
  explain: (text, patientId, indicator) =>
    workspace().explain(text, patientId, indicator ?? undefined),
  runTests: (text) => workspace().run_tests(text),
  compare: (a, b) => workspace().compare(a, b),
  sweep: (text, levers) => workspace().sweep(text, levers),
  evalReport: (text) => workspace().eval_report(text),
  patientTest: (text, patientId, indicator) => workspace().patient_test(text, patientId, indicator ?? undefined),
  boundary: (text, indicator) => workspace().boundary(text, indicator),
  witness: (a, b, indicator) => workspace().witness(a, b, indicator ?? undefined),
  boundaryAt: (text, at) => workspace().boundary_at(text, at),
  // compare's witness panel uses the tools worker (tools-worker.ts); answered here as well
  witnessPlan: (a, b) => workspace().witness_plan(a, b),
};

function dispatch<M extends Method>(req: Request<M>): unknown {
  const handler = handlers[req.method] as Handler<M>;
  return handler(...req.args);
}

self.onmessage = async (event: MessageEvent<Request | Init>) => {
  const req = event.data;
  if ("module" in req) {
    ready = init({ module_or_path: req.module });
    return;
  }
  const t0 = performance.now();
  let res: Response;
  try {
    await ready;
    const value = dispatch(req);
    res = JSON_TEXT.has(req.method) ? { id: req.id, json: value as string, ms: performance.now() - t0 } : { id: req.id, value, ms: performance.now() - t0 };
  } catch (err) {
    // a panic poisons the module's state: start again with a fresh workspace next time
    ws = undefined;
    res = { id: req.id, error: String(err), ms: performance.now() - t0 };
  }
  self.postMessage(res);
};
