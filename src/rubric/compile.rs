//! Compiling a rubric once: phrase lists expanded (lexicons, synonyms) and built into shared
//! phrase sets, regexes compiled, references resolved to indices. Matching a call then only
//! looks things up.

use super::model::{
    Condition, Cues, EndFinding, EntryKind, QuestionStatus, RoleSel, RubricFile, RuleKind, Severity, SignalAct,
};
use crate::text::matcher::{PhraseOptions, PhraseSet};
use crate::text::normalize::normalize;
use crate::text::numbers::canonical_unit;
use crate::text::segment::{Analyzer, default_jieba};
use crate::text::similarity::ModelSet;
use crate::transcript::roles::RoleHints;
use jieba_rs::Jieba;
use regex::Regex;
use std::collections::BTreeMap;

/// Index of a compiled signal.
pub type SignalIdx = usize;

/// A compiled matcher. Phrase ids index into the phrase set `set` of the rubric.
#[derive(Debug)]
pub struct CompiledCues {
    /// Which of the rubric's phrase sets holds this matcher's phrases.
    pub set: usize,
    /// Phrase ids of `any` (sorted, distinct).
    pub any: Vec<u32>,
    /// Phrase ids of `all`.
    pub all: Vec<u32>,
    /// Phrase ids of each group (each sorted, distinct).
    pub groups: Vec<Vec<u32>>,
    /// Phrase ids of `none` (sorted, distinct).
    pub none: Vec<u32>,
    /// Compiled regexes.
    pub regex: Vec<Regex>,
    /// Model lines.
    pub models: Vec<String>,
    /// The model lines as indices into [`CompiledRubric::models`] (same order as `models`).
    pub model_ids: Vec<usize>,
    /// Similarity needed to a model line.
    pub min_similarity: f64,
    /// Whether negated phrase occurrences are ignored.
    pub negation: bool,
}

impl CompiledCues {
    /// True when the matcher has a phrase or regex part (not only model lines).
    pub fn has_phrase_part(&self) -> bool {
        !(self.any.is_empty() && self.all.is_empty() && self.groups.is_empty() && self.regex.is_empty())
    }
}

/// A compiled signal.
#[derive(Debug)]
pub struct CompiledSignal {
    /// Id.
    pub id: String,
    /// Whose turns it looks at.
    pub role: RoleSel,
    /// The matcher.
    pub cues: CompiledCues,
    /// The dialogue act it expresses.
    pub act: Option<SignalAct>,
    /// Conditions a turn must meet for it to fire there (about that turn only).
    pub when: Vec<Condition>,
}

/// A compiled script step.
#[derive(Debug)]
pub struct CompiledStep {
    /// Id.
    pub id: String,
    /// Title (the id when the rubric gives none).
    pub title: String,
    /// The matcher.
    pub cues: CompiledCues,
    /// Line of the step in the rubric file.
    pub line: usize,
    /// Only the first N agent turns count.
    pub first: Option<usize>,
    /// Only the last N agent turns count.
    pub last: Option<usize>,
    /// Part of the order check (SC002); `false` for a step with no place in the order.
    pub ordered: bool,
    /// Conditions its turn must meet (about that turn only).
    pub when: Vec<Condition>,
}

/// A compiled end condition.
#[derive(Debug)]
pub struct CompiledEnd {
    /// Id.
    pub id: String,
    /// Signals that must all have occurred.
    pub all: Vec<SignalIdx>,
    /// Signals of which one must have occurred (when non-empty).
    pub any: Vec<SignalIdx>,
    /// Signals that must not have occurred.
    pub none: Vec<SignalIdx>,
    /// Dialogue states that must hold at the end of the call.
    pub when: Vec<Condition>,
    /// Indices of the steps this ending requires; `None` = every step.
    pub required_steps: Option<Vec<usize>>,
    /// The finding a call ending so is.
    pub finding: Option<EndFinding>,
    /// Line of the end condition in the rubric file.
    pub line: usize,
}

/// What a rule looks for in a turn.
#[derive(Debug)]
pub enum Target {
    /// Its own matcher.
    Cues(CompiledCues),
    /// The turns where a signal fired.
    Signal(SignalIdx),
    /// Nothing (claims, turn_length, repetition).
    None,
}

