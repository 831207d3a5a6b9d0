//! The aggregate over a batch: counts, score distribution, the step funnel, per-criterion pass
//! rates, findings by code, end conditions and the worst calls — overall and per group.
//!
//! It is a pure function of the calls and errors, so partial results (shards) merge into exactly
//! the aggregate of one run over everything: merge the calls, then recompute.

use crate::error::InputError;
use crate::eval::result::{CallResult, Verdict};
use crate::rubric::model::Severity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Score distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreStats {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub median: f64,
    /// 10th percentile (nearest rank).
    pub p10: f64,
    /// 90th percentile (nearest rank).
    pub p90: f64,
    /// Lowest.
    pub min: f64,
    /// Highest.
    pub max: f64,
}

/// One histogram bin `[from, to)` (the last bin includes 100).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    /// Lower bound.
    pub from: f64,
    /// Upper bound.
    pub to: f64,
    /// Calls in the bin.
    pub count: usize,
}

/// Coverage of one step over the batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepCoverage {
    /// Step id.
    pub id: String,
    /// Calls that covered it.
    pub covered: usize,
    /// Share of evaluated calls (0–1).
    pub rate: f64,
}

/// Pass counts of one criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionStats {
    /// Criterion id.
    pub id: String,
    /// Calls where it passed.
    pub passed: usize,
    /// Calls where it failed.
    pub failed: usize,
    /// Calls where it did not apply.
    pub na: usize,
    /// passed / (passed + failed), null when it never applied.
    pub pass_rate: Option<f64>,
}

/// How often a finding code occurred.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeCount {
    /// Finding code.
    pub code: String,
    /// Severity.
    pub severity: Severity,
    /// Findings.
    pub count: usize,
    /// Calls with at least one.
    pub calls: usize,
}

/// How often an end condition was reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndCount {
    /// End condition id.
    pub id: String,
    /// Calls.
    pub count: usize,
}

/// A customer question the knowledge base has no entry for, and how often it was asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnmatchedQuestion {
    /// The asking clause, normalized only by trimming surrounding punctuation and spaces.
    pub text: String,
    /// Calls that asked it.
    pub count: usize,
}

/// One of the lowest-scoring calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorstCall {
    /// Call id.
    pub call_id: String,
    /// Source.
    pub source: String,
    /// Score.
    pub score: Option<f64>,
    /// Verdict.
    pub verdict: Verdict,
    /// The most severe finding's code.
    pub top_code: Option<String>,
    /// Its message.
    pub top_message: Option<String>,
}

/// The aggregate of a batch (or of one group of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    /// Calls evaluated.
    pub calls: usize,
    /// Calls that passed.
    pub passed: usize,
    /// Calls that failed.
    pub failed: usize,
    /// Records that could not be read.
    pub errors: usize,
    /// Records read = calls + errors.
    pub read: usize,
    /// passed / calls, null without calls.
    pub pass_rate: Option<f64>,
    /// Calls auto-failed by a critical finding.
    pub auto_failed: usize,
    /// Score distribution over calls with a score.
    pub score: Option<ScoreStats>,
    /// Ten bins of ten points.
    pub histogram: Vec<Bin>,
    /// Step coverage in script order (a funnel).
    pub steps: Vec<StepCoverage>,
    /// Per criterion.
    pub criteria: Vec<CriterionStats>,
    /// Findings by code, most frequent first.
    pub findings: Vec<CodeCount>,
    /// End conditions, most frequent first.
    pub end_conditions: Vec<EndCount>,
    /// The ten lowest-scoring calls.
    pub worst: Vec<WorstCall>,
    /// The most frequent customer questions no knowledge-base entry matched (at most 20): what
    /// to add to the knowledge base next.
    #[serde(default)]
    pub unmatched_questions: Vec<UnmatchedQuestion>,
    /// Timing percentiles over the calls with timestamps (absent when no call has any).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub timing: Option<TimingStats>,
    /// Per value of the `--group-by` field, in value order (empty without grouping).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub groups: Vec<Group>,
}

/// The aggregate of the calls sharing one value of a meta field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// The meta field.
    pub field: String,
    /// Its value (`(none)` when a call lacks the field).
    pub value: String,
    /// The aggregate of these calls (errors are not attributed to groups).
    pub aggregate: Aggregate,
}

