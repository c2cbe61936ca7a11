// Generated from the Rust reply types by `src/contracts.rs`: do not edit by hand.
// Regenerate with `UPDATE_CONTRACTS=1 cargo test --lib contracts`.

/** A status the patient explorer lists patients by (`session::PATIENT_STATUSES`). */
export type PatientStatus = "numerator" | "denominator" | "unmet" | "adjusted" | "excluded" | "register";

export type AdjustmentView = { 
/**
 * The stable key (`unsuitable`, `chose_not_to`, ..., or a scheme's own name).
 */
category: string, label?: string, when: string, };

/**
 * Aspiration and balancing payments of one practice.
 */
export type AspirationResult = { 
/**
 * The previous year the aspiration is based on.
 */
year: string, 
/**
 * The share, a fraction 0-1.
 */
share: string, 
/**
 * Aspiration payment for the year (paid in monthly instalments).
 */
aspiration: string, 
/**
 * One monthly instalment: aspiration / 12, rounded like payments.
 */
monthly: string, 
/**
 * Year-end balancing payment: the year's payment minus the aspiration (may be negative).
 */
balancing: string, };

export type BlendPartView = { 
/**
 * Percentage.
 */
share: JsonValue, model: PaymentView, };

/**
 * What `boundary_at` returns: the boundary tests of the indicator under the cursor, or of
 * every copy of the indicator template a `for each` body writes.
 */
export type BoundaryAt = { 
/**
 * The indicators the tests are for, in the scheme's order: one, or every copy of a
 * `for each` template (`CC1` ... `CC9`).
 */
indicators: Array<string>, 
/**
 * The indicator's id as written: `DM020`, or the template's `CC{N}`.
 */
written: string, 
/**
 * `for each N in 1 to 9` when the cursor is in a `for each` body, else `None`.
 */
for_each: string | null, 
/**
 * The block the tests go after (the indicator's, or the whole `for each`'s): its start and
 * end (just after its closing brace), as UTF-16 offsets like the editor's.
 */
start: number, end: number, 
/**
 * The generated `test` blocks: byte for byte what `qofrules boundary SCHEME --indicator
 * ID` prints, with one `--indicator` per id of `indicators`.
 */
text: string, 
/**
 * How many `test` blocks `text` has.
 */
cases: number, };

/**
 * What `boundary` returns.
 */
export type BoundaryOutput = { indicator: string, 
/**
 * The generated `test` blocks, with their heading comments: byte for byte what
 * `qofrules boundary SCHEME --indicator ID` prints.
 */
text: string, 
/**
 * How many `test` blocks `text` has (none for an attested indicator).
 */
cases: number, };

/**
 * A band of practice-level change.
 */
export type Bucket = { label: string, practices: number, 
/**
 * Sum of the practices' deltas.
 */
delta: string, };

/**
 * The category of a personalised care adjustment (or exception).
 */
export type Category = { "category": "unsuitable" } | { "category": "chose_not_to" } | { "category": "no_response" } | { "category": "service_unavailable" } | { "category": "new_patient" } | { "category": "custom", "name": string };

export type CategoryView = { id: string, title: string | null, origin: OriginView, };

/**
 * What `check` returns.
 */
export type CheckOutput = { 
/**
 * Every diagnostic, errors and warnings, in file order.
 */
diagnostics: Array<Problem>, error_count: number, warning_count: number, 
/**
 * The scheme's id and title when it checked without errors.
 */
scheme: SchemeName | null, };

/**
 * A message code. Serialised as its kebab-case name ([`Code::as_str`]).
 */
export type Code = "syntax" | "too-deep" | "too-many-errors" | "bad-date" | "bad-number" | "bad-code" | "missing-scheme" | "misplaced-scheme" | "duplicate-scheme" | "duplicate-name" | "duplicate-statement" | "missing-statement" | "undefined-name" | "type-mismatch" | "cycle" | "bad-period" | "bad-thresholds" | "bad-points" | "strata-points" | "unreachable-stratum" | "bad-percentage" | "blend-shares" | "bad-year" | "historic-year" | "bad-rounding" | "bad-age-range" | "bad-list-type" | "bad-window" | "zero-apart" | "missing-file" | "bad-code-file" | "unknown-scheme" | "extends-cycle" | "not-inherited" | "redefined-inherited" | "incomplete-patient" | "ambiguous-expect" | "contradictory-expect" | "mixed-practices" | "unknown-figures" | "bad-prevalence" | "bad-national-file" | "no-national-prevalence" | "prevalence-without-register" | "unused-codelist" | "unused-define" | "duplicate-category" | "changed-retired" | "event-before-birth" | "inherited-dates" | "bad-for-each" | "bad-data" | "data-warning" | "bad-options" | "population-period" | "national" | "pay" | "unknown-patient" | "unknown-indicator" | "bad-argument" | "internal";

export type CodelistView = { id: string, title: string, 
/**
 * SNOMED CT concept ids as strings (they exceed JavaScript's safe integers).
 */
codes: Array<string>, origin: OriginView, };

/**
 * `qofrules compare --format json`: the comparison and, when there are any, the warnings
 * (both schemes' checker warnings, the readers' and the population's).
 */
