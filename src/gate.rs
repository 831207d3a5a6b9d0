//! The quality gate and the comparison of two result sets.
//!
//! [`diff`] compares a baseline with a new run (calls that flipped, findings that appeared or
//! went away, the change in mean score and pass rate); `callqa compare` prints it. [`check`]
//! applies [`Thresholds`] (and the diff, when there is a baseline) and gives the verdict that
//! `callqa gate` turns into exit code 0 (held) or 1 (failed).

use crate::eval::result::{CallResult, Verdict};
use crate::report::Results;
use crate::report::wording::signed1;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

/// The bar a batch must meet. Rates are fractions (0.9 = 90%); scores and drops are points.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Minimum mean call score.
    #[serde(default)]
    pub min_score: Option<f64>,
    /// Minimum share of calls that pass.
    #[serde(default)]
    pub min_pass_rate: Option<f64>,
    /// Most calls allowed to auto-fail.
    #[serde(default)]
    pub max_auto_fail: Option<usize>,
    /// Most input errors allowed.
    #[serde(default)]
    pub max_errors: Option<usize>,
    /// Minimum pass rate per criterion id.
    #[serde(default)]
    pub min_criterion: BTreeMap<String, f64>,
    /// Largest allowed drop against the baseline, in points of mean score and of pass rate.
    #[serde(default)]
    pub max_drop: Option<f64>,
    /// The baseline results.json to compare with.
    #[serde(default)]
    pub baseline: Option<std::path::PathBuf>,
    /// Upper bounds of timing percentiles, keyed `METRIC:p50` or `METRIC:p90`
    /// (`silence_max_s:p90 = 8`).
    #[serde(default)]
    pub max_metric: BTreeMap<String, f64>,
    /// Let a run with no evaluated call pass (by default an empty run fails the gate: a CI job
    /// pointed at the wrong folder, or a shard of nothing, must not look green).
    #[serde(default)]
    pub allow_empty: bool,
    /// Compare with a baseline scored with another rubric (id or version); by default that is
    /// refused, since its scores mean something else.
    #[serde(default)]
    pub allow_rubric_change: bool,
}

/// A gate config file: a `[gate]` table with the keys of [`Thresholds`].
///
/// ```toml
/// [gate]
/// baseline = "baseline/results.json"   # relative to the config file
/// min_pass_rate = 0.8
/// max_drop = 2.0
/// min_criterion = { overpromise = 0.95 }
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    /// The thresholds.
    pub gate: Thresholds,
}

impl Thresholds {
    /// Whether any threshold (or a baseline) is set.
    pub fn is_set(&self) -> bool {
        self.min_score.is_some()
            || self.min_pass_rate.is_some()
            || self.max_auto_fail.is_some()
            || self.max_errors.is_some()
            || !self.min_criterion.is_empty()
            || self.max_drop.is_some()
            || self.baseline.is_some()
            || !self.max_metric.is_empty()
    }

    /// Checks the values make sense; returns a message per problem.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let rate = |name: &str, v: f64, p: &mut Vec<String>| {
            if !(0.0..=1.0).contains(&v) {
                p.push(format!("{name} = {v} must be a fraction between 0 and 1 (0.9 = 90%)"));
            }
        };
        if let Some(v) = self.min_pass_rate {
            rate("min_pass_rate", v, &mut p);
        }
        for (id, v) in &self.min_criterion {
            rate(&format!("min_criterion.{id}"), *v, &mut p);
        }
        if let Some(v) = self.min_score
            && !(0.0..=100.0).contains(&v)
        {
            p.push(format!("min_score = {v} must be between 0 and 100"));
        }
        if let Some(v) = self.max_drop
            && (v.is_nan() || v < 0.0)
        {
            p.push(format!("max_drop = {v} must be a non-negative number of points"));
        }
        for (key, v) in &self.max_metric {
            if let Err(e) = split_metric_key(key) {
                p.push(e);
            }
            if !v.is_finite() {
                p.push(format!("max_metric.{key} = {v} must be a number"));
            }
        }
        p
    }

    /// Overrides these thresholds with the ones set in `other`.
    pub fn merge(&mut self, other: &Thresholds) {
        self.min_score = other.min_score.or(self.min_score);
        self.min_pass_rate = other.min_pass_rate.or(self.min_pass_rate);
        self.max_auto_fail = other.max_auto_fail.or(self.max_auto_fail);
        self.max_errors = other.max_errors.or(self.max_errors);
        self.max_drop = other.max_drop.or(self.max_drop);
        self.baseline = other.baseline.clone().or(self.baseline.take());
        self.allow_empty |= other.allow_empty;
        self.allow_rubric_change |= other.allow_rubric_change;
        for (k, v) in &other.min_criterion {
            self.min_criterion.insert(k.clone(), *v);
        }
        for (k, v) in &other.max_metric {
            self.max_metric.insert(k.clone(), *v);
        }
    }
}

