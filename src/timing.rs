//! How a call was spoken, from its turns' times: duration, talk time per side, dead air,
//! talking over the other side, speech rate and how fast the agent replies.
//!
//! Speech is the turns' timed sentences ([`crate::transcript::Sentence`]; a turn without them
//! is one span `start`–`end`). A call is timed only when every turn has both times: a call
//! with holes in its timeline would report silences that are not there, so it gets no timing
//! (`null`), and timing rules are not applicable to it.
//!
//! - `duration_s`: first start to last end.
//! - `talk_s` per role: the union of that side's speech (overlaps within a side count once).
//! - `agent_talk_share`: agent talk ÷ (agent + customer talk).
//! - silence: walking all speech in start order, every stretch where nobody speaks (gaps inside
//!   one speaker's turn included); `silence_total_s` their sum, `silence_max_s` the longest.
//! - overtalk: a turn that starts while the other side's speech that started earlier is still
//!   going, counted for the one who started it; `overtalk_s` is how long both spoke.
//! - `*_chars_per_min`: a side's characters (each CJK character one, each run of Latin letters or
//!   digits one word; punctuation none) per minute of its `talk_s`. When a side has no speaking
//!   time (zero-length sentences), the vendor's own `speech_rate` from the turns' meta is used.
//! - `agent_response_s`: for each agent turn that follows a customer turn, from the customer's
//!   end to the agent's start (a reply that starts before the customer ended is overtalk, not a
//!   reply); median and max.
//!
//! Every figure is rounded to hundredths, so output is identical whatever the platform.

use crate::transcript::{Role, Transcript, Turn};
use serde::{Deserialize, Serialize};

/// A value per side of the call.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct PerRole<T> {
    /// The agent's.
    pub agent: T,
    /// The customer's.
    pub customer: T,
}

impl<T: Copy> PerRole<T> {
    /// The value of `role`.
    pub fn get(&self, role: Role) -> T {
        match role {
            Role::Agent => self.agent,
            Role::Customer => self.customer,
        }
    }

    fn get_mut(&mut self, role: Role) -> &mut T {
        match role {
            Role::Agent => &mut self.agent,
            Role::Customer => &mut self.customer,
        }
    }
}

/// Median and maximum of the agent's reply times.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ResponseTimes {
    /// Median, seconds; `null` when the agent never replied to a customer turn.
    pub median: Option<f64>,
    /// Maximum, seconds.
    pub max: Option<f64>,
}

/// Where a figure shows in the call: the turn, the moment and the characters a finding about it
/// points at.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Evidence {
    /// 0-based turn index.
    pub turn: usize,
    /// Seconds from the start of the recording.
    pub at_s: f64,
    /// `[start, end)` in characters of that turn's text.
    pub span: [usize; 2],
}

/// The timing of one call (output contract v1, `calls[].timing`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Timing {
    /// First start to last end, seconds.
    pub duration_s: f64,
    /// Speaking time per side, seconds.
    pub talk_s: PerRole<f64>,
    /// Agent talk ÷ all talk; `null` when nobody spoke for any time.
    pub agent_talk_share: Option<f64>,
    /// All the time nobody spoke, seconds.
    pub silence_total_s: f64,
    /// The longest such stretch, seconds.
    pub silence_max_s: f64,
    /// Turns that started while the other side was speaking, per side that started them.
    pub overtalk_count: PerRole<usize>,
    /// How long both sides spoke at once, per side that started it, seconds.
    pub overtalk_s: PerRole<f64>,
    /// Agent characters per minute of agent speech.
    pub agent_chars_per_min: Option<f64>,
    /// Customer characters per minute of customer speech.
    pub customer_chars_per_min: Option<f64>,
    /// Customer end → next agent start, seconds.
    pub agent_response_s: ResponseTimes,
    /// Where each metric shows, for findings (not part of the output).
    #[serde(skip)]
    pub evidence: Vec<(Metric, Evidence)>,
}

macro_rules! metrics {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// A timing figure rules, the gate and the aggregate can name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Metric {
            $(#[doc = $doc] $variant,)*
        }

        impl Metric {
            /// Every metric, in output order.
            pub const ALL: &'static [Metric] = &[$(Metric::$variant,)*];

            /// The metric's name (`silence_max_s`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Metric::$variant => $name,)*
                }
            }

            /// What it measures, for docs and help.
            pub fn doc(self) -> &'static str {
                match self {
                    $(Metric::$variant => $doc,)*
                }
            }
        }
    };
}

