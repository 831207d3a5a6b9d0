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
        // A signal's turns are in order: a binary search, not a scan per turn (which made a
        // forbid rule quadratic in the turns).
        Target::Signal(s) => {
            let fired = &ctx.signals[*s];
            fired.binary_search_by_key(&t, |(turn, _)| *turn).ok().map(|i| fired[i].1)
        }
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
        if !ctx.holds(&rule.when, rule.role, t) {
            continue;
        }
        // Each occurrence is judged on its own: an exemption covers its clause, an approved
        // fact the claim it is attached to, and the first claim left is the finding.
        let hit = match &rule.target {
            Target::Cues(c) => ctx.occurrences(c, t).into_iter().find(|m| {
                !(rule.exempt_approved && (attached_to_fact(ctx, t, m.start, m.end) || names_topic(ctx, t, m.start)))
            }),
            _ => target_match(ctx, rule, t),
        };
        let hit = hit.or_else(|| step_match(ctx, rule, t));
        if let Some(m) = hit {
            let (span, excerpt) = ctx.evidence(t, m.start, m.end);
            // The exit the turn falls under, for messages of rules that run `when` it pends.
            let trigger =
                ctx.dialogue.exit_pending[t].map(|e| ctx.evidence(e.turn, e.start, e.end).1).unwrap_or_default();
            out.findings.push(finding(
                ctx,
                rule,
                t,
                span,
                excerpt.clone(),
                &[("phrase", &excerpt), ("trigger", &trigger)],
            ));
        }
    }
    out
}

/// Where turn `t` covers one of the rule's `steps` (its cues or model lines), outside the
/// clauses the rule's `none` exempts.
fn step_match(ctx: &CallContext, rule: &CompiledRule, t: usize) -> Option<CueMatch> {
    let exempt = match &rule.target {
        Target::Cues(c) => Some(c),
        _ => None,
    };
    rule.steps.iter().find_map(|&s| {
        let m = ctx.matches(&ctx.rubric.steps[s].cues, t)?;
        let clause = ctx.turns[t].text.clause_at(m.start);
        let exempted = exempt.is_some_and(|c| ctx.none_in(c, t, clause));
        (!exempted).then_some(m)
    })
}

/// Whether the claim at normalized `[start, end)` of turn `t` is attached to an approved fact:
/// the claim with the word after it is part of a fact's wording (绝不 + 断网 in 月底绝不断网,
/// 最低 + 只要), or its clause states a fact's number right after it and that fact's wording
/// uses the claimed term (最低五十九块 where the fact says 最低只要59元). 全网最低 is attached to
/// nothing: no fact's wording says it.
fn attached_to_fact(ctx: &CallContext, t: usize, start: usize, end: usize) -> bool {
    let text = &ctx.turns[t].text;
    let chars = &text.norm.chars;
    let claim = &chars[start..end];
    // The clause up to punctuation (a space before **59元** does not end it).
    let Some(clause_end) =
        crate::text::question::units(text).into_iter().find(|u| u.start <= start && start < u.end).map(|u| u.end)
    else {
        return false;
    };
    let next_word_end = text.tokens.iter().find(|tok| tok.start >= end).map_or(end, |tok| tok.end).min(clause_end);
    let with_next = &chars[start..next_word_end];
    let says = |wording: &[char], part: &[char]| !part.is_empty() && wording.windows(part.len()).any(|w| w == part);
    if next_word_end > end && ctx.rubric.facts.iter().any(|f| says(&f.wording, with_next)) {
        return true;
    }
    // A number within a few content characters after the claim, in the same clause (最低只要59元,
    // 最低仅需 **59元**: markup and spaces do not count).
    const NEAR: usize = 4;
    let gap = |n_start: usize| chars[end..n_start].iter().filter(|c| c.is_alphanumeric()).count();
    text.numbers.iter().filter(|n| n.start >= end && n.start < clause_end && gap(n.start) <= NEAR).any(|n| {
        ctx.rubric.facts.iter().any(|f| {
            (n.unit.is_empty() || f.unit == n.unit) && (f.value - n.value).abs() < 1e-6 && says(&f.wording, claim)
        })
    })
}

/// Topic markers: a clause ending in one only names what the agent talks about next (返现积分这块
/// 我们有老客户福利, 全网最低的话), it claims nothing itself.
const TOPIC_MARKERS: &[&str] = &["这块", "这一块", "这个", "这方面", "方面", "的话", "来说", "而言"];

