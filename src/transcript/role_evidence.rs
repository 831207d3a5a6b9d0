//! Evidence of who is the agent, from what each speaker says and does.
//!
//! Words: the rubric's own agent cues and script lines, and the phrases every Chinese call-centre
//! agent says (the shared list `rubrics/common/call-centre.toml`, embedded, used whatever the
//! rubric). Acts: who asks for verification and who gives it, who names a staff number (工号三二七一)
//! and who asks for one (你工号多少), who offers help and who states a problem, who holds the line to
//! look something up. A turn that is an IVR prompt (欢迎致电 … 通话可能会被录音) is nobody's
//! evidence, whichever label the diarizer gave it; greeting first is weak evidence.
//!
//! Each speaker gets an agent-likeness score (positive: agent-like, negative: caller-like) and the
//! items that made it, so the result can say why.

use super::RawCall;
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The shared list file, as embedded.
pub const CALL_CENTRE_LIST: &str = include_str!("../../rubrics/common/call-centre.toml");

/// The lists of [`CALL_CENTRE_LIST`], squashed like the turns they are compared with.
#[derive(Debug, Default)]
struct Lists {
    agent_service: Vec<String>,
    agent_lookup: Vec<String>,
    verification: Vec<String>,
    caller_need: Vec<String>,
    agent_serving: Vec<String>,
    caller_self: Vec<String>,
    staff_id: Vec<String>,
    ivr: Vec<String>,
    greeting: Vec<String>,
}

#[derive(Deserialize)]
struct ListFile {
    lexicons: BTreeMap<String, Vec<String>>,
}

fn parse_lists(text: &str) -> Result<Lists, String> {
    let file: ListFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let take = |name: &str| -> Result<Vec<String>, String> {
        let list = file.lexicons.get(name).ok_or_else(|| format!("no lexicon `{name}`"))?;
        Ok(list.iter().map(|p| squash(p)).filter(|p| !p.is_empty()).collect())
    };
    Ok(Lists {
        agent_service: take("agent_service")?,
        agent_lookup: take("agent_lookup")?,
        verification: take("verification")?,
        caller_need: take("caller_need")?,
        agent_serving: take("agent_serving")?,
        caller_self: take("caller_self")?,
        staff_id: take("staff_id")?,
        ivr: take("ivr")?,
        greeting: take("greeting")?,
    })
}

/// Parsed once; a unit test proves the embedded file parses, so the fallback never happens.
static LISTS: LazyLock<Lists> = LazyLock::new(|| parse_lists(CALL_CENTRE_LIST).unwrap_or_default());

/// Letters and digits only, lowercased: punctuation, spaces and `_` pause marks differ between
/// ASR exports and lists; `[UNK]`-style marks are dropped first so their letters never match.
pub(crate) fn squash(s: &str) -> String {
    let s = UNKNOWN_MARK.replace_all(s, " ");
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// `[UNK]`, `<unk>`, `[noise]`-style marks of ASR exports.
static UNKNOWN_MARK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[\[<](?:unk|unknown|noise|laughter|music|sil|silence)[\]>]").expect("valid regex")
});

/// Digits as written or spoken: a staff number or a verification answer.
static NUMBER_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9零〇一二三四五六七八九幺两xX]{3,}").expect("valid regex"));
/// What asks the other side for something (请您报一下 / 麻烦提供 / 核实一下 / 输入).
static REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"请您|请你|麻烦您|麻烦你|麻烦提供|报一下|说一下|提供一下|告诉我|输入|核实|验证一下|确认一下|是多少|多少",
    )
    .expect("valid regex")
});
/// Asking for a staff number: 工号多少, 你工号是多少, 你的工号, 工号报一下.
static ASKS_STAFF_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"你的?工号|工号(?:是)?(?:多少|几|啥|什么|报|说|告诉)").expect("valid regex"));