/// `silence_max_s:p90` → (metric, percentile); the message lists what is valid.
pub fn split_metric_key(key: &str) -> Result<(crate::timing::Metric, &str), String> {
    let (name, pct) = key.split_once(':').unwrap_or((key, ""));
    let metric = crate::timing::Metric::from_name(name)
        .ok_or_else(|| format!("unknown timing metric `{name}`; expected one of {}", crate::timing::Metric::names()))?;
    match pct {
        "p50" | "p90" => Ok((metric, pct)),
        _ => Err(format!("`{key}` needs a percentile: {name}:p50 or {name}:p90")),
    }
}

/// A call whose verdict changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flip {
    /// Call id.
    pub call_id: String,
    /// Source in the new run.
    pub source: String,
    /// Score before.
    pub old_score: Option<f64>,
    /// Score now.
    pub new_score: Option<f64>,
    /// The new run's most severe finding (for pass → fail).
    pub top_finding: Option<String>,
}

/// A finding code that appeared in (or disappeared from) a call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeChange {
    /// Call id.
    pub call_id: String,
    /// Finding code.
    pub code: String,
    /// A message of that code in the run where it occurs.
    pub message: String,
}

/// The difference between a baseline and a new run, matched by call id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// Mean score before and now.
    pub mean_score: (Option<f64>, Option<f64>),
    /// Pass rate before and now.
    pub pass_rate: (Option<f64>, Option<f64>),
    /// Calls that passed before and fail now.
    pub pass_to_fail: Vec<Flip>,
    /// Calls that failed before and pass now.
    pub fail_to_pass: Vec<Flip>,
    /// Codes that appeared in a call.
    pub new_findings: Vec<CodeChange>,
    /// Codes that went away from a call.
    pub resolved_findings: Vec<CodeChange>,
    /// Calls only in the baseline.
    pub removed_calls: Vec<String>,
    /// Calls only in the new run.
    pub added_calls: Vec<String>,
}

fn top(c: &CallResult) -> Option<String> {
    crate::report::markdown::top_finding(c)
}

fn codes(c: &CallResult) -> BTreeMap<&str, &str> {
    let mut m = BTreeMap::new();
    for f in &c.findings {
        m.entry(f.code.as_str()).or_insert(f.message.as_str());
    }
    m
}

/// Compares `old` with `new` by call id.
pub fn diff(old: &Results, new: &Results) -> Diff {
    let old_calls: BTreeMap<&str, &CallResult> = old.calls.iter().map(|c| (c.call_id.as_str(), c)).collect();
    let new_calls: BTreeMap<&str, &CallResult> = new.calls.iter().map(|c| (c.call_id.as_str(), c)).collect();
    let mut d = Diff {
        mean_score: (old.aggregate.score.as_ref().map(|s| s.mean), new.aggregate.score.as_ref().map(|s| s.mean)),
        pass_rate: (old.aggregate.pass_rate, new.aggregate.pass_rate),
        pass_to_fail: Vec::new(),
        fail_to_pass: Vec::new(),
        new_findings: Vec::new(),
        resolved_findings: Vec::new(),
        removed_calls: old_calls.keys().filter(|k| !new_calls.contains_key(*k)).map(|k| k.to_string()).collect(),
        added_calls: new_calls.keys().filter(|k| !old_calls.contains_key(*k)).map(|k| k.to_string()).collect(),
    };
    for (id, n) in &new_calls {
        let Some(o) = old_calls.get(id) else { continue };
        let flip = Flip {
            call_id: id.to_string(),
            source: n.source.clone(),
            old_score: o.score,
            new_score: n.score,
            top_finding: top(n),
        };
        match (o.verdict, n.verdict) {
            (Verdict::Pass, Verdict::Fail) => d.pass_to_fail.push(flip),
            (Verdict::Fail, Verdict::Pass) => d.fail_to_pass.push(flip),
            _ => {}
        }
        let (oc, nc) = (codes(o), codes(n));
        let (ok, nk): (BTreeSet<&str>, BTreeSet<&str>) = (oc.keys().copied().collect(), nc.keys().copied().collect());
        for code in nk.difference(&ok) {
            d.new_findings.push(CodeChange {
                call_id: id.to_string(),
                code: code.to_string(),
                message: nc[code].to_string(),
            });
        }
        for code in ok.difference(&nk) {
            d.resolved_findings.push(CodeChange {
                call_id: id.to_string(),
                code: code.to_string(),
                message: oc[code].to_string(),
            });
        }
    }
    d
}