/// Whether the clause holding normalized `start` of turn `t` only names a topic.
fn names_topic(ctx: &CallContext, t: usize, start: usize) -> bool {
    let text = &ctx.turns[t].text;
    let Some((_, end)) = text.clause_at(start) else { return false };
    let clause: String = text.norm.chars[start..end].iter().collect();
    let clause = clause.trim_end_matches(['呢', '吧', '啊', ' ']);
    TOPIC_MARKERS.iter().any(|m| clause.ends_with(m))
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
    let mut reported_turns = std::collections::HashSet::new();
    for &(t, m) in occurrences {
        let mut window: Vec<usize> = Vec::new();
        if rule.same_turn && ctx.role_matches(rule.role, t) {
            window.push(t);
        }
        // The responder's next turns: found by binary search, so each trigger costs
        // log n + `within`, not a walk over every turn before it.
        let next = responder_turns.partition_point(|&r| r <= t);
        window.extend(responder_turns[next..].iter().copied().take(rule.within));
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
                if let Some(hit) = ctx.occurrences(forbid, r).into_iter().next() {
                    reported_turns.insert(r);
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
            if number_exempt(ctx, rule, t, n.start) {
                continue;
            }
            let (span, excerpt) = ctx.evidence(t, n.start, n.end);
            let value = format!("{}{}", trim_float(n.value), n.unit);
            out.findings.push(finding(ctx, rule, t, span, excerpt, &[("value", &value), ("phrase", &value)]));
        }
    }
    out
}

/// Whether the `claims` rule's context cues say the number at normalized `start` of turn `t` is
/// not a claim (现在有两分钟吗 asks for time, 耽误您一分钟 is the length of this call): its cues
/// match in the number's clause.
pub(crate) fn number_exempt(ctx: &CallContext, rule: &CompiledRule, t: usize, start: usize) -> bool {
    let Target::Cues(c) = &rule.target else { return false };
    let text = &ctx.turns[t].text;
    let clause = text.clauses.iter().find(|&&(a, b)| a <= start && start < b).copied();
    matches!((clause, ctx.matches(c, t)), (Some((a, b)), Some(m)) if m.start < b && m.end > a)
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

/// Sentence ends: a repetition is judged sentence by sentence, so a line said again inside a
/// longer turn is seen.
fn sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?' | '；' | ';' | '\n')
}

/// The sentences of normalized characters, as ranges (split at sentence ends, spaces trimmed).
fn sentences(chars: &[char]) -> Vec<(usize, usize)> {
    crate::text::question::split_trimmed(chars, sentence_end)
}

/// How many earlier sentences of the role a sentence is compared with for near-repetition.
/// Comparing with every earlier sentence made the rule quadratic (a 20k-turn call spent most of
/// its 12 s here); an agent repeating itself does so within a stretch of the call (256 sentences
/// is well over any whole call of the fixtures), and an identical sentence is found however far
/// back it is.
pub const REPETITION_WINDOW: usize = 256;

fn repetition(ctx: &CallContext, rule: &CompiledRule) -> RuleOutcome {
    let turns = ctx.turns_of(rule.role);
    let mut out = RuleOutcome { applicable: !turns.is_empty(), findings: Vec::new() };
    // Every sentence long enough to count, prepared once: (turn, prepared).
    let mut said: Vec<(usize, Prepared)> = Vec::new();
    // The first sentence with each exact content, for repeats further back than the window.
    let mut first_with: std::collections::HashMap<Vec<char>, usize> = std::collections::HashMap::new();
    for &t in &turns {
        let chars = &ctx.turns[t].text.norm.chars;
        let mut reported = false;
        for (a, b) in sentences(chars) {
            let p = Prepared::from_normalized(&chars[a..b]);
            if p.len() < rule.min_chars {
                continue;
            }
            let i = said.len();
            if !reported {
                let identical = first_with.get(p.content()).copied();
                // Pairs whose lengths cannot reach the bar are skipped without comparing bigrams.
                let near = |j: &usize| {
                    let q = &said[*j].1;
                    p.max_similarity(q) >= rule.min_similarity && p.similarity(q) >= rule.min_similarity
                };
                // The earliest match: an identical sentence before the window, else the earliest in it.
                let window = i.saturating_sub(REPETITION_WINDOW)..i;
                let earlier = match identical {
                    Some(j) if j < window.start && near(&j) => Some(j),
                    _ => window.into_iter().find(near),
                };
                if let Some(j) = earlier {
                    let (span, excerpt) = ctx.evidence(t, a, b);
                    let prev = said[j].0.to_string();
                    out.findings.push(finding(ctx, rule, t, span, excerpt, &[("value", &prev)]));
                    reported = true;
                }
            }
            first_with.entry(p.content().to_vec()).or_insert(i);
            said.push((t, p));
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
