//! The dialogue layer: what each turn *does* and where the call stands, between text analysis
//! and evaluation.
//!
//! Per turn it reads acts that matter to any script — a question, a go-ahead (你说, 简单说), a
//! "must go" said of now or of later ([`acts`]) — and takes the acts the rubric's signals declare
//! (`act = "leave" | "refuse" | "contact_given" | "contact_ask"`). Over the turns it keeps a
//! small state: whether the customer's exit is pending or was waived, and when a contact was
//! captured. Rules and end conditions ask for these states with `when`; signals with an act are
//! filtered through them (a "must go" said of later is not one; a contact "request" after the
//! contact was given is only one when it asks again).
//!
//! Busy is a state, not a word: a customer who says they must go and then asks a question or says
//! "go ahead" has waived it — and when that is their very next turn, the agent turn in between was
//! accepted too (the agent went on, the customer went along).

pub mod acts;

use crate::rubric::model::{DialogueState, SignalAct};
use crate::text::segment::Analyzed;
use crate::transcript::Role;

/// One act the rubric's signals declared: its turn, normalized range and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActAt {
    /// Turn index.
    pub turn: usize,
    /// Normalized start.
    pub start: usize,
    /// Normalized end.
    pub end: usize,
    /// Which act.
    pub act: SignalAct,
}

/// The customer's exit (a `leave` or `refuse` act) that a turn falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit {
    /// Turn of the exit act.
    pub turn: usize,
    /// Normalized range of the act in that turn.
    pub start: usize,
    /// End of that range.
    pub end: usize,
    /// A `leave` (must go) rather than a `refuse`.
    pub leave: bool,
}

/// Where the call stands, turn by turn.
#[derive(Debug, Default)]
pub struct Dialogue {
    /// Per turn: the customer's exit pending while that turn is spoken (agent turns only).
    pub exit_pending: Vec<Option<Exit>>,
    /// The exit still pending when the call ended.
    pub exit_at_end: Option<Exit>,
    /// The customer's "must go" still pending when the call ended, whatever they refused since
    /// (I must go → no WeChat, call me Wednesday is still a busy ending).
    pub leave_at_end: Option<Exit>,
    /// The first turn where the customer gave a contact.
    pub contact_captured: Option<usize>,
    /// Per turn: a customer request (a `request` act) is open once the turn's acts are
    /// counted — opened at or before it and not resolved since (a turn that resolves it is
    /// closed, one that opens it is open).
    pub request_open: Vec<bool>,
    /// Per turn: the turn asks a real question ([`acts::question`]).
    pub question: Vec<bool>,
}

impl Dialogue {
    /// Builds the state from the analyzed turns, their roles and the declared acts (each act
    /// already filtered: `leave` only when said of now).
    pub fn new(turns: &[&Analyzed], roles: &[Role], declared: &[ActAt]) -> Dialogue {
        let n = turns.len();
        let mut d = Dialogue { exit_pending: vec![None; n], ..Dialogue::default() };
        d.contact_captured = declared.iter().filter(|a| a.act == SignalAct::ContactGiven).map(|a| a.turn).min();
        let exit_in = |t: usize| {
            declared
                .iter()
                .filter(|a| a.turn == t && matches!(a.act, SignalAct::Leave | SignalAct::Refuse))
                .min_by_key(|a| a.start)
                .map(|a| Exit { turn: t, start: a.start, end: a.end, leave: a.act == SignalAct::Leave })
        };
        d.question = turns.iter().map(|a| acts::question(a).is_some()).collect();
        d.request_open = request_states(n, declared);
        let mut pending: Option<Exit> = None;
        let mut leave: Option<Exit> = None;
        // Whether the customer has spoken since the pending exit (their first reaction decides
        // whether the agent's turns in between were accepted).
        let mut reacted = false;
        for t in 0..n {
            match roles[t] {
                Role::Customer => {
                    let waiver = [acts::question(turns[t]), acts::go_ahead(turns[t])].into_iter().flatten().min();
                    let exit = exit_in(t);
                    // A later turn that asks on or says go ahead: the customer is staying.
                    if leave.is_some_and(|l| l.turn < t) && waiver.is_some() && exit.is_none() {
                        leave = None;
                    }
                    if let (Some(p), Some(w)) = (pending, waiver)
                        && exit.is_none_or(|e| e.start > w)
                    {
                        if !reacted {
                            for slot in &mut d.exit_pending[p.turn + 1..t] {
                                *slot = None;
                            }
                        }
                        pending = None;
                        leave = None;
                    }
                    if let Some(e) = exit {
                        // Said and taken back in one turn: 我在忙，你简单说 / 说吧，我还得赶报告 /
                        // 我要开会了，多少钱？ (a go-ahead anywhere, a question after it).
                        let waived_here =
                            acts::go_ahead(turns[t]).is_some() || acts::question(turns[t]).is_some_and(|q| q > e.start);
                        // A leave repeated while one pends (我真得进会了) keeps the first: the
                        // episode started there. A go-ahead in the same turn (我马上要进会了，你长话
                        // 短说) lets the agent go on briefly, but the customer is still leaving.
                        if e.leave && leave.is_none() {
                            leave = Some(e);
                        }
                        if !waived_here {
                            pending = Some(e);
                            reacted = false;
                            continue;
                        }
                    }
                    if pending.is_some() {
                        reacted = true;
                    }
                }
                Role::Agent => d.exit_pending[t] = pending,
            }
        }
        d.exit_at_end = pending;
        // Said once the contact was captured, "I'm busy" only closes a call that reached its
        // purpose; busy ends the call when it cut the script short.
        d.leave_at_end = leave.filter(|l| d.contact_captured.is_none_or(|c| l.turn <= c));
        d
    }

