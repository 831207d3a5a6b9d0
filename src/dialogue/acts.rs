//! Dialogue acts read off one turn with general Chinese grammar: whether a "must go" is about
//! now or about later, whether the speaker tells the other side to go ahead, whether a clause
//! asks. Nothing here knows a script: the words that say *what* a turn is about come from the
//! rubric's signals; these only say *how* it is said.

use crate::text::question::{asks, backchannel_key, content, units};
use crate::text::segment::Analyzed;

/// Time words that put a "must go" later than now (我等会儿还有个会, 晚上要赶报告).
const LATER: &[&str] = &[
    "等会",
    "等一会",
    "待会",
    "一会儿",
    "一会",
    "过会",
    "过一会",
    "晚点",
    "晚些",
    "晚上",
    "下午",
    "明天",
    "后天",
    "改天",
    "下周",
    "回头",
    "以后",
    "过两天",
    "下班后",
    "分钟后",
    "点以后",
    "点之后",
    "小时后",
];

/// Habit, not the present (出差经常要开会).
const HABIT: &[&str] = &["经常", "常常", "老是", "总是", "平时", "一般", "每天", "天天", "老要", "经常性"];

/// Words that make it now whatever else the clause says (马上要进会, 现在在开车).
const NOW: &[&str] = &["马上", "现在就", "这就", "立刻", "正在", "赶着", "得走", "要走", "先挂", "挂了", "先这样"];

/// A concession that keeps the line open (不过现在能聊几句, 但可以简单说).
const CONCESSION: &[&str] = &["不过", "但是", "但", "可是"];
const CONCEDED: &[&str] =
    &["现在能", "现在可以", "能聊", "可以聊", "聊几句", "说几句", "能说", "可以说", "你说", "您说"];

/// Go-ahead phrases: the speaker lets the other side talk on (你说, 简单说, 说重点).
const GO_AHEAD: &[&str] = &[
    "你说",
    "您说",
    "说吧",
    "讲吧",
    "你讲",
    "您讲",
    "简单说",
    "简单讲",
    "简单介绍",
    "长话短说",
    "快说",
    "快点说",
    "说重点",
    "直接说",
    "接着说",
    "继续说",
    "你继续",
    "您继续",
    "说说看",
    "说来听听",
    "你快点",
    "快点讲",
    "能聊几句",
    "聊几句",
    "说几句",
    "简要",
    "请讲",
    "请说",
    "讲重点",
    "挑重点",
    "说明一下",
];

/// Characters after a go-ahead phrase that make it something else (你说的那个套餐, 你说过).
const NOT_AFTER_GO_AHEAD: &[char] = &['的', '得', '过', '了', '什', '怎', '这', '那', '是'];

fn contains_at(hay: &[char], needle: &str) -> Option<usize> {
    let n: Vec<char> = needle.chars().collect();
    if n.is_empty() || n.len() > hay.len() {
        return None;
    }
    (0..=hay.len() - n.len()).find(|&i| hay[i..i + n.len()] == n[..])
}

/// The clause holding normalized position `pos` (ASR pauses split clauses too).
fn clause_of(a: &Analyzed, pos: usize) -> (usize, usize) {
    a.clause_at(pos).unwrap_or((0, a.norm.chars.len()))
}

/// What follows a time word when it dates the call-back, not the busyness: 明天再打, 晚点再说,
/// 下周三下午再打给我 — a deferral, which ends the call now.
const CALL_BACK: &[&str] =
    &["再打", "再说", "再聊", "再联系", "再给我打", "打给我", "打过来", "联系我", "回电", "再讲"];

/// Whether the time word at `p` of `clause` dates a call-back (a call-back verb within a few
/// characters after it).
fn dates_call_back(clause: &[char], p: usize) -> bool {
    let tail = &clause[p..clause.len().min(p + 10)];
    CALL_BACK.iter().any(|w| contains_at(tail, w).is_some())
}

