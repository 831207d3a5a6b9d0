//! Sentence similarity (Sørensen–Dice over character bigrams) for paraphrase detection: is this
//! turn saying the script's model line in other words?
//!
//! Same formula as `strsim::sorensen_dice` (whitespace removed, equal strings score 1, bigram
//! multiset overlap), but counted in characters: strsim divides by the strings' *byte* lengths,
//! which deflates every CJK score about threefold (a CJK char is 3 bytes in UTF-8).

use super::normalize::{is_space_or_punct, normalize};
use super::segment::Analyzed;
use super::{PairMap, pair};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// Similarity of two texts in `0.0..=1.0`: both normalized ([`normalize`]) and stripped of
/// punctuation and whitespace, then Sørensen–Dice over character bigrams. Empty → 0.
pub fn similarity(a: &str, b: &str) -> f64 {
    let a = content(&normalize(a).chars);
    let b = content(&normalize(b).chars);
    let (mut ba, mut bb) = (bigrams(&a), bigrams(&b));
    ba.sort_unstable();
    bb.sort_unstable();
    dice(&a, &ba, &b, &bb)
}

/// A text prepared once for repeated [`Prepared::similarity`] comparisons: content characters
/// of already-normalized text and their sorted bigrams.
#[derive(Debug, Clone)]
pub struct Prepared {
    chars: Vec<char>,
    bigrams: Vec<u64>,
}

impl Prepared {
    /// Prepares normalized characters (e.g. `Analyzed::norm.chars`); no second normalization.
    pub fn from_normalized(chars: &[char]) -> Prepared {
        let chars = content(chars);
        let mut bigrams = bigrams(&chars);
        bigrams.sort_unstable();
        Prepared { chars, bigrams }
    }

    /// Content characters (spaces and punctuation aside).
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// Whether there are no content characters.
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The content characters compared (letters and digits of the normalized text).
    pub fn content(&self) -> &[char] {
        &self.chars
    }

    /// The same value as [`similarity`] of the two original texts.
    pub fn similarity(&self, other: &Prepared) -> f64 {
        dice(&self.chars, &self.bigrams, &other.chars, &other.bigrams)
    }

    /// The highest similarity two texts of these lengths could reach (Dice is bounded by
    /// `2·min / (la + lb)` over bigram counts), to skip hopeless pairs cheaply.
    pub fn max_similarity(&self, other: &Prepared) -> f64 {
        let (a, b) = (self.bigrams.len(), other.bigrams.len());
        if a + b == 0 { 0.0 } else { 2.0 * a.min(b) as f64 / (a + b) as f64 }
    }
}

/// Best similarity between `model` and the turn: over the whole turn, each clause, and each
/// run of 2–3 consecutive clauses. Returns `(score, start, end)` of the best normalized range;
/// on ties the earliest, narrowest range wins. `(0.0, 0, 0)` for an empty turn or model.
///
/// Callers usually score the same few model lines against every turn, so the prepared
/// [`ModelLine`]s are kept in a small per-thread cache keyed by the model text.
pub fn best_similarity(a: &Analyzed, model: &str) -> (f64, usize, usize) {
    thread_local! {
        static CACHE: RefCell<HashMap<String, Rc<ModelLine>>> = RefCell::new(HashMap::new());
    }
    /// Bound on cached model lines per thread (a rubric has tens; this only guards memory).
    const CACHE_MAX: usize = 4096;
    let line = CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(line) = cache.get(model) {
            return Rc::clone(line);
        }
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        let line = Rc::new(ModelLine::new(model));
        cache.insert(model.to_string(), Rc::clone(&line));
        line
    });
    line.best_in(a)
}

/// A model line prepared once (normalized, stripped, bigrams indexed) for scoring many turns:
/// [`best_similarity`] with the model's preparation hoisted out of the loop. A one-line
/// [`ModelSet`], so both find the best range the same way.
#[derive(Debug, Clone)]
pub struct ModelLine {
    chars: Vec<char>,
    /// Sorted bigrams, for [`ModelLine::score`].
    bigrams: Vec<u64>,
    /// The line as the only line of a set, for [`ModelLine::best_in`].
    set: ModelSet,
}