    /// Whether `state` holds during turn `t` (for rules).
    pub fn holds_at(&self, state: DialogueState, t: usize) -> bool {
        let exit = self.exit_pending.get(t).copied().flatten();
        match state {
            DialogueState::ExitPending => exit.is_some(),
            DialogueState::Leaving => exit.is_some_and(|e| e.leave),
            DialogueState::RequestOpen => self.request_open.get(t).copied().unwrap_or(false),
        }
    }

    /// Whether `state` holds when the call ends (for end conditions).
    pub fn holds_at_end(&self, state: DialogueState) -> bool {
        match state {
            DialogueState::Leaving => self.leave_at_end.is_some(),
            DialogueState::ExitPending => self.exit_at_end.is_some(),
            DialogueState::RequestOpen => self.request_open.last().copied().unwrap_or(false),
        }
    }
}

/// Per turn, whether a request is open after the turn's acts: a `request` opens one, a
/// `resolve` closes all; in a turn with both, the later one (by position) decides.
fn request_states(n: usize, declared: &[ActAt]) -> Vec<bool> {
    let mut open = false;
    (0..n)
        .map(|t| {
            let last = declared
                .iter()
                .filter(|a| a.turn == t && matches!(a.act, SignalAct::Request | SignalAct::Resolve))
                .max_by_key(|a| a.start);
            if let Some(a) = last {
                open = a.act == SignalAct::Request;
            }
            open
        })
        .collect()
}

/// Whether a signal occurrence of `act` at normalized `[start, end)` of a turn counts as the act:
/// a `leave` only when said of now, a `contact_ask` after the contact was captured only when it
/// asks again (我待会儿加您微信把资料发过去 is not a new request).
pub fn act_counts(act: SignalAct, a: &Analyzed, start: usize, end: usize, after_capture: bool) -> bool {
    match act {
        SignalAct::Leave => acts::leave_now(a, start, end),
        SignalAct::ContactAsk if after_capture => acts::asks_at(a, start),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::segment::Analyzer;

    fn build(lines: &[(Role, &str)], leave_at: &[usize]) -> Dialogue {
        let an = Analyzer::new(&[]);
        let analyzed: Vec<Analyzed> = lines.iter().map(|(_, t)| an.analyze(t)).collect();
        let refs: Vec<&Analyzed> = analyzed.iter().collect();
        let roles: Vec<Role> = lines.iter().map(|(r, _)| *r).collect();
        let declared: Vec<ActAt> =
            leave_at.iter().map(|&t| ActAt { turn: t, start: 0, end: 1, act: SignalAct::Leave }).collect();
        Dialogue::new(&refs, &roles, &declared)
    }

    #[test]
    fn an_exit_pends_until_the_customer_goes_along() {
        use Role::{Agent as A, Customer as C};
        let d = build(
            &[(A, "您好"), (C, "我要开会了"), (A, "再耽误您半分钟"), (C, "我真要开会了"), (A, "就一句"), (C, "嗯")],
            &[1, 3],
        );
        assert!(d.exit_pending[2].is_some() && d.exit_pending[4].is_some());
        assert!(d.holds_at_end(DialogueState::Leaving));
    }

    #[test]
    fn a_question_or_go_ahead_next_waives_the_exit_and_accepts_the_turn_between() {
        use Role::{Agent as A, Customer as C};
        let d = build(
            &[(A, "您好"), (C, "我这边赶报告呢"), (A, "最近有个新套餐"), (C, "行，你说，说重点。"), (A, "首月半价")],
            &[1],
        );
        assert_eq!(d.exit_pending, vec![None; 5]);
        assert!(!d.holds_at_end(DialogueState::ExitPending));
        let d = build(&[(A, "您好"), (C, "我要开会了"), (A, "就一分钟"), (C, "多少钱？")], &[1]);
        assert!(d.exit_pending[2].is_none());
    }

    #[test]
    fn a_request_stays_open_until_it_is_resolved() {
        let at = |turn, start, act| ActAt { turn, start, end: start + 1, act };
        let declared = [
            at(1, 0, SignalAct::Request),
            at(3, 4, SignalAct::Resolve),
            at(4, 0, SignalAct::Request),
            at(5, 0, SignalAct::Request),
            at(5, 6, SignalAct::Resolve),
            at(6, 0, SignalAct::Request),
        ];
        assert_eq!(request_states(7, &declared), vec![false, true, true, false, true, false, true]);
        let an = Analyzer::new(&[]);
        let analyzed: Vec<Analyzed> =
            ["您好", "我想查话费", "稍等", "查好了，还有别的吗？"].iter().map(|t| an.analyze(t)).collect();
        let refs: Vec<&Analyzed> = analyzed.iter().collect();
        let roles = [Role::Agent, Role::Customer, Role::Agent, Role::Agent];
        let d = Dialogue::new(&refs, &roles, &[at(1, 0, SignalAct::Request)]);
        assert!(d.holds_at(DialogueState::RequestOpen, 2) && d.holds_at_end(DialogueState::RequestOpen));
        assert_eq!(d.question, vec![false, false, false, true]);
    }

    #[test]
    fn a_later_waiver_does_not_excuse_earlier_pitching() {
        use Role::{Agent as A, Customer as C};
        let d = build(
            &[
                (A, "您好"),
                (C, "我要开会了"),
                (A, "就一分钟"),
                (C, "嗯"),
                (A, "还有免流"),
                (C, "那多少钱？"),
                (A, "59元"),
            ],
            &[1],
        );
        assert!(d.exit_pending[2].is_some() && d.exit_pending[4].is_some());
        assert!(d.exit_pending[6].is_none());
    }
}
