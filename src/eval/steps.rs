//! The `steps` criterion: which script steps the agent covered, where, and in what order.

use super::context::{CallContext, CueMatch};
use super::result::{Finding, StepResult};
use crate::rubric::model::{RoleSel, Severity};

/// Code of a required step that was not covered.
pub const MISSING: &str = "SC001";
/// Code of a step performed clearly out of script order.
pub const OUT_OF_ORDER: &str = "SC002";

/// Coverage of every step plus the findings of the criterion.
pub struct StepsOutcome {
    /// Per step, in script order.
    pub steps: Vec<StepResult>,
    /// SC001 / SC002 findings.
    pub findings: Vec<Finding>,
}

/// Matches every step against the agent's turns. `required` lists the step indices the
/// reached end condition requires.
pub fn evaluate(ctx: &CallContext, required: &[usize]) -> StepsOutcome {
    let agent_turns = ctx.turns_of(RoleSel::Agent);
    let mut steps = Vec::with_capacity(ctx.rubric.steps.len());
    let mut findings = Vec::new();
    for (i, step) in ctx.rubric.steps.iter().enumerate() {
        let hit = cover(ctx, i);
        let is_required = required.contains(&i);
        match hit {
            Some((t, m)) => steps.push(StepResult {
                id: step.id.clone(),
                covered: true,
                turn: Some(t),
                confidence: round2(m.confidence),
                required: is_required,
                via: Some(m.via.as_str().to_string()),
                nearest_turn: None,
            }),
            None => {
                // The highest similarity, the earliest turn on ties.
                let nearest = ctx.nearest(&step.cues, &agent_turns);
                steps.push(StepResult {
                    id: step.id.clone(),
                    covered: false,
                    turn: None,
                    confidence: round2(nearest.map_or(0.0, |n| n.1)),
                    required: is_required,
                    via: None,
                    nearest_turn: nearest.map(|n| n.0),
                });
                if is_required {
                    // Evidence: the turn that came closest, or the last agent turn.
                    let t = nearest.map(|n| n.0).or(agent_turns.last().copied());
                    if let Some(t) = t {
                        let (span, excerpt) = ctx.whole_turn(t);
                        findings.push(Finding {
                            code: MISSING.into(),
                            criterion: "steps".into(),
                            severity: Severity::Major,
                            turn: t,
                            span,
                            excerpt,
                            message: format!(
                                "必需的话术步骤「{}」({}) 未覆盖；最接近的是第{}轮（相似度 {:.2}）",
                                step.title,
                                step.id,
                                t,
                                nearest.map_or(0.0, |n| n.1)
                            ),
                            rule: format!("steps.{}", step.id),
                            help: step.cues.models.first().cloned(),
                            at_s: None,
                        });
                    }
                }
            }
        }
    }
    findings.extend(order_findings(ctx, &steps));
    StepsOutcome { steps, findings }
}

/// The first agent turn of step `i`'s window (`first`/`last`) that its matcher matches and
/// where its `when` holds.
pub fn cover(ctx: &CallContext, i: usize) -> Option<(usize, CueMatch)> {
    let step = &ctx.rubric.steps[i];
    let agent_turns = ctx.turns_of(RoleSel::Agent);
    let mut window: &[usize] = &agent_turns;
    if let Some(n) = step.first {
        window = &window[..n.min(window.len())];
    }
    if let Some(n) = step.last {
        window = &window[window.len().saturating_sub(n)..];
    }
    window
        .iter()
        .filter(|&&t| ctx.turn_holds(&step.when, RoleSel::Agent, t))
        .find_map(|&t| ctx.matches(&step.cues, t).map(|m| (t, m)))
}

/// A step that comes two or more turns before a step the script puts ahead of it. Steps with
/// `ordered = false` have no place in the order: they neither jump nor are jumped.
fn order_findings(ctx: &CallContext, steps: &[StepResult]) -> Vec<Finding> {
    let mut out = Vec::new();
    let ordered = |i: usize| ctx.rubric.steps[i].ordered;
    for (i, later) in steps.iter().enumerate().filter(|(i, _)| ordered(*i)) {
        let Some(lt) = later.turn else { continue };
        let jumped = steps[..i]
            .iter()
            .enumerate()
            .filter(|(j, _)| ordered(*j))
            .map(|(_, s)| s)
            .find(|earlier| earlier.turn.is_some_and(|et| et >= lt + 2));
        if let Some(earlier) = jumped {
            let (span, excerpt) = ctx.whole_turn(lt);
            out.push(Finding {
                code: OUT_OF_ORDER.into(),
                criterion: "steps".into(),
                severity: Severity::Minor,
                turn: lt,
                span,
                excerpt,
                message: format!(
                    "步骤「{}」在第{}轮，早于话术中排在它前面的「{}」（第{}轮）",
                    later.id,
                    lt,
                    earlier.id,
                    earlier.turn.unwrap_or_default()
                ),
                rule: "steps.order".into(),
                help: None,
                at_s: None,
            });
        }
    }
    out
}

