//! Speaker labels → roles, and a record of how each was decided.
//!
//! In order: the format's own role (OpenAI chat, a `role` field); `--agent` / `--customer`;
//! the rubric's aliases plus built-in ones; then, for what is left, the one remaining role, or
//! an inference from what each speaker says (company / persona cues, self-introduction,
//! "请问是…先生吗", similarity to the script). Label order is never evidence: diarizers number
//! speakers by who spoke first, and customers often answer the phone first.

use super::{RawCall, RawTurn, Role, RoleSource, SpeakerRole, Transcript, Turn, role_evidence};
use crate::error::InputError;
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Agent labels that always apply, in addition to the rubric's.
pub const BUILTIN_AGENT_ALIASES: &[&str] =
    &["坐席", "客服", "销售", "顾问", "agent", "assistant", "客服人员", "业务员"];
/// Customer labels that always apply, in addition to the rubric's.
pub const BUILTIN_CUSTOMER_ALIASES: &[&str] = &["客户", "用户", "customer", "user", "caller", "顾客"];

/// What the rubric and the command line know about who is who.
#[derive(Default, Clone, Debug)]
pub struct RoleHints {
    /// Speaker labels that mean the agent (`坐席`, the persona's name …).
    pub agent_aliases: Vec<String>,
    /// Speaker labels that mean the customer.
    pub customer_aliases: Vec<String>,
    /// Phrases only the agent would say: company and persona names.
    pub agent_cues: Vec<String>,
    /// The script's model lines, compared with what each unknown speaker says.
    pub script_lines: Vec<String>,
    /// `--agent NAME`: this exact label is the agent.
    pub cli_agent: Option<String>,
    /// `--customer NAME`: this exact label is the customer.
    pub cli_customer: Option<String>,
}

/// The role a format's role name stands for (`agent`, `assistant`, `sys`, `坐席`, `客户` …).
pub(crate) fn role_from_name(name: &str) -> Option<Role> {
    let name = name.trim().to_lowercase();
    if name == "sys" || BUILTIN_AGENT_ALIASES.contains(&name.as_str()) {
        Some(Role::Agent)
    } else if name == "usr" || BUILTIN_CUSTOMER_ALIASES.contains(&name.as_str()) {
        Some(Role::Customer)
    } else {
        None
    }
}

/// Generic diarization labels: `A`, `B`, `SPEAKER 1`, `SPEAKER_01`, `spk0`, `S1`, `说话人1`.
static GENERIC_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:(?:speaker|spk|s|说话人|发言人|角色|声道|channel)[\s_-]*\d{1,3}|[a-z]|(?:speaker|说话人)[\s_-]*[a-z])$")
        .expect("valid regex")
});

/// Whether `label` names a speaker whatever the call says: a built-in role name or alias, one of
/// `aliases` (the rubric's, `--agent` / `--customer`), or a generic diarization label.
pub(crate) fn is_speaker_label(label: &str, aliases: &[String]) -> bool {
    let label = label.trim();
    role_from_name(label).is_some()
        || BUILTIN_AGENT_ALIASES.iter().chain(BUILTIN_CUSTOMER_ALIASES).any(|a| alias_matches(label, a))
        || aliases.iter().any(|a| alias_matches(label, a))
        || GENERIC_LABEL.is_match(label)
}

