//! Checks a parsed rubric for mistakes serde cannot see: duplicate ids, references to
//! undefined steps, signals or lexicons, invalid regexes, fields a rule type does not use,
//! weights that make no sense. All problems are collected in one pass.

use super::error::{RubricError, Span};
use super::model::{Condition, Cues, DialogueState, Predicate, QuestionStatus, RubricFile, Rule, RuleKind, SignalAct};
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use toml::de::DeTable;

/// The largest criterion weight. Weights are relative, so this costs nothing; without a bound a
/// weight like `1e308` overflows the weighted sum (score × weight) to infinity.
pub const MAX_WEIGHT: f64 = 1_000_000.0;

/// The criterion ids of output contract v1.
pub const CRITERIA: &[&str] = &["steps", "style", "overpromise", "privacy", "answers", "ending", "customer_style"];

/// Validates `file`, returning every problem found (empty when the rubric is sound).
/// `source` is the rubric text, used to name lines in hints.
pub fn validate(file: &RubricFile, source: &str) -> Vec<RubricError> {
    let mut v = Validator { file, source, doc: OnceCell::new(), errors: Vec::new() };
    v.run();
    v.errors
}

struct Validator<'a> {
    file: &'a RubricFile,
    source: &'a str,
    /// `source` parsed with the span of every key and value, for the settings the model keeps
    /// no span of (numbers, criterion names); parsed on the first such error.
    doc: OnceCell<Option<toml::Spanned<DeTable<'a>>>>,
    errors: Vec<RubricError>,
}

/// Where a `when` is written: what its conditions can know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A signal or step: only what one turn says.
    Turn,
    /// A rule: anything, at its turn.
    Rule,
    /// An end condition: anything but one turn's position, at the end of the call.
    End,
}

/// The words of the "undefined lexicon" message, before the name.
const UNDEFINED_LEXICON: &str = "uses undefined lexicon `@";

/// The lexicon an "undefined lexicon" error names, if `message` is one.
pub fn undefined_lexicon(message: &str) -> Option<&str> {
    let at = message.find(UNDEFINED_LEXICON)? + UNDEFINED_LEXICON.len();
    message[at..].strip_suffix('`')
}

/// "a, b, c", or "none" for an empty list.
/// The problems of one lexicon's phrase list: references to other lexicons (lexicons do not
/// nest) and phrases that normalize to nothing. `at` locates the list when it is known.
pub fn validate_phrases(name: &str, list: &[String], at: Option<Span>) -> Vec<RubricError> {
    let mut errors = Vec::new();
    if let Some(nested) = list.iter().find(|p| p.starts_with('@')) {
        errors.push(RubricError::new(
            at,
            format!("lexicon `{name}` refers to `{nested}`; lexicons cannot include other lexicons"),
            "list the phrases themselves, or reference both lexicons where they are used",
        ));
    }
    for p in list.iter().filter(|p| !p.starts_with('@')) {
        if empty_after_normalization(p) {
            errors.push(RubricError::new(at, empty_phrase_message(&format!("lexicon `{name}`"), p), EMPTY_PHRASE_HINT));
        }
    }
    errors
}

fn empty_after_normalization(p: &str) -> bool {
    crate::text::normalize::normalize(p).text.trim().is_empty()
}

fn empty_phrase_message(what: &str, p: &str) -> String {
    format!("{what} has the phrase `{p}`, which is empty after normalization (fillers such as 嗯 are removed)")
}

const EMPTY_PHRASE_HINT: &str = "remove it or write the words it should match";

fn listing<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = items.take(30).collect();
    if v.is_empty() { "none yet".into() } else { v.join(", ") }
}

