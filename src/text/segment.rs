//! Segmentation with jieba and the per-turn analysis every criterion works from.
//!
//! Matching happens on word boundaries rather than raw substrings, so 最 fires in 最低价 (a
//! dictionary sub-word 最低 starts there) but not in 最近 (one 2-char word), and 保证 is seen as
//! a word in 不能保证.

use super::normalize::{Normalized, is_clause_punct, is_han, is_space_or_punct, normalize};
use super::numbers::{NumberClaim, extract_numbers};
use super::pinyin::keys;
use jieba_rs::Jieba;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// The default dictionary, parsed once per process for the second and later [`Analyzer`]s,
/// which clone it (a clone is several times cheaper than parsing the embedded dictionary
/// again: tests, `rubric test` over several rubrics).
static BASE: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Set once the process has built its first analyzer.
static BUILT_ONE: AtomicBool = AtomicBool::new(false);

/// A jieba with the default dictionary. The first analyzer of a process (the only one of a
/// `score` run) parses the dictionary for itself: keeping a shared copy to clone would cost a
/// copy of the whole trie, some 5% of a cold start.
pub(crate) fn default_jieba() -> Jieba {
    if BUILT_ONE.swap(true, Ordering::Relaxed) { BASE.clone() } else { Jieba::new() }
}

/// Frequency given to rubric domain words: high enough that a plan or company name stays one
/// token in running text (乐享畅聊套, 长江移动), in the range of common dictionary words.
const DOMAIN_FREQ: usize = 20_000;

/// A jieba segmenter with the rubric's domain words. Build once per rubric; `Send + Sync`, so
/// one analyzer serves every worker thread.
#[derive(Debug, Clone)]
pub struct Analyzer {
    jieba: Jieba,
}

/// A word of the normalized text, as normalized character offsets `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Token {
    /// First character of the word.
    pub start: usize,
    /// One past the last character of the word.
    pub end: usize,
}

/// Everything the criteria need to know about one turn's text, computed once.
#[derive(Debug, Clone, Default)]
pub struct Analyzed {
    /// The normalized text with its map back to the original.
    pub norm: Normalized,
    /// jieba `cut(hmm = true)` of `norm.text`, without whitespace or punctuation tokens.
    pub tokens: Vec<Token>,
    /// `len = norm.len() + 1`; true where a match may start or end: token starts/ends, the
    /// ends of dictionary 2- and 3-char sub-words inside longer tokens, every position inside
    /// a Han token that is not a dictionary word (an HMM guess such as 我加 or 微信发), positions
    /// 0 and `len`, around punctuation and spaces, and between ASCII letters/digits and CJK.
    pub boundaries: Vec<bool>,
    /// Per normalized char: the fuzzy pinyin syllable key ([`super::pinyin::syllable_key`]),
    /// 0 for non-Han characters.
    pub pinyin: Vec<u16>,
    /// Numeric claims of the turn.
    pub numbers: Vec<NumberClaim>,
    /// Clause ranges: split at clause punctuation and at spaces not next to ASCII words.
    pub clauses: Vec<(usize, usize)>,
}

impl Analyzed {
    /// The clause containing normalized position `pos`, if any (punctuation belongs to none).
    pub fn clause_at(&self, pos: usize) -> Option<(usize, usize)> {
        let k = self.clauses.partition_point(|&(_, e)| e <= pos);
        self.clauses.get(k).copied().filter(|&(s, _)| s <= pos)
    }

    /// The normalized text of `[start, end)`, clamped to the text.
    pub fn slice(&self, start: usize, end: usize) -> String {
        let n = self.norm.chars.len();
        let (s, e) = (start.min(n), end.min(n));
        if s >= e {
            return String::new();
        }
        self.norm.chars[s..e].iter().collect()
    }

    /// True when a match may start or end at `pos` (false when out of range).
    pub fn is_boundary(&self, pos: usize) -> bool {
        self.boundaries.get(pos).copied().unwrap_or(false)
    }
}

impl Analyzer {
    /// Builds an analyzer: the jieba default dictionary plus each domain word (normalized with
    /// [`normalize`]) at a high frequency so that it segments as one token. Words that contain
    /// whitespace or clause punctuation are skipped: jieba never joins across them anyway.
    pub fn new(domain_words: &[String]) -> Analyzer {
        Analyzer::with_base(default_jieba(), domain_words)
    }

