//! `callqa rubric lint`: warnings about a rubric that loads but cannot work as its author
//! meant — cue words that never fall on token boundaries, rules that never fire on real calls,
//! steps that cannot be told apart, end conditions that can never be reached, and facts,
//! synonyms, lexicons and signals that nothing uses.

use super::examples::example_turns;
use crate::eval::context::CallContext;
use crate::eval::result::CallResult;
use crate::rubric::CompiledRubric;
use crate::rubric::error::line_column;
use crate::rubric::model::{Cues, RubricFile, RuleKind};
use crate::text::normalize::normalize;
use crate::text::numbers::canonical_unit;
use crate::text::segment::Analyzed;
use crate::transcript::{Position, Role, Transcript, Turn};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The lint checks, with stable codes.
pub const CHECKS: &[(&str, &str)] = &[
    ("RL001", "a cue occurs in the rubric's own lines or the calls but never on token boundaries, so it never matches"),
    ("RL002", "a rule, signal, step, knowledge entry or end condition never fires on the calls given with --against"),
    ("RL003", "two steps' cues overlap so much that they cannot be told apart"),
    ("RL004", "an end condition can never be reached"),
    ("RL005", "a fact is used by no claims rule and no knowledge entry"),
    ("RL006", "a synonym's key occurs in no phrase or model line"),
    ("RL007", "a lexicon of the rubric is never referenced"),
    ("RL008", "a signal is used by no end condition and no rule"),
    ("RL009", "a step or rule has no examples for `callqa rubric test`"),
    ("RL010", "normalization removes part of a phrase (an ASR filler such as 啊), so the phrase matches without it"),
];

/// One lint warning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// Stable code (`RL001` …), see [`CHECKS`].
    pub code: &'static str,
    /// The file it is about (the rubric or an included list file).
    pub path: String,
    /// 1-based line, when the item has a location.
    pub line: Option<usize>,
    /// 1-based column, when the item has a location.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: ", self.path)?,
            _ => write!(f, "{}: ", self.path)?,
        }
        write!(f, "warning[{}]: {}", self.code, self.message)?;
        if !self.help.is_empty() {
            write!(f, "\n  help: {}", self.help)?;
        }
        Ok(())
    }
}

/// Share of one step's lines that must match another step (both ways) to call them
/// indistinguishable.
const OVERLAP: f64 = 0.5;

/// Lints `rubric` (compiled from `source`). With `calls` (scored with this rubric), also
/// reports what never fires on them and checks cue boundaries in their text.
pub fn lint(rubric: &CompiledRubric, source: &str, calls: Option<&[CallResult]>) -> Vec<Warning> {
    let mut l = Linter { rubric, file: &rubric.file, source, out: Vec::new(), dead: BTreeSet::new() };
    let transcripts: Vec<Transcript> = calls.unwrap_or_default().iter().map(transcript_of).collect();
    l.boundaries(&transcripts);
    l.dead_items();
    if let Some(calls) = calls {
        l.never_fires(calls, &transcripts);
    }
    l.overlapping_steps();
    l.unreachable_ends();
    l.unused();
    l.without_examples();
    let mut out = l.out;
    out.extend(super::normalized::normalization_changes(&rubric.file, &rubric.path, source));
    out.sort_by(|a, b| {
        (a.path != rubric.path, &a.path, a.line, a.column, a.code, &a.message).cmp(&(
            b.path != rubric.path,
            &b.path,
            b.line,
            b.column,
            b.code,
            &b.message,
        ))
    });
    out.dedup();
    out
}

struct Linter<'a> {
    rubric: &'a CompiledRubric,
    file: &'a RubricFile,
    source: &'a str,
    out: Vec<Warning>,
    /// Cues (normalized) that never fall on token boundaries (RL001), so never match.
    dead: BTreeSet<Vec<char>>,
}

