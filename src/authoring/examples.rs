//! `callqa rubric test`: every `examples.match` / `examples.no_match` line of a rubric checked
//! against the rubric itself, like unit tests.
//!
//! A line is one turn of the role the item looks at, or a short call written as `坐席：…` /
//! `客户：…` lines. Steps and signals are checked with their matcher (a step's `first`/`last`
//! window does not apply to a one-line example); rules by whether they report a finding;
//! knowledge entries by whether a customer question is recognised as the entry.

use crate::eval::answers;
use crate::eval::context::CallContext;
use crate::eval::result::Finding;
use crate::eval::rules;
use crate::rubric::CompiledRubric;
use crate::rubric::error::line_column;
use crate::rubric::model::{Examples, RoleSel, RuleKind};
use crate::transcript::{Position, Role, Transcript, Turn};
use serde::Serialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// What kind of rubric item an example belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A `[[signals]]` detector.
    Signal,
    /// A `[[steps]]` script step.
    Step,
    /// A `[[knowledge.entries]]` question or concern.
    Entry,
    /// A `[[rules]]` rule.
    Rule,
}

impl ItemKind {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Signal => "signal",
            ItemKind::Step => "step",
            ItemKind::Entry => "entry",
            ItemKind::Rule => "rule",
        }
    }
}

/// The outcome of one example line.
#[derive(Debug, Clone, Serialize)]
pub struct ExampleOutcome {
    /// The kind of item.
    pub kind: ItemKind,
    /// The item's id.
    pub item: String,
    /// `true` for `examples.match`, `false` for `examples.no_match`.
    pub expect_match: bool,
    /// The example text as written.
    pub text: String,
    /// 1-based line of the example in the rubric file.
    pub line: usize,
    /// 1-based column of the example in the rubric file.
    pub column: usize,
    /// Whether the item behaved as the example says.
    pub passed: bool,
    /// What actually happened (the match and its evidence, the finding, or why nothing matched).
    pub detail: String,
}

/// Every example of a rubric, checked.
#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    /// The rubric file.
    pub path: String,
    /// One outcome per example line, in file order.
    pub examples: Vec<ExampleOutcome>,
    /// Steps, rules, signals and entries that carry no example, as `kind id`.
    pub without_examples: Vec<String>,
    /// Rules whose examples were not run because their criterion is turned off, as `rule id`.
    pub skipped: Vec<String>,
}

impl TestReport {
    /// Number of examples that behaved as written.
    pub fn passed(&self) -> usize {
        self.examples.iter().filter(|e| e.passed).count()
    }

    /// Number of examples that did not.
    pub fn failed(&self) -> usize {
        self.examples.len() - self.passed()
    }
}

