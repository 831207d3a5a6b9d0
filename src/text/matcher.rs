//! Phrase matching on word boundaries: exact, pinyin homophone and fuzzy (edit distance).
//!
//! A [`PhraseSet`] is compiled once per rubric section and shared across threads; `find` runs
//! once per turn. All three passes only accept matches that start and end on
//! [`Analyzed::boundaries`], so a phrase never matches half a word.

use super::negation::is_negated;
use super::normalize::{is_space_or_punct, normalize};
use super::pinyin::keys;
use super::segment::Analyzed;
use super::{PairMap, pair};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind as AcMatchKind};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// How a phrase matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    /// The normalized text contains the normalized phrase.
    Exact,
    /// Same fuzzy pinyin, different characters (长江一动 for 长江移动).
    Homophone,
    /// Within edit distance (normalized Levenshtein similarity ≥ 0.75).
    Fuzzy,
}

/// One phrase occurrence in a turn. Offsets are normalized characters; map them back with
/// [`super::normalize::Normalized::to_original`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Hit {
    /// The id the pattern was registered with.
    pub id: u32,
    /// First matched character.
    pub start: usize,
    /// One past the last matched character.
    pub end: usize,
    /// How it matched.
    pub kind: MatchKind,
    /// A negator governs the phrase ([`is_negated`]).
    pub negated: bool,
}

/// Which approximate passes a [`PhraseSet`] runs besides exact matching.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PhraseOptions {
    /// Pinyin homophones, for patterns of ≥3 Han characters (and two-character domain words,
    /// [`PhraseSet::with_domain_words`]).
    pub homophones: bool,
    /// Edit-distance matches, for patterns of ≥4 characters.
    pub fuzzy: bool,
}

/// Minimum normalized Levenshtein similarity of a fuzzy match.
const FUZZY_MIN: f64 = 0.75;
/// Minimum pattern length (chars) for each approximate pass.
const HOMOPHONE_MIN_LEN: usize = 3;
const FUZZY_MIN_LEN: usize = 4;

/// A compiled set of phrases. `Send + Sync`.
#[derive(Debug, Clone)]
pub struct PhraseSet {
    /// Distinct normalized patterns, each with the ids registered for it.
    ids: Vec<Vec<u32>>,
    /// Length in chars of each distinct pattern.
    char_lens: Vec<usize>,
    /// Exact automaton over the normalized patterns (pattern index = index into `ids`).
    exact: Option<AhoCorasick>,
    /// Homophone automaton over 2-byte pinyin keys, and the pattern index of each entry.
    homophone: Option<AhoCorasick>,
    homophone_pattern: Vec<usize>,
    /// Fuzzy patterns and their bigram index.
    fuzzy: Vec<FuzzyPattern>,
    fuzzy_bigrams: PairMap<Vec<(u32, u32)>>,
}

#[derive(Debug, Clone)]
struct FuzzyPattern {
    pattern: usize,
    chars: Vec<char>,
    /// Whether the pattern itself contains spaces or punctuation (then windows may too).
    has_separators: bool,
}

impl PhraseSet {
    /// Compiles `patterns` (text, id). Each text is normalized with [`normalize`], exactly as
    /// turns are, so 百分之百 matches 100% and 這個 matches 这个. Several patterns may share an
    /// id; patterns that normalize to nothing are ignored. Patterns are plain text: they need
    /// no segmenter (word boundaries are checked on the turn).
    pub fn new(patterns: &[(String, u32)], opts: PhraseOptions) -> PhraseSet {
        PhraseSet::with_domain_words(patterns, opts, &[])
    }

