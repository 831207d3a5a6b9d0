//! The command line: clap definitions, turned into library calls. The library never sees clap.

use anyhow::{Context, Result};
use callqa::error::InputError;
use callqa::eval::result::CallResult;
use callqa::inputs::{self, Input};
use callqa::report::{self, Results, RubricRef};
use callqa::rubric::{self, CompiledRubric};
use callqa::transcript::{Encoding, InputFormat, ReadOptions};
use callqa::{Engine, Options};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{self, Read, Write};
use std::path::PathBuf;

const EXIT_CODES: &str = "Exit codes:\n  0  success (and the gate held)\n  1  the gate failed: quality below the bar\n  2  usage, rubric or input error";

/// Audit phone-call transcripts against a script rubric.
#[derive(Parser, Debug)]
#[command(name = "callqa", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Score calls against a rubric: steps covered, findings with evidence, verdict.
    #[command(after_help = EXIT_CODES)]
    Score(ScoreArgs),
    /// Work with rubric files.
    #[command(subcommand)]
    Rubric(RubricCommand),
}

#[derive(Subcommand, Debug)]
enum RubricCommand {
    /// Validate a rubric: every problem with file:line:column and a hint.
    Check {
        /// The rubric file.
        file: PathBuf,
    },
}

#[derive(Args, Debug)]
struct ScoreArgs {
    /// Transcript files or directories (searched recursively); `-` reads stdin.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Rubric file (TOML). Default: the embedded rubrics/changjiang-plan-upsell.toml.
    #[arg(long, short)]
    rubric: Option<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Force the input format instead of detecting it.
    #[arg(long, value_parser = parse_format)]
    input_format: Option<InputFormat>,
    /// Force the input encoding instead of detecting it (utf-8, utf-16le, utf-16be, gbk).
    #[arg(long, value_parser = parse_encoding)]
    encoding: Option<Encoding>,
    /// The speaker label that is the agent.
    #[arg(long, value_name = "NAME")]
    agent: Option<String>,
    /// The speaker label that is the customer.
    #[arg(long, value_name = "NAME")]
    customer: Option<String>,
    /// Exit 2 when any input could not be read (default: report it and go on).
    #[arg(long)]
    strict: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Tables for a terminal.
    Table,
    /// Output contract v1 (one JSON document).
    Json,
    /// One call result per line.
    Jsonl,
}

fn parse_format(s: &str) -> Result<InputFormat, String> {
    s.parse().map_err(|_| format!("unknown input format `{s}`; valid: json, jsonl, openai, text, csv"))
}

fn parse_encoding(s: &str) -> Result<Encoding, String> {
    s.parse().map_err(|_| format!("unknown encoding `{s}`; valid: utf-8, utf-16le, utf-16be, gbk"))
}

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
        Command::Rubric(RubricCommand::Check { file }) => rubric_check(&file),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return 0;
            }
            eprintln!("error: {e:#}");
            2
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

fn load_rubric(path: Option<&PathBuf>) -> std::result::Result<CompiledRubric, i32> {
    let loaded = match path {
        Some(p) => rubric::from_path(p),
        None => rubric::default_rubric(),
    };
    loaded.map_err(|e| {
        eprintln!("{e}");
        2
    })
}

fn rubric_check(file: &std::path::Path) -> Result<i32> {
    match rubric::from_path(file) {
        Ok(r) => {
            println!(
                "{}: ok ({} steps, {} signals, {} rules, {} facts)",
                file.display(),
                r.steps.len(),
                r.signals.len(),
                r.rules.len(),
                r.facts.len()
            );
            Ok(0)
        }
        Err(e) => {
            eprintln!("{e}");
            Ok(2)
        }
    }
}

fn score(args: ScoreArgs) -> Result<i32> {
    let rubric = match load_rubric(args.rubric.as_ref()) {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let options = Options {
        read: ReadOptions { format: args.input_format, encoding: args.encoding, ..Default::default() },
        agent: args.agent,
        customer: args.customer,
    };
    let engine = Engine::new(rubric, options);
    let (inputs, mut errors) = inputs::expand(&args.paths);
    let mut calls: Vec<CallResult> = Vec::new();
    for input in &inputs {
        let results = match input {
            Input::File(p) => engine.score_path(p),
            Input::Stdin => {
                let mut buf = Vec::new();
                io::stdin().read_to_end(&mut buf).context("reading stdin")?;
                engine.score_bytes("<stdin>", &buf)
            }
        };
        for r in results {
            match r {
                Ok(c) => calls.push(c),
                Err(e) => errors.push(e),
            }
        }
    }
    let results = Results::new(
        RubricRef { id: engine.rubric.file.rubric.id.clone(), version: engine.rubric.file.rubric.version.clone() },
        calls,
        errors,
    );
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => report::json::write(&results, &mut out)?,
        Format::Jsonl => {
            for c in &results.calls {
                report::json::write_line(c, &mut out)?;
            }
        }
        Format::Table => report::table::write(&results, &mut out)?,
    }
    out.flush()?;
    // Errors go to stderr in every format, so stdout stays a clean report.
    for e in &results.errors {
        eprintln!("error: {e}");
    }
    Ok(exit_code(&results.errors, results.calls.len(), args.strict))
}

/// 2 when nothing could be scored, or with `--strict` when anything could not be read.
fn exit_code(errors: &[InputError], calls: usize, strict: bool) -> i32 {
    if !errors.is_empty() && (strict || calls == 0) { 2 } else { 0 }
}