/// Gives every turn a role, recording how each speaker's role was decided.
///
/// Fails when some speaker cannot be mapped or nobody is the agent; the message lists every
/// speaker and how to fix it.
pub fn assign_roles(call: RawCall, hints: &RoleHints) -> Result<Transcript, InputError> {
    // Owned labels: the turns are moved into the result at the end.
    let mut speakers: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for t in &call.turns {
        if !index.contains_key(&t.speaker) {
            index.insert(t.speaker.clone(), speakers.len());
            speakers.push(t.speaker.clone());
        }
    }
    let mut decided: Vec<Option<Decision>> = vec![None; speakers.len()];

    for (i, speaker) in speakers.iter().enumerate() {
        decided[i] = format_role(&call, speaker)?
            .map(|r| (r, RoleSource::Format))
            .or_else(|| cli_role(speaker, hints).map(|r| (r, RoleSource::Cli)))
            .or_else(|| alias_role(speaker, hints).map(|r| (r, RoleSource::Alias)))
            .map(|(role, source)| Decision::sure(role, source));
    }

    let unmapped: Vec<usize> = (0..speakers.len()).filter(|&i| decided[i].is_none()).collect();
    let agent_taken = decided.iter().flatten().any(|d| d.role == Role::Agent);
    let customer_taken = decided.iter().flatten().any(|d| d.role == Role::Customer);
    if !unmapped.is_empty() {
        if agent_taken {
            // A call has one agent side; anyone else is on the customer's side.
            for &i in &unmapped {
                decided[i] = Some(Decision::sure(Role::Customer, RoleSource::Remaining));
            }
        } else if customer_taken && unmapped.len() == 1 {
            decided[unmapped[0]] = Some(Decision::sure(Role::Agent, RoleSource::Remaining));
        } else {
            infer(&call, &speakers, &unmapped, hints, &mut decided);
        }
    }

    let roles: Option<Vec<SpeakerRole>> = speakers
        .iter()
        .zip(&decided)
        .map(|(s, d)| {
            d.clone().map(|d| SpeakerRole {
                speaker: s.to_string(),
                role: d.role,
                source: d.source,
                evidence_score: d.score,
                confidence: d.confidence,
                evidence: d.evidence,
            })
        })
        .collect();
    let roles = match roles {
        Some(r) if r.iter().any(|r| r.role == Role::Agent) => r,
        Some(_) => return Err(no_agent(&call, &speakers)),
        None => {
            let undecided: Vec<&str> =
                speakers.iter().zip(&decided).filter(|(_, d)| d.is_none()).map(|(s, _)| s.as_str()).collect();
            return Err(unmappable(&call, &speakers, &undecided));
        }
    };

    let turns = call
        .turns
        .into_iter()
        .map(|t| {
            let speaker_role = index.get(&t.speaker).and_then(|&i| roles.get(i)).map(|r| r.role);
            Turn {
                role: t.role_hint.or(speaker_role).unwrap_or(Role::Customer),
                speaker: t.speaker,
                text: t.text,
                start: t.start,
                end: t.end,
                pos: t.pos,
                sentences: t.sentences,
                meta: t.meta,
            }
        })
        .collect();
    Ok(Transcript { id: call.id, source: call.source, meta: call.meta, turns, roles })
}

/// An error about a whole call, placed at `turn`'s position when the reader knows it (the file's
/// `line:column`), else at the call's source.
fn call_error(call: &RawCall, turn: Option<&RawTurn>, message: String) -> InputError {
    match turn.map(|t| t.pos) {
        Some(pos) if pos.line > 0 => InputError::at(super::file_of(&call.source), pos.line, pos.column.max(1), message),
        _ => InputError::file(&call.source, message),
    }
}

fn quoted(speakers: &[String]) -> String {
    speakers.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ")
}

/// Some speakers could not be mapped: points at the first turn of the first of them.
fn unmappable(call: &RawCall, speakers: &[String], undecided: &[&str]) -> InputError {
    let first = call.turns.iter().find(|t| undecided.contains(&t.speaker.as_str()));
    call_error(
        call,
        first,
        format!(
            "cannot map speakers to roles: found speakers {}; add an alias in the rubric's [roles] \
             or pass --agent NAME / --customer NAME",
            quoted(speakers)
        ),
    )
}

/// Every speaker is on the customer's side: a call with no agent turn cannot be judged.
fn no_agent(call: &RawCall, speakers: &[String]) -> InputError {
    call_error(
        call,
        call.turns.first(),
        format!(
            "the call has no agent turn: every speaker ({}) is on the customer's side; expected at \
             least one agent turn (a speaker such as 坐席 or an agent alias in the rubric's [roles]), \
             or pass --agent NAME",
            quoted(speakers)
        ),
    )
}

