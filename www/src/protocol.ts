// The message protocol between the page and the engine worker (worker.ts): one request, one
// response, matched by id. Each method is a Workspace call (src/wasm.rs); the worker adds the
// time the call took.
import type {
  BoundaryAt,
  BoundaryOutput,
  CheckOutput,
  CompareOutput,
  EvalOutput,
  ExplainOutput,
  FormatOutput,
  InputsInfo,
  InspectOutput,
  JsonOutput,
  NamedText,
  PatientTest,
  PatientList,
  PatientQuery,
  PatientSummary,
  PopulationInfo,
  ReportOutput,
  Reply,
  ShippedFile,
  SweepOutput,
  SynthRequest,
  TestOutput,
  WitnessOutput,
  WitnessPlan,
} from "./types";

/** Each method: [arguments, result]. */
export interface Methods {
  version: [[], string];
  shipped: [[], ShippedFile[]];
  check: [[text: string], Reply<CheckOutput>];
  format: [[text: string], Reply<FormatOutput>];
  inspect: [[text: string], Reply<InspectOutput>];
  population: [[], PopulationInfo];
  synth: [[options: SynthRequest], Reply<PopulationInfo>];
  useDefaultPopulation: [[], Reply<PopulationInfo>];
  loadPopulation: [[files: Record<string, string>], Reply<PopulationInfo>];
  patients: [[filter: string, limit: number], PatientSummary[]];
  findPatients: [[text: string, query: PatientQuery], Reply<PatientList>];
  setPrevalenceFromPopulation: [[population: boolean], null];
  loadCounts: [[files: Record<string, string>], Reply<PopulationInfo>];
  setNational: [[file: NamedText | null], Reply<InputsInfo>];
  setPracticeInputs: [[files: { attested?: NamedText; historic?: NamedText }], Reply<InputsInfo>];
  evaluate: [[text: string], Reply<EvalOutput>];
  evaluateJson: [[text: string], Reply<JsonOutput>];
  explain: [[text: string, patientId: string, indicator: string | null], Reply<ExplainOutput>];
  runTests: [[text: string], Reply<TestOutput>];
  compare: [[textA: string, textB: string], Reply<CompareOutput>];
  /** One or two `LEVER=VALUES`, one per line (as `qofrules sweep --vary` takes them). */
  sweep: [[text: string, levers: string], Reply<SweepOutput>];
  evalReport: [[text: string], Reply<ReportOutput>];
  patientTest: [[text: string, patientId: string, indicator: string | null], Reply<PatientTest>];
  /** The boundary tests of one indicator (`qofrules boundary --indicator ID`). */
  boundary: [[text: string, indicator: string], Reply<BoundaryOutput>];
  /** The boundary tests of the indicator under the cursor (a UTF-16 offset), or of every copy
   * of a `for each` indicator template (`qofrules boundary --indicator ID...`). */
  boundaryAt: [[text: string, at: number], Reply<BoundaryAt>];
  /** `witness`'s quick first step: per indicator, `same` where the canonical forms settle it,
   * null where only `witness` with its id can answer (the tools worker). */
  witnessPlan: [[textA: string, textB: string], Reply<WitnessPlan>];
  /** Per indicator, whether any patient can differ under A and B (`qofrules witness A B`). */
  witness: [[textA: string, textB: string, indicator: string | null], Reply<WitnessOutput>];
}

export type Method = keyof Methods;

export interface Request<M extends Method = Method> {
  id: number;
  method: M;
  args: Methods[M][0];
}

/** `value` on success (or `json`, its JSON text, for the large replies); `error` when the
 * engine itself failed (a bug: bad input is a value). */
export type Response =
  | { id: number; value: unknown; ms: number }
  | { id: number; json: string; ms: number }
  | { id: number; error: string; ms: number };

/** The first message to a worker: the compiled engine module. */
export interface Init {
  module: WebAssembly.Module;
}