metrics! {
    DurationS => "duration_s", "First start to last end, seconds.";
    AgentTalkS => "agent_talk_s", "Agent speaking time, seconds.";
    CustomerTalkS => "customer_talk_s", "Customer speaking time, seconds.";
    AgentTalkShare => "agent_talk_share", "Agent talk ÷ all talk (0–1).";
    SilenceTotalS => "silence_total_s", "All the time nobody spoke, seconds.";
    SilenceMaxS => "silence_max_s", "The longest time nobody spoke (dead air), seconds.";
    AgentOvertalkCount => "agent_overtalk_count", "Agent turns started while the customer was speaking.";
    CustomerOvertalkCount => "customer_overtalk_count", "Customer turns started while the agent was speaking.";
    AgentOvertalkS => "agent_overtalk_s", "Seconds both spoke in overtalk the agent started.";
    CustomerOvertalkS => "customer_overtalk_s", "Seconds both spoke in overtalk the customer started.";
    AgentCharsPerMin => "agent_chars_per_min", "Agent speech rate, characters (字) per minute.";
    CustomerCharsPerMin => "customer_chars_per_min", "Customer speech rate, characters (字) per minute.";
    AgentResponseMedianS => "agent_response_median_s", "Median customer end → agent start, seconds.";
    AgentResponseMaxS => "agent_response_max_s", "Slowest customer end → agent start, seconds.";
}

