//! The `answers` criterion: every customer question (or raised concern) that the rubric's
//! `[knowledge]` base knows must be addressed by the agent with the approved facts — not dodged,
//! not contradicted, not answered with facts the knowledge base does not have; questions it does
//! not know are listed for the knowledge base's authors.
//!
//! How a call is judged:
//!
//! 1. Every customer turn followed by an agent turn is cut into clauses at punctuation (not at
//!    spaces), and a clause into the scopes a question can govern: a scope ends after a
//!    sentence-final particle and before a topic connective (价格吧 | 还有流量够不够: the reply to
//!    the agent's choice question is not asked about). A clause *asks* when it has
//!    question grammar — `？`, a final 吗/呢/么, an A-not-A form (能不能, 有没有, 改回老套餐不),
//!    a question word (多少, 怎么, 什么, 啥, 哪, 几, 为什么 …, not in 什么都 / 没什么 / 办个什么),
//!    a lead-in (请问, 想问) or a worry (担心, 怕, 在意, 万一) — or matches `knowledge.questions`.
//! 2. Each clause is matched, as a turn of its own, against every entry's `ask` cues with the
//!    same machinery as steps ([`CallContext::matches`]: tokens, synonyms, homophones, fuzzy,
//!    model questions); an entry counts in an asking clause, or in any clause with
//!    `statements = true`. One record per turn and entry.
//! 3. The next `within` agent turns are read in order: a turn that contradicts the entry
//!    (its `contradicts` cues, or a key fact said negated — 不能退回 — outside a question and
//!    outside an A-not-A form) makes it `contradicted`; a turn with claims beyond it (its
//!    `unsupported` cues, or a number in a unit of `[[facts]]` that no fact has) `unsupported`;
//!    a turn carrying `min_facts` key facts (counted over the window so far) or similar enough
//!    to the model answer `answered`. Failing that, the `lookback` agent turns right before the
//!    question (it had just been explained), then, with `late`, any later agent turn may answer
//!    it; otherwise it is `unanswered`.
//! 4. An asking clause that matches no entry is `unmatched`, unless it is a back-channel
//!    (喂？ 哪位？ 是吗？), an identity or rhetorical line (你哪儿的？ 急什么？), a short echo of
//!    what the agent just said (全网最低？), or matches `knowledge.ignore`.
//!
//! Rules of type `answer` turn outcomes into findings. A wrong answer breaks two promises at
//! once and each criterion reports its own: an invented price is `OP002` (over-promise) *and* an
//! unsupported answer, an ignored privacy worry `PV002` *and* an unanswered question, so the
//! `answers` criterion fails whenever a question the knowledge base knows went wrong.

use super::context::CallContext;
use super::result::{Finding, QuestionResult};
use super::rules::{self, fill};
use crate::rubric::compile::{CompiledCues, CompiledEntry, CompiledKnowledge, CompiledRule};
use crate::rubric::model::{QuestionStatus, RuleKind};
use crate::text::question::{asks, backchannel_key, contains, content, in_question, negator, scopes, units};
use crate::transcript::{Role, Transcript, Turn};
use std::collections::{BTreeMap, BTreeSet};

/// What the `answers` criterion produced for one call.
#[derive(Debug, Default)]
pub struct AnswersOutcome {
    /// Every question and raised concern, in turn order.
    pub questions: Vec<QuestionResult>,
    /// Findings of the rubric's `answer` rules.
    pub findings: Vec<Finding>,
    /// Criteria with an `answer` rule that applied (a question of its entries was asked).
    pub applicable: BTreeSet<String>,
}

/// Short questions that are not questions to the knowledge base: back-channels, greetings,
/// checks of the line, "who is this". Compared with the whole clause, particles aside.
const BACKCHANNEL: &[&str] = &[
    "你好",
    "您好",
    "哪位",
    "是哪位",
    "您是哪位",
    "你是哪位",
    "你是",
    "您是",
    "谁",
    "谁呀",
    "你谁",
    "你是谁",
    "您是谁",
    "哪里",
    "哪儿",
    "你哪里",
    "你哪位",
    "是吗",
    "是嘛",
    "真的吗",
    "真的",
    "真的假的",
    "假的吧",
    "是不是",
    "是吧",
    "对吧",
    "对吗",
    "对不对",
    "好吗",
    "好不好",
    "行吗",
    "行不行",
    "可以吗",
    "什么",
    "啥",
    "啥呀",
    "什么呀",
    "什么事",
    "啥事",
    "什么事情",
    "啥事情",
    "有事吗",
    "有事",
    "有什么事",
    "有什么事吗",
    "有什么事情",
    "有什么事情吗",
    "有啥事",
    "有啥事吗",
    "干嘛",
    "干啥",
    "干嘛呢",
    "怎么了",
    "咋了",
    "怎么啦",
    "然后呢",
    "还有呢",
    "在吗",
    "听得到吗",
    "听得见吗",
    "能听到吗",
    "听到吗",
    "听见吗",
    "听得清吗",
    "你说什么",
    "说什么",
    "什么意思",
    "啥意思",
    "再说一遍",
    "你再说一遍",
    "能再说一遍吗",
    "我吗",
    "是我吗",
    "你呢",
    "您呢",
    "怎么说",
    "这么多",
    "这么贵",
    "这么便宜",
];

