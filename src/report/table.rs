//! The terminal report: one comfy-table block per call.

use super::Results;
use crate::eval::result::{CallResult, Verdict};
use comfy_table::{Cell, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use std::io::{self, Write};

fn table() -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic).set_width(110);
    t
}

fn fmt_score(s: Option<f64>) -> String {
    s.map_or_else(|| "n/a".to_string(), |v| format!("{v:.1}"))
}

/// Writes one call: header line, steps, criteria, findings.
pub fn write_call(call: &CallResult, out: &mut dyn Write) -> io::Result<()> {
    let verdict = match call.verdict {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
    };
    writeln!(
        out,
        "{} ({})  {}  score {}{}  end: {}",
        call.call_id,
        call.source,
        verdict,
        fmt_score(call.score),
        if call.auto_fail { "  AUTO-FAIL" } else { "" },
        call.end_condition
    )?;
    let mut steps = table();
    steps.set_header(vec!["step", "", "turn", "confidence", "how"]);
    for s in &call.steps {
        let mark = match (s.covered, s.required) {
            (true, _) => "✓",
            (false, true) => "✗ required",
            (false, false) => "✗",
        };
        steps.add_row(vec![
            Cell::new(&s.id),
            Cell::new(mark),
            Cell::new(s.turn.map_or("-".into(), |t| t.to_string())),
            Cell::new(format!("{:.2}", s.confidence)),
            Cell::new(s.via.as_deref().unwrap_or("")),
        ]);
    }
    writeln!(out, "{steps}")?;
    let mut crit = table();
    crit.set_header(vec!["criterion", "score", "passed", "findings"]);
    for c in &call.criteria {
        crit.add_row(vec![
            c.id.clone(),
            fmt_score(c.score),
            c.passed.map_or("n/a".into(), |p| if p { "yes".into() } else { "NO".to_string() }),
            c.findings.to_string(),
        ]);
    }
    writeln!(out, "{crit}")?;
    if !call.findings.is_empty() {
        let mut f = table();
        f.set_header(vec!["code", "severity", "turn", "span", "excerpt", "message"]);
        for x in &call.findings {
            f.add_row(vec![
                x.code.clone(),
                x.severity.as_str().to_string(),
                x.turn.to_string(),
                format!("{}..{}", x.span[0], x.span[1]),
                x.excerpt.clone(),
                x.message.clone(),
            ]);
        }
        writeln!(out, "{f}")?;
    }
    writeln!(out)
}

/// Writes every call, the errors and a one-line summary.
pub fn write(results: &Results, out: &mut dyn Write) -> io::Result<()> {
    for call in &results.calls {
        write_call(call, out)?;
    }
    let a = &results.aggregate;
    writeln!(
        out,
        "{} calls: {} passed, {} failed; {} input errors (rubric {} v{})",
        a.calls, a.passed, a.failed, a.errors, results.rubric.id, results.rubric.version
    )
}
