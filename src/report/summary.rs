//! The `summary` format of `callqa score`: the aggregate in a few lines, then one line per
//! failing call (lowest score first) with its top finding — a batch of thousands of calls in
//! a screenful. The per-call tables (`table`) and the full results (`json`, `jsonl`) are the
//! other formats.

use super::Results;
use super::wording::count;
use crate::eval::result::{CallResult, Verdict};
use crate::rubric::model::Severity;
use std::io::{self, Write};

/// How many failing calls the summary lists unless told otherwise.
pub const DEFAULT_LIMIT: usize = 50;

/// How many finding codes the summary names (most severe first).
const CODES: usize = 8;

/// One failing call, as its summary line needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct FailingCall {
    /// Call id.
    pub call_id: String,
    /// Where it was read.
    pub source: String,
    /// Call score.
    pub score: Option<f64>,
    /// Whether a critical finding failed it outright.
    pub auto_fail: bool,
    /// Its most severe finding that is not info (`CODE: message`), when it has one.
    pub top: Option<String>,
}

impl FailingCall {
    /// The summary line of `c`, or `None` when it passed.
    pub fn of(c: &CallResult) -> Option<FailingCall> {
        (c.verdict == Verdict::Fail).then(|| FailingCall {
            call_id: c.call_id.clone(),
            source: c.source.clone(),
            score: c.score,
            auto_fail: c.auto_fail,
            top: super::markdown::top_finding(c),
        })
    }
}

/// The failing calls of a batch, kept worst first and bounded by the limit, so that a batch
/// of millions of calls never holds more than a few hundred lines.
#[derive(Debug)]
pub struct Failing {
    limit: usize,
    total: usize,
    /// `(call, position in the batch)`: the position breaks ties in score deterministically.
    kept: Vec<(FailingCall, usize)>,
}

impl Failing {
    /// Keeps the `limit` lowest-scoring failing calls (0: every one).
    pub fn new(limit: usize) -> Failing {
        Failing { limit, total: 0, kept: Vec::new() }
    }

    /// Adds the call at `position` of the batch (calls are added in batch order).
    pub fn add(&mut self, call: FailingCall, position: usize) {
        self.total += 1;
        self.kept.push((call, position));
        if self.limit > 0 && self.kept.len() >= 2 * self.limit.max(64) {
            self.trim();
        }
    }

    fn trim(&mut self) {
        // Lowest score first; a call without a score (nothing applicable) after those with one.
        self.kept.sort_by(|(a, pa), (b, pb)| {
            let (sa, sb) = (a.score.unwrap_or(f64::INFINITY), b.score.unwrap_or(f64::INFINITY));
            sa.total_cmp(&sb).then(pa.cmp(pb))
        });
        if self.limit > 0 {
            self.kept.truncate(self.limit);
        }
    }

    /// Every failing call of `results`, in batch order.
    pub fn of_results(results: &Results, limit: usize) -> Failing {
        let mut f = Failing::new(limit);
        for (i, c) in results.calls.iter().enumerate() {
            if let Some(x) = FailingCall::of(c) {
                f.add(x, i);
            }
        }
        f
    }

    /// Writes the summary of `results` (whose aggregate covers the batch) with these calls.
    pub fn write(mut self, results: &Results, out: &mut dyn Write) -> io::Result<()> {
        self.trim();
        write_aggregate(results, out)?;
        if self.total == 0 {
            return writeln!(out, "no failing calls");
        }
        writeln!(out, "failing calls, lowest score first ({}):", self.total)?;
        for (c, _) in &self.kept {
            let score = c.score.map_or("  n/a".to_string(), |s| format!("{s:5.1}"));
            let auto = if c.auto_fail { "  AUTO-FAIL" } else { "" };
            let top = c.top.as_deref().map_or(String::new(), |t| format!("  {t}"));
            writeln!(out, "  {score}{auto}  {} ({}){top}", c.call_id, c.source)?;
        }
        let rest = self.total - self.kept.len();
        if rest > 0 {
            writeln!(
                out,
                "  … and {} more (--limit 0 lists every one; --format jsonl or `callqa report` has every finding)",
                count(rest, "failing call", "failing calls")
            )?;
        }
        Ok(())
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |v| format!("{:.1}%", v * 100.0))
}