impl ModelLine {
    /// Prepares `model` (normalized like a turn, punctuation and whitespace removed).
    pub fn new(model: &str) -> ModelLine {
        let chars = content(&normalize(model).chars);
        let mut bigrams = bigrams(&chars);
        bigrams.sort_unstable();
        ModelLine { chars, bigrams, set: ModelSet::new(&[model.to_string()]) }
    }

    /// Similarity of this model line to any text, as [`similarity`].
    pub fn score(&self, text: &str) -> f64 {
        let c = content(&normalize(text).chars);
        let mut b = bigrams(&c);
        b.sort_unstable();
        dice(&self.chars, &self.bigrams, &c, &b)
    }

    /// As [`best_similarity`]: [`ModelSet::best_in`] of the one line.
    pub fn best_in(&self, a: &Analyzed) -> (f64, usize, usize) {
        self.set.best_in(0, a, &self.set.prepare(a))
    }
}

/// Every model line of a rubric, prepared once and indexed by one shared bigram table, so a turn
/// is prepared once ([`ModelSet::prepare`]) and then scored against any model line cheaply:
/// each bigram of the turn is looked up once in total instead of once per model line, and a
/// model line that shares no bigram with the turn is dismissed without scanning any range.
///
/// [`ModelSet::best_in`] gives exactly [`ModelLine::best_in`]'s result (same score, same range,
/// same tie-breaking).
#[derive(Debug, Clone, Default)]
pub struct ModelSet {
    /// Distinct bigram of any model line → dense id.
    gids: PairMap<u32>,
    lines: Vec<SetLine>,
    /// Bigram id → the lines that have it, with how often: one pass over a turn's bigrams
    /// counts what it shares with every line at once.
    postings: Vec<Vec<(u32, u32)>>,
}

#[derive(Debug, Clone)]
struct SetLine {
    chars: Vec<char>,
    /// `(bigram id, occurrences in the line)`, sorted by id.
    caps: Vec<(u32, u32)>,
}

/// A turn prepared for [`ModelSet::best_in`]: the content characters of its clauses,
/// concatenated, each clause's span in them, and the turn's bigrams as the set's ids.
#[derive(Debug, Clone, Default)]
pub struct TurnGrams {
    text: Vec<char>,
    spans: Vec<(usize, usize)>,
    /// Per bigram position of `text`: a turn-local id (dense, in order of first occurrence)
    /// of a bigram that some model line has, or [`NO_GRAM`].
    local: Vec<u32>,
    /// Turn-local id → the set's bigram id.
    local_gid: Vec<u32>,
    /// Per line of the set: the bigrams the turn shares with it, as multisets.
    shared: Vec<u32>,
}

const NO_GRAM: u32 = u32::MAX;

impl ModelSet {
    /// Prepares `models` (normalized like turns; punctuation and whitespace removed). Line `i`
    /// of the set is `models[i]`.
    pub fn new(models: &[String]) -> ModelSet {
        let mut gids = PairMap::default();
        let mut lines = Vec::with_capacity(models.len());
        for model in models {
            let chars = content(&normalize(model).chars);
            let mut counts: BTreeMap<u32, u32> = BTreeMap::new();
            for w in chars.windows(2) {
                let next = gids.len() as u32;
                let gid = *gids.entry(pair(w[0], w[1])).or_insert(next);
                *counts.entry(gid).or_default() += 1;
            }
            lines.push(SetLine { chars, caps: counts.into_iter().collect() });
        }
        let mut postings: Vec<Vec<(u32, u32)>> = vec![Vec::new(); gids.len()];
        for (i, line) in lines.iter().enumerate() {
            for &(gid, cap) in &line.caps {
                postings[gid as usize].push((i as u32, cap));
            }
        }
        ModelSet { gids, lines, postings }
    }

