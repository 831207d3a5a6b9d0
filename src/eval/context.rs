//! One call, analyzed once: every turn normalized and segmented, every phrase set matched
//! once, every signal evaluated once. Criteria only look things up here.

use crate::dialogue::acts;
use crate::dialogue::{self, ActAt, Dialogue};
use crate::rubric::compile::{CompiledCues, CompiledRubric};
use crate::rubric::model::{Condition, Predicate, RoleSel, SignalAct};
use crate::text::contact_id;
use crate::text::matcher::MatchKind;
use crate::text::segment::Analyzed;
use crate::text::similarity::TurnGrams;
use crate::transcript::{Role, Transcript};
use std::cell::OnceCell;

/// How a matcher matched a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A phrase, exactly (after normalization).
    Cue,
    /// A phrase, by pinyin.
    Homophone,
    /// A phrase, with one edit.
    Fuzzy,
    /// A regex.
    Regex,
    /// Similarity to a model line.
    Similarity,
}

impl Via {
    /// Name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Cue => "cue",
            Via::Homophone => "homophone",
            Via::Fuzzy => "fuzzy",
            Via::Regex => "regex",
            Via::Similarity => "similarity",
        }
    }

    fn confidence(self) -> f64 {
        match self {
            Via::Cue | Via::Regex => 1.0,
            Via::Homophone => 0.85,
            Via::Fuzzy => 0.75,
            Via::Similarity => 0.0,
        }
    }
}

/// Where and how a matcher matched one turn (normalized character range).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CueMatch {
    /// Start (normalized chars).
    pub start: usize,
    /// End (normalized chars).
    pub end: usize,
    /// 0–1.
    pub confidence: f64,
    /// How.
    pub via: Via,
}

/// A phrase occurrence in a turn: (start, end, kind).
type PhraseHit = (usize, usize, MatchKind);

/// The phrase ids of one phrase set that occur in a turn, sorted by id, each with its first
/// occurrence that no negator governs (if any) and its first occurrence at all. Sparse: a turn
/// hits a handful of a rubric's hundreds of phrases, and a dense table per turn cost more to
/// allocate and clear than all the lookups.
type SetHits = Vec<(u32, Option<PhraseHit>, PhraseHit)>;

/// One turn, analyzed.
pub struct TurnAnalysis {
    /// Normalized, segmented text.
    pub text: Analyzed,
    /// Per phrase set: the phrase ids that occur.
    hits: Vec<SetHits>,
    /// Per phrase set: every occurrence in text order (id, start, end, kind, negated), for the
    /// matchers that judge each occurrence on its own ([`CallContext::occurrences`]).
    all_hits: Vec<Vec<(u32, PhraseHit, bool)>>,
    /// The turn prepared for similarity to model lines (on first use: calls whose matchers
    /// all match by phrase never need it).
    grams: OnceCell<TurnGrams>,
    /// Best similarity to each of the rubric's model lines, computed on first use: steps,
    /// signals and the knowledge base often ask about the same line and turn.
    similarity: Vec<OnceCell<(f64, usize, usize)>>,
}

/// A call analyzed against a rubric.
pub struct CallContext<'a> {
    /// The rubric.
    pub rubric: &'a CompiledRubric,
    /// The call.
    pub transcript: &'a Transcript,
    /// Per turn.
    pub turns: Vec<TurnAnalysis>,
    /// Per signal: the turns where it fired, with the match (a signal that declares a dialogue
    /// act only where the act counts, [`dialogue::act_counts`]).
    pub signals: Vec<Vec<(usize, CueMatch)>>,
    /// Where the call stands turn by turn.
    pub dialogue: Dialogue,
    /// Per step, the turn that covers it (on first use: only `covered:` conditions ask before
    /// the steps criterion runs).
    step_cover: OnceCell<Vec<Option<usize>>>,
}