/// Percentiles of one timing metric over the timed calls of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricStats {
    /// The metric's name (`silence_max_s`).
    pub metric: String,
    /// Calls that have it.
    pub calls: usize,
    /// Median (nearest rank).
    pub p50: f64,
    /// 90th percentile (nearest rank).
    pub p90: f64,
}

/// Timing over a batch: how many calls had timestamps and the percentiles of each metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimingStats {
    /// Calls with timestamps.
    pub calls: usize,
    /// Per metric, in [`crate::timing::Metric::ALL`] order (metrics no call has are left out).
    pub metrics: Vec<MetricStats>,
}

impl TimingStats {
    /// The percentiles of the metric named `name`.
    pub fn metric(&self, name: &str) -> Option<&MetricStats> {
        self.metrics.iter().find(|m| m.metric == name)
    }
}

/// How many worst calls are listed.
const WORST: usize = 10;

/// Rounds to four decimals (rates) so output is stable.
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn nearest_rank(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil().max(1.0) as usize;
    sorted[rank.min(n) - 1]
}

fn stats(scores: &mut [f64]) -> Option<ScoreStats> {
    if scores.is_empty() {
        return None;
    }
    scores.sort_by(f64::total_cmp);
    let n = scores.len();
    let median = if n % 2 == 1 { scores[n / 2] } else { (scores[n / 2 - 1] + scores[n / 2]) / 2.0 };
    Some(ScoreStats {
        mean: round1(scores.iter().sum::<f64>() / n as f64),
        median: round1(median),
        p10: nearest_rank(scores, 10.0),
        p90: nearest_rank(scores, 90.0),
        min: scores[0],
        max: scores[n - 1],
    })
}

fn histogram(scores: &[f64]) -> Vec<Bin> {
    let mut bins: Vec<Bin> =
        (0..10).map(|i| Bin { from: f64::from(i) * 10.0, to: f64::from(i + 1) * 10.0, count: 0 }).collect();
    for &s in scores {
        let i = ((s / 10.0).floor() as usize).min(9);
        bins[i].count += 1;
    }
    bins
}

fn severity_rank(s: Severity) -> u8 {
    match s {
        Severity::Critical => 0,
        Severity::Major => 1,
        Severity::Minor => 2,
        Severity::Info => 3,
    }
}

/// Computes the aggregate of `calls` and `errors`; `group_by` adds per-group aggregates.
pub fn aggregate(calls: &[CallResult], errors: &[InputError], group_by: Option<&str>) -> Aggregate {
    let mut acc = Accumulator::new(group_by);
    for c in calls {
        acc.add(&CallSummary::of(c, group_by));
    }
    acc.finish(errors.len())
}

/// What the aggregate needs of one call: small enough to keep for every call of a huge batch
/// while the calls themselves are written out and dropped ([`Accumulator`]).
#[derive(Debug, Clone)]
pub struct CallSummary {
    passed: bool,
    auto_fail: bool,
    score: Option<f64>,
    /// `(step id, covered)` in the call's order.
    steps: Vec<(String, bool)>,
    /// `(criterion id, passed)` in the call's order.
    criteria: Vec<(String, Option<bool>)>,
    /// `(code, severity)` of every finding.
    findings: Vec<(String, Severity)>,
    end_condition: String,
    /// Set for a failed call: its entry in the list of the worst calls.
    worst: Option<WorstCall>,
    /// Distinct unmatched questions, as they are counted.
    questions: Vec<String>,
    /// Value of the group-by field.
    group: Option<String>,
    /// The call's timing figures (empty without timestamps).
    timing: Vec<(crate::timing::Metric, f64)>,
}

