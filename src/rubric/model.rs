//! The rubric file format (TOML), as serde models. Every key is documented in `docs/rubric.md`.
//!
//! Unknown keys are errors (`deny_unknown_fields`). Ids carry their span so that validation
//! errors can point at `file:line:column`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml::Spanned;

/// A whole rubric file.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RubricFile {
    /// Shared list files pulled in before this file: a path relative to this file's folder, or,
    /// when no such file exists, a list built into callqa under that name
    /// (`common/advertising-law.toml`, `common/call-flow.toml`, `common/privacy.toml`,
    /// `common/sales-conduct.toml`). They hold `[lexicons]`, `[synonyms]` and `[dictionary]`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub include: Vec<Spanned<String>>,
    /// Identity and the call-level pass bar.
    pub rubric: Meta,
    /// Per-criterion settings, keyed by criterion id (`steps`, `style`, …).
    #[serde(default)]
    pub criteria: BTreeMap<String, CriterionConfig>,
    /// Points a finding of each severity takes off its criterion's 100.
    #[serde(default)]
    pub penalties: Penalties,
    /// How speaker labels map to roles.
    #[serde(default)]
    pub roles: Roles,
    /// Domain words added to the segmenter's dictionary (the only words added: role cues and
    /// phrases are not).
    #[serde(default)]
    pub dictionary: Dictionary,
    /// Extra personal data masked in every report, on top of the built-in masking.
    #[serde(default)]
    pub redact: Redact,
    /// `canonical = [variants]`: a phrase containing the canonical word also matches each variant.
    #[serde(default)]
    pub synonyms: BTreeMap<String, Vec<String>>,
    /// Named phrase lists, used in any phrase list as `"@name"`: a list, or a change to another
    /// list, such as an included one (`[lexicons.closing]` with `remove = ["谢谢"]`).
    #[serde(default, rename = "lexicons")]
    pub lexicon_defs: BTreeMap<String, LexiconDef>,
    /// Every lexicon with its phrases: the rubric's own lists, the lists of its includes, and
    /// the changes of `lexicon_defs` applied (filled in by the loader; not part of the format).
    #[serde(skip)]
    #[schemars(skip)]
    pub lexicons: BTreeMap<String, Vec<String>>,
    /// The approved facts: the only numbers an agent may claim.
    #[serde(default)]
    pub facts: Vec<Fact>,
    /// Named per-turn detectors (the customer refuses, gives a contact …) used by end
    /// conditions and rules.
    #[serde(default)]
    pub signals: Vec<Signal>,
    /// The script steps, in script order.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// The end conditions, in priority order (the first that holds wins).
    #[serde(default)]
    pub end_conditions: Vec<EndCondition>,
    /// The question-and-answer knowledge base judged by the `answers` criterion: the customer
    /// questions and concerns the script knows, each with its approved answer.
    #[serde(default)]
    pub knowledge: Option<Knowledge>,
    /// The rules that produce findings.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Lexicons that came from `include`d files, with the file each came from (filled in by
    /// the loader; not part of the format).
    #[serde(skip)]
    #[schemars(skip)]
    pub included_lexicons: BTreeMap<String, String>,
}

/// A shared list file pulled in with `include = [...]`: lists only, so one legal update to a
/// word list reaches every rubric that includes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RubricFragment {
    /// Domain words for the segmenter (merged with the including rubric's).
    #[serde(default)]
    pub dictionary: Dictionary,
    /// Synonyms (variant lists of the same key are merged).
    #[serde(default)]
    pub synonyms: BTreeMap<String, Vec<String>>,
    /// Named phrase lists; a name may be defined only once across a rubric and its includes.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Vec<String>>")]
    pub lexicons: BTreeMap<String, Spanned<Vec<String>>>,
}

/// One entry of `[lexicons]`: a list of phrases, or a list made from another one.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum LexiconDef {
    /// `name = ["…", "…"]`: the phrases themselves.
    List(Vec<String>),
    /// `[lexicons.name]` with `extends`, `add`, `remove`: another list (by default the included
    /// list of the same name) with phrases added and removed.
    Edit(LexiconEdit),
}

