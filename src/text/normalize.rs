//! Normalization of one turn's text, keeping a map back to the original characters.
//!
//! The steps, in order (each works on parallel vectors of characters and original ranges, so
//! every later step keeps the map for free):
//!
//! 1. per character: full-width ASCII → half-width, ideographic space → space, ASCII lowercased,
//!    traditional → simplified (`fast2s`, which is char-for-char), zero-width characters dropped,
//!    whitespace and control characters → space;
//! 2. ASR fillers removed: 嗯 呃 唔 always; 啊 哦 噢 next to a separator; 额 when standalone;
//!    那个/这个/就是说 between a separator and a pause (details on the private step);
//! 3. whitespace runs → one space, trimmed at both ends;
//! 4. punctuation canonicalized (see below);
//! 5. Chinese numerals → digits where they are a quantity (rules in [`super::numbers`]);
//! 6. ASR marks taken out, as their exporters mean them: a `_` pause mark between words (not
//!    one inside an ASCII word such as `qz_zhang`) and an unknown-word mark (`[UNK]`, `<unk>`,
//!    `[noise]` …) are no text — a phrase matches across them, a negator governs across them
//!    (不能_保证) and a question reads on (能办吗 is one clause in 这个_能办吗) — but each is
//!    a word break: its position is kept in [`Normalized::breaks`], where the segmenter cuts,
//!    so the words on either side are never glued into one.
//!
//! ## Canonical punctuation
//! Clause punctuation is canonicalized to the CJK full-width set `，。！？；：、…`, because in
//! Chinese text ASCII `.` is ambiguous with the decimal point: `59。30个G` must not become
//! `59.30个g`. ASCII `.` stays ASCII only between two ASCII letters/digits (`99.9`, `qq.com`),
//! `,` and `:` only between two digits (`1,000`, `10:30`). Quotes (`“”「」『』`) become `"`,
//! `‘’` become `'`, dashes (`—–―`) become `-`, `⋯` becomes `…`. Everything else (brackets,
//! `《》`, `%`, `-`, `@` …) is kept as is after the full-width fold.

use super::numbers::{convert_numerals, is_numeral};
use std::sync::LazyLock;

/// A normalized text with a map from each of its characters back to the original text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalized {
    /// The normalized text (always equal to `chars` collected).
    pub text: String,
    /// The characters of `text`, for O(1) indexing by character offset.
    pub chars: Vec<char>,
    /// `orig[i]` is the original character range `[start, end)` that normalized char `i` came
    /// from. Characters produced together (a converted number, a collapsed whitespace run) all
    /// carry the whole source range. Non-decreasing in both ends.
    pub orig: Vec<(usize, usize)>,
    /// Normalized positions where an ASR pause or unknown-word mark was taken out (step 6):
    /// word breaks, never clause breaks. Ascending, each in `1..len`.
    pub breaks: Vec<usize>,
}

impl Normalized {
    /// Maps a normalized character range to the original character range it came from.
    ///
    /// Out-of-range bounds are clamped; an empty (or inverted) range maps to an empty range at
    /// the corresponding original position. Never panics.
    pub fn to_original(&self, start: usize, end: usize) -> (usize, usize) {
        let n = self.orig.len();
        let start = start.min(n);
        let end = end.min(n);
        if start >= end {
            let p = match self.orig.get(start) {
                Some(&(s, _)) => s,
                None => self.orig.last().map_or(0, |&(_, e)| e),
            };
            return (p, p);
        }
        (self.orig[start].0, self.orig[end - 1].1)
    }

    /// Number of normalized characters.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// True when the normalized text is empty.
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }
}

/// Normalizes `original` (see the module docs for the steps).
pub fn normalize(original: &str) -> Normalized {
    // The steps work on two parallel vectors (char, original range) that become the result's
    // `chars` and `orig` as they are, without a final copy.
    let (mut chars, mut orig, needs) = fold_chars(original);
    if needs.fillers {
        remove_fillers(&mut chars, &mut orig);
    }
    if needs.space {
        collapse_whitespace(&mut chars, &mut orig);
    }
    if needs.punct {
        canonicalize_punctuation(&mut chars);
    }
    if needs.numerals {
        (chars, orig) = convert_numerals(chars, orig);
    }
    let breaks = if needs.marks { take_out_marks(&mut chars, &mut orig) } else { Vec::new() };
    let mut text = String::with_capacity(chars.iter().map(|c| c.len_utf8()).sum());
    text.extend(chars.iter());
    Normalized { text, chars, orig, breaks }
}

