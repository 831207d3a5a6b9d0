//! Question grammar of Chinese turns: whether a clause asks (a final 吗/呢, an A-not-A form,
//! a question word used as one, a lead-in such as 请问, a voiced worry), where a negator
//! really negates, and the clause units the detector reads. Shared by the knowledge base
//! ([`crate::eval::answers`]) and the dialogue layer ([`crate::dialogue`]).

use crate::text::normalize::{is_clause_punct, is_han, is_space_or_punct};
use crate::text::segment::Analyzed;

/// Question words (a token starting with one of these asks, unless the context says otherwise).
pub(crate) const WH: &[&str] = &[
    "多少",
    "怎么",
    "怎样",
    "什么",
    "啥",
    "哪",
    "为什么",
    "为啥",
    "咋",
    "如何",
    "多久",
    "多长",
    "多大",
    "几",
    "谁",
    "干嘛",
    "干啥",
    "何时",
];

/// Tokens that start like a question word but are not one.
pub(crate) const NOT_WH: &[&str] = &["哪怕", "几乎", "多少有点", "多少有些", "怎么着"];

/// Lead-ins that make a clause a question.
/// Formal interrogatives (是否, 能否, 可否) ask as plainly as an A-not-A form does.
pub(crate) const ASK_LEADS: &[&str] =
    &["请问", "想问", "问一下", "问下", "想知道", "想咨询", "咨询一下", "问问", "是否", "能否", "可否"];

/// Words voicing a worry: a customer clause with one raises a concern.
pub(crate) const WORRIES: &[&str] =
    &["担心", "担忧", "顾虑", "不放心", "在意", "关心", "万一", "关键是", "就怕", "害怕", "怕"];

/// Interjections and particles stripped from the edges of a clause before comparing it with the
/// back-channel lists.
pub(crate) const LEADING: &[char] = &['喂', '哎', '诶', '欸', '嗯', '啊', '哦', '噢', '呃', '唉', '哈'];
pub(crate) const TRAILING: &[char] = &['啊', '呀', '哈', '啦', '哦', '噢', '嘞', '喂', '呗'];

/// A clause of a turn as the question detector sees it: split at clause punctuation, not at
/// spaces; normalized character range, and whether a `？` follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unit {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) qmark: bool,
}

/// The clauses of a turn, split at clause punctuation (spaces stay inside: an unpunctuated ASR
/// turn is one clause), trimmed, empty ones dropped.
pub(crate) fn units(a: &Analyzed) -> Vec<Unit> {
    let c = &a.norm.chars;
    split_trimmed(c, is_clause_punct)
        .into_iter()
        .map(|(start, end)| {
            let qmark = c[end..]
                .iter()
                .take_while(|&&x| is_clause_punct(x) || x.is_whitespace())
                .any(|&x| matches!(x, '？' | '?'));
            Unit { start, end, qmark }
        })
        .collect()
}

/// Words that open a new topic inside an unpunctuated clause (价格吧还有流量够不够): a question
/// after one does not govern what came before it.
pub(crate) const CONNECTIVES: &[&str] = &["还有", "另外", "而且", "再就是", "再有", "然后", "顺便", "顺便问"];

/// Sentence-final particles: a clause that goes on after one (价格吧 流量够不够, 能退吗 多少钱)
/// has started another.
const FINAL_PARTICLES: &[&str] = &["吧", "吗", "呢", "啊", "呀", "嘛"];

/// The scopes of a clause: the stretches a question can govern. An ASR turn without
/// punctuation, or a clause joined by a connective, holds several (价格吧 | 还有流量够不够):
/// a scope ends after a sentence-final particle and before a topic connective, when both sides
/// keep at least two content characters. Only the last scope keeps the clause's `？`.
pub(crate) fn scopes(a: &Analyzed, u: Unit) -> Vec<Unit> {
    let c = &a.norm.chars;
    let from = a.tokens.partition_point(|t| t.start < u.start);
    let to = a.tokens.partition_point(|t| t.end <= u.end);
    let enough = |s: usize, e: usize| content(&c[s..e]).len() >= 2;
    let mut cuts: Vec<usize> = Vec::new();
    for t in &a.tokens[from..to.max(from)] {
        let word: String = c[t.start..t.end].iter().collect();
        let cut = if FINAL_PARTICLES.contains(&word.as_str()) {
            t.end
        } else if CONNECTIVES.contains(&word.as_str()) {
            t.start
        } else {
            continue;
        };
        let last = cuts.last().copied().unwrap_or(u.start);
        if cut > last && enough(last, cut) && enough(cut, u.end) {
            cuts.push(cut);
        }
    }
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut start = u.start;
    for &cut in &cuts {
        out.push(Unit { start, end: cut, qmark: false });
        start = cut;
    }
    out.push(Unit { start, end: u.end, qmark: u.qmark });
    // Trim the spaces a cut leaves at the edges.
    for x in &mut out {
        while x.start < x.end && c[x.start].is_whitespace() {
            x.start += 1;
        }
        while x.end > x.start && c[x.end - 1].is_whitespace() {
            x.end -= 1;
        }
    }
    out
}