fn kind_via(k: MatchKind) -> Via {
    match k {
        MatchKind::Exact => Via::Cue,
        MatchKind::Homophone => Via::Homophone,
        MatchKind::Fuzzy => Via::Fuzzy,
    }
}

impl<'a> CallContext<'a> {
    /// Analyzes every turn and evaluates every signal.
    pub fn new(rubric: &'a CompiledRubric, transcript: &'a Transcript) -> Self {
        let turns = transcript
            .turns
            .iter()
            .map(|t| {
                let text = rubric.analyzer.analyze(&t.text);
                let mut hits = Vec::with_capacity(rubric.sets.len());
                let mut all_hits = Vec::with_capacity(rubric.sets.len());
                for (set, texts) in rubric.sets.iter().zip(&rubric.phrase_text) {
                    let mut found: SetHits = Vec::new();
                    let mut every = Vec::new();
                    if !set.is_empty() {
                        // `find` reports hits in text order, so the first one seen is the first.
                        for h in set.find(&text) {
                            if h.id as usize >= texts.len() {
                                continue;
                            }
                            let hit = (h.start, h.end, h.kind);
                            every.push((h.id, hit, h.negated));
                            match found.iter_mut().find(|e| e.0 == h.id) {
                                Some(e) => {
                                    if !h.negated && e.1.is_none() {
                                        e.1 = Some(hit);
                                    }
                                }
                                None => found.push((h.id, (!h.negated).then_some(hit), hit)),
                            }
                        }
                        found.sort_unstable_by_key(|e| e.0);
                    }
                    hits.push(found);
                    all_hits.push(every);
                }
                let similarity = vec![OnceCell::new(); rubric.models.len()];
                TurnAnalysis { text, hits, all_hits, grams: OnceCell::new(), similarity }
            })
            .collect();
        let mut ctx = CallContext {
            rubric,
            transcript,
            turns,
            signals: Vec::new(),
            dialogue: Dialogue::default(),
            step_cover: OnceCell::new(),
        };
        let mut signals: Vec<Vec<(usize, CueMatch)>> = rubric
            .signals
            .iter()
            .map(|s| {
                (0..ctx.turns.len())
                    .filter(|&t| ctx.role_matches(s.role, t) && ctx.turn_holds(&s.when, s.role, t))
                    .filter_map(|t| ctx.matches(&s.cues, t).map(|m| (t, m)))
                    .collect()
            })
            .collect();
        ctx.add_spoken_contacts(&mut signals);
        let captured = rubric
            .signals
            .iter()
            .zip(&signals)
            .filter(|(s, _)| s.act == Some(SignalAct::ContactGiven))
            .filter_map(|(_, occ)| occ.first().map(|(t, _)| *t))
            .min();
        let mut declared = Vec::new();
        for (s, occ) in rubric.signals.iter().zip(signals.iter_mut()) {
            let Some(act) = s.act else { continue };
            occ.retain(|&(t, m)| {
                dialogue::act_counts(act, &ctx.turns[t].text, m.start, m.end, captured.is_some_and(|c| c < t))
            });
            declared.extend(occ.iter().map(|&(t, m)| ActAt { turn: t, start: m.start, end: m.end, act }));
        }
        let analyzed: Vec<&Analyzed> = ctx.turns.iter().map(|t| &t.text).collect();
        let roles: Vec<Role> = transcript.turns.iter().map(|t| t.role).collect();
        let dialogue = Dialogue::new(&analyzed, &roles, &declared);
        ctx.signals = signals;
        ctx.dialogue = dialogue;
        ctx
    }