/// A `timing` rule's metric and bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimingLimit {
    /// The figure judged.
    pub metric: crate::timing::Metric,
    /// A finding below this.
    pub min: Option<f64>,
    /// A finding above this.
    pub max: Option<f64>,
}

/// A compiled rule.
#[derive(Debug)]
pub struct CompiledRule {
    /// Id.
    pub id: String,
    /// Finding code.
    pub code: String,
    /// Criterion id.
    pub criterion: String,
    /// Rule type.
    pub kind: RuleKind,
    /// Severity.
    pub severity: Severity,
    /// Message template.
    pub message: String,
    /// Help text.
    pub help: Option<String>,
    /// Whose turns it looks at.
    pub role: RoleSel,
    /// The matcher (forbid/require; for claims: exempting context).
    pub target: Target,
    /// Signals of which one must occur for the rule to apply.
    pub applies_when: Vec<SignalIdx>,
    /// forbid: exempting earlier signals.
    pub unless: Vec<SignalIdx>,
    /// forbid: only after these signals.
    pub after: Vec<SignalIdx>,
    /// forbid: only turns while these dialogue states hold.
    pub when: Vec<Condition>,
    /// forbid: steps whose coverage in a turn is a match.
    pub steps: Vec<usize>,
    /// forbid: matches attached to an approved fact are exempt.
    pub exempt_approved: bool,
    /// respond: trigger.
    pub trigger: Option<SignalIdx>,
    /// respond: expected response.
    pub expect: Option<CompiledCues>,
    /// respond: forbidden response.
    pub forbid: Option<CompiledCues>,
    /// respond: window size in turns of `role`.
    pub within: usize,
    /// respond: the trigger turn counts.
    pub same_turn: bool,
    /// require: first N turns of role.
    pub first: Option<usize>,
    /// require: last N turns of role.
    pub last: Option<usize>,
    /// claims: canonical units checked.
    pub units: Vec<String>,
    /// turn_length limit.
    pub max_chars: usize,
    /// repetition similarity.
    pub min_similarity: f64,
    /// repetition: minimum turn length.
    pub min_chars: usize,
    /// answer: the question outcome that produces a finding.
    pub status: Option<QuestionStatus>,
    /// answer: indices of the knowledge entries it covers (empty = every entry).
    pub entries: Vec<usize>,
    /// timing: the metric and its bounds.
    pub timing: Option<TimingLimit>,
    /// Line of the rule in the rubric file.
    pub line: usize,
}

/// A compiled key fact of a knowledge entry.
#[derive(Debug)]
pub struct CompiledKeyFact {
    /// Name (the rubric's `id`, else `fact<N>`).
    pub id: String,
    /// The matcher as written (negated occurrences ignored unless it says `negation = false`).
    pub cues: Option<CompiledCues>,
    /// The same phrases with negated occurrences kept, to see a fact said negated (不能退回);
    /// `None` when the matcher does not ignore negations.
    pub any_polarity: Option<CompiledCues>,
    /// Index of the `[[facts]]` number this key fact stands for.
    pub fact: Option<usize>,
}

/// A compiled knowledge entry.
#[derive(Debug)]
pub struct CompiledEntry {
    /// Id.
    pub id: String,
    /// Title (the id when the rubric gives none).
    pub title: String,
    /// Question or concern.
    pub kind: EntryKind,
    /// Cues of the customer's question.
    pub ask: CompiledCues,
    /// The cues also count in plain statements.
    pub statements: bool,
    /// The model answer.
    pub answer: Option<String>,
    /// The model answer as a similarity matcher.
    pub answer_cues: Option<CompiledCues>,
    /// Key facts.
    pub facts: Vec<CompiledKeyFact>,
    /// Distinct key facts an answer must carry.
    pub min_facts: usize,
    /// Contradicting statements.
    pub contradicts: Option<CompiledCues>,
    /// Claims beyond the approved answer.
    pub unsupported: Option<CompiledCues>,
    /// A negated key fact contradicts.
    pub contradict_negated: bool,
}