impl Metric {
    /// The metric named `name`.
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.iter().copied().find(|m| m.name() == name.trim())
    }

    /// Every name, comma-separated, for messages that list the valid ones.
    pub fn names() -> String {
        Metric::ALL.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ")
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Timing {
    /// The value of `metric`; `None` when it has none for this call.
    pub fn get(&self, metric: Metric) -> Option<f64> {
        match metric {
            Metric::DurationS => Some(self.duration_s),
            Metric::AgentTalkS => Some(self.talk_s.agent),
            Metric::CustomerTalkS => Some(self.talk_s.customer),
            Metric::AgentTalkShare => self.agent_talk_share,
            Metric::SilenceTotalS => Some(self.silence_total_s),
            Metric::SilenceMaxS => Some(self.silence_max_s),
            Metric::AgentOvertalkCount => Some(self.overtalk_count.agent as f64),
            Metric::CustomerOvertalkCount => Some(self.overtalk_count.customer as f64),
            Metric::AgentOvertalkS => Some(self.overtalk_s.agent),
            Metric::CustomerOvertalkS => Some(self.overtalk_s.customer),
            Metric::AgentCharsPerMin => self.agent_chars_per_min,
            Metric::CustomerCharsPerMin => self.customer_chars_per_min,
            Metric::AgentResponseMedianS => self.agent_response_s.median,
            Metric::AgentResponseMaxS => self.agent_response_s.max,
        }
    }

    /// Where `metric` shows in the call.
    pub fn evidence(&self, metric: Metric) -> Option<Evidence> {
        self.evidence.iter().find(|(m, _)| *m == metric).map(|(_, e)| *e)
    }
}

/// One stretch of speech.
#[derive(Debug, Clone, Copy)]
struct Speech {
    turn: usize,
    role: Role,
    start: f64,
    end: f64,
    span: [usize; 2],
}

/// The speech of a turn: its sentences, or its one span.
fn speech_of(i: usize, t: &Turn) -> Option<Vec<Speech>> {
    let (start, end) = (t.start?, t.end?);
    if t.sentences.is_empty() {
        let len = t.text.chars().count();
        return Some(vec![Speech { turn: i, role: t.role, start, end, span: [0, len] }]);
    }
    Some(
        t.sentences
            .iter()
            .map(|s| Speech { turn: i, role: t.role, start: s.start, end: s.end, span: s.span })
            .collect(),
    )
}

/// Rounds to hundredths (`-0` becomes `0`).
pub fn round2(v: f64) -> f64 {
    let r = (v * 100.0).round() / 100.0;
    if r == 0.0 { 0.0 } else { r }
}

/// Speech units of a text: CJK characters one each, runs of Latin letters or digits one each.
pub fn speech_units(text: &str) -> usize {
    let mut n = 0;
    let mut in_word = false;
    for c in text.chars() {
        if is_cjk_ideograph(c) {
            n += 1;
            in_word = false;
        } else if c.is_alphanumeric() {
            if !in_word {
                n += 1;
            }
            in_word = true;
        } else {
            in_word = false;
        }
    }
    n
}

fn is_cjk_ideograph(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// Total length of the union of `spans` (sorted by start).
fn union_length(spans: &[(f64, f64)]) -> f64 {
    let mut total = 0.0;
    let mut cur: Option<(f64, f64)> = None;
    for &(s, e) in spans {
        match cur {
            Some((cs, ce)) if s <= ce => cur = Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                cur = Some((s, e));
            }
            None => cur = Some((s, e)),
        }
    }
    if let Some((cs, ce)) = cur {
        total += ce - cs;
    }
    total
}

/// The timing of a call, or `None` when some turn lacks a start or an end.
pub fn measure(call: &Transcript) -> Option<Timing> {
    // Untimed calls (most text and JSON transcripts) leave at the first turn.
    let mut speech: Vec<Speech> = Vec::new();
    for (i, t) in call.turns.iter().enumerate() {
        speech.extend(speech_of(i, t)?);
    }
    if speech.is_empty() {
        return None;
    }
    // Stable: speech starting together keeps reading order.
    speech.sort_by(|a, b| a.start.total_cmp(&b.start));
    let mut evidence: Vec<(Metric, Evidence)> = Vec::new();
    let first = speech.iter().map(|s| s.start).fold(f64::INFINITY, f64::min);
    let last = speech.iter().map(|s| s.end).fold(f64::NEG_INFINITY, f64::max);
    let last_turn = speech.iter().max_by(|a, b| a.end.total_cmp(&b.end)).map_or(0, |s| s.turn);
    evidence.push((Metric::DurationS, Evidence { turn: last_turn, at_s: round2(last), span: [0, 0] }));

    // Talk time per side.
    let mut talk = PerRole::<f64>::default();
    for role in [Role::Agent, Role::Customer] {
        let spans: Vec<(f64, f64)> = speech.iter().filter(|s| s.role == role).map(|s| (s.start, s.end)).collect();
        *talk.get_mut(role) = union_length(&spans);
    }
    let all_talk = talk.agent + talk.customer;
    let share = (all_talk > 0.0).then(|| talk.agent / all_talk);
    for (metric, role) in [
        (Metric::AgentTalkS, Role::Agent),
        (Metric::AgentTalkShare, Role::Agent),
        (Metric::CustomerTalkS, Role::Customer),
    ] {
        // The side's longest stretch of speech shows its talk time best.
        if let Some(s) =
            speech.iter().filter(|s| s.role == role).max_by(|a, b| (a.end - a.start).total_cmp(&(b.end - b.start)))
        {
            evidence.push((metric, Evidence { turn: s.turn, at_s: round2(s.start), span: s.span }));
        }
    }

    // Silences: gaps in the union of everyone's speech.
    let mut silence_total = 0.0;
    let mut silence_max: Option<(f64, Evidence)> = None;
    let mut reach = speech[0].end;
    for s in &speech[1..] {
        if s.start > reach {
            let gap = s.start - reach;
            silence_total += gap;
            if silence_max.is_none_or(|(g, _)| gap > g) {
                silence_max = Some((gap, Evidence { turn: s.turn, at_s: round2(reach), span: s.span }));
            }
        }
        reach = reach.max(s.end);
    }
    if let Some((_, e)) = silence_max {
        evidence.push((Metric::SilenceMaxS, e));
        evidence.push((Metric::SilenceTotalS, e));
    }

    // Overtalk: a turn starting while the other side's earlier speech goes on.
    let mut overtalk_count = PerRole::<usize>::default();
    let mut overtalk_s = PerRole::<f64>::default();
    let mut longest: PerRole<Option<(f64, Evidence)>> = PerRole::default();
    for (i, t) in call.turns.iter().enumerate() {
        let (Some(start), Some(end)) = (t.start, t.end) else { continue };
        let other_end = speech
            .iter()
            .filter(|s| s.role != t.role && s.start < start && s.end > start)
            .map(|s| s.end)
            .fold(f64::NEG_INFINITY, f64::max);
        if other_end > start {
            let both = other_end.min(end) - start;
            *overtalk_count.get_mut(t.role) += 1;
            *overtalk_s.get_mut(t.role) += both;
            let span = t.sentences.first().map_or([0, t.text.chars().count()], |s| s.span);
            let slot = longest.get_mut(t.role);
            if slot.is_none_or(|(b, _)| both > b) {
                *slot = Some((both, Evidence { turn: i, at_s: round2(start), span }));
            }
        }
    }
    for (role, count, secs) in [
        (Role::Agent, Metric::AgentOvertalkCount, Metric::AgentOvertalkS),
        (Role::Customer, Metric::CustomerOvertalkCount, Metric::CustomerOvertalkS),
    ] {
        if let Some((_, e)) = longest.get(role) {
            evidence.push((count, e));
            evidence.push((secs, e));
        }
    }

    // Speech rate per side, and the fastest turn as its evidence.
    let mut rate = PerRole::<Option<f64>>::default();
    for (role, metric) in [(Role::Agent, Metric::AgentCharsPerMin), (Role::Customer, Metric::CustomerCharsPerMin)] {
        let turns: Vec<(usize, &Turn)> = call.turns.iter().enumerate().filter(|(_, t)| t.role == role).collect();
        if turns.is_empty() {
            continue;
        }
        let units: usize = turns.iter().map(|(_, t)| speech_units(&t.text)).sum();
        let secs = talk.get(role);
        *rate.get_mut(role) = if secs > 0.0 { Some(units as f64 / secs * 60.0) } else { vendor_rate(&turns) };
        let fastest = turns
            .iter()
            .filter_map(|&(i, t)| {
                let spoken: f64 = speech.iter().filter(|s| s.turn == i).map(|s| s.end - s.start).sum();
                (spoken > 0.0).then(|| (speech_units(&t.text) as f64 / spoken, i, t))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((_, i, t)) = fastest {
            evidence.push((
                metric,
                Evidence { turn: i, at_s: round2(t.start.unwrap_or(0.0)), span: [0, t.text.chars().count()] },
            ));
        }
    }

    // Agent replies: customer end → the next agent turn's start, in time order.
    let mut order: Vec<usize> = (0..call.turns.len()).collect();
    order.sort_by(|&a, &b| call.turns[a].start.unwrap_or(0.0).total_cmp(&call.turns[b].start.unwrap_or(0.0)));
    let mut replies: Vec<(f64, usize, f64)> = Vec::new();
    for w in order.windows(2) {
        let (prev, next) = (&call.turns[w[0]], &call.turns[w[1]]);
        if prev.role == Role::Customer && next.role == Role::Agent {
            let (Some(end), Some(start)) = (prev.end, next.start) else { continue };
            if start >= end {
                replies.push((start - end, w[1], end));
            }
        }
    }
    let response = if replies.is_empty() {
        ResponseTimes::default()
    } else {
        let mut values: Vec<f64> = replies.iter().map(|r| r.0).collect();
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let median = if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 };
        ResponseTimes { median: Some(round2(median)), max: values.last().map(|v| round2(*v)) }
    };
    if let Some(&(_, turn, at)) = replies.iter().max_by(|a, b| a.0.total_cmp(&b.0)) {
        let t = &call.turns[turn];
        let span = t.sentences.first().map_or([0, t.text.chars().count()], |s| s.span);
        let e = Evidence { turn, at_s: round2(at), span };
        evidence.push((Metric::AgentResponseMaxS, e));
        evidence.push((Metric::AgentResponseMedianS, e));
    }

    Some(Timing {
        duration_s: round2(last - first),
        talk_s: PerRole { agent: round2(talk.agent), customer: round2(talk.customer) },
        agent_talk_share: share.map(round2),
        silence_total_s: round2(silence_total),
        silence_max_s: round2(silence_max.map_or(0.0, |(g, _)| g)),
        overtalk_count,
        overtalk_s: PerRole { agent: round2(overtalk_s.agent), customer: round2(overtalk_s.customer) },
        agent_chars_per_min: rate.agent.map(round2),
        customer_chars_per_min: rate.customer.map(round2),
        agent_response_s: response,
        evidence,
    })
}

/// The vendor's own speech rate (`speech_rate` in the turns' meta, 字/分钟), averaged over the
/// turns that have one.
fn vendor_rate(turns: &[(usize, &Turn)]) -> Option<f64> {
    let rates: Vec<f64> = turns.iter().filter_map(|(_, t)| t.meta.get("speech_rate")?.parse::<f64>().ok()).collect();
    (!rates.is_empty()).then(|| rates.iter().sum::<f64>() / rates.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::{Position, Sentence};
    use std::collections::BTreeMap;

    fn turn(role: Role, text: &str, start: f64, end: f64) -> Turn {
        Turn {
            speaker: role.as_str().into(),
            role,
            text: text.into(),
            start: Some(start),
            end: Some(end),
            pos: Position::default(),
            sentences: Vec::new(),
            meta: BTreeMap::new(),
        }
    }

    fn call(turns: Vec<Turn>) -> Transcript {
        Transcript { id: "c".into(), source: "c".into(), meta: BTreeMap::new(), turns, roles: Vec::new() }
    }

    #[test]
    fn figures_by_hand() {
        let mut agent2 = turn(Role::Agent, "好的好的我们有套餐", 3.0, 9.0);
        agent2.sentences =
            vec![Sentence { start: 3.0, end: 5.0, span: [0, 4] }, Sentence { start: 6.0, end: 9.0, span: [4, 9] }];
        let c = call(vec![
            turn(Role::Agent, "您好", 0.0, 1.0),
            turn(Role::Customer, "喂", 1.5, 2.0),
            agent2,
            // Starts at 8.0 while the agent speaks until 9.0: one customer overtalk of 1 s.
            turn(Role::Customer, "等等", 8.0, 10.0),
            // 12 s of dead air, then a reply 12 s after the customer ended.
            turn(Role::Agent, "OK 好", 22.0, 23.0),
        ]);
        let t = measure(&c).unwrap();
        assert_eq!(t.duration_s, 23.0);
        // Agent: 1 + 2 + 3 + 1 = 7; customer: 0.5 + 2 = 2.5.
        assert_eq!(t.talk_s, PerRole { agent: 7.0, customer: 2.5 });
        assert_eq!(t.agent_talk_share, Some(round2(7.0 / 9.5)));
        // Gaps: 1.0–1.5, 2.0–3.0, 5.0–6.0 (inside the agent's turn), 10–22.
        assert_eq!(t.silence_total_s, 14.5);
        assert_eq!(t.silence_max_s, 12.0);
        assert_eq!(t.evidence(Metric::SilenceMaxS), Some(Evidence { turn: 4, at_s: 10.0, span: [0, 4] }));
        assert_eq!(t.overtalk_count, PerRole { agent: 0, customer: 1 });
        assert_eq!(t.overtalk_s, PerRole { agent: 0.0, customer: 1.0 });
        // Agent units: 2 + 9 + (OK + 好 = 2) = 13 over 7 s.
        assert_eq!(t.agent_chars_per_min, Some(round2(13.0 / 7.0 * 60.0)));
        assert_eq!(t.customer_chars_per_min, Some(round2(3.0 / 2.5 * 60.0)));
        // Replies: 2.0 → 3.0 (1 s), 10.0 → 22.0 (12 s).
        assert_eq!(t.agent_response_s, ResponseTimes { median: Some(6.5), max: Some(12.0) });
        assert_eq!(t.evidence(Metric::AgentResponseMaxS).unwrap().turn, 4);
        for m in Metric::ALL {
            assert_eq!(Metric::from_name(m.name()), Some(*m));
        }
    }

    #[test]
    fn no_timing_without_both_times_on_every_turn() {
        let mut c = call(vec![turn(Role::Agent, "您好", 0.0, 1.0), turn(Role::Customer, "喂", 1.5, 2.0)]);
        assert!(measure(&c).is_some());
        c.turns[1].end = None;
        assert!(measure(&c).is_none());
    }

    #[test]
    fn zero_length_speech_falls_back_to_the_vendor_rate() {
        let mut a = turn(Role::Agent, "您好", 1.0, 1.0);
        a.meta.insert("speech_rate".into(), "210".into());
        let t = measure(&call(vec![a, turn(Role::Customer, "喂", 2.0, 3.0)])).unwrap();
        assert_eq!(t.agent_chars_per_min, Some(210.0));
        assert_eq!(t.agent_talk_share, Some(0.0));
    }

    #[test]
    fn units() {
        assert_eq!(speech_units("您好，我是客服。"), 6);
        assert_eq!(speech_units("30GB 流量 hello world"), 5);
    }
}