    /// [`PhraseSet::new`], where the two-character words of `domain` (the rubric's dictionary
    /// and persona names, normalized) also match by pinyin homophone: ASR writes 李鸣 for the
    /// persona's 李明 and 套参 for 套餐, while a two-character homophone of an arbitrary word
    /// would be too loose a match to allow everywhere.
    pub fn with_domain_words(patterns: &[(String, u32)], opts: PhraseOptions, domain: &[String]) -> PhraseSet {
        let mut texts: Vec<String> = Vec::new();
        let mut ids: Vec<Vec<u32>> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for (raw, id) in patterns {
            let text = normalize(raw).text;
            if text.is_empty() {
                continue;
            }
            let k = *index.entry(text.clone()).or_insert_with(|| {
                texts.push(text);
                ids.push(Vec::new());
                texts.len() - 1
            });
            if !ids[k].contains(id) {
                ids[k].push(*id);
            }
        }
        let exact = build_ac(texts.iter().map(|t| t.as_bytes().to_vec()).collect());
        let char_lens = texts.iter().map(|t| t.chars().count()).collect();

        let mut homophone_pattern = Vec::new();
        let mut key_patterns = Vec::new();
        let mut fuzzy = Vec::new();
        let mut fuzzy_bigrams: PairMap<Vec<(u32, u32)>> = PairMap::default();
        for (k, t) in texts.iter().enumerate() {
            let chars: Vec<char> = t.chars().collect();
            let long_enough = chars.len() >= HOMOPHONE_MIN_LEN || (chars.len() == 2 && domain.contains(t));
            if opts.homophones && long_enough {
                let ks = keys(&chars);
                if ks.iter().all(|&x| x != 0) {
                    key_patterns.push(ks.iter().flat_map(|x| x.to_be_bytes()).collect());
                    homophone_pattern.push(k);
                }
            }
            if opts.fuzzy && chars.len() >= FUZZY_MIN_LEN {
                let f = fuzzy.len() as u32;
                for (off, w) in chars.windows(2).enumerate() {
                    fuzzy_bigrams.entry(pair(w[0], w[1])).or_default().push((f, off as u32));
                }
                let has_separators = chars.iter().any(|&c| is_separator(c));
                fuzzy.push(FuzzyPattern { pattern: k, chars, has_separators });
            }
        }
        let homophone = build_ac(key_patterns);
        PhraseSet { ids, char_lens, exact, homophone, homophone_pattern, fuzzy, fuzzy_bigrams }
    }

    /// Number of distinct normalized patterns.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when no pattern survived normalization.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// All hits in `text`, sorted by `(start, end, id)` and deduplicated per `(id, start, end)`
    /// (an exact hit wins over a homophone one at the same place). A homophone or fuzzy hit is
    /// not reported where an exact hit of the same id exists (same range for homophones,
    /// overlapping for fuzzy).
    pub fn find(&self, text: &Analyzed) -> Vec<Hit> {
        let mut hits: Vec<Hit> = Vec::new();
        if self.ids.is_empty() || text.norm.chars.is_empty() {
            return hits;
        }
        self.find_exact(text, &mut hits);
        self.find_homophones(text, &mut hits);
        if !self.fuzzy.is_empty() {
            self.find_fuzzy(text, &mut hits);
        }
        for h in &mut hits {
            h.negated = is_negated(text, h.start);
        }
        hits.sort_by_key(|h| (h.start, h.end, h.id, h.kind));
        hits.dedup_by_key(|h| (h.start, h.end, h.id));
        hits
    }

    fn push_ids(&self, pattern: usize, start: usize, end: usize, kind: MatchKind, hits: &mut Vec<Hit>) {
        for &id in &self.ids[pattern] {
            hits.push(Hit { id, start, end, kind, negated: false });
        }
    }

    fn find_exact(&self, text: &Analyzed, hits: &mut Vec<Hit>) {
        let Some(ac) = &self.exact else { return };
        let s = text.norm.text.as_str();
        // Overlapping matches arrive in order of their end, so a cursor converts end byte
        // offsets to char offsets in one pass over the text; the start is the end minus the
        // pattern's char length.
        let (mut byte, mut chr) = (0usize, 0usize);
        for m in ac.find_overlapping_iter(s) {
            if m.end() < byte {
                (byte, chr) = (0, 0); // not expected; stay correct anyway
            }
            chr += s.as_bytes()[byte..m.end()].iter().filter(|&&b| (b as i8) >= -0x40).count();
            byte = m.end();
            let pattern = m.pattern().as_usize();
            let ce = chr;
            let cs = ce.saturating_sub(self.char_lens[pattern]);
            if text.is_boundary(cs) && text.is_boundary(ce) {
                self.push_ids(pattern, cs, ce, MatchKind::Exact, hits);
            }
        }
    }