    /// Adds to every `contact_given` signal the customer turns that say a contact id
    /// ([`contact_id::spoken_ids`]: spelled letters, Chinese digits, 杠/下划线) where the turn or
    /// the agent's request before it names a contact channel.
    fn add_spoken_contacts(&self, signals: &mut [Vec<(usize, CueMatch)>]) {
        let given: Vec<usize> = (0..self.rubric.signals.len())
            .filter(|&i| self.rubric.signals[i].act == Some(SignalAct::ContactGiven))
            .collect();
        if given.is_empty() {
            return;
        }
        for t in 0..self.turns.len() {
            if self.role(t) != Role::Customer {
                continue;
            }
            let text = &self.turns[t].text;
            let found = contact_id::spoken_ids(text).first().copied().or_else(|| contact_id::same_as_phone(text));
            let Some((start, end)) = found else { continue };
            let asked_before = (0..t).rev().find(|&p| self.role(p) == Role::Agent);
            let context = contact_id::has_context(text)
                || asked_before.is_some_and(|p| contact_id::has_context(&self.turns[p].text));
            if !context {
                continue;
            }
            let m = CueMatch { start, end, confidence: 1.0, via: Via::Regex };
            for &i in &given {
                if !signals[i].iter().any(|(x, _)| *x == t) {
                    let at = signals[i].partition_point(|(x, _)| *x < t);
                    signals[i].insert(at, (t, m));
                }
            }
        }
    }

    /// The role of turn `t`.
    pub fn role(&self, t: usize) -> Role {
        self.transcript.turns[t].role
    }

    /// Whether every condition holds at turn `t` for an item looking at `role`'s turns: what
    /// the turn says (`question`), where it is (`last:N`, `last_turn`), the dialogue state
    /// during it and the steps covered by then.
    pub fn holds(&self, when: &[Condition], role: RoleSel, t: usize) -> bool {
        when.iter().all(|c| {
            let yes = match &c.predicate {
                Predicate::State(s) => self.dialogue.holds_at(*s, t),
                Predicate::Covered(step) => self.step_turn(step).is_some_and(|c| c <= t),
                _ => self.turn_fact(&c.predicate, role, t),
            };
            yes != c.negated
        })
    }

    /// [`Self::holds`] for conditions about the turn only (signals and steps, which the
    /// dialogue state is built from). The loader allows nothing else there.
    pub fn turn_holds(&self, when: &[Condition], role: RoleSel, t: usize) -> bool {
        when.iter().all(|c| self.turn_fact(&c.predicate, role, t) != c.negated)
    }

    /// Whether every condition holds when the call ends: states at the end, steps covered
    /// anywhere, `question` of the call's last turn.
    pub fn holds_at_end(&self, when: &[Condition]) -> bool {
        let last = self.turns.len().checked_sub(1);
        when.iter().all(|c| {
            let yes = match &c.predicate {
                Predicate::State(s) => self.dialogue.holds_at_end(*s),
                Predicate::Covered(step) => self.step_turn(step).is_some(),
                p => last.is_some_and(|t| self.turn_fact(p, RoleSel::Any, t)),
            };
            yes != c.negated
        })
    }

    /// A condition about turn `t` alone (false for the others).
    fn turn_fact(&self, p: &Predicate, role: RoleSel, t: usize) -> bool {
        match p {
            Predicate::Question => {
                self.dialogue.question.get(t).copied().unwrap_or_else(|| acts::question(&self.turns[t].text).is_some())
            }
            Predicate::Last(n) => t + n >= self.turns.len(),
            Predicate::LastTurn => (t + 1..self.turns.len()).all(|u| !self.role_matches(role, u)),
            Predicate::State(_) | Predicate::Covered(_) => false,
        }
    }

    /// The turn where the step `id` is covered, if it is.
    pub fn step_turn(&self, id: &str) -> Option<usize> {
        let covers = self.step_cover.get_or_init(|| {
            (0..self.rubric.steps.len()).map(|i| crate::eval::steps::cover(self, i).map(|(t, _)| t)).collect()
        });
        let i = self.rubric.steps.iter().position(|s| s.id == id)?;
        covers[i]
    }