/// The ranges of `chars` between the characters `is_break` accepts, spaces trimmed, empty ones
/// dropped (clauses at clause punctuation, sentences at sentence ends).
pub(crate) fn split_trimmed(chars: &[char], is_break: impl Fn(char) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..=chars.len() {
        if i < chars.len() && !is_break(chars[i]) {
            continue;
        }
        let (mut a, mut b) = (start, i);
        while a < b && chars[a].is_whitespace() {
            a += 1;
        }
        while b > a && chars[b - 1].is_whitespace() {
            b -= 1;
        }
        if a < b {
            out.push((a, b));
        }
        start = i + 1;
    }
    out
}

/// The characters of a normalized range without spaces and punctuation.
pub(crate) fn content(chars: &[char]) -> Vec<char> {
    chars.iter().copied().filter(|&c| !is_space_or_punct(c)).collect()
}

pub(crate) fn contains(hay: &[char], needle: &str) -> bool {
    // Compare only where the first character matches: decoding the needle at every position
    // showed up in profiles.
    let Some(first) = needle.chars().next() else { return false };
    (0..hay.len()).any(|i| hay[i] == first && starts_with(&hay[i..], needle))
}

pub(crate) fn starts_with(hay: &[char], needle: &str) -> bool {
    let mut it = hay.iter();
    needle.chars().all(|c| it.next() == Some(&c))
}

/// An A-not-A form at `i`: X不X / X没X (能不能, 有没有, 可不可以, 是不是), not followed closely by
/// 都/也 (看不看都行 is a statement).
pub(crate) fn a_not_a_at(c: &[char], i: usize) -> bool {
    i + 2 < c.len()
        && matches!(c[i + 1], '不' | '没')
        && c[i] == c[i + 2]
        && is_han(c[i])
        && !matches!(c[i], '不' | '没')
        && !c[i + 3..c.len().min(i + 7)].iter().any(|&x| matches!(x, '都' | '也'))
}

/// Question grammar visible on the characters alone: a final 吗/么/呢, a final 不/没
/// (可以改回老套餐不), or an A-not-A form anywhere. `c` is the clause without spaces/punctuation.
pub(crate) fn char_question(c: &[char]) -> bool {
    let mut end = c.len();
    while end > 0 && TRAILING.contains(&c[end - 1]) {
        end -= 1;
    }
    let c = &c[..end];
    if let Some(&last) = c.last() {
        let before = if c.len() >= 2 { Some(c[c.len() - 2]) } else { None };
        match last {
            '吗' => return true,
            '么' if !before.is_some_and(|b| matches!(b, '这' | '那' | '多' | '要')) => return true,
            // 价格呢？ 那网速呢 ask; 我还在开会呢 states.
            '呢' if c.len() <= 8 && !c.iter().any(|&x| matches!(x, '在' | '着' | '正')) => return true,
            '不' | '没'
                if c.len() >= 3
                    && before.is_some_and(|b| {
                        is_han(b)
                            && !matches!(
                                b,
                                '不' | '没'
                                    | '也'
                                    | '都'
                                    | '就'
                                    | '还'
                                    | '并'
                                    | '绝'
                                    | '决'
                                    | '从'
                                    | '我'
                                    | '你'
                                    | '他'
                                    | '她'
                                    | '要'
                                    | '得'
                            )
                    }) =>
            {
                return true;
            }
            _ => {}
        }
        if c.len() >= 4 && c.ends_with(&['没', '有']) && before.is_some_and(|b| b != '没') {
            return true;
        }
    }
    (0..c.len()).any(|i| a_not_a_at(c, i))
}

/// Whether the normalized range `[start, end)` of an analyzed turn asks (question grammar or a
/// worry). Returns `(asks, strong)`: `strong` is false when only a `？` makes it a question.
pub(crate) fn asks(a: &Analyzed, start: usize, end: usize, qmark: bool) -> (bool, bool) {
    let end = end.min(a.norm.chars.len());
    let c = content(&a.norm.chars[start.min(end)..end]);
    if c.is_empty() {
        return (false, false);
    }
    let strong =
        char_question(&c) || ASK_LEADS.iter().any(|l| contains(&c, l)) || wh_question(a, start, end) || worry(&c);
    (strong || qmark, strong)
}