    fn find_homophones(&self, text: &Analyzed, hits: &mut Vec<Hit>) {
        let Some(ac) = &self.homophone else { return };
        let n = text.norm.chars.len().min(text.pinyin.len());
        let bytes: Vec<u8> = text.pinyin[..n].iter().flat_map(|k| k.to_be_bytes()).collect();
        let mut exact: Vec<(usize, usize, u32)> = hits.iter().map(|h| (h.start, h.end, h.id)).collect();
        exact.sort_unstable();
        for m in ac.find_overlapping_iter(&bytes) {
            if m.start() % 2 != 0 {
                continue; // straddles two characters' keys
            }
            let (cs, ce) = (m.start() / 2, m.end() / 2);
            if !(text.is_boundary(cs) && text.is_boundary(ce)) {
                continue;
            }
            let pattern = self.homophone_pattern[m.pattern().as_usize()];
            for &id in &self.ids[pattern] {
                if exact.binary_search(&(cs, ce, id)).is_err() {
                    hits.push(Hit { id, start: cs, end: ce, kind: MatchKind::Homophone, negated: false });
                }
            }
        }
    }

    /// Fuzzy pass. Prefilter: a window within similarity 0.75 of a pattern of length L differs
    /// by at most d = ⌊(L+1)/4⌋ edits, and each edit destroys at most two of the pattern's L−1
    /// bigrams, so at least L−1−2d pattern bigrams occur in the text on nearby diagonals
    /// (text position − pattern offset within ±d of the window start). Only those places are
    /// verified, with one Levenshtein table per start that scores all three window lengths.
    fn find_fuzzy(&self, text: &Analyzed, hits: &mut Vec<Hit>) {
        let chars = &text.norm.chars;
        let n = chars.len();
        if n < 2 {
            return;
        }
        let mut diag: Vec<(u32, i64)> = Vec::new();
        for (i, w) in chars.windows(2).enumerate() {
            if let Some(list) = self.fuzzy_bigrams.get(&pair(w[0], w[1])) {
                diag.extend(list.iter().map(|&(f, off)| (f, i as i64 - off as i64)));
            }
        }
        if diag.is_empty() {
            return;
        }
        // Group by pattern with a counting sort (the global list can be long when a turn
        // shares many bigrams with many patterns); each pattern's small group is then sorted
        // by diagonal, and patterns with too few shared bigrams are skipped unsorted.
        let mut counts = vec![0u32; self.fuzzy.len() + 1];
        for &(f, _) in &diag {
            counts[f as usize + 1] += 1;
        }
        for k in 1..counts.len() {
            counts[k] += counts[k - 1];
        }
        let mut grouped = vec![(0u32, 0i64); diag.len()];
        let mut next_slot = counts.clone();
        for &(f, dg) in &diag {
            let slot = &mut next_slot[f as usize];
            grouped[*slot as usize] = (f, dg);
            *slot += 1;
        }
        let diag = grouped;
        // Exact/homophone hits suppress fuzzy hits of the same id that overlap them.
        let taken = Taken::new(hits);
        let mut row: Vec<usize> = Vec::new();
        let mut spans: Vec<(i64, i64)> = Vec::new();
        let mut local: Vec<(f64, usize, usize)> = Vec::new();
        let mut kept: BTreeMap<usize, usize> = BTreeMap::new();
        let mut group_buf: Vec<i64> = Vec::new();
        let mut g = 0;
        while g < diag.len() {
            let f = diag[g].0;
            let mut h = g;
            while h < diag.len() && diag[h].0 == f {
                h += 1;
            }
            let p = &self.fuzzy[f as usize];
            let ids = &self.ids[p.pattern];
            let len = p.chars.len();
            let d = ((len + 1) / 4) as i64;
            let need = (len as i64 - 1 - 2 * d).max(1) as usize;
            if h - g < need {
                g = h;
                continue;
            }
            group_buf.clear();
            group_buf.extend(diag[g..h].iter().map(|&(_, dg)| dg));
            group_buf.sort_unstable();
            let group = &group_buf[..];
            g = h;
            // Candidate window starts, as merged intervals.
            spans.clear();
            let mut hi = 0;
            for lo in 0..group.len() {
                while hi < group.len() && group[hi] <= group[lo] + 2 * d {
                    hi += 1;
                }
                if hi - lo >= need {
                    let (a, b) = (group[lo] - d, group[lo] + d);
                    match spans.last_mut() {
                        Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
                        _ => spans.push((a, b)),
                    }
                }
            }
            // A window every id of which is already matched exactly nearby is not worth scoring.
            let covered = |s: usize, e: usize| ids.iter().all(|&id| taken.overlaps(id, s, e));
            local.clear();
            for &(a, b) in &spans {
                let (a, b) = (a.max(0) as usize, b.max(0) as usize);
                for s in a..=b.min(n) {
                    if !text.is_boundary(s) || covered(s, s + len) {
                        continue;
                    }
                    let max_e = (s + len + 1).min(n);
                    let window = &chars[s..max_e];
                    // Stop the window at the first separator unless the pattern has some.
                    let usable = if p.has_separators {
                        window.len()
                    } else {
                        window.iter().position(|&c| is_separator(c)).unwrap_or(window.len())
                    };
                    let min_len = len.saturating_sub(1).max(1);
                    if usable < min_len {
                        continue;
                    }
                    prefix_distances(&p.chars, &window[..usable], &mut row, |wl, dist| {
                        if wl < min_len || !text.is_boundary(s + wl) {
                            return;
                        }
                        let sim = 1.0 - dist as f64 / len.max(wl) as f64;
                        if (FUZZY_MIN..1.0).contains(&sim) {
                            local.push((sim, s, s + wl));
                        }
                    });
                }
            }
            // Best windows first (higher similarity, then length closest to the pattern, then
            // earliest); keep those not overlapping a better one.
            local.sort_by(|x, y| {
                y.0.total_cmp(&x.0).then((x.2 - x.1).abs_diff(len).cmp(&(y.2 - y.1).abs_diff(len))).then(x.1.cmp(&y.1))
            });
            kept.clear();
            for &(_, s, e) in &local {
                // Kept windows never overlap, so only the last one starting before `e` can.
                if kept.range(..e).next_back().is_some_and(|(_, &ke)| ke > s) {
                    continue;
                }
                kept.insert(s, e);
                for &id in ids {
                    if !taken.overlaps(id, s, e) {
                        hits.push(Hit { id, start: s, end: e, kind: MatchKind::Fuzzy, negated: false });
                    }
                }
            }
        }
    }
}

