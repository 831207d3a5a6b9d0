//! Property tests of the text analysis (issue #5, "no panics"): arbitrary text through
//! `normalize` + `to_original`, `Analyzer::analyze`, `PhraseSet::find`, number extraction,
//! negation and similarity. Nothing panics, and every offset stays inside the text it indexes:
//! normalized offsets within the normalized length, original offsets within the original's
//! character count, the normalized→original map monotone.

mod proptest_support;

use callqa::text::{
    Analyzed, Analyzer, PhraseOptions, PhraseSet, best_similarity, canonical_unit, extract_numbers, is_negated,
    normalize, similarity,
};
use proptest::prelude::*;
use proptest_support::*;
use std::sync::LazyLock;

/// One analyzer for the whole suite, with domain words like a rubric's (including odd ones).
static ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| {
    let words = ["乐享畅聊套", "长江移动", "", " a b ", "😀", "五十九元", "ＧＢ"];
    Analyzer::new(&words.map(String::from))
});

/// The invariants of one analyzed text.
fn check_analyzed(original: &str, a: &Analyzed) {
    let orig_len = original.chars().count();
    let n = a.norm.len();
    assert_eq!(a.norm.text.chars().count(), n, "text and chars disagree");
    assert!(a.norm.text.chars().eq(a.norm.chars.iter().copied()));
    assert_eq!(a.norm.orig.len(), n, "one original range per normalized char");
    assert_eq!(a.boundaries.len(), n + 1);
    assert_eq!(a.pinyin.len(), n);
    if n > 0 {
        assert!(a.boundaries[0] && a.boundaries[n], "both ends are boundaries");
    }
    assert!(a.norm.orig.iter().all(|&(x, y)| x < y && y <= orig_len), "original range out of bounds");
    assert!(a.norm.orig.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1), "map not monotone");
    for t in &a.tokens {
        assert!(t.start < t.end && t.end <= n, "token {t:?} outside {n}");
        assert!(a.is_boundary(t.start) && a.is_boundary(t.end), "token ends are boundaries");
    }
    assert!(a.tokens.windows(2).all(|w| w[0].end <= w[1].start), "tokens overlap or go back");
    assert!(a.clauses.iter().all(|&(x, y)| x < y && y <= n), "clause out of bounds");
    assert!(a.clauses.windows(2).all(|w| w[0].1 <= w[1].0), "clauses overlap");
    for c in &a.numbers {
        assert!(c.start < c.end && c.end <= n, "number {c:?} outside {n}");
        assert!(c.value.is_finite() && c.value >= 0.0, "number value {}", c.value);
    }
}

/// The original characters of `[a, b)` (panics when out of range, which is the point).
fn original_slice(original: &str, a: usize, b: usize) -> String {
    let chars: Vec<char> = original.chars().collect();
    chars[a..b].iter().collect()
}