/// Checks every example of `rubric` (compiled from `source`, which locates the examples).
pub fn run(rubric: &CompiledRubric, source: &str) -> TestReport {
    let file = &rubric.file;
    let mut out = Vec::new();
    let mut without = Vec::new();
    let mut each = |kind: ItemKind, id: &str, ex: &Examples, check: &dyn Fn(&Transcript) -> Check| {
        if ex.is_empty() {
            without.push(format!("{} {id}", kind.as_str()));
        }
        for (expect_match, lines) in [(true, &ex.matches), (false, &ex.no_match)] {
            for line in lines {
                out.push(check_one(kind, id, expect_match, line, source, check));
            }
        }
    };
    for (i, s) in file.signals.iter().enumerate() {
        let role = single_role(s.role);
        each(ItemKind::Signal, s.id.get_ref(), &s.examples, &|t| {
            let tr = with_default_role(t, role);
            let ctx = CallContext::new(rubric, &tr);
            match ctx.signals[i].first() {
                Some(&(turn, m)) => Check::hit(format!("fired on {}", evidence(&ctx, turn, m.start, m.end))),
                None => Check::miss("did not fire".into()),
            }
        });
    }
    for (i, s) in file.steps.iter().enumerate() {
        each(ItemKind::Step, s.id.get_ref(), &s.examples, &|t| {
            let tr = with_default_role(t, Role::Agent);
            let ctx = CallContext::new(rubric, &tr);
            let step = &rubric.steps[i];
            let cues = &step.cues;
            let agent = ctx.turns_of(RoleSel::Agent);
            let holds = |turn: usize| ctx.turn_holds(&step.when, RoleSel::Agent, turn);
            let hit = agent.iter().filter(|&&t| holds(t)).find_map(|&turn| ctx.matches(cues, turn).map(|m| (turn, m)));
            let matched = || agent.iter().find_map(|&turn| ctx.matches(cues, turn).map(|m| (turn, m)));
            match (hit, matched()) {
                (Some((turn, m)), _) => {
                    Check::hit(format!("matched by {} on {}", m.via.as_str(), evidence(&ctx, turn, m.start, m.end)))
                }
                (None, Some((turn, m))) => Check::miss(format!(
                    "matched {}, but its `when` ({}) does not hold there",
                    evidence(&ctx, turn, m.start, m.end),
                    step.when.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ")
                )),
                (None, None) if cues.models.is_empty() => {
                    // No similarity to report: say which cue came closest and what stopped it.
                    let turns: Vec<(usize, &crate::text::segment::Analyzed)> =
                        agent.iter().map(|&t| (t, &ctx.turns[t].text)).collect();
                    Check::miss(format!("no cue matched; {}", crate::explain::describe_closest_cue(rubric, s, &turns)))
                }
                (None, None) => {
                    let best = agent.iter().map(|&turn| ctx.similarity(cues, turn)).fold(0.0, f64::max);
                    Check::miss(format!(
                        "no cue matched; best similarity to a model line {best:.2} (needs {:.2})",
                        cues.min_similarity
                    ))
                }
            }
        });
    }
    if let (Some(k), Some(ck)) = (&file.knowledge, &rubric.knowledge) {
        for e in &k.entries {
            let id = e.id.get_ref().clone();
            debug_assert!(ck.entries.iter().any(|c| c.id == id));
            each(ItemKind::Entry, e.id.get_ref(), &e.examples, &|t| {
                let tr = with_reply(with_default_role(t, Role::Customer));
                let ctx = CallContext::new(rubric, &tr);
                let asked = answers::evaluate(&ctx).questions;
                match asked.iter().find(|q| q.entry.as_deref() == Some(id.as_str())) {
                    Some(q) => Check::hit(format!("recognised in 「{}」", span_text(&tr, q.turn, q.span))),
                    None => {
                        let other: Vec<String> = asked
                            .iter()
                            .map(|q| q.entry.clone().unwrap_or_else(|| "an unmatched question".into()))
                            .collect();
                        Check::miss(if other.is_empty() {
                            "no question or concern recognised".into()
                        } else {
                            format!("recognised as {} instead", other.join(", "))
                        })
                    }
                }
            });
        }
    }
    let mut skipped = Vec::new();
    for r in &file.rules {
        // Rules of a criterion that is turned off are not compiled.
        let Some(i) = rubric.rules.iter().position(|c| c.id == *r.id.get_ref()) else {
            if !r.examples.is_empty() {
                skipped.push(format!("rule {}", r.id.get_ref()));
            }
            continue;
        };
        let compiled = &rubric.rules[i];
        // A one-line example is a turn of whoever the rule listens to: the trigger's speaker for
        // `respond`, the customer for `answer`, else the rule's role.
        let role = match compiled.kind {
            RuleKind::Answer => Role::Customer,
            RuleKind::Respond => {
                compiled.trigger.map_or(single_role(compiled.role), |s| single_role(rubric.signals[s].role))
            }
            _ => single_role(compiled.role),
        };
        each(ItemKind::Rule, r.id.get_ref(), &r.examples, &|t| {
            let tr = with_default_role(t, role);
            let tr = if compiled.kind == RuleKind::Answer { with_reply(tr) } else { tr };
            let ctx = CallContext::new(rubric, &tr);
            let findings = rule_findings(&ctx, i);
            match findings.first() {
                Some(f) => Check::hit(format!("reported {} on 「{}」: {}", f.code, f.excerpt, f.message)),
                None => Check::miss("no finding".into()),
            }
        });
    }
    out.sort_by_key(|e| (e.line, e.column));
    TestReport { path: rubric.path.clone(), examples: out, without_examples: without, skipped }
}

/// The findings rule `i` reports on a call.
fn rule_findings(ctx: &CallContext, i: usize) -> Vec<Finding> {
    let rule = &ctx.rubric.rules[i];
    if rule.kind == RuleKind::Timing {
        let timing = crate::timing::measure(ctx.transcript);
        return crate::eval::timing::run(ctx, rule, timing.as_ref()).findings;
    }
    if rule.kind != RuleKind::Answer {
        return rules::run(ctx, rule).findings;
    }
    answers::evaluate(ctx).findings.into_iter().filter(|f| f.rule == rule.id).collect()
}

/// Whether the item matched, with what happened.
struct Check {
    matched: bool,
    detail: String,
}

impl Check {
    fn hit(detail: String) -> Check {
        Check { matched: true, detail }
    }
    fn miss(detail: String) -> Check {
        Check { matched: false, detail }
    }
}

