//! The general rule types of the rubric language, run against an analyzed call. Each type is
//! a small function; criteria are compositions of the rules that name them.

use super::context::{CallContext, CueMatch};
use super::result::Finding;
use crate::rubric::compile::{CompiledRule, Target};
use crate::rubric::model::RuleKind;
use crate::text::similarity::Prepared;

/// What one rule produced for one call.
#[derive(Debug, Default)]
pub struct RuleOutcome {
    /// Whether the rule applied to this call (a `respond` rule whose trigger never fired did not).
    pub applicable: bool,
    /// Its findings.
    pub findings: Vec<Finding>,
}

/// Runs `rule` on the call.
pub fn run(ctx: &CallContext, rule: &CompiledRule) -> RuleOutcome {
    if !rule.applies_when.is_empty() && !rule.applies_when.iter().any(|&s| ctx.signal_fired(s)) {
        // A rule that fires is always applicable, even without its usual context.
        let out = run_kind(ctx, rule);
        return RuleOutcome { applicable: !out.findings.is_empty(), findings: out.findings };
    }
    run_kind(ctx, rule)
}

fn run_kind(ctx: &CallContext, rule: &CompiledRule) -> RuleOutcome {
    match rule.kind {
        RuleKind::Forbid => forbid(ctx, rule),
        RuleKind::Require => require(ctx, rule),
        RuleKind::Respond => respond(ctx, rule),
        RuleKind::Claims => claims(ctx, rule),
        RuleKind::TurnLength => turn_length(ctx, rule),
        RuleKind::Repetition => repetition(ctx, rule),
        // Judged per customer question by `eval::answers`, which needs the other rules' findings.
        RuleKind::Answer => RuleOutcome::default(),
        // Judged on the call's timing by `eval::timing`.
        RuleKind::Timing => RuleOutcome::default(),
    }
}

/// Where the rule's target matches turn `t`.
fn target_match(ctx: &CallContext, rule: &CompiledRule, t: usize) -> Option<CueMatch> {
    match &rule.target {
        Target::Cues(c) => ctx.matches(c, t),
        Target::Signal(s) => ctx.signals[*s].iter().find(|(turn, _)| *turn == t).map(|(_, m)| *m),
        Target::None => None,
    }
}

