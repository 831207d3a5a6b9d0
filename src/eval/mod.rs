//! Evaluation: an analyzed call and the compiled rubric → per-turn annotations, per-criterion
//! scores, findings with evidence, the call score and the verdict.
//!
//! `steps` ([`steps`]) and the end condition ([`ending`]) have logic of their own; every other
//! criterion (`style`, `overpromise`, `privacy`, `ending`'s rules, `customer_style`) is the
//! composition of the rubric rules that name it ([`rules`]), scored by [`score`]. `answers`
//! ([`answers`]) judges each customer question against the rubric's knowledge base and feeds
//! its `answer` rules.

pub mod answers;
pub mod context;
pub mod ending;
pub mod result;
pub mod rules;
pub mod score;
pub mod steps;
pub mod timing;

use crate::rubric::compile::CompiledRubric;
use crate::transcript::Transcript;
use context::CallContext;
use result::{CallResult, Finding, TurnResult};
use std::collections::BTreeSet;

/// Evaluates one call against the rubric.
pub fn evaluate(rubric: &CompiledRubric, transcript: &Transcript) -> CallResult {
    let ctx = CallContext::new(rubric, transcript);
    let ending = ending::decide(&ctx);
    let required = ending::required_steps(&ctx, &ending);
    let steps_out = steps::evaluate(&ctx, &required);

    let mut findings: Vec<Finding> = steps_out.findings;
    findings.extend(ending::finding(&ctx, &ending));
    let mut applicable: BTreeSet<&str> = BTreeSet::new();
    let mut has_rules: BTreeSet<&str> = BTreeSet::new();
    let timing = crate::timing::measure(transcript);
    for rule in &rubric.rules {
        has_rules.insert(rule.criterion.as_str());
        let out = match rule.kind {
            crate::rubric::model::RuleKind::Timing => timing::run(&ctx, rule, timing.as_ref()),
            _ => rules::run(&ctx, rule),
        };
        if out.applicable {
            applicable.insert(rule.criterion.as_str());
        }
        findings.extend(out.findings);
    }
    let answers_out = answers::evaluate(&ctx);
    applicable.extend(answers_out.applicable.iter().map(String::as_str));
    findings.extend(answers_out.findings);
    findings.sort_by(|a, b| (a.turn, a.span, &a.code, &a.rule).cmp(&(b.turn, b.span, &b.code, &b.rule)));
    // One claim, one finding: the same code on the same characters is reported once. Missing
    // steps are not claims: each missing required step is its own finding, even when several
    // point at the same nearest turn.
    findings.dedup_by(|b, a| {
        a.code == b.code && a.turn == b.turn && a.span == b.span && (a.criterion != "steps" || a.rule == b.rule)
    });

    let has_agent = transcript.turns.iter().any(|t| t.role == crate::transcript::Role::Agent);
    let mut criteria = Vec::new();
    for (id, settings) in &rubric.criteria {
        let mine: Vec<&Finding> = findings.iter().filter(|f| &f.criterion == id).collect();
        let score = match id.as_str() {
            "steps" => has_agent.then(|| steps::score(&steps_out.steps, &findings, rubric.penalties.minor)),
            "ending" => has_agent.then(|| score::from_findings(&rubric.penalties, &mine)),
            other if has_rules.contains(other) => {
                applicable.contains(other).then(|| score::from_findings(&rubric.penalties, &mine))
            }
            _ => continue,
        };
        let mut result = score::criterion(id, settings, score, &mine);
        if id == "steps" && mine.iter().any(|f| f.code == steps::MISSING) {
            result.passed = result.passed.map(|_| false);
        }
        criteria.push((result, settings));
    }
    let call = score::call(&criteria, &findings, rubric.file.rubric.pass_score);

    let mut turns: Vec<TurnResult> = transcript
        .turns
        .iter()
        .enumerate()
        .map(|(i, t)| TurnResult {
            index: i,
            role: t.role,
            speaker: t.speaker.clone(),
            text: t.text.clone(),
            start: t.start,
            end: t.end,
            steps: Vec::new(),
            findings: Vec::new(),
        })
        .collect();
    for s in &steps_out.steps {
        if let Some(t) = s.turn {
            turns[t].steps.push(s.id.clone());
        }
    }
    for f in &findings {
        turns[f.turn].findings.push(f.code.clone());
    }

    CallResult {
        call_id: transcript.id.clone(),
        source: transcript.source.clone(),
        meta: transcript.meta.clone(),
        score: call.score,
        verdict: call.verdict,
        auto_fail: call.auto_fail,
        criteria: criteria.into_iter().map(|(c, _)| c).collect(),
        steps: steps_out.steps,
        end_condition: ending.id,
        end_turn: ending.turn,
        findings,
        questions: answers_out.questions,
        turns,
        roles: transcript.roles.clone(),
        role_confidence: crate::transcript::role_confidence(&transcript.roles),
        role_warning: crate::transcript::role_warning(&transcript.roles),
        timing,
    }
}