/// Identity and rhetorical lines: a short asking clause containing one of these is not a
/// question for the knowledge base (who is calling is judged by `style`).
const NOT_KB: &[&str] = &[
    "哪位",
    "哪家",
    "哪个公司",
    "什么公司",
    "是谁",
    "谁啊",
    "谁呀",
    "哪儿的",
    "哪里的",
    "哪的",
    "你是哪",
    "急什么",
    "什么态度",
    "干什么的",
    "搞什么",
    "什么鬼",
];

/// A customer clause kept for matching: its turn, original span and question grammar.
#[derive(Debug, Clone, Copy)]
struct Clause {
    turn: usize,
    span: [usize; 2],
    /// Asks by its grammar.
    asks: bool,
    /// Asks by more than a `？`.
    strong: bool,
}

/// One known question being judged.
struct Asked {
    turn: usize,
    span: [usize; 2],
    entry: Option<usize>,
    status: QuestionStatus,
    answered_turn: Option<usize>,
    /// Evidence (turn, normalized range) of a contradiction or unsupported claim.
    evidence: Vec<(usize, usize, usize)>,
}

/// Judges every customer question of the call.
pub fn evaluate(ctx: &CallContext) -> AnswersOutcome {
    let Some(k) = &ctx.rubric.knowledge else {
        return AnswersOutcome::default();
    };
    let agent_turns = ctx.turns_of(crate::rubric::model::RoleSel::Agent);
    let last_agent = agent_turns.last().copied();

    // 1. The clauses of the customer turns that an agent turn follows that ask (or could raise
    //    an entry with `statements`), each analyzed again on its own.
    let mut meta: Vec<Clause> = Vec::new();
    let mut unit_turns: Vec<Turn> = Vec::new();
    for t in 0..ctx.turns.len() {
        if ctx.role(t) != Role::Customer || last_agent.is_none_or(|l| l < t) {
            continue;
        }
        let a = &ctx.turns[t].text;
        if !worth_a_look(ctx, k, t) {
            continue;
        }
        let statements = k.entries.iter().any(|e| e.statements && ctx.matches(&e.ask, t).is_some());
        let original = &ctx.transcript.turns[t].text;
        // A question governs its scope, not the whole clause (价格吧 | 还有流量够不够).
        for u in units(a).into_iter().flat_map(|u| scopes(a, u)) {
            let (oa, ob) = a.norm.to_original(u.start, u.end);
            let grammar = asks(a, u.start, u.end, u.qmark);
            if oa >= ob || !(grammar.0 || statements || k.questions.is_some()) {
                continue;
            }
            let text: String = original.chars().skip(oa).take(ob - oa).collect();
            unit_turns.push(Turn {
                speaker: String::new(),
                role: Role::Customer,
                text,
                start: None,
                end: None,
                pos: Default::default(),
                sentences: Vec::new(),
                meta: Default::default(),
            });
            meta.push(Clause { turn: t, span: [oa, ob], asks: grammar.0, strong: grammar.1 });
        }
    }
    let clauses = Transcript {
        id: ctx.transcript.id.clone(),
        source: ctx.transcript.source.clone(),
        meta: BTreeMap::new(),
        turns: unit_turns,
        roles: Vec::new(),
    };
    let sub = CallContext::new(ctx.rubric, &clauses);

    // 2. Which entries each clause raises; unknown questions.
    let mut asked: Vec<Asked> = Vec::new();
    let mut seen: BTreeSet<(usize, usize)> = BTreeSet::new();
    // Per clause: asks, only-？, raised an entry.
    let mut kinds: Vec<(bool, bool, bool)> = Vec::with_capacity(meta.len());
    for (i, &Clause { turn: t, span, asks: is_question, strong }) in meta.iter().enumerate() {
        let is_question = is_question || k.questions.as_ref().is_some_and(|q| sub.matches(q, i).is_some());
        let mut any = false;
        for (ei, e) in k.entries.iter().enumerate() {
            if !(e.statements || is_question) || sub.matches(&e.ask, i).is_none() {
                continue;
            }
            any = true;
            if seen.insert((t, ei)) {
                asked.push(Asked {
                    turn: t,
                    span,
                    entry: Some(ei),
                    status: QuestionStatus::Unanswered,
                    answered_turn: None,
                    evidence: Vec::new(),
                });
            }
        }
        kinds.push((is_question, strong, any));
    }
    for (i, &Clause { turn: t, span, .. }) in meta.iter().enumerate() {
        let (is_question, strong, any) = kinds[i];
        if any || !is_question || not_for_kb(ctx, k, &sub, i, t, strong) {
            continue;
        }
        // A short follow-up right next to a clause that raised an entry is part of that
        // question (我挺在意返现和积分的，这个有吗？).
        let raised_next_door = [i.checked_sub(1), Some(i + 1)]
            .into_iter()
            .flatten()
            .any(|j| meta.get(j).is_some_and(|m| m.turn == t) && kinds.get(j).is_some_and(|x| x.2));
        if raised_next_door && content(&sub.turns[i].text.norm.chars).len() <= 6 {
            continue;
        }
        asked.push(Asked {
            turn: t,
            span,
            entry: None,
            status: QuestionStatus::Unmatched,
            answered_turn: None,
            evidence: Vec::new(),
        });
    }
    asked.sort_by_key(|q| (q.turn, q.span[0], q.entry.unwrap_or(usize::MAX)));

    // 3. What the agent made of each known question.
    for q in asked.iter_mut() {
        if let Some(ei) = q.entry {
            judge(ctx, k, &k.entries[ei], &agent_turns, q);
        }
    }

    // 4. Findings from the `answer` rules.
    let mut out = AnswersOutcome::default();
    let mut codes: Vec<Option<String>> = vec![None; asked.len()];
    for rule in ctx.rubric.rules.iter().filter(|r| r.kind == RuleKind::Answer) {
        let Some(status) = rule.status else { continue };
        let covers = |q: &Asked| match q.entry {
            Some(ei) => rule.entries.is_empty() || rule.entries.contains(&ei),
            None => rule.entries.is_empty(),
        };
        if status != QuestionStatus::Unmatched && asked.iter().any(|q| q.entry.is_some() && covers(q)) {
            out.applicable.insert(rule.criterion.clone());
        }
        for (qi, q) in asked.iter().enumerate() {
            if q.status != status || !covers(q) {
                continue;
            }
            let entry = q.entry.map(|ei| &k.entries[ei]);
            // Evidence: the asking clause, or the first contradicting / unsupported characters.
            let (t, span) = match q.evidence.first() {
                None => (q.turn, q.span),
                Some(&(t, s, e)) => {
                    let (a, b) = ctx.turns[t].text.norm.to_original(s, e);
                    (t, [a, b])
                }
            };
            let f = finding(ctx, rule, q, entry, t, span);
            codes[qi] = Some(f.code.clone());
            out.findings.push(f);
        }
    }

    out.questions = asked
        .iter()
        .zip(codes)
        .map(|(q, code)| QuestionResult {
            turn: q.turn,
            span: q.span,
            entry: q.entry.map(|ei| k.entries[ei].id.clone()),
            status: q.status,
            answered_turn: q.answered_turn,
            code,
        })
        .collect();
    let order: BTreeMap<&str, usize> = k.entries.iter().enumerate().map(|(i, e)| (e.id.as_str(), i)).collect();
    out.questions.sort_by_key(|q| {
        (q.turn, q.span[0], q.entry.as_deref().and_then(|e| order.get(e).copied()).unwrap_or(usize::MAX))
    });
    out
}