    /// Whether turn `t` belongs to `sel`.
    pub fn role_matches(&self, sel: RoleSel, t: usize) -> bool {
        match sel {
            RoleSel::Any => true,
            RoleSel::Agent => self.role(t) == Role::Agent,
            RoleSel::Customer => self.role(t) == Role::Customer,
        }
    }

    /// Indices of the turns of `sel`, in order.
    pub fn turns_of(&self, sel: RoleSel) -> Vec<usize> {
        (0..self.turns.len()).filter(|&t| self.role_matches(sel, t)).collect()
    }

    /// The first turn where signal `s` fired.
    pub fn first_signal(&self, s: usize) -> Option<usize> {
        self.signals.get(s).and_then(|v| v.first()).map(|(t, _)| *t)
    }

    /// Whether signal `s` fired anywhere.
    pub fn signal_fired(&self, s: usize) -> bool {
        self.first_signal(s).is_some()
    }

    fn phrase(&self, cues: &CompiledCues, t: usize, id: u32) -> Option<(usize, usize, MatchKind)> {
        let hits = self.turns[t].hits.get(cues.set)?;
        let e = hits.get(hits.binary_search_by_key(&id, |e| e.0).ok()?)?;
        if cues.negation { e.1 } else { Some(e.2) }
    }

    /// The first occurrence in turn `t` of any of `ids` (sorted): the earliest, then the
    /// shortest, then the surest kind (an exact hit over a homophone at the same place).
    /// Walks the turn's few hits rather than the matcher's many ids.
    fn first_of(&self, cues: &CompiledCues, t: usize, ids: &[u32]) -> Option<(usize, usize, MatchKind)> {
        let hits = self.turns[t].hits.get(cues.set)?;
        hits.iter()
            .filter(|e| ids.binary_search(&e.0).is_ok())
            .filter_map(|e| if cues.negation { e.1 } else { Some(e.2) })
            .min_by_key(|h| (h.0, h.1, h.2))
    }

    /// Whether matcher `cues` matches turn `t`, and where.
    pub fn matches(&self, cues: &CompiledCues, t: usize) -> Option<CueMatch> {
        self.matches_unless(cues, t, true)
    }

    /// [`CallContext::matches`], with the matcher's `none` vetoing the turn or not.
    fn matches_unless(&self, cues: &CompiledCues, t: usize, veto: bool) -> Option<CueMatch> {
        if veto && self.first_of(cues, t, &cues.none).is_some() {
            return None;
        }
        let phrase_match = self.phrase_part(cues, t);
        if phrase_match.is_some() || cues.models.is_empty() {
            return phrase_match;
        }
        // Only a line that reaches the threshold can decide the match, so a line whose upper
        // bound falls short is never scored exactly.
        let (score, start, end) = cues
            .model_ids
            .iter()
            .filter(|&&m| self.model_bound(t, m) >= cues.min_similarity)
            .map(|&m| self.model_similarity(t, m))
            .fold((0.0, 0, 0), |best, s| if s.0 > best.0 { s } else { best });
        (score >= cues.min_similarity).then_some(CueMatch { start, end, confidence: score, via: Via::Similarity })
    }

    /// The best similarity of turn `t` to the matcher's model lines (0 when it has none).
    pub fn similarity(&self, cues: &CompiledCues, t: usize) -> f64 {
        cues.model_ids.iter().map(|&m| self.model_similarity(t, m).0).fold(0.0, f64::max)
    }