/// One threshold and whether it held.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// Whether it held.
    pub ok: bool,
    /// Actual value against the bar.
    pub detail: String,
}

/// The gate's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// True when every check held.
    pub held: bool,
    /// Every check, in a fixed order.
    pub checks: Vec<Check>,
    /// The comparison with the baseline, when one was given.
    pub diff: Option<Diff>,
}

fn pct(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |v| format!("{:.1}%", v * 100.0))
}

/// What differs between the rubric `baseline` was scored with and the one of `results`
/// (`"version 1 → 2"`), or `None` when they are the same.
pub fn rubric_change(baseline: &Results, results: &Results) -> Option<String> {
    let (old, new) = (&baseline.rubric, &results.rubric);
    let mut changes = Vec::new();
    if old.id != new.id {
        changes.push(format!("id {} → {}", old.id, new.id));
    }
    if old.version != new.version {
        changes.push(format!("version {} → {}", old.version, new.version));
    }
    (!changes.is_empty()).then(|| changes.join(", "))
}

/// Why a gate cannot compare `results` with `baseline` (exit 2, not a failed gate): the baseline
/// was scored with another rubric and the thresholds do not allow it.
pub fn refuse_baseline(results: &Results, t: &Thresholds, baseline: &Results) -> Option<String> {
    let change = rubric_change(baseline, results)?;
    (!t.allow_rubric_change).then(|| {
        format!(
            "the baseline was scored with another rubric ({change}): its scores are not comparable; \
             pass --allow-rubric-change to compare anyway"
        )
    })
}