/// The exact and homophone hits of a turn, for "does a hit of this id overlap [s, e)?" in
/// O(log n): sorted by (id, start) with a running maximum of the ends within each id.
struct Taken {
    hits: Vec<(u32, usize, usize)>,
    max_end: Vec<usize>,
}

impl Taken {
    fn new(hits: &[Hit]) -> Taken {
        let mut v: Vec<(u32, usize, usize)> = hits.iter().map(|h| (h.id, h.start, h.end)).collect();
        v.sort_unstable();
        let mut max_end = Vec::with_capacity(v.len());
        for (k, &(id, _, end)) in v.iter().enumerate() {
            let prev = if k > 0 && v[k - 1].0 == id { max_end[k - 1] } else { 0 };
            max_end.push(end.max(prev));
        }
        Taken { hits: v, max_end }
    }

    fn overlaps(&self, id: u32, s: usize, e: usize) -> bool {
        let lo = self.hits.partition_point(|h| h.0 < id);
        let hi = self.hits.partition_point(|h| h.0 < id || (h.0 == id && h.1 < e));
        hi > lo && self.max_end[hi - 1] > s
    }
}

/// Levenshtein distance between `pattern` and every prefix of `window`: calls
/// `visit(prefix_len, distance)` for prefix lengths `1..=window.len()`. One table serves the
/// three window lengths tried at a start. Same distance as `strsim::levenshtein` (unit costs).
fn prefix_distances(pattern: &[char], window: &[char], row: &mut Vec<usize>, mut visit: impl FnMut(usize, usize)) {
    // row[i] = distance(pattern[..i], window[..j]) for the current j.
    row.clear();
    row.extend(0..=pattern.len());
    for (j, &wc) in window.iter().enumerate() {
        let mut diag = row[0];
        row[0] = j + 1;
        for (i, &pc) in pattern.iter().enumerate() {
            let above = row[i + 1];
            let cost = usize::from(pc != wc);
            row[i + 1] = (diag + cost).min(above + 1).min(row[i] + 1);
            diag = above;
        }
        visit(j + 1, row[pattern.len()]);
    }
}

/// Spaces and punctuation: a fuzzy window may not span them (they separate clauses or words).
fn is_separator(c: char) -> bool {
    is_space_or_punct(c)
}