/// Unknown-word marks of ASR exports, lowercased as step 1 leaves them.
const UNKNOWN_MARKS: &[&str] = &["[unk]", "<unk>", "[unknown]", "<unknown>", "[noise]", "<noise>", "[sil]", "<sil>"];

/// Step 6: takes out the ASR marks (see the module docs) and returns where they were. An
/// unknown-word mark first becomes one `_` carrying its whole range; then every `_` that is
/// not inside an ASCII word goes, and the position of the next kept character is a break.
fn take_out_marks(chars: &mut Vec<char>, orig: &mut Vec<(usize, usize)>) -> Vec<usize> {
    let (mut w, mut r) = (0, 0);
    let n = chars.len().min(orig.len());
    let mut breaks: Vec<usize> = Vec::new();
    let mut pending = false;
    while r < n {
        let c = chars[r];
        let starts = |m: &&&str| {
            let mut rest = chars[r..n].iter();
            m.chars().all(|x| rest.next() == Some(&x))
        };
        let unknown = if matches!(c, '[' | '<') { UNKNOWN_MARKS.iter().find(starts) } else { None };
        if let Some(m) = unknown {
            r += m.chars().count();
            pending = true;
            continue;
        }
        let in_word = r > 0
            && chars[r - 1].is_ascii_alphanumeric()
            && chars.get(r + 1).is_some_and(|x| x.is_ascii_alphanumeric());
        if c == '_' && !in_word {
            r += 1;
            pending = true;
            continue;
        }
        if pending && w > 0 && breaks.last() != Some(&w) {
            breaks.push(w);
        }
        pending = false;
        chars[w] = c;
        orig[w] = orig[r];
        w += 1;
        r += 1;
    }
    chars.truncate(w);
    orig.truncate(w);
    breaks
}

/// True for CJK unified ideographs (main block, extensions, compatibility ideographs).
pub fn is_han(c: char) -> bool {
    let u = c as u32;
    // The main block first and alone: nearly every character of real text is decided here.
    if (0x4E00..=0x9FFF).contains(&u) {
        return true;
    }
    if u < 0x3400 {
        return false;
    }
    matches!(u,
        0x3400..=0x4DBF
        | 0xF900..=0xFAFF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2EBEF
        | 0x2F800..=0x2FA1F
        | 0x30000..=0x3134F)
}

/// True for punctuation (ASCII, general punctuation, CJK symbols and punctuation, full-width
/// and small forms). Used for boundaries and filler detection.
pub fn is_punct(c: char) -> bool {
    if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        return false; // the common case, decided in one test
    }
    if c.is_ascii() {
        return c.is_ascii_punctuation();
    }
    matches!(c,
        '\u{A1}'..='\u{BF}'
        | '\u{D7}' | '\u{F7}'
        | '\u{2010}'..='\u{205E}'
        | '\u{3001}'..='\u{3004}'
        | '\u{3008}'..='\u{3020}'
        | '\u{3030}' | '\u{303D}'
        | '\u{FE10}'..='\u{FE19}'
        | '\u{FE30}'..='\u{FE6F}'
        | '\u{FF01}'..='\u{FF0F}'
        | '\u{FF1A}'..='\u{FF20}'
        | '\u{FF3B}'..='\u{FF40}'
        | '\u{FF5B}'..='\u{FF65}')
}

/// True for whitespace or punctuation ([`is_punct`]); decided in one test for Han characters,
/// which keeps it cheap in per-character loops.
#[inline]
pub fn is_space_or_punct(c: char) -> bool {
    if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        return false;
    }
    c.is_whitespace() || is_punct(c)
}

/// True for characters of normalized text that end a clause: the canonical CJK clause marks,
/// brackets, quotes and `~`. In-word ASCII punctuation (`.` `,` `:` `-` `%` `@` …) is not a break.
pub fn is_clause_punct(c: char) -> bool {
    if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        return false;
    }
    matches!(
        c,
        '，' | '。'
            | '！'
            | '？'
            | '；'
            | '：'
            | '、'
            | '…'
            | '~'
            | '"'
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '【'
            | '】'
            | '《'
            | '》'
            | '〈'
            | '〉'
            | '「'
            | '」'
            | '〔'
            | '〕'
            | '!'
            | '?'
            | ';'
    )
}

