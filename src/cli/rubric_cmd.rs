//! `callqa rubric …`: check, new, schema, test and lint a rubric file.

use super::Exit;
use anyhow::{Context, Result, bail};
use callqa::authoring::{self, examples, lint};
use callqa::engine::{Engine, Options};
use callqa::inputs::{self, Input};
use callqa::rubric::{self, CompiledRubric};
use clap::{Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The rubric subcommands.
#[derive(Subcommand, Debug)]
pub enum RubricCommand {
    /// Validate a rubric: every problem with file:line:column and a hint.
    #[command(after_help = super::help::RUBRIC_CHECK)]
    Check {
        /// The rubric file.
        file: PathBuf,
    },
    /// Write a commented starter rubric (every section with a short example).
    ///
    /// With a FILE, also writes rubric.schema.json next to it (when missing) so that editors
    /// complete keys; without one, prints the rubric to stdout.
    #[command(after_help = super::help::RUBRIC_NEW)]
    New {
        /// Where to write it (default: stdout).
        file: Option<PathBuf>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print the JSON Schema of the rubric format (for Even Better TOML / taplo).
    #[command(after_help = super::help::RUBRIC_SCHEMA)]
    Schema {
        /// The schema of an included list file (rubrics/common/*.toml) instead.
        #[arg(long)]
        include_file: bool,
    },
    /// Run the `examples.match` / `examples.no_match` lines of every step, signal, knowledge
    /// entry and rule as tests; exit 1 when one fails.
    #[command(after_help = super::help::RUBRIC_TEST)]
    Test {
        /// Rubric files (default: the embedded default rubric).
        files: Vec<PathBuf>,
        /// Also list the examples that passed.
        #[arg(long, short)]
        verbose: bool,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = AuthoringFormat::Text)]
        format: AuthoringFormat,
    },
    /// Warn about cues that never fall on token boundaries, rules that never fire on the
    /// calls given, steps that cannot be told apart, unreachable end conditions and unused
    /// facts, synonyms, lexicons and signals.
    #[command(after_help = super::help::RUBRIC_LINT)]
    Lint {
        /// The rubric file (default: the embedded default rubric).
        file: Option<PathBuf>,
        /// Calls to check the rubric against (files or directories; repeatable).
        #[arg(long, value_name = "PATH")]
        against: Vec<PathBuf>,
        /// Exit 1 when there are warnings.
        #[arg(long)]
        deny_warnings: bool,
        /// Silence a check by code (repeatable), e.g. `--allow RL009`.
        #[arg(long, value_name = "CODE")]
        allow: Vec<String>,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = AuthoringFormat::Text)]
        format: AuthoringFormat,
    },
}

/// Output format of `rubric test` and `rubric lint`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuthoringFormat {
    /// Plain text, like a compiler or a test runner.
    Text,
    /// JSON.
    Json,
}

/// Runs one rubric subcommand and returns the exit code.
pub fn run(cmd: RubricCommand) -> Result<i32> {
    match cmd {
        RubricCommand::Check { file } => check(&file),
        RubricCommand::New { file, force } => new(file.as_deref(), force),
        RubricCommand::Schema { include_file } => {
            let text =
                if include_file { authoring::schema::include_schema() } else { authoring::schema::rubric_schema() };
            std::io::stdout().write_all(text.as_bytes())?;
            Ok(0)
        }
        RubricCommand::Test { files, verbose, format } => test(&files, verbose, format),
        RubricCommand::Lint { file, against, deny_warnings, allow, format } => {
            lint_cmd(file.as_deref(), &against, deny_warnings, &allow, format)
        }
    }
}

/// A rubric compiled together with its text (examples and lint warnings are located in it).
fn load(path: Option<&Path>) -> Result<(CompiledRubric, String)> {
    let (shown, source) = match path {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| {
                eprintln!("error: {}: cannot read the rubric: {e}", p.display());
                Exit(2)
            })?;
            (p.display().to_string(), text)
        }
        None => (rubric::DEFAULT_RUBRIC_PATH.to_string(), rubric::DEFAULT_RUBRIC.to_string()),
    };
    let includes = match path {
        Some(_) => rubric::load::Includes::Disk,
        None => rubric::load::Includes::Embedded(rubric::EMBEDDED_INCLUDES),
    };
    match rubric::from_str_with(&shown, &source, includes) {
        Ok(r) => Ok((r, source)),
        Err(e) => {
            super::print_rubric_errors(&e);
            Err(Exit(2).into())
        }
    }
}

fn check(file: &Path) -> Result<i32> {
    use callqa::report::wording::count;
    let (r, source) = match load(Some(file)) {
        Ok(l) => l,
        Err(_) => return Ok(2),
    };
    // Warnings do not stop the rubric from loading: it is ok, but not what its author wrote.
    let warnings = authoring::normalized::normalization_changes(&r.file, &r.path, &source);
    for w in &warnings {
        eprintln!("{w}");
    }
    let noted = match warnings.len() {
        0 => String::new(),
        n => format!(", {}", count(n, "warning", "warnings")),
    };
    // Written, not println!: a closed stdout (`| head`) must end quietly, not panic.
    writeln!(
        std::io::stdout(),
        "{}: ok ({}, {}, {}, {}{noted})",
        file.display(),
        count(r.steps.len(), "step", "steps"),
        count(r.signals.len(), "signal", "signals"),
        count(r.rules.len(), "rule", "rules"),
        count(r.facts.len(), "fact", "facts")
    )?;
    Ok(0)
}