/// Rounds to two decimals so output is stable and readable.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The criterion score: the share of required steps covered, less the penalties of the
/// findings (missing steps are already counted by the share, so only order findings cost).
pub fn score(steps: &[StepResult], findings: &[Finding], minor_penalty: f64) -> f64 {
    let required: Vec<&StepResult> = steps.iter().filter(|s| s.required).collect();
    let optional: Vec<&StepResult> = steps.iter().filter(|s| !s.required).collect();
    let share = |v: &[&StepResult]| {
        if v.is_empty() { 1.0 } else { v.iter().filter(|s| s.covered).count() as f64 / v.len() as f64 }
    };
    // Required steps decide most of the score; the rest of the script adds the remainder.
    let base =
        if optional.is_empty() { 100.0 * share(&required) } else { 80.0 * share(&required) + 20.0 * share(&optional) };
    let order =
        findings.iter().filter(|f| f.criterion == "steps" && f.code == OUT_OF_ORDER).count() as f64 * minor_penalty;
    (base - order).clamp(0.0, 100.0)
}

#[cfg(test)]
mod tests {
    use crate::eval::result::CallResult;

    /// A script whose clarifying question has no place in the order unless `ordered` says so.
    fn order_codes(ordered: bool) -> Vec<String> {
        let rubric = format!(
            "[rubric]\nid = \"t\"\nversion = \"1\"\n[[steps]]\nid = \"greet\"\ncues = {{ any = [\"您好\"] }}\n[[steps]]\nid = \"clarify\"\nordered = {ordered}\ncues = {{ any = [\"请问\"] }}\n[[steps]]\nid = \"answer\"\ncues = {{ any = [\"查好了\"] }}\n"
        );
        let rubric = crate::rubric::from_str("t.toml", &rubric).unwrap();
        let engine = crate::Engine::new(rubric, crate::Options::default());
        let call = "坐席：您好\n客户：查话费\n坐席：查好了\n客户：哦\n坐席：嗯\n客户：那流量呢\n坐席：请问是哪个号码\n";
        let r = engine.score_bytes("call.txt", call.as_bytes()).remove(0).unwrap();
        r.findings.iter().filter(|f| f.criterion == "steps").map(|f| f.code.clone()).collect()
    }

    #[test]
    fn an_unordered_step_neither_jumps_nor_is_jumped() {
        assert_eq!(order_codes(true), vec![super::OUT_OF_ORDER.to_string()]);
        assert!(order_codes(false).is_empty());
    }

    /// A dental clinic's reminder call: three required steps, none of which the agent says.
    const CLINIC: &str = r#"
[rubric]
id = "clinic"
version = "1"

[roles]
agent = ["前台"]
customer = ["患者"]

[[steps]]
id = "confirm_time"
cues = { any = ["明天上午", "预约时间"] }

[[steps]]
id = "bring_card"
cues = { any = ["带上医保卡", "医保卡"] }

[[steps]]
id = "fasting"
cues = { any = ["空腹"] }
"#;

    fn score(call: &str) -> CallResult {
        let rubric = crate::rubric::from_str("clinic.toml", CLINIC).unwrap();
        let engine = crate::Engine::new(rubric, crate::Options::default());
        engine.score_bytes("call.txt", call.as_bytes()).remove(0).unwrap()
    }

    #[test]
    fn each_missing_required_step_is_its_own_finding() {
        // All three steps are missing and their nearest turn is the same one: three findings,
        // one per step, not one.
        let r = score("前台：您好，这里是城东口腔。\n患者：嗯。\n");
        let missing: Vec<&str> =
            r.findings.iter().filter(|f| f.code == super::MISSING).map(|f| f.rule.as_str()).collect();
        assert_eq!(missing, vec!["steps.bring_card", "steps.confirm_time", "steps.fasting"]);
        assert!(r.findings.iter().filter(|f| f.code == super::MISSING).all(|f| f.turn == 0));
        // One step said: the other two are still reported separately.
        let r = score("前台：您好，提醒您明天上午的预约时间。\n患者：好。\n");
        let missing: Vec<&str> =
            r.findings.iter().filter(|f| f.code == super::MISSING).map(|f| f.rule.as_str()).collect();
        assert_eq!(missing, vec!["steps.bring_card", "steps.fasting"]);
    }
}