/// A cheap look at the whole customer turn `t`: can one of its clauses ask something or raise
/// an entry? Turns that cannot (嗯, 你说, 不太够) are not cut into clauses and analyzed again.
/// Only entries with `statements = true` can be raised by a clause that does not ask.
fn worth_a_look(ctx: &CallContext, k: &CompiledKnowledge, t: usize) -> bool {
    let a = &ctx.turns[t].text;
    a.norm.chars.iter().any(|&c| matches!(c, '？' | '?' | '吗' | '呢' | '么'))
        || asks(a, 0, a.norm.chars.len(), false).0
        || k.questions.as_ref().is_some_and(|q| ctx.matches(q, t).is_some())
        || k.entries.iter().any(|e| e.statements && ctx.matches(&e.ask, t).is_some())
}

/// Whether an asking clause that matches no entry is still not a question for the knowledge
/// base: a back-channel, an identity or rhetorical line, an echo of the agent, or `ignore`.
fn not_for_kb(ctx: &CallContext, k: &CompiledKnowledge, sub: &CallContext, i: usize, t: usize, strong: bool) -> bool {
    let c = content(&sub.turns[i].text.norm.chars);
    let key = backchannel_key(&c);
    let n = key.chars().count();
    if n <= 1 && !key.chars().any(|x| x == '啥') {
        return true;
    }
    if BACKCHANNEL.contains(&key.as_str()) || k.backchannel.iter().any(|b| b == &key) {
        return true;
    }
    let kc: Vec<char> = key.chars().collect();
    if n <= 10 && NOT_KB.iter().any(|w| contains(&kc, w)) {
        return true;
    }
    // Only a `？` on a few characters: an echo or an exclamation (这么多？ 送手机？).
    if !strong && n <= 5 {
        return true;
    }
    // No topic left once the question words, pronouns and worry words are set aside: a
    // follow-up to the clause before (我比较在意这个) or a garbled line (怎么对？), nothing a
    // knowledge-base author could write an entry for.
    if topic_chars(&kc) < 2 {
        return true;
    }
    // Repeats what the agent just said (全网最低？).
    if n >= 2
        && let Some(prev) = (0..t).rev().find(|&p| ctx.role(p) == Role::Agent)
        && contains(&content(&ctx.turns[prev].text.norm.chars), &key)
    {
        return true;
    }
    k.ignore.as_ref().is_some_and(|g| sub.matches(g, i).is_some())
}

