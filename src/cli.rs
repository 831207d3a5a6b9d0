//! The command line: clap definitions, turned into library calls. The library never sees clap.

use anyhow::{Context, Result, bail};
use callqa::batch::{self, Shard};
use callqa::gate::{self, GateConfig, Thresholds};
use callqa::inputs::{self, Input};
use callqa::report::{self, Results, RubricRef};
use callqa::rubric::{self, CompiledRubric};
use callqa::transcript::{Encoding, InputFormat, ReadOptions};
use callqa::{Engine, Options};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

mod progress;
mod rubric_cmd;

mod help;

/// Audit phone-call transcripts against a script rubric.
#[derive(Parser, Debug)]
#[command(name = "callqa", version, about, after_help = help::CALLQA)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Score calls: steps covered, findings with evidence, verdict per call.
    #[command(after_help = help::SCORE)]
    Score(ScoreArgs),
    /// Score calls and write results.json, calls.csv, summary.md, junit.xml and report.html to a
    /// directory.
    #[command(after_help = help::REPORT)]
    Report(ReportArgs),
    /// Check a results.json against thresholds and a baseline; exit 1 when the gate fails.
    #[command(after_help = help::GATE)]
    Gate(GateArgs),
    /// Compare two results.json files: flipped calls, new and resolved findings (no verdict).
    #[command(after_help = help::COMPARE)]
    Compare(CompareArgs),
    /// Merge parts (results.json of shards, JSON Lines result streams) into the results of one run
    /// over everything.
    #[command(after_help = help::MERGE)]
    Merge(MergeArgs),
    /// Explain one call turn by turn: every finding with the characters underlined, the rule and
    /// its rubric line, and for every missed step the nearest candidate turn.
    #[command(after_help = help::EXPLAIN)]
    Explain(ExplainArgs),
    /// List the finding codes, or show the documentation of one (`callqa rules OP001`).
    #[command(after_help = help::RULES)]
    Rules(RulesArgs),
    /// Measure agreement with human QA labels: per criterion, step, verdict and end condition.
    #[command(after_help = help::CALIBRATE)]
    Calibrate(CalibrateArgs),
    /// Work with rubric files: new, check, test, lint, schema.
    #[command(subcommand, after_help = help::RUBRIC)]
    Rubric(rubric_cmd::RubricCommand),
}

#[derive(Args, Debug)]
struct ExplainArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Only the call with this id (default: every call in the inputs).
    #[arg(long = "call", value_name = "ID")]
    call_id: Option<String>,
    /// Colors: auto (on a terminal), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    /// Colors when stdout is a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

#[derive(Args, Debug)]
struct RulesArgs {
    /// A finding code to document (omit to list all).
    code: Option<String>,
    /// Rubric file (default: the embedded default rubric).
    #[arg(long, short)]
    rubric: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct CalibrateArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    threads: ThreadArgs,
    /// Human QA labels: a JSON file (the fixtures' *.expect.json format), a directory of them,
    /// or a CSV file (see docs/calibrate.md).
    #[arg(long, value_name = "PATH")]
    labels: PathBuf,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = CalibrateFormat::Table)]
    format: CalibrateFormat,
    /// Exit 1 when the agreement (accuracy) of the verdict, the end condition or any labelled
    /// criterion is below this fraction.
    #[arg(long, value_name = "FRACTION")]
    min_agreement: Option<f64>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum CalibrateFormat {
    /// Tables for a terminal.
    Table,
    /// JSON (`callqa/calibration/v1`).
    Json,
    /// Markdown.
    Markdown,
}

#[derive(Args, Debug)]
struct InputArgs {
    /// Transcript files or directories (searched recursively); `-` reads stdin.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Rubric file (TOML). Default: the embedded rubrics/changjiang-plan-upsell.toml.
    #[arg(long, short)]
    rubric: Option<PathBuf>,
    /// Only files matching this glob (relative to each directory given), e.g. '**/*.jsonl'.
    #[arg(long)]
    glob: Vec<String>,
    /// Force the input format instead of detecting it.
    #[arg(long, value_parser = parse_format)]
    input_format: Option<InputFormat>,
    /// Force the input encoding instead of detecting it (utf-8, utf-16le, utf-16be, utf-32le,
    /// utf-32be, gbk).
    #[arg(long, value_parser = parse_encoding)]
    encoding: Option<Encoding>,
    /// The speaker label that is the agent.
    #[arg(long, value_name = "NAME")]
    agent: Option<String>,
    /// The speaker label that is the customer.
    #[arg(long, value_name = "NAME")]
    customer: Option<String>,
    /// A call whose roles had to be inferred and are unsure (a near-tie) is an input error
    /// (counted in `errors`) instead of a result with a warning.
    #[arg(long)]
    strict_roles: bool,
    /// Exit 2 when any input could not be read (default: report it and go on).
    #[arg(long)]
    strict: bool,
    /// Show personal data (phone, ID and card numbers, e-mail, contact ids) in reports; by default
    /// it is masked.
    #[arg(long)]
    show_pii: bool,
    /// Largest input file read, in bytes (default 256 MiB); larger files are reported as errors.
    #[arg(long, value_name = "BYTES")]
    max_file_bytes: Option<usize>,
    /// Longest turn accepted, in characters (default 20000): a longer "turn" is usually failed
    /// diarization and is reported as an error.
    #[arg(long, value_name = "CHARS")]
    max_turn_chars: Option<usize>,
    /// Most turns in one call (default 5000): a longer call is reported as an error, not scored.
    #[arg(long, value_name = "N")]
    max_turns: Option<usize>,
    /// Also mask matches of this regex in reports (repeatable).
    #[arg(long, value_name = "REGEX")]
    redact: Vec<String>,
}

/// Flags of the commands that score a whole batch into one result set (`score`, `report`).
#[derive(Args, Debug, Default)]
struct BatchArgs {
    /// Only evaluate shard i of n (by a hash of the call id), e.g. 2/3.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Aggregate per value of this meta field too (agent, team, prompt_version, date …); a
    /// field that no call has is an error that lists the fields the calls have.
    #[arg(long, value_name = "FIELD")]
    group_by: Option<String>,
}

/// The thread count of the commands that score calls in parallel.
#[derive(Args, Debug, Default)]
struct ThreadArgs {
    /// Number of threads, 1 to 1024 (default: all cores); never more than the cores or the
    /// inputs' calls can use.
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS as i64))]
    threads: Option<u16>,
}