/// Which later steps a text needs; most turns need few of them, so skipping saves passes.
#[derive(Default)]
struct Needs {
    fillers: bool,
    space: bool,
    punct: bool,
    numerals: bool,
    marks: bool,
}

/// Per-BMP-character class bits, computed once, so the hot per-character loop is one table
/// lookup instead of a dozen range tests.
const C_TRAD: u8 = 1; // fast2s may change it (traditional)
const C_FOLD: u8 = 2; // fold_char changes or drops it
const C_FILLER: u8 = 4; // 嗯 呃 唔 啊 哦 噢 额: a filler candidate by itself
const C_FILLER_TAIL: u8 = 8; // 个 说: may end 那个/这个/就是说
const C_CANON: u8 = 16; // punctuation that step 4 may rewrite
const C_NUMERAL: u8 = 32; // Chinese numeral
const C_SPACE: u8 = 64; // whitespace

static CLASS: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut t = vec![0u8; 0x10000];
    let all: String = (0x800u32..=0xFFFF).filter_map(char::from_u32).flat_map(|c| [c, ' ']).collect();
    let converted = fast2s::convert(&all);
    for (a, b) in all.chars().zip(converted.chars()) {
        if a != b {
            t[a as usize] |= C_TRAD;
        }
    }
    // fast2s converts these three only in context (藉口, 看著, 苧麻).
    for c in ['藉', '著', '苧'] {
        t[c as usize] |= C_TRAD;
    }
    for (u, slot) in t.iter_mut().enumerate() {
        let Some(c) = char::from_u32(u as u32) else { continue };
        if fold_char(c) != Some(c) {
            *slot |= C_FOLD;
        }
        if matches!(c, '嗯' | '呃' | '唔' | '啊' | '哦' | '噢' | '额') {
            *slot |= C_FILLER;
        }
        if matches!(c, '个' | '说') {
            *slot |= C_FILLER_TAIL;
        }
        if canonical_punct(c, false, false) != c || matches!(c, ',' | '.' | ':') {
            *slot |= C_CANON;
        }
        if is_numeral(c) {
            *slot |= C_NUMERAL;
        }
        if c.is_whitespace() {
            *slot |= C_SPACE;
        }
    }
    t
});

/// Class bits of `c` (astral characters have none: no fold, no filler, no punctuation).
#[inline]
fn class_of(table: &[u8], c: char) -> u8 {
    table.get(c as usize).copied().unwrap_or(0)
}

/// Step 1: the context-free per-character folds (zero-width characters are dropped), then
/// traditional → simplified when the text has any traditional character.
#[allow(clippy::type_complexity)]
fn fold_chars(original: &str) -> (Vec<char>, Vec<(usize, usize)>, Needs) {
    let table: &[u8] = &CLASS;
    let cap = original.chars().count();
    let mut out: Vec<char> = Vec::with_capacity(cap);
    let mut orig: Vec<(usize, usize)> = Vec::with_capacity(cap);
    let mut seen = 0u8;
    let mut fillers = false;
    for (i, c) in original.chars().enumerate() {
        let mut cls = class_of(table, c);
        let mut f = c;
        if cls & C_FOLD != 0 {
            let trad = cls & C_TRAD;
            match fold_char(c) {
                Some(x) => f = x,
                None => continue,
            }
            cls = class_of(table, f) | trad;
        }
        if cls & C_FILLER_TAIL != 0 {
            let p1 = out.last().copied();
            let p2 = out.len().checked_sub(2).map(|k| out[k]);
            fillers |= matches!(p1, Some('那' | '这')) || (f == '说' && p1 == Some('是') && p2 == Some('就'));
        }
        seen |= cls;
        out.push(f);
        orig.push((i, i + 1));
    }
    if seen & C_TRAD != 0 {
        // fast2s looks at neighbours but emits exactly one char per input char, so the i-th
        // converted char replaces the item that came from original char i.
        let mut k = 0;
        for (i, c) in fast2s::convert(original).chars().enumerate() {
            while k < out.len() && orig[k].0 < i {
                k += 1;
            }
            if k < out.len() && orig[k].0 == i && !out[k].is_ascii() && out[k] != c {
                out[k] = c;
                let cls = class_of(table, c);
                seen |= cls;
                // A converted 個/說 may complete a filler; let the filler step decide.
                fillers |= cls & C_FILLER_TAIL != 0;
            }
        }
    }
    let needs = Needs {
        fillers: fillers || seen & C_FILLER != 0,
        space: seen & C_SPACE != 0,
        punct: seen & C_CANON != 0,
        numerals: seen & C_NUMERAL != 0,
        marks: out.iter().any(|&c| matches!(c, '_' | '[' | '<')),
    };
    (out, orig, needs)
}