export type CompareJson = { diagnostics?: Array<Problem>, a: SchemeRef, b: SchemeRef, level: Level, 
/**
 * Scheme-wide differences (period, point value, payment model...).
 */
header: Array<FieldChange>, 
/**
 * A's indicators in A's order, then those only in B.
 */
indicators: Array<IndicatorImpact>, 
/**
 * In A's practice order, then practices only B paid.
 */
practices: Array<PracticeImpact>, 
/**
 * By network code; practices with no network are under `""`.
 */
networks: Array<NetworkImpact>, total: TotalImpact, 
/**
 * Practices by percentage change, from `lose > 10%` to `gain > 10%`.
 */
distribution: Array<Bucket>, 
/**
 * The largest gains in pounds (at most [`WINNERS_LISTED`], gains only).
 */
winners: Array<PracticeImpact>, 
/**
 * The largest losses in pounds (at most [`WINNERS_LISTED`], losses only).
 */
losers: Array<PracticeImpact>, 
/**
 * Each scheme's pay warnings.
 */
warnings_a: Array<string>, warnings_b: Array<string>, 
/**
 * The national figures each scheme was paid with, and where they came from.
 */
national_a: NationalReport, national_b: NationalReport, 
/**
 * The prevalence-adjusted groups of either scheme, in the order of each practice's
 * `apdf_a` and `apdf_b`.
 */
groups: Array<string>, 
/**
 * Reporting strata (`report by`) of either scheme, summed over practices: patient-level
 * comparisons only, and left out of the JSON when neither scheme reports by anything.
 */
reports?: Array<ReportImpact>, };

/**
 * What `compare` returns.
 */
export type CompareOutput = { scheme_a: SchemeName, scheme_b: SchemeName, 
/**
 * The core's comparison, as `qofrules compare --format json` prints it: the rule changes
 * (`header`, each indicator's `status` and `changes`), per-indicator, per-practice and
 * per-network figures under A and B, the totals, the distribution and the patients who
 * change class.
 */
comparison: Comparison, 
/**
 * Practices paid more under B than under A.
 */
gainers: number, 
/**
 * Practices paid less under B than under A.
 */
losers: number, population: PopulationInfo, 
/**
 * The self-contained HTML report `qofrules compare --format html` writes for the same
 * two schemes and population ([`crate::compare::html::render_for`] of `comparison`,
 * naming the population).
 */
html: string, 
/**
 * Where the rule changes are written in each editor's text ([`marks::marks`]).
 */
marks_a: Array<DiffMark>, marks_b: Array<DiffMark>, };

/**
 * The whole comparison.
 */
export type Comparison = { a: SchemeRef, b: SchemeRef, level: Level, 
/**
 * Scheme-wide differences (period, point value, payment model...).
 */
header: Array<FieldChange>, 
/**
 * A's indicators in A's order, then those only in B.
 */
indicators: Array<IndicatorImpact>, 
/**
 * In A's practice order, then practices only B paid.
 */
practices: Array<PracticeImpact>, 
/**
 * By network code; practices with no network are under `""`.
 */
networks: Array<NetworkImpact>, total: TotalImpact, 
/**
 * Practices by percentage change, from `lose > 10%` to `gain > 10%`.
 */
distribution: Array<Bucket>, 
/**
 * The largest gains in pounds (at most [`WINNERS_LISTED`], gains only).
 */
winners: Array<PracticeImpact>, 
/**
 * The largest losses in pounds (at most [`WINNERS_LISTED`], losses only).
 */
losers: Array<PracticeImpact>, 
/**
 * Each scheme's pay warnings.
 */
warnings_a: Array<string>, warnings_b: Array<string>, 
/**
 * The national figures each scheme was paid with, and where they came from.
 */
national_a: NationalReport, national_b: NationalReport, 
/**
 * The prevalence-adjusted groups of either scheme, in the order of each practice's
 * `apdf_a` and `apdf_b`.
 */
groups: Array<string>, 
/**
 * Reporting strata (`report by`) of either scheme, summed over practices: patient-level
 * comparisons only, and left out of the JSON when neither scheme reports by anything.
 */
reports?: Array<ReportImpact>, };

export type DefineView = { id: string, title: string | null, condition: string, origin: OriginView, period_windows: Array<PeriodWindowView>, };

/**
 * One marked part of a compare editor's text.
 */
export type DiffMark = { 
/**
 * The indicator, or `None` for the scheme header.
 */
indicator: string | null, 
/**
 * `added`, `retired` or `changed` (never `unchanged`).
 */
status: DiffStatus, 
/**
 * What changed, in words (`thresholds: 40% to 75% → 45% to 80%`).
 */
note: string, start: Pos, end: Pos, };

export type DiffStatus = "added" | "retired" | "changed" | "unchanged";

/**
 * The JSON output of an evaluation (`qofrules eval --format json`, the editor's
 * `evaluate_json`): the pay result, plus the reporting-strata counts when a population was
 * evaluated and the scheme reports by anything, plus the problems that did not stop the run
 * (the checker's warnings, the readers' and the population's) when there are any.
 */
export type EvalJson = { reports?: Array<ReportRow>, diagnostics?: Array<Problem>, 
/**
 * Which scheme.
 */
scheme: SchemeInfo, 
/**
 * The national figures used, and where they came from.
 */
national: NationalReport, 
/**
 * One entry per practice, in input order.
 */
practices: Array<PracticeResult>, 
/**
 * One entry per network with network indicators, by network code.
 */
networks: Array<NetworkResult>, 
/**
 * Scheme totals.
 */
total: Total, 
/**
 * Data problems met on the way, counted (not serialized when there are none).
 */
warnings?: Array<PayWarning>, };

