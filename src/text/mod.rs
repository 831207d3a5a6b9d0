//! Text analysis: normalization with an offset map back to the original, jieba segmentation,
//! numeric claims, and phrase matching (exact on token boundaries, pinyin homophones, fuzzy).
//!
//! Build one [`Analyzer`] per rubric (it holds jieba plus the rubric's domain words), call
//! [`Analyzer::analyze`] once per turn, and run compiled [`PhraseSet`]s over the result.
//! All offsets are *character* offsets into the normalized text; map them back to the
//! original turn with [`Normalized::to_original`].
//!
//! Normalized text is lowercase half-width ASCII plus simplified Chinese; clause punctuation is
//! the CJK set `，。！？；：、…` (see [`normalize`](mod@normalize) for the full list).

pub mod contact_id;
pub mod matcher;
pub mod negation;
pub mod normalize;
pub mod numbers;
pub mod pinyin;
pub mod question;
pub mod segment;
pub mod similarity;

pub use matcher::{Hit, MatchKind, PhraseOptions, PhraseSet};
pub use negation::is_negated;
pub use normalize::{Normalized, normalize};
pub use numbers::{NumberClaim, canonical_unit, extract_numbers};
pub use segment::{Analyzed, Analyzer, Token};
pub use similarity::{ModelLine, ModelSet, TurnGrams, best_similarity, similarity};

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Two characters packed in one key (character bigrams index the fuzzy and similarity passes).
pub(crate) fn pair(a: char, b: char) -> u64 {
    ((a as u64) << 32) | b as u64
}

/// A map keyed by [`pair`]s.
pub(crate) type PairMap<V> = HashMap<u64, V, BuildHasherDefault<PairHasher>>;

/// Hasher for [`pair`] keys: they are already well spread, so a multiplicative mix is enough
/// (SipHash showed up in profiles).
#[derive(Default)]
pub(crate) struct PairHasher(u64);

impl Hasher for PairHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

#[cfg(test)]
mod tests {
    //! Robustness: no panic and offsets in bounds on hostile input.
    use super::*;

    fn weird_inputs() -> Vec<String> {
        let mut v: Vec<String> = [
            "",
            " ",
            "\u{0}",
            "\u{0}\u{0}保证\u{0}",
            "😀👨‍👩‍👧‍👦🇨🇳",
            "e\u{301}\u{302}\u{303}保\u{301}证",
            "\u{202E}مرحبا保证\u{202C}",
            "\u{FEFF}\u{200B}\u{200D}",
            "嗯嗯嗯啊啊哦",
            "那个，这个，就是说，",
            "百分之",
            "百分之.",
            "百分之百分之百",
            "一点点一点",
            "十十十百百千千万万亿亿",
            "九九九九九九九九九九九九九九九九九九九九九九九九九九九九九九九九九九亿亿",
            "九千九百九十九亿九千九百九十九万九千九百九十九亿",
            "1.2.3.4 ,,, ... 1,2345 99999999999999999999999999999999999999元",
            "１２３ＡＢＣ　ｘｙｚ！？",
            "𠀀𠀁𪚥 \u{10FFFF} \u{E000}",
            "\r\n\t\u{85}\u{2028}\u{2029}",
            "5G 4g 30gb 30 个G 幺三八 一二三四 五六七八",
            "第一第二第三 千万万一",
            "额额额外额",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.push("保证不能最低价嗯，".repeat(1200));
        v.push("一".repeat(10_000));
        v.push("啊".repeat(10_000));
        v.push("😀".repeat(5_000));
        v
    }

    #[test]
    fn no_panic_and_offsets_in_bounds() {
        let an = Analyzer::new(&["乐享畅聊套".to_string(), "".to_string(), " a b ".to_string(), "😀".to_string()]);
        let pats: Vec<(String, u32)> = ["保证", "最低", "最低价格", "长江移动", "一一一一", "😀😀", "啊"]
            .iter()
            .enumerate()
            .map(|(i, s)| (s.to_string(), i as u32))
            .collect();
        let ps = PhraseSet::new(&pats, PhraseOptions { homophones: true, fuzzy: true });
        for s in weird_inputs() {
            let orig_len = s.chars().count();
            let a = an.analyze(&s);
            let n = a.norm.len();
            assert_eq!(a.norm.text.chars().count(), n);
            assert_eq!(a.norm.orig.len(), n);
            assert_eq!(a.boundaries.len(), n + 1);
            assert_eq!(a.pinyin.len(), n);
            assert!(a.norm.orig.iter().all(|&(x, y)| x < y && y <= orig_len));
            assert!(a.norm.orig.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1));
            assert!(a.tokens.iter().all(|t| t.start < t.end && t.end <= n));
            assert!(a.clauses.iter().all(|&(x, y)| x < y && y <= n));
            assert!(a.numbers.iter().all(|c| c.start < c.end && c.end <= n && c.value.is_finite()));
            for h in ps.find(&a) {
                assert!(h.start < h.end && h.end <= n);
                let (x, y) = a.norm.to_original(h.start, h.end);
                assert!(x <= y && y <= orig_len);
            }
            for (x, y) in [(0, 0), (0, n), (n, n + 5), (usize::MAX, 0), (0, usize::MAX)] {
                let (p, q) = a.norm.to_original(x, y);
                assert!(p <= q && q <= orig_len);
            }
            let (score, x, y) = best_similarity(&a, "保证最低价");
            assert!((0.0..=1.0).contains(&score) && x <= y && y <= n);
            assert!((0.0..=1.0).contains(&similarity(&s, "一一")));
            for p in [0, 1, n, n + 1] {
                let _ = is_negated(&a, p);
            }
        }
    }
}