fn check_one(
    kind: ItemKind,
    id: &str,
    expect_match: bool,
    line: &Spanned<String>,
    source: &str,
    check: &dyn Fn(&Transcript) -> Check,
) -> ExampleOutcome {
    let (l, c) = line_column(source, line.span().start);
    let (passed, detail) = match parse_example(line.get_ref()) {
        Ok(t) => {
            let r = check(&t);
            (r.matched == expect_match, r.detail)
        }
        Err(e) => (false, e),
    };
    ExampleOutcome {
        kind,
        item: id.to_string(),
        expect_match,
        text: line.get_ref().clone(),
        line: l,
        column: c,
        passed,
        detail,
    }
}

/// Speaker labels a multi-line example may use.
const AGENT_LABELS: &[&str] = &["坐席", "客服", "销售", "顾问", "agent", "assistant"];
const CUSTOMER_LABELS: &[&str] = &["客户", "用户", "customer", "user"];

/// Parses an example: one line is a turn whose role the item decides (left as `None` speaker
/// here and filled in by [`with_default_role`]); several lines must each start with a label.
fn parse_example(text: &str) -> Result<Transcript, String> {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let mut turns = Vec::new();
    if lines.is_empty() {
        return Err("the example is empty".into());
    }
    // `[1.5-3] 坐席：…`: a timed turn, for `timing` rules.
    let timed: Vec<(Option<(f64, f64)>, &str)> = lines.iter().map(|l| times(l)).collect();
    let labelled: Vec<Option<(Role, &str)>> = timed.iter().map(|(_, l)| labelled(l)).collect();
    let with_times = |mut t: Turn, at: Option<(f64, f64)>| {
        if let Some((s, e)) = at {
            (t.start, t.end) = (Some(s), Some(e));
        }
        t
    };
    if lines.len() == 1 && labelled[0].is_none() {
        turns.push(with_times(turn(UNSET, timed[0].1), timed[0].0));
    } else {
        for (n, ((line, lab), (at, _))) in lines.iter().zip(&labelled).zip(&timed).enumerate() {
            match lab {
                Some((role, rest)) => turns.push(with_times(turn(role.as_str(), rest), *at)),
                None => {
                    return Err(format!(
                        "line {} of the example has no speaker: start each line of a multi-turn example with 坐席： or 客户： (`{line}`)",
                        n + 1
                    ));
                }
            }
        }
    }
    Ok(Transcript { id: "example".into(), source: "example".into(), meta: BTreeMap::new(), turns, roles: Vec::new() })
}

/// `[start-end] rest` → the times (seconds or `m:ss`) and the rest; the line as is otherwise.
fn times(line: &str) -> (Option<(f64, f64)>, &str) {
    let parsed = line.strip_prefix('[').and_then(|r| r.split_once(']')).and_then(|(inside, rest)| {
        let (a, b) = inside.split_once('-')?;
        let (a, b) = (crate::transcript::parse_time_secs(a)?, crate::transcript::parse_time_secs(b)?);
        (b >= a).then_some(((a, b), rest.trim()))
    });
    match parsed {
        Some((at, rest)) => (Some(at), rest),
        None => (None, line),
    }
}

/// The text of each turn of an example (speaker labels removed); nothing for a malformed one.
pub fn example_turns(text: &str) -> Vec<String> {
    parse_example(text).map(|t| t.turns.into_iter().map(|turn| turn.text).collect()).unwrap_or_default()
}

/// The speaker of a one-line example until the item decides its role.
const UNSET: &str = "";

fn turn(speaker: &str, text: &str) -> Turn {
    let role = if speaker == "customer" { Role::Customer } else { Role::Agent };
    Turn {
        speaker: speaker.into(),
        role,
        text: text.into(),
        start: None,
        end: None,
        pos: Position { line: 1, column: 1 },
        sentences: Vec::new(),
        meta: Default::default(),
    }
}

/// `坐席：您好` → (agent, `您好`).
fn labelled(line: &str) -> Option<(Role, &str)> {
    let (label, rest) = line.split_once(['：', ':'])?;
    let label = label.trim().to_lowercase();
    if AGENT_LABELS.contains(&label.as_str()) {
        Some((Role::Agent, rest.trim()))
    } else if CUSTOMER_LABELS.contains(&label.as_str()) {
        Some((Role::Customer, rest.trim()))
    } else {
        None
    }
}

/// A one-line example becomes a turn of `role`; labelled examples keep their roles.
fn with_default_role(t: &Transcript, role: Role) -> Transcript {
    let mut t = t.clone();
    for turn in &mut t.turns {
        if turn.speaker == UNSET {
            turn.role = role;
            turn.speaker = role.as_str().into();
        }
    }
    t
}

/// A one-line customer question gets a neutral agent reply (好的。): a question on the last
/// turn of a call is not judged, since the call ended before anyone could answer it.
fn with_reply(mut t: Transcript) -> Transcript {
    if t.turns.len() == 1 && t.turns[0].role == Role::Customer {
        t.turns.push(turn(Role::Agent.as_str(), "好的。"));
    }
    t
}