/// Fills a message template: `{name}` becomes the value of `name` (unknown names stay as they are).
/// One pass over the template, so a value that itself holds `{…}` is never filled again.
pub(crate) fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let var = after.find('}').and_then(|close| {
            let name = &after[..close];
            vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v, close))
        });
        match var {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

pub(crate) fn finding(
    ctx: &CallContext,
    rule: &CompiledRule,
    t: usize,
    span: [usize; 2],
    excerpt: String,
    vars: &[(&str, &str)],
) -> Finding {
    let turn = t.to_string();
    let mut all: Vec<(&str, &str)> = vec![("excerpt", &excerpt), ("turn", &turn)];
    all.extend_from_slice(vars);
    let _ = ctx;
    Finding {
        code: rule.code.clone(),
        criterion: rule.criterion.clone(),
        severity: rule.severity,
        turn: t,
        span,
        message: fill(&rule.message, &all),
        excerpt,
        rule: rule.id.clone(),
        help: rule.help.clone(),
        at_s: None,
    }
}

fn forbid(ctx: &CallContext, rule: &CompiledRule) -> RuleOutcome {
    let turns = ctx.turns_of(rule.role);
    let after_from = if rule.after.is_empty() {
        Some(0)
    } else {
        rule.after.iter().filter_map(|&s| ctx.first_signal(s)).min().map(|t| t + 1)
    };
    let Some(after_from) = after_from else {
        return RuleOutcome::default();
    };
    let unless_from = rule.unless.iter().filter_map(|&s| ctx.first_signal(s)).min();
    let mut out = RuleOutcome { applicable: !turns.is_empty(), findings: Vec::new() };
    for t in turns.into_iter().filter(|&t| t >= after_from) {
        if unless_from.is_some_and(|u| u <= t) {
            continue;
        }
        if let Some(m) = target_match(ctx, rule, t) {
            let (span, excerpt) = ctx.evidence(t, m.start, m.end);
            out.findings.push(finding(ctx, rule, t, span, excerpt.clone(), &[("phrase", &excerpt)]));
        }
    }
    out
}

fn require(ctx: &CallContext, rule: &CompiledRule) -> RuleOutcome {
    let mut turns = ctx.turns_of(rule.role);
    if let Some(n) = rule.first {
        turns.truncate(n);
    }
    if let Some(n) = rule.last {
        let skip = turns.len().saturating_sub(n);
        turns.drain(..skip);
    }
    let Some(&anchor) = turns.first() else {
        return RuleOutcome::default();
    };
    if turns.iter().any(|&t| target_match(ctx, rule, t).is_some()) {
        return RuleOutcome { applicable: true, findings: Vec::new() };
    }
    // Nothing matched: the evidence is the window where the line was due.
    let anchor = if rule.last.is_some() { *turns.last().unwrap_or(&anchor) } else { anchor };
    let (span, excerpt) = ctx.whole_turn(anchor);
    RuleOutcome { applicable: true, findings: vec![finding(ctx, rule, anchor, span, excerpt, &[])] }
}

fn respond(ctx: &CallContext, rule: &CompiledRule) -> RuleOutcome {
    let Some(trigger) = rule.trigger else {
        return RuleOutcome::default();
    };
    let occurrences = &ctx.signals[trigger];
    let mut out = RuleOutcome { applicable: !occurrences.is_empty(), findings: Vec::new() };
    let responder_turns = ctx.turns_of(rule.role);
    let mut reported_turns = Vec::new();
    for &(t, m) in occurrences {
        let mut window: Vec<usize> = Vec::new();
        if rule.same_turn && ctx.role_matches(rule.role, t) {
            window.push(t);
        }
        window.extend(responder_turns.iter().copied().filter(|&r| r > t).take(rule.within));
        if let Some(expect) = &rule.expect
            && !window.iter().any(|&r| ctx.matches(expect, r).is_some())
        {
            let (span, excerpt) = ctx.evidence(t, m.start, m.end);
            out.findings.push(finding(ctx, rule, t, span, excerpt.clone(), &[("trigger", &excerpt)]));
        }
        if let Some(forbid) = &rule.forbid {
            let (_, trigger_excerpt) = ctx.evidence(t, m.start, m.end);
            for &r in &window {
                if reported_turns.contains(&r) {
                    continue;
                }
                if let Some(hit) = ctx.matches(forbid, r) {
                    reported_turns.push(r);
                    let (span, excerpt) = ctx.evidence(r, hit.start, hit.end);
                    out.findings.push(finding(
                        ctx,
                        rule,
                        r,
                        span,
                        excerpt.clone(),
                        &[("phrase", &excerpt), ("trigger", &trigger_excerpt)],
                    ));
                }
            }
        }
    }
    out
}

fn claims(ctx: &CallContext, rule: &CompiledRule) -> RuleOutcome {
    let turns = ctx.turns_of(rule.role);
    let mut out = RuleOutcome { applicable: !turns.is_empty(), findings: Vec::new() };
    let exempt = match &rule.target {
        Target::Cues(c) => Some(c),
        _ => None,
    };
    for t in turns {
        let text = &ctx.turns[t].text;
        for n in &text.numbers {
            if !rule.units.contains(&n.unit) {
                continue;
            }
            let approved = ctx.rubric.facts.iter().any(|f| f.unit == n.unit && (f.value - n.value).abs() < 1e-6);
            if approved {
                continue;
            }
            // Context that makes a number not a claim (现在有两分钟吗 asks for time).
            if let Some(c) = exempt {
                let clause = text.clauses.iter().find(|&&(a, b)| a <= n.start && n.start < b).copied();
                if let (Some((a, b)), Some(m)) = (clause, ctx.matches(c, t))
                    && m.start < b
                    && m.end > a
                {
                    continue;
                }
            }
            let (span, excerpt) = ctx.evidence(t, n.start, n.end);
            let value = format!("{}{}", trim_float(n.value), n.unit);
            out.findings.push(finding(ctx, rule, t, span, excerpt, &[("value", &value), ("phrase", &value)]));
        }
    }
    out
}

fn trim_float(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

fn turn_length(ctx: &CallContext, rule: &CompiledRule) -> RuleOutcome {
    let turns = ctx.turns_of(rule.role);
    let mut out = RuleOutcome { applicable: !turns.is_empty(), findings: Vec::new() };
    let limit = rule.max_chars.to_string();
    for t in turns {
        let n = ctx.transcript.turns[t].text.chars().count();
        if n > rule.max_chars {
            let (span, excerpt) = ctx.whole_turn(t);
            let len = n.to_string();
            out.findings.push(finding(ctx, rule, t, span, excerpt, &[("limit", &limit), ("value", &len)]));
        }
    }
    out
}

fn repetition(ctx: &CallContext, rule: &CompiledRule) -> RuleOutcome {
    let turns = ctx.turns_of(rule.role);
    let mut out = RuleOutcome { applicable: !turns.is_empty(), findings: Vec::new() };
    // Each turn is prepared once (its normalized text already exists); pairs whose lengths
    // cannot reach the bar are skipped without comparing bigrams.
    let prepared: Vec<Prepared> =
        turns.iter().map(|&t| Prepared::from_normalized(&ctx.turns[t].text.norm.chars)).collect();
    for (i, &t) in turns.iter().enumerate() {
        if ctx.turns[t].text.norm.len() < rule.min_chars {
            continue;
        }
        let p = &prepared[i];
        let earlier = (0..i).find(|&j| {
            p.max_similarity(&prepared[j]) >= rule.min_similarity && p.similarity(&prepared[j]) >= rule.min_similarity
        });
        if let Some(j) = earlier {
            let (span, excerpt) = ctx.whole_turn(t);
            let prev = turns[j].to_string();
            out.findings.push(finding(ctx, rule, t, span, excerpt, &[("value", &prev)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_known_placeholders_only() {
        assert_eq!(
            fill("在第{turn}轮说了「{excerpt}」{x}", &[("turn", "3"), ("excerpt", "保证")]),
            "在第3轮说了「保证」{x}"
        );
        // A value is inserted as it is: an excerpt quoting `{turn}` is not filled again.
        assert_eq!(fill("「{excerpt}」第{turn}轮", &[("excerpt", "{turn}"), ("turn", "3")]), "「{turn}」第3轮");
        assert_eq!(fill("{{turn}} {turn", &[("turn", "3")]), "{3} {turn");
        assert_eq!(fill("", &[("turn", "3")]), "");
    }

    #[test]
    fn floats_print_without_trailing_zeros() {
        assert_eq!(trim_float(59.0), "59");
        assert_eq!(trim_float(99.5), "99.5");
    }
}