/// Words that carry no topic of their own in a customer's question: question words, pronouns,
/// degree and worry words, copulas and particles. Longest first (matched greedily).
const NO_TOPIC: &[&str] = &[
    "为什么",
    "比较",
    "怎么",
    "怎样",
    "什么",
    "这个",
    "那个",
    "这样",
    "那样",
    "在意",
    "担心",
    "我们",
    "你们",
    "有点",
    "还是",
    "就是",
    "这",
    "那",
    "我",
    "你",
    "您",
    "他",
    "她",
    "它",
    "很",
    "挺",
    "太",
    "也",
    "都",
    "还",
    "就",
    "对",
    "是",
    "的",
    "了",
    "吗",
    "呢",
    "么",
    "吧",
    "啊",
    "呀",
    "嘛",
    "哦",
    "啥",
    "哪",
    "谁",
    "几",
    "咋",
    "怕",
];

/// How many characters of `key` are not in [`NO_TOPIC`] words.
fn topic_chars(key: &[char]) -> usize {
    let mut i = 0;
    let mut n = 0;
    while i < key.len() {
        match NO_TOPIC.iter().find(|w| crate::text::question::starts_with(&key[i..], w)) {
            Some(w) => i += w.chars().count(),
            None => {
                n += 1;
                i += 1;
            }
        }
    }
    n
}

/// The key facts (indices) turn `r` carries.
fn facts_in(ctx: &CallContext, e: &CompiledEntry, r: usize) -> BTreeSet<usize> {
    let numbers = &ctx.turns[r].text.numbers;
    e.facts
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.cues.as_ref().is_some_and(|c| ctx.matches(c, r).is_some())
                || f.fact.and_then(|i| ctx.rubric.facts.get(i)).is_some_and(|fact| {
                    numbers.iter().any(|n| n.unit == fact.unit && (n.value - fact.value).abs() < 1e-6)
                })
        })
        .map(|(i, _)| i)
        .collect()
}

fn similar(ctx: &CallContext, e: &CompiledEntry, r: usize) -> bool {
    e.answer_cues.as_ref().is_some_and(|c| ctx.matches(c, r).is_some())
}

/// Where turn `r` contradicts the entry (normalized range; the earliest when several
/// statements do), if it does.
fn contradiction(ctx: &CallContext, e: &CompiledEntry, r: usize) -> Option<(usize, usize)> {
    let a = &ctx.turns[r].text;
    let mut found: Vec<(usize, usize)> = Vec::new();
    if let Some(m) = e.contradicts.as_ref().and_then(|c| ctx.matches(c, r)) {
        let c = &a.norm.chars;
        let question_form = m.start >= 1
            && m.start + 1 < c.len()
            && matches!(c[m.start], '不' | '没')
            && c[m.start - 1] == c[m.start + 1];
        if !question_form && !in_question(a, m.start) {
            found.push((m.start, m.end));
        }
    }
    if e.contradict_negated {
        for f in &e.facts {
            let (Some(affirmed), Some(any)) = (&f.cues, &f.any_polarity) else { continue };
            if ctx.matches(affirmed, r).is_some() {
                continue;
            }
            if let Some(m) = ctx.matches(any, r) {
                let (neg, question_form) = negator(a, m.start);
                if !question_form && neg < m.start && !in_question(a, m.start) {
                    found.push((neg, m.end));
                }
            }
        }
    }
    found.into_iter().min()
}