/// A phrase list of the rubric with the item it belongs to and where that item is.
pub(crate) struct PhraseList<'a> {
    /// The item, as `signal \`id\``.
    pub owner: String,
    /// Byte offset of the item's id in the rubric, when it has one.
    pub offset: Option<usize>,
    /// The phrases as written (`@name` not expanded).
    pub phrases: &'a [String],
}

/// Every phrase list of the rubric's items (not expanded, lexicons aside), with its owner.
pub(crate) fn phrase_lists<'a>(f: &'a RubricFile) -> Vec<PhraseList<'a>> {
    let mut out = Vec::new();
    let mut cues = |owner: String, offset: Option<usize>, c: &'a Cues| {
        for list in [&c.any, &c.all, &c.none].into_iter().chain(c.groups.iter()) {
            out.push(PhraseList { owner: owner.clone(), offset, phrases: list });
        }
    };
    for s in &f.signals {
        cues(format!("signal `{}`", s.id.get_ref()), Some(s.id.span().start), &s.cues);
    }
    for s in &f.steps {
        cues(format!("step `{}`", s.id.get_ref()), Some(s.id.span().start), &s.cues);
    }
    for r in &f.rules {
        for c in [&r.cues, &r.expect, &r.forbid].into_iter().flatten() {
            cues(format!("rule `{}`", r.id.get_ref()), Some(r.id.span().start), c);
        }
    }
    if let Some(k) = &f.knowledge {
        for c in [&k.questions, &k.ignore].into_iter().flatten() {
            cues("[knowledge]".into(), None, c);
        }
        for e in &k.entries {
            let at = Some(e.id.span().start);
            let owner = format!("knowledge entry `{}`", e.id.get_ref());
            cues(owner.clone(), at, &e.ask);
            for c in [&e.contradicts, &e.unsupported].into_iter().flatten() {
                cues(owner.clone(), at, c);
            }
            for kf in &e.facts {
                if let Some(c) = &kf.cues {
                    cues(owner.clone(), at, c);
                }
            }
        }
    }
    out
}

impl<'a> Linter<'a> {
    fn warn(&mut self, code: &'static str, offset: Option<usize>, message: String, help: &str) {
        let (line, column) = offset.map(|o| line_column(self.source, o)).unzip();
        self.out.push(Warning { code, path: self.rubric.path.clone(), line, column, message, help: help.into() });
    }