/// `[lexicons.NAME]` as a table: a lexicon made from another one, so that a rubric can trim or
/// extend a shared list without copying it (and still receive its next update).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LexiconEdit {
    /// The lexicon this one starts from, as included or written (before any change). Default:
    /// the included lexicon of the same name, which this one then replaces everywhere it is used.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub extends: Option<Spanned<String>>,
    /// Phrases added to it.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub add: Vec<Spanned<String>>,
    /// Phrases removed from it; each must be one of its entries.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub remove: Vec<Spanned<String>>,
}

impl<'de> Deserialize<'de> for LexiconDef {
    /// By hand rather than `untagged`: a mistake inside the table (an unknown key, a number in
    /// `remove`) is reported at its own place with serde's own message, not as "did not match
    /// any variant".
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = LexiconDef;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of phrases, or a table with `extends`, `add` and `remove`")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<LexiconDef, A::Error> {
                Vec::<String>::deserialize(SeqAccessDeserializer::new(seq)).map(LexiconDef::List)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<LexiconDef, A::Error> {
                LexiconEdit::deserialize(MapAccessDeserializer::new(map)).map(LexiconDef::Edit)
            }
        }
        d.deserialize_any(V)
    }
}

/// `examples`: lines that must and must not match, checked by `callqa rubric test`. A line is
/// one turn of the role the item looks at, or a short call written as `坐席：…` / `客户：…`
/// lines separated by newlines (for rules that need context, such as `respond`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// Lines the step, signal or entry matches; for a rule: lines on which it reports a finding.
    #[serde(default, rename = "match")]
    #[schemars(with = "Vec<String>")]
    pub matches: Vec<Spanned<String>>,
    /// Lines it must not match (the false-positive traps); for a rule: no finding.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub no_match: Vec<Spanned<String>>,
}

impl Examples {
    /// Whether there is no example at all.
    pub fn is_empty(&self) -> bool {
        self.matches.is_empty() && self.no_match.is_empty()
    }
}

/// `[rubric]`: identity and the call-level pass bar.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Stable id, reported in every result.
    pub id: String,
    /// Version of this rubric, reported in every result.
    pub version: String,
    /// Human title.
    #[serde(default)]
    pub title: Option<String>,
    /// Longer description.
    #[serde(default)]
    pub description: Option<String>,
    /// A call passes when its weighted score is at least this (0–100), no criterion failed and
    /// nothing critical was found.
    #[serde(default = "default_pass_score")]
    pub pass_score: f64,
    /// Default similarity a turn needs to a model line to count (0–1).
    #[serde(default = "default_similarity")]
    pub min_similarity: f64,
}

fn default_pass_score() -> f64 {
    70.0
}
fn default_similarity() -> f64 {
    0.55
}
fn yes() -> bool {
    true
}

/// `[criteria.ID]`: weight and pass bar of one criterion.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionConfig {
    /// Relative weight in the call score (0 = reported but not scored). Default: the built-in
    /// weight of the criterion (steps 35, style 15, overpromise 20, privacy 15, answers 15,
    /// ending 15, customer_style 0).
    #[serde(default)]
    pub weight: Option<f64>,
    /// The criterion passes when its score is at least this (0–100).
    #[serde(default = "default_pass_score")]
    pub pass_score: f64,
    /// `false` turns the criterion off: its rules do not run and it is not reported.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// `false`: reported, but neither its failure nor its critical findings change the verdict
    /// (the default for `customer_style`, which grades a simulator).
    #[serde(default)]
    pub affects_verdict: Option<bool>,
}

/// `[penalties]`: points taken off a criterion's 100 per finding of each severity.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Penalties {
    /// Critical findings (also auto-fail the call).
    #[serde(default = "p_critical")]
    pub critical: f64,
    /// Major findings.
    #[serde(default = "p_major")]
    pub major: f64,
    /// Minor findings.
    #[serde(default = "p_minor")]
    pub minor: f64,
    /// Informational findings.
    #[serde(default)]
    pub info: f64,
}