/// The compiled `[knowledge]` section.
#[derive(Debug)]
pub struct CompiledKnowledge {
    /// Agent turns after a question that must address it.
    pub within: usize,
    /// Agent turns before a question that count when they already answered it.
    pub lookback: usize,
    /// A later answer still counts.
    pub late: bool,
    /// Extra question/worry cues.
    pub questions: Option<CompiledCues>,
    /// The rubric's back-channel questions, normalized, without spaces and punctuation (the
    /// built-in ones are added by the `answers` criterion).
    pub backchannel: Vec<String>,
    /// Clauses never listed as unmatched questions.
    pub ignore: Option<CompiledCues>,
    /// Canonical units whose numbers in an answer must be approved `[[facts]]`: the units of
    /// the facts.
    pub units: Vec<String>,
    /// The entries.
    pub entries: Vec<CompiledEntry>,
}

/// An approved number.
#[derive(Debug, Clone)]
pub struct CompiledFact {
    /// Id.
    pub id: String,
    /// Value.
    pub value: f64,
    /// Canonical unit.
    pub unit: String,
    /// The approved wording, normalized like a turn (empty without `text`).
    pub wording: Vec<char>,
}

/// Settings of one criterion after defaults are applied.
#[derive(Debug, Clone)]
pub struct CriterionSettings {
    /// Weight in the call score.
    pub weight: f64,
    /// Pass bar.
    pub pass_score: f64,
    /// Whether it changes the verdict.
    pub affects_verdict: bool,
}

/// A rubric ready for matching; shared by all threads.
pub struct CompiledRubric {
    /// The parsed file (for `rules`, `explain`).
    pub file: RubricFile,
    /// Where it came from.
    pub path: String,
    /// The segmenter with the rubric's domain words.
    pub analyzer: Analyzer,
    /// Phrase sets, one per combination of matching options.
    pub sets: Vec<PhraseSet>,
    /// Phrase text per set and id (for messages).
    pub phrase_text: Vec<Vec<String>>,
    /// Every distinct model line of every matcher, prepared once for similarity.
    pub models: ModelSet,
    /// Signals.
    pub signals: Vec<CompiledSignal>,
    /// Steps in script order.
    pub steps: Vec<CompiledStep>,
    /// End conditions in priority order.
    pub ends: Vec<CompiledEnd>,
    /// Rules.
    pub rules: Vec<CompiledRule>,
    /// Approved facts.
    pub facts: Vec<CompiledFact>,
    /// The question-and-answer knowledge base, when the rubric has one.
    pub knowledge: Option<CompiledKnowledge>,
    /// Enabled criteria in output order, with settings.
    pub criteria: Vec<(String, CriterionSettings)>,
    /// Penalties per severity.
    pub penalties: super::model::Penalties,
    /// Hints for mapping speakers to roles.
    pub role_hints: RoleHints,
}

impl std::fmt::Debug for CompiledRubric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledRubric").field("id", &self.file.rubric.id).field("path", &self.path).finish()
    }
}

/// Default order and weights of the criteria.
pub const DEFAULT_CRITERIA: &[(&str, f64)] = &[
    ("steps", 35.0),
    ("style", 15.0),
    ("overpromise", 20.0),
    ("privacy", 15.0),
    ("answers", 15.0),
    ("ending", 15.0),
    ("customer_style", 0.0),
];

/// Collects phrases into one builder per option combination.
#[derive(Default)]
struct SetBuilder {
    patterns: Vec<(String, u32)>,
    ids: BTreeMap<String, u32>,
    texts: Vec<String>,
}

struct Compiler<'a> {
    file: &'a RubricFile,
    builders: Vec<SetBuilder>, // index = homophones as usize * 2 + fuzzy as usize
    signal_idx: BTreeMap<String, usize>,
    /// Distinct model lines, in order of first use, and their index.
    models: Vec<String>,
    model_idx: BTreeMap<String, usize>,
}