/// How a batch is run: the flags of [`BatchArgs`] and [`ThreadArgs`] a command has (the others
/// keep their defaults).
#[derive(Debug, Default, Clone, Copy)]
struct Run<'a> {
    threads: Option<u16>,
    shard: Option<Shard>,
    group_by: Option<&'a str>,
}

impl<'a> Run<'a> {
    fn of(batch: &'a BatchArgs, threads: &ThreadArgs) -> Run<'a> {
        Run { threads: threads.threads, shard: batch.shard, group_by: batch.group_by.as_deref() }
    }
}

#[derive(Args, Debug, Default)]
struct GateFlags {
    /// Gate config file (TOML with a [gate] table: the keys below, plus baseline).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Minimum mean call score (0–100).
    #[arg(long)]
    min_score: Option<f64>,
    /// Minimum pass rate (a fraction: 0.9 = 90%).
    #[arg(long)]
    min_pass_rate: Option<f64>,
    /// Most calls allowed to auto-fail.
    #[arg(long)]
    max_auto_fail: Option<usize>,
    /// Most input errors allowed.
    #[arg(long)]
    max_errors: Option<usize>,
    /// Minimum pass rate of one criterion, e.g. overpromise=0.95 (repeatable).
    #[arg(long, value_name = "ID=RATE", value_parser = parse_criterion_min)]
    min_criterion: Vec<(String, f64)>,
    /// Baseline results.json to compare with.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Largest allowed drop against the baseline, in points of mean score and of pass rate.
    #[arg(long)]
    max_drop: Option<f64>,
    /// Upper bound of a timing percentile over the calls with timestamps, e.g.
    /// silence_max_s:p90=8 (repeatable; fails when no call has timestamps).
    #[arg(long, value_name = "METRIC:P=MAX", value_parser = parse_metric_max)]
    max_metric: Vec<(String, f64)>,
    /// Let a run with no evaluated call pass the gate (by default it fails).
    #[arg(long)]
    allow_empty: bool,
    /// Compare with a baseline scored with another rubric id or version (by default refused,
    /// exit 2); what changed is printed with the gate's checks.
    #[arg(long)]
    allow_rubric_change: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Tables for a terminal.
    Table,
    /// Output contract v1 (one JSON document).
    Json,
    /// One line per input record, in input order: the call result, or an error record for a
    /// record that could not be read (for stream processors; see `merge`).
    Jsonl,
    /// The aggregate, then one line per failing call with its top finding (for a big batch).
    Summary,
}

#[derive(Args, Debug)]
struct ScoreArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    batch: BatchArgs,
    #[command(flatten)]
    threads: ThreadArgs,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Read stdin as framed records, one per line — {"source", "line", "record", "records",
    /// "text": "<the record's line>"} — and write exactly one JSON Lines result per frame, in
    /// order (a pipe stage, e.g. Spark's `pipe()`; see examples/spark). Needs `--format jsonl -`.
    #[arg(long)]
    framed: bool,
    /// With --format summary: list at most N failing calls, lowest score first (default 50; 0
    /// lists every one).
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    #[command(flatten)]
    gate: GateFlags,
}

#[derive(Args, Debug)]
struct ReportArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    batch: BatchArgs,
    #[command(flatten)]
    threads: ThreadArgs,
    /// Directory to write the reports to (created if needed).
    #[arg(long, short)]
    out: PathBuf,
    #[command(flatten)]
    gate: GateFlags,
}

#[derive(Args, Debug)]
struct GateArgs {
    /// The results.json of the run to check.
    results: PathBuf,
    #[command(flatten)]
    gate: GateFlags,
}

#[derive(Args, Debug)]
struct CompareArgs {
    /// The baseline results.json.
    old: PathBuf,
    /// The new results.json.
    new: PathBuf,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = CompareFormat::Text)]
    format: CompareFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum CompareFormat {
    /// Plain text.
    Text,
    /// JSON.
    Json,
    /// Markdown.
    Markdown,
}

#[derive(Args, Debug)]
struct MergeArgs {
    /// Parts: results.json files of `report --shard`, or JSON Lines streams of `score --format
    /// jsonl` (a Spark pipe stage's output); `-` reads one from stdin.
    #[arg(required = true)]
    parts: Vec<PathBuf>,
    /// Write every report format to this directory (default: results.json to stdout).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Aggregate per value of this meta field (default: the field the parts were grouped by).
    #[arg(long, value_name = "FIELD")]
    group_by: Option<String>,
}

fn parse_format(s: &str) -> Result<InputFormat, String> {
    s.parse().map_err(|_| format!("unknown input format `{s}`; valid: {}", InputFormat::names()))
}

fn parse_encoding(s: &str) -> Result<Encoding, String> {
    s.parse().map_err(|_| format!("unknown encoding `{s}`; valid: utf-8, utf-16le, utf-16be, utf-32le, utf-32be, gbk"))
}

fn parse_metric_max(s: &str) -> Result<(String, f64), String> {
    let (key, v) =
        s.split_once('=').ok_or_else(|| format!("expected METRIC:p90=MAX, e.g. silence_max_s:p90=8, got `{s}`"))?;
    callqa::gate::split_metric_key(key.trim())?;
    let v: f64 = v.trim().parse().map_err(|_| format!("`{}` is not a number", v.trim()))?;
    Ok((key.trim().to_string(), v))
}

fn parse_criterion_min(s: &str) -> Result<(String, f64), String> {
    let (id, v) = s.split_once('=').ok_or_else(|| format!("expected ID=RATE, e.g. overpromise=0.95, got `{s}`"))?;
    let v: f64 = v.trim().parse().map_err(|_| format!("`{v}` is not a number"))?;
    Ok((id.trim().to_string(), v))
}

/// An error that maps to a specific exit code (the message is already printed).
#[derive(Debug)]
struct Exit(i32);
impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}
impl std::error::Error for Exit {}

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Score(args) => score(args),
        Command::Report(args) => report_cmd(args),
        Command::Gate(args) => gate_cmd(args),
        Command::Compare(args) => compare(args),
        Command::Merge(args) => merge(args),
        Command::Explain(args) => explain(args),
        Command::Rules(args) => rules(args),
        Command::Calibrate(args) => calibrate(args),
        Command::Rubric(cmd) => rubric_cmd::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if let Some(Exit(code)) = e.downcast_ref::<Exit>() {
                return *code;
            }
            if is_broken_pipe(&e) {
                return 0;
            }
            // An error may quote input (a results.json value, a path): masked, cut short and
            // with its control characters shown.
            let message = report::redact::Redactor::default().message(&format!("{e:#}"));
            eprintln!("error: {}", report::escape::terminal(&message));
            2
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

