//! Personal data from the fixtures never reaches a report unless `--show-pii` is given: every
//! format (`report`'s results.json, calls.csv, summary.md, junit.xml, report.html; `score`'s
//! table, json and jsonl; `explain`) over every labelled fixture directory.

mod common;
use common::*;
use std::fs;

/// The fixture directories, with the rubric each is scored with.
const DIRS: &[(&str, Option<&str>)] = &[
    ("fixtures/dev", None),
    ("fixtures/test", None),
    ("fixtures/bank/dev", Some("rubrics/bank-card-instalment.toml")),
    ("fixtures/bank/test", Some("rubrics/bank-card-instalment.toml")),
];

/// Personal data that occurs in the fixtures (collected by reading them), by directory.
const KNOWN_PII: &[(&str, &[&str])] = &[
    (
        "fixtures/dev",
        &[
            // para_contact_phone.txt: a mobile number.
            "13800138000",
            // asr_noisy_contact_ab.txt: the same mobile read out, as ASR split it and in one piece.
            "幺三八 零零幺三八 零零零",
            "幺三八零零幺三八零零零",
            // viol_pv004_code.json: the SMS verification code.
            "482916",
            // WeChat ids the customers gave, typed and spelled out through ASR.
            "qz-zhang",
            "zhangq_2024",
            "zhangq_88",
            "zhangq下划线二零二四",
            "qz杠zhang",
        ],
    ),
    (
        "fixtures/test",
        &[
            // t27-verification-code.txt: the code in Chinese digits.
            "四八二九一六",
            // t02 / t28: an id spelled letter by letter.
            "q z 杠 zhang",
            "z q 杠 zhang",
            "qz-zhang",
            "zq-zhang",
            "zq_1988",
            "zq_pm",
            "zq-finance",
            "zhangqiang_pm",
            "zhang_qiang35",
            "zhang-q-2020",
        ],
    ),
    // The bank calls give no personal data: only the last four card digits (尾号6677), which
    // the masks show anyway.
    ("fixtures/bank/dev", &[]),
    // viol_sms_code.txt: a code read out after the agent asked for it.
    ("fixtures/bank/test", &["四八三九二一"]),
];

/// How the masked PII reads: masked, not dropped, with the readable hint of its kind.
const MASKED: &[&str] =
    &["138****8000", "幺三八 ****八 零零零", "幺三八****八零零零", "qz-*****", "q z * *****", "是******"];

/// Ordinary numbers in the fixtures that must never be masked.
const ORDINARY: &[(&str, &[&str])] = &[
    ("fixtures/dev", &["五十九块", "三十个G", "五百分钟", "30GB", "500分钟", "59元", "96%", "50万人次", "两分钟"]),
    ("fixtures/test", &["30GB", "500分钟", "59元"]),
    ("fixtures/bank/dev", &["尾号6677", "尾号六六七七", "12000元", "12期", "864元"]),
    ("fixtures/bank/test", &[]),
];

/// The outputs of every format for `dir`, each as (name, text).
fn outputs(dir: &str, rubric: Option<&str>, extra: &[&str]) -> Vec<(String, String)> {
    let rubric_args: Vec<&str> = rubric.map(|r| vec!["--rubric", r]).unwrap_or_default();
    let tmp = tempfile::tempdir().unwrap();
    let mut texts = Vec::new();
    let out = callqa()
        .args(["report", dir, "--out"])
        .arg(tmp.path())
        .args(&rubric_args)
        .args(extra)
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert!(out.status.success(), "{dir}: {}", String::from_utf8_lossy(&out.stderr));
    texts.push((format!("{dir}: report stdout"), String::from_utf8_lossy(&out.stdout).into_owned()));
    let mut files: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        texts.push((format!("{dir}: {name}"), String::from_utf8_lossy(&fs::read(&f).unwrap()).into_owned()));
    }
    assert!(texts.len() >= 6, "{dir}: report wrote {} files", texts.len() - 1);
    for format in ["table", "json", "jsonl"] {
        let out = callqa()
            .args(["score", "--format", format, dir])
            .args(&rubric_args)
            .args(extra)
            .current_dir(repo(""))
            .output()
            .unwrap();
        texts.push((format!("{dir}: score --format {format}"), String::from_utf8_lossy(&out.stdout).into_owned()));
    }
    let out = callqa()
        .args(["explain", "--color", "never", dir])
        .args(&rubric_args)
        .args(extra)
        .current_dir(repo(""))
        .output();
    texts.push((format!("{dir}: explain"), String::from_utf8_lossy(&out.unwrap().stdout).into_owned()));
    // Markdown and HTML may escape characters of an id (`zhangq\_2024`).
    texts.into_iter().map(|(n, t)| (n, t.replace('\\', "").replace("&#95;", "_"))).collect()
}

fn known(dir: &str) -> &'static [&'static str] {
    KNOWN_PII.iter().find(|(d, _)| *d == dir).map(|(_, p)| *p).unwrap()
}

fn ordinary(dir: &str) -> &'static [&'static str] {
    ORDINARY.iter().find(|(d, _)| *d == dir).map(|(_, p)| *p).unwrap()
}