fn build_ac(patterns: Vec<Vec<u8>>) -> Option<AhoCorasick> {
    if patterns.is_empty() {
        return None;
    }
    // Standard semantics are required for overlapping search (the crate picks the automaton;
    // forcing a DFA measured slower on rubric-sized sets). Building only fails past internal
    // size limits; such a set simply gets no matches from this pass.
    AhoCorasickBuilder::new().match_kind(AcMatchKind::Standard).build(&patterns).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::segment::Analyzer;
    use std::sync::LazyLock;

    static AN: LazyLock<Analyzer> =
        LazyLock::new(|| Analyzer::new(&["乐享畅聊套".to_string(), "长江移动".to_string(), "微信号".to_string()]));

    const ALL: PhraseOptions = PhraseOptions { homophones: true, fuzzy: true };

    fn set(pats: &[(&str, u32)], opts: PhraseOptions) -> PhraseSet {
        let p: Vec<(String, u32)> = pats.iter().map(|&(s, i)| (s.to_string(), i)).collect();
        PhraseSet::new(&p, opts)
    }

    fn found(ps: &PhraseSet, text: &str) -> Vec<(String, u32, MatchKind, bool)> {
        let a = AN.analyze(text);
        ps.find(&a).into_iter().map(|h| (a.slice(h.start, h.end), h.id, h.kind, h.negated)).collect()
    }

    #[test]
    fn thread_safe() {
        fn check<T: Send + Sync>() {}
        check::<PhraseSet>();
    }

    #[test]
    fn absolute_terms_on_word_boundaries() {
        let ps = set(&[("最低", 1), ("最", 2), ("全网最低", 3)], PhraseOptions::default());
        let got = found(&ps, "我们最低价");
        assert!(got.iter().any(|h| h.0 == "最低" && h.1 == 1), "{got:?}");
        assert!(got.iter().any(|h| h.0 == "最" && h.1 == 2), "{got:?}");
        let got = found(&ps, "保证全网最低");
        assert!(got.iter().any(|h| h.1 == 1) && got.iter().any(|h| h.1 == 3), "{got:?}");
        assert!(found(&ps, "我们最近推出了新套餐").is_empty());
    }

    #[test]
    fn negation_flag() {
        let ps = set(&[("保证", 1)], PhraseOptions::default());
        assert_eq!(found(&ps, "不能保证"), vec![("保证".to_string(), 1, MatchKind::Exact, true)]);
        assert_eq!(found(&ps, "我们保证"), vec![("保证".to_string(), 1, MatchKind::Exact, false)]);
        assert!(!found(&ps, "不用担心我们保证")[0].3);
        // Traditional input.
        assert_eq!(found(&ps, "這個套餐保證"), vec![("保证".to_string(), 1, MatchKind::Exact, false)]);
    }

    #[test]
    fn homophones() {
        let ps = set(&[("长江移动", 1), ("微信号", 2), ("乐享畅聊套", 3), ("泄露", 4)], ALL);
        assert_eq!(found(&ps, "我是长江一动的"), vec![("长江一动".to_string(), 1, MatchKind::Homophone, false)]);
        assert_eq!(found(&ps, "给个微信好吧"), vec![("微信好".to_string(), 2, MatchKind::Homophone, false)]);
        assert_eq!(found(&ps, "乐想畅聊套很划算"), vec![("乐想畅聊套".to_string(), 3, MatchKind::Homophone, false)]);
        // Exact wins; no duplicate homophone hit.
        assert_eq!(found(&ps, "长江移动"), vec![("长江移动".to_string(), 1, MatchKind::Exact, false)]);
        // 2-char patterns are exact only.
        assert!(found(&ps, "不会泄漏").is_empty());
        // Homophones off.
        let plain = set(&[("长江移动", 1)], PhraseOptions::default());
        assert!(found(&plain, "长江一动").is_empty());
    }

    #[test]
    fn two_character_domain_words_match_by_homophone() {
        let p: Vec<(String, u32)> =
            [("李明", 1), ("套餐", 2), ("泄露", 3)].iter().map(|&(t, i)| (t.to_string(), i)).collect();
        let domain = vec!["李明".to_string(), "套餐".to_string()];
        let ps = PhraseSet::with_domain_words(&p, ALL, &domain);
        assert_eq!(found(&ps, "我是顾问李鸣"), vec![("李鸣".to_string(), 1, MatchKind::Homophone, false)]);
        assert_eq!(found(&ps, "新的套参"), vec![("套参".to_string(), 2, MatchKind::Homophone, false)]);
        // A two-character word the rubric does not name as a domain word stays exact only.
        assert!(found(&ps, "不会泄漏").is_empty());
        // Without homophones, nothing approximate.
        let plain = PhraseSet::with_domain_words(&p, PhraseOptions::default(), &domain);
        assert!(found(&plain, "我是顾问李鸣").is_empty());
    }

    #[test]
    fn fuzzy_matches() {
        let ps = set(&[("绝不泄露您的信息", 1)], ALL);
        let got = found(&ps, "我们绝不泄漏您的信息");
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].2, MatchKind::Fuzzy);
        assert_eq!(got[0].0, "绝不泄漏您的信息");
        // Too different.
        assert!(found(&ps, "我们会发广告给您").is_empty());
        // Not across punctuation.
        let ps = set(&[("首月半价", 1)], ALL);
        assert!(found(&ps, "首月，半价").is_empty());
        let got = found(&ps, "首月半价格");
        assert!(got.iter().all(|h| h.2 != MatchKind::Fuzzy || h.0.chars().count() >= 3), "{got:?}");
    }

    #[test]
    fn taken_overlaps() {
        let h = |id, start, end| Hit { id, start, end, kind: MatchKind::Exact, negated: false };
        let t = Taken::new(&[h(1, 0, 10), h(1, 2, 3), h(2, 20, 25), h(1, 30, 31)]);
        assert!(t.overlaps(1, 5, 6));
        assert!(t.overlaps(1, 9, 40));
        assert!(!t.overlaps(1, 10, 30));
        assert!(!t.overlaps(2, 0, 20));
        assert!(t.overlaps(2, 24, 26));
        assert!(!t.overlaps(3, 0, 100));
        assert!(!Taken::new(&[]).overlaps(1, 0, 1));
    }

    #[test]
    fn prefix_distances_agree_with_strsim() {
        let cases = [("绝不泄露您的信息", "绝不泄漏您的信息吧"), ("kitten", "sitting"), ("", "abc"), ("abc", "")];
        let mut row = Vec::new();
        for (p, w) in cases {
            let pc: Vec<char> = p.chars().collect();
            let wc: Vec<char> = w.chars().collect();
            let mut got = Vec::new();
            prefix_distances(&pc, &wc, &mut row, |l, d| got.push((l, d)));
            assert_eq!(got.len(), wc.len());
            for (l, d) in got {
                let prefix: String = wc[..l].iter().collect();
                assert_eq!(d, strsim::levenshtein(p, &prefix), "{p} vs {prefix}");
            }
        }
    }

    #[test]
    fn shared_ids_and_dedup() {
        let ps = set(&[("保证", 7), ("保證", 7), ("保证", 8)], PhraseOptions::default());
        assert_eq!(ps.len(), 1);
        let a = AN.analyze("保证保证");
        let hits = ps.find(&a);
        let ids: Vec<(usize, u32)> = hits.iter().map(|h| (h.start, h.id)).collect();
        assert_eq!(ids, vec![(0, 7), (0, 8), (2, 7), (2, 8)]);
    }

    #[test]
    fn normalized_patterns() {
        let ps = set(&[("百分之百", 1), ("三十个G", 2), ("", 3), ("嗯", 4)], PhraseOptions::default());
        assert_eq!(ps.len(), 2);
        assert!(!ps.is_empty());
        assert_eq!(found(&ps, "100%满意")[0].1, 1);
        assert_eq!(found(&ps, "每月三十个G流量")[0].0, "30个g");
        let empty = set(&[], ALL);
        assert!(empty.is_empty());
        assert!(found(&empty, "任何").is_empty());
    }

    #[test]
    fn offsets_map_to_original() {
        let ps = set(&[("全网最低", 1)], PhraseOptions::default());
        let original = "嗯，保證　全網最低！";
        let a = AN.analyze(original);
        let h = ps.find(&a)[0];
        let (s, e) = a.norm.to_original(h.start, h.end);
        let oc: Vec<char> = original.chars().collect();
        assert_eq!(oc[s..e].iter().collect::<String>(), "全網最低");
    }
}
