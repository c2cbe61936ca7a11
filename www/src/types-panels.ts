// The JSON shapes of the replies behind the sweep panel, the eval report and compare's inline
// diff (src/session/sweep.rs, src/sweep/mod.rs, src/session/marks.rs). Kept apart from
// types.ts, which is generated from the Rust types. Decimals are strings, as everywhere.
import type { DiffStatus, Pos } from "./types";

/** A lever as the sweep reports it (`sweep::LeverInfo`). */
export interface SweepLever {
  /** As written: `DM020.upper`. */
  lever: string;
  /** In words: `DM020 upper threshold`. */
  label: string;
  unit: "percent" | "points" | "pounds";
  /** The scheme's own value (a fraction for percentages). */
  base: string;
  base_shown: string;
}

/** The change per practice at one value: median, quartiles, least and most (pounds). */
export interface SweepSpread {
  min: string;
  q1: string;
  median: string;
  q3: string;
  max: string;
}

/** One value of the lever (`sweep::Point`). */
export interface SweepPoint {
  values: string[];
  shown: string[];
  is_base: boolean;
  total: string;
  change: string;
  points: string;
  aspiration?: string;
  gaining: number;
  losing: number;
  per_practice: SweepSpread;
  networks: string[];
}

/** What `qofrules sweep --format json` prints (`sweep::Sweep`). */
export interface Sweep {
  scheme: { id: string; title: string };
  levers: SweepLever[];
  practices: number;
  base: { total: string; points: string; aspiration?: string; networks: string[] };
  points: SweepPoint[];
  networks: string[];
}

/** The session's sweep reply: the sweep and its HTML report. */
export interface SweepOutput {
  sweep: Sweep;
  html: string;
}

/** The eval report `qofrules eval --format html` writes. */
export interface ReportOutput {
  html: string;
}

/** A changed part of one compare editor's text (`session::DiffMark`): the lines of an
 * indicator (or a `change`/`retire` statement, or the scheme header) whose comparison status
 * is not `unchanged`. */
export interface DiffMark {
  /** The indicator, or null for the scheme header. */
  indicator: string | null;
  status: Exclude<DiffStatus, "unchanged">;
  /** What changed, in words (`thresholds: 40% to 75% → 45% to 80%`). */
  note: string;
  start: Pos;
  end: Pos;
}

/** The compare reply's inline marks, one list per editor. */
export interface CompareMarks {
  marks_a?: DiffMark[];
  marks_b?: DiffMark[];
}

/** The parts of `qofrules inspect --format json` the sweep panel reads. */
export interface InspectLevers {
  scheme: {
    id: string;
    point_value: string;
    indicators: {
      id: string;
      kind: string;
      points: number | string;
      thresholds?: { lower: number | string; upper: number | string } | null;
    }[];
  };
}

/** One indicator's counts in one class of a reporting dimension, summed over practices. */
export interface StratumCounts {
  denominator: number;
  numerator: number;
  pcas: number;
}

/** A reporting stratum under each scheme (`compare::ReportImpact`): `null` where a scheme does
 * not report the indicator by the dimension. */
export interface ReportImpact {
  indicator: string;
  dimension: string;
  class: string;
  a: StratumCounts | null;
  b: StratumCounts | null;
  /** `57.1%`, or null (no denominator, or not reported). */
  achieved_a: string | null;
  achieved_b: string | null;
}

/** The comparison's reporting strata: absent when neither scheme reports by anything. */
export interface ComparisonStrata {
  reports?: ReportImpact[];
}

/** A patient written as a `test` block (`session::patient_test`). */
export interface PatientTest {
  block: string;
  expects: number;
}

/** The patient explorer's filters besides those of types.ts's `PatientQuery`. */
export interface PatientFilters {
  /** `female`, `male` or `unknown`; null: either. */
  sex: string | null;
  /** Age at the end of the scheme's period, both included. */
  age_from: number | null;
  age_to: number | null;
}