/// Whether a "must go" said at normalized `[start, end)` of a turn is about now: its clause has
/// no time word putting it later and no word of habit — unless a word of the present overrides
/// them or the clause ends in 了 (要进会了) — and the turn does not concede time right after it
/// (不过现在能聊几句).
pub fn leave_now(a: &Analyzed, start: usize, end: usize) -> bool {
    let (cs, ce) = clause_of(a, start);
    let clause = content(&a.norm.chars[cs..ce]);
    let has = |list: &[&str]| list.iter().any(|w| contains_at(&clause, w).is_some());
    let ends_le = clause.last() == Some(&'了') || clause.ends_with(&['了', '啊']) || clause.ends_with(&['了', '呀']);
    let later = LATER.iter().filter_map(|w| contains_at(&clause, w)).any(|p| !dates_call_back(&clause, p));
    let deferral = CALL_BACK.iter().any(|w| contains_at(&clause, w).is_some());
    let now = has(NOW) || ends_le || deferral;
    if has(HABIT) && !now {
        return false;
    }
    if later && !now {
        return false;
    }
    let rest = content(&a.norm.chars[end.min(a.norm.chars.len())..]);
    if let Some(p) = CONCESSION.iter().filter_map(|w| contains_at(&rest, w)).min() {
        let after = &rest[p..];
        if CONCEDED.iter().any(|w| contains_at(after, w).is_some()) {
            return false;
        }
    }
    true
}

/// The first go-ahead in a turn (normalized start), not 你说的 / 你说过.
pub fn go_ahead(a: &Analyzed) -> Option<usize> {
    let c = &a.norm.chars;
    GO_AHEAD
        .iter()
        .filter_map(|w| {
            let n = w.chars().count();
            (0..c.len().saturating_sub(n - 1))
                .filter(|&i| c[i..i + n].iter().copied().eq(w.chars()))
                .find(|&i| !c.get(i + n).is_some_and(|x| NOT_AFTER_GO_AHEAD.contains(x)))
        })
        .min()
}

/// The first clause of a turn that asks a real question (normalized start): question grammar,
/// not a back-channel (喂？ 是吗？) of two characters or fewer.
pub fn question(a: &Analyzed) -> Option<usize> {
    units(a).into_iter().find_map(|u| {
        let (asked, strong) = asks(a, u.start, u.end, u.qmark);
        let key = backchannel_key(&content(&a.norm.chars[u.start..u.end]));
        (asked && (strong || u.qmark) && key.chars().count() > 2).then_some(u.start)
    })
}

/// Whether the clause holding normalized position `pos` asks (a request put as a question:
/// 微信号多少？ 方便加个微信吗).
pub fn asks_at(a: &Analyzed, pos: usize) -> bool {
    units(a).into_iter().find(|u| u.start <= pos && pos < u.end.max(u.start + 1)).is_some_and(|u| {
        let (asked, _) = asks(a, u.start, u.end, u.qmark);
        asked
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::segment::Analyzer;

    fn leave(text: &str, cue: &str) -> bool {
        let a = Analyzer::new(&[]).analyze(text);
        let s = contains_at(&a.norm.chars, cue).expect("cue in text");
        leave_now(&a, s, s + cue.chars().count())
    }

    #[test]
    fn leaving_now_or_later() {
        assert!(leave("我要开会了，先这样。", "开会"));
        assert!(leave("哎，同事在喊我了，后面有会议要进了，资料你微信发我。", "会议要进"));
        assert!(leave("我在开车。", "在开车"));
        assert!(!leave("嗯，是我，什么事？我等会儿还有个会。", "有个会"));
        assert!(!leave("你快点啊，我五分钟后有个会。", "有个会"));
        assert!(!leave("我晚上还得赶个报告，不过现在能聊几句。", "赶个报告"));
        assert!(!leave("出差经常要开会。", "要开会"));
        assert!(leave("不好意思，我马上要进会了。", "进会"));
        assert!(leave("嗯 听起来可以 但我现在真没时间细聊 你下周三下午再打给我吧", "没时间"));
        assert!(leave("在忙，晚点再说。", "在忙"));
    }

    #[test]
    fn go_ahead_is_not_reported_speech() {
        let an = Analyzer::new(&[]);
        assert!(go_ahead(&an.analyze("行，你说，说重点。")).is_some());
        assert!(go_ahead(&an.analyze("我在忙，你简单说。")).is_some());
        assert!(go_ahead(&an.analyze("你说的那个套餐多少钱")).is_none());
    }

    #[test]
    fn questions_not_backchannels() {
        let an = Analyzer::new(&[]);
        assert!(question(&an.analyze("那价格呢？能便宜点吗？")).is_some());
        assert!(question(&an.analyze("喂？")).is_none());
        assert!(question(&an.analyze("好的，我知道了。")).is_none());
    }
}