impl CallSummary {
    /// Summarizes `c` (`group_by`: the meta field calls are grouped by, if any).
    pub fn of(c: &CallResult, group_by: Option<&str>) -> CallSummary {
        let worst = (c.verdict == Verdict::Fail).then(|| {
            let top = c.findings.iter().min_by_key(|f| (severity_rank(f.severity), f.turn));
            WorstCall {
                call_id: c.call_id.clone(),
                source: c.source.clone(),
                score: c.score,
                verdict: c.verdict,
                top_code: top.map(|f| f.code.clone()),
                top_message: top.map(|f| f.message.clone()),
            }
        });
        let mut questions: Vec<String> = Vec::new();
        for q in c.questions.iter().filter(|q| q.status == crate::rubric::model::QuestionStatus::Unmatched) {
            let Some(turn) = c.turns.get(q.turn) else { continue };
            let text: String = turn.text.chars().skip(q.span[0]).take(q.span[1].saturating_sub(q.span[0])).collect();
            let text = text.trim_matches(|ch: char| {
                ch.is_whitespace() || ch.is_ascii_punctuation() || "，。！？、；：…".contains(ch)
            });
            if !text.is_empty() && !questions.iter().any(|s| s == text) {
                questions.push(text.to_string());
            }
        }
        CallSummary {
            passed: c.verdict == Verdict::Pass,
            auto_fail: c.auto_fail,
            score: c.score,
            steps: c.steps.iter().map(|s| (s.id.clone(), s.covered)).collect(),
            criteria: c.criteria.iter().map(|x| (x.id.clone(), x.passed)).collect(),
            findings: c.findings.iter().map(|f| (f.code.clone(), f.severity)).collect(),
            end_condition: c.end_condition.clone(),
            worst,
            questions,
            group: group_by.map(|field| c.meta.get(field).cloned().unwrap_or_else(|| "(none)".to_string())),
            timing: c.timing.as_ref().map_or_else(Vec::new, |t| {
                crate::timing::Metric::ALL.iter().filter_map(|&m| t.get(m).map(|v| (m, v))).collect()
            }),
        }
    }
}

/// Builds the aggregate one call at a time, so a batch can be aggregated while its calls are
/// streamed out; gives exactly [`aggregate`] of the same calls.
#[derive(Debug, Default)]
pub struct Accumulator {
    group_by: Option<String>,
    all: Tally,
    groups: BTreeMap<String, Tally>,
}

impl Accumulator {
    /// An empty accumulator; `group_by` adds per-group aggregates.
    pub fn new(group_by: Option<&str>) -> Accumulator {
        Accumulator { group_by: group_by.map(str::to_string), ..Accumulator::default() }
    }

    /// Adds one call.
    pub fn add(&mut self, call: &CallSummary) {
        self.all.add(call);
        if self.group_by.is_some() {
            let value = call.group.clone().unwrap_or_else(|| "(none)".to_string());
            self.groups.entry(value).or_default().add(call);
        }
    }

    /// The aggregate of the calls added, with `errors` records that could not be read.
    pub fn finish(self, errors: usize) -> Aggregate {
        let mut agg = self.all.finish(errors);
        if let Some(field) = &self.group_by {
            agg.groups = self
                .groups
                .into_iter()
                .map(|(value, t)| Group { field: field.clone(), value, aggregate: t.finish(0) })
                .collect();
        }
        agg
    }
}

/// Running counts of one aggregate.
#[derive(Debug, Default)]
struct Tally {
    calls: usize,
    passed: usize,
    auto_failed: usize,
    scores: Vec<f64>,
    /// Steps and criteria in the order the rubric gives them (first call that lists them).
    steps: Vec<StepCoverage>,
    criteria: Vec<CriterionStats>,
    codes: BTreeMap<(String, u8), CodeCount>,
    ends: BTreeMap<String, usize>,
    /// The failed calls with the lowest scores so far, in rank order, at most [`WORST`].
    worst: Vec<WorstCall>,
    asked: BTreeMap<String, usize>,
    timed: usize,
    timing: BTreeMap<crate::timing::Metric, Vec<f64>>,
}

/// Rank of a worst-call candidate: lowest score first (no score last), then source, then id.
fn worst_order(a: &WorstCall, b: &WorstCall) -> std::cmp::Ordering {
    let (sa, sb) = (a.score.unwrap_or(f64::INFINITY), b.score.unwrap_or(f64::INFINITY));
    sa.total_cmp(&sb).then_with(|| a.source.cmp(&b.source)).then_with(|| a.call_id.cmp(&b.call_id))
}