fn p_critical() -> f64 {
    100.0
}
fn p_major() -> f64 {
    40.0
}
fn p_minor() -> f64 {
    10.0
}

impl Default for Penalties {
    fn default() -> Self {
        Penalties { critical: p_critical(), major: p_major(), minor: p_minor(), info: 0.0 }
    }
}

/// `[roles]`: speaker labels and cues that identify the agent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// Labels that mean the agent (persona name, `坐席` …); built-in aliases always apply.
    #[serde(default)]
    pub agent: Vec<String>,
    /// Labels that mean the customer.
    #[serde(default)]
    pub customer: Vec<String>,
    /// Phrases only the agent would say (persona name, company): used to infer roles when the
    /// labels are generic (`A`/`B`, `spk0`). They do not change segmentation: a name that must
    /// stay one token goes in `[dictionary]`.
    #[serde(default)]
    pub agent_cues: Vec<String>,
}

/// `[dictionary]`: domain words for the segmenter.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dictionary {
    /// Words that must segment as one token (product names, company names …).
    #[serde(default)]
    pub words: Vec<String>,
}

/// `[redact]`: personal data of this script that reports must mask, on top of the built-in
/// masking (phone, ID and card numbers, e-mail addresses, contact ids, verification codes).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Redact {
    /// Regexes (Rust `regex` syntax) run on the original text of every turn, excerpt and
    /// message; each match is masked entirely (`*` per character), like `--redact REGEX`, which
    /// adds to them. `--show-pii` turns them off with the rest of the masking.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub regex: Vec<Spanned<String>>,
}

/// `[[facts]]`: one approved number with its unit.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    /// Stable id.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// The approved value (50万 is written 500000).
    pub value: f64,
    /// The unit (`元`, `GB`, `分钟`, `%`, `小时`, `人次` …; `块`, `G` are accepted aliases).
    #[serde(default)]
    pub unit: String,
    /// The approved wording, for messages and help.
    #[serde(default)]
    pub text: Option<String>,
}

/// Which speaker a detector or rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoleSel {
    /// Agent turns (the default).
    #[default]
    Agent,
    /// Customer turns.
    Customer,
    /// Every turn.
    Any,
}

/// A matcher: what a turn must contain. The parts that are given must all hold: one of `any`
/// or `regex` (they are alternatives), every phrase of `all`, one phrase of each of `groups`.
/// Similarity to `models` is another way to match; `none` vetoes the turn.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cues {
    /// At least one of these phrases (`"@lexicon"` expands a lexicon).
    #[serde(default)]
    pub any: Vec<String>,
    /// Every one of these phrases.
    #[serde(default)]
    pub all: Vec<String>,
    /// Every group must have at least one phrase present (AND of ORs).
    #[serde(default)]
    pub groups: Vec<Vec<String>>,
    /// Regexes run on the normalized text; a match counts like a phrase of `any`.
    #[serde(default)]
    pub regex: Vec<String>,
    /// Vetoes: the turn does not match when one of these phrases is present.
    #[serde(default)]
    pub none: Vec<String>,
    /// Model lines: a turn similar enough to one of them matches even without the phrases.
    #[serde(default)]
    pub models: Vec<String>,
    /// Similarity needed to a model line (0–1); defaults to `rubric.min_similarity`.
    #[serde(default)]
    pub min_similarity: Option<f64>,
    /// Ignore phrase occurrences governed by a negation (不能保证 is not 保证). Default true.
    #[serde(default = "yes")]
    pub negation: bool,
    /// Also match phrases by pinyin (ASR homophones such as 长江一动). Default true.
    #[serde(default = "yes")]
    pub homophones: bool,
    /// Also match phrases of 4+ characters approximately (normalized edit similarity ≥ 0.75, for
    /// ASR dropped or extra characters). Default false.
    #[serde(default)]
    pub fuzzy: bool,
}

