//! The `timing` rule type: a finding when one of the call's timing figures
//! ([`crate::timing::Metric`]) is outside the rule's `min`–`max`. The finding points at the
//! turn and the moment that show the figure (the turn after the longest dead air, the slowest
//! reply, the agent's fastest turn …) with `at_s`. A call without timestamps has no timing, so
//! the rule is not applicable to it: never a pass by default.

use super::context::CallContext;
use super::result::Finding;
use super::rules::{RuleOutcome, finding};
use crate::rubric::compile::CompiledRule;
use crate::timing::{Metric, Timing};

/// Runs a `timing` rule on the call's timing (`None`: the call has no timestamps).
pub fn run(ctx: &CallContext, rule: &CompiledRule, timing: Option<&Timing>) -> RuleOutcome {
    let (Some(timing), Some(limit)) = (timing, rule.timing) else {
        return RuleOutcome::default();
    };
    let Some(value) = timing.get(limit.metric) else {
        // Timed, but without this figure (no agent reply to time): nothing to judge.
        return RuleOutcome::default();
    };
    let broken = match (limit.min, limit.max) {
        (_, Some(max)) if value > max => Some(max),
        (Some(min), _) if value < min => Some(min),
        _ => None,
    };
    let mut out = RuleOutcome { applicable: true, findings: Vec::new() };
    if let Some(bound) = broken {
        let evidence = timing.evidence(limit.metric).unwrap_or_default();
        // Timing spans are already in characters of the original text.
        let Some(turn) = ctx.transcript.turns.get(evidence.turn) else {
            return out;
        };
        let len = turn.text.chars().count();
        let span = [evidence.span[0].min(len), evidence.span[1].min(len)];
        let excerpt = super::context::excerpt(&turn.text, span[0], span[1]);
        let shown = format_value(limit.metric, value);
        let bound = format_value(limit.metric, bound);
        let at = clock(evidence.at_s);
        let vars = [
            ("value", shown.as_str()),
            ("limit", bound.as_str()),
            ("metric", limit.metric.name()),
            ("at", at.as_str()),
        ];
        let mut f: Finding = finding(ctx, rule, evidence.turn, span, excerpt, &vars);
        f.at_s = Some(evidence.at_s);
        out.findings.push(f);
    }
    out
}

/// A figure as messages show it: counts whole, rates whole, seconds with one decimal.
fn format_value(metric: Metric, v: f64) -> String {
    match metric {
        Metric::AgentOvertalkCount | Metric::CustomerOvertalkCount => format!("{}", v.round() as i64),
        Metric::AgentCharsPerMin | Metric::CustomerCharsPerMin => format!("{}", v.round() as i64),
        Metric::AgentTalkShare => format!("{}%", (v * 100.0).round() as i64),
        _ => {
            let s = format!("{v:.1}");
            s.strip_suffix(".0").map_or(s.clone(), str::to_string)
        }
    }
}

/// Seconds as `m:ss` (`at` in messages).
pub fn clock(secs: f64) -> String {
    let total = secs.max(0.0).round() as u64;
    format!("{}:{:02}", total / 60, total % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_clock() {
        assert_eq!(format_value(Metric::SilenceMaxS, 9.5), "9.5");
        assert_eq!(format_value(Metric::SilenceMaxS, 8.0), "8");
        assert_eq!(format_value(Metric::AgentCharsPerMin, 288.4), "288");
        assert_eq!(format_value(Metric::AgentTalkShare, 0.714), "71%");
        assert_eq!(clock(24.0), "0:24");
        assert_eq!(clock(125.4), "2:05");
    }
}