/// The aggregate in a few lines: counts and scores, criteria, step coverage, the most severe
/// codes, end conditions and groups.
fn write_aggregate(results: &Results, out: &mut dyn Write) -> io::Result<()> {
    let a = &results.aggregate;
    writeln!(
        out,
        "{}: {} passed, {} failed ({} pass rate), {}, {} (rubric {} v{})",
        count(a.calls, "call", "calls"),
        a.passed,
        a.failed,
        pct(a.pass_rate),
        count(a.auto_failed, "auto-fail", "auto-fails"),
        count(a.errors, "input error", "input errors"),
        results.rubric.id,
        results.rubric.version
    )?;
    if let Some(s) = &a.score {
        writeln!(
            out,
            "score: mean {:.1} · median {:.1} · p10 {:.1} · p90 {:.1} · min {:.1}",
            s.mean, s.median, s.p10, s.p90, s.min
        )?;
    }
    let crit: Vec<String> = a
        .criteria
        .iter()
        .map(|c| {
            let na = if c.na > 0 { format!(" ({} n/a)", c.na) } else { String::new() };
            format!("{} {}{na}", c.id, pct(c.pass_rate))
        })
        .collect();
    if !crit.is_empty() {
        writeln!(out, "criteria passed: {}", crit.join(" · "))?;
    }
    let steps: Vec<String> = a.steps.iter().map(|s| format!("{} {:.0}%", s.id, s.rate * 100.0)).collect();
    if !steps.is_empty() {
        writeln!(out, "steps covered: {}", steps.join(" · "))?;
    }
    // Severity first: a frequent info code says less than one critical finding.
    let mut codes: Vec<_> = a.findings.iter().filter(|f| f.severity != Severity::Info).collect();
    codes.sort_by(|x, y| x.severity.cmp(&y.severity).then(y.calls.cmp(&x.calls)).then(x.code.cmp(&y.code)));
    if !codes.is_empty() {
        let shown: Vec<String> = codes
            .iter()
            .take(CODES)
            .map(|f| format!("{} {} in {}", f.code, f.severity.as_str(), count(f.calls, "call", "calls")))
            .collect();
        let more = codes.len().saturating_sub(CODES);
        let more = if more > 0 { format!(" · {more} more") } else { String::new() };
        writeln!(out, "findings: {}{more}", shown.join(" · "))?;
    }
    let ends: Vec<String> = a.end_conditions.iter().map(|e| format!("{} {}", e.id, e.count)).collect();
    if !ends.is_empty() {
        writeln!(out, "end conditions: {}", ends.join(" · "))?;
    }
    if let Some(first) = a.groups.first() {
        let groups: Vec<String> = a
            .groups
            .iter()
            .map(|g| {
                let mean = g.aggregate.score.as_ref().map_or("n/a".into(), |s| format!("{:.1}", s.mean));
                format!(
                    "{} {} {} mean {mean}",
                    g.value,
                    count(g.aggregate.calls, "call", "calls"),
                    pct(g.aggregate.pass_rate)
                )
            })
            .collect();
        writeln!(out, "by {}: {}", first.field, groups.join(" · "))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failing(id: &str, score: f64) -> FailingCall {
        FailingCall { call_id: id.into(), source: format!("{id}.txt"), score: Some(score), auto_fail: false, top: None }
    }

    #[test]
    fn keeps_the_lowest_scores_in_a_stable_order() {
        let mut f = Failing::new(2);
        for (i, s) in [70.0, 40.0, 90.0, 40.0, 55.0].into_iter().enumerate() {
            f.add(failing(&format!("c{i}"), s), i);
        }
        f.trim();
        let ids: Vec<&str> = f.kept.iter().map(|(c, _)| c.call_id.as_str()).collect();
        assert_eq!(ids, ["c1", "c3"]);
        assert_eq!(f.total, 5);
    }

    #[test]
    fn memory_stays_bounded_however_many_calls_fail() {
        let mut f = Failing::new(10);
        for i in 0..10_000 {
            f.add(failing(&format!("c{i}"), (i % 97) as f64), i);
            assert!(f.kept.len() < 2 * 64);
        }
        f.trim();
        assert_eq!(f.kept.len(), 10);
        assert!(f.kept.iter().all(|(c, _)| c.score == Some(0.0)));
    }

    #[test]
    fn limit_zero_keeps_every_call() {
        let mut f = Failing::new(0);
        for i in 0..500 {
            f.add(failing(&format!("c{i}"), 50.0), i);
        }
        f.trim();
        assert_eq!(f.kept.len(), 500);
        assert_eq!(f.kept[0].0.call_id, "c0");
    }
}