fn load_rubric(path: Option<&PathBuf>) -> Result<CompiledRubric> {
    let loaded = match path {
        Some(p) => rubric::from_path(p),
        None => rubric::default_rubric(),
    };
    loaded.map_err(|e| {
        print_rubric_errors(&e);
        Exit(2).into()
    })
}

/// Prints the problems of a rubric to stderr, each as an `error:` like every other error.
fn print_rubric_errors(e: &callqa::rubric::error::RubricErrors) {
    for problem in &e.0 {
        eprintln!("error: {problem}");
    }
    if e.0.len() > 1 {
        eprintln!("{} problems in the rubric", e.0.len());
    }
}

/// Reads, scores and orders every input; input errors are printed to stderr.
fn run_batch(args: &InputArgs, run: Run) -> Result<Results> {
    Ok(run_batch_with_rubric(args, run)?.0)
}

/// Reading options from the command line.
fn read_options(args: &InputArgs) -> Options {
    Options {
        read: ReadOptions {
            format: args.input_format,
            encoding: args.encoding,
            max_file_bytes: args.max_file_bytes,
            max_turn_chars: args.max_turn_chars,
            max_turns: args.max_turns,
            ..ReadOptions::default()
        },
        agent: args.agent.clone(),
        customer: args.customer.clone(),
        strict_roles: args.strict_roles,
    }
}

/// The inputs the paths name (and the paths that do not exist, as errors). Finding nothing
/// at all is a usage error: a CI job pointed at the wrong folder must not pass on 0 calls.
fn expand_inputs(args: &InputArgs) -> Result<(Vec<Input>, Vec<callqa::error::InputError>)> {
    let glob = if args.glob.is_empty() {
        None
    } else {
        let mut b = globset::GlobSetBuilder::new();
        for g in &args.glob {
            b.add(globset::Glob::new(g).with_context(|| format!("invalid --glob `{g}`"))?);
        }
        Some(b.build()?)
    };
    let (inputs, errors) = inputs::expand(&args.paths, glob.as_ref());
    if inputs.is_empty() && errors.is_empty() {
        let paths: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        bail!(
            "no transcripts found in {} (looked for *.txt, *.json, *.jsonl, *.ndjson, *.csv{})",
            paths.join(", "),
            if args.glob.is_empty() { String::new() } else { format!(" matching {}", args.glob.join(", ")) }
        );
    }
    Ok((inputs, errors))
}

/// The most threads `-j` accepts: more is a typo, and each thread costs a stack.
const MAX_THREADS: u16 = 1024;

/// The scoring pool: `-j` (default all cores), capped at the cores (scoring is CPU-bound, more
/// threads only wait for each other) and at the work when it is known up front: a plain-text
/// file holds one call, so a handful of them needs no more threads than files (JSON, JSON Lines,
/// CSV and stdin may hold many calls).
fn thread_pool(threads: Option<u16>, inputs: &[Input]) -> Result<rayon::ThreadPool> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let many_calls = |i: &Input| match i {
        Input::Stdin => true,
        Input::File(p) => {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
            matches!(ext.as_str(), "json" | "jsonl" | "ndjson" | "csv")
        }
    };
    let work = if inputs.iter().any(many_calls) { usize::MAX } else { inputs.len().max(1) };
    let wanted = threads.map_or(cores, usize::from);
    Ok(rayon::ThreadPoolBuilder::new().num_threads(wanted.min(cores).min(work).max(1)).build()?)
}

/// Standard input, when `-` is among the inputs, read up to `--max-file-bytes`: over the limit,
/// stdin becomes an input error (reading stops one byte past the limit) and is not scored.
fn read_stdin(
    inputs: &mut Vec<Input>,
    errors: &mut Vec<callqa::error::InputError>,
    read: &ReadOptions,
) -> Result<Option<Vec<u8>>> {
    if !inputs.contains(&Input::Stdin) {
        return Ok(None);
    }
    let limit = read.file_limit();
    match callqa::transcript::read_limited(io::stdin().lock(), limit).context("reading stdin")? {
        callqa::transcript::Limited::Whole(bytes) => Ok(Some(bytes)),
        callqa::transcript::Limited::TooBig => {
            inputs.retain(|i| *i != Input::Stdin);
            errors.push(callqa::transcript::over_limit("<stdin>", limit));
            Ok(None)
        }
    }
}

/// [`run_batch`], also handing back the compiled rubric (so it is loaded once).
fn run_batch_with_rubric(args: &InputArgs, run: Run) -> Result<(Results, CompiledRubric)> {
    let rubric = load_rubric(args.rubric.as_ref())?;
    let engine = Engine::new(rubric, read_options(args));
    let (mut inputs, mut errors) = expand_inputs(args)?;
    let stdin = read_stdin(&mut inputs, &mut errors, engine.read_options())?;
    let pool = thread_pool(run.threads, &inputs)?;
    let progress = progress::Bar::for_inputs(&inputs);
    let batch = pool.install(|| batch::score(&engine, &inputs, stdin.as_deref(), run.shard, &progress));
    progress.finish();
    if let Some(s) = run.shard {
        errors.retain(|e| s.contains(&e.source));
    }
    errors.extend(batch.errors);
    let rubric_ref = RubricRef::of(&engine.rubric);
    if let Some(field) = run.group_by {
        check_group_by(field, batch.calls.iter().map(|c| &c.meta))?;
    }
    let redactor = redactor(args, &engine.rubric)?;
    let mut results = Results::masked(rubric_ref, batch.calls, errors, run.group_by, redactor.as_ref());
    results.shard = run.shard;
    results.calls.iter().filter_map(role_warning_line).for_each(|w| eprintln!("{w}"));
    for e in &results.errors {
        eprintln!("error: {}", report::escape::terminal(&e.to_string()));
    }
    Ok((results, engine.rubric))
}

/// The stderr line for a call whose inferred roles are unsure (its source and the warning,
/// both already masked, shown safely on a terminal).
fn role_warning_line(c: &callqa::eval::result::CallResult) -> Option<String> {
    let w = c.role_warning.as_deref()?;
    Some(format!("warning: {}: {}", report::escape::terminal(&c.source), report::escape::terminal(w)))
}