/**
 * What `evaluate` returns: the payment result, as the CLI's `eval --format json` prints it.
 */
export type EvalOutput = { result: EvalJson, 
/**
 * Each indicator summed over the practices and networks of `result`, so that the page
 * shows totals without adding decimals itself.
 */
indicators: Array<IndicatorSum>, population: PopulationInfo, };

/**
 * One event of a patient's record, with the scheme's code lists its code is in.
 */
export type EventView = { date: string, 
/**
 * The SNOMED CT id as text (up to 18 digits: more than a JavaScript number holds).
 */
code: string, value: number | null, lists: Array<string>, };

/**
 * The result of one `expect`.
 */
export type ExpectResult = { indicator: string, expected: Outcome, expected_stratum: string | null, actual: Outcome, actual_stratum: string | null, passed: boolean, 
/**
 * The explanation of the actual outcome (failures only).
 */
explanation: string | null, span: Span, };

/**
 * One expectation of a test.
 */
export type ExpectationRecord = { line: number, 
/**
 * The indicator, or `practice` for the practice's pay.
 */
indicator: string, 
/**
 * `outcome`, `points` or `payment`.
 */
kind: "outcome" | "points" | "payment", 
/**
 * As written: `numerator in stratum fit`, `12.5`, `£1234.56`.
 */
expected: string, 
/**
 * What the engine gave, in the same form (`null` when there is nothing to compare).
 */
actual: string | null, passed: boolean, 
/**
 * Why the actual outcome or figure is what it is (failures only).
 */
explanation: string | null, };

/**
 * `qofrules explain --format json` and the editor's explain reply: the patient, why they did
 * or did not count, and the warnings (the scheme's and the population's), if any.
 */
export type ExplainOutput = { patient: PatientSummary, traces: Array<IndicatorTrace>, 
/**
 * The patient's record, as the rules saw it (dated for the scheme's period).
 */
events: Array<EventView>, diagnostics?: Array<Problem>, };

/**
 * One changed field of an indicator, with its value on each side (as text).
 */
export type FieldChange = { field: string, a: string, b: string, };

/**
 * What an [`ExpectFigure`] states.
 */
export type Figure = "points" | "payment";

/**
 * The result of one `expect ... points` or `expect ... payment`.
 */
export type FigureResult = { 
/**
 * The indicator, or `None` for the practice.
 */
indicator: string | null, figure: Figure, 
/**
 * As written (a payment without its `£`).
 */
expected: string, 
/**
 * The figure the pay phase gives, exact (`None` when the test practice could not be paid).
 */
actual: string | null, passed: boolean, 
/**
 * How the actual figure came about (failures only).
 */
explanation: string | null, span: Span, };

/**
 * What `format` returns.
 */
export type FormatOutput = { text: string, };

/**
 * A gateway at one practice.
 */
export type GatewayResult = { 
/**
 * Gateway id.
 */
id: string, 
/**
 * All required items attested.
 */
met: boolean, 
/**
 * One-off payment (0 when not met).
 */
payment: string, };

export type GatewayView = { id: string, title: string, requires: Array<string>, pays: string | null, origin: OriginView, };

/**
 * A prevalence-adjusted group at one practice or network: the figures behind its APDF.
 */
export type GroupFactor = { 
/**
 * Group code.
 */
group: string, 
/**
 * The register, if known.
 */
register: number | null, 
/**
 * The list size of the group's list type, if known.
 */
list_size: number | null, 
/**
 * register / list size, a fraction 0-1 (`null` when either is unknown or the list is 0).
 */
prevalence: string | null, 
/**
 * Adjusted practice disease factor: prevalence / national prevalence (0 when unknown),
 * rounded per the scheme.
 */
apdf: string, };

/**
 * One group in the `national` block.
 */
export type GroupPrevalenceReport = { 
/**
 * Sum of registers (`null` when the prevalence was stated as a rate).
 */
register: number | null, 
/**
 * Sum of list sizes of the group's list type (`null` for a rate).
 */
list_size: number | null, 
/**
 * The national prevalence, a fraction 0-1.
 */
prevalence: string | null, 
/**
 * Where this group's figure came from.
 */
source: string, };

/**
 * Per-indicator difference, B minus A (an absent side counts as zero).
 */
export type IndicatorDelta = { register: number, denominator: number, numerator: number, pcas: number, points: string, payment: string, };

/**
 * One indicator's figures under one scheme, summed over practices (and networks, for network
 * indicators).
 */
export type IndicatorFigures = { register: number, denominator: number, numerator: number, pcas: number, 
/**
 * Numerator / denominator of the sums, `null` when the denominator is 0.
 */
achievement: string | null, points: string, payment: string, };

/**
 * One indicator of either scheme.
 */
export type IndicatorImpact = { id: string, title: string, status: DiffStatus, changes: Array<FieldChange>, 
/**
 * `null` when the indicator is not in A (added).
 */
a: IndicatorFigures | null, 
/**
 * `null` when the indicator is not in B (retired).
 */
b: IndicatorFigures | null, delta: IndicatorDelta, text_a?: string, text_b?: string, 
/**
 * Patient-level comparisons only, and only when someone moved.
 */
movers?: Movers, };