/// Points per kind of evidence, and how many of a kind count (so that a long call does not
/// outweigh one clear act by repetition).
const SERVICE: (f64, usize) = (3.0, 4);
const LOOKUP: (f64, usize) = (2.0, 3);
const STAFF_ID: f64 = 3.0;
const VERIFY: f64 = 3.0;
const NEED: (f64, usize) = (2.0, 3);
const SERVING: (f64, usize) = (0.5, 3);
const GREETS_FIRST: f64 = 0.5;

/// One speaker's agent-likeness and what made it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    /// Positive: agent-like; negative: caller-like. Rounded to 3 decimals.
    pub score: f64,
    /// What counted, strongest first (`+3 很高兴为您服务 (turn 1)`): only rubric and list
    /// phrases and turn numbers, never the caller's own words.
    pub items: Vec<String>,
}

/// What the rubric adds: its agent cues and script lines (both already squashed).
pub struct RubricEvidence<'a> {
    /// Company and persona names.
    pub cues: &'a [String],
    /// The script's model lines.
    pub script: &'a [String],
}

/// Whether turn text `squashed` is an IVR prompt: an IVR phrase and nothing only a person says
/// (an agent who opens with 欢迎致电 … 工号三二七一 很高兴为您服务 is a person).
fn is_ivr(squashed: &str, lists: &Lists) -> bool {
    lists.ivr.iter().any(|p| squashed.contains(p.as_str()))
        && !names_staff_id(squashed)
        && !lists.agent_service.iter().any(|p| p.starts_with("有什么") && squashed.contains(p.as_str()))
        && !squashed.contains("很高兴为您服务")
}

/// 工号 followed by a number: the agent naming itself.
fn names_staff_id(squashed: &str) -> bool {
    squashed.match_indices("工号").any(|(i, w)| {
        let rest = &squashed[i + w.len()..];
        let rest = rest.strip_prefix("是").unwrap_or(rest);
        NUMBER_RUN.find(rest).is_some_and(|m| m.start() == 0)
    })
}

/// Accumulates one speaker's items.
#[derive(Default)]
struct Tally {
    score: f64,
    items: Vec<(f64, String)>,
}

impl Tally {
    fn add(&mut self, points: f64, what: String) {
        self.score += points;
        self.items.push((points, what));
    }

    /// Adds `points` for each distinct phrase of `list` found, at most `cap` of them, naming
    /// the first turn of each.
    fn phrases(&mut self, turns: &[(usize, String)], list: &[String], (points, cap): (f64, usize), what: &str) {
        let mut found = 0;
        for p in list {
            if found == cap {
                break;
            }
            // A shorter phrase inside one already counted is the same words (为您服务 in
            // 很高兴为您服务).
            if self.items.iter().any(|(_, w)| w.contains(p.as_str())) {
                continue;
            }
            if let Some((t, _)) = turns.iter().find(|(_, s)| s.contains(p.as_str())) {
                found += 1;
                self.add(points, format!("{} {what}「{p}」(turn {t})", signed(points)));
            }
        }
    }

    /// Adds `points` for each turn holding one of `list`, at most `cap` turns.
    fn turns_with(&mut self, turns: &[(usize, String)], list: &[String], (points, cap): (f64, usize), what: &str) {
        let hits: Vec<usize> = turns
            .iter()
            .filter(|(_, s)| list.iter().any(|p| s.contains(p.as_str())))
            .map(|(t, _)| *t)
            .take(cap)
            .collect();
        if let Some(first) = hits.first() {
            let total = points * hits.len() as f64;
            self.add(total, format!("{} {what} in {} turn(s) from turn {first}", signed(total), hits.len()));
        }
    }
}