    /// Every phrase list of the rubric (not expanded), with its owner.
    fn phrase_lists(&self) -> Vec<PhraseList<'a>> {
        phrase_lists(self.file)
    }

    /// Every model line of the rubric.
    fn model_lines(&self) -> Vec<&'a str> {
        let f = self.file;
        let mut out: Vec<&str> = Vec::new();
        let mut cues = |c: &'a Cues| out.extend(c.models.iter().map(String::as_str));
        f.signals.iter().for_each(|s| cues(&s.cues));
        f.steps.iter().for_each(|s| cues(&s.cues));
        for r in &f.rules {
            [&r.cues, &r.expect, &r.forbid].into_iter().flatten().for_each(&mut cues);
        }
        let entries = f.knowledge.iter().flat_map(|k| &k.entries);
        entries.clone().for_each(|e| cues(&e.ask));
        out.extend(entries.filter_map(|e| e.answer.as_deref()));
        out
    }

    /// RL001: phrases that occur in the rubric's own model lines and `match` examples (or in
    /// the calls) only inside longer tokens, so they never match.
    fn boundaries(&mut self, calls: &[Transcript]) {
        let analyzer = &self.rubric.analyzer;
        let mut texts: Vec<Analyzed> = self.model_lines().into_iter().map(|m| analyzer.analyze(m)).collect();
        for ex in self.match_examples() {
            texts.extend(example_turns(ex).into_iter().map(|t| analyzer.analyze(&t)));
        }
        for t in calls {
            texts.extend(t.turns.iter().map(|turn| analyzer.analyze(&turn.text)));
        }
        let mut seen = BTreeSet::new();
        for list in self.phrase_lists() {
            let phrases: Vec<(Vec<char>, &str, Option<&str>)> = self
                .expand(list.phrases)
                .into_iter()
                .map(|(p, from)| (normalize(p).text.trim().chars().collect::<Vec<char>>(), p, from))
                .filter(|(n, _, _)| !n.is_empty())
                .collect();
            // Where the list's phrases match on boundaries, per text: an occurrence of one phrase
            // inside a longer phrase of the same list that matches (不泄露 in 绝不泄露) is covered.
            let aligned_spans: Vec<Vec<(usize, usize)>> = texts
                .iter()
                .map(|a| {
                    phrases
                        .iter()
                        .flat_map(|(n, _, _)| {
                            occurrences(&a.norm.chars, n)
                                .into_iter()
                                .filter(|&s| a.is_boundary(s) && a.is_boundary(s + n.len()))
                                .map(|s| (s, s + n.len()))
                        })
                        .collect()
                })
                .collect();
            for (norm, phrase, from) in &phrases {
                // A one-character cue inside a longer word is usually another word (忙 in 帮忙):
                // that it does not match there is the point of token boundaries.
                if norm.len() < 2 {
                    continue;
                }
                // A lexicon's phrase is reported once, not once per list that uses the lexicon.
                let key = (norm.clone(), from.map_or(list.owner.clone(), |l| format!("@{l}")));
                if !seen.insert(key) {
                    continue;
                }
                let mut found = 0;
                let mut aligned = 0;
                let mut example: Option<String> = None;
                for (a, spans) in texts.iter().zip(&aligned_spans) {
                    for start in occurrences(&a.norm.chars, norm) {
                        let end = start + norm.len();
                        if a.is_boundary(start) && a.is_boundary(end) {
                            aligned += 1;
                        } else if !spans.iter().any(|&(s, e)| s <= start && end <= e) && !inside_negation(a, start) {
                            found += 1;
                            example.get_or_insert_with(|| tokens_around(a, start, end));
                        }
                    }
                }
                let at = self.phrase_at(list.offset, phrase, *from);
                if found > 0 && aligned == 0 {
                    self.dead.insert(norm.clone());
                    let source = from.map_or(String::new(), |l| format!(" (from lexicon `{l}`)"));
                    self.warn(
                        "RL001",
                        at,
                        format!(
                            "{}: the cue `{phrase}`{source} occurs {found} time(s) in the rubric's lines{} but never on token boundaries, e.g. {}",
                            list.owner,
                            if calls.is_empty() { "" } else { " and the calls" },
                            example.unwrap_or_default()
                        ),
                        "add the cue to [dictionary].words so jieba keeps it whole, or write the word it occurs in",
                    );
                }
            }
        }
    }

    /// Where a cue is written: its quoted text after the item's id (or in its lexicon), else the
    /// item.
    fn phrase_at(&self, offset: Option<usize>, phrase: &str, from: Option<&str>) -> Option<usize> {
        let start = match from {
            // A lexicon of an included file is not in this source: the item that uses it.
            Some(l) if self.file.included_lexicons.contains_key(l) => return offset,
            Some(l) => self.source.find(&format!("{l} =")).or(offset)?,
            None => offset?,
        };
        [format!("\"{phrase}\""), format!("'{phrase}'")]
            .iter()
            .filter_map(|q| self.source.get(start..).and_then(|rest| rest.find(q.as_str())).map(|p| start + p))
            .min()
            .or(offset)
    }

    /// RL001 / RL004: signals and steps whose cues all never match (every `any` cue dead with no
    /// regex, a dead `all` cue, or a group of dead cues; no model lines), and the end conditions
    /// that need such a signal.
    fn dead_items(&mut self) {
        if self.dead.is_empty() {
            return;
        }
        let f = self.file;
        let dead_signals: Vec<&str> =
            f.signals.iter().filter(|s| self.never_matches(&s.cues)).map(|s| s.id.get_ref().as_str()).collect();
        let help = "fix the cue reported with it (RL001): where its words are said, it cannot match";
        for s in f.signals.iter().filter(|s| dead_signals.contains(&s.id.get_ref().as_str())) {
            let msg = format!(
                "signal `{}` never fires: the cues it needs never fall on token boundaries where they are said",
                s.id.get_ref()
            );
            self.warn("RL001", Some(s.id.span().start), msg, help);
        }
        let dead_steps: Vec<_> = f.steps.iter().filter(|s| self.never_matches(&s.cues)).collect();
        for s in dead_steps {
            let msg = format!(
                "step `{}` is never covered: the cues it needs never fall on token boundaries where they are said",
                s.id.get_ref()
            );
            self.warn("RL001", Some(s.id.span().start), msg, help);
        }
        for e in &f.end_conditions {
            let blocked = e.all.iter().find(|s| dead_signals.contains(&s.as_str())).or_else(|| {
                (!e.any.is_empty() && e.any.iter().all(|s| dead_signals.contains(&s.as_str()))).then(|| &e.any[0])
            });
            if let Some(s) = blocked {
                let msg =
                    format!("end condition `{}` is never reached: signal `{s}` never fires (RL001)", e.id.get_ref());
                self.warn("RL004", Some(e.id.span().start), msg, help);
            }
        }
    }

    /// Whether a matcher can never match because of dead cues.
    fn never_matches(&self, c: &'a Cues) -> bool {
        if !c.models.is_empty() {
            return false;
        }
        let dead = |list: &'a [String]| -> Vec<bool> {
            self.expand(list)
                .into_iter()
                .map(|(p, _)| self.dead.contains(&normalize(p).text.trim().chars().collect::<Vec<char>>()))
                .collect()
        };
        let any_dead = !c.any.is_empty() && c.regex.is_empty() && dead(&c.any).iter().all(|d| *d);
        let all_dead = dead(&c.all).iter().any(|d| *d);
        let group_dead = c.groups.iter().any(|g| !g.is_empty() && dead(g).iter().all(|d| *d));
        any_dead || all_dead || group_dead
    }

    /// `@lexicon` references expanded, each phrase with the lexicon it came from.
    fn expand(&self, list: &'a [String]) -> Vec<(&'a str, Option<&'a str>)> {
        let mut out = Vec::new();
        for p in list {
            match p.strip_prefix('@').and_then(|n| self.file.lexicons.get_key_value(n)) {
                Some((name, lex)) => out.extend(lex.iter().map(|w| (w.as_str(), Some(name.as_str())))),
                None => out.push((p.as_str(), None)),
            }
        }
        out
    }

    fn match_examples(&self) -> Vec<&'a str> {
        let f = self.file;
        let mut out: Vec<&str> = Vec::new();
        let mut add =
            |ex: &'a crate::rubric::model::Examples| out.extend(ex.matches.iter().map(|m| m.get_ref().as_str()));
        f.signals.iter().for_each(|s| add(&s.examples));
        f.steps.iter().for_each(|s| add(&s.examples));
        f.rules.iter().for_each(|r| add(&r.examples));
        if let Some(k) = &f.knowledge {
            k.entries.iter().for_each(|e| add(&e.examples));
        }
        out
    }

    /// RL002: what never fires on the calls.
    fn never_fires(&mut self, calls: &[CallResult], transcripts: &[Transcript]) {
        let n = calls.len();
        let on = format!("on the {n} call(s) given with --against");
        let help = "add a call that should trigger it to your test set, or remove it if it cannot happen";
        let mut fired_signals = vec![false; self.rubric.signals.len()];
        for t in transcripts {
            let ctx = CallContext::new(self.rubric, t);
            for (i, hits) in ctx.signals.iter().enumerate() {
                fired_signals[i] |= !hits.is_empty();
            }
        }
        for (s, fired) in self.file.signals.iter().zip(fired_signals) {
            if !fired {
                self.warn(
                    "RL002",
                    Some(s.id.span().start),
                    format!("signal `{}` never fires {on}", s.id.get_ref()),
                    help,
                );
            }
        }
        for s in &self.file.steps {
            let id = s.id.get_ref();
            if !calls.iter().any(|c| c.steps.iter().any(|r| &r.id == id && r.covered)) {
                self.warn("RL002", Some(s.id.span().start), format!("step `{id}` is never covered {on}"), help);
            }
        }
        for r in &self.file.rules {
            let id = r.id.get_ref();
            if !self.rubric.rules.iter().any(|c| &c.id == id) {
                continue; // its criterion is turned off
            }
            if !calls.iter().any(|c| c.findings.iter().any(|f| &f.rule == id)) {
                self.warn(
                    "RL002",
                    Some(r.id.span().start),
                    format!("rule `{id}` ({}) reports nothing {on}", r.code),
                    help,
                );
            }
        }
        if let Some(k) = &self.file.knowledge {
            for e in &k.entries {
                let id = e.id.get_ref();
                if !calls.iter().any(|c| c.questions.iter().any(|q| q.entry.as_deref() == Some(id.as_str()))) {
                    self.warn(
                        "RL002",
                        Some(e.id.span().start),
                        format!("knowledge entry `{id}` is never asked {on}"),
                        help,
                    );
                }
            }
        }
        for e in &self.file.end_conditions {
            let id = e.id.get_ref();
            if !calls.iter().any(|c| &c.end_condition == id) {
                self.warn(
                    "RL002",
                    Some(e.id.span().start),
                    format!("end condition `{id}` is never reached {on}"),
                    help,
                );
            }
        }
    }

    /// RL003: pairs of steps each of whose lines (model lines and `match` examples) mostly match
    /// the other step too.
    fn overlapping_steps(&mut self) {
        let steps = &self.file.steps;
        let lines: Vec<Vec<String>> = steps
            .iter()
            .map(|s| {
                let mut l: Vec<String> = s.cues.models.clone();
                for ex in &s.examples.matches {
                    l.extend(example_turns(ex.get_ref()));
                }
                l
            })
            .collect();
        // matched[a][b]: how many of step a's lines match step b.
        let contexts: Vec<Vec<Transcript>> =
            lines.iter().map(|ls| ls.iter().map(|l| one_turn(l, Role::Agent)).collect()).collect();
        let mut matched = vec![vec![0usize; steps.len()]; steps.len()];
        for (a, ts) in contexts.iter().enumerate() {
            for t in ts {
                let ctx = CallContext::new(self.rubric, t);
                for (b, row) in matched[a].iter_mut().enumerate() {
                    if a != b && ctx.matches(&self.rubric.steps[b].cues, 0).is_some() {
                        *row += 1;
                    }
                }
            }
        }
        for a in 0..steps.len() {
            for b in a + 1..steps.len() {
                let (na, nb) = (lines[a].len(), lines[b].len());
                if na == 0 || nb == 0 {
                    continue;
                }
                let (fa, fb) = (matched[a][b] as f64 / na as f64, matched[b][a] as f64 / nb as f64);
                if fa >= OVERLAP && fb >= OVERLAP {
                    let (ia, ib) = (steps[a].id.get_ref(), steps[b].id.get_ref());
                    self.warn(
                        "RL003",
                        Some(steps[b].id.span().start),
                        format!(
                            "steps `{ia}` and `{ib}` cannot be told apart: {}/{na} of `{ia}`'s lines match `{ib}` and {}/{nb} of `{ib}`'s lines match `{ia}`",
                            matched[a][b], matched[b][a]
                        ),
                        "give each step cues of its own (a `none` veto, more specific phrases or model lines), or merge them",
                    );
                }
            }
        }
    }

    /// RL004: end conditions that can never be chosen: an earlier one holds whenever they do,
    /// or they need a signal that they also forbid.
    fn unreachable_ends(&mut self) {
        let ends = &self.file.end_conditions;
        for (j, e) in ends.iter().enumerate() {
            let set = |v: &Vec<String>| v.iter().cloned().collect::<BTreeSet<String>>();
            let (all, any, none) = (set(&e.all), set(&e.any), set(&e.none));
            let at = Some(e.id.span().start);
            let id = e.id.get_ref();
            if let Some(s) = all.iter().chain(&any).find(|s| none.contains(*s))
                && (all.contains(s) || any.iter().all(|a| none.contains(a)))
            {
                self.warn(
                    "RL004",
                    at,
                    format!("end condition `{id}` needs signal `{s}` and also forbids it, so it never holds"),
                    "remove the signal from `none` or from `all`/`any`",
                );
                continue;
            }
            for earlier in &ends[..j] {
                let (eall, eany, enone) = (set(&earlier.all), set(&earlier.any), set(&earlier.none));
                // `earlier` holds whenever `e` does: it needs no more than `e` has, its `any`
                // is met by what `e` needs, and it forbids only what `e` forbids too.
                let needs_covered = eall.is_subset(&all);
                let any_covered =
                    eany.is_empty() || !eany.is_disjoint(&all) || (!any.is_empty() && any.is_subset(&eany));
                // Conditions too: an earlier entry with a `when` the later one lacks holds less often.
                let when_covered = earlier.when.iter().all(|c| e.when.contains(c));
                if needs_covered && any_covered && enone.is_subset(&none) && when_covered {
                    self.warn(
                        "RL004",
                        at,
                        format!(
                            "end condition `{id}` can never be reached: `{}`, listed before it, holds whenever it does",
                            earlier.id.get_ref()
                        ),
                        "end conditions are tried in order; move the more specific one first",
                    );
                    break;
                }
            }
        }
    }

    /// RL005–RL008: facts, synonyms, lexicons and signals nothing uses.
    fn unused(&mut self) {
        let f = self.file;
        let claim_units: BTreeSet<String> = f
            .rules
            .iter()
            .filter(|r| r.kind == RuleKind::Claims)
            .flat_map(|r| r.units.iter().map(|u| canonical_unit(u)))
            .collect();
        let key_facts: BTreeSet<&str> = f
            .knowledge
            .iter()
            .flat_map(|k| k.entries.iter().flat_map(|e| e.facts.iter().filter_map(|kf| kf.fact.as_deref())))
            .collect();
        for fact in &f.facts {
            let id = fact.id.get_ref();
            if !key_facts.contains(id.as_str()) && !claim_units.contains(&canonical_unit(&fact.unit)) {
                self.warn(
                    "RL005",
                    Some(fact.id.span().start),
                    format!(
                        "fact `{id}` ({}{}) is checked by no claims rule and no knowledge entry",
                        fact.value, fact.unit
                    ),
                    "add its unit to a `claims` rule's `units`, name it in a knowledge entry's facts, or remove it",
                );
            }
        }

        let lists = self.phrase_lists();
        let mut texts: Vec<String> = Vec::new();
        for list in &lists {
            texts.extend(self.expand(list.phrases).into_iter().map(|(p, _)| normalize(p).text));
        }
        texts.extend(self.model_lines().into_iter().map(|m| normalize(m).text));
        for key in f.synonyms.keys() {
            let k = normalize(key).text;
            if !k.is_empty() && !texts.iter().any(|t| t.contains(&k)) {
                self.warn(
                    "RL006",
                    None,
                    format!("synonym `{key}` occurs in no phrase or model line, so its variants are never used"),
                    "synonyms extend phrases that contain the key; remove it or use the word in a cue",
                );
            }
        }

        let referenced: BTreeSet<&str> =
            lists.iter().flat_map(|l| l.phrases.iter().filter_map(|p| p.strip_prefix('@'))).collect();
        for name in f.lexicons.keys() {
            if !referenced.contains(name.as_str()) && !f.included_lexicons.contains_key(name) {
                self.warn(
                    "RL007",
                    None,
                    format!("lexicon `{name}` is never referenced (`\"@{name}\"`)"),
                    "use it in a cue list or remove it",
                );
            }
        }

        let mut used: BTreeSet<&str> = BTreeSet::new();
        for e in &f.end_conditions {
            used.extend(e.all.iter().chain(&e.any).chain(&e.none).map(String::as_str));
        }
        for r in &f.rules {
            used.extend(r.signal.as_deref());
            used.extend(r.trigger.as_deref());
            used.extend(r.applies_when.iter().chain(&r.unless).chain(&r.after).map(String::as_str));
        }
        for s in &f.signals {
            if !used.contains(s.id.get_ref().as_str()) {
                self.warn(
                    "RL008",
                    Some(s.id.span().start),
                    format!("signal `{}` is used by no end condition and no rule", s.id.get_ref()),
                    "reference it from an end condition or a rule (`signal`, `trigger`, `applies_when`, `unless`, `after`), or remove it",
                );
            }
        }
    }

    /// RL009: steps and rules without examples.
    fn without_examples(&mut self) {
        let help = "add `examples.match` and `examples.no_match` lines (the false-positive traps) and run `callqa rubric test`";
        for s in &self.file.steps {
            if s.examples.is_empty() {
                self.warn("RL009", Some(s.id.span().start), format!("step `{}` has no examples", s.id.get_ref()), help);
            }
        }
        for r in &self.file.rules {
            if r.examples.is_empty() {
                self.warn("RL009", Some(r.id.span().start), format!("rule `{}` has no examples", r.id.get_ref()), help);
            }
        }
    }
}