/// The role the format gives this speaker's turns; two different roles for one label is an error.
fn format_role(call: &RawCall, speaker: &str) -> Result<Option<Role>, InputError> {
    let mut found: Option<Role> = None;
    for t in call.turns.iter().filter(|t| t.speaker == speaker) {
        match (found, t.role_hint) {
            (Some(a), Some(b)) if a != b => {
                return Err(InputError::at(
                    super::file_of(&call.source),
                    t.pos.line,
                    t.pos.column,
                    format!("speaker \"{speaker}\" is given both roles, agent and customer"),
                ));
            }
            (None, hint) => found = hint,
            _ => {}
        }
    }
    Ok(found)
}

fn cli_role(speaker: &str, hints: &RoleHints) -> Option<Role> {
    let is = |name: &Option<String>| name.as_deref().is_some_and(|n| n.trim() == speaker.trim());
    if is(&hints.cli_agent) {
        Some(Role::Agent)
    } else if is(&hints.cli_customer) {
        Some(Role::Customer)
    } else {
        None
    }
}

/// The rubric's aliases first (they may deliberately reuse a built-in word), then built-ins.
fn alias_role(speaker: &str, hints: &RoleHints) -> Option<Role> {
    let any = |aliases: &[&str]| aliases.iter().any(|a| alias_matches(speaker, a));
    let agent: Vec<&str> = hints.agent_aliases.iter().map(String::as_str).collect();
    let customer: Vec<&str> = hints.customer_aliases.iter().map(String::as_str).collect();
    if any(&agent) {
        Some(Role::Agent)
    } else if any(&customer) {
        Some(Role::Customer)
    } else if any(BUILTIN_AGENT_ALIASES) {
        Some(Role::Agent)
    } else if any(BUILTIN_CUSTOMER_ALIASES) {
        Some(Role::Customer)
    } else {
        None
    }
}

/// Case-insensitive equality, also allowing a short numbering suffix: `客服1`, `Agent 2`,
/// `客户A` match `客服`, `agent`, `客户`.
fn alias_matches(label: &str, alias: &str) -> bool {
    let (label, alias) = (label.trim().to_lowercase(), alias.trim().to_lowercase());
    if alias.is_empty() {
        return false;
    }
    if label == alias {
        return true;
    }
    let Some(rest) = label.strip_prefix(alias.as_str()) else {
        return false;
    };
    let suffix = rest.trim_start_matches([' ', '_', '-', '#']);
    let separated = suffix.len() < rest.len();
    let alias_ends_cjk = alias.chars().last().is_some_and(|c| !c.is_ascii());
    let digits = !suffix.is_empty() && suffix.len() <= 3 && suffix.bytes().all(|b| b.is_ascii_digit());
    let letter = suffix.len() == 1 && suffix.bytes().all(|b| b.is_ascii_alphabetic());
    digits || (letter && (separated || alias_ends_cjk))
}

/// How one speaker's role was decided.
#[derive(Clone, Debug)]
struct Decision {
    role: Role,
    source: RoleSource,
    score: Option<f64>,
    confidence: Option<f64>,
    evidence: Vec<String>,
}

impl Decision {
    /// A role the labels, the command line or the format fixed: nothing to weigh.
    fn sure(role: Role, source: RoleSource) -> Decision {
        Decision { role, source, score: None, confidence: None, evidence: Vec::new() }
    }
}

