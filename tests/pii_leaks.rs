//! Personal data in every form the attack of issue 18 used never reaches any output: turn
//! texts, call ids, speaker labels, metadata, `--group-by` values, finding excerpts cut inside
//! a number, and input echoed in error messages — in every report format, on stdout and on
//! stderr. A property test checks the guarantee the README states: no run of 7 or more digits
//! (ASCII, full-width or Chinese, with any separators) survives, except amounts with a unit.

mod common;
use common::*;
use proptest::prelude::*;
use serde_json::Value;
use std::fs;
use std::path::Path;

/// Whether `c` is a digit in any of the forms masking knows.
fn digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c) || "零〇一二三四五六七八九幺两兩".contains(c)
}

/// The separators a number may be written with.
fn separator(c: char) -> bool {
    " \u{3000}\t,，、-－‐‑–—.．·/／_()（）[]杠".contains(c)
}

/// The longest run of digits in `s` joined by at most 3 separator characters, skipping runs
/// followed by a unit or preceded by a currency sign and dates written `yyyy-mm-dd`.
fn long_runs(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !digit(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = 0;
        let mut j = i;
        loop {
            while j < chars.len() && digit(chars[j]) {
                digits += 1;
                j += 1;
            }
            let mut k = j;
            while k < chars.len() && k - j < 3 && separator(chars[k]) {
                k += 1;
            }
            if k > j && k < chars.len() && digit(chars[k]) {
                j = k;
            } else {
                break;
            }
        }
        let run: String = chars[start..j].iter().collect();
        let mut u = j;
        while u < chars.len() && chars[u] == ' ' {
            u += 1;
        }
        let rest: String = chars[u..].iter().take(2).collect();
        let unit = ["元", "块", "G", "M", "分", "%", "％", "万", "个", "人", "次", "秒", "天", "年", "月"]
            .iter()
            .any(|x| rest.starts_with(x));
        let currency = start > 0 && "¥￥$".contains(chars[start - 1]);
        let date = run.len() <= 16
            && run.split(['-', '/', '.']).map(str::len).collect::<Vec<_>>().starts_with(&[4])
            && run.chars().take(2).all(|c| c.is_ascii_digit());
        if digits >= 7 && !unit && !currency && !date {
            out.push(run);
        }
        i = j;
    }
    out
}

/// Every string value in a JSON document.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => {
            for (k, x) in o {
                out.push(k.clone());
                strings(x, out);
            }
        }
        _ => {}
    }
}

/// The numbers of the attack, in every written and spoken form the issue lists.
const RAW: &[&str] = &[
    "+8613812345671",
    "008613812345672",
    "86-138-1234-5673",
    "138.1234.5678",
    "(138)12345674",
    "１３８１２３４５６７５",
    "幺三八杠幺二三四杠五六七六",
    "(010) 87654321",
    "110101900307123",
    "110101199003071234",
    "6222021234567890123",
];

/// A batch that carries personal data everywhere a call can: ids, speakers, meta, turn texts
/// (one long enough that an excerpt is cut inside a number), and a bad file whose error
/// quotes it.
fn write_batch(dir: &Path) {
    let mut lines = Vec::new();
    for (i, raw) in RAW.iter().enumerate() {
        let customer = format!("客户{}", ["13912345670", "13912345671"][i % 2]);
        let call = serde_json::json!({
            "id": format!("call-{raw}"),
            "meta": {"team": "一组", "phone": raw, "wechat": format!("wx{}", 1_390_000_000 + i)},
            "turns": [
                {"speaker": "坐席", "text": "您好，我是长江移动的客服，给您推荐一个套餐，保证绝对不降速，今天办理还送话费"},
                {"speaker": customer, "text": format!("我的号码是{raw}，QQ是98765，邮箱zq＠example.com，也可以发 zhangq 艾特 qq 点 com")},
                {"speaker": "坐席", "text": format!("{}保证绝对不降速{raw}我们一定给您办好", "好的".repeat(26))},
            ],
        });
        lines.push(call.to_string());
    }
    fs::write(dir.join("calls.jsonl"), lines.join("\n") + "\n").unwrap();
    fs::write(dir.join("bad.txt"), "我的电话13812345600和身份证110101199003071299\n坐席：您好\n").unwrap();
}