    /// The turn of `turns` most similar to the matcher's model lines, with its similarity: the
    /// highest, the earliest on ties (`None` without turns). Turns whose upper bound cannot beat
    /// the best so far are not scored exactly.
    pub fn nearest(&self, cues: &CompiledCues, turns: &[usize]) -> Option<(usize, f64)> {
        let bound = |t: usize| cues.model_ids.iter().map(|&m| self.model_bound(t, m)).fold(0.0, f64::max);
        let bounds: Vec<f64> = turns.iter().map(|&t| bound(t)).collect();
        // Start from the most promising turn, then let any turn that could still win try.
        let first = (0..turns.len()).fold(None, |best: Option<usize>, i| match best {
            Some(b) if bounds[b] >= bounds[i] => Some(b),
            _ => Some(i),
        })?;
        let mut best = (first, self.similarity(cues, turns[first]));
        for (i, &b) in bounds.iter().enumerate() {
            let could_win = b > best.1 || (b == best.1 && i < best.0);
            if i == first || !could_win {
                continue;
            }
            let v = self.similarity(cues, turns[i]);
            if v > best.1 || (v == best.1 && i < best.0) {
                best = (i, v);
            }
        }
        Some((turns[best.0], best.1))
    }

    /// An upper bound of [`CallContext::model_similarity`], without scoring.
    fn model_bound(&self, t: usize, m: usize) -> f64 {
        let turn = &self.turns[t];
        if let Some(&(score, _, _)) = turn.similarity.get(m).and_then(OnceCell::get) {
            return score;
        }
        let grams = turn.grams.get_or_init(|| self.rubric.models.prepare(&turn.text));
        self.rubric.models.bound(m, grams)
    }

    /// Best similarity of turn `t` to the rubric's model line `m`, with its normalized range
    /// ([`crate::text::similarity::best_similarity`]); computed once per turn and line.
    fn model_similarity(&self, t: usize, m: usize) -> (f64, usize, usize) {
        let turn = &self.turns[t];
        let Some(cell) = turn.similarity.get(m) else { return (0.0, 0, 0) };
        *cell.get_or_init(|| {
            let grams = turn.grams.get_or_init(|| self.rubric.models.prepare(&turn.text));
            self.rubric.models.best_in(m, &turn.text, grams)
        })
    }

    fn phrase_part(&self, cues: &CompiledCues, t: usize) -> Option<CueMatch> {
        if !cues.has_phrase_part() {
            return None;
        }
        let mut hits: Vec<(usize, usize, Via)> = Vec::new();
        if !cues.any.is_empty() || !cues.regex.is_empty() {
            // `any` and `regex` are alternatives: the earliest of either counts.
            let phrase = self.first_of(cues, t, &cues.any).map(|(s, e, k)| (s, e, kind_via(k)));
            let regex = self.first_regex(cues, t).map(|(s, e)| (s, e, Via::Regex));
            let best = [phrase, regex].into_iter().flatten().min_by_key(|h| (h.0, h.1))?;
            hits.push(best);
        }
        for &id in &cues.all {
            let (s, e, k) = self.phrase(cues, t, id)?;
            hits.push((s, e, kind_via(k)));
        }
        for g in &cues.groups {
            let (s, e, k) = self.first_of(cues, t, g)?;
            hits.push((s, e, kind_via(k)));
        }
        let confidence = hits.iter().map(|h| h.2.confidence()).fold(1.0, f64::min);
        let via = hits
            .iter()
            .map(|h| h.2)
            .max_by(|a, b| a.confidence().total_cmp(&b.confidence()).reverse())
            .unwrap_or(Via::Cue);
        let &(start, end, _) = hits.iter().min_by_key(|h| (h.0, h.1))?;
        // Evidence: all the matched parts when they sit close together (微信号已经记下), else
        // the first one.
        let union_end = hits.iter().map(|h| h.1).max().unwrap_or(end);
        let end = if union_end - start <= 24 { union_end } else { end };
        Some(CueMatch { start, end, confidence, via })
    }