/// `[[signals]]`: a named detector run on every turn of a role.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    /// Stable id, referenced from end conditions and rules.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// Whose turns it looks at.
    #[serde(default)]
    pub role: RoleSel,
    /// What it detects.
    #[serde(default)]
    pub description: Option<String>,
    /// The matcher.
    pub cues: Cues,
    /// The dialogue act this signal expresses ([`crate::dialogue`]): `leave` (the speaker must
    /// end the call now — an occurrence said of later, 我等会儿有个会, or of habit, 经常开会, is
    /// not one), `refuse` (a clear no to the offer), `contact_given`, or `contact_ask` (after
    /// a contact was given, only a turn that asks again is a new request).
    #[serde(default)]
    pub act: Option<SignalAct>,
    /// Conditions a turn must meet for the signal to fire there (`question`, `!question`,
    /// `last:N`, `last_turn`).
    #[serde(default)]
    pub when: Vec<Condition>,
    /// Lines it must and must not match (`callqa rubric test`).
    #[serde(default)]
    pub examples: Examples,
}

/// The dialogue act a signal expresses (`act` of `[[signals]]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignalAct {
    /// The speaker must end the call now.
    Leave,
    /// A clear no to the offer.
    Refuse,
    /// The customer gives a contact.
    ContactGiven,
    /// The agent asks for a contact.
    ContactAsk,
    /// The customer asks for something to be done or found out (查话费, 帮我改套餐): it opens a
    /// request that stays open until a `resolve` act.
    Request,
    /// The request was dealt with (已经为您办好了, 给您查到了, 问题解决了): it closes every open
    /// request.
    Resolve,
}

/// A state of the call the dialogue layer tracks, usable as a condition (`when`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DialogueState {
    /// The customer's `leave` act, not waived since (no later question or go-ahead of theirs).
    Leaving,
    /// The customer's `leave` or `refuse` act, not waived since: the call should be closing.
    ExitPending,
    /// A customer `request` act not followed by a `resolve` act yet.
    RequestOpen,
}

/// One condition of `when`, written as a string: a dialogue state (`exit_pending`, `leaving`,
/// `request_open`), `question` (the turn asks a real question), `last:N` (the turn is one of
/// the call's last N), `last_turn` (the last turn of the item's role: the customer's last turn
/// for a customer signal), `covered:STEP` (the step was covered at or before the turn); `!` in
/// front negates (`!question`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// `!`: the condition must not hold.
    pub negated: bool,
    /// What is asked.
    pub predicate: Predicate,
}

/// What a [`Condition`] asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Predicate {
    /// A state the dialogue layer tracks.
    State(DialogueState),
    /// The turn asks a real question (question grammar, not a back-channel).
    Question,
    /// The turn is one of the call's last N turns.
    Last(usize),
    /// The turn is the last turn of the item's role.
    LastTurn,
    /// The step (by id) was covered at or before the turn.
    Covered(String),
}

impl Condition {
    /// The names that may be written, for messages.
    pub const FORMS: &'static str =
        "exit_pending, leaving, request_open, question, last:N, last_turn, covered:STEP (`!` in front negates)";

    /// Whether the condition is about one turn only (usable where the dialogue state is not
    /// known yet: signals and steps).
    pub fn is_turn_only(&self) -> bool {
        matches!(self.predicate, Predicate::Question | Predicate::Last(_) | Predicate::LastTurn)
    }
}