fn single_role(sel: RoleSel) -> Role {
    match sel {
        RoleSel::Customer => Role::Customer,
        RoleSel::Agent | RoleSel::Any => Role::Agent,
    }
}

fn evidence(ctx: &CallContext, turn: usize, start: usize, end: usize) -> String {
    format!("「{}」", ctx.evidence(turn, start, end).1)
}

fn span_text(t: &Transcript, turn: usize, span: [usize; 2]) -> String {
    t.turns[turn].text.chars().skip(span[0]).take(span[1].saturating_sub(span[0])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rubric(extra: &str) -> (CompiledRubric, String) {
        let src = format!(
            r#"
[rubric]
id = "t"
version = "1"

[[signals]]
id = "worry"
role = "customer"
cues = {{ any = ["泄露"] }}
examples.match = ["会不会泄露啊"]

[[steps]]
id = "greeting"
cues = {{ any = ["您好"] }}
examples.match = ["您好，我是小王"]
examples.no_match = ["喂"]

[[rules]]
id = "guarantee"
code = "OP001"
criterion = "overpromise"
type = "forbid"
severity = "critical"
message = "m"
cues = {{ any = ["保证"] }}
examples.match = ["我保证您满意"]
examples.no_match = ["这个不能保证"]

[[rules]]
id = "assure"
code = "PV001"
criterion = "privacy"
type = "respond"
trigger = "worry"
within = 1
severity = "major"
message = "m"
expect = {{ any = ["保密"] }}
examples.match = ["客户：会泄露吗\n坐席：我们的套餐很好", "会不会泄露"]
examples.no_match = ["客户：会泄露吗\n坐席：您放心，严格保密"]
{extra}
"#
        );
        (crate::rubric::from_str("t.toml", &src).unwrap(), src)
    }

    #[test]
    fn examples_pass_and_are_located() {
        let (r, src) = rubric("");
        let report = run(&r, &src);
        assert_eq!(report.failed(), 0, "{:#?}", report.examples);
        assert_eq!(report.examples.len(), 8);
        let first = &report.examples[0];
        assert_eq!((first.kind, first.item.as_str(), first.line), (ItemKind::Signal, "worry", 10));
        assert!(report.examples.iter().any(|e| e.detail.contains("reported OP001 on 「保证」")), "{report:#?}");
        assert!(report.without_examples.is_empty());
    }

    #[test]
    fn a_wrong_example_fails_with_what_happened() {
        let (r, src) = rubric(
            r#"
[[rules]]
id = "pressure"
code = "ST001"
criterion = "style"
type = "forbid"
severity = "minor"
message = "m"
cues = { any = ["最低"] }
examples.match = ["最近怎么样"]
examples.no_match = ["全网最低价"]
"#,
        );
        let report = run(&r, &src);
        let failed: Vec<&ExampleOutcome> = report.examples.iter().filter(|e| !e.passed).collect();
        assert_eq!(failed.len(), 2, "{failed:#?}");
        assert_eq!(failed[0].detail, "no finding");
        assert!(failed[1].detail.starts_with("reported ST001 on 「最低」"), "{}", failed[1].detail);
        assert_eq!(failed[0].line, 50);
    }

    #[test]
    fn a_one_line_question_is_judged_as_asked() {
        let src = r#"
[rubric]
id = "t"
version = "1"

[[steps]]
id = "greeting"
cues = { any = ["您好"] }

[knowledge]
[[knowledge.entries]]
id = "price"
ask = { any = ["多少钱"] }
answer = "每月59元。"
examples.match = ["这个多少钱啊？"]
examples.no_match = ["我想想"]

[[rules]]
id = "unanswered"
code = "AN001"
criterion = "answers"
type = "answer"
status = "unanswered"
severity = "major"
message = "m"
examples.match = ["这个多少钱啊？", "客户：多少钱？\n坐席：我们套餐很好的"]
examples.no_match = ["客户：多少钱？\n坐席：每月59元。"]
"#;
        let r = crate::rubric::from_str("t.toml", src).unwrap();
        let report = run(&r, src);
        assert_eq!(report.failed(), 0, "{:#?}", report.examples);
        assert_eq!(report.examples.len(), 5);
    }

    #[test]
    fn multi_turn_examples_need_speakers() {
        let err = parse_example("您好\n在吗").unwrap_err();
        assert!(err.contains("line 1 of the example has no speaker"), "{err}");
        let t = parse_example("坐席：您好\n客户: 在").unwrap();
        assert_eq!(t.turns.iter().map(|t| t.role).collect::<Vec<_>>(), vec![Role::Agent, Role::Customer]);
        assert!(parse_example("  ").is_err());
    }
}
