//! Sentence similarity (Sørensen–Dice over character bigrams) for paraphrase detection: is this
//! turn saying the script's model line in other words?
//!
//! Same formula as `strsim::sorensen_dice` (whitespace removed, equal strings score 1, bigram
//! multiset overlap), but counted in characters: strsim divides by the strings' *byte* lengths,
//! which deflates every CJK score about threefold (a CJK char is 3 bytes in UTF-8).

use super::normalize::{is_space_or_punct, normalize};
use super::segment::Analyzed;

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

/// Best similarity between `model` and the turn: over the whole turn, each clause, and each
/// run of 2–3 consecutive clauses. Returns `(score, start, end)` of the best normalized range;
/// on ties the earliest, narrowest range wins. `(0.0, 0, 0)` for an empty turn or model.
pub fn best_similarity(a: &Analyzed, model: &str) -> (f64, usize, usize) {
    ModelLine::new(model).best_in(a)
}

/// A model line prepared once (normalized, stripped, bigrams sorted) for scoring many turns:
/// [`best_similarity`] with the model's preparation hoisted out of the loop.
#[derive(Debug, Clone)]
pub struct ModelLine {
    chars: Vec<char>,
    bigrams: Vec<u64>,
}

impl ModelLine {
    /// Prepares `model` (normalized like a turn, punctuation and whitespace removed).
    pub fn new(model: &str) -> ModelLine {
        let chars = content(&normalize(model).chars);
        let mut bigrams = bigrams(&chars);
        bigrams.sort_unstable();
        ModelLine { chars, bigrams }
    }

    /// Similarity of this model line to any text, as [`similarity`].
    pub fn score(&self, text: &str) -> f64 {
        let c = content(&normalize(text).chars);
        let mut b = bigrams(&c);
        b.sort_unstable();
        dice(&self.chars, &self.bigrams, &c, &b)
    }

    /// As [`best_similarity`].
    pub fn best_in(&self, a: &Analyzed) -> (f64, usize, usize) {
        let clauses = &a.clauses;
        if self.chars.is_empty() || clauses.is_empty() {
            return (0.0, 0, 0);
        }
        let chars = &a.norm.chars;
        let n = chars.len();
        let mut best = (0.0, 0, 0);
        let mut buf: Vec<char> = Vec::new();
        let mut grams: Vec<u64> = Vec::new();
        let mut consider = |s: usize, e: usize, best: &mut (f64, usize, usize)| {
            let (s, e) = (s.min(n), e.min(n));
            buf.clear();
            buf.extend(chars[s..e].iter().copied().filter(|&c| is_content(c)));
            grams.clear();
            grams.extend(buf.windows(2).map(|w| pair(w[0], w[1])));
            grams.sort_unstable();
            let score = dice(&self.chars, &self.bigrams, &buf, &grams);
            if score > best.0 {
                *best = (score, s, e);
            }
        };
        for width in 1..=3 {
            for k in 0..clauses.len().saturating_sub(width - 1) {
                consider(clauses[k].0, clauses[k + width - 1].1, &mut best);
            }
        }
        if clauses.len() > 3 {
            consider(clauses[0].0, clauses[clauses.len() - 1].1, &mut best);
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

fn pair(a: char, b: char) -> u64 {
    ((a as u64) << 32) | b as u64
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

    #[test]
    fn prepared_model_agrees() {
        let m = ModelLine::new("现在有两分钟吗");
        assert_eq!(m.score("现在有2分钟吗"), similarity("现在有两分钟吗", "现在有2分钟吗"));
        assert_eq!(m.score("现在有2分钟吗"), 1.0);
    }
}