/// Asserts that `what` shows none of the attack's numbers.
fn assert_clean(what: &str, text: &str) {
    for raw in RAW.iter().copied().chain(["13812345600", "110101199003071299", "98765", "zq＠", "zhangq 艾特"]) {
        assert!(!text.contains(raw), "{what} shows {raw}");
    }
    let runs = long_runs(text);
    assert!(runs.is_empty(), "{what} shows long numbers {runs:?}");
}

#[test]
fn the_attack_leaks_nothing_in_any_format_on_stdout_or_stderr() {
    let dir = tempfile::tempdir().unwrap();
    write_batch(dir.path());
    let out = dir.path().join("out");
    let run =
        callqa().arg("report").arg(dir.path()).arg("--group-by").arg("phone").arg("--out").arg(&out).output().unwrap();
    assert!(run.status.code().is_some());
    assert_clean("report stdout", &String::from_utf8_lossy(&run.stdout));
    assert_clean("report stderr", &String::from_utf8_lossy(&run.stderr));
    // Structured formats: every string on its own (a JSON number is not personal data).
    let results: Value = serde_json::from_slice(&fs::read(out.join("results.json")).unwrap()).unwrap();
    let mut all = Vec::new();
    strings(&results, &mut all);
    assert!(all.iter().any(|s| s.contains("expected a speaker line")), "the bad file is an error");
    for s in &all {
        assert_clean("results.json", s);
    }
    let csv = fs::read_to_string(out.join("calls.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    for row in reader.records() {
        for cell in row.unwrap().iter() {
            assert_clean("calls.csv", cell);
        }
    }
    for name in ["summary.md", "junit.xml", "report.html"] {
        let text = fs::read_to_string(out.join(name)).unwrap();
        for raw in RAW {
            assert!(!text.contains(raw), "{name} shows {raw}");
        }
        assert!(!text.contains("13812345600") && !text.contains("1381234"), "{name}");
    }
    for format in ["json", "jsonl", "table", "summary"] {
        let run = callqa().args(["score", "--format", format]).arg(dir.path()).output().unwrap();
        let stdout = String::from_utf8_lossy(&run.stdout);
        for raw in RAW {
            assert!(!stdout.contains(raw), "score --format {format} shows {raw}");
        }
        assert_clean(&format!("score --format {format} stderr"), &String::from_utf8_lossy(&run.stderr));
    }
    let explain = callqa().arg("explain").arg(dir.path().join("calls.jsonl")).output().unwrap();
    assert_clean("explain", &String::from_utf8_lossy(&explain.stdout));
}

#[test]
fn group_by_values_and_questions_are_masked_before_aggregating_so_shards_merge_identically() {
    let dir = tempfile::tempdir().unwrap();
    write_batch(dir.path());
    let one = dir.path().join("one");
    callqa().arg("report").arg(dir.path()).args(["--group-by", "phone", "--out"]).arg(&one).assert().code(0);
    let mut parts = Vec::new();
    for i in 1..=3 {
        let part = dir.path().join(format!("part{i}"));
        callqa()
            .arg("report")
            .arg(dir.path().join("calls.jsonl"))
            .arg(dir.path().join("bad.txt"))
            .args(["--group-by", "phone", "--shard", &format!("{i}/3"), "--out"])
            .arg(&part)
            .output()
            .unwrap();
        if part.join("results.json").exists() {
            parts.push(part.join("results.json"));
        }
    }
    let merged = dir.path().join("merged");
    callqa().arg("merge").args(&parts).arg("--out").arg(&merged).assert().code(0);
    let results: Value = serde_json::from_slice(&fs::read(one.join("results.json")).unwrap()).unwrap();
    let groups: Vec<&str> =
        results["aggregate"]["groups"].as_array().unwrap().iter().map(|g| g["value"].as_str().unwrap()).collect();
    assert!(groups.contains(&"138****5678") || groups.iter().any(|g| g.contains('*')), "{groups:?}");
    for g in &groups {
        assert_clean("a group value", g);
    }
    let a = fs::read_to_string(one.join("results.json")).unwrap();
    let b = fs::read_to_string(merged.join("results.json")).unwrap();
    let calls = |s: &str| -> Value {
        let mut v: Value = serde_json::from_str(s).unwrap();
        v["errors"] = Value::Null;
        v["aggregate"]["errors"] = Value::Null;
        v["aggregate"]["read"] = Value::Null;
        v
    };
    // The bad file's error belongs to whichever shard holds it (part A of issue 18 makes
    // every shard write its errors); the calls and everything aggregated from them agree.
    assert_eq!(calls(&a)["aggregate"], calls(&b)["aggregate"]);
    assert_eq!(calls(&a)["calls"], calls(&b)["calls"]);
}

#[test]
fn redact_patterns_apply_to_ids_meta_speakers_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("c.jsonl"),
        concat!(
            r#"{"id": "工号A77", "meta": {"agent": "工号A77"}, "turns": [{"speaker": "坐席工号A77", "text": "您好，我是工号A77"}, {"speaker": "客户", "text": "好"}]}"#,
            "\n",
            r#"{"id": "x", "turns": "工号A77"}"#,
            "\n"
        ),
    )
    .unwrap();
    let run = callqa().args(["score", "--format", "json", "--redact", "工号A[0-9]+"]).arg(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!stdout.contains("工号A77") && !stderr.contains("工号A77"), "{stdout}\n{stderr}");
    assert!(stdout.contains("\"call_id\": \"*****\""), "{stdout}");
}