impl std::str::FromStr for Condition {
    type Err = String;
    fn from_str(text: &str) -> Result<Condition, String> {
        let t = text.trim();
        let (negated, t) = match t.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, t),
        };
        let predicate = match t.split_once(':') {
            Some(("last", n)) => match n.trim().parse::<usize>() {
                Ok(n) if n > 0 => Predicate::Last(n),
                _ => return Err(format!("`{text}`: last:N needs a whole number of turns ≥ 1")),
            },
            Some(("covered", step)) if !step.trim().is_empty() => Predicate::Covered(step.trim().to_string()),
            None => match t {
                "exit_pending" => Predicate::State(DialogueState::ExitPending),
                "leaving" => Predicate::State(DialogueState::Leaving),
                "request_open" => Predicate::State(DialogueState::RequestOpen),
                "question" => Predicate::Question,
                "last_turn" => Predicate::LastTurn,
                _ => return Err(format!("unknown condition `{text}`, expected one of {}", Condition::FORMS)),
            },
            _ => return Err(format!("unknown condition `{text}`, expected one of {}", Condition::FORMS)),
        };
        Ok(Condition { negated, predicate })
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.negated {
            f.write_str("!")?;
        }
        match &self.predicate {
            Predicate::State(DialogueState::ExitPending) => f.write_str("exit_pending"),
            Predicate::State(DialogueState::Leaving) => f.write_str("leaving"),
            Predicate::State(DialogueState::RequestOpen) => f.write_str("request_open"),
            Predicate::Question => f.write_str("question"),
            Predicate::Last(n) => write!(f, "last:{n}"),
            Predicate::LastTurn => f.write_str("last_turn"),
            Predicate::Covered(s) => write!(f, "covered:{s}"),
        }
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for Condition {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl JsonSchema for Condition {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Condition".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "exit_pending, leaving, request_open, question, last:N, last_turn or covered:STEP; `!` in front negates",
            "pattern": "^!?\\s*(exit_pending|leaving|request_open|question|last_turn|last:[1-9][0-9]*|covered:.+)$"
        })
    }
}

/// `[[steps]]`: one script step.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Stable id.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// Human title.
    #[serde(default)]
    pub title: Option<String>,
    /// The matcher; its `models` are the script's model lines.
    pub cues: Cues,
    /// Only the first N agent turns count (an opening).
    #[serde(default)]
    pub first: Option<usize>,
    /// Only the last N agent turns count (a closing).
    #[serde(default)]
    pub last: Option<usize>,
    /// `false`: the step has no place in the script's order (an optional clarifying question,
    /// a step a recording may start after) and is left out of the order check (SC002).
    #[serde(default = "yes")]
    pub ordered: bool,
    /// Conditions its turn must meet (`question`, `!question`, `last:N`, `last_turn`): a step
    /// is covered only at a turn where all hold.
    #[serde(default)]
    pub when: Vec<Condition>,
    /// Lines it must and must not match (`callqa rubric test`).
    #[serde(default)]
    pub examples: Examples,
}

/// `[[end_conditions]]`: one way a call may end, decided from signals.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndCondition {
    /// Stable id (`contact_captured`, `declined` … or `none` for the fallback).
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// Human title.
    #[serde(default)]
    pub title: Option<String>,
    /// Signals that must all have occurred.
    #[serde(default)]
    pub all: Vec<String>,
    /// At least one of these signals must have occurred (when given).
    #[serde(default)]
    pub any: Vec<String>,
    /// None of these signals may have occurred.
    #[serde(default)]
    pub none: Vec<String>,
    /// Conditions that must hold when the call ends: dialogue states (`leaving`, `exit_pending`,
    /// `request_open`), `covered:STEP`, `question` (the call's last turn asks); `!` negates.
    #[serde(default)]
    pub when: Vec<Condition>,
    /// Steps a call ending this way must cover.
    #[serde(default)]
    pub required_steps: Vec<String>,
    /// A call ending this way is itself a finding of the `ending` criterion (the fallback `none`:
    /// cut off, dropped, voicemail — no valid end condition reached).
    #[serde(default)]
    pub finding: Option<EndFinding>,
}

/// `finding` of an end condition: the code, severity and message reported when a call ends so.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndFinding {
    /// Finding code (documented in docs/rules.md like every code).
    pub code: String,
    /// Severity.
    pub severity: Severity,
    /// Message.
    pub message: String,
    /// What to do instead.
    #[serde(default)]
    pub help: Option<String>,
}