/**
 * One indicator (or historic line) of one practice or network.
 */
export type IndicatorResult = { 
/**
 * Indicator id (or historic item id).
 */
id: string, 
/**
 * Group code (empty for a historic item that is not a group).
 */
group: string, 
/**
 * `boolean`, `fraction`, `attested`, or `historic` for a historic line.
 */
kind: "boolean" | "fraction" | "attested" | "historic", 
/**
 * Maximum points (0 for historic lines).
 */
max_points: string, 
/**
 * Register of the indicator's group, if known.
 */
register: number | null, 
/**
 * Denominator.
 */
denominator: number, 
/**
 * Numerator.
 */
numerator: number, 
/**
 * Personalised care adjustments.
 */
pcas: number, 
/**
 * PCAs by category.
 */
pcas_by_category: { [key in string]: number }, 
/**
 * Achievement, a fraction 0-1; `null` when the denominator is 0 (fraction indicators)
 * and for historic lines.
 */
achievement: string | null, 
/**
 * Points achieved this year (historic lines: the historic points paid on, or 0).
 */
points: string, 
/**
 * Payment, rounded per the scheme (to the penny by default).
 */
payment: string, 
/**
 * Which model paid it: `performance`, `historic 2016/17`, `higher of: ...`, or why it
 * paid nothing (a locked tier, a monitored indicator).
 */
paid_on: string, 
/**
 * Payment strata, each scored on its own (empty for ordinary indicators).
 */
strata?: Array<StratumResult>, };

/**
 * One indicator's figures summed over every practice and network of a run, as the editor's
 * results table shows them: counts as whole numbers, points and pounds as exact sums of the
 * lines (rounded once, by [`ExactSum::value`]), so the page formats and never adds money.
 */
export type IndicatorSum = { 
/**
 * Indicator id (or historic item id).
 */
id: string, 
/**
 * Group code.
 */
group: string, 
/**
 * `boolean`, `fraction`, `attested` or `historic`, as the lines say.
 */
kind: "boolean" | "fraction" | "attested" | "historic", 
/**
 * Maximum points, as the first line says.
 */
max_points: string, 
/**
 * Sum of the denominators.
 */
denominator: number, 
/**
 * Sum of the numerators.
 */
numerator: number, 
/**
 * Sum of the PCAs.
 */
pcas: number, 
/**
 * Sum of the points.
 */
points: string, 
/**
 * `points` over the number of practices, to 2 places (half away from zero); `null`
 * when the run has no practices.
 */
average_points: string | null, 
/**
 * Sum of the (rounded) payments.
 */
payment: string, };

/**
 * Why one patient got their outcome for one indicator.
 */
export type IndicatorTrace = { indicator: string, title: string, outcome: Outcome, 
/**
 * The payment stratum, for stratified indicators.
 */
stratum: string | null, 
/**
 * The steps of the cascade that decided the outcome, in order.
 */
steps: Array<string>, 
/**
 * The whole explanation on one line: `DM020: in the denominator: ...`.
 */
text: string, };

export type IndicatorView = { id: string, title: string, group: string, domain: string, 
/**
 * `register`, `attested` or `fraction`.
 */
kind: Kind, register?: string, points: JsonValue, thresholds: ThresholdsView | null, 
/**
 * `patients` or a register id.
 */
denominator?: string, denominator_where?: string, exclude?: string, achieved?: string, strata: Array<StratumView>, 
/**
 * Adjustment (PCA) categories in the order they are tried (a named set's, expanded).
 */
adjustments: Array<AdjustmentView>, 
/**
 * The named set the adjustments come from (`adjustments NAME`).
 */
adjustment_set: string | null, reports: Array<string>, network: boolean, monitored: boolean, 
/**
 * How this indicator is paid (the scheme's model, with `except` and `monitored` applied).
 */
payment: PaymentView, origin: OriginView, 
/**
 * The windows written relative to the period, with the dates they resolve to.
 */
period_windows: Array<PeriodWindowView>, };

/**
 * The answer for one indicator.
 */
export type IndicatorWitness = { indicator: string, verdict: Verdict, reason: string, 
/**
 * The witness as a `test` block (expecting A's outcome), for `differ`.
 */
witness: string | null, 
/**
 * The witness's outcome and explanation under A and under B.
 */
a?: Side, b?: Side, };

/**
 * The inputs of the session's runs besides the population, by file name.
 */
export type InputsInfo = { 
/**
 * The national prevalence file, if one is given.
 */
national: string | null, 
/**
 * The attested and historic files given (not those loaded with a population).
 */
attested: string | null, historic: string | null, };

/**
 * What `inspect` returns.
 */