#[test]
fn error_messages_quote_a_short_masked_excerpt() {
    let dir = tempfile::tempdir().unwrap();
    let junk = format!("{}13812345678{}", "乱".repeat(20), "码".repeat(400));
    fs::write(dir.path().join("junk.txt"), format!("{junk}\n")).unwrap();
    let run = callqa().args(["score", "--format", "json"]).arg(dir.path().join("junk.txt")).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!stderr.contains("1381234"), "{stderr}");
    assert!(stderr.chars().filter(|&c| c == '码').count() < 40, "{stderr}");
}

/// One number as the generator writes it: digits in some alphabet, split into groups.
fn number() -> impl Strategy<Value = String> {
    let alphabet = prop::sample::select(vec![0usize, 1, 2, 3]);
    let sep = prop::sample::select(vec!["", " ", "-", ".", "杠", "，", "、", ") ", "－", "  ", "/"]);
    (prop::collection::vec((0u8..10, 1usize..5), 3..8), alphabet, sep).prop_map(|(groups, alphabet, sep)| {
        let form = |d: u8, i: usize| -> char {
            let chinese = ['零', '幺', '二', '三', '四', '五', '六', '七', '八', '九'];
            match (alphabet + i) % 4 {
                0 => char::from(b'0' + d),
                1 => char::from_u32(u32::from('０') + u32::from(d)).unwrap(),
                2 => chinese[d as usize],
                _ => {
                    if i.is_multiple_of(2) {
                        char::from(b'0' + d)
                    } else {
                        chinese[d as usize]
                    }
                }
            }
        };
        let mut out = String::new();
        let mut i = 0;
        for (g, (seed, len)) in groups.iter().enumerate() {
            if g > 0 {
                out.push_str(sep);
            }
            for k in 0..*len {
                out.push(form((seed.wrapping_mul(7).wrapping_add(k as u8 * 3)) % 10, i));
                i += 1;
            }
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// No run of 7 or more digits survives masking, wherever the number is put.
    #[test]
    fn no_long_digit_run_survives_in_any_output(
        numbers in prop::collection::vec(number(), 4),
        before in prop::sample::select(vec!["号码是", "就是", "", "好的 ", "QQ ", "卡号"]),
        after in prop::sample::select(vec!["", "，好的", "。", " 谢谢", "吧"]),
    ) {
        let digits = |s: &str| s.chars().filter(|&c| digit(c)).count();
        prop_assume!(numbers.iter().all(|n| digits(n) >= 7 && long_runs(n).len() == 1));
        let dir = tempfile::tempdir().unwrap();
        let call = serde_json::json!({
            "id": format!("id{}", numbers[0]),
            "meta": {"phone": numbers[1]},
            "turns": [
                {"speaker": "坐席", "text": "您好，我是客服"},
                {"speaker": format!("客户{}", numbers[2]), "text": format!("{before}{}{after}", numbers[3])},
            ],
        });
        fs::write(dir.path().join("c.jsonl"), format!("{call}\n")).unwrap();
        fs::write(dir.path().join("bad.txt"), format!("{before}{}{after}\n", numbers[3])).unwrap();
        let out = dir.path().join("out");
        let run = callqa().arg("report").arg(dir.path()).args(["--group-by", "phone", "--out"]).arg(&out).output().unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
        prop_assert!(long_runs(&stderr).is_empty(), "stderr: {}", stderr);
        let results: Value = serde_json::from_slice(&fs::read(out.join("results.json")).unwrap()).unwrap();
        let mut all = Vec::new();
        strings(&results, &mut all);
        for s in &all {
            prop_assert!(long_runs(s).is_empty(), "results.json: {}", s);
        }
        let csv = fs::read_to_string(out.join("calls.csv")).unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        for row in reader.records() {
            for cell in row.unwrap().iter() {
                prop_assert!(long_runs(cell).is_empty(), "calls.csv: {}", cell);
            }
        }
        for name in ["summary.md", "junit.xml", "report.html"] {
            let text = fs::read_to_string(out.join(name)).unwrap();
            for n in &numbers {
                prop_assert!(!text.contains(n.as_str()), "{} shows {}", name, n);
            }
        }
    }
}

#[test]
fn the_framed_pipe_stage_masks_calls_and_error_records() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    write_batch(dir.path());
    // Every call of the attack as a frame, then records that fail with personal data in their
    // source, their text and a reader's error, and a line that is not a frame at all.
    let mut frames = String::new();
    let calls = fs::read_to_string(dir.path().join("calls.jsonl")).unwrap();
    for (i, line) in calls.lines().enumerate() {
        let frame = serde_json::json!({"source": "day/calls.jsonl", "line": i + 1, "text": line});
        frames.push_str(&format!("{frame}\n"));
    }
    let bad = [
        serde_json::json!({"source": "day/13812345600.jsonl", "line": 1, "text": "{\"id\": \"c-13812345600\", \"turns\": 3}"}),
        serde_json::json!({"source": "day/b.jsonl", "line": 2, "text": "我的电话13812345600和身份证110101199003071299"}),
        serde_json::json!({"source": "day/c.jsonl", "line": 3, "error": "line is not UTF-8 near 13812345600"}),
    ];
    for frame in bad {
        frames.push_str(&format!("{frame}\n"));
    }
    frames.push_str("13812345600 110101199003071299\n");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_callqa"))
        .args(["score", "--framed", "--format", "jsonl", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(frames.as_bytes()).unwrap();
    let run = child.wait_with_output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let stdout = String::from_utf8(run.stdout).unwrap();
    let lines: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), RAW.len() + 4, "one line per frame");
    assert_eq!(lines.iter().filter(|l| l.get("error").is_some()).count(), 4, "{stdout}");
    for line in &lines {
        let mut all = Vec::new();
        strings(line, &mut all);
        for s in &all {
            assert_clean("a --framed line", s);
        }
    }
    assert_clean("--framed stderr", &String::from_utf8_lossy(&run.stderr));
}
