//! The end condition a call reached, decided from the rubric's signals in priority order.

use super::context::CallContext;
use super::result::Finding;

/// The reached end condition: its index in the rubric (None = no condition held, reported as
/// `none`) and the turn of the decisive signal.
pub struct Ending {
    /// Index into the rubric's end conditions.
    pub index: Option<usize>,
    /// Id (`none` when no condition held).
    pub id: String,
    /// Turn where the last of its signals fired.
    pub turn: Option<usize>,
}

/// Decides the end condition: the first, in rubric order, whose signals hold.
pub fn decide(ctx: &CallContext) -> Ending {
    for (i, e) in ctx.rubric.ends.iter().enumerate() {
        let all_ok = e.all.iter().all(|&s| ctx.signal_fired(s));
        let any_ok = e.any.is_empty() || e.any.iter().any(|&s| ctx.signal_fired(s));
        let none_ok = !e.none.iter().any(|&s| ctx.signal_fired(s));
        let state_ok = ctx.holds_at_end(&e.when);
        if all_ok && any_ok && none_ok && state_ok {
            let turn = e.all.iter().chain(&e.any).filter_map(|&s| ctx.first_signal(s)).max();
            return Ending { index: Some(i), id: e.id.clone(), turn };
        }
    }
    Ending { index: None, id: "none".into(), turn: None }
}

/// The steps the reached ending requires (every step when it does not say).
pub fn required_steps(ctx: &CallContext, ending: &Ending) -> Vec<usize> {
    ending
        .index
        .and_then(|i| ctx.rubric.ends[i].required_steps.clone())
        .unwrap_or_else(|| (0..ctx.rubric.steps.len()).collect())
}

/// The finding the reached end condition is itself, if the rubric gives it one (a call that
/// reached no valid end: cut off, dropped, voicemail). Its evidence is the call's last turn.
pub fn finding(ctx: &CallContext, ending: &Ending) -> Option<Finding> {
    let f = ctx.rubric.ends.get(ending.index?)?.finding.as_ref()?;
    let last = ctx.turns.len().checked_sub(1)?;
    let (span, excerpt) = ctx.whole_turn(last);
    Some(Finding {
        code: f.code.clone(),
        criterion: "ending".into(),
        severity: f.severity,
        turn: last,
        span,
        message: super::rules::fill(&f.message, &[("end", &ending.id)]),
        excerpt,
        rule: format!("end_conditions.{}", ending.id),
        help: f.help.clone(),
        at_s: None,
    })
}