/// The masking of personal data the flags ask for: `None` with `--show-pii`.
fn redactor(args: &InputArgs, rubric: &CompiledRubric) -> Result<Option<report::redact::Redactor>> {
    if args.show_pii {
        return Ok(None);
    }
    let r = report::redact::Redactor::with_rubric(&args.redact, rubric).context("invalid --redact pattern")?;
    Ok(Some(r))
}

/// A `--group-by` field that no call has is a usage error (most likely a typo), listing the
/// fields the calls do have. With no calls at all there is nothing to check.
fn check_group_by<'m>(
    field: &str,
    metas: impl IntoIterator<Item = &'m std::collections::BTreeMap<String, String>>,
) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    let mut any_call = false;
    for m in metas {
        if m.contains_key(field) {
            return Ok(());
        }
        any_call = true;
        seen.extend(m.keys().map(String::as_str));
    }
    if !any_call {
        return Ok(());
    }
    let fields: Vec<&str> = seen.into_iter().collect();
    if fields.is_empty() {
        bail!("--group-by {field}: no call has a `{field}` meta field (the calls have no meta fields)");
    }
    bail!(
        "--group-by {field}: no call has a `{field}` meta field{}; the calls have: {}",
        did_you_mean(field, fields.iter().copied()),
        fields.join(", ")
    )
}

/// ", did you mean `x`?" when one of `known` is a likely misspelling of `id`, else "".
fn did_you_mean<'k>(id: &str, known: impl IntoIterator<Item = &'k str>) -> String {
    known
        .into_iter()
        .map(|k| (strsim::levenshtein(id, k), k))
        .filter(|(d, k)| *d <= 2.max(k.chars().count() / 4))
        .min()
        .map_or(String::new(), |(_, k)| format!(" (did you mean `{k}`?)"))
}

/// A `min_criterion` id that the results do not have is a usage error that lists the valid
/// ids, not a gate failure: a typo must not read as a quality problem.
fn check_criteria(t: &Thresholds, flags: &GateFlags, results: &Results) -> Result<()> {
    let known: Vec<&str> = results.aggregate.criteria.iter().map(|c| c.id.as_str()).collect();
    if known.is_empty() {
        // No call was scored: there is nothing to tell a typo from.
        return Ok(());
    }
    for id in t.min_criterion.keys() {
        if known.contains(&id.as_str()) {
            continue;
        }
        let from = if flags.min_criterion.iter().any(|(i, _)| i == id) {
            format!("--min-criterion {id}")
        } else {
            let config = flags.config.as_ref().map_or(String::new(), |p| format!(" in {}", p.display()));
            format!("min_criterion.{id}{config}")
        };
        bail!(
            "{from}: unknown criterion{}; the criteria are: {}",
            did_you_mean(id, known.iter().copied()),
            known.join(", ")
        );
    }
    Ok(())
}

/// 2 when nothing could be scored, or with `--strict` when anything could not be read.
fn input_exit(results: &Results, strict: bool) -> Result<()> {
    let failed = !results.errors.is_empty() && (strict || results.calls.is_empty());
    if failed { Err(Exit(2).into()) } else { Ok(()) }
}

fn read_results(path: &Path) -> Result<Results> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let r: Results = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a callqa results.json (contract v1)", path.display()))?;
    if r.schema != report::SCHEMA {
        bail!("{}: schema `{}` is not `{}`", path.display(), r.schema, report::SCHEMA);
    }
    Ok(r)
}

/// Resolves the gate flags (config file first, flags on top); None when no gate was asked for.
fn thresholds(flags: &GateFlags) -> Result<Option<Thresholds>> {
    let mut t = Thresholds::default();
    if let Some(path) = &flags.config {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let cfg: GateConfig = toml::from_str(&text).map_err(|e| {
            let at = e.span().map_or(String::new(), |s| {
                let before = &text[..s.start.min(text.len())];
                format!(
                    ":{}:{}",
                    before.matches('\n').count() + 1,
                    before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1
                )
            });
            anyhow::anyhow!("{}{at}: {}", path.display(), e.message())
        })?;
        t = cfg.gate;
        if let Some(b) = &t.baseline
            && b.is_relative()
        {
            t.baseline = Some(path.parent().unwrap_or(Path::new(".")).join(b));
        }
    }
    let cli = Thresholds {
        min_score: flags.min_score,
        min_pass_rate: flags.min_pass_rate,
        max_auto_fail: flags.max_auto_fail,
        max_errors: flags.max_errors,
        min_criterion: flags.min_criterion.iter().cloned().collect(),
        max_drop: flags.max_drop,
        max_metric: flags.max_metric.iter().cloned().collect(),
        baseline: flags.baseline.clone(),
        allow_empty: flags.allow_empty,
        allow_rubric_change: flags.allow_rubric_change,
    };
    t.merge(&cli);
    let problems = t.problems();
    if !problems.is_empty() {
        bail!("invalid gate thresholds: {}", problems.join("; "));
    }
    Ok(t.is_set().then_some(t))
}

/// Applies the gate (if any) and prints its outcome to `out`; Ok(true) when it held.
fn apply_gate(results: &Results, flags: &GateFlags, out: &mut dyn Write) -> Result<Option<gate::Outcome>> {
    let Some(t) = thresholds(flags)? else { return Ok(None) };
    check_criteria(&t, flags, results)?;
    let baseline = t.baseline.as_deref().map(read_results).transpose()?;
    if let (Some(b), Some(path)) = (&baseline, &t.baseline)
        && let Some(why) = gate::refuse_baseline(results, &t, b)
    {
        bail!("{}: {why}", path.display());
    }
    let outcome = gate::check(results, &t, baseline.as_ref());
    gate::write_outcome(&outcome, out)?;
    Ok(Some(outcome))
}

fn gate_exit(outcome: &Option<gate::Outcome>) -> i32 {
    match outcome {
        Some(o) if !o.held => 1,
        _ => 0,
    }
}

/// What a streamed `score` and `report` both start from: the rubric's engine, the inputs with the
/// errors of walking them (only this shard's), stdin read once, the masking and the rubric's name.
struct Batch {
    engine: Engine,
    inputs: Vec<Input>,
    errors: Vec<callqa::error::InputError>,
    stdin: Option<Vec<u8>>,
    redactor: Option<report::redact::Redactor>,
    rubric_ref: RubricRef,
}