impl Compiler<'_> {
    fn set_index(c: &Cues) -> usize {
        (c.homophones as usize) * 2 + c.fuzzy as usize
    }

    /// Expands `@lexicon` references.
    fn expand<'b>(&'b self, list: &'b [String]) -> Vec<&'b str> {
        let mut out = Vec::new();
        for p in list {
            match p.strip_prefix('@').and_then(|n| self.file.lexicons.get(n)) {
                Some(lex) => out.extend(lex.iter().map(String::as_str)),
                None => out.push(p.as_str()),
            }
        }
        out
    }

    fn phrase_id(&mut self, set: usize, phrase: &str) -> u32 {
        let phrase = phrase.trim();
        let b = &mut self.builders[set];
        if let Some(&id) = b.ids.get(phrase) {
            return id;
        }
        let id = b.texts.len() as u32;
        b.ids.insert(phrase.to_string(), id);
        b.texts.push(phrase.to_string());
        b.patterns.push((phrase.to_string(), id));
        // Synonyms: a phrase containing a canonical word also matches with each variant.
        for (canon, variants) in &self.file.synonyms {
            if canon.is_empty() || !phrase.contains(canon.as_str()) {
                continue;
            }
            for v in variants {
                b.patterns.push((phrase.replace(canon.as_str(), v), id));
            }
        }
        id
    }

    fn ids(&mut self, set: usize, list: &[String]) -> Vec<u32> {
        let phrases: Vec<String> = self.expand(list).into_iter().map(str::to_string).collect();
        phrases.iter().map(|p| self.phrase_id(set, p)).collect()
    }

    fn model_id(&mut self, model: &str) -> usize {
        if let Some(&i) = self.model_idx.get(model) {
            return i;
        }
        self.models.push(model.to_string());
        self.model_idx.insert(model.to_string(), self.models.len() - 1);
        self.models.len() - 1
    }

    fn cues(&mut self, c: &Cues) -> CompiledCues {
        let set = Self::set_index(c);
        let model_ids = c.models.iter().map(|m| self.model_id(m)).collect();
        CompiledCues {
            set,
            any: sorted(self.ids(set, &c.any)),
            all: self.ids(set, &c.all),
            groups: c.groups.iter().map(|g| sorted(self.ids(set, g))).collect(),
            none: sorted(self.ids(set, &c.none)),
            // Validation already rejected bad regexes; a failure here would be a bug, so skip it.
            regex: c.regex.iter().filter_map(|r| Regex::new(r).ok()).collect(),
            models: c.models.clone(),
            model_ids,
            min_similarity: c.min_similarity.unwrap_or(self.file.rubric.min_similarity),
            negation: c.negation,
        }
    }

    fn signals(&self, names: &[String]) -> Vec<usize> {
        names.iter().filter_map(|n| self.signal_idx.get(n).copied()).collect()
    }
}

/// `ids` sorted and deduplicated: "any of these" lists are looked up by binary search.
fn sorted(mut ids: Vec<u32>) -> Vec<u32> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Compiles a validated rubric file. `source` is the rubric text (for line numbers).
pub fn compile(file: RubricFile, path: &str, source: &str) -> CompiledRubric {
    compile_with(file, path, source, default_jieba)
}