    /// Number of model lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when the set has no model line.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Prepares one analyzed turn for scoring against every line.
    pub fn prepare(&self, a: &Analyzed) -> TurnGrams {
        let chars = &a.norm.chars;
        let n = chars.len();
        let mut text: Vec<char> = Vec::with_capacity(n);
        let mut spans: Vec<(usize, usize)> = Vec::with_capacity(a.clauses.len());
        for &(s, e) in &a.clauses {
            let (s, e) = (s.min(n), e.min(n));
            let cs = text.len();
            if s < e {
                text.extend(chars[s..e].iter().copied().filter(|&c| is_content(c)));
            }
            spans.push((cs, text.len()));
        }
        // Sized for the turn's bigrams up front: growing the map one rehash at a time was a
        // good share of the allocations of a call.
        let bigrams = text.len().saturating_sub(1);
        let mut local_gid: Vec<u32> = Vec::with_capacity(bigrams);
        let mut local_of: PairMap<u32> = PairMap::with_capacity_and_hasher(bigrams, Default::default());
        let local: Vec<u32> = text
            .windows(2)
            .map(|w| match self.gids.get(&pair(w[0], w[1])) {
                None => NO_GRAM,
                Some(&gid) => *local_of.entry(u64::from(gid)).or_insert_with(|| {
                    local_gid.push(gid);
                    (local_gid.len() - 1) as u32
                }),
            })
            .collect();
        let mut local_count = vec![0u32; local_gid.len()];
        for &l in local.iter().filter(|&&l| l != NO_GRAM) {
            local_count[l as usize] += 1;
        }
        let mut shared = vec![0u32; self.lines.len()];
        for (&gid, &n) in local_gid.iter().zip(&local_count) {
            for &(line, cap) in self.postings.get(gid as usize).map_or(&[][..], Vec::as_slice) {
                shared[line as usize] += n.min(cap);
            }
        }
        TurnGrams { text, spans, local, local_gid, shared }
    }

    /// How often line `line` has each of the turn's bigrams (turn-local ids; 0: not at all).
    fn caps(model: &SetLine, grams: &TurnGrams) -> Vec<u32> {
        grams
            .local_gid
            .iter()
            .map(|g| model.caps.binary_search_by_key(g, |&(id, _)| id).map_or(0, |k| model.caps[k].1))
            .collect()
    }

    /// An upper bound of [`ModelSet::best_in`]'s score, cheap to compute: with `s` bigrams the
    /// turn shares with the line (as multisets), no range can score above `2s / (s + m - 1)`
    /// for a line of `m` characters. 1 for a one-character line (it can only be bounded by
    /// scoring it).
    pub fn bound(&self, line: usize, grams: &TurnGrams) -> f64 {
        let Some(model) = self.lines.get(line) else { return 0.0 };
        let m = model.chars.len();
        if m < 2 {
            return if m == 0 { 0.0 } else { 1.0 };
        }
        let shared = grams.shared.get(line).copied().unwrap_or(0);
        // 2c / ((len - 1) + (m - 1)) with c ≤ len - 1 is largest for the shortest range, len - 1 = c.
        let common = (shared as usize).min(m - 1);
        Self::range_bound(common, common + 1, m)
    }

    /// The best score a range of `len` characters sharing at most `shared` bigrams with a line
    /// of `m ≥ 2` characters can reach.
    fn range_bound(shared: usize, len: usize, m: usize) -> f64 {
        let common = shared.min(len.saturating_sub(1)).min(m - 1);
        if common == 0 {
            return 0.0;
        }
        (2 * common) as f64 / ((len - 1) + (m - 1)) as f64
    }

