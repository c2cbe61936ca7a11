// The JSON shapes the wasm Workspace returns (src/session.rs and src/wasm.rs; field names are
// the Rust field names). Decimal numbers (money, points, achievement) are strings so that no
// reader rounds them through binary floating point.

export type Severity = "error" | "warning";

/** A position: 1-based line and UTF-16 column; `offset` in UTF-16 units (CodeMirror's). */
export interface Pos {
  line: number;
  column: number;
  offset: number;
  byte: number;
  /** The column in UTF-8 bytes. */
  column_byte: number;
}

/** A diagnostic of a rule file, or an error in population data or options. */
export interface Problem {
  severity: Severity;
  code: string;
  message: string;
  help: string | null;
  file: string | null;
  /** True when it is in the edited text (its span can be underlined). */
  root: boolean;
  start: Pos | null;
  end: Pos | null;
  row: number | null;
  column: string | null;
  /** Secondary places in the same file, e.g. "first defined here". */
  labels: ProblemLabel[];
}

/** A secondary place of a problem, in its file. */
export interface ProblemLabel {
  message: string;
  start: Pos;
  end: Pos;
}

export interface Failure {
  ok: false;
  errors: Problem[];
  warnings: Problem[];
}

export type Reply<T> = (T & { ok: true; errors: Problem[]; warnings: Problem[] }) | Failure;

export interface SchemeName {
  id: string;
  title: string;
  period_end: string;
  indicators: number;
  tests: number;
}

export interface CheckOutput {
  diagnostics: Problem[];
  error_count: number;
  warning_count: number;
  scheme: SchemeName | null;
}

export interface FormatOutput {
  text: string;
}

export interface ShippedFile {
  path: string;
  text: string;
}

export interface PopulationInfo {
  kind: "default" | "synthetic" | "files" | "counts";
  label: string;
  practices: number;
  patients: number;
  events: number;
}

export interface SynthRequest {
  ccg?: string;
  network?: string;
  practices?: string[];
  seed?: number;
  scale?: number;
}

export type Sex = "female" | "male" | "unknown";

export interface PatientSummary {
  patient_id: string;
  practice_id: string;
  sex: Sex;
  birth_date: string;
  events: number;
}

export type CategoryJson =
  | { category: "unsuitable" | "chose_not_to" | "no_response" | "service_unavailable" | "new_patient" }
  | { category: "custom"; name: string };

export type Outcome =
  | { outcome: "excluded" | "denominator" | "numerator" }
  | { outcome: "adjusted"; category: CategoryJson | null };

export interface IndicatorTrace {
  indicator: string;
  title: string;
  outcome: Outcome;
  stratum: string | null;
  steps: string[];
  text: string;
}

export interface EventView {
  date: string;
  /** The SNOMED CT id as text (it may not fit a JavaScript number). */
  code: string;
  value: number | null;
  /** The scheme's code lists the code is in. */
  lists: string[];
}

export interface ExplainOutput {
  patient: PatientSummary;
  traces: IndicatorTrace[];
  events: EventView[];
  /** The warnings, when there are any (also in the reply's `warnings`). */
  diagnostics?: Problem[];
}

export type PatientStatus = "numerator" | "denominator" | "unmet" | "adjusted" | "register";

/** The patient explorer's query (session::PatientQuery). */
export interface PatientQuery {
  filter: string;
  practice: string | null;
  indicator: string | null;
  status: PatientStatus | null;
  limit: number;
}

export interface PatientList {
  patients: PatientSummary[];
  matched: number;
}

/** A file given to the engine: its name and text. */
export interface NamedText {
  name: string;
  text: string;
}

/** The inputs of the runs besides the population, by file name. */
export interface InputsInfo {
  national: string | null;
  attested: string | null;
  historic: string | null;
}

export interface Span {
  start: number;
  end: number;
}

export interface ExpectResult {
  indicator: string;
  expected: Outcome;
  expected_stratum: string | null;
  actual: Outcome;
  actual_stratum: string | null;
  passed: boolean;
  explanation: string | null;
  span: Span;
}

export interface TestResult {
  name: string;
  file: number;
  span: Span;
  passed: boolean;
  expects: ExpectResult[];
  errors: string[];
}

/** One expectation in words (`pipeline::ExpectationRecord`). */
export interface ExpectationRecord {
  line: number;
  /** The indicator, or `practice`. */
  indicator: string;
  kind: "outcome" | "points" | "payment";
  expected: string;
  actual: string | null;
  passed: boolean;
  explanation: string | null;
}

/** One test placed in its file (`pipeline::TestRecord`, as `qofrules test --format json`). */
export interface TestRecord {
  scheme: string;
  file: string;
  line: number;
  name: string;
  inherited: boolean;
  passed: boolean;
  expectations: ExpectationRecord[];
  errors: string[];
  moved_from: string | null;
}

export interface TestOutput {
  report: { tests: TestResult[]; passed: number; failed: number };
  positions: (Pos | null)[];
  records: TestRecord[];
}

/** One indicator line of a practice or network (`docs/money.md`). */
export interface IndicatorResult {
  id: string;
  group: string;
  kind: "boolean" | "fraction" | "attested" | "historic";
  max_points: string;
  register: number | null;
  denominator: number;
  numerator: number;
  pcas: number;
  pcas_by_category: Record<string, number>;
  achievement: string | null;
  points: string;
  payment: string;
  paid_on: string;
  strata?: {
    id: string;
    max_points: string;
    denominator: number;
    numerator: number;
    pcas: number;
    achievement: string | null;
    points: string;
  }[];
}