/// `[knowledge]`: the question-and-answer knowledge base. Every customer question or concern
/// that matches an entry must be addressed by the agent with the entry's approved facts, not
/// dodged, contradicted or answered with invented facts; customer questions that match no entry
/// are listed for the knowledge base's authors. Rules of type `answer` turn the outcomes into
/// findings.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Knowledge {
    /// How many agent turns after a question must address it (default 2).
    #[serde(default)]
    pub within: Option<usize>,
    /// How many agent turns right before a question count when they already carried the answer
    /// (the customer asks about what was just explained; default 1, 0 turns it off).
    #[serde(default)]
    pub lookback: Option<usize>,
    /// Whether an answer given later in the call than `within` still counts as an answer (the
    /// agent came back to the question; default true). `false`: only the window counts.
    #[serde(default)]
    pub late: Option<bool>,
    /// Similarity an agent turn needs to an entry's model `answer` to count as answering it
    /// (0–1); defaults to `rubric.min_similarity`.
    #[serde(default)]
    pub min_similarity: Option<f64>,
    /// Extra cues that make a customer clause a question or a worry, on top of the built-in
    /// Chinese question grammar (？, 吗/呢/么, 能不能, 多少, 怎么, 担心 …).
    #[serde(default)]
    pub questions: Option<Cues>,
    /// Short back-channel questions that are not real questions, on top of the built-in ones
    /// (喂？ 哪位？ 是吗？ 什么事？): a clause equal to one of these (particles aside) is never an
    /// unmatched question.
    #[serde(default)]
    pub backchannel: Vec<String>,
    /// Customer clauses matching these cues are never listed as unmatched questions (requests
    /// such as 能不能直接说重点).
    #[serde(default)]
    pub ignore: Option<Cues>,
    /// The known questions and concerns.
    #[serde(default)]
    pub entries: Vec<KnowledgeEntry>,
}

/// What a knowledge entry stands for (informational; both are judged the same way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A scripted question with an approved answer (the script's 问答知识库).
    #[default]
    Question,
    /// A concern the customer may raise (the persona's 关切点); its `facts` say what counts as
    /// addressing it.
    Concern,
}

/// `[[knowledge.entries]]`: one known customer question or concern with its approved answer.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeEntry {
    /// Stable id, reported in the call's `questions`.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// Question (scripted Q&A) or concern (persona worry).
    #[serde(default)]
    pub kind: EntryKind,
    /// Human title, used in messages (`{entry}`).
    #[serde(default)]
    pub title: Option<String>,
    /// The cues of the customer's question (phrases and model questions), matched on each
    /// clause of a customer turn.
    pub ask: Cues,
    /// `true`: the cues count in any customer clause, also a plain statement
    /// (我之前资料被泄露过); default `false`: only in a clause that asks or voices a worry.
    #[serde(default)]
    pub statements: bool,
    /// The approved model answer; an agent turn similar enough to it answers the entry. Also
    /// the default help of the entry's findings.
    #[serde(default)]
    pub answer: Option<String>,
    /// The key facts an answer must carry (at least `min_facts` of them).
    #[serde(default)]
    pub facts: Vec<KeyFact>,
    /// How many distinct key facts the agent's answer must carry (default 1).
    #[serde(default)]
    pub min_facts: Option<usize>,
    /// Statements that contradict the approved answer (不能退, 要交违约金).
    #[serde(default)]
    pub contradicts: Option<Cues>,
    /// Claims beyond the approved answer (a duration the offer does not have, a gift).
    #[serde(default)]
    pub unsupported: Option<Cues>,
    /// A key fact said negated (不能退回 for 退回) contradicts the entry. Default true.
    #[serde(default = "yes")]
    pub contradict_negated: bool,
    /// Similarity needed to `answer`; defaults to `knowledge.min_similarity`.
    #[serde(default)]
    pub min_similarity: Option<f64>,
    /// Customer questions that must and must not be recognised as this entry.
    #[serde(default)]
    pub examples: Examples,
}