impl Validator<'_> {
    fn err(&mut self, span: Option<Span>, message: String, hint: &str) {
        self.errors.push(RubricError::new(span, message, hint));
    }

    /// The key and value at a dotted `path` of the rubric text (`["criteria", "steps",
    /// "weight"]`), however the file writes it (table header, dotted key, inline table).
    fn entry(&self, path: &[&str]) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
        let doc = self.doc.get_or_init(|| DeTable::parse(self.source).ok()).as_ref()?;
        let (last, parents) = path.split_last()?;
        let mut table = doc.get_ref();
        for key in parents {
            table = table.get(*key)?.get_ref().as_table()?;
        }
        let (k, v) = table.get_key_value(*last)?;
        Some((k.span(), v.span()))
    }

    /// Where the value at `path` is written (see [`Self::entry`]).
    fn value_at(&self, path: &[&str]) -> Option<Span> {
        self.entry(path).map(|(_, v)| Span::at_offset(v.start))
    }

    /// Where the key at `path` is written (see [`Self::entry`]).
    fn key_at(&self, path: &[&str]) -> Option<Span> {
        self.entry(path).map(|(k, _)| Span::at_offset(k.start))
    }

    /// Where the weights that sum to 0 are: the first (in the file) explicit `weight` of an
    /// enabled criterion or `enabled` of a disabled one, else the `criteria` key.
    fn zero_weight_at(&self) -> Option<Span> {
        self.file
            .criteria
            .iter()
            .filter_map(|(id, c)| self.entry(&["criteria", id.as_str(), if c.enabled { "weight" } else { "enabled" }]))
            .map(|(_, v)| v.start)
            .min()
            .map(Span::at_offset)
            .or_else(|| self.key_at(&["criteria"]))
    }

    fn run(&mut self) {
        let f = self.file;
        if !(0.0..=100.0).contains(&f.rubric.pass_score) {
            self.err(
                self.value_at(&["rubric", "pass_score"]),
                format!("rubric.pass_score = {} is outside 0–100", f.rubric.pass_score),
                "use a score between 0 and 100, e.g. 70",
            );
        }
        if !(0.0..=1.0).contains(&f.rubric.min_similarity) {
            self.err(
                self.value_at(&["rubric", "min_similarity"]),
                format!("rubric.min_similarity = {} is outside 0–1", f.rubric.min_similarity),
                "similarities are fractions, e.g. 0.55",
            );
        }
        let total_weight: f64 = crate::rubric::compile::DEFAULT_CRITERIA
            .iter()
            .filter(|(id, _)| f.criteria.get(*id).is_none_or(|c| c.enabled))
            .map(|(id, w)| f.criteria.get(*id).and_then(|c| c.weight).unwrap_or(*w))
            .sum();
        for (id, c) in &f.criteria {
            if !CRITERIA.contains(&id.as_str()) {
                self.err(
                    self.key_at(&["criteria", id.as_str()]),
                    format!("unknown criterion `criteria.{id}`"),
                    &format!("valid criteria: {}", CRITERIA.join(", ")),
                );
            }
            if let Some(w) = c.weight
                && !(0.0..=MAX_WEIGHT).contains(&w)
            {
                self.err(
                    self.value_at(&["criteria", id.as_str(), "weight"]),
                    format!("criteria.{id}.weight = {w} must be a number from 0 to {MAX_WEIGHT}"),
                    "weights are relative, e.g. steps = 35, style = 15",
                );
            }
            if !(0.0..=100.0).contains(&c.pass_score) {
                self.err(
                    self.value_at(&["criteria", id.as_str(), "pass_score"]),
                    format!("criteria.{id}.pass_score = {} is outside 0–100", c.pass_score),
                    "use a score between 0 and 100",
                );
            }
        }
        if total_weight <= 0.0 {
            self.err(
                self.zero_weight_at(),
                "every enabled criterion has weight 0, so no call could get a score".into(),
                "give at least one criterion a positive weight",
            );
        }
        // Lexicons of included files were checked against their own file by the loader.
        for (name, list) in f.lexicons.iter().filter(|(n, _)| !f.included_lexicons.contains_key(*n)) {
            let at = self.value_at(&["lexicons", name.as_str()]);
            self.errors.extend(validate_phrases(name, list, at));
        }
        for (p, name) in [
            (f.penalties.critical, "critical"),
            (f.penalties.major, "major"),
            (f.penalties.minor, "minor"),
            (f.penalties.info, "info"),
        ] {
            if !(0.0..=100.0).contains(&p) {
                self.err(
                    self.value_at(&["penalties", name]),
                    format!("penalties.{name} = {p} is outside 0–100"),
                    "a penalty is the number of points a finding takes off its criterion's 100",
                );
            }
        }

        self.redact();

        let signals = self.unique_ids("signal", f.signals.iter().map(|s| &s.id));
        let steps = self.unique_ids("step", f.steps.iter().map(|s| &s.id));
        self.unique_ids("fact", f.facts.iter().map(|s| &s.id));
        self.unique_ids("end condition", f.end_conditions.iter().map(|s| &s.id));
        self.unique_ids("rule", f.rules.iter().map(|s| &s.id));

        for s in &f.signals {
            let what = format!("signal `{}`", s.id.get_ref());
            self.cues(&s.cues, Span::of(&s.id), &what);
            self.conditions(&s.when, Place::Turn, Span::of(&s.id), &what, &steps);
        }
        for s in &f.steps {
            let what = format!("step `{}`", s.id.get_ref());
            self.cues(&s.cues, Span::of(&s.id), &what);
            self.conditions(&s.when, Place::Turn, Span::of(&s.id), &what, &steps);
        }
        for e in &f.end_conditions {
            let at = Span::of(&e.id);
            let what = format!("end condition `{}`", e.id.get_ref());
            self.conditions(&e.when, Place::End, at, &what, &steps);
            for r in e.all.iter().chain(&e.any).chain(&e.none) {
                self.reference(&signals, "signal", r, at, &what);
            }
            for r in &e.required_steps {
                self.reference(&steps, "step", r, at, &what);
            }
        }
        for f in &f.facts {
            if !f.value.is_finite() {
                self.err(
                    Span::of(&f.id),
                    format!("fact `{}` has a value that is not a number", f.id.get_ref()),
                    "write the plain number, e.g. value = 59",
                );
            }
            if !f.unit.trim().is_empty() && crate::text::numbers::canonical_unit(&f.unit).is_empty() {
                self.err(
                    Span::of(&f.id),
                    format!("fact `{}` has unit `{}`, which callqa does not recognise", f.id.get_ref(), f.unit),
                    "known units: 元 (块), GB (G), MB (M, 兆), 分钟, 小时, 天, 月, 年, %, 人次, 人, 折, 倍",
                );
            }
        }
        let entries = self.knowledge();
        for r in &f.rules {
            self.rule(r, &signals, &steps, &entries);
        }
    }

    /// Checks `[redact]`: every regex compiles and can mask something.
    fn redact(&mut self) {
        for re in &self.file.redact.regex {
            let at = Span::of(re);
            match regex::Regex::new(re.get_ref()) {
                Err(e) => {
                    let first = e.to_string().lines().last().unwrap_or_default().to_string();
                    self.err(
                        at,
                        format!("redact `regex` has an invalid regex `{}`: {first}", re.get_ref()),
                        "regexes use Rust `regex` syntax and run on the original text (not normalized), e.g. \"工号\\\\d{4,}\"",
                    );
                }
                Ok(_) if re.get_ref().is_empty() => self.err(
                    at,
                    "redact `regex` has an empty regex, which masks nothing".into(),
                    "write the text to mask, e.g. \"工号\\\\d{4,}\"",
                ),
                Ok(_) => {}
            }
        }
    }

    /// Checks `[knowledge]`; returns the entry ids.
    fn knowledge(&mut self) -> BTreeSet<String> {
        let Some(k) = &self.file.knowledge else {
            return BTreeSet::new();
        };
        let ids = self.unique_ids("knowledge entry", k.entries.iter().map(|e| &e.id));
        if let Some(s) = k.min_similarity
            && !(0.0..=1.0).contains(&s)
        {
            self.err(
                self.value_at(&["knowledge", "min_similarity"]),
                format!("knowledge.min_similarity = {s} is outside 0–1"),
                "e.g. 0.5",
            );
        }
        if k.within == Some(0) {
            self.err(
                self.value_at(&["knowledge", "within"]),
                "knowledge.within = 0 leaves no agent turn to answer a question".into(),
                "use within = 1 or more (2 is the default)",
            );
        }
        if let Some(q) = &k.questions {
            self.cues(q, self.value_at(&["knowledge", "questions"]), "knowledge `questions`");
        }
        if let Some(q) = &k.ignore {
            self.cues(q, self.value_at(&["knowledge", "ignore"]), "knowledge `ignore`");
        }
        let at_backchannel = self.value_at(&["knowledge", "backchannel"]);
        self.phrases(k.backchannel.iter(), at_backchannel, "knowledge `backchannel`");
        if let Some(lex) = k.backchannel.iter().find(|b| b.starts_with('@')) {
            self.err(
                at_backchannel,
                format!("knowledge `backchannel` has `{lex}`; back-channel lines are compared whole, lexicons are not expanded"),
                "write the lines themselves, e.g. \"哪位\"",
            );
        }
        let facts: BTreeSet<&str> = self.file.facts.iter().map(|f| f.id.get_ref().as_str()).collect();
        for e in &k.entries {
            let at = Span::of(&e.id);
            let what = format!("knowledge entry `{}`", e.id.get_ref());
            self.cues(&e.ask, at, &format!("{what} `ask`"));
            for (c, name) in [(&e.contradicts, "contradicts"), (&e.unsupported, "unsupported")] {
                if let Some(c) = c {
                    self.cues(c, at, &format!("{what} `{name}`"));
                }
            }
            if let Some(s) = e.min_similarity
                && !(0.0..=1.0).contains(&s)
            {
                self.err(at, format!("{what} has min_similarity = {s} outside 0–1"), "e.g. 0.5");
            }
            let has_answer = e.answer.as_ref().is_some_and(|a| !a.trim().is_empty());
            if e.facts.is_empty() && !has_answer {
                self.err(
                    at,
                    format!("{what} can never be answered: it has neither `facts` nor an `answer`"),
                    "list the key facts an answer must carry, e.g. facts = [{ cues = { any = [\"随时调整回原套餐\"] } }]",
                );
            }
            if let Some(n) = e.min_facts
                && (n == 0 || n > e.facts.len())
            {
                self.err(
                    at,
                    format!("{what} has min_facts = {n} but {} key facts", e.facts.len()),
                    "min_facts is how many of the listed facts an answer must carry: 1 to the number of facts",
                );
            }
            for (i, kf) in e.facts.iter().enumerate() {
                let name = kf.id.clone().unwrap_or_else(|| format!("#{}", i + 1));
                let fwhat = format!("{what} fact `{name}`");
                match (&kf.cues, &kf.fact) {
                    (Some(c), None) => self.cues(c, at, &fwhat),
                    (None, Some(id)) => {
                        if !facts.contains(id.as_str()) {
                            let valid = listing(facts.iter().copied());
                            self.err(
                                at,
                                format!("{fwhat} refers to undefined fact `{id}`"),
                                &format!("defined facts: {valid}"),
                            );
                        }
                    }
                    _ => self.err(
                        at,
                        format!("{fwhat} needs exactly one of `cues` or `fact`"),
                        "cues: what the answer says; fact: the id of a [[facts]] number it states",
                    ),
                }
            }
        }
        ids
    }

    fn unique_ids<'b>(&mut self, what: &str, ids: impl Iterator<Item = &'b toml::Spanned<String>>) -> BTreeSet<String> {
        let mut seen: BTreeMap<String, Option<Span>> = BTreeMap::new();
        for id in ids {
            let name = id.get_ref().trim().to_string();
            if name.is_empty() {
                self.err(Span::of(id), format!("empty {what} id"), "ids are short names such as `greeting`");
                continue;
            }
            if let Some(first) = seen.get(&name) {
                let hint = match first {
                    Some(s) => {
                        let line = RubricError::new(Some(*s), String::new(), "")
                            .locate("", self.source)
                            .span
                            .map_or(0, |s| s.line);
                        format!("the first `{name}` is at line {line}; ids must be unique")
                    }
                    None => String::new(),
                };
                self.err(Span::of(id), format!("duplicate {what} id `{name}`"), &hint);
            } else {
                seen.insert(name, Span::of(id));
            }
        }
        seen.into_keys().collect()
    }

    fn reference(&mut self, known: &BTreeSet<String>, kind: &str, name: &str, at: Option<Span>, what: &str) {
        if !known.contains(name) {
            let valid = listing(known.iter().map(String::as_str));
            self.err(at, format!("{what} refers to undefined {kind} `{name}`"), &format!("defined {kind}s: {valid}"));
        }
    }

    fn phrases<'b>(&mut self, list: impl Iterator<Item = &'b String>, at: Option<Span>, what: &str) {
        for p in list {
            if let Some(name) = p.strip_prefix('@') {
                if !self.file.lexicons.contains_key(name) {
                    let valid = listing(self.file.lexicons.keys().map(String::as_str));
                    self.err(at, format!("{what} {UNDEFINED_LEXICON}{name}`"), &format!("defined lexicons: {valid}"));
                }
            } else if empty_after_normalization(p) {
                self.err(at, empty_phrase_message(what, p), EMPTY_PHRASE_HINT);
            }
        }
    }

    fn cues(&mut self, c: &Cues, at: Option<Span>, what: &str) {
        self.phrases(c.any.iter().chain(&c.all).chain(c.groups.iter().flatten()).chain(&c.none), at, what);
        for re in &c.regex {
            if let Err(e) = regex::Regex::new(re) {
                let first = e.to_string().lines().last().unwrap_or_default().to_string();
                self.err(
                    at,
                    format!("{what} has an invalid regex `{re}`: {first}"),
                    "regexes use Rust `regex` syntax and run on the normalized text (simplified, half-width, digits)",
                );
            }
        }
        if c.groups.iter().any(|g| g.is_empty()) {
            self.err(
                at,
                format!("{what} has an empty group in `groups`"),
                "each group lists the alternatives of which one must be present",
            );
        }
        if let Some(s) = c.min_similarity
            && !(0.0..=1.0).contains(&s)
        {
            self.err(at, format!("{what} has min_similarity = {s} outside 0–1"), "e.g. 0.55");
        }
        let matches_something = !c.any.is_empty()
            || !c.all.is_empty()
            || !c.groups.is_empty()
            || !c.regex.is_empty()
            || !c.models.is_empty();
        if !matches_something {
            self.err(
                at,
                format!("{what} has cues that can never match"),
                "give at least one of any, all, groups, regex or models",
            );
        }
    }

    /// Checks the conditions of a `when`: each usable where it is written, `covered:` naming a
    /// step, `request_open` only with signals that open and close requests.
    fn conditions(&mut self, when: &[Condition], place: Place, at: Option<Span>, what: &str, steps: &BTreeSet<String>) {
        for c in when {
            match (&c.predicate, place) {
                (_, Place::Turn) if !c.is_turn_only() => self.err(
                    at,
                    format!("{what} has `when = \"{c}\"`, which is known only once signals and steps are decided"),
                    "signals and steps can use question, last:N and last_turn (with `!`); put states and covered:STEP on the rules and end conditions that use them",
                ),
                (Predicate::Last(_) | Predicate::LastTurn, Place::End) => self.err(
                    at,
                    format!("{what} has `when = \"{c}\"`, which is about one turn, not the end of the call"),
                    "give the condition to the signal it concerns (signals fire only at turns where their `when` holds)",
                ),
                (Predicate::Covered(step), _) => self.reference(steps, "step", step, at, what),
                (Predicate::State(DialogueState::RequestOpen), _) => {
                    for act in [SignalAct::Request, SignalAct::Resolve] {
                        if !self.file.signals.iter().any(|s| s.act == Some(act)) {
                            let name = if act == SignalAct::Request { "request" } else { "resolve" };
                            self.err(
                                at,
                                format!("{what} uses `request_open`, but no signal has `act = \"{name}\"`"),
                                "a request opens at a customer signal with act = \"request\" and closes at a signal with act = \"resolve\"",
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn rule(&mut self, r: &Rule, signals: &BTreeSet<String>, steps: &BTreeSet<String>, entries: &BTreeSet<String>) {
        let at = Span::of(&r.id);
        let what = format!("rule `{}`", r.id.get_ref());
        self.conditions(&r.when, Place::Rule, at, &what, steps);
        if !CRITERIA.contains(&r.criterion.as_str()) || r.criterion == "steps" {
            self.err(
                at,
                format!("{what} has criterion `{}`, which rules cannot feed", r.criterion),
                "valid: style, overpromise, privacy, answers, ending, customer_style",
            );
        }
        if !is_code(&r.code) {
            self.err(
                at,
                format!("{what} has code `{}`, not of the form AB123", r.code),
                "codes are two or three capital letters and three digits, e.g. OP001",
            );
        }
        for s in r.applies_when.iter().chain(&r.unless).chain(&r.after).chain(r.trigger.iter()).chain(r.signal.iter()) {
            self.reference(signals, "signal", s, at, &what);
        }
        for s in &r.steps {
            self.reference(steps, "step", s, at, &what);
        }
        for (c, name) in [(&r.cues, "cues"), (&r.expect, "expect"), (&r.forbid, "forbid")] {
            if let Some(c) = c {
                self.cues(c, at, &format!("{what} `{name}`"));
            }
        }
        // Which optional fields each type reads; anything else set is a mistake worth reporting.
        let used: &[&str] = match r.kind {
            RuleKind::Forbid => &["cues|signal|steps", "unless", "after", "exempt_approved", "when"],
            RuleKind::Require => &["cues|signal", "first", "last"],
            RuleKind::Respond => &["trigger", "expect", "forbid", "within", "same_turn"],
            RuleKind::Claims => &["units", "cues"],
            RuleKind::TurnLength => &["max_chars"],
            RuleKind::Repetition => &["min_similarity", "min_chars"],
            RuleKind::Answer => &["status", "entries"],
            RuleKind::Timing => &["metric", "min", "max"],
        };
        let set: Vec<(&str, bool)> = vec![
            ("cues", r.cues.is_some()),
            ("signal", r.signal.is_some()),
            ("unless", !r.unless.is_empty()),
            ("after", !r.after.is_empty()),
            ("exempt_approved", r.exempt_approved),
            ("when", !r.when.is_empty()),
            ("steps", !r.steps.is_empty()),
            ("trigger", r.trigger.is_some()),
            ("expect", r.expect.is_some()),
            ("forbid", r.forbid.is_some()),
            ("within", r.within.is_some()),
            ("same_turn", r.same_turn),
            ("first", r.first.is_some()),
            ("last", r.last.is_some()),
            ("units", !r.units.is_empty()),
            ("max_chars", r.max_chars.is_some()),
            ("min_similarity", r.min_similarity.is_some()),
            ("min_chars", r.min_chars.is_some()),
            ("status", r.status.is_some()),
            ("entries", !r.entries.is_empty()),
            ("metric", r.metric.is_some()),
            ("min", r.min.is_some()),
            ("max", r.max.is_some()),
        ];
        for (field, is_set) in set {
            let allowed = used.iter().any(|u| u.split('|').any(|x| x == field));
            if is_set && !allowed {
                self.err(
                    at,
                    format!("{what} sets `{field}`, which rules of type {:?} do not use", r.kind),
                    &format!("type {:?} reads: {}", r.kind, used.join(", ").replace('|', " or ")),
                );
            }
        }
        match r.kind {
            RuleKind::Forbid if !r.steps.is_empty() => {
                if r.signal.is_some() {
                    self.err(
                        at,
                        format!("{what} sets both `signal` and `steps`"),
                        "use `cues` with `steps`, or `signal` alone",
                    );
                }
            }
            RuleKind::Forbid | RuleKind::Require => {
                if r.cues.is_some() == r.signal.is_some() {
                    self.err(
                        at,
                        format!("{what} needs exactly one of `cues` or `signal`"),
                        "say what the rule looks for",
                    );
                }
            }
            RuleKind::Respond => {
                if r.within == Some(0) && !r.same_turn {
                    self.err(
                        at,
                        format!("{what} (respond) has within = 0 without same_turn, so its window is always empty"),
                        "use within = 1 or more, or same_turn = true",
                    );
                }
                if r.trigger.is_none() {
                    self.err(
                        at,
                        format!("{what} (respond) needs a `trigger` signal"),
                        "e.g. trigger = \"privacy_worry\"",
                    );
                }
                if r.expect.is_some() == r.forbid.is_some() {
                    self.err(
                        at,
                        format!("{what} (respond) needs exactly one of `expect` or `forbid`"),
                        "expect: the response must contain; forbid: must not contain",
                    );
                }
            }
            RuleKind::Claims => {
                if r.units.is_empty() {
                    self.err(at, format!("{what} (claims) needs `units`"), "e.g. units = [\"元\", \"GB\", \"%\"]");
                }
                for u in &r.units {
                    if crate::text::numbers::canonical_unit(u).is_empty() {
                        self.err(
                            at,
                            format!("{what} (claims) has unit `{u}`, which callqa does not recognise"),
                            "known units: 元 (块), GB (G), MB (M, 兆), 分钟, 小时, 天, 月, 年, %, 人次, 人, 折, 倍",
                        );
                    }
                }
                if self.file.facts.is_empty() {
                    self.err(
                        at,
                        format!("{what} (claims) checks numbers but the rubric has no [[facts]]"),
                        "add the approved numbers as [[facts]]",
                    );
                }
            }
            RuleKind::Timing => {
                match r.metric.as_deref() {
                    None => self.err(
                        at,
                        format!("{what} (timing) needs a `metric`"),
                        &format!("one of {}", crate::timing::Metric::names()),
                    ),
                    Some(m) if crate::timing::Metric::from_name(m).is_none() => self.err(
                        at,
                        format!("{what} (timing) has metric `{m}`, which callqa does not measure"),
                        &format!("one of {}", crate::timing::Metric::names()),
                    ),
                    Some(_) => {}
                }
                if r.min.is_none() && r.max.is_none() {
                    self.err(at, format!("{what} (timing) needs `min` or `max`"), "e.g. max = 8 for silence_max_s");
                }
                for (name, v) in [("min", r.min), ("max", r.max)] {
                    if v.is_some_and(|v| !v.is_finite() || v < 0.0) {
                        self.err(
                            at,
                            format!("{what} (timing) has {name} = {}, not a number ≥ 0", v.unwrap_or_default()),
                            "e.g. max = 8",
                        );
                    }
                }
                if let (Some(lo), Some(hi)) = (r.min, r.max)
                    && lo > hi
                {
                    self.err(at, format!("{what} (timing) has min = {lo} above max = {hi}"), "swap them");
                }
            }
            RuleKind::TurnLength => {
                if r.max_chars.unwrap_or(0) == 0 {
                    self.err(at, format!("{what} (turn_length) needs `max_chars` > 0"), "e.g. max_chars = 120");
                }
            }
            RuleKind::Repetition => {
                if let Some(s) = r.min_similarity
                    && !(0.0..=1.0).contains(&s)
                {
                    self.err(at, format!("{what} has min_similarity = {s} outside 0–1"), "e.g. 0.9");
                }
            }
            RuleKind::Answer => {
                match r.status {
                    None => self.err(
                        at,
                        format!("{what} (answer) needs a `status`"),
                        "one of unanswered, contradicted, unsupported, unmatched",
                    ),
                    Some(QuestionStatus::Answered) => self.err(
                        at,
                        format!("{what} (answer) has status `answered`, which is not a problem"),
                        "one of unanswered, contradicted, unsupported, unmatched",
                    ),
                    Some(QuestionStatus::Unmatched) if !r.entries.is_empty() => self.err(
                        at,
                        format!("{what} (answer) lists `entries`, but unmatched questions belong to no entry"),
                        "remove `entries`, or use another status",
                    ),
                    _ => {}
                }
                if self.file.knowledge.as_ref().is_none_or(|k| k.entries.is_empty())
                    && r.status != Some(QuestionStatus::Unmatched)
                {
                    self.err(
                        at,
                        format!("{what} (answer) judges answers but the rubric has no [[knowledge.entries]]"),
                        "add the known questions as [[knowledge.entries]]",
                    );
                }
                if self.file.knowledge.is_none() && r.status == Some(QuestionStatus::Unmatched) {
                    self.err(
                        at,
                        format!("{what} (answer) lists unmatched questions but the rubric has no [knowledge] section"),
                        "add a [knowledge] section (its entries are the known questions)",
                    );
                }
                for e in &r.entries {
                    self.reference(entries, "knowledge entry", e, at, &what);
                }
            }
        }
    }
}

fn is_code(code: &str) -> bool {
    let letters = code.chars().take_while(|c| c.is_ascii_uppercase()).count();
    let rest = &code[letters..];
    (2..=3).contains(&letters) && rest.len() == 3 && rest.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue #5 (found by tests/proptest_rubric.rs): `weight = 1e308` loaded, and the call score
    /// came out infinite (serialized as null, "not applicable").
    #[test]
    fn absurd_weights_are_refused() {
        let src = crate::rubric::DEFAULT_RUBRIC;
        for (w, ok) in
            [("1e308", false), ("inf", false), ("-1", false), ("1000001", false), ("1000000", true), ("0", true)]
        {
            let text = src.replacen("[criteria.steps]\nweight = 35", &format!("[criteria.steps]\nweight = {w}"), 1);
            assert_ne!(text, src, "the default rubric has [criteria.steps] with weight 35");
            let loaded = crate::rubric::load::parse_with(
                crate::rubric::DEFAULT_RUBRIC_PATH,
                &text,
                crate::rubric::load::Includes::Embedded(crate::rubric::EMBEDDED_INCLUDES),
            );
            match loaded {
                Ok(_) => assert!(ok, "weight {w} was accepted"),
                Err(errors) => {
                    assert!(!ok, "weight {w}: {errors}");
                    assert!(errors.0[0].message.contains("criteria.steps.weight"), "{:?}", errors.0[0]);
                }
            }
        }
    }

    /// `r.toml:LINE:COLUMN` of the first `needle` after the first `after` in `src`.
    fn at(src: &str, after: &str, needle: &str) -> String {
        let start = src.find(after).unwrap();
        let offset = start + src[start..].find(needle).unwrap();
        let (line, column) = crate::rubric::error::line_column(src, offset);
        format!("r.toml:{line}:{column}")
    }

    fn problems(src: &str) -> String {
        crate::rubric::load::parse("r.toml", src).unwrap_err().to_string()
    }

    const STEP: &str = "[[steps]]\nid = \"greeting\"\ncues = { any = [\"您好\"] }\n";

    #[test]
    fn range_and_name_errors_point_at_the_value_or_key() {
        let src = format!(
            r#"[rubric]
id = "t"
version = "1"
pass_score = 120
min_similarity = 2

{STEP}
[criteria.steps]
weight = -5
pass_score = 101

[criteria.bogus]
weight = 1

[criteria]
style.pass_score = -1

[penalties]
major = -1
info = 101

[lexicons]
nested = ["@x"]

[knowledge]
within = 0
min_similarity = 1.5
backchannel = ["@busy"]
questions = {{ none = ["x"] }}
"#
        );
        let text = problems(&src);
        for want in [
            format!("{}: rubric.pass_score = 120 is outside 0–100", at(&src, "", "120")),
            format!("{}: rubric.min_similarity = 2 is outside 0–1", at(&src, "min_similarity", "2")),
            format!("{}: criteria.steps.weight = -5 must be a number", at(&src, "", "-5")),
            format!("{}: criteria.steps.pass_score = 101 is outside 0–100", at(&src, "", "101")),
            format!("{}: unknown criterion `criteria.bogus`", at(&src, "", "bogus")),
            format!("{}: criteria.style.pass_score = -1 is outside 0–100", at(&src, "style.pass_score", "-1")),
            format!("{}: penalties.major = -1 is outside 0–100", at(&src, "major", "-1")),
            format!("{}: penalties.info = 101 is outside 0–100", at(&src, "info", "101")),
            format!("{}: lexicon `nested` refers to `@x`", at(&src, "nested", "[")),
            format!("{}: knowledge.within = 0 leaves", at(&src, "within", "0")),
            format!("{}: knowledge.min_similarity = 1.5 is outside 0–1", at(&src, "", "1.5")),
            format!("{}: knowledge `backchannel` uses undefined lexicon `@busy`", at(&src, "backchannel", "[")),
            format!("{}: knowledge `backchannel` has `@busy`", at(&src, "backchannel", "[")),
            format!("{}: knowledge `questions` has cues that can never match", at(&src, "questions", "{")),
        ] {
            assert!(text.contains(&want), "missing `{want}` in:\n{text}");
        }
        assert!(!text.lines().any(|l| l.starts_with("r.toml: ")), "every problem has a position:\n{text}");
    }

    #[test]
    fn zero_total_weight_points_at_a_weight() {
        let criteria = [
            "[criteria]",
            "steps = { enabled = false }",
            "style.weight = 0",
            "overpromise.weight = 0",
            "privacy = { weight = 0 }",
            "answers.weight = 0",
            "[criteria.ending]",
            "weight = 0",
        ]
        .join("\n");
        let src = format!("[rubric]\nid = \"t\"\nversion = \"1\"\n\n{STEP}\n{criteria}\n");
        let text = problems(&src);
        // The first of the weights (or switches) that make the sum 0, in file order.
        let want = format!("{}: every enabled criterion has weight 0", at(&src, "steps = {", "false"));
        assert!(text.contains(&want), "missing `{want}` in:\n{text}");
        let src = src.replace("steps = { enabled = false }", "steps.weight = 0");
        let want = format!("{}: every enabled criterion has weight 0", at(&src, "steps.weight", "0"));
        assert!(problems(&src).contains(&want), "missing `{want}`");
    }

    #[test]
    fn an_invalid_redact_regex_is_reported_where_it_is() {
        let src = crate::rubric::DEFAULT_RUBRIC;
        let text = format!("{src}\n[redact]\nregex = [\"工号\\\\d+\", \"卡号(\\\\d+\", \"\"]\n");
        let errors = crate::rubric::load::parse_with(
            crate::rubric::DEFAULT_RUBRIC_PATH,
            &text,
            crate::rubric::load::Includes::Embedded(crate::rubric::EMBEDDED_INCLUDES),
        )
        .unwrap_err();
        let line = text.lines().count();
        let column = text.lines().last().unwrap().chars().position(|c| c == '卡').unwrap();
        assert_eq!(errors.0.len(), 2, "{errors}");
        let e = &errors.0[0];
        assert!(e.message.contains("redact `regex` has an invalid regex `卡号(\\d+`"), "{e:?}");
        assert!(e.hint.contains("Rust `regex` syntax"), "{e:?}");
        let span = e.span.unwrap();
        // The column of the string's opening quote, as for other spanned values.
        assert_eq!((span.line, span.column), (line, column), "{e:?}");
        assert!(errors.0[1].message.contains("empty regex"), "{:?}", errors.0[1]);
        let shown = errors.to_string();
        assert!(shown.contains(&format!("{}:{line}:{column}: redact", crate::rubric::DEFAULT_RUBRIC_PATH)), "{shown}");
    }

    #[test]
    fn codes_have_letters_then_three_digits() {
        assert!(is_code("OP001"));
        assert!(is_code("ABC123"));
        assert!(!is_code("OP01"));
        assert!(!is_code("op001"));
        assert!(!is_code("O001"));
        assert!(!is_code("OP0011"));
    }

    #[test]
    fn conditions_are_checked_for_where_they_are_written() {
        let src = r#"
[rubric]
id = "t"
version = "1"

[[signals]]
id = "s"
when = ["covered:greet"]
cues = { any = ["好"] }

[[steps]]
id = "greet"
when = ["!question", "request_open"]
cues = { any = ["您好"] }

[[end_conditions]]
id = "e"
when = ["last_turn", "covered:nope", "request_open"]
"#;
        let text = crate::rubric::load::parse("r.toml", src).unwrap_err().to_string();
        for want in [
            "r.toml:7:6: signal `s` has `when = \"covered:greet\"`, which is known only once signals and steps are decided",
            "step `greet` has `when = \"request_open\"`, which is known only",
            "end condition `e` has `when = \"last_turn\"`, which is about one turn",
            "end condition `e` refers to undefined step `nope`",
            "end condition `e` uses `request_open`, but no signal has `act = \"request\"`",
            "end condition `e` uses `request_open`, but no signal has `act = \"resolve\"`",
        ] {
            assert!(text.contains(want), "missing `{want}` in:\n{text}");
        }
    }
}