export type InspectOutput = { scheme: SchemeView, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type Kind = "register" | "attested" | "fraction";

/**
 * What the comparison was computed from.
 */
export type Level = "patients" | "counts";

/**
 * A patient whose class changed for one indicator.
 */
export type Mover = { patient_id: string, practice_id: string, 
/**
 * The outcome under A (`not in scheme` for an added indicator).
 */
a: string, b: string, 
/**
 * Why, under A and under B (`eval::explain`); `null` where the indicator is absent.
 */
explanation_a: string | null, explanation_b: string | null, };

/**
 * Patients whose class changed for one indicator.
 */
export type Movers = { 
/**
 * All moving patients.
 */
count: number, 
/**
 * Counts per transition, e.g. `"denominator -> numerator"`.
 */
transitions: { [key in string]: number }, 
/**
 * The first [`MOVERS_LISTED`] (in population order), with explanations.
 */
patients: Array<Mover>, };

/**
 * A file given to the session: its name (for messages) and text.
 */
export type NamedText = { name: string, text: string, };

/**
 * The `national` block of a payment report.
 */
export type NationalReport = { 
/**
 * National average list size.
 */
average_list_size: string, 
/**
 * Where it came from.
 */
average_list_size_source: string, 
/**
 * Where the prevalence figures came from, as a whole.
 */
prevalence_source: string, 
/**
 * Per group: totals (when known) and prevalence (a fraction 0-1).
 */
prevalence: { [key in string]: GroupPrevalenceReport }, };

/**
 * A `national prevalence` statement: embedded figures, a file, and figures per group as
 * written (`2.1%`, `3455176 / 48829165`).
 */
export type NationalView = { embedded: string | null, file: string | null, groups: { [key in string]: string }, };

/**
 * One network: its practices' payments plus its own network indicators'.
 */
export type NetworkImpact = { network_id: string, practices: number, payment_a: string, payment_b: string, delta: string, delta_pct: string | null, };

/**
 * One network's result: its network indicators, and what its practices earned.
 */
export type NetworkResult = { 
/**
 * Network code.
 */
network_id: string, 
/**
 * Number of practices in the network.
 */
practices: number, 
/**
 * Sum of the practices' TOTAL list sizes.
 */
list_size: number, 
/**
 * Contractor population index of the network (its list size / national average), when
 * it has network indicators; `null` otherwise or if unknown.
 */
cpi: string | null, 
/**
 * Per prevalence-adjusted group of its network indicators: prevalence and APDF.
 */
groups?: Array<GroupFactor>, 
/**
 * Points of the network indicators.
 */
points: string, 
/**
 * Payment of the network indicators.
 */
payment: string, 
/**
 * Sum of the member practices' payments.
 */
practice_payment: string, 
/**
 * What the network receives: `payment`, plus `practice_payment` when the scheme pays
 * practices' earnings to their networks.
 */
receives: string, 
/**
 * The network indicators.
 */
indicators: Array<IndicatorResult>, };

/**
 * An obligation at one practice.
 */
export type ObligationResult = { 
/**
 * Obligation id.
 */
id: string, 
/**
 * Attested as met.
 */
met: boolean, };

export type ObligationView = { id: string, title: string, workstream: string | null, origin: OriginView, };

export type OriginView = { 
/**
 * The file's name as given to the command (or `rules/...` for a shipped scheme).
 */
file: string, 
/**
 * 1-based line of the definition.
 */
line: number, 
/**
 * The scheme id of that file.
 */
scheme: string, 
/**
 * `defined` (in the root file), `inherited` or `changed`.
 */
status: Status, 
/**
 * For `changed`: the statement kinds a `change` block replaced.
 */
changed?: Array<string>, };

/**
 * What happened to a patient for one indicator.
 */
export type Outcome = { "outcome": "excluded" } | { "outcome": "adjusted", "category": Category | null } | { "outcome": "denominator" } | { "outcome": "numerator" };

/**
 * What `find_patients` returns: the first `limit` matches and how many there are.
 */
export type PatientList = { patients: Array<PatientSummary>, matched: number, };

/**
 * The patient explorer's query: patients whose id contains `filter` (any case), at
 * `practice` when given, and, with an `indicator`, only those with `status` for it.
 */
export type PatientQuery = { filter: string, practice: string | null, indicator: string | null, 
/**
 * One of [`PATIENT_STATUSES`]; none: every patient.
 */
status: PatientStatus | null, 
/**
 * With `adjusted`: only the adjustments of this category (its key, as in
 * `pcas_by_category`: `unsuitable`, `chose_not_to`, ..., or a scheme's own); none: all.
 */
category?: string, limit: number, 
/**
 * `female`, `male` or `unknown` (or `F`, `M`, `U`); none: either.
 */
sex: string | null, 
/**
 * Age at the end of the scheme's period, in whole years, from and to (both included).
 */
age_from: number | null, age_to: number | null, };

/**
 * A patient, in a few words (the editor's list, an explanation's header).
 */
export type PatientSummary = { patient_id: string, practice_id: string, sex: Sex, birth_date: string, events: number, };

/**
 * A test block to append to the text.
 */
export type PatientTest = { 
/**
 * The `test` block, formatted, ending with a newline.
 */
block: string, 
/**
 * How many `expect` lines it has.
 */
expects: number, };

/**
 * The whole report of a payment run.
 */
export type PayResult = { 
/**
 * Which scheme.
 */
scheme: SchemeInfo, 
/**
 * The national figures used, and where they came from.
 */
national: NationalReport, 
/**
 * One entry per practice, in input order.
 */
practices: Array<PracticeResult>, 
/**
 * One entry per network with network indicators, by network code.
 */
networks: Array<NetworkResult>, 
/**
 * Scheme totals.
 */
total: Total, 
/**
 * Data problems met on the way, counted (not serialized when there are none).
 */
warnings?: Array<PayWarning>, };

/**
 * A data problem, counted over practices.
 */
export type PayWarning = { 
/**
 * What happened and what was assumed.
 */
message: string, 
/**
 * How many practices it affected.
 */
practices: number, 
/**
 * The first practice affected.
 */
example: string, };

/**
 * The model of one domain's or group's indicators.
 */
export type PaymentPartView = { 
/**
 * `domain` or `group`.
 */
of: string, name: string, 
/**
 * The indicators it pays (a group's model wins over its domain's).
 */
indicators: Array<string>, model: PaymentView, };

export type PaymentView = { "model": "performance" } | { "model": "historic", year: string, prevalence: boolean, list_size: boolean, 
/**
 * `in pounds` (shown only when true).
 */
pounds?: boolean, } | { "model": "blend", parts: Array<BlendPartView>, } | { "model": "higher_of", a: PaymentView, b: PaymentView, except: Array<string>, 
/**
 * The model the excepted indicators are paid on, when not performance.
 */
on?: PaymentView, } | { "model": "except", base: PaymentView, except: Array<string>, on: PaymentView, } | { "model": "by_indicator", base: PaymentView, parts: Array<PaymentPartView>, } | { "model": "none" };

export type PeriodView = { start: string, 
/**
 * The payment period end date.
 */
end: string, };

/**
 * A window written relative to the scheme's period (`in the period`, `from 4 months after
 * the start of the period to the end of the period`) and the dates of this scheme's period it
 * resolves to (`null`: open, or anchored on a patient's events).
 */
export type PeriodWindowView = { window: string, from: string | null, to: string | null, };

/**
 * One indicator of a [`WitnessPlan`].
 */
export type PlannedWitness = { indicator: string, 
/**
 * `witness`'s answer when it is settled by form (`same`); `None` when the compiled rule
 * differs (or one scheme lacks the indicator) and `witness` must be asked for it.
 */
settled: IndicatorWitness | null, };

/**
 * What a population is and how big.
 */
export type PopulationInfo = { 
/**
 * `default`, `synthetic`, `files` or `counts` (published counts, no patients).
 */
kind: "default" | "synthetic" | "files" | "counts", 
/**
 * A description: `NHS Dudley CCG at scale 0.05, seed 2020`, or the file names.
 */
label: string, practices: number, patients: number, events: number, };

/**
 * A position: 1-based line, 1-based column in UTF-16 code units (what the browser editor and
 * LSP count) and in UTF-8 bytes, the UTF-16 offset from the start of the file (what
 * CodeMirror counts) and the UTF-8 byte offset.
 */
export type Pos = { line: number, column: number, offset: number, byte: number, column_byte: number, };

/**
 * One practice's payment under each scheme.
 */
export type PracticeImpact = { practice_id: string, network_id: string, 
/**
 * The practice's TOTAL list size as scheme A's pay run saw it, else B's; `null` when
 * neither knows it.
 */
list_size: number | null, points_a: string, points_b: string, payment_a: string, payment_b: string, delta: string, 
/**
 * Percentage change of the payment (2 places), `null` when A pays 0.
 */
delta_pct: string | null, 
/**
 * Contractor population index under A and under B (`null` when unknown or unpaid).
 */
cpi_a: string | null, cpi_b: string | null, 
/**
 * APDF per group of [`Comparison::groups`], under A and under B (`null` where the group
 * is not prevalence-adjusted under that scheme).
 */
apdf_a: (string | null)[], apdf_b: (string | null)[], };

/**
 * One practice's result.
 */
export type PracticeResult = { 
/**
 * Practice code.
 */
practice_id: string, 
/**
 * Network code, if any.
 */
network_id: string | null, 
/**
 * TOTAL list size, if known.
 */
list_size: number | null, 
/**
 * Sum of the indicators' points achieved this year (historic lines excluded).
 */
points: string, 
/**
 * Sum of the rounded payments of the indicator and historic lines plus gateway payments.
 */
payment: string, 
/**
 * Contractor population index used (list size / national average), `null` if unknown.
 */
cpi: string | null, 
/**
 * Per prevalence-adjusted group (in scheme order): the practice's prevalence and APDF.
 */
groups?: Array<GroupFactor>, 
/**
 * Per indicator (in scheme order), then historic lines.
 */
indicators: Array<IndicatorResult>, 
/**
 * Gateways met or not, and what they paid.
 */
gateways?: Array<GatewayResult>, 
/**
 * Tiers unlocked or not, and what they paid.
 */
tiers?: Array<TierResult>, 
/**
 * Obligations met or not (never paid).
 */
obligations?: Array<ObligationResult>, 
/**
 * Aspiration and balancing payments, when the scheme has them and the practice has the
 * previous year's figures.
 */
aspiration?: AspirationResult, };

/**
 * One problem: a diagnostic of a rule file, or an error in the data or the options.
 */
export type Problem = { severity: Severity, code: Code, message: string, help: string | null, 
/**
 * The file it is in (the edited text or a rule file given on the command line, a
 * shipped parent `rules/...`, a data file's name), if any.
 */
file: string | null, 
/**
 * True when it is in a root file: the edited text, or a file given on the command line
 * (its span can be underlined).
 */
root: boolean, start: Pos | null, end: Pos | null, 
/**
 * The row of a data file (1-based; a CSV header is row 1).
 */
row: number | null, 
/**
 * The column or field of a data file.
 */
column: string | null, 
/**
 * Secondary places in the same file ("first defined here").
 */
labels: Array<ProblemLabel>, };

/**
 * A label of a problem: a secondary place in its file, with a note.
 */
export type ProblemLabel = { message: string, start: Pos, end: Pos, };

export type RegisterView = { id: string, title: string, min_age: number | null, max_age: number | null, where: string | null, prevalence_adjusted: boolean, list_type: string, origin: OriginView, period_windows: Array<PeriodWindowView>, };

/**
 * One class of one indicator's reporting dimension under each scheme.
 */
export type ReportImpact = { indicator: string, 
/**
 * `age band`, `sex`, `deprivation decile` or a classification's name.
 */
dimension: string, class: string, 
/**
 * `null` when scheme A does not report the indicator by this dimension.
 */
a: StratumCounts | null, 
/**
 * `null` when scheme B does not report the indicator by this dimension.
 */
b: StratumCounts | null, 
/**
 * [`StratumCounts::achieved`] of each side (`null` for no denominator, or not reported).
 */
achieved_a: string | null, achieved_b: string | null, };

/**
 * The eval report `qofrules eval --format html` writes.
 */
export type ReportOutput = { html: string, };

/**
 * One reporting-stratum count: a practice, an indicator, a dimension and one of its classes.
 */
export type ReportRow = { practice_id: string, indicator: string, 
/**
 * `age band`, `sex`, `deprivation decile` or a classification's name.
 */
dimension: string, class: string, denominator: number, numerator: number, pcas: number, };

export type RoundingView = { target: string, places: number, };

/**
 * The `scheme` block.
 */
export type SchemeInfo = { 
/**
 * Scheme id.
 */
id: string, 
/**
 * Scheme title.
 */
title: string, 
/**
 * Payment period end date, `YYYY-MM-DD`.
 */
period_end: string, };

export type SchemeName = { id: string, title: string, period_end: string, indicators: number, tests: number, };

/**
 * The id and title of a compared scheme.
 */
export type SchemeRef = { id: string, title: string, };

export type SchemeView = { id: string, title: string, 
/**
 * Scheme ids from this one up through its ancestors.
 */
lineage: Array<string>, period: PeriodView, 
/**
 * Pounds per point.
 */
point_value: string, national_average_list_size: JsonValue | null, 
/**
 * The national prevalence the scheme states, if it does (which figures a run uses is
 * decided by `crate::national`).
 */
national_prevalence?: NationalView, 
/**
 * Decimal places per rounding point (`achievement`, `points`, `cpi`, `apdf`, `payment`).
 */
rounding: Array<RoundingView>, 
/**
 * How values are rounded: `half up` (the default), `half even` or `toward zero`.
 */
rounding_mode: string, 
/**
 * What one rounding of payments covers: `line` (the default), `group` or `practice`.
 */
payment_rounded_per: string, payment: PaymentView, paid_to_networks: boolean, 
/**
 * Percentage of the previous year's achievement paid monthly.
 */
aspiration: JsonValue | null, 
/**
 * What an indicator with an empty denominator scores: `zero` or `full`.
 */
empty_denominator: string, reports: Array<string>, indicators: Array<IndicatorView>, registers: Array<RegisterView>, codelists: Array<CodelistView>, definitions: Array<DefineView>, gateways: Array<GatewayView>, tiers: Array<TierView>, obligations: Array<ObligationView>, 
/**
 * Declared adjustment categories (`category NAME "..."`), the scheme's and inherited.
 */
categories: Array<CategoryView>, 
/**
 * Names of the root file's tests.
 */
tests: Array<string>, };

export type Severity = "error" | "warning";

/**
 * A patient's recorded sex.
 */
export type Sex = "female" | "male" | "unknown";

/**
 * A shipped scheme.
 */
export type ShippedFile = { path: string, text: string, };

/**
 * A witness under one scheme.
 */
export type Side = { outcome: string, explanation: string, };

/**
 * A byte range `start..end` in one source file.
 */
export type Span = { start: number, end: number, };

/**
 * How a part of the resolved scheme came to be.
 */
export type Status = "defined" | "inherited" | "changed";

/**
 * One indicator's counts in one class of a reporting dimension, summed over practices.
 */
export type StratumCounts = { denominator: number, numerator: number, pcas: number, };

/**
 * One payment stratum of an indicator.
 */
export type StratumResult = { 
/**
 * Stratum id.
 */
id: string, 
/**
 * The stratum's maximum points.
 */
max_points: string, 
/**
 * Denominator.
 */
denominator: number, 
/**
 * Numerator.
 */
numerator: number, 
/**
 * PCAs.
 */
pcas: number, 
/**
 * Achievement, `null` when the denominator is 0.
 */
achievement: string | null, 
/**
 * Points.
 */
points: string, };

export type StratumView = { id: string, 
/**
 * The condition as written, or `otherwise`.
 */
when: string, achieved: string | null, thresholds: ThresholdsView | null, points: JsonValue, };

/**
 * A whole sweep: the levers, the scheme as written, and one point per value (per pair of
 * values for two levers, the first lever's values outermost).
 */
export type Sweep = { scheme: SweepScheme, levers: Array<SweepLever>, practices: number, base: SweepBase, points: Array<SweepPoint>, 
/**
 * Network codes, in the order of every point's `networks`.
 */
networks: Array<string>, };

/**
 * The scheme as written.
 */
export type SweepBase = { total: string, points: string, aspiration?: string, 
/**
 * Per network, in [`Sweep::networks`] order.
 */
networks: string[], };

/**
 * A lever as the report shows it.
 */
export type SweepLever = { 
/**
 * As written: `DM020.upper`.
 */
lever: string, 
/**
 * In words: `DM020 upper threshold`.
 */
label: string, unit: SweepUnit, 
/**
 * The value in the scheme as written (a fraction for percentages).
 */
base: string, base_shown: string, };

/**
 * A sweep: what `qofrules sweep --format json` prints, and its HTML report.
 */
export type SweepOutput = { sweep: Sweep, html: string, };

/**
 * One value of the lever (or pair of values).
 */
export type SweepPoint = { 
/**
 * The lever's values (fractions for percentages), one per lever.
 */
values: string[], 
/**
 * As written: `75%`, `£190.00`.
 */
shown: Array<string>, 
/**
 * Whether every value is the scheme's own.
 */
is_base: boolean, total: string, 
/**
 * Total minus the base total.
 */
change: string, points: string, aspiration?: string, 
/**
 * Practices paid more than under the scheme as written, and less.
 */
gaining: number, losing: number, 
/**
 * The change per practice: median, quartiles (nearest rank), least and most.
 */
per_practice: SweepSpread, 
/**
 * Each network's change, in [`Sweep::networks`] order.
 */
networks: string[], };

export type SweepScheme = { id: string, title: string, };

/**
 * The distribution of practice-level change.
 */
export type SweepSpread = { min: string, q1: string, median: string, q3: string, max: string, };

/**
 * How a lever's values are written and shown.
 */
export type SweepUnit = "percent" | "points" | "pounds";

/**
 * Options of a synthetic population: one of `ccg`, `network` or `practices`; seed and scale.
 */
export type SynthRequest = { ccg?: string, network?: string, practices?: Array<string>, seed?: number, scale?: number, };

/**
 * One expectation of a test, with its line in the edited text.
 */
export type TestOutput = { report: TestReport, 
/**
 * Per test (same order): its position in its file.
 */
positions: Array<Pos | null>, 
/**
 * Per test (same order): its file, line and expectations in words, as `qofrules test
 * --format json` prints them (inherited tests and pay expectations included).
 */
records: Array<TestRecord>, };

/**
 * One test's result, placed and in words (`qofrules test --format json`, JUnit).
 */
export type TestRecord = { 
/**
 * The scheme the test ran under (the root file's).
 */
scheme: string, 
/**
 * The file the test is written in: the root file, or the parent it is inherited from.
 */
file: string, 
/**
 * The test's line in `file`.
 */
line: number, name: string, 
/**
 * Written in a parent scheme, run under this one.
 */
inherited: boolean, passed: boolean, 
/**
 * Every expectation, in written order.
 */
expectations: Array<ExpectationRecord>, 
/**
 * Problems that stopped the test (building a patient, paying the practice).
 */
errors: Array<string>, 
/**
 * For a test inherited from a scheme of another period, the period end date it was
 * written for: its patients' dates were moved to this scheme's period.
 */
moved_from: string | null, };

/**
 * All tests of a scheme.
 */
export type TestReport = { tests: Array<TestResult>, passed: number, failed: number, };

/**
 * The result of one test.
 */
export type TestResult = { name: string, file: number, span: Span, passed: boolean, expects: Array<ExpectResult>, 
/**
 * The expectations of pay.
 */
figures: Array<FigureResult>, 
/**
 * Problems building the patient (the test fails).
 */
errors: Array<string>, 
/**
 * For a test inherited from a scheme of another period: the period end date it was
 * written for (its patients' dates were moved to this scheme's period).
 */
moved_from: string | null, };

export type ThresholdsView = { 
/**
 * Percentages: 35 means 35%.
 */
lower: JsonValue, upper: JsonValue, 
/**
 * Points earned on reaching the lower threshold (`with N points at lower threshold`);
 * absent when the scale starts from nothing.
 */
lower_points?: JsonValue, };

/**
 * A tier at one practice.
 */
export type TierResult = { 
/**
 * Tier id.
 */
id: string, 
/**
 * Every gateway and tier it requires is met or unlocked.
 */
unlocked: boolean, 
/**
 * One-off payment (0 when locked).
 */
payment: string, };

export type TierView = { id: string, title: string, requires: string, includes: Array<string>, pays: string | null, origin: OriginView, };

/**
 * Scheme totals: every practice's payment plus every network indicator's (practices' earnings
 * paid to networks are counted once).
 */
export type Total = { 
/**
 * All points.
 */
points: string, 
/**
 * All money.
 */
payment: string, };

/**
 * Scheme totals: exactly each scheme's own `total`.
 */
export type TotalImpact = { points_a: string, points_b: string, payment_a: string, payment_b: string, delta: string, delta_pct: string | null, };

/**
 * The verdict for one indicator.
 */
export type Verdict = "same" | "differ" | "unknown";

/**
 * What `witness` returns.
 */
export type WitnessOutput = { 
/**
 * Per indicator (A's in order, then those only B has): the objects `qofrules witness A B
 * --format json` prints.
 */
indicators: Array<IndicatorWitness>, };

/**
 * What `witness_plan` returns.
 */
export type WitnessPlan = { 
/**
 * Every indicator `witness` answers for, in its order (A's, then those only B has).
 */
indicators: Array<PlannedWitness>, };