/// One key fact of an approved answer: a matcher, or an approved number of `[[facts]]`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyFact {
    /// Name of the fact (informational).
    #[serde(default)]
    pub id: Option<String>,
    /// What an agent turn says when it carries the fact.
    #[serde(default)]
    pub cues: Option<Cues>,
    /// Instead of `cues`: the id of a `[[facts]]` number; the turn carries the fact when it
    /// states that number with its unit.
    #[serde(default)]
    pub fact: Option<String>,
    /// The approved wording (informational).
    #[serde(default)]
    pub text: Option<String>,
}

/// What happened to one customer question (the `status` of an `answer` rule and of each entry
/// in a call's `questions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum QuestionStatus {
    /// The agent addressed it with the approved facts.
    Answered,
    /// The agent moved on without addressing it.
    Unanswered,
    /// The agent said the opposite of the knowledge base.
    Contradicted,
    /// The agent's answer carried facts the knowledge base does not have.
    Unsupported,
    /// The question matches no knowledge-base entry.
    Unmatched,
}

impl QuestionStatus {
    /// The lowercase name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionStatus::Answered => "answered",
            QuestionStatus::Unanswered => "unanswered",
            QuestionStatus::Contradicted => "contradicted",
            QuestionStatus::Unsupported => "unsupported",
            QuestionStatus::Unmatched => "unmatched",
        }
    }
}

/// Severity of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Auto-fails the call.
    Critical,
    /// Fails its criterion (with default penalties).
    Major,
    /// Costs a few points.
    Minor,
    /// Reported, costs nothing.
    Info,
}

impl Severity {
    /// The lowercase name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Major => "major",
            Severity::Minor => "minor",
            Severity::Info => "info",
        }
    }
}

/// The general rule types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// A finding for every turn of `role` that matches `cues` (or the turns where `signal` fired).
    Forbid,
    /// A finding when no turn of `role` (within `first`/`last` turns of that role) matches.
    Require,
    /// After each turn where `trigger` fired, the `role`'s next `within` turns must match
    /// `expect` (or must not match `forbid`).
    Respond,
    /// A finding for every number with a unit in `units` that no approved fact has.
    Claims,
    /// A finding for every turn of `role` longer than `max_chars`.
    TurnLength,
    /// A finding for every turn of `role` nearly identical to an earlier turn of the same role.
    Repetition,
    /// A finding for every customer question of `[knowledge]` whose outcome is `status`
    /// (unanswered, contradicted, unsupported, unmatched), optionally only for some `entries`.
    Answer,
    /// A finding when the call's timing `metric` (`silence_max_s`, `agent_chars_per_min` …) is
    /// below `min` or above `max`; not applicable to a call without timestamps.
    Timing,
}