/// Start positions of `needle` in `hay`.
fn occurrences(hay: &[char], needle: &[char]) -> Vec<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return Vec::new();
    }
    (0..=hay.len() - needle.len()).filter(|&i| hay[i..i + needle.len()] == *needle).collect()
}

/// True when the phrase at `start` begins inside a negation word (有违约金 in 没有/违约金, 收费
/// in 不收/费): not matching there is what the author wants.
fn inside_negation(a: &Analyzed, start: usize) -> bool {
    a.tokens.iter().any(|t| {
        t.start < start && start < t.end && matches!(a.norm.chars.get(t.start), Some('不' | '没' | '别' | '未' | '无'))
    })
}

/// The tokens around `[start, end)`, as `「最/低价」 in 「…」`.
fn tokens_around(a: &Analyzed, start: usize, end: usize) -> String {
    let toks: Vec<String> =
        a.tokens.iter().filter(|t| t.end > start && t.start < end).map(|t| a.slice(t.start, t.end)).collect();
    format!("jieba cuts 「{}」 as {}", a.slice(start, end), toks.join("/"))
}

/// A call of one turn, for matching a single line.
fn one_turn(text: &str, role: Role) -> Transcript {
    Transcript {
        id: "lint".into(),
        source: "lint".into(),
        meta: BTreeMap::new(),
        turns: vec![Turn {
            speaker: role.as_str().into(),
            role,
            text: text.into(),
            start: None,
            end: None,
            pos: Position { line: 1, column: 1 },
            sentences: Vec::new(),
            meta: Default::default(),
        }],
        roles: Vec::new(),
    }
}