fn signed(points: f64) -> String {
    if points >= 0.0 { format!("+{}", trim(points)) } else { format!("-{}", trim(-points)) }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The evidence for each of `speakers` (labels), from `call`'s turns.
pub fn weigh(call: &RawCall, speakers: &[&str], rubric: &RubricEvidence) -> Vec<Evidence> {
    weigh_with(call, speakers, rubric, &LISTS)
}

fn weigh_with(call: &RawCall, speakers: &[&str], rubric: &RubricEvidence, lists: &Lists) -> Vec<Evidence> {
    // Turn index → squashed text, IVR prompts left out and noted.
    let squashed: Vec<String> = call.turns.iter().map(|t| squash(&t.text)).collect();
    let ivr: Vec<bool> = squashed.iter().map(|s| is_ivr(s, lists)).collect();
    let first_person = (0..call.turns.len()).find(|&i| !ivr[i] && !squashed[i].is_empty());
    speakers
        .iter()
        .map(|speaker| {
            let mut tally = Tally::default();
            let turns: Vec<(usize, String)> = call
                .turns
                .iter()
                .enumerate()
                .filter(|(i, t)| t.speaker == *speaker && !ivr[*i])
                .map(|(i, _)| (i, squashed[i].clone()))
                .collect();
            if let Some(t) = call.turns.iter().enumerate().find(|(i, t)| t.speaker == *speaker && ivr[*i]).map(|x| x.0)
            {
                tally.items.push((0.0, format!("0 IVR prompt, not counted (turn {t})")));
            }
            rubric_words(&mut tally, &turns, rubric);
            tally.phrases(&turns, &lists.agent_service, SERVICE, "agent phrase");
            tally.phrases(&turns, &lists.agent_lookup, LOOKUP, "holds or looks up");
            acts(&mut tally, &turns, lists);
            tally.phrases(&turns, &lists.caller_need, (-NEED.0, NEED.1), "states a need");
            tally.turns_with(&turns, &lists.agent_serving, SERVING, "为您/帮您/给您");
            tally.turns_with(&turns, &lists.caller_self, (-SERVING.0, SERVING.1), "帮我/我想/我要");
            if let Some(i) = first_person
                && call.turns[i].speaker == *speaker
                && lists.greeting.iter().any(|g| squashed[i].contains(g.as_str()))
            {
                tally.add(GREETS_FIRST, format!("+{GREETS_FIRST} greets first (turn {i})"));
            }
            finish(tally)
        })
        .collect()
}

/// The rubric's own evidence, as before the shared list: +3 per agent cue, +2 for a
/// self-introduction naming an organisation, +1 for asking whether this is Mr/Ms X, + 3 × the
/// best similarity of a turn to a script line.
fn rubric_words(tally: &mut Tally, turns: &[(usize, String)], rubric: &RubricEvidence) {
    for c in rubric.cues {
        if let Some((t, _)) = turns.iter().find(|(_, s)| s.contains(c.as_str())) {
            tally.add(3.0, format!("+3 rubric cue「{c}」(turn {t})"));
        }
    }
    if let Some((t, _)) = turns.iter().find(|(_, s)| self_intro(s, rubric.cues)) {
        tally.add(2.0, format!("+2 introduces self (turn {t})"));
    }
    if let Some((t, _)) = turns.iter().find(|(_, s)| ASKS_WHO.is_match(s)) {
        tally.add(1.0, format!("+1 asks who picked up (turn {t})"));
    }
    if let Some((t, _)) = turns.iter().find(|(_, s)| ADDRESSES.is_match(s)) {
        tally.add(1.5, format!("+1.5 addresses the other by surname (turn {t})"));
    }
    let best = turns
        .iter()
        .filter(|(_, s)| s.chars().count() >= 2)
        .flat_map(|(t, s)| rubric.script.iter().map(move |l| (*t, strsim::sorensen_dice(s, l))))
        .fold(None::<(usize, f64)>, |best, x| if best.is_none_or(|b| x.1 > b.1) { Some(x) } else { best });
    if let Some((t, sim)) = best
        && sim > 0.0
    {
        let points = (3.0 * sim * 1000.0).round() / 1000.0;
        tally.add(points, format!("+{} like the script (turn {t})", trim(points)));
    }
}

/// Acts: naming or asking for a staff number; asking for verification or giving it.
fn acts(tally: &mut Tally, turns: &[(usize, String)], lists: &Lists) {
    let staff = |s: &str| lists.staff_id.iter().any(|w| s.contains(w.as_str()));
    if let Some((t, _)) = turns.iter().find(|(_, s)| staff(s) && names_staff_id(s)) {
        tally.add(STAFF_ID, format!("+{STAFF_ID} names a staff number (turn {t})"));
    }
    if let Some((t, _)) = turns.iter().find(|(_, s)| staff(s) && ASKS_STAFF_ID.is_match(s) && !names_staff_id(s)) {
        tally.add(-STAFF_ID, format!("-{STAFF_ID} asks for the staff number (turn {t})"));
    }
    let verify = |s: &str| lists.verification.iter().any(|w| s.contains(w.as_str()));
    if let Some((t, _)) = turns.iter().find(|(_, s)| verify(s) && REQUEST.is_match(s)) {
        tally.add(VERIFY, format!("+{VERIFY} asks for verification (turn {t})"));
    }
    if let Some((t, _)) = turns.iter().find(|(_, s)| verify(s) && !REQUEST.is_match(s) && NUMBER_RUN.is_match(s)) {
        tally.add(-VERIFY, format!("-{VERIFY} gives verification (turn {t})"));
    }
}

/// Confirming who picked up is what the caller of an outbound call does (请问是张先生吗).
static ASKS_WHO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"请问(?:您)?是.{0,6}(?:先生|女士|小姐)").expect("valid regex"));
/// Addressing the other side by surname and title (张先生, 王女士): the agent knows the
/// customer's name from the account; a caller does not know the agent's.
static ADDRESSES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[^的个位你您这那哪是我他她老大小\p{P}\s](?:先生|女士)").expect("valid regex"));
/// `(我是|这里是|我这边是|我叫|我们是)`: what follows within 12 characters is checked for an
/// organisation or a cue.
static SELF_INTRO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"我这边是|这里是|我们是|我是|我叫|(?:thisis|callingfrom)").expect("valid regex"));
/// Words that mark an organisation or an agent's job title right after a self-introduction.
const ORG_WORDS: &[&str] = &[
    "公司",
    "银行",
    "集团",
    "中心",
    "营业厅",
    "客服",
    "顾问",
    "经理",
    "专员",
    "工号",
    "bank",
    "company",
    "support",
    "service",
    "team",
];