impl Tally {
    fn add(&mut self, c: &CallSummary) {
        self.calls += 1;
        self.passed += usize::from(c.passed);
        self.auto_failed += usize::from(c.auto_fail);
        self.scores.extend(c.score);
        for (id, covered) in &c.steps {
            let i = match self.steps.iter().position(|x| &x.id == id) {
                Some(i) => i,
                None => {
                    self.steps.push(StepCoverage { id: id.clone(), covered: 0, rate: 0.0 });
                    self.steps.len() - 1
                }
            };
            self.steps[i].covered += usize::from(*covered);
        }
        for (id, passed) in &c.criteria {
            let i = match self.criteria.iter().position(|x| &x.id == id) {
                Some(i) => i,
                None => {
                    self.criteria.push(CriterionStats { id: id.clone(), passed: 0, failed: 0, na: 0, pass_rate: None });
                    self.criteria.len() - 1
                }
            };
            match passed {
                Some(true) => self.criteria[i].passed += 1,
                Some(false) => self.criteria[i].failed += 1,
                None => self.criteria[i].na += 1,
            }
        }
        let mut seen: Vec<&str> = Vec::new();
        for (code, severity) in &c.findings {
            let e = self.codes.entry((code.clone(), severity_rank(*severity))).or_insert_with(|| CodeCount {
                code: code.clone(),
                severity: *severity,
                count: 0,
                calls: 0,
            });
            e.count += 1;
            if !seen.contains(&code.as_str()) {
                seen.push(code);
                e.calls += 1;
            }
        }
        *self.ends.entry(c.end_condition.clone()).or_default() += 1;
        if let Some(w) = &c.worst {
            let at = self.worst.partition_point(|x| worst_order(x, w) != std::cmp::Ordering::Greater);
            if at < WORST {
                self.worst.insert(at, w.clone());
                self.worst.truncate(WORST);
            }
        }
        for q in &c.questions {
            *self.asked.entry(q.clone()).or_default() += 1;
        }
        if !c.timing.is_empty() {
            self.timed += 1;
            for &(m, v) in &c.timing {
                self.timing.entry(m).or_default().push(v);
            }
        }
    }

    fn finish(mut self, errors: usize) -> Aggregate {
        let calls = self.calls;
        let histogram = histogram(&self.scores);
        let score = stats(&mut self.scores);
        for s in &mut self.steps {
            s.rate = if calls == 0 { 0.0 } else { round4(s.covered as f64 / calls as f64) };
        }
        for c in &mut self.criteria {
            let judged = c.passed + c.failed;
            c.pass_rate = (judged > 0).then(|| round4(c.passed as f64 / judged as f64));
        }
        let mut findings: Vec<CodeCount> = self.codes.into_values().collect();
        // Most severe first, then most frequent: a frequent info code must not head the list.
        findings.sort_by(|a, b| {
            a.severity.cmp(&b.severity).then_with(|| b.count.cmp(&a.count)).then_with(|| a.code.cmp(&b.code))
        });
        let mut end_conditions: Vec<EndCount> =
            self.ends.into_iter().map(|(id, count)| EndCount { id, count }).collect();
        end_conditions.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
        let mut unmatched_questions: Vec<UnmatchedQuestion> =
            self.asked.into_iter().map(|(text, count)| UnmatchedQuestion { text, count }).collect();
        unmatched_questions.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
        unmatched_questions.truncate(20);
        let timing = (self.timed > 0).then(|| TimingStats {
            calls: self.timed,
            metrics: self
                .timing
                .into_iter()
                .map(|(m, mut values)| {
                    values.sort_by(f64::total_cmp);
                    MetricStats {
                        metric: m.name().to_string(),
                        calls: values.len(),
                        p50: nearest_rank(&values, 50.0),
                        p90: nearest_rank(&values, 90.0),
                    }
                })
                .collect(),
        });
        Aggregate {
            timing,
            unmatched_questions,
            calls,
            passed: self.passed,
            failed: calls - self.passed,
            errors,
            read: calls + errors,
            pass_rate: (calls > 0).then(|| round4(self.passed as f64 / calls as f64)),
            auto_failed: self.auto_failed,
            score,
            histogram,
            steps: self.steps,
            criteria: self.criteria,
            findings,
            end_conditions,
            worst: self.worst,
            groups: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let mut s: Vec<f64> = (1..=10).map(f64::from).collect();
        let st = stats(&mut s).unwrap();
        assert_eq!((st.p10, st.median, st.p90, st.mean), (1.0, 5.5, 9.0, 5.5));
    }

    #[test]
    fn histogram_puts_100_in_the_last_bin() {
        let h = histogram(&[0.0, 9.9, 10.0, 100.0]);
        assert_eq!(h[0].count, 2);
        assert_eq!(h[1].count, 1);
        assert_eq!(h[9].count, 1);
    }

    #[test]
    fn empty_batch_has_no_rates() {
        let a = aggregate(&[], &[], None);
        assert_eq!((a.calls, a.pass_rate, a.score.is_none()), (0, None, true));
    }
}