impl Batch {
    fn open(input: &InputArgs, run: Run) -> Result<Batch> {
        let rubric = load_rubric(input.rubric.as_ref())?;
        let engine = Engine::new(rubric, read_options(input));
        let (mut inputs, mut errors) = expand_inputs(input)?;
        let stdin = read_stdin(&mut inputs, &mut errors, engine.read_options())?;
        let redactor = redactor(input, &engine.rubric)?;
        let rubric_ref = RubricRef::of(&engine.rubric);
        if let Some(s) = run.shard {
            errors.retain(|e| s.contains(&e.source));
        }
        Ok(Batch { engine, inputs, errors, stdin, redactor, rubric_ref })
    }
}

/// Watches a streamed batch for the `--group-by` field: the calls are gone when the batch ends,
/// so whether any call had the field, and the fields the calls had until one did, are kept as
/// they pass (the check of [`check_group_by`] on a collected batch).
struct GroupByWatch<'a> {
    field: Option<&'a str>,
    calls: std::sync::atomic::AtomicUsize,
    found: std::sync::atomic::AtomicBool,
    fields: std::sync::Mutex<std::collections::BTreeMap<String, String>>,
}

impl<'a> GroupByWatch<'a> {
    fn new(field: Option<&'a str>) -> Self {
        GroupByWatch { field, calls: Default::default(), found: Default::default(), fields: Default::default() }
    }

    /// Notes one call's meta fields (called on the scoring threads).
    fn see(&self, meta: &std::collections::BTreeMap<String, String>) {
        use std::sync::atomic::Ordering::Relaxed;
        let Some(field) = self.field else { return };
        self.calls.fetch_add(1, Relaxed);
        if meta.contains_key(field) {
            self.found.store(true, Relaxed);
        } else if !self.found.load(Relaxed) {
            let mut m = self.fields.lock().unwrap_or_else(|p| p.into_inner());
            m.extend(meta.keys().map(|k| (k.clone(), String::new())));
        }
    }

    /// A usage error when calls were seen and none had the field.
    fn check(self) -> Result<()> {
        let Some(field) = self.field else { return Ok(()) };
        if self.calls.into_inner() == 0 || self.found.into_inner() {
            return Ok(());
        }
        let fields = self.fields.into_inner().unwrap_or_else(|p| p.into_inner());
        check_group_by(field, [&fields])
    }
}

/// `score` without a gate: calls are written as they are scored and dropped, so memory stays
/// bounded however big the batch; the output is byte for byte what the collected path writes.
fn score_streaming(args: &ScoreArgs) -> Result<i32> {
    let input = &args.input;
    let run = Run::of(&args.batch, &args.threads);
    let Batch { engine, inputs, mut errors, stdin, redactor, rubric_ref } = Batch::open(input, run)?;
    let group_by = run.group_by;
    let group_watch = GroupByWatch::new(group_by);
    let format = args.format;
    let rubric_for_lines = rubric_ref.clone();
    let prepare = |mut c: callqa::eval::result::CallResult| {
        group_watch.see(&c.meta);
        // Masked before it is aggregated, as `report` and `merge` aggregate.
        if let Some(r) = &redactor {
            r.call(&mut c);
        }
        let summary = report::aggregate::CallSummary::of(&c, group_by);
        // Rendered here, on the scoring thread: the rendering runs in parallel, and the call
        // is dropped by the thread that allocated it (a call freed on the writer thread took
        // the allocator's lock of the scoring thread's arena for every string in it).
        let rendered = render_call(format, &c, &rubric_for_lines);
        let failing = if format == Format::Summary { report::summary::FailingCall::of(&c) } else { None };
        (summary, role_warning_line(&c), rendered, failing)
    };
    // Block-buffered, and unlocked: the calls are written from another thread.
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout());
    let mut acc = report::aggregate::Accumulator::new(group_by);
    let mut failing = report::summary::Failing::new(args.limit.unwrap_or(report::summary::DEFAULT_LIMIT));
    let mut position = 0usize;
    // JSON needs a header and a footer around the calls; the other formats write each call.
    let (mut json, mut plain): (Option<report::json::StreamWriter>, Option<&mut (dyn Write + Send)>) = match args.format
    {
        Format::Json => (Some(report::json::StreamWriter::begin(&mut out, &rubric_ref, run.shard)?), None),
        _ => (None, Some(&mut out)),
    };
    // JSON Lines has a line for every record: the inputs that could not be walked come first.
    let jsonl = format == Format::Jsonl;
    // Errors are masked as they come, before any format or stderr shows them.
    let mask_error = |e: &mut callqa::error::InputError| {
        if let Some(r) = &redactor {
            r.error(e);
        }
    };
    errors.iter_mut().for_each(mask_error);
    if jsonl && let Some(o) = &mut plain {
        for e in &errors {
            report::json::write_error_line(e, &rubric_ref, &mut **o)?;
        }
    }
    let progress = progress::Bar::for_inputs(&inputs);
    let mut failure: Option<io::Error> = None;
    let mut warnings: Vec<String> = Vec::new();
    let pool = thread_pool(run.threads, &inputs)?;
    pool.install(|| {
        batch::stream(&engine, &inputs, stdin.as_deref(), run.shard, &prepare, &progress, &mut |r| match r {
            Ok((summary, warning, rendered, failed_call)) => {
                acc.add(&summary);
                if let Some(f) = failed_call {
                    failing.add(f, position);
                }
                position += 1;
                progress.call_done();
                warnings.extend(warning);
                if failure.is_some() {
                    return;
                }
                let written = rendered.and_then(|bytes| match (&mut json, &mut plain) {
                    (Some(w), _) => w.call_rendered(&bytes),
                    (None, Some(o)) => o.write_all(&bytes),
                    (None, None) => Ok(()),
                });
                // The first write error (a closed pipe) stops the output; the batch still ends.
                if let Err(e) = written {
                    failure = Some(e);
                }
            }
            Err(mut e) => {
                mask_error(&mut e);
                if jsonl
                    && failure.is_none()
                    && let Some(o) = &mut plain
                    && let Err(w) = report::json::write_error_line(&e, &rubric_ref, &mut **o)
                {
                    failure = Some(w);
                }
                errors.push(e)
            }
        });
    });
    progress.finish();
    if let Some(e) = failure {
        return Err(e.into());
    }
    report::sort_errors(&mut errors);
    warnings.iter().for_each(|w| eprintln!("{w}"));
    for e in &errors {
        eprintln!("error: {}", report::escape::terminal(&e.to_string()));
    }
    group_watch.check()?;
    let results = Results {
        schema: report::SCHEMA.into(),
        rubric: rubric_ref,
        shard: run.shard,
        calls: Vec::new(),
        aggregate: acc.finish(errors.len()),
        errors,
    };
    match (json, plain) {
        (Some(w), _) => w.finish(&results.errors, &results.aggregate)?,
        (None, None) => {}
        (None, Some(out)) => match args.format {
            Format::Table => {
                report::table::write_summary(&results, out)?;
                if results.aggregate.calls > 1 {
                    report::table::write_aggregate(&results, out)?;
                }
            }
            Format::Summary => failing.write(&results, out)?,
            Format::Json | Format::Jsonl => {}
        },
    }
    out.flush()?;
    let a = &results.aggregate;
    if a.errors > 0 && (input.strict || a.calls == 0) {
        return Err(Exit(2).into());
    }
    Ok(0)
}

