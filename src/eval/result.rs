//! What evaluating one call produces. These types serialize as output contract v1
//! (see [`crate::report::json`]).

use crate::rubric::model::{QuestionStatus, Severity};
use crate::transcript::{Role, SpeakerRole};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One problem found in a call, with evidence pointing at the exact characters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable finding code (`OP001`).
    pub code: String,
    /// Criterion id it counts against.
    pub criterion: String,
    /// Severity.
    pub severity: Severity,
    /// 0-based turn index.
    pub turn: usize,
    /// `[start, end)` in characters of that turn's original text.
    pub span: [usize; 2],
    /// The original characters of the span (shortened when long).
    pub excerpt: String,
    /// What was wrong, for a QA reviewer.
    pub message: String,
    /// The rubric rule that fired (`steps.<step id>` / `steps.order` for the built-in checks).
    pub rule: String,
    /// What a compliant line looks like, when the rubric says.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub help: Option<String>,
    /// For a `timing` finding: when it happened, seconds from the start of the recording.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub at_s: Option<f64>,
}

/// Verdict of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Met the bar.
    Pass,
    /// Did not.
    Fail,
}

impl Verdict {
    /// `pass` / `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
        }
    }
}

/// Score of one criterion; `None` = not applicable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionResult {
    /// Criterion id.
    pub id: String,
    /// 0–100, or null when not applicable.
    pub score: Option<f64>,
    /// Passed, or null when not applicable.
    pub passed: Option<bool>,
    /// Weight used in the call score.
    pub weight: f64,
    /// Number of findings against it.
    pub findings: usize,
}

/// Coverage of one script step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepResult {
    /// Step id.
    pub id: String,
    /// Whether an agent turn performed it.
    pub covered: bool,
    /// The first turn that did.
    pub turn: Option<usize>,
    /// How sure the match is (1 = exact cue; similarity otherwise); for a missed step, the
    /// similarity of the nearest candidate.
    pub confidence: f64,
    /// Whether the end condition requires it.
    pub required: bool,
    /// How it matched: `cue`, `homophone`, `fuzzy`, `regex`, `similarity`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub via: Option<String>,
    /// For a missed step: the agent turn most similar to the model lines.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub nearest_turn: Option<usize>,
}

/// One turn with its annotations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnResult {
    /// 0-based index.
    pub index: usize,
    /// Agent or customer.
    pub role: Role,
    /// Speaker label as in the file.
    pub speaker: String,
    /// Original text.
    pub text: String,
    /// Start time in seconds.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub start: Option<f64>,
    /// End time in seconds.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub end: Option<f64>,
    /// Steps first covered in this turn.
    pub steps: Vec<String>,
    /// Codes of the findings in this turn.
    pub findings: Vec<String>,
}

/// One customer question (or raised concern) and what the agent made of it (the `answers`
/// criterion).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionResult {
    /// The customer turn that asks it.
    pub turn: usize,
    /// `[start, end)` of the asking clause, in characters of that turn's original text.
    pub span: [usize; 2],
    /// The knowledge entry it matches; `null` for a question the knowledge base does not know.
    pub entry: Option<String>,
    /// `answered`, `unanswered`, `contradicted`, `unsupported` or `unmatched`.
    pub status: QuestionStatus,
    /// The agent turn that answered (or contradicted, or answered with unsupported facts); it
    /// may come before `turn` when the agent had just said it. `null` when unanswered or unmatched.
    pub answered_turn: Option<usize>,
    /// The code of the finding that reports it: an `answer` rule's code, or the code of another
    /// criterion's finding that already covers the same characters (`OP002`, `PV002`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code: Option<String>,
}

/// The full result for one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallResult {
    /// Call id.
    pub call_id: String,
    /// Where it came from.
    pub source: String,
    /// Metadata from the input.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub meta: BTreeMap<String, String>,
    /// Weighted score 0–100 over the applicable criteria.
    pub score: Option<f64>,
    /// pass / fail.
    pub verdict: Verdict,
    /// Whether a critical finding failed the call outright.
    pub auto_fail: bool,
    /// Per criterion.
    pub criteria: Vec<CriterionResult>,
    /// Per script step, in script order.
    pub steps: Vec<StepResult>,
    /// Which end condition the call reached.
    pub end_condition: String,
    /// The turn where the end condition's decisive signal fired.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub end_turn: Option<usize>,
    /// All findings, ordered by turn, then span, then code.
    pub findings: Vec<Finding>,
    /// Every customer question and raised concern, with the agent turn that answered it, in
    /// turn order (empty when the rubric has no `[knowledge]`).
    #[serde(default)]
    pub questions: Vec<QuestionResult>,
    /// Every turn with annotations.
    pub turns: Vec<TurnResult>,
    /// How each speaker's role was decided.
    pub roles: Vec<SpeakerRole>,
    /// When the roles were inferred from what the speakers said: how sure the assignment is,
    /// 0..1 (absent when labels, the command line or the format decided them).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub role_confidence: Option<f64>,
    /// When that confidence is low (a near-tie): the warning, also printed on stderr.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub role_warning: Option<String>,
    /// How the call was spoken (see [`crate::timing`]); `null` when it has no timestamps.
    #[serde(default)]
    pub timing: Option<crate::timing::Timing>,
}