proptest! {
    #![proptest_config(config(300))]

    /// `normalize` keeps a complete, monotone map; `to_original` never leaves the original.
    #[test]
    fn normalize_maps_back_inside_the_original(text in any_text(120), x in 0usize..200, y in 0usize..200) {
        let norm = normalize(&text);
        let orig_len = text.chars().count();
        let n = norm.len();
        prop_assert_eq!(norm.orig.len(), n);
        prop_assert!(norm.orig.iter().all(|&(s, e)| s < e && e <= orig_len));
        prop_assert!(norm.orig.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1));
        // Whitespace is collapsed and trimmed.
        prop_assert!(!norm.text.starts_with(' ') && !norm.text.ends_with(' '));
        for (s, e) in [(x, y), (x.min(y), x.max(y)), (0, n), (n, n), (usize::MAX, usize::MAX), (0, usize::MAX)] {
            let (a, b) = norm.to_original(s, e);
            prop_assert!(a <= b && b <= orig_len, "to_original({}, {}) = ({}, {}) of {}", s, e, a, b, orig_len);
            let _ = original_slice(&text, a, b);
        }
        // Wider normalized ranges map to wider (or equal) original ranges.
        let (s, e) = (x.min(y).min(n), x.max(y).min(n));
        if s < e {
            let (a, b) = norm.to_original(s, e);
            let (a2, b2) = norm.to_original(0, n);
            prop_assert!(a2 <= a && b <= b2);
        }
    }

    /// `analyze`: tokens, boundaries, clauses, pinyin and numbers all inside the text.
    #[test]
    fn analyze_offsets_in_bounds(text in any_text(150)) {
        let a = ANALYZER.analyze(&text);
        check_analyzed(&text, &a);
        // Tokens are jieba's plain cut of the normalized text, cut apart at ASR marks (`_`,
        // `[UNK]`): no token crosses one, and each is a word boundary.
        if a.norm.breaks.is_empty() {
            prop_assert_eq!(&a.tokens, &ANALYZER.segment(&a.norm.text));
        }
        for &b in &a.norm.breaks {
            prop_assert!(a.is_boundary(b), "break {} is no boundary", b);
            prop_assert!(a.tokens.iter().all(|t| t.end <= b || t.start >= b), "a token crosses break {}", b);
        }
        for p in 0..=a.norm.len() + 1 {
            let _ = is_negated(&a, p);
            if let Some((s, e)) = a.clause_at(p) {
                prop_assert!(s <= p && p < e);
            }
        }
        prop_assert!(a.slice(0, usize::MAX).chars().count() == a.norm.len());
    }

    /// Number extraction on any normalized text (not only the analyzer's).
    #[test]
    fn numbers_stay_inside(text in any_text(150), unit in any_text(8)) {
        let norm = normalize(&text);
        for c in extract_numbers(&norm) {
            prop_assert!(c.start < c.end && c.end <= norm.len());
            prop_assert!(c.value.is_finite());
            prop_assert!(c.unit.is_empty() || c.unit == canonical_unit(&c.unit), "unit {} not canonical", c.unit);
        }
        let _ = canonical_unit(&unit);
    }

    /// `PhraseSet::find` with arbitrary patterns: hits inside the text, on boundaries, mapping
    /// back to original characters that exist.
    #[test]
    fn phrase_hits_in_bounds(
        text in any_text(150),
        patterns in proptest::collection::vec(any_text(8), 0..6),
        homophones in any::<bool>(),
        fuzzy in any::<bool>(),
    ) {
        let mut pats: Vec<(String, u32)> = patterns.into_iter().zip(0u32..).collect();
        pats.extend(["保证", "最低", "长江移动", "乐享畅聊套餐", "微信"].iter().zip(100u32..).map(|(s, i)| (s.to_string(), i)));
        let set = PhraseSet::new(&pats, PhraseOptions { homophones, fuzzy });
        let a = ANALYZER.analyze(&text);
        let n = a.norm.len();
        let orig_len = text.chars().count();
        let hits = set.find(&a);
        prop_assert!(hits.windows(2).all(|w| (w[0].start, w[0].end, w[0].id) < (w[1].start, w[1].end, w[1].id)),
            "hits sorted and deduplicated");
        for h in hits {
            prop_assert!(h.start < h.end && h.end <= n, "hit {:?} outside {}", h, n);
            prop_assert!(a.is_boundary(h.start) && a.is_boundary(h.end), "hit {:?} not on boundaries", h);
            prop_assert!(pats.iter().any(|(_, id)| *id == h.id));
            let (x, y) = a.norm.to_original(h.start, h.end);
            prop_assert!(x < y && y <= orig_len, "hit maps to ({}, {}) of {}", x, y, orig_len);
            let _ = original_slice(&text, x, y);
        }
    }

    /// Exact phrases are found where they are planted (on a clause of their own).
    #[test]
    fn planted_phrases_are_found(before in cjk_text(20), after in cjk_text(20)) {
        let set = PhraseSet::new(&[("长江移动".to_string(), 7)], PhraseOptions::default());
        let text = format!("{before}。长江移动。{after}");
        let a = ANALYZER.analyze(&text);
        let hit = set.find(&a).into_iter().find(|h| h.id == 7);
        prop_assert!(hit.is_some(), "长江移动 not found in {:?}", a.norm.text);
        let hit = hit.unwrap();
        let (x, y) = a.norm.to_original(hit.start, hit.end);
        prop_assert_eq!(original_slice(&text, x, y), "长江移动");
    }

    /// Similarities are fractions and name ranges inside the text.
    #[test]
    fn similarity_in_range(text in any_text(120), model in any_text(40)) {
        let s = similarity(&text, &model);
        prop_assert!((0.0..=1.0).contains(&s), "similarity {}", s);
        let a = ANALYZER.analyze(&text);
        let (score, x, y) = best_similarity(&a, &model);
        prop_assert!((0.0..=1.0).contains(&score));
        prop_assert!(x <= y && y <= a.norm.len());
    }
}