/// The per-character fold; `None` drops the character.
fn fold_char(c: char) -> Option<char> {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{FF61}' => '。',
        '\u{FF64}' => '、',
        '\u{FF62}' | '\u{FF63}' => '"',
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => return None,
        _ => c,
    };
    // All whitespace becomes ' ' here, so later steps test one char instead of Unicode tables.
    if c.is_control() || c.is_whitespace() {
        return Some(' ');
    }
    Some(c.to_ascii_lowercase())
}

/// A filler neighbour test: the start/end of the turn, whitespace or punctuation.
fn is_sep(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => is_space_or_punct(c),
    }
}

/// Characters that, after 额, make a word (额外 额度 …), so that 额 is not a filler there.
fn is_e_word_tail(c: Option<char>) -> bool {
    matches!(c, Some('外' | '度' | '定' | '头' | '满' | '角' | '数' | '滴'))
}

/// Step 2: removes ASR fillers.
///
/// - 嗯 呃 唔: always.
/// - 啊 哦 噢: when the previous or next kept character is a separator (start/end, space,
///   punctuation), so 好啊， loses 啊 but 啊 inside a word-like run is kept.
/// - 额: only after a separator and before a separator or a non-word tail (额外/额度 stay).
/// - 那个 这个 就是说: only after a separator and directly before a pause (space, `，` `、`
///   `…`). Sentence-final marks do not count: in 我要这个。 the 这个 carries meaning.
fn remove_fillers(items: &mut Vec<char>, orig: &mut Vec<(usize, usize)>) {
    let n = items.len().min(orig.len());
    let mut keep = vec![true; n];
    for (k, &c) in keep.iter_mut().zip(items.iter()) {
        if matches!(c, '嗯' | '呃' | '唔') {
            *k = false;
        }
    }
    let conditional = |c: char| matches!(c, '啊' | '哦' | '噢' | '额');
    let removable = |c: char, prev: Option<char>, next: Option<char>| match c {
        '啊' | '哦' | '噢' => is_sep(prev) || is_sep(next),
        '额' => is_sep(prev) && (is_sep(next) || !is_e_word_tail(next)),
        _ => false,
    };
    // Left to right: the previous kept char is tracked exactly; the next one is the raw next
    // char, skipping chars already removed by the always-filler rule.
    let mut prev_kept: Option<char> = None;
    let mut prev_kept_at = vec![None; n];
    for i in 0..n {
        prev_kept_at[i] = prev_kept;
        let c = items[i];
        if keep[i] && conditional(c) {
            let next = (i + 1..n).find(|&j| keep[j]).map(|j| items[j]);
            if removable(c, prev_kept, next) {
                keep[i] = false;
            }
        }
        if keep[i] {
            prev_kept = Some(c);
        }
    }
    // Right to left: catches chains like 好啊啊， where the first 啊 only becomes removable
    // once the second is gone. The previous kept char of i cannot change in this pass.
    let mut next_kept: Option<char> = None;
    for i in (0..n).rev() {
        let c = items[i];
        if keep[i] && conditional(c) && removable(c, prev_kept_at[i], next_kept) {
            keep[i] = false;
        }
        if keep[i] {
            next_kept = Some(c);
        }
    }
    // Multi-char fillers.
    const WORDS: [&[char]; 3] = [&['那', '个'], &['这', '个'], &['就', '是', '说']];
    let mut i = 0;
    while i < n {
        if !keep[i] {
            i += 1;
            continue;
        }
        let mut matched = 0;
        for w in WORDS {
            // Contiguous kept chars only: a filler must be written as one word.
            if i + w.len() <= n && (0..w.len()).all(|k| keep[i + k] && items[i + k] == w[k]) {
                matched = w.len();
                break;
            }
        }
        if matched > 0 {
            let prev = (0..i).rev().find(|&j| keep[j]).map(|j| items[j]);
            let next = (i + matched..n).find(|&j| keep[j]).map(|j| items[j]);
            let pause = matches!(next, Some(c) if c == ' ' || matches!(c, ',' | '，' | '、' | '…' | '⋯' | '-' | '—'));
            if is_sep(prev) && pause {
                for k in keep.iter_mut().skip(i).take(matched) {
                    *k = false;
                }
                i += matched;
                continue;
            }
        }
        i += 1;
    }
    let mut w = 0;
    for r in 0..n {
        if keep[r] {
            items[w] = items[r];
            orig[w] = orig[r];
            w += 1;
        }
    }
    items.truncate(w);
    orig.truncate(w);
}