/// One call's output in `format`, as the streaming `score` writes it (for JSON, the call's
/// entry in the `calls` array, without the separator).
fn render_call(format: Format, call: &callqa::eval::result::CallResult, rubric: &RubricRef) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(4096);
    match format {
        Format::Json => return report::json::render_call(call),
        Format::Jsonl => report::json::write_line(call, rubric, &mut bytes)?,
        Format::Table => report::table::write_call(call, &mut bytes)?,
        // The summary writes its lines at the end, from what the batch kept.
        Format::Summary => {}
    }
    Ok(bytes)
}

fn score(args: ScoreArgs) -> Result<i32> {
    if args.limit.is_some() && args.format != Format::Summary {
        bail!("--limit applies to --format summary (the other formats list every call)");
    }
    if args.framed {
        return score_framed(&args);
    }
    if thresholds(&args.gate)?.is_none() {
        return score_streaming(&args);
    }
    let results = run_batch(&args.input, Run::of(&args.batch, &args.threads))?;
    // Block-buffered: the line-buffered stdout lock scans every small write for a newline.
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    match args.format {
        Format::Json => report::json::write(&results, &mut out)?,
        Format::Jsonl => write_jsonl(&results, &mut out)?,
        Format::Table => {
            report::table::write(&results, &mut out)?;
            if results.calls.len() > 1 {
                report::table::write_aggregate(&results, &mut out)?;
            }
        }
        Format::Summary => {
            report::summary::Failing::of_results(&results, args.limit.unwrap_or(report::summary::DEFAULT_LIMIT))
                .write(&results, &mut out)?
        }
    }
    out.flush()?;
    input_exit(&results, args.input.strict)?;
    // The gate's outcome goes to stderr so stdout stays a clean report.
    let outcome = apply_gate(&results, &args.gate, &mut io::stderr())?;
    Ok(gate_exit(&outcome))
}

/// JSON Lines of a collected batch: calls and error records interleaved in input order, as the
/// streaming path writes them.
fn write_jsonl(results: &Results, out: &mut dyn Write) -> io::Result<()> {
    let (mut calls, mut errors) = (results.calls.iter().peekable(), results.errors.iter().peekable());
    loop {
        let call_first = match (calls.peek(), errors.peek()) {
            (Some(c), Some(e)) => report::source_key(&c.source) <= report::source_key(&e.source),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return Ok(()),
        };
        if call_first {
            calls.next().map_or(Ok(()), |c| report::json::write_line(c, &results.rubric, out))?;
        } else {
            errors.next().map_or(Ok(()), |e| report::json::write_error_line(e, &results.rubric, out))?;
        }
    }
}

/// On SIGINT, removes the staging folder of a report set being written, then exits 130 as an
/// interrupted program does: the destination keeps its previous set, and no temporary stays.
fn remove_staging_on_sigint() {
    #[cfg(unix)]
    {
        // Once: `report` asks for it before scoring and again before writing.
        static INSTALLED: std::sync::Once = std::sync::Once::new();
        INSTALLED.call_once(install);
    }
    #[cfg(unix)]
    fn install() {
        use signal_hook::{consts::SIGINT, iterator::Signals};
        if let Ok(mut signals) = Signals::new([SIGINT]) {
            std::thread::spawn(move || {
                if signals.forever().next().is_some() {
                    report::output::remove_staging();
                    std::process::exit(130);
                }
            });
        }
    }
}

/// `score --framed --format jsonl -`: the pipe stage ([`callqa::pipe`]). Every frame gives one
/// line on stdout, errors included, so the exit code is 0 unless `--strict` and a record failed.
fn score_framed(args: &ScoreArgs) -> Result<i32> {
    let input = &args.input;
    if args.format != Format::Jsonl || input.paths.len() != 1 || input.paths[0] != Path::new("-") {
        bail!("--framed reads framed records from stdin and writes JSON Lines: use `score --framed --format jsonl -`");
    }
    if args.batch.shard.is_some() || args.batch.group_by.is_some() || thresholds(&args.gate)?.is_some() {
        bail!(
            "--framed is one stage of a pipeline: partition with the engine, and gate or group the merged results \
             (`callqa merge`, then `callqa gate`)"
        );
    }
    let rubric = load_rubric(input.rubric.as_ref())?;
    let engine = Engine::new(rubric, read_options(input));
    // Calls and error records alike are masked (`--show-pii` aside), as in every other output.
    let redactor = redactor(input, &engine.rubric)?;
    let rubric_ref = RubricRef::of(&engine.rubric);
    let limit = input.max_file_bytes.unwrap_or(callqa::transcript::DEFAULT_MAX_FILE_BYTES);
    let pool = thread_pool(args.threads.threads, &[Input::Stdin])?;
    // Unlocked handles: rayon's pool runs the stage on one of its threads.
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout());
    let stdin = io::BufReader::with_capacity(1 << 20, io::stdin());
    let counts = pool.install(|| callqa::pipe::run(&engine, stdin, &mut out, &rubric_ref, redactor.as_ref(), limit))?;
    if input.strict && counts.errors > 0 {
        eprintln!("error: {} of {} records could not be read (see the error records)", counts.errors, counts.records);
        return Err(Exit(2).into());
    }
    Ok(0)
}