/// A question word among the tokens of `[start, end)`, not used as an indefinite or a universal
/// (什么都, 没什么, 办个什么优惠, 不怎么样, 无论多少).
pub(crate) fn wh_question(a: &Analyzed, start: usize, end: usize) -> bool {
    let c = &a.norm.chars[..end];
    let from = a.tokens.partition_point(|t| t.start < start);
    let to = a.tokens.partition_point(|t| t.end <= end);
    let tokens = &a.tokens[from..to.max(from)];
    tokens.iter().enumerate().any(|(k, t)| {
        let word = &c[t.start..t.end];
        if !WH.iter().any(|w| starts_with(word, w)) {
            return false;
        }
        let rest = &c[t.start..c.len().min(t.start + 5)];
        if NOT_WH.iter().any(|w| starts_with(rest, w)) {
            return false;
        }
        // 什么都 / 谁也 / 哪儿都 (universal), 什么的 at the end (etc.).
        let after: Vec<char> =
            c[t.end..c.len().min(t.end + 2)].iter().copied().filter(|x| !x.is_whitespace()).collect();
        if after.first().is_some_and(|&x| matches!(x, '都' | '也')) {
            return false;
        }
        if after.first() == Some(&'的')
            && after.get(1).is_none_or(|&x| is_space_or_punct(x))
            && starts_with(word, "什么")
        {
            return false;
        }
        // 没什么 / 不怎么 / 办个什么 / 说点什么 (indefinite or negated).
        if t.start > start && matches!(c[t.start - 1], '没' | '不' | '个' | '点' | '些') {
            return false;
        }
        let prev: String = tokens[k.saturating_sub(2)..k].iter().flat_map(|p| c[p.start..p.end].iter()).collect();
        !["不管", "无论", "不论", "随便", "没有"].iter().any(|w| prev.contains(w))
    })
}

/// A worry voiced (担心, 怕, 在意 …), not negated (不担心, 别怕) and not 恐怕/哪怕/可怕.
pub(crate) fn worry(c: &[char]) -> bool {
    WORRIES.iter().any(|w| {
        (0..c.len()).any(|i| {
            starts_with(&c[i..], w) && !(i > 0 && matches!(c[i - 1], '不' | '没' | '别' | '恐' | '哪' | '可' | '害'))
        })
    })
}

/// Whether normalized position `pos` of a turn sits in a question (the agent asking back, not
/// stating): its clause ends with `？` or has question grammar.
pub(crate) fn in_question(a: &Analyzed, pos: usize) -> bool {
    units(a)
        .into_iter()
        .find(|u| u.start <= pos && pos < u.end.max(u.start + 1))
        .is_some_and(|u| u.qmark || char_question(&content(&a.norm.chars[u.start..u.end])))
}

/// For a phrase at `start` found negated: where its negator starts (the evidence then shows
/// 不能退回, not 退回), and whether that negator is really an A-not-A question (能不能退回).
pub(crate) fn negator(a: &Analyzed, start: usize) -> (usize, bool) {
    let c = &a.norm.chars;
    let from = start.saturating_sub(4);
    for p in (from..start).rev() {
        if is_space_or_punct(c[p]) {
            break;
        }
        if matches!(c[p], '不' | '没' | '无' | '未' | '别' | '非') {
            let question = p >= 1 && p + 1 < c.len() && c[p - 1] == c[p + 1];
            return (p, question);
        }
    }
    (start, false)
}

/// The clause key used against the back-channel lists: content characters without edge
/// interjections and particles, without a leading 请问 / 那个 / 那.
pub(crate) fn backchannel_key(c: &[char]) -> String {
    let mut s = 0;
    let mut e = c.len();
    loop {
        let before = s;
        while s < e && LEADING.contains(&c[s]) {
            s += 1;
        }
        if let Some(lead) = ["请问", "那个", "那"].iter().find(|l| starts_with(&c[s..e], l)) {
            s += lead.chars().count();
        }
        if s == before {
            break;
        }
    }
    while e > s && TRAILING.contains(&c[e - 1]) {
        e -= 1;
    }
    c[s..e].iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::segment::Analyzer;
    use std::sync::LazyLock;

    static AN: LazyLock<Analyzer> = LazyLock::new(|| Analyzer::new(&[]));

    fn pos(a: &Analyzed, phrase: &str) -> usize {
        a.norm.text[..a.norm.text.find(phrase).expect("phrase present")].chars().count()
    }

    /// Issue 17: question scope reads across ASR pause and unknown-word marks (one clause);
    /// an A-not-A split by a pause is still a question, and its negator is found.
    #[test]
    fn question_scope_reads_across_asr_marks() {
        let a = AN.analyze("那个_流量包_[UNK]_能退吗");
        assert_eq!(units(&a).len(), 1);
        assert!(in_question(&a, pos(&a, "流量包")));
        let a = AN.analyze("我这个_能不能_退回来");
        assert!(in_question(&a, pos(&a, "退回")));
        assert_eq!(negator(&a, pos(&a, "退回")), (pos(&a, "不"), true));
        // A clause mark still ends the scope.
        let a = AN.analyze("流量包办好了。能退吗");
        assert!(!in_question(&a, pos(&a, "流量包")));
    }
}