/// Step 3: whitespace runs → one space carrying the whole run's range; trimmed at both ends.
fn collapse_whitespace(chars: &mut Vec<char>, orig: &mut Vec<(usize, usize)>) {
    // In-place compaction: the write index never passes the read index (a pending space is
    // only written when a non-space follows, i.e. at least two items were read for it).
    let mut w = 0;
    let mut pending: Option<(usize, usize)> = None;
    for r in 0..chars.len().min(orig.len()) {
        let (c, range) = (chars[r], orig[r]);
        if c == ' ' {
            pending = Some(match pending {
                Some((s, _)) => (s, range.1),
                None => range,
            });
            continue;
        }
        if let Some(ws) = pending.take()
            && w > 0
        {
            chars[w] = ' ';
            orig[w] = ws;
            w += 1;
        }
        chars[w] = c;
        orig[w] = range;
        w += 1;
    }
    chars.truncate(w);
    orig.truncate(w);
}

/// Step 4: punctuation → the canonical set described in the module docs.
fn canonicalize_punctuation(chars: &mut [char]) {
    let table: &[u8] = &CLASS;
    for i in 0..chars.len() {
        if class_of(table, chars[i]) & C_CANON == 0 {
            continue;
        }
        let prev = if i > 0 { Some(chars[i - 1]) } else { None };
        let next = chars.get(i + 1).copied();
        let digits = prev.is_some_and(|p| p.is_ascii_digit()) && next.is_some_and(|p| p.is_ascii_digit());
        let alnum = prev.is_some_and(|p| p.is_ascii_alphanumeric()) && next.is_some_and(|p| p.is_ascii_alphanumeric());
        chars[i] = canonical_punct(chars[i], digits, alnum);
    }
}