    /// [`Analyzer::new`] on a jieba with the default dictionary already loaded
    /// ([`default_jieba`]), so that the load can run on another thread.
    pub(crate) fn with_base(mut jieba: Jieba, domain_words: &[String]) -> Analyzer {
        for w in domain_words {
            let n = normalize(w).text;
            if n.is_empty() || n.chars().any(|c| c.is_whitespace() || is_clause_punct(c)) {
                continue;
            }
            let freq = jieba.suggest_freq(&n).max(DOMAIN_FREQ);
            jieba.add_word(&n, Some(freq), None);
        }
        Analyzer { jieba }
    }

    /// Normalizes and analyzes one turn (jieba runs once).
    pub fn analyze(&self, original: &str) -> Analyzed {
        let norm = normalize(original);
        let n = norm.len();
        let mut boundaries = vec![false; n + 1];
        let mut tokens = Vec::with_capacity(n / 2 + 1);
        // `cut` gives the tokens; inside a token longer than two characters, every 2- and
        // 3-character substring that is a dictionary word adds its start and end (what jieba's
        // cut_for_search would add), so 最低 can match inside 最低价.
        let mut offsets: Vec<usize> = Vec::new();
        // An ASR pause or unknown word is a word break: each stretch between two is cut
        // alone, so jieba never glues the words on either side (see `Normalized::breaks`).
        let pieces = pieces(&norm);
        for (base, t) in
            pieces.iter().flat_map(|&(base, text)| self.jieba.cut(text, true).into_iter().map(move |t| (base, t)))
        {
            let (s, e) = ((base + t.start).min(n), (base + t.end).min(n));
            boundaries[s] = true;
            boundaries[e] = true;
            if s >= e || norm.chars[s..e].iter().all(|&c| is_space_or_punct(c)) {
                continue;
            }
            tokens.push(Token { start: s, end: e });
            let len = e - s;
            // A multi-character Han token that is not a dictionary word was glued together by
            // jieba's HMM from single characters (我加, 先加, 微信发): it is a guess, not a word,
            // so it gets no protection: every position inside it is a boundary, as it would be
            // without the HMM.
            if len >= 2 && norm.chars[s..e].iter().all(|&c| is_han(c)) && !self.jieba.has_word(t.word) {
                boundaries[s + 1..e].fill(true);
                continue;
            }
            if len > 2 {
                offsets.clear();
                offsets.extend(t.word.char_indices().map(|(b, _)| b));
                offsets.push(t.word.len());
                for width in [2, 3] {
                    if len <= width {
                        continue;
                    }
                    for i in 0..=len - width {
                        let (Some(&a), Some(&b)) = (offsets.get(i), offsets.get(i + width)) else { continue };
                        if t.word.get(a..b).is_some_and(|w| self.jieba.has_word(w)) {
                            boundaries[s + i] = true;
                            boundaries[s + i + width] = true;
                        }
                    }
                }
            }
        }
        let clauses = scan_chars(&norm.chars, &mut boundaries);
        let pinyin = keys(&norm.chars);
        let numbers = extract_numbers(&norm);
        Analyzed { norm, tokens, boundaries, pinyin, numbers, clauses }
    }

    /// jieba `cut(hmm = true)` of already-normalized text; whitespace and punctuation tokens
    /// are left out. Offsets are characters of `normalized`.
    pub fn segment(&self, normalized: &str) -> Vec<Token> {
        self.jieba
            .cut(normalized, true)
            .into_iter()
            .filter(|t| !t.word.chars().all(is_space_or_punct))
            .map(|t| Token { start: t.start, end: t.end })
            .collect()
    }
}

/// The stretches of `norm.text` between its breaks, each with its first character's position.
fn pieces(norm: &Normalized) -> Vec<(usize, &str)> {
    if norm.breaks.is_empty() {
        return vec![(0, norm.text.as_str())];
    }
    let mut byte_at = norm.text.char_indices().map(|(b, _)| b).chain(std::iter::once(norm.text.len()));
    let mut out = Vec::with_capacity(norm.breaks.len() + 1);
    let (mut from_char, mut from_byte, mut seen) = (0, 0, 0);
    for &b in &norm.breaks {
        // Positions ascend: walk the byte offsets once.
        let Some(byte) = byte_at.nth(b - seen) else { break };
        seen = b + 1;
        out.push((from_char, &norm.text[from_byte..byte]));
        (from_char, from_byte) = (b, byte);
    }
    out.push((from_char, &norm.text[from_byte..]));
    out
}

