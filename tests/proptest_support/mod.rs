//! Strategies shared by the `proptest_*` suites: arbitrary Unicode, text dense in the characters
//! the analysis cares about (numerals, units, fillers, punctuation of both widths, traditional
//! characters, astral and zero-width characters), and whole transcripts in every input format.
#![allow(dead_code)]

use callqa::eval::result::{CallResult, Verdict};
use proptest::prelude::*;
use proptest::string::string_regex;
use proptest::test_runner::RngSeed;

/// The suites' config: `cases` cases from a fixed seed, so every run (and CI) checks the same
/// inputs. `PROPTEST_RNG_SEED=N` explores other inputs, `PROPTEST_CASES=N` runs more of them.
pub fn config(cases: u32) -> ProptestConfig {
    let base = ProptestConfig::default(); // reads the PROPTEST_* environment
    let rng_seed = match base.rng_seed {
        RngSeed::Random => RngSeed::Fixed(0xCA11_0A5E),
        fixed => fixed,
    };
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() { base.cases } else { cases };
    ProptestConfig { cases, rng_seed, ..base }
}

/// Characters every text stage treats specially, plus a few ordinary ones to glue them.
const ALPHABET: &str = concat!(
    "一二三四五六七八九十百千万亿零两点分之个幺第元块钱",
    "嗯呃唔啊哦噢额那这就是说不没别能会保证绝对最低价全网只有今天名额送免费",
    "您好我是坐席客户长江移动微信号码手机验证套餐流量分钟月半价已记下",
    "長這個們說餐價號",
    "，。！？、；：…“”「」『』（）【】《》〈〉～—",
    "０１２３ＡＢＣ：，．％",
    "0123456789abcGBMgbmxyz.,:;-_@#/%+'\"()[]{}<>!?~ ",
    "\t\n\r",
);

/// A string drawn from [`ALPHABET`] plus a few hostile characters (NUL, BOM, zero-width,
/// combining marks, bidi controls, emoji, astral Han, a private-use and the last code point).
pub fn cjk_text(max: usize) -> impl Strategy<Value = String> {
    let hostile = "\u{0}\u{FEFF}\u{200B}\u{200D}\u{301}\u{202E}\u{85}\u{2028}😀👨\u{20000}\u{E000}\u{10FFFF}";
    let class: String = ALPHABET.chars().chain(hostile.chars()).map(escape_class_char).collect();
    string_regex(&format!("[{class}]{{0,{max}}}")).expect("a valid character class")
}

fn escape_class_char(c: char) -> String {
    match c {
        '\\' | ']' | '[' | '^' | '-' | '&' | '~' => format!("\\{c}"),
        '\t' => "\\t".into(),
        '\n' => "\\n".into(),
        '\r' => "\\r".into(),
        '\u{0}' => "\\x00".into(),
        _ => c.to_string(),
    }
}

/// Arbitrary Unicode (any scalar value), CJK-dense text, or a mix of both.
pub fn any_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(any::<char>(), 0..max).prop_map(|v| v.into_iter().collect()),
        cjk_text(max),
        (cjk_text(max / 2), proptest::collection::vec(any::<char>(), 0..max / 2))
            .prop_map(|(a, b)| a + &b.into_iter().collect::<String>()),
    ]
}

/// Phrases from the default rubric's world, so generated calls trigger steps, signals and rules.
const PHRASES: &[&str] = &[
    "喂，您好，请问是张先生吗？",
    "我是长江移动通信公司套餐服务顾问李明。",
    "现在有两分钟吗？",
    "最近我们专门为老客户推出了全新个人套餐",
    "乐享畅聊套每月可享30GB不限速流量再加500分钟国内通话",
    "首月半价只要59元",
    "我保证全网最低价",
    "不能保证",
    "只有今天有这个名额",
    "再送您一台手机",
    "方便加您微信吗？我们只用来发资料，绝不泄露或乱发",
    "我的微信号是qz-zhang2024",
    "好的，已经记下您的微信了",
    "我现在在开会，晚点再说",
    "不需要，谢谢",
    "我不想留联系方式",
    "你们会不会泄露我的信息？",
    "请把验证码告诉我",
    "作为AI助手，我",
    "（微笑）**套餐**😀",
    "好的，那我先挂了，祝您生活愉快，再见！",
    "一百个G，九十九块钱，百分之百",
    "嗯嗯，那个，就是说",
];

/// A turn's text: rubric phrases glued together, optionally with arbitrary text mixed in.
pub fn turn_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::collection::vec(proptest::sample::select(PHRASES), 0..4).prop_map(|v| v.concat()),
        1 => cjk_text(40),
        1 => (proptest::sample::select(PHRASES), any_text(20)).prop_map(|(p, t)| format!("{p}{t}")),
    ]
}

/// A speaker label: the aliases, generic diarization labels, or something arbitrary.
pub fn speaker() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(&["坐席", "客户", "李明", "张强", "A", "B", "SPEAKER 1", "spk0", "agent", "user"][..])
            .prop_map(str::to_string),
        1 => cjk_text(6),
    ]
}

/// One call: `(speaker, text)` turns.
pub fn turns(max: usize) -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec((speaker(), turn_text()), 1..max)
}

/// The input formats a generated call can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `说话人：内容` lines.
    Text,
    /// One JSON object, pretty-printed.
    Json,
    /// A JSON array of calls.
    JsonArray,
    /// One object per line.
    Jsonl,
    /// OpenAI chat (speakers become roles: agent-ish labels → assistant).
    Openai,
    /// CSV with `call_id,speaker,text`.
    Csv,
}