/// Gives the agent role to the most agent-like unmapped speaker (see [`role_evidence`]); the
/// others become customers, and every one of them records the assignment's confidence (the
/// margin over the next speaker). Leaves everything unmapped when nobody stands out at all
/// (no evidence, or an exact tie).
fn infer(call: &RawCall, speakers: &[String], unmapped: &[usize], hints: &RoleHints, decided: &mut [Option<Decision>]) {
    let script: Vec<String> =
        hints.script_lines.iter().map(|l| role_evidence::squash(l)).filter(|l| l.chars().count() >= 2).collect();
    let cues: Vec<String> =
        hints.agent_cues.iter().map(|c| role_evidence::squash(c)).filter(|c| !c.is_empty()).collect();
    let labels: Vec<&str> = unmapped.iter().map(|&i| speakers[i].as_str()).collect();
    let evidence = role_evidence::weigh(call, &labels, &role_evidence::RubricEvidence { cues: &cues, script: &script });
    let best = evidence.iter().map(|e| e.score).fold(f64::NEG_INFINITY, f64::max);
    let winners = evidence.iter().filter(|e| e.score == best).count();
    let anything = evidence.iter().any(|e| e.score != 0.0);
    if winners != 1 || !anything {
        return;
    }
    // A lone unmapped speaker competes with "nobody is the agent" (score 0).
    let runner_up = evidence
        .iter()
        .map(|e| e.score)
        .filter(|&s| s != best)
        .fold(if evidence.len() == 1 { 0.0 } else { f64::NEG_INFINITY }, f64::max);
    if best <= runner_up {
        return;
    }
    let confidence = role_evidence::confidence(best - runner_up);
    for (&i, e) in unmapped.iter().zip(evidence) {
        let role = if e.score == best { Role::Agent } else { Role::Customer };
        decided[i] = Some(Decision {
            role,
            source: RoleSource::Inferred,
            score: Some(e.score),
            confidence: Some(confidence),
            evidence: e.items,
        });
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::transcript::{Position, RawTurn};
    use std::collections::BTreeMap;

    /// A call of plain turns `(speaker, text)`, for the tests of role inference and its evidence.
    pub(crate) fn call(turns: &[(&str, &str)]) -> RawCall {
        RawCall {
            id: "c".into(),
            source: "calls/c.txt".into(),
            meta: BTreeMap::new(),
            turns: turns
                .iter()
                .map(|(s, t)| RawTurn {
                    speaker: s.to_string(),
                    text: t.to_string(),
                    start: None,
                    end: None,
                    role_hint: None,
                    pos: Position::default(),
                    sentences: Vec::new(),
                    meta: Default::default(),
                })
                .collect(),
        }
    }

    fn hints() -> RoleHints {
        RoleHints {
            agent_aliases: vec!["李明".into()],
            customer_aliases: vec!["张强".into()],
            agent_cues: vec!["长江移动".into(), "李明".into()],
            script_lines: vec!["您好，我是长江移动通信公司的客户经理李明".into(), "想给您介绍一款乐享畅聊套餐".into()],
            ..Default::default()
        }
    }

    fn summary(t: &Transcript) -> Vec<(String, Role, RoleSource)> {
        t.roles.iter().map(|r| (r.speaker.clone(), r.role, r.source)).collect()
    }

    #[test]
    fn aliases_builtin_and_rubric() {
        let t = assign_roles(call(&[("客户", "喂"), ("李明", "您好"), ("坐席2", "嗯")]), &hints()).unwrap();
        assert_eq!(
            summary(&t),
            [
                ("客户".into(), Role::Customer, RoleSource::Alias),
                ("李明".into(), Role::Agent, RoleSource::Alias),
                ("坐席2".into(), Role::Agent, RoleSource::Alias),
            ]
        );
        assert_eq!(t.turns[0].role, Role::Customer);
        assert_eq!(t.turns[1].role, Role::Agent);
    }

    #[test]
    fn alias_suffixes() {
        assert!(alias_matches("Agent 1", "agent"));
        assert!(alias_matches("客服A", "客服"));
        assert!(alias_matches("AGENT", "agent"));
        assert!(!alias_matches("agents", "agent"));
        assert!(!alias_matches("username", "user"));
        assert!(!alias_matches("客服部", "客服"));
    }

    #[test]
    fn remaining_speaker_gets_the_other_role() {
        let t = assign_roles(call(&[("A", "您好"), ("客户", "嗯")]), &RoleHints::default()).unwrap();
        assert_eq!(t.roles[0].role, Role::Agent);
        assert_eq!(t.roles[0].source, RoleSource::Remaining);
        let t = assign_roles(call(&[("A", "您好"), ("坐席", "嗯"), ("B", "啊")]), &RoleHints::default()).unwrap();
        assert_eq!(summary(&t)[2], ("B".into(), Role::Customer, RoleSource::Remaining));
    }

    #[test]
    fn cli_beats_alias_and_format_beats_cli() {
        let h = RoleHints { cli_agent: Some("客户".into()), ..Default::default() };
        let t = assign_roles(call(&[("客户", "您好"), ("X", "嗯")]), &h).unwrap();
        assert_eq!(summary(&t)[0], ("客户".into(), Role::Agent, RoleSource::Cli));
        assert_eq!(t.roles[1].role, Role::Customer);

        let mut c = call(&[("user", "hi"), ("assistant", "hello")]);
        c.turns[0].role_hint = Some(Role::Customer);
        c.turns[1].role_hint = Some(Role::Agent);
        let h = RoleHints { cli_agent: Some("user".into()), ..Default::default() };
        let t = assign_roles(c, &h).unwrap();
        assert_eq!(summary(&t)[0], ("user".into(), Role::Customer, RoleSource::Format));
    }

    #[test]
    fn infers_agent_speaking_second() {
        // The customer picks up and speaks first; label order must not decide.
        let c = call(&[
            ("SPEAKER 1", "喂，哪位？"),
            ("SPEAKER 2", "您好，我是长江移动通信公司的客户经理李明，请问是张强先生吗？"),
            ("SPEAKER 1", "是我，什么事"),
            ("SPEAKER 2", "想给您介绍一款乐享畅聊套餐"),
        ]);
        let t = assign_roles(c, &hints()).unwrap();
        assert_eq!(t.roles[0].role, Role::Customer);
        assert_eq!(t.roles[1].role, Role::Agent);
        assert_eq!(t.roles[1].source, RoleSource::Inferred);
        assert!(t.roles[1].evidence_score.unwrap() > t.roles[0].evidence_score.unwrap());
        let roles: Vec<Role> = t.turns.iter().map(|t| t.role).collect();
        assert_eq!(roles, [Role::Customer, Role::Agent, Role::Customer, Role::Agent]);
    }

    #[test]
    fn infers_without_rubric_from_self_introduction() {
        let c = call(&[("spk0", "喂"), ("spk1", "您好，我这边是某某银行的客服专员，请问是王女士吗")]);
        let t = assign_roles(c, &RoleHints::default()).unwrap();
        assert_eq!(summary(&t)[1], ("spk1".into(), Role::Agent, RoleSource::Inferred));
        // A self-introduction naming a bank (+2), asking for Ms Wang (+1), addressing her by
        // surname (+1.5): against a bare 喂, sure.
        assert_eq!(t.roles[1].evidence_score, Some(4.5));
        assert_eq!(t.roles[0].evidence_score, Some(0.0));
        assert_eq!(t.roles[1].confidence, Some(0.68));
        assert_eq!(t.roles[0].confidence, t.roles[1].confidence);
        assert!(t.roles[1].evidence.iter().any(|e| e.contains("introduces self")), "{:?}", t.roles[1].evidence);
        assert_eq!(crate::transcript::role_warning(&t.roles), None);
    }

    /// Issue 17: a decision on nearly nothing is still made, but says it is unsure; labels
    /// decided by aliases are sure (no confidence at all).
    #[test]
    fn a_near_tie_is_decided_with_a_warning() {
        let c = call(&[("SPEAKER 1", "喂"), ("SPEAKER 2", "嗯_你说"), ("SPEAKER 1", "我的卡好像有点问题")]);
        let t = assign_roles(c, &RoleHints::default()).unwrap();
        assert_eq!(summary(&t)[1], ("SPEAKER 2".into(), Role::Agent, RoleSource::Inferred));
        let conf = crate::transcript::role_confidence(&t.roles).unwrap();
        assert!(conf < 0.2, "{conf}");
        let w = crate::transcript::role_warning(&t.roles).unwrap();
        assert!(w.starts_with("roles are a near-tie (confidence 0.12)"), "{w}");
        assert!(w.contains("\"SPEAKER 2\" was taken for the agent") && w.contains("--agent SPEAKER 2"), "{w}");

        let t = assign_roles(call(&[("客户", "喂"), ("坐席", "您好")]), &RoleHints::default()).unwrap();
        assert_eq!(crate::transcript::role_confidence(&t.roles), None);
        assert_eq!(crate::transcript::role_warning(&t.roles), None);
    }

    #[test]
    fn unmappable_speakers_are_listed() {
        let e = assign_roles(call(&[("A", "喂"), ("B", "嗯"), ("A", "好的")]), &RoleHints::default()).unwrap_err();
        assert_eq!(e.source, "calls/c.txt");
        assert_eq!(
            e.message,
            "cannot map speakers to roles: found speakers \"A\", \"B\"; add an alias in the rubric's \
             [roles] or pass --agent NAME / --customer NAME"
        );
        // A tie is not a decision either.
        let c = call(&[("A", "我是长江移动的"), ("B", "我是长江移动的")]);
        assert!(assign_roles(c, &hints()).is_err());
        // Nobody on the agent side.
        assert!(assign_roles(call(&[("客户", "喂")]), &RoleHints::default()).is_err());
    }

    /// Issue #5: a call with no agent turn is reported as exactly that (not as unmappable
    /// speakers), at the call's first turn.
    #[test]
    fn no_agent_turn_is_named() {
        let mut c = call(&[("客户", "喂？"), ("用户", "听得到吗")]);
        c.turns[0].pos = Position { line: 3, column: 1 };
        let e = assign_roles(c, &RoleHints::default()).unwrap_err();
        assert_eq!(e.source, "calls/c.txt:3:1");
        assert!(e.message.starts_with("the call has no agent turn"), "{e}");
        assert!(e.message.contains("\"客户\", \"用户\"") && e.message.contains("--agent"), "{e}");
        // Format roles too: an OpenAI chat with only user messages.
        let mut c = call(&[("user", "hi")]);
        c.turns[0].role_hint = Some(Role::Customer);
        assert!(assign_roles(c, &RoleHints::default()).unwrap_err().message.contains("no agent turn"));
    }

    /// Issue #5: unmappable speakers point at the first turn of a speaker that has no role.
    #[test]
    fn unmappable_points_at_the_first_undecided_turn() {
        let mut c = call(&[("坐席2", "x"), ("A", "喂"), ("B", "嗯")]);
        c.turns[0].role_hint = Some(Role::Customer);
        for (t, line) in c.turns.iter_mut().zip(4..) {
            t.pos = Position { line, column: 2 };
        }
        let e = assign_roles(c, &RoleHints::default()).unwrap_err();
        assert_eq!(e.source, "calls/c.txt:5:2", "{e}");
        assert!(e.message.contains("\"A\", \"B\""), "{e}");
    }

    #[test]
    fn conflicting_format_roles() {
        let mut c = call(&[("A", "x"), ("A", "y")]);
        c.turns[0].role_hint = Some(Role::Agent);
        c.turns[1].role_hint = Some(Role::Customer);
        c.source = "calls/batch.jsonl:7".into();
        c.turns[1].pos = Position { line: 7, column: 30 };
        let e = assign_roles(c, &RoleHints::default()).unwrap_err();
        assert!(e.message.contains("both roles"), "{e}");
        assert_eq!(e.source, "calls/batch.jsonl:7:30");
    }

    #[test]
    fn speaker_labels() {
        let aliases = vec!["李明".to_string()];
        for label in ["坐席", "客服1", "customer", "李明", "A", "SPEAKER 1", "SPEAKER_01", "spk0", "说话人2", "S1"]
        {
            assert!(is_speaker_label(label, &aliases), "{label}");
        }
        for label in ["特点", "注意", "备注", "Note", "王五"] {
            assert!(!is_speaker_label(label, &aliases), "{label}");
        }
    }

    #[test]
    fn format_names() {
        assert_eq!(role_from_name("Assistant"), Some(Role::Agent));
        assert_eq!(role_from_name("sys"), Some(Role::Agent));
        assert_eq!(role_from_name("usr"), Some(Role::Customer));
        assert_eq!(role_from_name("客户"), Some(Role::Customer));
        assert_eq!(role_from_name("boss"), None);
    }
}