#[test]
fn no_known_pii_in_any_format_by_default() {
    let mut all = String::new();
    for &(dir, rubric) in DIRS {
        for (name, text) in outputs(dir, rubric, &[]) {
            for pii in known(dir) {
                assert!(!text.contains(pii), "{pii} leaked into {name}");
            }
            all.push_str(&text);
        }
    }
    // Masked, not dropped: the evidence stays readable.
    for m in MASKED {
        assert!(all.contains(m), "no `{m}` in the reports");
    }
}

#[test]
fn show_pii_turns_masking_off() {
    for &(dir, rubric) in DIRS {
        let texts = outputs(dir, rubric, &["--show-pii"]);
        for pii in known(dir) {
            // Every call's turns are in results.json and in report.html.
            for format in ["results.json", "report.html", "score --format json"] {
                let (name, text) = texts.iter().find(|(n, _)| n.ends_with(format)).unwrap();
                assert!(text.contains(pii), "{pii} should be shown with --show-pii in {name}");
            }
        }
    }
}

#[test]
fn ordinary_numbers_are_never_masked() {
    for &(dir, rubric) in DIRS {
        let texts = outputs(dir, rubric, &[]);
        let (_, json) = texts.iter().find(|(n, _)| n.ends_with("results.json")).unwrap();
        for number in ordinary(dir) {
            assert!(json.contains(number), "{dir}: `{number}` was masked (or is no longer in the fixtures)");
        }
    }
}

#[test]
fn a_masked_contact_still_counts_as_captured() {
    let doc = score_json(&[&repo("fixtures/dev/para_contact_phone.txt").to_string_lossy()]);
    assert_eq!(doc["calls"][0]["end_condition"], "contact_captured");
    let doc = score_json(&[&repo("fixtures/dev/asr_noisy_contact_ab.txt").to_string_lossy()]);
    assert_eq!(doc["calls"][0]["end_condition"], "contact_captured");
    assert!(doc["calls"][0]["turns"][12]["text"].as_str().unwrap().contains("幺三八 ****八 零零零"));
}

/// A rubric (the starter of `rubric new`) with `[redact] regex = [...]` appended.
fn rubric_with_redact(dir: &std::path::Path, regex: &str) -> std::path::PathBuf {
    let path = dir.join("r.toml");
    let out = callqa().args(["rubric", "new"]).arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut text = fs::read_to_string(&path).unwrap();
    text.push_str(&format!("\n[redact]\n# the customer's name\nregex = [{regex}]\n"));
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_rubric_adds_redact_patterns_to_the_command_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let rubric = rubric_with_redact(tmp.path(), r#""张先生", "张\\p{Han}{1,2}""#);
    let call = repo("fixtures/dev/para_contact_phone.txt");
    let score = |extra: &[&str]| {
        let out = callqa()
            .args(["score", "--format", "json", "--rubric"])
            .arg(&rubric)
            .args(extra)
            .arg(&call)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let plain = score(&["--show-pii"]);
    assert!(plain.contains("张先生") && plain.contains("李明") && plain.contains("13800138000"), "{plain}");
    // The rubric's patterns, the command line's and the built-in ones all apply.
    let masked = score(&["--redact", "李明"]);
    for pii in ["张先生", "李明", "13800138000"] {
        assert!(!masked.contains(pii), "{pii} leaked: {masked}");
    }
    assert!(masked.contains("***") && masked.contains("138****8000"));
    // `report` (every call collected before writing) masks them the same way.
    let out = tempfile::tempdir().unwrap();
    let status =
        callqa().args(["report", "--rubric"]).arg(&rubric).arg(&call).arg("--out").arg(out.path()).output().unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let html = fs::read_to_string(out.path().join("report.html")).unwrap();
    let json = fs::read_to_string(out.path().join("results.json")).unwrap();
    assert!(!html.contains("张先生") && !json.contains("张先生") && json.contains("喂，***您好"), "{json}");
    // Masks keep the length: the same turns, character for character.
    let doc: serde_json::Value = serde_json::from_str(&masked).unwrap();
    let shown: serde_json::Value = serde_json::from_str(&plain).unwrap();
    for (a, b) in
        doc["calls"][0]["turns"].as_array().unwrap().iter().zip(shown["calls"][0]["turns"].as_array().unwrap())
    {
        assert_eq!(a["text"].as_str().unwrap().chars().count(), b["text"].as_str().unwrap().chars().count());
    }
}

#[test]
fn an_invalid_redact_regex_in_the_rubric_is_reported_at_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let rubric = rubric_with_redact(tmp.path(), r#""张先生", "卡号(\\d+""#);
    let text = fs::read_to_string(&rubric).unwrap();
    let line = text.lines().count();
    let column = text.lines().last().unwrap().chars().position(|c| c == '卡').unwrap();
    let out = callqa().args(["rubric", "check"]).arg(&rubric).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let at = format!("{}:{line}:{column}: redact `regex` has an invalid regex `卡号(\\d+`", rubric.display());
    assert!(err.contains(&at), "expected `{at}` in:\n{err}");
    assert!(err.contains("help: regexes use Rust `regex` syntax"), "{err}");
    // Scoring refuses the rubric too.
    let out =
        callqa().args(["score", "--rubric"]).arg(&rubric).arg(repo("fixtures/dev/para_contact_phone.txt")).output();
    assert_eq!(out.unwrap().status.code(), Some(2));
}
