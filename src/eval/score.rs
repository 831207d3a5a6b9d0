//! Scoring: findings → criterion scores → the weighted call score, auto-fail and verdict.

use super::result::{CriterionResult, Finding, Verdict};
use crate::rubric::compile::CriterionSettings;
use crate::rubric::model::{Penalties, Severity};

/// Points a finding takes off its criterion.
pub fn penalty(p: &Penalties, s: Severity) -> f64 {
    match s {
        Severity::Critical => p.critical,
        Severity::Major => p.major,
        Severity::Minor => p.minor,
        Severity::Info => p.info,
    }
}

/// Score of a rule-based criterion: 100 less the penalties of its findings (a critical
/// finding also fails the criterion and auto-fails the call, whatever its penalty).
pub fn from_findings(p: &Penalties, findings: &[&Finding]) -> f64 {
    (100.0 - findings.iter().map(|f| penalty(p, f.severity)).sum::<f64>()).clamp(0.0, 100.0)
}

/// Builds a criterion result from its score (None = not applicable).
pub fn criterion(id: &str, s: &CriterionSettings, score: Option<f64>, findings: &[&Finding]) -> CriterionResult {
    let critical = findings.iter().any(|f| f.severity == Severity::Critical);
    CriterionResult {
        id: id.to_string(),
        score: score.map(round1),
        passed: score.map(|v| v + 1e-9 >= s.pass_score && !critical),
        weight: s.weight,
        findings: findings.len(),
    }
}

/// The call-level outcome.
pub struct CallScore {
    /// Weighted mean over applicable, weighted criteria.
    pub score: Option<f64>,
    /// A critical finding in a verdict-affecting criterion.
    pub auto_fail: bool,
    /// The verdict.
    pub verdict: Verdict,
}

/// Combines criterion results. N/A criteria are excluded (never counted as a pass).
pub fn call(criteria: &[(CriterionResult, &CriterionSettings)], findings: &[Finding], pass_score: f64) -> CallScore {
    let verdict_criteria: Vec<&str> =
        criteria.iter().filter(|(_, s)| s.affects_verdict).map(|(c, _)| c.id.as_str()).collect();
    let auto_fail =
        findings.iter().any(|f| f.severity == Severity::Critical && verdict_criteria.contains(&f.criterion.as_str()));
    let (mut sum, mut weights) = (0.0, 0.0);
    for (c, s) in criteria {
        if let (Some(v), true) = (c.score, s.affects_verdict) {
            sum += v * s.weight;
            weights += s.weight;
        }
    }
    let score = (weights > 0.0).then(|| round1(sum / weights));
    let any_failed = criteria.iter().any(|(c, s)| s.affects_verdict && c.passed == Some(false));
    let pass = !auto_fail && !any_failed && score.is_some_and(|v| v + 1e-9 >= pass_score);
    CallScore { score, auto_fail, verdict: if pass { Verdict::Pass } else { Verdict::Fail } }
}

/// Rounds to one decimal so output is stable.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