/// `[[rules]]`: one rule producing findings with a stable code.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// Finding code (`OP001`); several rules may share one.
    pub code: String,
    /// The criterion the findings belong to.
    pub criterion: String,
    /// The rule type.
    #[serde(rename = "type")]
    pub kind: RuleKind,
    /// Severity of its findings.
    pub severity: Severity,
    /// Message template: `{excerpt}`, `{phrase}`, `{turn}`, `{limit}`, `{value}`, `{trigger}`
    /// are filled in; `answer` rules also fill `{question}`, `{entry}`, `{entry_id}`, `{answer}`,
    /// `{answer_turn}`; `timing` rules `{metric}` and `{at}` (the time, `m:ss`).
    pub message: String,
    /// One-line summary for `callqa rules`.
    #[serde(default)]
    pub summary: Option<String>,
    /// What a compliant line looks like (shown as help).
    #[serde(default)]
    pub help: Option<String>,
    /// Whose turns it looks at (default agent).
    #[serde(default)]
    pub role: RoleSel,
    /// The matcher (`forbid`, `require`; for `claims`: context that exempts a number).
    #[serde(default)]
    pub cues: Option<Cues>,
    /// Instead of `cues`: the turns where this signal fired.
    #[serde(default)]
    pub signal: Option<String>,
    /// The rule counts as applicable (for N/A) only when one of these signals occurred somewhere
    /// in the call — or when it fires anyway.
    #[serde(default)]
    pub applies_when: Vec<String>,
    /// `forbid`: no finding in a turn at or after one of these signals (e.g. a false
    /// "recorded your WeChat" is only false when the contact was never given).
    #[serde(default)]
    pub unless: Vec<String>,
    /// `forbid`: only turns strictly after one of these signals count.
    #[serde(default)]
    pub after: Vec<String>,
    /// `forbid`: only turns while these dialogue states hold (`exit_pending`: the customer said
    /// they must go or declined and has not asked or said "go ahead" since).
    #[serde(default)]
    pub when: Vec<Condition>,
    /// `forbid`: a turn that covers one of these steps matches too (any selling step after the
    /// customer must go, whatever its words).
    #[serde(default)]
    pub steps: Vec<String>,
    /// `forbid`: a match attached to an approved fact is not a finding — its clause states a
    /// `[[facts]]` number right after it and the fact's wording uses the matched term (最低 +
    /// 59元 where the fact says 最低只要59元), or the match with its next word is part of a fact's
    /// wording. Every other match in the same turn is still judged.
    #[serde(default)]
    pub exempt_approved: bool,
    /// `respond`: the signal that opens the window.
    #[serde(default)]
    pub trigger: Option<String>,
    /// `respond`: what the response must contain.
    #[serde(default)]
    pub expect: Option<Cues>,
    /// `respond`: what the response must not contain.
    #[serde(default)]
    pub forbid: Option<Cues>,
    /// `respond`: how many turns of `role` after the trigger make the window.
    #[serde(default)]
    pub within: Option<usize>,
    /// `respond`: the trigger turn itself is part of the window (when it is `role`'s own turn).
    #[serde(default)]
    pub same_turn: bool,
    /// `require`: only the first N turns of `role` count.
    #[serde(default)]
    pub first: Option<usize>,
    /// `require`: only the last N turns of `role` count.
    #[serde(default)]
    pub last: Option<usize>,
    /// `claims`: units checked against the facts (canonical or alias spelling).
    #[serde(default)]
    pub units: Vec<String>,
    /// `turn_length`: longest allowed turn, in characters.
    #[serde(default)]
    pub max_chars: Option<usize>,
    /// `repetition`: similarity at which two turns count as the same (0–1).
    #[serde(default)]
    pub min_similarity: Option<f64>,
    /// `repetition`: turns shorter than this are never repetitions (短句如“好的”).
    #[serde(default)]
    pub min_chars: Option<usize>,
    /// `answer`: the question outcome that produces a finding.
    #[serde(default)]
    pub status: Option<QuestionStatus>,
    /// `answer`: only questions of these knowledge entries (by id); empty = every entry.
    #[serde(default)]
    pub entries: Vec<String>,
    /// `timing`: the figure judged (`silence_max_s`, `agent_chars_per_min`, … see `callqa rules`).
    #[serde(default)]
    pub metric: Option<String>,
    /// `timing`: a finding when the figure is below this.
    #[serde(default)]
    pub min: Option<f64>,
    /// `timing`: a finding when the figure is above this.
    #[serde(default)]
    pub max: Option<f64>,
    /// Lines on which the rule must and must not report a finding (`callqa rubric test`).
    #[serde(default)]
    pub examples: Examples,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_read_and_print_as_written() {
        for text in [
            "exit_pending",
            "leaving",
            "request_open",
            "question",
            "!question",
            "last:3",
            "last_turn",
            "covered:verify",
            "!covered:answer",
        ] {
            let c: Condition = text.parse().unwrap();
            assert_eq!(c.to_string(), text);
        }
        assert_eq!(
            "! question".parse::<Condition>().unwrap(),
            Condition { negated: true, predicate: Predicate::Question }
        );
        assert!("last:0".parse::<Condition>().unwrap_err().contains("≥ 1"));
        assert!("covered:".parse::<Condition>().unwrap_err().contains("unknown condition"));
        assert!("questoin".parse::<Condition>().unwrap_err().contains("expected one of exit_pending"));
        assert!("last:2".parse::<Condition>().unwrap().is_turn_only());
        assert!(!"covered:x".parse::<Condition>().unwrap().is_turn_only());
    }
}