    /// [`ModelLine::best_in`] of line `line` in the turn `a`, prepared as `grams`
    /// (`(0.0, 0, 0)` for an unknown line).
    pub fn best_in(&self, line: usize, a: &Analyzed, grams: &TurnGrams) -> (f64, usize, usize) {
        let Some(model) = self.lines.get(line) else { return (0.0, 0, 0) };
        let clauses = &a.clauses;
        let m = model.chars.len();
        if m == 0 || clauses.is_empty() || grams.spans.len() != clauses.len() {
            return (0.0, 0, 0);
        }
        // How often the model has each of the turn's bigrams (0: not at all).
        let shared = grams.shared.get(line).copied().unwrap_or(0) as usize;
        // No shared bigram: every range scores 0, unless a range equals a one-character model.
        if m >= 2 && shared == 0 {
            return (0.0, 0, 0);
        }
        let caps = Self::caps(model, grams);
        let n = a.norm.chars.len();
        let (text, spans) = (&grams.text, &grams.spans);
        let mut counts = vec![0u32; caps.len()];
        let mut best = (0.0, 0, 0);
        let mut consider = |k0: usize, k1: usize, best: &mut (f64, usize, usize)| {
            let (cs, ce) = (spans[k0].0, spans[k1].1);
            let len = ce - cs;
            // A range that cannot beat the best so far is not counted (only a higher score
            // replaces the best, so the result is the same).
            if m >= 2 && Self::range_bound(shared, len, m) <= best.0 {
                return;
            }
            let score = if len == 0 {
                0.0
            } else if text[cs..ce] == model.chars[..] {
                1.0
            } else if len < 2 || m < 2 {
                0.0
            } else {
                // Multiset intersection: a bigram counts while the range has used fewer of it
                // than the model has.
                let ids = &grams.local[cs..ce - 1];
                let mut common = 0usize;
                for &l in ids {
                    if l != NO_GRAM {
                        let c = &mut counts[l as usize];
                        if *c < caps[l as usize] {
                            common += 1;
                        }
                        *c += 1;
                    }
                }
                for &l in ids {
                    if l != NO_GRAM {
                        counts[l as usize] = 0;
                    }
                }
                (2 * common) as f64 / ((len - 1) + (m - 1)) as f64
            };
            if score > best.0 {
                *best = (score, clauses[k0].0.min(n), clauses[k1].1.min(n));
            }
        };
        for width in 1..=3 {
            for k in 0..clauses.len().saturating_sub(width - 1) {
                consider(k, k + width - 1, &mut best);
            }
        }
        if clauses.len() > 3 {
            consider(0, clauses.len() - 1, &mut best);
        }
        best
    }
}

fn is_content(c: char) -> bool {
    !is_space_or_punct(c)
}

fn content(chars: &[char]) -> Vec<char> {
    chars.iter().copied().filter(|&c| is_content(c)).collect()
}

fn bigrams(chars: &[char]) -> Vec<u64> {
    chars.windows(2).map(|w| pair(w[0], w[1])).collect()
}

