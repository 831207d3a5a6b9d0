//! Negation scope: is the phrase at a position governed by a negator (不能保证, 绝不泄露)?
//!
//! Deliberately local — one or two words back, same clause — because a negator further away
//! usually governs something else (不用担心，我们保证 … is still a guarantee).

use super::segment::Analyzed;

/// Words that negate what follows. 绝不/决不/从不 are emphatic but still negate the verb they
/// precede (绝不泄露 says nothing is leaked), so they count.
const NEGATORS: &[&str] = &[
    "不",
    "没",
    "没有",
    "别",
    "无",
    "未",
    "非",
    "并非",
    "不能",
    "不敢",
    "不会",
    "不可能",
    "无法",
    "不一定",
    "不用",
    "不要",
    "不必",
    "绝不",
    "决不",
    "从不",
    "从没",
    "从未",
    "并不",
    "并没有",
    "不是",
    "没法",
    "不得",
    "不该",
    "毫无",
];

/// The first characters of [`NEGATORS`] (a test keeps the two in step).
const NEGATOR_FIRST: &[char] = &['不', '没', '别', '无', '未', '非', '并', '绝', '决', '从', '毫'];

/// Prepositions that may stand between a negator and its verb (不敢跟您保证).
const PREPOSITIONS: &[&str] = &["跟", "和", "给", "向", "对", "为", "替", "帮"];

/// Pronouns that complete such a prepositional phrase.
const PRONOUNS: &[&str] = &["您", "你", "我", "他", "她", "我们", "你们", "您们", "他们", "大家", "客户"];

fn token_is(a: &Analyzed, i: usize, words: &[&str]) -> bool {
    let t = a.tokens[i];
    let chars = a.norm.chars.get(t.start..t.end).unwrap_or(&[]);
    words.iter().any(|w| w.chars().eq(chars.iter().copied()))
}

/// Single characters that negate the character right after them even inside a jieba token.
const NEGATOR_CHARS: &[char] = &['不', '没', '别', '未'];

/// True when a negator governs the phrase starting at normalized position `start`: within the
/// same clause, one of the one or two tokens right before it is a negator, or the character
/// right before it is 不/没/别/未. Never looks across punctuation; false for out-of-range input.
pub fn is_negated(a: &Analyzed, start: usize) -> bool {
    let chars = &a.norm.chars;
    if start == 0 || start > chars.len() {
        return false;
    }
    // The clause the phrase starts in (or, for a phrase starting right at a break, the clause
    // that ends there is not consulted: punctuation separates).
    let Some((clause_start, _)) = a.clause_at(start) else {
        return false;
    };
    if start > clause_start
        && NEGATOR_CHARS.contains(&chars[start - 1])
        && !a_not_a(chars, start - 1)
        && !conjunction(chars, start - 1)
    {
        return true;
    }
    let mut k = a.tokens.partition_point(|t| t.end <= start);
    // A negator still governs the verb across a short prepositional phrase: 不敢跟您保证,
    // 不会给您乱发, 不能向你承诺.
    if k >= 2 && token_is(a, k - 1, PRONOUNS) && token_is(a, k - 2, PREPOSITIONS) {
        k -= 2;
    }
    a.tokens[..k]
        .iter()
        .rev()
        .take(2)
        .filter(|t| t.start >= clause_start && t.start <= t.end && t.end <= chars.len())
        .any(|t| {
            let word = &chars[t.start..t.end];
            // Every negator starts with one of a few characters: most tokens stop here.
            word.first().is_some_and(|c| NEGATOR_FIRST.contains(c))
                && NEGATORS.iter().any(|w| w.chars().eq(word.iter().copied()))
                && !a_not_a(chars, t.start)
                && !conjunction(chars, t.start)
        })
}

/// True when the 不 at `i` ends the conjunction 要不 ("how about", 要不我先帮您办上): it
/// proposes; it negates nothing.
fn conjunction(chars: &[char], i: usize) -> bool {
    i > 0 && chars.get(i) == Some(&'不') && chars[i - 1] == '要' && chars.get(i + 1) != Some(&'要')
}

/// True when the 不/没 at `i` is the middle of an A-not-A question (会不会, 是不是, 有没有, 可不可以):
/// the character before it is the one after it. Such a question asks; it negates nothing
/// (会不会泄露 worries about a leak).
fn a_not_a(chars: &[char], i: usize) -> bool {
    i > 0 && matches!(chars.get(i), Some('不' | '没')) && chars.get(i + 1).is_some_and(|&c| c == chars[i - 1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::segment::Analyzer;
    use std::sync::LazyLock;

    static AN: LazyLock<Analyzer> = LazyLock::new(|| Analyzer::new(&[]));

    fn negated(text: &str, phrase: &str) -> bool {
        let a = AN.analyze(text);
        let pos = a.norm.text.find(phrase).expect("phrase present");
        let start = a.norm.text[..pos].chars().count();
        is_negated(&a, start)
    }

    #[test]
    fn negators_before() {
        assert!(negated("不能保证", "保证"));
        assert!(negated("我们不能保证一定成功", "保证"));
        assert!(negated("绝不泄露您的信息", "泄露"));
        assert!(negated("我们不会泄露", "泄露"));
        assert!(negated("决不泄露", "泄露"));
        assert!(negated("没有任何额外费用", "额外费用"));
        assert!(negated("不保证", "保证"));
        assert!(negated("這個不能保證", "保证"));
        assert!(negated("我不敢跟您保证", "保证"));
        assert!(negated("我们不会给您乱发", "乱发"));
    }

    /// Issue 17: an ASR pause mark is no clause break, so a negator governs across it; a
    /// clause mark still stops it.
    #[test]
    fn negation_reads_across_asr_pauses() {
        assert!(negated("我们_不能_保证_今天一定到", "保证"));
        assert!(negated("我们不会_给您_乱发", "乱发"));
        assert!(negated("绝_不泄露您的信息", "泄露"));
        assert!(negated("不_[UNK]_保证", "保证"));
        assert!(!negated("不会的_放心，保证给您办好", "保证"));
    }

    #[test]
    fn not_negated() {
        assert!(!negated("我们保证", "保证"));
        assert!(!negated("不用担心我们保证", "保证"));
        assert!(!negated("不用担心，保证没问题", "保证"));
        assert!(!negated("不会的，保证", "保证"));
        assert!(!negated("保证", "保证"));
        assert!(!negated("别人保证", "保证"));
        assert!(!negated("我跟您保证", "保证"));
        assert!(!negated("不用担心，我跟您保证", "保证"));
        // A-not-A questions ask; they do not negate.
        assert!(!negated("会不会泄露", "泄露"));
        assert!(!negated("你们是不是保证", "保证"));
        assert!(!negated("有没有额外费用", "额外费用"));
        assert!(!negated("可不可以保证", "保证"));
        assert!(negated("会不会不保证", "保证"));
        // 要不 proposes (how about …); it negates nothing.
        assert!(!negated("要不我先帮您办上", "我先帮您办上"));
        assert!(negated("我们不要保证", "保证"));
    }

    #[test]
    fn first_characters_cover_every_negator() {
        for w in NEGATORS {
            assert!(NEGATOR_FIRST.contains(&w.chars().next().unwrap()), "{w}");
        }
    }

    #[test]
    fn out_of_range_is_false() {
        let a = AN.analyze("不能保证");
        assert!(!is_negated(&a, 0));
        assert!(!is_negated(&a, 99));
        let e = AN.analyze("");
        assert!(!is_negated(&e, 0));
        assert!(!is_negated(&e, 1));
    }
}