/// Applies the thresholds to `results` (and compares with `baseline`).
///
/// A run with no evaluated call fails unless [`Thresholds::allow_empty`]; a rubric change
/// allowed by [`Thresholds::allow_rubric_change`] is listed among the checks (call
/// [`refuse_baseline`] first to refuse one that is not allowed).
pub fn check(results: &Results, t: &Thresholds, baseline: Option<&Results>) -> Outcome {
    let a = &results.aggregate;
    let mean = a.score.as_ref().map(|s| s.mean);
    let mut checks = Vec::new();
    // Every threshold holds vacuously on nothing; an empty run is shown only when it is one.
    if a.calls == 0 {
        checks.push(Check {
            name: "evaluated calls".into(),
            ok: t.allow_empty,
            detail: if t.allow_empty {
                "0 (allowed by --allow-empty)".into()
            } else {
                "0: nothing was evaluated (pass --allow-empty if an empty run may pass)".into()
            },
        });
    }
    if let Some(change) = baseline.and_then(|b| rubric_change(b, results)) {
        checks.push(Check {
            name: "baseline rubric".into(),
            ok: true,
            detail: format!("changed: {change} (allowed by --allow-rubric-change)"),
        });
    }
    if let Some(min) = t.min_score {
        checks.push(Check {
            name: "mean score".into(),
            ok: mean.is_some_and(|m| m + 1e-9 >= min),
            detail: format!("{} (min {min:.1})", mean.map_or("n/a".into(), |m| format!("{m:.1}"))),
        });
    }
    if let Some(min) = t.min_pass_rate {
        checks.push(Check {
            name: "pass rate".into(),
            ok: a.pass_rate.is_some_and(|r| r + 1e-9 >= min),
            detail: format!("{} (min {})", pct(a.pass_rate), pct(Some(min))),
        });
    }
    if let Some(max) = t.max_auto_fail {
        checks.push(Check {
            name: "auto-fails".into(),
            ok: a.auto_failed <= max,
            detail: format!("{} (max {max})", a.auto_failed),
        });
    }
    if let Some(max) = t.max_errors {
        checks.push(Check {
            name: "input errors".into(),
            ok: a.errors <= max,
            detail: format!("{} (max {max})", a.errors),
        });
    }
    for (id, min) in &t.min_criterion {
        let rate = a.criteria.iter().find(|c| &c.id == id).and_then(|c| c.pass_rate);
        checks.push(Check {
            name: format!("criterion {id} pass rate"),
            ok: rate.is_some_and(|r| r + 1e-9 >= *min),
            detail: format!("{} (min {})", pct(rate), pct(Some(*min))),
        });
    }
    for (key, max) in &t.max_metric {
        let Ok((metric, pct)) = split_metric_key(key) else { continue };
        let stats = a.timing.as_ref().and_then(|tm| tm.metric(metric.name()));
        let value = stats.map(|m| if pct == "p50" { m.p50 } else { m.p90 });
        checks.push(Check {
            name: format!("{} {pct}", metric.name()),
            // No call with timestamps: the bound cannot be checked, which is not a pass.
            ok: value.is_some_and(|v| v <= max + 1e-9),
            detail: match value {
                Some(v) => format!("{v} (max {max})"),
                None => format!("n/a: no call has timestamps (max {max})"),
            },
        });
    }
    let diff = baseline.map(|b| diff(b, results));
    if let (Some(d), Some(max)) = (&diff, t.max_drop) {
        if let (Some(o), Some(n)) = d.mean_score {
            checks.push(Check {
                name: "mean score drop".into(),
                ok: o - n <= max + 1e-9,
                detail: format!("{o:.1} → {n:.1} ({} points, max drop {max:.1})", signed1(n - o)),
            });
        }
        if let (Some(o), Some(n)) = d.pass_rate {
            let drop = (o - n) * 100.0;
            checks.push(Check {
                name: "pass rate drop".into(),
                ok: drop <= max + 1e-9,
                detail: format!("{} → {} ({} points, max drop {max:.1})", pct(Some(o)), pct(Some(n)), signed1(-drop)),
            });
        }
    }
    Outcome { held: checks.iter().all(|c| c.ok), checks, diff }
}

/// Writes the diff as plain text (for `compare` and the gate).
pub fn write_diff(d: &Diff, out: &mut dyn Write) -> io::Result<()> {
    let f = |x: Option<f64>| x.map_or("n/a".into(), |v| format!("{v:.1}"));
    writeln!(out, "mean score: {} → {}", f(d.mean_score.0), f(d.mean_score.1))?;
    writeln!(out, "pass rate:  {} → {}", pct(d.pass_rate.0), pct(d.pass_rate.1))?;
    let list = |title: &str, flips: &[Flip], out: &mut dyn Write| -> io::Result<()> {
        if flips.is_empty() {
            return Ok(());
        }
        writeln!(out, "{title} ({}):", flips.len())?;
        for x in flips {
            writeln!(
                out,
                "  {} ({}) {} → {}  {}",
                x.call_id,
                x.source,
                f(x.old_score),
                f(x.new_score),
                x.top_finding.as_deref().unwrap_or("")
            )?;
        }
        Ok(())
    };
    list("pass → fail", &d.pass_to_fail, out)?;
    list("fail → pass", &d.fail_to_pass, out)?;
    if !d.new_findings.is_empty() {
        writeln!(out, "new findings ({}):", d.new_findings.len())?;
        for c in &d.new_findings {
            writeln!(out, "  {} {}: {}", c.call_id, c.code, c.message)?;
        }
    }
    if !d.resolved_findings.is_empty() {
        writeln!(out, "resolved findings ({}):", d.resolved_findings.len())?;
        for c in &d.resolved_findings {
            writeln!(out, "  {} {}: {}", c.call_id, c.code, c.message)?;
        }
    }
    if !d.added_calls.is_empty() {
        writeln!(out, "calls only in the new run: {}", d.added_calls.join(", "))?;
    }
    if !d.removed_calls.is_empty() {
        writeln!(out, "calls only in the baseline: {}", d.removed_calls.join(", "))?;
    }
    Ok(())
}