fn write_reports(dir: &Path, results: &Results, gate_outcome: Option<&gate::Outcome>) -> Result<()> {
    write_report_set(dir, results, &report::store::Calls::Memory(&results.calls), gate_outcome)
}

/// Writes the report set of `results` (whose aggregate and errors are whole) with the calls of
/// `calls`, one format at a time, each reading the calls again: `report.html` is paged beyond
/// [`report::html::PAGE_CALLS`] calls.
fn write_report_set(
    dir: &Path,
    results: &Results,
    calls: &report::store::Calls,
    gate_outcome: Option<&gate::Outcome>,
) -> Result<()> {
    use report::html::Page;
    remove_staging_on_sigint();
    let json = |o: &mut (dyn Write + Send)| {
        let mut w = report::json::StreamWriter::begin(o, &results.rubric, results.shard)?;
        calls.each(0..calls.len(), &mut |c| w.call(c))?;
        w.finish(&results.errors, &results.aggregate)
    };
    let csv = |o: &mut (dyn Write + Send)| report::csv::write_calls(results, calls, o);
    let md = |o: &mut (dyn Write + Send)| {
        report::markdown::write(results, o)?;
        match gate_outcome {
            Some(g) => gate::write_markdown(g, o),
            None => Ok(()),
        }
    };
    let junit = |o: &mut (dyn Write + Send)| report::junit::write_calls(results, calls, o);
    let pages = Page::count(calls.len());
    let page = |number: usize, o: &mut (dyn Write + Send)| -> io::Result<()> {
        let start = (number - 1) * report::html::PAGE_CALLS;
        let on_page = Results {
            schema: results.schema.clone(),
            rubric: results.rubric.clone(),
            shard: results.shard,
            calls: calls.collect(start..start + report::html::PAGE_CALLS)?,
            errors: results.errors.clone(),
            aggregate: results.aggregate.clone(),
        };
        if pages == 1 {
            report::html::write(&on_page, o)
        } else {
            report::html::write_page(&on_page, &Page { number, pages, calls: calls.len() }, o)
        }
    };
    type PageRender<'p> = Box<dyn Fn(&mut (dyn Write + Send)) -> io::Result<()> + 'p>;
    let html: Vec<(String, PageRender)> = (1..=pages)
        .map(|n| (Page::file_name(n), Box::new(move |o: &mut (dyn Write + Send)| page(n, o)) as PageRender))
        .collect();
    let mut files: Vec<(&str, report::output::Render)> =
        vec![("results.json", &json), ("calls.csv", &csv), ("summary.md", &md), ("junit.xml", &junit)];
    files.extend(html.iter().map(|(name, render)| (name.as_str(), render.as_ref() as report::output::Render)));
    let written =
        report::output::write_dir(dir, &files).with_context(|| format!("writing reports to {}", dir.display()))?;
    for p in written {
        eprintln!("wrote {}", p.display());
    }
    Ok(())
}

/// `report`: calls are scored, masked, aggregated and spilled to a temporary file as they come,
/// so memory stays bounded however big the batch; each format then reads them back in turn.
/// The bytes are those of collecting every call first (`merge` does).
fn report_cmd(args: ReportArgs) -> Result<i32> {
    remove_staging_on_sigint();
    let input = &args.input;
    let run = Run::of(&args.batch, &args.threads);
    let Batch { engine, inputs, mut errors, stdin, redactor, rubric_ref } = Batch::open(input, run)?;
    let group_by = run.group_by;
    let group_watch = GroupByWatch::new(group_by);
    type Prepared = (report::aggregate::CallSummary, Option<String>, Vec<u8>);
    let prepare = |mut c: callqa::eval::result::CallResult| -> io::Result<Prepared> {
        group_watch.see(&c.meta);
        // Masked before it is aggregated or written anywhere.
        if let Some(r) = &redactor {
            r.call(&mut c);
        }
        let summary = report::aggregate::CallSummary::of(&c, group_by);
        let mut line = Vec::with_capacity(4096);
        serde_json::to_writer(&mut line, &c)?;
        line.push(b'\n');
        Ok((summary, role_warning_line(&c), line))
    };
    let parent = match args.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    let mut spill =
        report::store::Spill::new_in(&parent).with_context(|| format!("a temporary file in {}", parent.display()))?;
    let mut acc = report::aggregate::Accumulator::new(group_by);
    let mut failure: Option<io::Error> = None;
    let mut warnings: Vec<String> = Vec::new();
    let progress = progress::Bar::for_inputs(&inputs);
    let pool = thread_pool(run.threads, &inputs)?;
    pool.install(|| {
        batch::stream(&engine, &inputs, stdin.as_deref(), run.shard, &prepare, &progress, &mut |r| match r {
            Ok(Ok((summary, warning, line))) => {
                acc.add(&summary);
                progress.call_done();
                warnings.extend(warning);
                if failure.is_none()
                    && let Err(e) = spill.push_line(&line)
                {
                    failure = Some(e);
                }
            }
            Ok(Err(e)) => failure = failure.take().or(Some(e)),
            Err(e) => errors.push(e),
        });
    });
    progress.finish();
    if let Some(e) = failure {
        return Err(anyhow::Error::from(e).context("spilling calls to a temporary file"));
    }
    if let Some(r) = &redactor {
        for e in &mut errors {
            r.error(e);
        }
    }
    report::sort_errors(&mut errors);
    warnings.iter().for_each(|w| eprintln!("{w}"));
    for e in &errors {
        eprintln!("error: {}", report::escape::terminal(&e.to_string()));
    }
    group_watch.check()?;
    let spilled = spill.finish()?;
    let calls = report::store::Calls::Spilled(&spilled);
    let mut results = Results {
        schema: report::SCHEMA.into(),
        rubric: rubric_ref,
        shard: run.shard,
        calls: Vec::new(),
        aggregate: acc.finish(errors.len()),
        errors,
    };
    // A shard always writes its part, even one whose share holds only input errors: those
    // errors belong to the day's numbers, and `merge` counts them.
    let sharded = run.shard.is_some();
    let a = &results.aggregate;
    if !sharded && a.errors > 0 && (input.strict || a.calls == 0) {
        return Err(Exit(2).into());
    }
    // A baseline is compared call by call: only then are the calls held.
    if thresholds(&args.gate)?.is_some_and(|t| t.baseline.is_some()) {
        results.calls = calls.collect(0..calls.len())?;
    }
    let mut gate_text = Vec::new();
    let outcome = apply_gate(&results, &args.gate, &mut gate_text)?;
    write_report_set(&args.out, &results, &calls, outcome.as_ref())?;
    if sharded && input.strict && !results.errors.is_empty() {
        return Err(Exit(2).into());
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    report::table::write_aggregate(&results, &mut out)?;
    out.write_all(&gate_text)?;
    out.flush()?;
    Ok(gate_exit(&outcome))
}

fn gate_cmd(args: GateArgs) -> Result<i32> {
    let results = read_results(&args.results)?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let outcome = apply_gate(&results, &args.gate, &mut out)?;
    if outcome.is_none() {
        bail!(
            "no thresholds given: pass --min-score, --min-pass-rate, --max-auto-fail, --min-criterion, --max-metric, --baseline/--max-drop or --config"
        );
    }
    Ok(gate_exit(&outcome))
}

fn compare(args: CompareArgs) -> Result<i32> {
    let (old, new) = (read_results(&args.old)?, read_results(&args.new)?);
    let d = gate::diff(&old, &new);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match args.format {
        CompareFormat::Text => gate::write_diff(&d, &mut out)?,
        CompareFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &d)?;
            writeln!(out)?;
        }
        // The diff only: compare gives no verdict (`callqa gate` does).
        CompareFormat::Markdown => gate::write_diff_markdown(&d, &mut out)?,
    }
    Ok(0)
}