/// Claims of turn `r` beyond the entry's approved answer (normalized ranges): its `unsupported`
/// cues, and numbers in a unit of the facts that no fact has; not inside the agent's own questions.
fn unsupported(ctx: &CallContext, k: &CompiledKnowledge, e: &CompiledEntry, r: usize) -> Vec<(usize, usize)> {
    let a = &ctx.turns[r].text;
    let mut out = Vec::new();
    if let Some(m) = e.unsupported.as_ref().and_then(|c: &CompiledCues| ctx.matches(c, r))
        && !in_question(a, m.start)
    {
        out.push((m.start, m.end));
    }
    // A number the rubric's `claims` rules say is no claim (耽误您一分钟) is none here either.
    let not_a_claim = |start: usize| {
        ctx.rubric.rules.iter().any(|rule| rule.kind == RuleKind::Claims && rules::number_exempt(ctx, rule, r, start))
    };
    for n in &a.numbers {
        if !k.units.contains(&n.unit) || in_question(a, n.start) || not_a_claim(n.start) {
            continue;
        }
        if !ctx.rubric.facts.iter().any(|f| f.unit == n.unit && (f.value - n.value).abs() < 1e-6) {
            out.push((n.start, n.end));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Reads the agent's turns around question `q` and sets its status.
fn judge(ctx: &CallContext, k: &CompiledKnowledge, e: &CompiledEntry, agent_turns: &[usize], q: &mut Asked) {
    let after: Vec<usize> = agent_turns.iter().copied().filter(|&r| r > q.turn).collect();
    let mut carried: BTreeSet<usize> = BTreeSet::new();
    for &r in after.iter().take(k.within) {
        if let Some((s, t)) = contradiction(ctx, e, r) {
            q.status = QuestionStatus::Contradicted;
            q.answered_turn = Some(r);
            q.evidence = vec![(r, s, t)];
            return;
        }
        carried.extend(facts_in(ctx, e, r));
        let claims = unsupported(ctx, k, e, r);
        if !claims.is_empty() {
            q.status = QuestionStatus::Unsupported;
            q.answered_turn = Some(r);
            q.evidence = claims.into_iter().map(|(s, t)| (r, s, t)).collect();
            return;
        }
        if carried.len() >= e.min_facts || similar(ctx, e, r) {
            q.status = QuestionStatus::Answered;
            q.answered_turn = Some(r);
            return;
        }
    }
    let answers = |r: usize| {
        (facts_in(ctx, e, r).len() >= e.min_facts || similar(ctx, e, r)) && contradiction(ctx, e, r).is_none()
    };
    // Just explained: the customer asks about what the agent said a moment ago.
    let before: Vec<usize> = agent_turns.iter().copied().filter(|&r| r < q.turn).collect();
    if let Some(r) = before.iter().rev().take(k.lookback).copied().find(|&r| answers(r)) {
        q.status = QuestionStatus::Answered;
        q.answered_turn = Some(r);
        return;
    }
    // Came back to it later in the call.
    if k.late
        && let Some(r) = after.iter().skip(k.within).copied().find(|&r| answers(r))
    {
        q.status = QuestionStatus::Answered;
        q.answered_turn = Some(r);
    }
}

fn finding(
    ctx: &CallContext,
    rule: &CompiledRule,
    q: &Asked,
    entry: Option<&CompiledEntry>,
    t: usize,
    span: [usize; 2],
) -> Finding {
    let original = &ctx.transcript.turns[t].text;
    let excerpt = super::context::excerpt(original, span[0], span[1]);
    let question = super::context::excerpt(&ctx.transcript.turns[q.turn].text, q.span[0], q.span[1]);
    let turn = t.to_string();
    let answer_turn = q.answered_turn.map(|r| r.to_string()).unwrap_or_default();
    let title = entry.map(|e| e.title.as_str()).unwrap_or("");
    let id = entry.map(|e| e.id.as_str()).unwrap_or("");
    let answer = entry.and_then(|e| e.answer.as_deref()).unwrap_or("");
    let vars: [(&str, &str); 8] = [
        ("excerpt", &excerpt),
        ("turn", &turn),
        ("phrase", &excerpt),
        ("question", &question),
        ("entry", title),
        ("entry_id", id),
        ("answer", answer),
        ("answer_turn", &answer_turn),
    ];
    let help = match &rule.help {
        Some(h) => Some(fill(h, &vars)),
        None => entry.and_then(|e| e.answer.clone()),
    };
    Finding {
        code: rule.code.clone(),
        criterion: rule.criterion.clone(),
        severity: rule.severity,
        turn: t,
        span,
        message: fill(&rule.message, &vars),
        excerpt,
        rule: rule.id.clone(),
        help,
        at_s: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::result::CallResult;
    use crate::text::segment::Analyzed;

    /// Another team's script (broadband renewal): its own knowledge base, codes and wording,
    /// no code changes.
    const BROADBAND: &str = r#"
[rubric]
id = "bb"
version = "1"

[roles]
agent = ["王芳"]
customer = ["客户"]

[[facts]]
id = "annual_price"
value = 1200
unit = "元"

[knowledge]
backchannel = ["喂喂"]

[[knowledge.entries]]
id = "speed"
title = "网速多少"
ask = { any = ["网速", "多快", "带宽"] }
answer = "包年套餐是500M光纤。"
facts = [{ id = "500m", cues = { regex = ['500\s*(m|兆)'] } }]
contradicts = { regex = ['(100|200)\s*(m|兆)'] }

[[knowledge.entries]]
id = "price"
ask = { any = ["多少钱", "价格"] }
facts = [{ fact = "annual_price" }]

[[knowledge.entries]]
id = "router"
kind = "concern"
ask = { any = ["路由器", "光猫"] }
facts = [{ cues = { any = ["免费换", "免费更换"] } }]

[[rules]]
id = "q-unanswered"
code = "BB101"
criterion = "answers"
type = "answer"
status = "unanswered"
severity = "major"
message = "没回答：{question}（{entry}）"

[[rules]]
id = "q-contradicted"
code = "BB102"
criterion = "answers"
type = "answer"
status = "contradicted"
severity = "critical"
message = "与知识库相反：{excerpt}"
help = "应答：{answer}"

[[rules]]
id = "q-unsupported"
code = "BB103"
criterion = "answers"
type = "answer"
status = "unsupported"
severity = "major"
entries = ["price"]
message = "价格不对：{excerpt}"

[[rules]]
id = "q-unknown"
code = "BB104"
criterion = "answers"
type = "answer"
status = "unmatched"
severity = "info"
message = "未知问题：{question}"
"#;

    fn score(rubric: &str, call: &str) -> CallResult {
        let rubric = crate::rubric::from_str("bb.toml", rubric).unwrap();
        let engine = crate::Engine::new(rubric, crate::Options::default());
        engine.score_bytes("call.txt", call.as_bytes()).remove(0).unwrap()
    }

    fn statuses(r: &CallResult) -> Vec<(usize, Option<&str>, &str, Option<usize>)> {
        r.questions.iter().map(|q| (q.turn, q.entry.as_deref(), q.status.as_str(), q.answered_turn)).collect()
    }

    #[test]
    fn another_rubric_defines_its_own_knowledge_base() {
        let r = score(
            BROADBAND,
            "王芳：您好，东方宽带续费提醒。\n客户：网速多快？\n王芳：包年是200兆的。\n客户：多少钱？\n王芳：一年999元。\n\
             客户：喂喂？路由器坏了能换吗？\n王芳：这个我记一下。\n客户：那能开发票吗？\n王芳：好的，再见。\n",
        );
        assert_eq!(
            statuses(&r),
            vec![
                (1, Some("speed"), "contradicted", Some(2)),
                (3, Some("price"), "unsupported", Some(4)),
                (5, Some("router"), "unanswered", None),
                (7, None, "unmatched", None),
            ]
        );
        let codes: Vec<(&str, usize, &str)> =
            r.findings.iter().map(|f| (f.code.as_str(), f.turn, f.excerpt.as_str())).collect();
        assert_eq!(
            codes,
            vec![
                ("BB102", 2, "200兆"),
                ("BB103", 4, "999元"),
                ("BB101", 5, "路由器坏了能换吗"),
                ("BB104", 7, "那能开发票吗")
            ]
        );
        let contradicted = &r.findings[0];
        assert_eq!(contradicted.help.as_deref(), Some("应答：包年套餐是500M光纤。"));
        let answers = r.criteria.iter().find(|c| c.id == "answers").unwrap();
        assert_eq!((answers.score, answers.passed), (Some(0.0), Some(false)));
        assert!(r.auto_fail);
    }

    /// BROADBAND with a `claims` rule of its own: numbers in 元 no fact has are over-promises,
    /// except a refundable deposit (its clause names 押金).
    fn with_claims() -> String {
        format!(
            "{BROADBAND}\n[[rules]]\nid = \"bb-number\"\ncode = \"BB201\"\ncriterion = \"overpromise\"\n\
             type = \"claims\"\nseverity = \"critical\"\nmessage = \"数字{{value}}\"\nunits = [\"元\"]\n\
             cues = {{ any = [\"押金\"] }}\n"
        )
    }

    #[test]
    fn a_wrong_answer_fails_answers_even_when_another_criterion_reports_it() {
        // 999元 is an invented price: the over-promise rule reports it, and the customer's
        // question was answered with it, so `answers` fails too.
        let r = score(&with_claims(), "王芳：您好，宽带续费。\n客户：多少钱？\n王芳：一年999元。\n");
        let codes: Vec<(&str, &str)> = r.findings.iter().map(|f| (f.code.as_str(), f.excerpt.as_str())).collect();
        assert_eq!(codes, vec![("BB103", "999元"), ("BB201", "999元")]);
        let passed = |id: &str| r.criteria.iter().find(|c| c.id == id).unwrap().passed;
        assert_eq!((passed("answers"), passed("overpromise")), (Some(false), Some(false)));
        assert_eq!(r.questions[0].code.as_deref(), Some("BB103"));
        // A contradiction likewise, and an unanswered question whatever else is found.
        let r = score(&with_claims(), "王芳：您好。\n客户：网速多快？\n王芳：包年是200兆的，一年999元。\n");
        assert_eq!(r.criteria.iter().find(|c| c.id == "answers").unwrap().passed, Some(false));
    }

    #[test]
    fn a_number_the_claims_rule_exempts_is_no_unsupported_answer() {
        // 押金200元 is exempt from the claims rule: the same number does not make the answer
        // unsupported, and the approved 1200元 answers the question.
        let r = score(&with_claims(), "王芳：您好。\n客户：多少钱？\n王芳：一年1200元，押金200元。\n");
        assert_eq!(statuses(&r), vec![(1, Some("price"), "answered", Some(2))]);
        assert!(r.findings.is_empty(), "{:?}", r.findings);
    }

    #[test]
    fn answered_questions_and_na() {
        let r = score(BROADBAND, "王芳：您好。\n客户：网速多快？\n王芳：包年是500M光纤，一年1200元。\n");
        assert_eq!(statuses(&r), vec![(1, Some("speed"), "answered", Some(2))]);
        assert!(r.findings.is_empty());
        // Nothing asked: N/A, never a pass.
        let r = score(BROADBAND, "王芳：您好，宽带要到期了。\n客户：好的。\n王芳：再见。\n");
        assert!(r.questions.is_empty());
        let answers = r.criteria.iter().find(|c| c.id == "answers").unwrap();
        assert_eq!((answers.score, answers.passed), (None, None));
        // Only unknown questions: listed, but nothing the knowledge base could judge.
        let r = score(BROADBAND, "王芳：您好。\n客户：能开发票吗？\n王芳：可以。\n");
        assert_eq!(statuses(&r), vec![(1, None, "unmatched", None)]);
        let answers = r.criteria.iter().find(|c| c.id == "answers").unwrap();
        assert_eq!(answers.passed, None);
    }

    #[test]
    fn a_question_at_the_very_end_is_not_judged() {
        let r = score(BROADBAND, "王芳：您好，宽带要到期了。\n客户：网速多快？\n");
        assert!(r.questions.is_empty());
    }

    #[test]
    fn no_knowledge_section_no_questions() {
        let rubric = "[rubric]\nid = \"x\"\nversion = \"1\"\n[[steps]]\nid = \"hi\"\ncues = { any = [\"您好\"] }\n";
        let r = score(rubric, "王芳：您好。\n客户：网速多快？\n王芳：很快。\n");
        assert!(r.questions.is_empty());
        assert!(r.criteria.iter().all(|c| c.id != "answers"));
    }

    fn analyzed(text: &str) -> Analyzed {
        crate::text::segment::Analyzer::new(&[]).analyze(text)
    }

    fn is_q(text: &str) -> bool {
        let a = analyzed(text);
        units(&a).iter().any(|u| asks(&a, u.start, u.end, u.qmark).0)
    }

    #[test]
    fn question_grammar() {
        for q in [
            "能不能退回去",
            "还能换回原来的吗",
            "可以改回老套餐不",
            "价格呢",
            "这个一个月多少钱",
            "有没有点儿这种福利",
            "线下怎么办理",
            "你们会不会泄露我信息",
            "我担心信号不好",
            "用的人多吗",
            "有啥区别么",
            "售后靠谱吗？",
            "请问线下能办理",
            "是否可以随时恢复到原来的套餐",
            "能否线下办理",
        ] {
            assert!(is_q(q), "{q} should ask");
        }
        for s in [
            "我现在这套餐够用了，不换了",
            "什么都行",
            "没什么问题",
            "我之前办个什么优惠",
            "我还在开会呢，晚点说",
            "流量不太够，月底老提示",
            "不担心这个",
            "看不看都行",
            "我也不",
        ] {
            assert!(!is_q(s), "{s} should not ask");
        }
    }

    #[test]
    fn units_split_at_punctuation_not_spaces() {
        let a = analyzed("会不会 泄漏我信息啊 之前被泄漏过一回。价格呢？");
        let u = units(&a);
        assert_eq!(u.len(), 2);
        assert!(!u[0].qmark);
        assert!(u[1].qmark);
    }

    #[test]
    fn a_question_governs_its_scope_not_the_whole_clause() {
        let scoped = |text: &str| -> Vec<(String, bool)> {
            let a = analyzed(text);
            units(&a)
                .into_iter()
                .flat_map(|u| scopes(&a, u))
                .map(|u| (a.norm.chars[u.start..u.end].iter().collect(), asks(&a, u.start, u.end, u.qmark).0))
                .collect()
        };
        // The reply to a choice question, then a question of its own (ASR: no punctuation).
        assert_eq!(scoped("价格吧还有流量够不够"), vec![("价格吧".into(), false), ("还有流量够不够".into(), true)]);
        assert_eq!(scoped("能退吗 多少钱"), vec![("能退吗".into(), true), ("多少钱".into(), true)]);
        // One scope: the particle ends the clause, the connective opens it, or a side is too short.
        assert_eq!(scoped("还有流量够不够？"), vec![("还有流量够不够".into(), true)]);
        assert_eq!(scoped("好吧"), vec![("好吧".into(), false)]);
        assert_eq!(scoped("我还有个问题"), vec![("我还有个问题".into(), false)]);
    }

    #[test]
    fn the_reply_to_the_agents_choice_question_is_not_a_question() {
        // 您更在意价格还是网速？ → 价格吧还有网速快不快: the price is answered two turns earlier,
        // so only the speed question is judged, and it is answered.
        let r = score(
            BROADBAND,
            "王芳：您好，包年一年1200元。\n客户：嗯。\n王芳：您更在意价格还是网速？\n客户：价格吧还有网速快不快\n\
             王芳：包年是500M光纤。\n",
        );
        assert_eq!(statuses(&r), vec![(3, Some("speed"), "answered", Some(4))]);
    }

    #[test]
    fn a_not_a_negators_are_questions() {
        let a = analyzed("能不能退回原套餐");
        let pos = a.norm.text.chars().position(|c| c == '退').unwrap();
        assert!(negator(&a, pos).1);
        let b = analyzed("升级以后就不能退回了");
        let pos = b.norm.text.chars().position(|c| c == '退').unwrap();
        let (neg, question) = negator(&b, pos);
        assert!(!question);
        assert_eq!(b.norm.chars[neg], '不');
    }

    #[test]
    fn clauses_without_a_topic_are_not_for_the_knowledge_base() {
        let k = |s: &str| topic_chars(&content(&analyzed(s).norm.chars));
        // Issue 19: neither is a question a knowledge-base entry could answer.
        assert_eq!(k("怎么对"), 0);
        assert_eq!(k("我比较在意这个"), 0);
        // Real questions keep their topic.
        assert!(k("啥套餐") >= 2);
        assert!(k("有资料吗") >= 2);
        assert!(k("那话费能开发票吗") >= 2);
    }

    #[test]
    fn backchannel_keys_drop_particles() {
        let k = |s: &str| backchannel_key(&content(&analyzed(s).norm.chars));
        assert_eq!(k("喂？"), "");
        assert_eq!(k("嗯，哪位啊"), "哪位");
        assert_eq!(k("请问有什么事吗"), "有什么事吗");
    }

    #[test]
    fn agent_questions_are_not_statements() {
        let a = analyzed("您是担心不能退回吗？可以退的。");
        assert!(in_question(&a, 3));
        let pos = a.norm.text.chars().count() - 3;
        assert!(!in_question(&a, pos));
    }
}
