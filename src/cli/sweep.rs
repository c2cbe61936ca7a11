//! `qofrules sweep SCHEME --vary LEVER=VALUES [--vary ...] [--format table|csv|json|html]`:
//! what a scheme costs as one or two levers move (docs/sweep.md), on a population evaluated
//! once or on published counts; with `--cost-neutral-against A --solve LEVER`, the value of
//! the lever at which the scheme costs what A does on the same data.

use super::data::{counts_need_both, DataArgs, Reading};
use super::eval::{fail as run_fail, load_scheme, warn as run_warn, write_output};
use qofrules::eval::PayInputs;
use qofrules::national::PrevalenceFrom;
use qofrules::pipeline::{self, Inputs, Loaded};
use qofrules::sweep::{self, Lever, Target};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One row per value, for reading
    Table,
    /// One row per value
    Csv,
    /// Everything: levers, the scheme as written, every value with its change per network
    Json,
    /// One self-contained HTML report (cost curve, or a heat map for two levers)
    Html,
}

#[derive(clap::Args, Debug)]
#[command(mut_args(counts_need_both))]
pub struct SweepArgs {
    /// The scheme's rule file
    pub scheme: PathBuf,
    /// A lever and its values, e.g. `DM020.upper=60%..90% step 5%`, `DM020.points=10,17,25`,
    /// `DM.points=90%..110% step 5%`, `pounds_per_point=180..200 step 5`, `aspiration=70%,80%`;
    /// twice for a grid
    #[arg(long, value_name = "LEVER=VALUES")]
    pub vary: Vec<String>,
    /// Another scheme whose cost, on the same data, --solve matches
    #[arg(long, value_name = "A.qof", requires = "solve")]
    pub cost_neutral_against: Option<PathBuf>,
    /// The lever to solve for (`pounds_per_point`, `DM.points`, `DM020.points`, `DM020.upper`),
    /// with --cost-neutral-against
    #[arg(long, value_name = "LEVER", requires = "cost_neutral_against", conflicts_with = "vary")]
    pub solve: Option<String>,
    /// The step of the values --solve tries, in the lever's unit: default `0.01` for pounds
    /// per point (a penny), `1` for points, `1%` for thresholds
    #[arg(long, requires = "solve")]
    pub resolution: Option<String>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to this file (atomically) instead of standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub fn run(args: SweepArgs) -> ExitCode {
    match go(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

fn fail(message: &str, help: Option<&str>, code: u8) -> ExitCode {
    eprintln!("error: {message}");
    if let Some(h) = help {
        eprintln!("  help: {h}");
    }
    ExitCode::from(code)
}

/// A scheme's pay inputs through the driver: its population evaluated once (with the
/// practice-level inputs), or the published counts read for it; the run's warnings printed
/// if `warn`.
fn inputs(
    args: &SweepArgs,
    loaded: &Loaded,
    from: &PrevalenceFrom,
    warn: bool,
) -> Result<PayInputs, ExitCode> {
    let files = args.data.read(&loaded.scheme, Reading::default())?;
    let inputs = Inputs {
        data: files.data()?,
        national: from,
        practice: files.practice(),
        threads: 0,
        progress: &qofrules::progress::Silent,
    };
    let run = pipeline::run(loaded, &inputs).map_err(run_fail)?;
    if warn {
        run_warn(&run.warnings);
    }
    Ok(run.inputs)
}

fn go(args: &SweepArgs) -> Result<(), ExitCode> {
    if args.vary.is_empty() && args.solve.is_none() {
        return Err(fail(
            "nothing to sweep",
            Some("give a lever and its values, e.g. `--vary 'DM020.upper=60%..90% step 5%'`, or `--cost-neutral-against A.qof --solve pounds_per_point`"),
            2,
        ));
    }
    if args.vary.len() > 2 {
        return Err(fail(
            &format!("`--vary` is given {} times", args.vary.len()),
            Some("a sweep takes one lever (a cost curve) or two (a grid)"),
            2,
        ));
    }
    let loaded = load_scheme(&args.scheme)?;
    let scheme = &loaded.scheme;
    let from = args.data.national()?;
    let pay = loaded.pay_scheme();
    // levers are read before any evaluation, so a typo costs nothing
    let lever_error = |e: sweep::LeverError| fail(&e.message, Some(&e.help), 2);
    if let (Some(solve), Some(against)) = (&args.solve, &args.cost_neutral_against) {
        let target = Target::parse(solve, &pay).map_err(lever_error)?;
        let resolution = match &args.resolution {
            Some(r) => Some(target.unit().parse(r).map_err(lever_error)?),
            None => None,
        };
        let a_loaded = load_scheme(against)?;
        let a_scheme = &a_loaded.scheme;
        let b = inputs(args, &loaded, &from, true)?;
        let a = inputs(args, &a_loaded, &from, false)?;
        let goal = pipeline::pay(&a).map_err(run_fail)?.total.payment;
        let sol = sweep::solve(&b.scheme, &b.national, &b.data, &target, goal, resolution)
            .map_err(|e| fail(&e.to_string(), e.help(), 1))?;
        let text = match args.format {
            Format::Table => sweep::table::solution_text(&scheme.id, &a_scheme.id, &sol),
            Format::Csv => sweep::table::solution_csv(&scheme.id, &a_scheme.id, &sol),
            Format::Json => {
                let v = serde_json::json!({
                    "scheme": scheme.id,
                    "against": a_scheme.id,
                    "solution": sol,
                });
                serde_json::to_string_pretty(&v)
                    .map_err(|e| fail(&format!("cannot write JSON: {e}"), None, 2))?
                    + "\n"
            }
            Format::Html => sweep::html::render_solution(
                &scheme.id,
                &a_scheme.id,
                &sol,
                args.data.patient_level(),
                Some(&args.data.label()),
            ),
        };
        return write_output(args.output.as_deref(), &text);
    }
    let specs: Vec<&str> = args.vary.iter().map(String::as_str).collect();
    let levers = Lever::parse_all(&specs, &pay).map_err(lever_error)?;
    let size: usize = levers.iter().map(|l| l.values.len()).product();
    if size > sweep::MAX_POINTS {
        return Err(fail(
            &format!("the grid has {size} values"),
            Some(&format!("a sweep pays at most {} values: use larger steps", sweep::MAX_POINTS)),
            2,
        ));
    }
    let inputs = inputs(args, &loaded, &from, true)?;
    let sw =
        sweep::sweep(&inputs.scheme, &inputs.national, &inputs.data, &levers).map_err(|e| {
            let help = match &e {
                sweep::SweepError::Lever(l) => Some(l.help.clone()),
                _ => None,
            };
            fail(&e.to_string(), help.as_deref(), 1)
        })?;
    let text = match args.format {
        Format::Table => sweep::table::text(&sw),
        Format::Csv => sweep::table::csv(&sw),
        Format::Json => {
            serde_json::to_string_pretty(&sw)
                .map_err(|e| fail(&format!("cannot write JSON: {e}"), None, 2))?
                + "\n"
        }
        Format::Html => {
            sweep::html::render(&sw, args.data.patient_level(), Some(&args.data.label()))
        }
    };
    write_output(args.output.as_deref(), &text)
}
