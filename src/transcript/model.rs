//! The transcript model every reader produces and every later stage consumes.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which side of the call a speaker is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The caller working the script (sales agent, service agent, LLM agent).
    Agent,
    /// The person called.
    Customer,
}

impl Role {
    /// The lowercase name used in output (`agent` / `customer`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Customer => "customer",
        }
    }
}

/// A position in an input file, 1-based, for error messages and provenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

/// One timed sentence inside a turn. Vendor exports give one per sentence; consecutive
/// sentences of one speaker form one turn for judging but keep their own times for timing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    /// Start time in seconds.
    pub start: f64,
    /// End time in seconds.
    pub end: f64,
    /// `[start, end)` in characters of the turn's text.
    pub span: [usize; 2],
}

/// One utterance as read from the file, before roles are assigned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawTurn {
    /// The speaker label exactly as the file gives it (`坐席`, `A`, `spk0`, `assistant` …).
    pub speaker: String,
    /// What the speaker said (continuation lines already merged, surrounding whitespace trimmed).
    pub text: String,
    /// Start time in seconds, when the file gives one.
    pub start: Option<f64>,
    /// End time in seconds, when the file gives one.
    pub end: Option<f64>,
    /// A role the format itself fixes (OpenAI `assistant` / `user`, a JSON `role` field);
    /// `None` when only the speaker label is known.
    pub role_hint: Option<Role>,
    /// Where the turn starts in the source file.
    pub pos: Position,
    /// The timed sentences the turn was merged from, when the format gives several; empty
    /// when the turn is one span (`start`–`end`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sentences: Vec<Sentence>,
    /// Fields the export gives per sentence beyond text and times (`speech_rate` in characters
    /// per minute, `emotion`, `silence_before_s` …), as strings.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub meta: BTreeMap<String, String>,
}

/// One call as read from a file, before roles are assigned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawCall {
    /// Call id: from the file when it has one, else derived from the file name (and the record
    /// number for multi-call files).
    pub id: String,
    /// Where the call came from: `path` or `path:line` for a record inside a multi-call file.
    pub source: String,
    /// Free-form metadata (agent, team, prompt_version, date …) as strings.
    pub meta: BTreeMap<String, String>,
    /// The utterances in reading order; system messages are not turns.
    pub turns: Vec<RawTurn>,
}

/// How the role of a speaker was decided, recorded in the result so reviewers can check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleSource {
    /// The format fixes the role (OpenAI chat roles, a `role` field).
    Format,
    /// `--agent` / `--customer` on the command line.
    Cli,
    /// The speaker label is one of the rubric's aliases.
    Alias,
    /// Inferred from what the speaker said (self-introduction, company, script similarity).
    Inferred,
    /// The only remaining speaker once the other role was decided.
    Remaining,
}

/// The role decided for one speaker label, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerRole {
    /// The speaker label as in the file.
    pub speaker: String,
    /// The role it was given.
    pub role: Role,
    /// How it was decided.
    pub source: RoleSource,
    /// For inferred roles: the agent-likeness score of this speaker (higher = more agent-like).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_score: Option<f64>,
    /// For inferred roles: how sure the call's assignment is, 0..1 (the margin between the
    /// agent's score and the next speaker's; see [`super::role_evidence::confidence`]). The same
    /// for every inferred speaker of a call.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub confidence: Option<f64>,
    /// For inferred roles: what made the score, strongest first (list and rubric phrases and
    /// turn numbers only).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub evidence: Vec<String>,
}

/// The confidence of a call's inferred roles: `None` when no role was inferred (labels, the
/// command line or the format decided them: they are sure).
pub fn role_confidence(roles: &[SpeakerRole]) -> Option<f64> {
    roles.iter().filter_map(|r| r.confidence).reduce(f64::min)
}

/// The warning for a call whose roles were inferred with low confidence (below
/// [`super::role_evidence::LOW_CONFIDENCE`]): which label was taken for the agent, how sure, and
/// how to settle it. `None` when the roles are sure enough.
pub fn role_warning(roles: &[SpeakerRole]) -> Option<String> {
    let confidence = role_confidence(roles)?;
    if confidence >= super::role_evidence::LOW_CONFIDENCE {
        return None;
    }
    let agent = roles.iter().find(|r| r.role == Role::Agent)?;
    let others: Vec<String> =
        roles.iter().filter(|r| r.role != Role::Agent).map(|r| format!("\"{}\"", r.speaker)).collect();
    let kind = if confidence < 0.2 { "a near-tie" } else { "unsure" };
    Some(format!(
        "roles are {kind} (confidence {confidence:.2}): \"{}\" was taken for the agent{}; check the turns, or pass \
         --agent {}",
        agent.speaker,
        if others.is_empty() { String::new() } else { format!(" and {} for the customer", others.join(", ")) },
        agent.speaker
    ))
}

/// One utterance with its role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// The speaker label as in the file.
    pub speaker: String,
    /// Agent or customer.
    pub role: Role,
    /// The original text (never normalized: spans in findings index into this).
    pub text: String,
    /// Start time in seconds, if known.
    pub start: Option<f64>,
    /// End time in seconds, if known.
    pub end: Option<f64>,
    /// Where the turn starts in the source file.
    pub pos: Position,
    /// The timed sentences the turn was merged from, when the format gives several; empty
    /// when the turn is one span (`start`–`end`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sentences: Vec<Sentence>,
    /// Fields the export gives per sentence beyond text and times (`speech_rate` in characters
    /// per minute, `emotion`, `silence_before_s` …), as strings.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub meta: BTreeMap<String, String>,
}

/// A call ready for analysis: every turn has a role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// Call id.
    pub id: String,
    /// Where the call came from.
    pub source: String,
    /// Free-form metadata.
    pub meta: BTreeMap<String, String>,
    /// The turns in reading order.
    pub turns: Vec<Turn>,
    /// How each speaker's role was decided, in order of first appearance.
    pub roles: Vec<SpeakerRole>,
}
