//! `summary.md`: the aggregate as Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY`.

use super::Results;
use super::aggregate::Aggregate;
use crate::eval::result::CallResult;
use crate::rubric::model::Severity;
use std::io::{self, Write};

/// "CODE: message" of the call's most severe finding.
pub fn top_finding(c: &CallResult) -> Option<String> {
    c.findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .min_by_key(|f| (f.severity, f.turn))
        .map(|f| format!("{}: {}", f.code, f.message))
}

/// Escapes text for a Markdown table cell ([`super::escape::md_text`]).
pub fn cell(s: &str) -> String {
    super::escape::md_text(s)
}

fn pct(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |v| format!("{:.1}%", v * 100.0))
}

fn overview(a: &Aggregate, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "| calls | passed | failed | pass rate | auto-fail | input errors | mean | median | p10 | p90 |")?;
    writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    let s =
        |f: fn(&super::aggregate::ScoreStats) -> f64| a.score.as_ref().map_or("n/a".into(), |x| format!("{:.1}", f(x)));
    writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        a.calls,
        a.passed,
        a.failed,
        pct(a.pass_rate),
        a.auto_failed,
        a.errors,
        s(|x| x.mean),
        s(|x| x.median),
        s(|x| x.p10),
        s(|x| x.p90)
    )
}

/// The timing percentiles: one row per metric, p50 and p90 overall, then per group.
fn write_timing(
    t: &super::aggregate::TimingStats,
    groups: &[super::aggregate::Group],
    out: &mut dyn Write,
) -> io::Result<()> {
    let timed: Vec<&super::aggregate::Group> = groups.iter().filter(|g| g.aggregate.timing.is_some()).collect();
    write!(out, "| metric | p50 | p90 |")?;
    for g in &timed {
        write!(out, " {} p50 | {} p90 |", cell(&g.value), cell(&g.value))?;
    }
    write!(out, "\n|---|---:|---:|")?;
    for _ in &timed {
        write!(out, "---:|---:|")?;
    }
    writeln!(out)?;
    for m in &t.metrics {
        write!(out, "| {} | {} | {} |", m.metric, m.p50, m.p90)?;
        for g in &timed {
            match g.aggregate.timing.as_ref().and_then(|gt| gt.metric(&m.metric)) {
                Some(gm) => write!(out, " {} | {} |", gm.p50, gm.p90)?,
                None => write!(out, " n/a | n/a |")?,
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Writes the summary.
pub fn write(results: &Results, out: &mut dyn Write) -> io::Result<()> {
    let a = &results.aggregate;
    writeln!(out, "## callqa: {} v{}\n", cell(&results.rubric.id), cell(&results.rubric.version))?;
    overview(a, out)?;

    writeln!(out, "\n### Criteria\n\n| criterion | passed | failed | n/a | pass rate |\n|---|---:|---:|---:|---:|")?;
    for c in &a.criteria {
        writeln!(out, "| {} | {} | {} | {} | {} |", cell(&c.id), c.passed, c.failed, c.na, pct(c.pass_rate))?;
    }
    writeln!(out, "\n### Script steps (in script order)\n\n| step | covered | rate |\n|---|---:|---:|")?;
    for s in &a.steps {
        writeln!(out, "| {} | {} | {:.1}% |", cell(&s.id), s.covered, s.rate * 100.0)?;
    }
    if !a.findings.is_empty() {
        writeln!(out, "\n### Findings by code\n\n| code | severity | findings | calls |\n|---|---|---:|---:|")?;
        for f in &a.findings {
            writeln!(out, "| {} | {} | {} | {} |", cell(&f.code), f.severity.as_str(), f.count, f.calls)?;
        }
    }
    if let Some(t) = &a.timing {
        writeln!(out, "\n### Timing ({} calls with timestamps)\n", t.calls)?;
        write_timing(t, &a.groups, out)?;
    }
    writeln!(out, "\n### End conditions\n\n| end condition | calls |\n|---|---:|")?;
    for e in &a.end_conditions {
        writeln!(out, "| {} | {} |", cell(&e.id), e.count)?;
    }
    if !a.worst.is_empty() {
        writeln!(out, "\n### Lowest-scoring failed calls\n\n| call | score | top finding |\n|---|---:|---|")?;
        for w in &a.worst {
            let score = w.score.map_or("n/a".into(), |s| format!("{s:.1}"));
            let top = match (&w.top_code, &w.top_message) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                _ => String::new(),
            };
            writeln!(
                out,
                "| {} ({}) | {} | {} |",
                super::escape::md_code(&w.call_id),
                cell(&w.source),
                score,
                cell(&top)
            )?;
        }
    }
    if !a.unmatched_questions.is_empty() {
        writeln!(out, "\n### Questions the knowledge base does not cover\n\n| question | calls |\n|---|---:|")?;
        for q in &a.unmatched_questions {
            writeln!(out, "| {} | {} |", cell(&q.text), q.count)?;
        }
    }
    if !a.groups.is_empty() {
        writeln!(out, "\n### By {}\n", cell(&a.groups[0].field))?;
        writeln!(
            out,
            "| {} | calls | passed | pass rate | mean score |\n|---|---:|---:|---:|---:|",
            cell(&a.groups[0].field)
        )?;
        for g in &a.groups {
            let ga = &g.aggregate;
            let mean = ga.score.as_ref().map_or("n/a".into(), |s| format!("{:.1}", s.mean));
            writeln!(out, "| {} | {} | {} | {} | {} |", cell(&g.value), ga.calls, ga.passed, pct(ga.pass_rate), mean)?;
        }
    }
    if !results.errors.is_empty() {
        writeln!(out, "\n### Input errors\n")?;
        for e in &results.errors {
            writeln!(out, "- {}: {}", super::escape::md_code(&e.source), cell(&e.message))?;
        }
    }
    Ok(())
}