/// Dice coefficient from the chars and the *sorted* bigrams of both sides.
fn dice(a: &[char], ga: &[u64], b: &[char], gb: &[u64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    if a.len() < 2 || b.len() < 2 {
        return 0.0;
    }
    // Multiset intersection of two sorted lists.
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < ga.len() && j < gb.len() {
        match ga[i].cmp(&gb[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    (2 * common) as f64 / (ga.len() + gb.len()) as f64
}

#[cfg(test)]
mod prepared_tests {
    use super::*;

    #[test]
    fn prepared_matches_plain_similarity() {
        for (a, b) in [("您好我是李明", "您好，我是李明。"), ("流量够用吗", "通话够不够"), ("", "x")]
        {
            let (pa, pb) =
                (Prepared::from_normalized(&normalize(a).chars), Prepared::from_normalized(&normalize(b).chars));
            assert!((pa.similarity(&pb) - similarity(a, b)).abs() < 1e-12, "{a} / {b}");
            assert!(pa.max_similarity(&pb) + 1e-12 >= pa.similarity(&pb));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::segment::Analyzer;

    #[test]
    fn basic_scores() {
        assert_eq!(similarity("", ""), 0.0);
        assert_eq!(similarity("你好", ""), 0.0);
        assert_eq!(similarity("保证", "保證"), 1.0);
        assert_eq!(similarity("您好，请问是张先生吗？", "您好 请问是张先生吗"), 1.0);
        assert_eq!(similarity("abc", "xyz"), 0.0);
        let s = similarity("首月半价只要59元", "首月半价，最低只要五十九元");
        assert!(s > 0.6 && s < 1.0, "{s}");
    }

    #[test]
    fn agrees_with_strsim_on_ascii() {
        for (a, b) in [("feris", "ferris"), ("french", "quebec"), ("night", "nacht"), ("ab", "abc")] {
            let ours = similarity(a, b);
            let theirs = strsim::sorensen_dice(a, b);
            assert!((ours - theirs).abs() < 1e-12, "{a} {b}: {ours} vs {theirs}");
        }
        // And shows why we count chars: strsim deflates CJK scores.
        assert!(strsim::sorensen_dice("首月半价", "首月半价吧") < 0.5);
        assert!(similarity("首月半价", "首月半价吧") > 0.8);
    }

    #[test]
    fn best_range() {
        let an = Analyzer::new(&[]);
        let a = an.analyze("喂，您好，请问是张先生吗？我是长江移动的李明，今天天气不错");
        let (score, s, e) = best_similarity(&a, "我是长江移动通信公司李明");
        assert!(score > 0.5, "{score}");
        assert_eq!(a.slice(s, e), "我是长江移动的李明");
        let (score, s, e) = best_similarity(&a, "您好请问是张先生吗");
        assert_eq!(score, 1.0);
        assert_eq!(a.slice(s, e), "您好，请问是张先生吗");
        assert_eq!(best_similarity(&an.analyze(""), "你好"), (0.0, 0, 0));
        assert_eq!(best_similarity(&a, ""), (0.0, 0, 0));
    }

    /// The straightforward definition: score every candidate range on its own.
    fn reference_best(a: &Analyzed, model: &str) -> (f64, usize, usize) {
        let m = content(&normalize(model).chars);
        let mut gm = bigrams(&m);
        gm.sort_unstable();
        let c = &a.clauses;
        let mut best = (0.0, 0, 0);
        let mut ranges = Vec::new();
        for w in 1..=3 {
            for k in 0..c.len().saturating_sub(w - 1) {
                ranges.push((c[k].0, c[k + w - 1].1));
            }
        }
        if c.len() > 3 {
            ranges.push((c[0].0, c[c.len() - 1].1));
        }
        for (s, e) in ranges {
            let t = content(&a.norm.chars[s..e]);
            let mut gt = bigrams(&t);
            gt.sort_unstable();
            let score = dice(&m, &gm, &t, &gt);
            if score > best.0 {
                best = (score, s, e);
            }
        }
        best
    }

    #[test]
    fn counting_agrees_with_reference() {
        let an = Analyzer::new(&[]);
        let turns = [
            "喂，您好，请问是张先生吗？我是长江移动的李明，今天天气不错",
            "好好好，好的好的，好",
            "首月半价，只要59元，首月半价只要五十九元！真的，首月半价",
            "a b c，1 2 3",
            "，。",
            "您好",
        ];
        let models = ["您好请问是张先生吗", "首月半价只要59元", "好的", "好", "abc", "长江移动李明您好"];
        for t in turns {
            let a = an.analyze(t);
            let set = ModelSet::new(&models.map(String::from));
            let grams = set.prepare(&a);
            for (i, m) in models.iter().enumerate() {
                assert_eq!(best_similarity(&a, m), reference_best(&a, m), "{t} / {m}");
                assert_eq!(set.best_in(i, &a, &grams), reference_best(&a, m), "set: {t} / {m}");
                assert!(set.bound(i, &grams) >= reference_best(&a, m).0, "bound: {t} / {m}");
            }
        }
    }

    #[test]
    fn prepared_model_agrees() {
        let m = ModelLine::new("现在有两分钟吗");
        assert_eq!(m.score("现在有2分钟吗"), similarity("现在有两分钟吗", "现在有2分钟吗"));
        assert_eq!(m.score("现在有2分钟吗"), 1.0);
    }
}