/// The transcript a scored call came from (its turns and roles are in the result).
fn transcript_of(c: &CallResult) -> Transcript {
    Transcript {
        id: c.call_id.clone(),
        source: c.source.clone(),
        meta: BTreeMap::new(),
        turns: c
            .turns
            .iter()
            .map(|t| Turn {
                speaker: t.speaker.clone(),
                role: t.role,
                text: t.text.clone(),
                start: t.start,
                end: t.end,
                pos: Position::default(),
                sentences: Vec::new(),
                meta: Default::default(),
            })
            .collect(),
        roles: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint_src(src: &str) -> Vec<Warning> {
        let r = crate::rubric::from_str("t.toml", src).unwrap();
        lint(&r, src, None)
    }

    const BASE: &str = r#"
[rubric]
id = "t"
version = "1"

[[signals]]
id = "agree"
role = "customer"
cues = { any = ["好的"] }

[[signals]]
id = "orphan"
cues = { any = ["对对"] }

[[steps]]
id = "pitch"
cues = { any = ["流量"], models = ["这个套餐流量多"] }
examples.match = ["流量很多"]

[[steps]]
id = "details"
cues = { any = ["流量"], models = ["套餐流量是30G"] }

[[facts]]
id = "price"
value = 59
unit = "元"

[[end_conditions]]
id = "any"

[[end_conditions]]
id = "agreed"
all = ["agree"]

[synonyms]
"宽带" = ["款待"]

[lexicons]
unused = ["x"]
"#;

    fn codes(ws: &[Warning]) -> Vec<&str> {
        ws.iter().map(|w| w.code).collect()
    }

    #[test]
    fn finds_each_kind_of_problem() {
        let ws = lint_src(BASE);
        let text: Vec<String> = ws.iter().map(|w| w.to_string()).collect();
        let all = text.join("\n");
        for code in ["RL003", "RL004", "RL005", "RL006", "RL007", "RL008", "RL009"] {
            assert!(codes(&ws).contains(&code), "no {code} in\n{all}");
        }
        assert!(
            all.contains("t.toml:33:6: warning[RL004]: end condition `agreed` can never be reached: `any`"),
            "{all}"
        );
        assert!(all.contains("steps `pitch` and `details` cannot be told apart"), "{all}");
        assert!(all.contains("signal `orphan` is used by no end condition"), "{all}");
        assert!(!all.contains("signal `agree` is used by no"), "{all}");
    }

    #[test]
    fn a_cue_inside_longer_tokens_is_reported() {
        // 江移 is never a token of 长江移动 (a dictionary word once the rubric adds it).
        let src = r#"
[rubric]
id = "t"
version = "1"

[dictionary]
words = ["长江移动"]

[[steps]]
id = "greeting"
cues = { any = ["江移", "您好"], models = ["您好，我是长江移动的小李"] }
"#;
        let ws = lint_src(src);
        let rl001: Vec<&Warning> = ws.iter().filter(|w| w.code == "RL001").collect();
        assert_eq!(rl001.len(), 1, "{ws:#?}");
        assert!(rl001[0].message.contains("the cue `江移`"), "{}", rl001[0].message);
        assert!(rl001[0].message.contains("长江移动"), "{}", rl001[0].message);
    }

    #[test]
    fn unreachable_when_a_signal_is_needed_and_forbidden() {
        let src = BASE
            .replace("id = \"agreed\"\nall = [\"agree\"]", "id = \"agreed\"\nall = [\"agree\"]\nnone = [\"agree\"]");
        let ws = lint_src(&src);
        assert!(ws.iter().any(|w| w.message.contains("needs signal `agree` and also forbids it")), "{ws:#?}");
    }

    #[test]
    fn an_end_condition_with_its_own_when_is_not_shadowed() {
        let src = r#"
[rubric]
id = "t"
version = "1"

[[signals]]
id = "request"
role = "customer"
act = "request"
cues = { any = ["帮我查"] }
examples.match = ["帮我查话费"]

[[signals]]
id = "done"
act = "resolve"
cues = { any = ["查好了"] }

[[steps]]
id = "answer"
cues = { any = ["查好了"] }
examples.match = ["查好了"]

[[end_conditions]]
id = "unresolved"
when = ["request_open"]

[[end_conditions]]
id = "resolved"
when = ["covered:answer"]

[[end_conditions]]
id = "other"
"#;
        let all: Vec<String> = lint_src(src).iter().map(|w| w.to_string()).collect();
        assert!(!all.iter().any(|w| w.contains("`resolved` can never be reached")), "{all:?}");
        // The fallback without conditions is still shadowed by nothing; `other` after `resolved` is fine.
        assert!(!all.iter().any(|w| w.contains("RL004")), "{all:?}");
    }
}