/// [`compile`], taking jieba with its default dictionary from `base` only once everything else
/// is compiled: the dictionary may still be loading on another thread.
pub(crate) fn compile_with(file: RubricFile, path: &str, source: &str, base: impl FnOnce() -> Jieba) -> CompiledRubric {
    let line_of = |offset: usize| source.get(..offset).map_or(0, |s| s.matches('\n').count() + 1);
    let mut c = Compiler {
        file: &file,
        builders: (0..4).map(|_| SetBuilder::default()).collect(),
        signal_idx: BTreeMap::new(),
        models: Vec::new(),
        model_idx: BTreeMap::new(),
    };
    for (i, s) in file.signals.iter().enumerate() {
        c.signal_idx.insert(s.id.get_ref().clone(), i);
    }
    let signals: Vec<CompiledSignal> = file
        .signals
        .iter()
        .map(|s| CompiledSignal {
            id: s.id.get_ref().clone(),
            role: s.role,
            cues: c.cues(&s.cues),
            act: s.act,
            when: s.when.clone(),
        })
        .collect();
    let steps: Vec<CompiledStep> = file
        .steps
        .iter()
        .map(|s| CompiledStep {
            id: s.id.get_ref().clone(),
            title: s.title.clone().unwrap_or_else(|| s.id.get_ref().clone()),
            cues: c.cues(&s.cues),
            line: line_of(s.id.span().start),
            first: s.first,
            last: s.last,
            ordered: s.ordered,
            when: s.when.clone(),
        })
        .collect();
    let step_idx: BTreeMap<&str, usize> = steps.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
    let ends = file
        .end_conditions
        .iter()
        .map(|e| CompiledEnd {
            id: e.id.get_ref().clone(),
            all: c.signals(&e.all),
            any: c.signals(&e.any),
            none: c.signals(&e.none),
            when: e.when.clone(),
            required_steps: if e.required_steps.is_empty() {
                None
            } else {
                Some(e.required_steps.iter().filter_map(|s| step_idx.get(s.as_str()).copied()).collect())
            },
            finding: e.finding.clone(),
            line: line_of(e.id.span().start),
        })
        .collect();
    let fact_idx: BTreeMap<&str, usize> =
        file.facts.iter().enumerate().map(|(i, f)| (f.id.get_ref().as_str(), i)).collect();
    let knowledge = file.knowledge.as_ref().map(|k| {
        let default_sim = k.min_similarity.unwrap_or(file.rubric.min_similarity);
        let entries = k
            .entries
            .iter()
            .map(|e| {
                let facts = e
                    .facts
                    .iter()
                    .enumerate()
                    .map(|(i, f)| CompiledKeyFact {
                        id: f.id.clone().unwrap_or_else(|| format!("fact{}", i + 1)),
                        cues: f.cues.as_ref().map(|x| c.cues(x)),
                        any_polarity: f
                            .cues
                            .as_ref()
                            .filter(|x| x.negation)
                            .map(|x| c.cues(&Cues { negation: false, models: Vec::new(), ..x.clone() })),
                        fact: f.fact.as_ref().and_then(|id| fact_idx.get(id.as_str()).copied()),
                    })
                    .collect::<Vec<_>>();
                let answer_cues = e.answer.as_ref().filter(|a| !a.trim().is_empty()).map(|a| {
                    c.cues(&Cues {
                        models: vec![a.clone()],
                        min_similarity: Some(e.min_similarity.unwrap_or(default_sim)),
                        homophones: true,
                        ..Cues::default()
                    })
                });
                CompiledEntry {
                    id: e.id.get_ref().clone(),
                    title: e.title.clone().unwrap_or_else(|| e.id.get_ref().clone()),
                    kind: e.kind,
                    // A customer asking 不能退吗？ asks about 退: negations never hide a question.
                    ask: c.cues(&Cues { negation: false, ..e.ask.clone() }),
                    statements: e.statements,
                    answer: e.answer.clone(),
                    answer_cues,
                    min_facts: e.min_facts.unwrap_or(1).clamp(1, facts.len().max(1)),
                    facts,
                    contradicts: e.contradicts.as_ref().map(|x| c.cues(x)),
                    unsupported: e.unsupported.as_ref().map(|x| c.cues(x)),
                    contradict_negated: e.contradict_negated,
                }
            })
            .collect();
        let mut units: Vec<String> =
            file.facts.iter().map(|f| canonical_unit(&f.unit)).filter(|u| !u.is_empty()).collect();
        units.sort();
        units.dedup();
        CompiledKnowledge {
            within: k.within.unwrap_or(2),
            lookback: k.lookback.unwrap_or(1),
            late: k.late.unwrap_or(true),
            questions: k.questions.as_ref().map(|x| c.cues(x)),
            backchannel: k
                .backchannel
                .iter()
                .map(|b| {
                    crate::text::normalize::normalize(b)
                        .chars
                        .into_iter()
                        .filter(|&ch| !crate::text::normalize::is_space_or_punct(ch))
                        .collect::<String>()
                })
                .filter(|b| !b.is_empty())
                .collect(),
            ignore: k.ignore.as_ref().map(|x| c.cues(x)),
            units,
            entries,
        }
    });
    let entry_idx: BTreeMap<&str, usize> = file
        .knowledge
        .iter()
        .flat_map(|k| k.entries.iter().enumerate().map(|(i, e)| (e.id.get_ref().as_str(), i)))
        .collect();
    let disabled = |criterion: &str| file.criteria.get(criterion).is_some_and(|c| !c.enabled);
    let rules = file
        .rules
        .iter()
        .filter(|r| !disabled(&r.criterion))
        .map(|r| {
            let target = match (&r.cues, &r.signal) {
                (Some(cues), _) => Target::Cues(c.cues(cues)),
                (None, Some(s)) => c.signal_idx.get(s).map_or(Target::None, |&i| Target::Signal(i)),
                (None, None) => Target::None,
            };
            CompiledRule {
                id: r.id.get_ref().clone(),
                code: r.code.clone(),
                criterion: r.criterion.clone(),
                kind: r.kind,
                severity: r.severity,
                message: r.message.clone(),
                help: r.help.clone(),
                role: r.role,
                target,
                applies_when: c.signals(&r.applies_when),
                unless: c.signals(&r.unless),
                after: c.signals(&r.after),
                exempt_approved: r.exempt_approved,
                when: r.when.clone(),
                steps: r.steps.iter().filter_map(|s| step_idx.get(s.as_str()).copied()).collect(),
                trigger: r.trigger.as_ref().and_then(|t| c.signal_idx.get(t).copied()),
                expect: r.expect.as_ref().map(|x| c.cues(x)),
                forbid: r.forbid.as_ref().map(|x| c.cues(x)),
                within: r.within.unwrap_or(1),
                same_turn: r.same_turn,
                first: r.first,
                last: r.last,
                units: r.units.iter().map(|u| canonical_unit(u)).collect(),
                max_chars: r.max_chars.unwrap_or(usize::MAX),
                min_similarity: r.min_similarity.unwrap_or(0.9),
                min_chars: r.min_chars.unwrap_or(8),
                status: r.status,
                entries: r.entries.iter().filter_map(|e| entry_idx.get(e.as_str()).copied()).collect(),
                timing: r.metric.as_deref().and_then(crate::timing::Metric::from_name).map(|metric| TimingLimit {
                    metric,
                    min: r.min,
                    max: r.max,
                }),
                line: line_of(r.id.span().start),
            }
        })
        .collect();
    let facts = file
        .facts
        .iter()
        .map(|f| CompiledFact {
            id: f.id.get_ref().clone(),
            value: f.value,
            unit: canonical_unit(&f.unit),
            wording: f.text.as_deref().map(|t| normalize(t).chars).unwrap_or_default(),
        })
        .collect();

    // Only `[dictionary]` changes segmentation: a word added there is one token everywhere, so
    // it can break phrases that cross it (帮您 as a word cuts 可以帮您 and breaks 可以帮). Role
    // cues, phrases and lexicons never add words behind the author's back.
    let words: Vec<String> = file.dictionary.words.clone();
    let builders = std::mem::take(&mut c.builders);
    let models = ModelSet::new(&c.models);
    let mut sets = Vec::with_capacity(4);
    let mut phrase_text = Vec::with_capacity(4);
    // Two-character domain words (李明, 套餐) are matched by homophone too.
    let domain: Vec<String> = words
        .iter()
        .map(|w| normalize(w).text)
        .filter(|w| w.chars().count() == 2 && w.chars().all(crate::text::normalize::is_han))
        .collect();
    for (i, b) in builders.into_iter().enumerate() {
        let opts = PhraseOptions { homophones: i / 2 == 1, fuzzy: i % 2 == 1 };
        sets.push(PhraseSet::with_domain_words(&b.patterns, opts, &domain));
        phrase_text.push(b.texts);
    }

    let criteria = DEFAULT_CRITERIA
        .iter()
        .filter_map(|&(id, weight)| {
            let cfg = file.criteria.get(id);
            if cfg.is_some_and(|c| !c.enabled) {
                return None;
            }
            let affects_default = id != "customer_style";
            Some((
                id.to_string(),
                CriterionSettings {
                    weight: cfg.and_then(|c| c.weight).unwrap_or(weight),
                    pass_score: cfg.map_or(70.0, |c| c.pass_score),
                    affects_verdict: cfg.and_then(|c| c.affects_verdict).unwrap_or(affects_default),
                },
            ))
        })
        .collect();

    let mut script_lines: Vec<String> = Vec::new();
    for s in &file.steps {
        script_lines.extend(s.cues.models.iter().cloned());
    }
    let role_hints = RoleHints {
        agent_aliases: file.roles.agent.clone(),
        customer_aliases: file.roles.customer.clone(),
        agent_cues: file.roles.agent_cues.clone(),
        script_lines,
        cli_agent: None,
        cli_customer: None,
    };
    let penalties = file.penalties.clone();
    // Last: everything above ran while the dictionary loaded.
    let analyzer = Analyzer::with_base(base(), &words);
    CompiledRubric {
        path: path.to_string(),
        analyzer,
        sets,
        phrase_text,
        models,
        signals,
        steps,
        ends,
        rules,
        facts,
        knowledge,
        criteria,
        penalties,
        role_hints,
        file,
    }
}