/// The canonical form of one punctuation mark, given whether it sits between two ASCII digits
/// or between two ASCII letters/digits.
fn canonical_punct(c: char, between_digits: bool, between_alnum: bool) -> char {
    match c {
        ',' if !between_digits => '，',
        ':' if !between_digits => '：',
        '.' if !between_alnum => '。',
        '!' => '！',
        '?' => '？',
        ';' => '；',
        '“' | '”' | '„' | '‟' | '「' | '」' | '『' | '』' => '"',
        '‘' | '’' => '\'',
        '—' | '–' | '―' | '‐' | '‑' | '‒' => '-',
        '⋯' => '…',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalize(s).text
    }

    #[test]
    fn asr_marks_are_taken_out_and_kept_as_breaks() {
        let n = normalize("不能_保证_今天到");
        assert_eq!((n.text.as_str(), n.breaks.as_slice()), ("不能保证今天到", &[2, 4][..]));
        assert_eq!(n.to_original(2, 4), (3, 5));
        let n = normalize("服务密码啊_是_[UNK]_八八六六幺二");
        assert_eq!(n.text, "服务密码是886612");
        assert_eq!(n.breaks, [4, 5]);
        let n = normalize("<unk>请稍等__好的_");
        assert_eq!((n.text.as_str(), n.breaks.as_slice()), ("请稍等好的", &[3][..]));
        // Not marks: an underscore inside an ASCII word, a bracket that is no known mark.
        assert_eq!(normalize("qz_zhang").breaks, Vec::<usize>::new());
        assert_eq!(norm("qz_zhang"), "qz_zhang");
        assert_eq!(norm("[备注]好的"), "[备注]好的");
    }

    #[test]
    fn width_case_and_traditional() {
        assert_eq!(norm("ＡＢＣ　１２３"), "abc 123");
        assert_eq!(norm("這個套餐保證"), "这个套餐保证");
        assert_eq!(norm("VX號"), "vx号");
    }

    #[test]
    fn whitespace_collapses_and_trims() {
        assert_eq!(norm("  我  想\t\n问  "), "我 想 问");
        let n = normalize("a \t b");
        assert_eq!(n.text, "a b");
        assert_eq!(n.orig[1], (1, 4));
    }

    #[test]
    fn punctuation_canonical() {
        assert_eq!(norm("好的,我知道了."), "好的，我知道了。");
        assert_eq!(norm("99.9%"), "99.9%");
        assert_eq!(norm("1,000元"), "1,000元");
        assert_eq!(norm("qq.com"), "qq.com");
        assert_eq!(norm("真的?!"), "真的？！");
        assert_eq!(norm("他说“保证”"), "他说\"保证\"");
        assert_eq!(norm("五十九块。三十个G"), "59块。30个g");
    }

    #[test]
    fn fillers_removed() {
        assert_eq!(norm("嗯，我想问一下"), "，我想问一下");
        assert_eq!(norm("呃我想问"), "我想问");
        assert_eq!(norm("好啊，可以"), "好，可以");
        assert_eq!(norm("哦 那行"), "那行");
        assert_eq!(norm("是啊"), "是");
        assert_eq!(norm("好啊啊啊，行"), "好，行");
        assert_eq!(norm("那个，我正好月底流量又快用完了"), "，我正好月底流量又快用完了");
        assert_eq!(norm("嗯那个，就是说，价格"), "，，价格");
        assert_eq!(norm("额，这个"), "，这个");
        assert_eq!(norm("额我想问"), "我想问");
    }

    #[test]
    fn fillers_kept_when_meaningful() {
        assert_eq!(norm("额外费用"), "额外费用");
        assert_eq!(norm("金额多少"), "金额多少");
        assert_eq!(norm("这个套餐"), "这个套餐");
        assert_eq!(norm("我要这个。"), "我要这个。");
        assert_eq!(norm("你说的这个，我不懂"), "你说的这个，我不懂");
        assert_eq!(norm("就是说明书"), "就是说明书");
    }

    #[test]
    fn offsets_map_back_after_fillers_and_width() {
        let original = "嗯，ＶＸ號是abc";
        let n = normalize(original);
        assert_eq!(n.text, "，vx号是abc");
        // 号 is normalized char 3, original char 4.
        assert_eq!(n.to_original(3, 4), (4, 5));
        assert_eq!(n.to_original(1, 4), (2, 5));
        let oc: Vec<char> = original.chars().collect();
        let (s, e) = n.to_original(1, 3);
        assert_eq!(oc[s..e].iter().collect::<String>(), "ＶＸ");
    }

    #[test]
    fn to_original_clamps_and_handles_empty() {
        let n = normalize("嗯保证");
        assert_eq!(n.text, "保证");
        assert_eq!(n.to_original(0, 2), (1, 3));
        assert_eq!(n.to_original(0, 99), (1, 3));
        assert_eq!(n.to_original(1, 1), (2, 2));
        assert_eq!(n.to_original(2, 2), (3, 3));
        assert_eq!(n.to_original(5, 1), (3, 3));
        let e = normalize("");
        assert_eq!(e.to_original(0, 3), (0, 0));
        assert!(e.is_empty());
        assert_eq!(e.len(), 0);
    }

    #[test]
    fn numbers_map_back_to_whole_numeral() {
        let n = normalize("只要五十九块");
        assert_eq!(n.text, "只要59块");
        assert_eq!(n.to_original(2, 3), (2, 5));
        assert_eq!(n.to_original(2, 5), (2, 6));
    }

    #[test]
    fn classes() {
        assert!(is_han('中') && !is_han('a') && !is_han('，'));
        assert!(is_punct('，') && is_punct('.') && is_punct('“') && !is_punct('中'));
        assert!(is_clause_punct('，') && !is_clause_punct('.') && !is_clause_punct('%'));
    }

    #[test]
    fn zero_width_and_controls() {
        assert_eq!(norm("保\u{200B}证"), "保证");
        assert_eq!(norm("a\u{0}b"), "a b");
    }
}