fn self_intro(s: &str, cues: &[String]) -> bool {
    SELF_INTRO.find_iter(s).any(|m| {
        if m.as_str() == "我叫" {
            return true;
        }
        let window: String = s.get(m.end()..).unwrap_or_default().chars().take(12).collect();
        ORG_WORDS.iter().any(|w| window.contains(w)) || cues.iter().any(|c| window.contains(c.as_str()))
    })
}

fn finish(tally: Tally) -> Evidence {
    let mut items = tally.items;
    // Strongest first (by size of the points), then in the order found: stable.
    items.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
    Evidence { score: (tally.score * 1000.0).round() / 1000.0, items: items.into_iter().map(|(_, w)| w).collect() }
}

/// How sure an assignment is, 0..1, from the margin between the agent's score and the next
/// speaker's: `1 - e^(-margin/4)`, rounded to 2 decimals. One clear act (+3) against nothing is
/// 0.53; a tie is 0.
pub fn confidence(margin: f64) -> f64 {
    let c = 1.0 - (-margin.max(0.0) / 4.0).exp();
    (c * 100.0).round() / 100.0
}

/// Below this, an inferred assignment is reported as unsure (a warning, or an input error with
/// `--strict-roles`).
pub const LOW_CONFIDENCE: f64 = 0.5;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::roles::tests::call;

    fn none() -> RubricEvidence<'static> {
        RubricEvidence { cues: &[], script: &[] }
    }

    #[test]
    fn the_shared_list_parses_with_every_list() {
        let lists = parse_lists(CALL_CENTRE_LIST).unwrap();
        assert!(lists.agent_service.contains(&"很高兴为您服务".to_string()));
        assert!(!lists.ivr.is_empty() && !lists.caller_need.is_empty() && lists.staff_id == ["工号"]);
    }

    #[test]
    fn unknown_marks_and_pauses_are_not_text() {
        assert_eq!(squash("服务密码啊_是_[UNK]_八八六六"), "服务密码啊是八八六六");
        assert_eq!(squash("<unk>请稍等 ,"), "请稍等");
    }

    #[test]
    fn staff_number_named_or_asked() {
        assert!(names_staff_id("您好工号二零一九请问有什么可以帮您"));
        assert!(names_staff_id("我的工号是3271"));
        assert!(!names_staff_id("你工号多少我要投诉你"));
        let c = call(&[("A", "你工号多少_我要投诉你"), ("B", "我的工号是三二七一_请您稍等")]);
        let e = weigh(&c, &["A", "B"], &none());
        assert!(e[0].score < 0.0 && e[1].score > 0.0, "{e:?}");
        assert!(e[0].items.iter().any(|i| i.contains("asks for the staff number")), "{e:?}");
    }

    #[test]
    fn verification_asked_and_given() {
        let c = call(&[("A", "好的_请您报一下机主身份证的后四位"), ("B", "后四位是_幺五三X")]);
        let e = weigh(&c, &["A", "B"], &none());
        assert!(e[0].items.iter().any(|i| i.contains("asks for verification")), "{e:?}");
        assert!(e[1].items.iter().any(|i| i.contains("gives verification")), "{e:?}");
        assert!(e[0].score > 0.0 && e[1].score < 0.0, "{e:?}");
    }

    #[test]
    fn an_ivr_prompt_is_nobodys_evidence() {
        let c = call(&[
            ("B", "欢迎致电_本次通话可能会被录音_正在为您转接人工服务_请稍候"),
            ("A", "您好_工号五零六八为您服务_请问有什么可以帮您"),
            ("B", "喂_你好_我这个月流量用超了_想加个流量包"),
        ]);
        let e = weigh(&c, &["A", "B"], &none());
        assert!(e[1].items.iter().any(|i| i.contains("IVR prompt")), "{e:?}");
        assert!(!e[1].items.iter().any(|i| i.contains("请稍候") || i.contains("为您转接")), "{e:?}");
        // The agent greets first once the IVR is set aside.
        assert!(e[0].items.iter().any(|i| i.contains("greets first")), "{e:?}");
        // An agent who opens with the hotline's name is still a person.
        assert!(!is_ivr(&squash("您好_欢迎致电某某电信_工号1234_很高兴为您服务"), &LISTS));
    }

    #[test]
    fn a_polite_caller_who_greets_first_is_still_the_caller() {
        let c = call(&[
            ("A", "您好_您好_麻烦问一下哈"),
            ("B", "您好_工号二零一九_请问有什么可以帮您"),
            ("A", "请问一下_我想了解一下携号转网_麻烦您了"),
            ("B", "好的_请问是咨询您现在来电的这个号码吗"),
        ]);
        let e = weigh(&c, &["A", "B"], &none());
        assert!(e[1].score - e[0].score > 6.0, "{e:?}");
        assert!(confidence(e[1].score - e[0].score) > 0.8);
    }

    #[test]
    fn confidence_scale() {
        assert_eq!(confidence(0.0), 0.0);
        assert_eq!(confidence(-1.0), 0.0);
        assert_eq!(confidence(0.001), 0.0);
        assert_eq!(confidence(3.0), 0.53);
        assert!(confidence(20.0) >= 0.99);
    }
}