export interface PracticeResult {
  practice_id: string;
  network_id: string | null;
  list_size: number | null;
  points: string;
  payment: string;
  cpi: string | null;
  /** Prevalence-adjusted groups: the figures behind each APDF (absent when there are none). */
  groups?: GroupFactor[];
  indicators: IndicatorResult[];
}

export interface GroupFactor {
  group: string;
  register: number | null;
  list_size: number | null;
  prevalence: string | null;
  apdf: string;
}

export interface NetworkResult {
  network_id: string;
  practices: number;
  list_size: number;
  cpi: string | null;
  groups?: GroupFactor[];
  points: string;
  payment: string;
  practice_payment: string;
  receives: string;
  indicators: IndicatorResult[];
}

export interface PayResult {
  scheme: { id: string; title: string; period_end: string };
  national: {
    average_list_size: string;
    average_list_size_source: string;
    prevalence_source: string;
    prevalence: Record<
      string,
      { register: number | null; list_size: number | null; prevalence: string | null; source: string }
    >;
  };
  practices: PracticeResult[];
  networks: NetworkResult[];
  total: { points: string; payment: string };
  warnings?: { message: string; practices: number; example: string }[];
}

export interface EvalOutput {
  result: PayResult;
  population: PopulationInfo;
}

export interface JsonOutput {
  json: string;
}

export interface FieldChange {
  field: string;
  a: string;
  b: string;
}

export type DiffStatus = "added" | "retired" | "changed" | "unchanged";

/** One indicator's figures under one scheme, summed over practices and networks. */
export interface IndicatorFigures {
  register: number;
  denominator: number;
  numerator: number;
  pcas: number;
  achievement: string | null;
  points: string;
  payment: string;
}

/** A patient whose class changed for one indicator, with both explanations. */
export interface Mover {
  patient_id: string;
  practice_id: string;
  a: string;
  b: string;
  explanation_a: string | null;
  explanation_b: string | null;
}

/** One indicator of either scheme (`compare::IndicatorImpact`). */
export interface IndicatorImpact {
  id: string;
  title: string;
  status: DiffStatus;
  changes: FieldChange[];
  /** `null` when the indicator is not in A (added). */
  a: IndicatorFigures | null;
  /** `null` when the indicator is not in B (retired). */
  b: IndicatorFigures | null;
  /** B minus A (an absent side counts as zero). */
  delta: { register: number; denominator: number; numerator: number; pcas: number; points: string; payment: string };
  text_a?: string | null;
  text_b?: string | null;
  movers?: { count: number; transitions: Record<string, number>; patients: Mover[] };
}

/** One practice's payment under each scheme (`compare::PracticeImpact`). */
export interface PracticeImpact {
  practice_id: string;
  /** `""` when the practice has no network. */
  network_id: string;
  /** TOTAL list size as scheme A's pay run saw it, else B's. */
  list_size: number | null;
  points_a: string;
  points_b: string;
  payment_a: string;
  payment_b: string;
  /** B minus A, pounds. */
  delta: string;
  /** Percentage change (2 places), `null` when A pays nothing. */
  delta_pct: string | null;
  cpi_a: string | null;
  cpi_b: string | null;
  /** APDF per group of `Comparison.groups` (`null` where not prevalence-adjusted). */
  apdf_a: (string | null)[];
  apdf_b: (string | null)[];
}

/** The core's comparison (`compare::Comparison`), as `qofrules compare --format json` prints it. */
export interface Comparison {
  a: { id: string; title: string };
  b: { id: string; title: string };
  level: "patients" | "counts";
  /** Scheme-wide differences (period, point value, payment model...). */
  header: FieldChange[];
  /** A's indicators in A's order, then those only in B. */
  indicators: IndicatorImpact[];
  /** In A's practice order, then practices only B paid. */
  practices: PracticeImpact[];
  networks: { network_id: string; practices: number; payment_a: string; payment_b: string; delta: string; delta_pct: string | null }[];
  total: { points_a: string; points_b: string; payment_a: string; payment_b: string; delta: string; delta_pct: string | null };
  distribution: { label: string; practices: number; delta: string }[];
  winners: PracticeImpact[];
  losers: PracticeImpact[];
  warnings_a: string[];
  warnings_b: string[];
  national_a: PayResult["national"];
  national_b: PayResult["national"];
  groups: string[];
}

export interface CompareOutput {
  scheme_a: SchemeName;
  scheme_b: SchemeName;
  comparison: Comparison;
  /** Practices paid more under B, and less. */
  gainers: number;
  losers: number;
  population: PopulationInfo;
  /** The self-contained HTML report `qofrules compare --format html` writes. */
  html: string;
}

/** The inspect view (`qofrules inspect --format json`); only the parts the editor shows. */
export interface InspectOutput {
  scheme: {
    id: string;
    title: string;
    lineage: string[];
    indicators: { id: string; title: string; group: string; kind: string }[];
    registers: { id: string; title: string }[];
    codelists: { id: string; title: string }[];
    tests: string[];
  };
}