    /// Every place in turn `t` where a matcher that forbids something matches, in text order,
    /// each judged on its own: an occurrence of an `any` phrase or a regex match (negated
    /// phrases skipped unless `negation = false`), or, for matchers built of `all`/`groups`,
    /// the one match of [`CallContext::matches`]. `none` exempts only the clause it occurs in:
    /// an approved line (月底绝不断网) covers its own words, never the rest of the turn.
    pub fn occurrences(&self, cues: &CompiledCues, t: usize) -> Vec<CueMatch> {
        let text = &self.turns[t].text;
        let exempt: Vec<(usize, usize)> = self.turns[t]
            .all_hits
            .get(cues.set)
            .map(|hits| {
                hits.iter()
                    .filter(|(id, _, negated)| cues.none.binary_search(id).is_ok() && !(cues.negation && *negated))
                    .filter_map(|&(_, (s, _, _), _)| text.clause_at(s))
                    .collect()
            })
            .unwrap_or_default();
        let in_exempt = |m: &CueMatch| exempt.iter().any(|&(a, b)| m.start >= a && m.start < b);
        let mut out: Vec<CueMatch> = Vec::new();
        if cues.all.is_empty() && cues.groups.is_empty() && cues.models.is_empty() {
            if let Some(hits) = self.turns[t].all_hits.get(cues.set) {
                for &(id, (s, e, k), negated) in hits {
                    if cues.any.binary_search(&id).is_ok() && !(cues.negation && negated) {
                        out.push(CueMatch { start: s, end: e, confidence: kind_via(k).confidence(), via: kind_via(k) });
                    }
                }
            }
            for r in &cues.regex {
                for m in r.find_iter(&text.norm.text) {
                    let start = text.norm.text[..m.start()].chars().count();
                    let end = start + m.as_str().chars().count();
                    out.push(CueMatch { start, end, confidence: 1.0, via: Via::Regex });
                }
            }
            out.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
            // A phrase inside a longer one at the same place (全网最 in 全网最低) is one claim.
            out.dedup_by(|b, a| b.start < a.end);
        } else {
            // Judged as a whole; `none` is left to the clause test below.
            out.extend(self.matches_unless(cues, t, false));
        }
        out.retain(|m| !in_exempt(m));
        out
    }

    /// Whether one of the matcher's `none` phrases occurs in `clause` of turn `t` (anywhere in
    /// the turn when `clause` is `None`).
    pub fn none_in(&self, cues: &CompiledCues, t: usize, clause: Option<(usize, usize)>) -> bool {
        self.turns[t].all_hits.get(cues.set).is_some_and(|hits| {
            hits.iter().any(|&(id, (s, _, _), negated)| {
                cues.none.binary_search(&id).is_ok()
                    && !(cues.negation && negated)
                    && clause.is_none_or(|(a, b)| s >= a && s < b)
            })
        })
    }

    /// The earliest regex match in turn `t`, as a normalized character range.
    fn first_regex(&self, cues: &CompiledCues, t: usize) -> Option<(usize, usize)> {
        let text = &self.turns[t].text.norm.text;
        let m = cues.regex.iter().filter_map(|r| r.find(text)).min_by_key(|m| m.start())?;
        let start = text[..m.start()].chars().count();
        Some((start, start + m.as_str().chars().count()))
    }

    /// Evidence for normalized range `[start, end)` of turn `t`: the original span and excerpt.
    pub fn evidence(&self, t: usize, start: usize, end: usize) -> ([usize; 2], String) {
        let (a, b) = self.turns[t].text.norm.to_original(start, end);
        let excerpt = excerpt(&self.transcript.turns[t].text, a, b);
        ([a, b], excerpt)
    }

    /// Evidence covering the whole of turn `t`.
    pub fn whole_turn(&self, t: usize) -> ([usize; 2], String) {
        let n = self.transcript.turns[t].text.chars().count();
        ([0, n], excerpt(&self.transcript.turns[t].text, 0, n))
    }
}

/// The original characters `[a, b)` of `text`, shortened to at most 60 characters.
pub fn excerpt(text: &str, a: usize, b: usize) -> String {
    const MAX: usize = 60;
    let len = b.saturating_sub(a);
    let take = len.min(MAX);
    let mut s: String = text.chars().skip(a).take(take).collect();
    if len > MAX {
        s.push('…');
    }
    s
}