/// Writes the gate outcome as plain text.
pub fn write_outcome(o: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    for c in &o.checks {
        writeln!(out, "{} {}: {}", if c.ok { "ok  " } else { "FAIL" }, c.name, c.detail)?;
    }
    if let Some(d) = &o.diff {
        write_diff(d, out)?;
    }
    writeln!(out, "gate {}", if o.held { "held" } else { "FAILED" })
}

/// Writes the gate outcome as Markdown (appended to `summary.md`).
pub fn write_markdown(o: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    use crate::report::markdown::cell;
    writeln!(out, "\n### Gate: {}\n", if o.held { "held ✅" } else { "FAILED ❌" })?;
    if !o.checks.is_empty() {
        writeln!(out, "| check | result | value |\n|---|---|---|")?;
        for c in &o.checks {
            writeln!(out, "| {} | {} | {} |", cell(&c.name), if c.ok { "ok" } else { "**fail**" }, cell(&c.detail))?;
        }
    }
    if let Some(d) = &o.diff {
        write_diff_markdown(d, out)?;
    }
    Ok(())
}

/// Writes the diff as Markdown, without a verdict (`callqa compare --format markdown`, and
/// the baseline part of the gate's Markdown): mean score and pass rate before and after, then
/// every flipped call, changed finding and added or removed call.
pub fn write_diff_markdown(d: &Diff, out: &mut dyn Write) -> io::Result<()> {
    use crate::report::escape::md_code;
    use crate::report::markdown::cell;
    let score = |x: Option<f64>| x.map_or("n/a".into(), |v| format!("{v:.1}"));
    let change = |o: Option<f64>, n: Option<f64>, scale: f64, unit: &str| match (o, n) {
        (Some(o), Some(n)) => format!("{}{unit}", signed1((n - o) * scale)),
        _ => "n/a".to_string(),
    };
    writeln!(out, "\n### Compared with the baseline\n")?;
    writeln!(out, "| | baseline | now | change |\n|---|---:|---:|---:|")?;
    writeln!(
        out,
        "| mean score | {} | {} | {} |",
        score(d.mean_score.0),
        score(d.mean_score.1),
        change(d.mean_score.0, d.mean_score.1, 1.0, "")
    )?;
    writeln!(
        out,
        "| pass rate | {} | {} | {} |",
        pct(d.pass_rate.0),
        pct(d.pass_rate.1),
        change(d.pass_rate.0, d.pass_rate.1, 100.0, " points")
    )?;
    let flips = |title: &str, flips: &[Flip], out: &mut dyn Write| -> io::Result<()> {
        if flips.is_empty() {
            return Ok(());
        }
        writeln!(out, "\n**{title} ({}):**\n", flips.len())?;
        for x in flips {
            writeln!(
                out,
                "- {} ({}) {} → {}{}",
                md_code(&x.call_id),
                cell(&x.source),
                score(x.old_score),
                score(x.new_score),
                x.top_finding.as_deref().map_or(String::new(), |t| format!(": {}", cell(t)))
            )?;
        }
        Ok(())
    };
    flips("Pass → fail", &d.pass_to_fail, out)?;
    flips("Fail → pass", &d.fail_to_pass, out)?;
    let codes = |title: &str, changes: &[CodeChange], out: &mut dyn Write| -> io::Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        writeln!(out, "\n**{title} ({}):**\n", changes.len())?;
        for c in changes {
            writeln!(out, "- {} {}: {}", md_code(&c.call_id), cell(&c.code), cell(&c.message))?;
        }
        Ok(())
    };
    codes("New findings", &d.new_findings, out)?;
    codes("Resolved findings", &d.resolved_findings, out)?;
    let ids = |v: &[String]| v.iter().map(|i| md_code(i)).collect::<Vec<_>>().join(", ");
    if !d.added_calls.is_empty() {
        writeln!(out, "\nCalls only in the new run: {}", ids(&d.added_calls))?;
    }
    if !d.removed_calls.is_empty() {
        writeln!(out, "\nCalls only in the baseline: {}", ids(&d.removed_calls))?;
    }
    if d.pass_to_fail.is_empty()
        && d.fail_to_pass.is_empty()
        && d.new_findings.is_empty()
        && d.resolved_findings.is_empty()
        && d.added_calls.is_empty()
        && d.removed_calls.is_empty()
    {
        writeln!(out, "\nNo call changed its verdict or findings.")?;
    }
    Ok(())
}