/// Any [`Shape`].
pub fn shape() -> impl Strategy<Value = Shape> {
    proptest::sample::select(&[Shape::Text, Shape::Json, Shape::JsonArray, Shape::Jsonl, Shape::Openai, Shape::Csv][..])
}

fn turns_json(turns: &[(String, String)]) -> serde_json::Value {
    turns.iter().map(|(s, t)| serde_json::json!({"speaker": s, "text": t})).collect()
}

/// Writes `calls` in `shape` (text and single-object shapes take only the first call).
pub fn render(shape: Shape, calls: &[Vec<(String, String)>]) -> String {
    let first = calls.first().cloned().unwrap_or_default();
    match shape {
        Shape::Text => first.iter().map(|(s, t)| format!("{s}：{t}\n")).collect(),
        Shape::Json => serde_json::to_string_pretty(&serde_json::json!({"id": "p1", "turns": turns_json(&first)}))
            .expect("serializable"),
        Shape::JsonArray => {
            let v: Vec<serde_json::Value> = calls
                .iter()
                .enumerate()
                .map(|(i, c)| serde_json::json!({"id": format!("p{i}"), "turns": turns_json(c)}))
                .collect();
            serde_json::to_string_pretty(&v).expect("serializable")
        }
        Shape::Jsonl => calls
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{}\n", serde_json::json!({"id": format!("p{i}"), "turns": turns_json(c)})))
            .collect(),
        Shape::Openai => {
            let messages: Vec<serde_json::Value> =
                std::iter::once(serde_json::json!({"role": "system", "content": "x"}))
                    .chain(first.iter().map(|(s, t)| {
                        let role = if matches!(s.as_str(), "坐席" | "李明" | "agent" | "A") {
                            "assistant"
                        } else {
                            "user"
                        };
                        serde_json::json!({"role": role, "content": t})
                    }))
                    .collect();
            serde_json::json!({"id": "p1", "messages": messages}).to_string()
        }
        Shape::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(["call_id", "speaker", "text"]).expect("in memory");
            for (i, c) in calls.iter().enumerate() {
                for (s, t) in c {
                    w.write_record([format!("p{i}").as_str(), s, t]).expect("in memory");
                }
            }
            String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8 in, UTF-8 out")
        }
    }
}

/// The encodings a document can be written in, with the bytes of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enc {
    /// UTF-8, no BOM.
    Utf8,
    /// UTF-8 with a BOM.
    Utf8Bom,
    /// UTF-16 LE with a BOM.
    Utf16LeBom,
    /// UTF-16 BE with a BOM.
    Utf16BeBom,
}

/// Encodes `text` as `enc`.
pub fn encode(text: &str, enc: Enc) -> Vec<u8> {
    match enc {
        Enc::Utf8 => text.as_bytes().to_vec(),
        Enc::Utf8Bom => [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
        Enc::Utf16LeBom => std::iter::once(0xFEFF).chain(text.encode_utf16()).flat_map(u16::to_le_bytes).collect(),
        Enc::Utf16BeBom => std::iter::once(0xFEFF).chain(text.encode_utf16()).flat_map(u16::to_be_bytes).collect(),
    }
}

/// `path:LINE:COL` / `path:LINE` / `path` → the numbers after `path` (which must match).
pub fn position_of(source: &str, path: &str) -> Option<Vec<usize>> {
    let rest = source.strip_prefix(path)?;
    if rest.is_empty() {
        return Some(Vec::new());
    }
    rest.strip_prefix(':')?.split(':').map(|n| n.parse().ok()).collect()
}

/// The invariants of one scored call.
pub fn check_call(call: &CallResult) {
    let n = call.turns.len();
    assert!(n > 0, "a scored call without turns");
    for (i, t) in call.turns.iter().enumerate() {
        assert_eq!(t.index, i, "turn indices are positions");
    }
    for f in &call.findings {
        let turn = call.turns.get(f.turn).unwrap_or_else(|| panic!("{} names turn {} of {n}", f.code, f.turn));
        let chars: Vec<char> = turn.text.chars().collect();
        let [a, b] = f.span;
        assert!(a <= b && b <= chars.len(), "{} span {:?} outside a turn of {} chars", f.code, f.span, chars.len());
        let quoted: String = chars[a..b].iter().take(60).collect();
        assert!(f.excerpt.starts_with(&quoted), "{} excerpt {:?} is not the span {:?}", f.code, f.excerpt, quoted);
        assert!(turn.findings.contains(&f.code), "turn {} does not list {}", f.turn, f.code);
        assert!(!f.message.is_empty() && !f.code.is_empty());
    }
    for s in &call.steps {
        assert!(s.turn.is_none_or(|t| t < n) && s.nearest_turn.is_none_or(|t| t < n), "step {} turn", s.id);
        assert!((0.0..=1.0).contains(&s.confidence), "step {} confidence {}", s.id, s.confidence);
        assert_eq!(s.covered, s.turn.is_some(), "step {}", s.id);
    }
    assert!(call.end_turn.is_none_or(|t| t < n));
    assert!(call.score.is_none_or(|s| (0.0..=100.0).contains(&s)), "score {:?}", call.score);
    for c in &call.criteria {
        assert!(c.score.is_none_or(|s| (0.0..=100.0).contains(&s)), "{} score {:?}", c.id, c.score);
        assert_eq!(c.score.is_none(), c.passed.is_none(), "{}: N/A is both or neither", c.id);
    }
    if call.auto_fail {
        assert_eq!(call.verdict, Verdict::Fail, "auto-fail is a fail");
    }
    serde_json::to_string(call).expect("serializes");
}