fn merge(args: MergeArgs) -> Result<i32> {
    let mut parts = Vec::with_capacity(args.parts.len());
    let mut seen = std::collections::HashMap::new();
    for p in &args.parts {
        let name = p.display().to_string();
        let text = if p == Path::new("-") {
            let mut text = String::new();
            io::stdin().read_to_string(&mut text).context("reading stdin")?;
            text
        } else {
            std::fs::read_to_string(p).with_context(|| format!("cannot read {name}"))?
        };
        // The same file under two names is the same part twice.
        let id = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        if let Some(first) = seen.insert(id, name.clone()) {
            bail!("{name} and {first} are the same part: its records would be counted twice");
        }
        parts.push(callqa::merge::parse_part(&name, &text)?);
    }
    let results = callqa::merge::merge(parts, args.group_by.as_deref())?;
    if let Some(field) = args.group_by.as_deref() {
        check_group_by(field, results.calls.iter().map(|c| &c.meta))?;
    }
    match &args.out {
        Some(dir) => write_reports(dir, &results, None)?,
        None => {
            let stdout = io::stdout();
            let mut out = stdout.lock();
            report::json::write(&results, &mut out)?;
        }
    }
    Ok(0)
}

fn explain(args: ExplainArgs) -> Result<i32> {
    use std::io::IsTerminal;
    let (results, rubric) = run_batch_with_rubric(&args.input, Run::default())?;
    input_exit(&results, args.input.strict)?;
    // Call ids are masked like the rest of the output: `--call` names a call by its id as
    // given or as shown.
    let masked_id = match (&args.call_id, redactor(&args.input, &rubric)?) {
        (Some(id), Some(r)) => Some(r.text(id, &[])),
        _ => None,
    };
    let wanted = |c: &&callqa::eval::result::CallResult| {
        args.call_id.as_ref().is_none_or(|id| &c.call_id == id || masked_id.as_ref() == Some(&c.call_id))
    };
    let calls: Vec<_> = results.calls.iter().filter(wanted).collect();
    if calls.is_empty() {
        let ids: Vec<&str> = results.calls.iter().map(|c| c.call_id.as_str()).take(20).collect();
        bail!("no call with id `{}`; calls in the input: {}", args.call_id.unwrap_or_default(), ids.join(", "));
    }
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for (i, c) in calls.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        callqa::explain::explain(c, &rubric, color, &mut out)?;
    }
    Ok(0)
}

fn rules(args: RulesArgs) -> Result<i32> {
    let rubric = load_rubric(args.rubric.as_ref())?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match &args.code {
        None => callqa::codes::list(&rubric, &mut out)?,
        Some(code) => match callqa::codes::show(&rubric, code, &mut out) {
            Ok(()) => {}
            Err(callqa::codes::ShowError::Unknown(e)) => {
                eprintln!("error: {e}");
                return Ok(2);
            }
            // The io::Error itself, so that a closed pipe (`| head`) is recognized and ends quietly.
            Err(callqa::codes::ShowError::Io(e)) => return Err(e.into()),
        },
    }
    Ok(0)
}

fn calibrate(args: CalibrateArgs) -> Result<i32> {
    if let Some(m) = args.min_agreement
        && !(0.0..=1.0).contains(&m)
    {
        bail!("--min-agreement {m} must be a fraction between 0 and 1");
    }
    let mut labels = match callqa::calibrate::load_labels(&args.labels) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
    let run = Run { threads: args.threads.threads, ..Run::default() };
    let (results, rubric) = run_batch_with_rubric(&args.input, run)?;
    input_exit(&results, args.input.strict)?;
    // The scored calls' ids are masked: so are the labels', to match them.
    if let Some(r) = redactor(&args.input, &rubric)? {
        for l in &mut labels {
            l.call_id = r.text(&l.call_id, &[]);
        }
    }
    let report = callqa::calibrate::compare(&labels, &results.calls, &rubric);
    if report.calls.matched == 0 {
        // Comparing nothing would "agree" vacuously: a CI check must not pass on it.
        let some: Vec<&str> = report.calls.unscored.iter().map(String::as_str).take(5).collect();
        eprintln!(
            "error: no labelled call matches a scored call ({} labels, {} calls scored); label ids such as {} \
             must be the call ids callqa reports (see `callqa score`)",
            report.calls.labelled,
            report.calls.scored,
            if some.is_empty() { "(none)".to_string() } else { some.join(", ") }
        );
        return Ok(2);
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match args.format {
        CalibrateFormat::Table => callqa::calibrate::write_table(&report, &mut out)?,
        CalibrateFormat::Json => callqa::calibrate::write_json(&report, &mut out)?,
        CalibrateFormat::Markdown => callqa::calibrate::write_markdown(&report, &mut out)?,
    }
    out.flush()?;
    if let Some(min) = args.min_agreement {
        let failures = callqa::calibrate::min_agreement_failures(&report, min);
        if !failures.is_empty() {
            for f in &failures {
                eprintln!("agreement below {min}: {f}");
            }
            return Ok(1);
        }
    }
    Ok(0)
}