/// Clause ranges of normalized text: split at clause punctuation and at spaces that do not
/// separate ASCII words (a space between CJK characters is an ASR pause); spaces trimmed;
/// empty clauses dropped.
pub fn split_clauses(chars: &[char]) -> Vec<(usize, usize)> {
    let mut scratch = vec![false; chars.len() + 1];
    scan_chars(chars, &mut scratch)
}

/// One pass over the characters for everything that does not depend on jieba: marks the
/// character-class boundaries in `b` (both ends, around punctuation and spaces, between an
/// ASCII letter/digit and a CJK character) and returns the clauses ([`split_clauses`]).
/// Fused because both are per-character scans of every turn.
fn scan_chars(chars: &[char], b: &mut [bool]) -> Vec<(usize, usize)> {
    let n = chars.len();
    let mut clauses = Vec::new();
    if b.len() != n + 1 {
        return clauses;
    }
    b[0] = true;
    b[n] = true;
    let push = |clauses: &mut Vec<(usize, usize)>, mut s: usize, mut e: usize| {
        while s < e && chars[s].is_whitespace() {
            s += 1;
        }
        while e > s && chars[e - 1].is_whitespace() {
            e -= 1;
        }
        if s < e {
            clauses.push((s, e));
        }
    };
    let (mut start, mut prev_alnum, mut prev_han) = (0, false, false);
    for i in 0..n {
        let c = chars[i];
        if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
            // The common case: a Han character is no break, no punctuation.
            if prev_alnum {
                b[i] = true;
            }
            (prev_alnum, prev_han) = (false, true);
            continue;
        }
        let alnum = c.is_ascii_alphanumeric();
        let han = is_han(c);
        if (alnum && prev_han) || (han && prev_alnum) {
            b[i] = true;
        }
        if is_space_or_punct(c) {
            b[i] = true;
            b[i + 1] = true;
        }
        let brk = if c == ' ' {
            !(prev_alnum || chars.get(i + 1).is_some_and(|x| x.is_ascii_alphanumeric()))
        } else {
            is_clause_punct(c)
        };
        if brk {
            push(&mut clauses, start, i);
            start = i + 1;
        }
        (prev_alnum, prev_han) = (alnum, han);
    }
    push(&mut clauses, start, n);
    clauses
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::LazyLock;

    static AN: LazyLock<Analyzer> =
        LazyLock::new(|| Analyzer::new(&["乐享畅聊套".to_string(), "长江移动".to_string()]));

    fn words(a: &Analyzed) -> Vec<String> {
        a.tokens.iter().map(|t| a.slice(t.start, t.end)).collect()
    }

    fn bounds(a: &Analyzed) -> Vec<usize> {
        (0..a.boundaries.len()).filter(|&i| a.boundaries[i]).collect()
    }

    #[test]
    fn analyzer_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Analyzer>();
        check::<Analyzed>();
    }

    #[test]
    fn probe_words() {
        let a = &*AN;
        // One 3-char token whose dictionary sub-words 最低 and 低价 add inner boundaries.
        let x = a.analyze("最低价");
        assert_eq!(words(&x), ["最低价"]);
        assert_eq!(bounds(&x), [0, 1, 2, 3]);
        // One 2-char token: no inner boundary, so 最 alone cannot match.
        let x = a.analyze("最近");
        assert_eq!(words(&x), ["最近"]);
        assert_eq!(bounds(&x), [0, 2]);
        assert_eq!(words(&a.analyze("不能保证")), ["不能", "保证"]);
        assert_eq!(words(&a.analyze("绝不断网")), ["绝", "不断", "网"]);
        assert_eq!(words(&a.analyze("全网最低")), ["全网", "最低"]);
        assert_eq!(words(&a.analyze("长江移动")), ["长江移动"]);
        assert_eq!(bounds(&a.analyze("长江移动")), [0, 2, 4]);
        assert_eq!(words(&a.analyze("微信号")), ["微", "信号"]);
        assert_eq!(words(&a.analyze("乐享畅聊套")), ["乐享畅聊套"]);
        assert_eq!(words(&a.analyze("首月半价")), ["首", "月", "半价"]);
        assert_eq!(words(&a.analyze("59元")), ["59", "元"]);
        assert_eq!(words(&a.analyze("30GB")), ["30gb"]);
    }

    /// Issue 17: an ASR pause mark is a word break (never glued over) but not a clause break;
    /// an unknown-word mark is no text at all.
    #[test]
    fn asr_marks_break_words_not_clauses() {
        let plain = Analyzer::new(&[]);
        // Without the pause jieba reads 乒乓球/拍卖; the speaker paused after 球拍.
        assert_eq!(words(&plain.analyze("乒乓球拍卖完了"))[..2], ["乒乓球", "拍卖"]);
        let x = plain.analyze("乒乓球拍_卖完了");
        assert_eq!(words(&x)[0], "乒乓球拍");
        assert!(x.is_boundary(4) && !words(&x).contains(&"拍卖".to_string()));
        assert_eq!(x.norm.text, "乒乓球拍卖完了");
        assert_eq!(x.clauses, [(0, 7)], "a pause is not a clause break");
        // Offsets still point at the original characters: 卖完 is 5..7 of the original.
        assert_eq!(x.norm.to_original(4, 6), (5, 7));
        let x = plain.analyze("办了_[UNK]_马上就能用");
        assert_eq!(x.norm.text, "办了马上就能用");
        assert!(!words(&x).iter().any(|w| w.contains("unk")), "{:?}", words(&x));
        assert_eq!(x.clauses.len(), 1);
        // An underscore inside an ASCII word is part of it (a contact id).
        assert_eq!(words(&plain.analyze("qz_zhang")), ["qz_zhang"]);
    }

    #[test]
    fn hmm_guesses_are_not_words() {
        let plain = Analyzer::new(&[]);
        // jieba's HMM glues 我加 and 微信发 (neither is a dictionary word): no protection.
        let x = plain.analyze("我加您微信发一份");
        assert_eq!(words(&x), ["我加", "您", "微信发", "一份"]);
        assert!(x.is_boundary(1) && x.is_boundary(5));
        // Dictionary words stay whole: 最近, 再加.
        let x = plain.analyze("我再加您");
        assert!(!x.is_boundary(2));
    }

    #[test]
    fn domain_words_change_segmentation() {
        let plain = Analyzer::new(&[]);
        assert_eq!(words(&plain.analyze("乐享畅聊套")), ["乐享", "畅聊套"]);
        assert_eq!(words(&plain.analyze("长江移动")), ["长江", "移动"]);
        assert_eq!(words(&AN.analyze("我们推出了乐享畅聊套餐")), ["我们", "推出", "了", "乐享畅聊套", "餐"]);
    }

    #[test]
    fn tokens_match_plain_cut() {
        let a = &*AN;
        for s in
            ["这个套餐保证全网最低价，qz-zhang2024 我们最近推出了乐享畅聊套餐", "50万人次 99.9%的人", "a b  c，。", ""]
        {
            let x = a.analyze(s);
            assert_eq!(x.tokens, a.segment(&x.norm.text), "{s}");
        }
    }

    #[test]
    fn analyze_fields() {
        let x = AN.analyze("嗯，這個套餐首月半價，只要五十九塊 加个微信吧");
        assert_eq!(x.norm.text, "，这个套餐首月半价，只要59块 加个微信吧");
        assert_eq!(x.boundaries.len(), x.norm.len() + 1);
        assert_eq!(x.pinyin.len(), x.norm.len());
        assert_eq!(x.pinyin[0], 0);
        assert_ne!(x.pinyin[1], 0);
        assert_eq!(x.numbers.len(), 1);
        assert_eq!(x.numbers[0].value, 59.0);
        let clauses: Vec<String> = x.clauses.iter().map(|&(s, e)| x.slice(s, e)).collect();
        assert_eq!(clauses, ["这个套餐首月半价", "只要59块", "加个微信吧"]);
        assert_eq!(x.clause_at(0), None);
        assert_eq!(x.clause_at(1), Some((1, 9)));
        assert!(x.is_boundary(0) && !x.is_boundary(999));
    }

    #[test]
    fn clauses_keep_ascii_words_together() {
        let c: Vec<char> = "加我 vx qz zhang 好吗 谢谢".chars().collect();
        let got: Vec<String> = split_clauses(&c).iter().map(|&(s, e)| c[s..e].iter().collect()).collect();
        assert_eq!(got, ["加我 vx qz zhang 好吗", "谢谢"]);
        assert!(split_clauses(&[]).is_empty());
        assert!(split_clauses(&['，', ' ']).is_empty());
    }

    #[test]
    fn ascii_cjk_boundary() {
        let x = AN.analyze("用vx加");
        assert!(x.is_boundary(1) && x.is_boundary(3));
    }

    #[test]
    fn astral_chars_keep_offsets() {
        let x = AN.analyze("😀保证𠀀最低价");
        assert_eq!(x.norm.len(), 7);
        let w = words(&x);
        assert!(w.contains(&"保证".to_string()), "{w:?}");
        assert!(x.tokens.iter().all(|t| t.end <= 7));
    }
}