fn new(file: Option<&Path>, force: bool) -> Result<i32> {
    let Some(path) = file.filter(|p| p.as_os_str() != "-") else {
        std::io::stdout().write_all(authoring::STARTER.as_bytes())?;
        return Ok(0);
    };
    if path.exists() && !force {
        bail!("{} already exists; pass --force to overwrite it", path.display());
    }
    callqa::report::output::write_atomic(path, authoring::STARTER.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    let schema = path.parent().unwrap_or(Path::new("")).join("rubric.schema.json");
    if !schema.exists() {
        callqa::report::output::write_atomic(&schema, authoring::schema::rubric_schema().as_bytes())
            .with_context(|| format!("cannot write {}", schema.display()))?;
        eprintln!("wrote {} (editor completion: see docs/rubric.md)", schema.display());
    }
    eprintln!("next: edit it, then `callqa rubric test {0}` and `callqa score --rubric {0} CALLS`", path.display());
    Ok(0)
}

fn test(files: &[PathBuf], verbose: bool, format: AuthoringFormat) -> Result<i32> {
    let paths: Vec<Option<&Path>> =
        if files.is_empty() { vec![None] } else { files.iter().map(|f| Some(f.as_path())).collect() };
    let mut reports = Vec::new();
    let mut load_failed = false;
    for p in paths {
        match load(p) {
            Ok((r, source)) => reports.push(examples::run(&r, &source)),
            Err(_) => load_failed = true,
        }
    }
    let mut out = std::io::stdout().lock();
    match format {
        AuthoringFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &reports)?;
            writeln!(out)?;
        }
        AuthoringFormat::Text => {
            for r in &reports {
                write_test_report(&mut out, r, verbose)?;
            }
        }
    }
    out.flush()?;
    let failed = reports.iter().any(|r| r.failed() > 0);
    Ok(if load_failed {
        2
    } else if failed {
        1
    } else {
        0
    })
}

fn write_test_report(out: &mut impl Write, r: &examples::TestReport, verbose: bool) -> std::io::Result<()> {
    writeln!(out, "{}: {} examples", r.path, r.examples.len())?;
    for e in &r.examples {
        if e.passed && !verbose {
            continue;
        }
        let expect = if e.expect_match { "match" } else { "no_match" };
        let status = if e.passed { "ok  " } else { "FAIL" };
        writeln!(
            out,
            "  {status} {}:{}:{}: {} `{}` {expect}: {}",
            r.path,
            e.line,
            e.column,
            e.kind.as_str(),
            e.item,
            e.text.replace('\n', " / ")
        )?;
        if !e.passed {
            let want = if e.expect_match { "should match" } else { "should not match" };
            writeln!(out, "       {want}, but: {}", e.detail)?;
        } else {
            writeln!(out, "       {}", e.detail)?;
        }
    }
    if !r.skipped.is_empty() {
        writeln!(out, "  skipped (criterion turned off): {}", r.skipped.join(", "))?;
    }
    if !r.without_examples.is_empty() {
        writeln!(out, "  no examples: {}", r.without_examples.join(", "))?;
    }
    let verdict = if r.failed() == 0 { "ok" } else { "FAILED" };
    writeln!(out, "test result: {verdict}. {} passed; {} failed", r.passed(), r.failed())
}

fn lint_cmd(
    file: Option<&Path>,
    against: &[PathBuf],
    deny: bool,
    allow: &[String],
    format: AuthoringFormat,
) -> Result<i32> {
    for code in allow {
        if !lint::CHECKS.iter().any(|(c, _)| c.eq_ignore_ascii_case(code)) {
            let known: Vec<&str> = lint::CHECKS.iter().map(|(c, _)| *c).collect();
            bail!("--allow {code}: no such check (checks: {})", known.join(", "));
        }
    }
    let (rubric, source) = match load(file) {
        Ok(l) => l,
        Err(_) => return Ok(2),
    };
    let engine = Engine::new(rubric, Options::default());
    let calls = if against.is_empty() {
        None
    } else {
        let (found, errors) = inputs::expand(against, None);
        let mut calls = Vec::new();
        let mut failed = errors.len();
        for e in &errors {
            eprintln!("error: {e}");
        }
        for input in &found {
            let Input::File(path) = input else { bail!("--against reads files and directories, not stdin") };
            for r in engine.score_path(path) {
                match r {
                    Ok(c) => calls.push(c),
                    Err(e) => {
                        failed += 1;
                        eprintln!("error: {e}");
                    }
                }
            }
        }
        if failed > 0 || calls.is_empty() {
            eprintln!("--against: {} call(s) scored, {failed} input error(s)", calls.len());
            return Ok(2);
        }
        calls.sort_by(|a, b| (&a.source, &a.call_id).cmp(&(&b.source, &b.call_id)));
        Some(calls)
    };
    let warnings: Vec<lint::Warning> = lint::lint(&engine.rubric, &source, calls.as_deref())
        .into_iter()
        .filter(|w| !allow.iter().any(|a| a.eq_ignore_ascii_case(w.code)))
        .collect();
    let mut out = std::io::stdout().lock();
    match format {
        AuthoringFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &warnings)?;
            writeln!(out)?;
        }
        AuthoringFormat::Text => {
            for w in &warnings {
                writeln!(out, "{w}")?;
            }
            let against_note = calls.as_ref().map_or(String::new(), |c| format!(" against {} call(s)", c.len()));
            writeln!(out, "{}: {} warning(s){against_note}", engine.rubric.path, warnings.len())?;
        }
    }
    out.flush()?;
    Ok(if deny && !warnings.is_empty() { 1 } else { 0 })
}
