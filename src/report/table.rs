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

/// Writes one call: header line, steps, criteria, findings. The tables are drawn first and
/// written with their control characters shown ([`super::escape::terminal`]): a call id, a
/// turn or a file name cannot send a terminal sequence.
pub fn write_call(call: &CallResult, out: &mut dyn Write) -> io::Result<()> {
    let mut drawn = Vec::with_capacity(4096);
    draw_call(call, &mut drawn)?;
    out.write_all(super::escape::terminal(&String::from_utf8_lossy(&drawn)).as_bytes())
}

fn draw_call(call: &CallResult, out: &mut dyn Write) -> io::Result<()> {
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
    if let Some(t) = &call.timing {
        writeln!(out, "{}", timing_line(t))?;
    }
    if !call.findings.is_empty() {
        let mut f = table();
        f.set_header(vec!["code", "severity", "turn", "span", "excerpt", "message"]);
        for x in &call.findings {
            f.add_row(vec![
                x.code.clone(),
                x.severity.as_str().to_string(),
                match x.at_s {
                    Some(at) => format!("{} @{}", x.turn, crate::eval::timing::clock(at)),
                    None => x.turn.to_string(),
                },
                format!("{}..{}", x.span[0], x.span[1]),
                x.excerpt.clone(),
                x.message.clone(),
            ]);
        }
        writeln!(out, "{f}")?;
    }
    writeln!(out)
}

/// One line of a call's timing: duration, talk share, dead air, overtalk, speech rate, replies.
pub fn timing_line(t: &crate::timing::Timing) -> String {
    let opt = |v: Option<f64>, unit: &str| v.map_or("n/a".to_string(), |v| format!("{v}{unit}"));
    format!(
        "timing: {} s, agent talk {}, dead air max {} s (total {} s), overtalk agent {} / customer {}, \
         speech agent {} / customer {} 字/分, agent reply median {} max {}",
        t.duration_s,
        t.agent_talk_share.map_or("n/a".to_string(), |v| format!("{:.0}%", v * 100.0)),
        t.silence_max_s,
        t.silence_total_s,
        t.overtalk_count.agent,
        t.overtalk_count.customer,
        opt(t.agent_chars_per_min.map(f64::round), ""),
        opt(t.customer_chars_per_min.map(f64::round), ""),
        opt(t.agent_response_s.median, " s"),
        opt(t.agent_response_s.max, " s"),
    )
}

/// Writes every call and a one-line summary (errors go to stderr, not here).
pub fn write(results: &Results, out: &mut dyn Write) -> io::Result<()> {
    for call in &results.calls {
        write_call(call, out)?;
    }
    write_summary(results, out)
}

/// Writes the one-line summary that follows the calls.
pub fn write_summary(results: &Results, out: &mut dyn Write) -> io::Result<()> {
    let a = &results.aggregate;
    use super::wording::count;
    writeln!(
        out,
        "{}: {} passed, {} failed; {} (rubric {} v{})",
        count(a.calls, "call", "calls"),
        a.passed,
        a.failed,
        count(a.errors, "input error", "input errors"),
        super::escape::terminal_line(&results.rubric.id),
        super::escape::terminal_line(&results.rubric.version)
    )
}

fn pct(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |v| format!("{:.1}%", v * 100.0))
}

/// Writes the batch aggregate: overview, criteria, step funnel, findings, end conditions,
/// worst calls and groups (control characters shown, as in [`write_call`]).
pub fn write_aggregate(results: &Results, out: &mut dyn Write) -> io::Result<()> {
    let mut drawn = Vec::with_capacity(4096);
    draw_aggregate(results, &mut drawn)?;
    out.write_all(super::escape::terminal(&String::from_utf8_lossy(&drawn)).as_bytes())
}

fn draw_aggregate(results: &Results, out: &mut dyn Write) -> io::Result<()> {
    let a = &results.aggregate;
    let mut t = table();
    t.set_header(vec!["calls", "passed", "failed", "pass rate", "auto-fail", "errors", "mean", "median", "p10", "p90"]);
    let s =
        |f: fn(&super::aggregate::ScoreStats) -> f64| a.score.as_ref().map_or("n/a".into(), |x| format!("{:.1}", f(x)));
    t.add_row(vec![
        a.calls.to_string(),
        a.passed.to_string(),
        a.failed.to_string(),
        pct(a.pass_rate),
        a.auto_failed.to_string(),
        a.errors.to_string(),
        s(|x| x.mean),
        s(|x| x.median),
        s(|x| x.p10),
        s(|x| x.p90),
    ]);
    writeln!(out, "{} v{}\n{t}", results.rubric.id, results.rubric.version)?;

    let mut c = table();
    c.set_header(vec!["criterion", "passed", "failed", "n/a", "pass rate"]);
    for x in &a.criteria {
        c.add_row(vec![x.id.clone(), x.passed.to_string(), x.failed.to_string(), x.na.to_string(), pct(x.pass_rate)]);
    }
    writeln!(out, "{c}")?;

    let mut f = table();
    f.set_header(vec!["step (script order)", "covered", "rate", ""]);
    for x in &a.steps {
        let bar = "█".repeat((x.rate * 20.0).round() as usize);
        f.add_row(vec![x.id.clone(), x.covered.to_string(), format!("{:.1}%", x.rate * 100.0), bar]);
    }
    writeln!(out, "{f}")?;

    if !a.findings.is_empty() {
        let mut t = table();
        t.set_header(vec!["code", "severity", "findings", "calls"]);
        for x in &a.findings {
            t.add_row(vec![x.code.clone(), x.severity.as_str().to_string(), x.count.to_string(), x.calls.to_string()]);
        }
        writeln!(out, "{t}")?;
    }
    if let Some(timing) = &a.timing {
        let mut t = table();
        t.set_header(vec![format!("timing ({} calls with timestamps)", timing.calls), "p50".into(), "p90".into()]);
        for m in &timing.metrics {
            t.add_row(vec![m.metric.clone(), m.p50.to_string(), m.p90.to_string()]);
        }
        writeln!(out, "{t}")?;
    }
    let ends: Vec<String> = a.end_conditions.iter().map(|e| format!("{} {}", e.id, e.count)).collect();
    writeln!(out, "end conditions: {}", ends.join(" · "))?;
    if !a.worst.is_empty() {
        let mut t = table();
        t.set_header(vec!["lowest-scoring failed calls", "score", "top finding"]);
        for w in &a.worst {
            let top = match (&w.top_code, &w.top_message) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                _ => String::new(),
            };
            t.add_row(vec![format!("{} ({})", w.call_id, w.source), fmt_score(w.score), top]);
        }
        writeln!(out, "{t}")?;
    }
    if !a.unmatched_questions.is_empty() {
        let mut t = table();
        t.set_header(vec!["questions the knowledge base does not cover", "calls"]);
        for q in &a.unmatched_questions {
            t.add_row(vec![q.text.clone(), q.count.to_string()]);
        }
        writeln!(out, "{t}")?;
    }
    if !a.groups.is_empty() {
        let mut t = table();
        t.set_header(vec![a.groups[0].field.as_str(), "calls", "passed", "pass rate", "mean score"]);
        for g in &a.groups {
            let ga = &g.aggregate;
            t.add_row(vec![
                g.value.clone(),
                ga.calls.to_string(),
                ga.passed.to_string(),
                pct(ga.pass_rate),
                fmt_score(ga.score.as_ref().map(|s| s.mean)),
            ]);
        }
        writeln!(out, "{t}")?;
    }
    Ok(())
}
