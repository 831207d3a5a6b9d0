//! Issue 18, "nothing lost, bounded under any input": each way a hostile or broken input lost or
//! miscounted records, hung, or ran unbounded, run through the real binary. Every record ends up
//! in `calls` or `errors` (read = calls + errors), and the gate does not pass on nothing.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// One good call as a JSON Lines record.
fn call_line(id: &str) -> String {
    format!(
        "{{\"id\": \"{id}\", \"turns\": [{{\"speaker\": \"坐席\", \"text\": \"您好，我是长江移动的客服。\"}}, \
         {{\"speaker\": \"客户\", \"text\": \"嗯，你说。\"}}]}}"
    )
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

fn ids(doc: &Value) -> Vec<String> {
    doc["calls"].as_array().unwrap().iter().map(|c| c["call_id"].as_str().unwrap().to_string()).collect()
}

fn errors(doc: &Value) -> Vec<(String, String)> {
    doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["source"].as_str().unwrap().to_string(), e["message"].as_str().unwrap().to_string()))
        .collect()
}

/// A junk or `#` first line made the whole file one "cannot detect the format" error.
#[test]
fn jsonl_with_a_bad_first_line_accounts_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    for first in ["# exported from the dialer, 2024-05-01", "junk", "{oops"] {
        let mut text = format!("{first}\n");
        for i in 0..10 {
            text.push_str(&call_line(&format!("c{i}")));
            text.push('\n');
        }
        let f = write(dir.path(), "calls.jsonl", &text);
        let doc = score_json(&[&f]);
        assert_eq!(ids(&doc).len(), 10, "{first}: {:?}", errors(&doc));
        let errs = errors(&doc);
        assert_eq!(errs.len(), 1, "{first}");
        assert!(errs[0].0.contains("calls.jsonl:1:"), "{errs:?}");
    }
}

/// One invalid UTF-8 byte in a small JSON Lines file lost every call in it; only its line fails.
#[test]
fn invalid_utf8_fails_only_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    for i in 0..6 {
        if i == 3 {
            bytes.extend(b"{\"id\": \"bad\xFF\", \"turns\": []}\n");
        }
        bytes.extend(call_line(&format!("c{i}")).into_bytes());
        bytes.push(b'\n');
    }
    let f = write(dir.path(), "calls.jsonl", &bytes);
    let doc = score_json(&[&f]);
    assert_eq!(ids(&doc), ["c0", "c1", "c2", "c3", "c4", "c5"]);
    let errs = errors(&doc);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].0.ends_with("calls.jsonl:4:12"), "{errs:?}");
    assert!(errs[0].1.contains("invalid UTF-8"), "{errs:?}");
}

/// A symlink to a parent was walked 41 times; the same folder given twice reported every call as
/// a duplicate of itself.
#[cfg(unix)]
#[test]
fn symlink_cycles_and_repeated_folders_read_each_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let calls = dir.path().join("calls");
    std::fs::create_dir(&calls).unwrap();
    std::fs::copy(repo("fixtures/dev/faithful_busy.txt"), calls.join("a.txt")).unwrap();
    std::os::unix::fs::symlink(dir.path(), calls.join("up")).unwrap();
    std::os::unix::fs::symlink(dir.path(), calls.join("up2")).unwrap();
    let d = dir.path().display().to_string();
    let c = calls.display().to_string();
    let doc = score_json(&[&d, &c, &d]);
    assert_eq!(ids(&doc), ["a"]);
    assert!(errors(&doc).is_empty(), "{:?}", errors(&doc));
}

/// A FIFO named `*.txt` in a folder hung the batch forever.
#[cfg(unix)]
#[test]
fn a_fifo_in_a_folder_is_reported_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let made = std::process::Command::new("mkfifo").arg(dir.path().join("pipe.txt")).status();
    if !made.is_ok_and(|s| s.success()) {
        return;
    }
    std::fs::copy(repo("fixtures/dev/faithful_busy.txt"), dir.path().join("a.txt")).unwrap();
    let out =
        callqa().args(["score", "--format", "json"]).arg(dir.path()).timeout(Duration::from_secs(60)).output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).expect("finishes with JSON");
    assert_eq!(ids(&doc), ["a"]);
    let errs = errors(&doc);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].0.ends_with("pipe.txt") && errs[0].1.contains("not a regular file"), "{errs:?}");
}

/// `/dev/zero` had no size check, and stdin was read whole before the check.
#[cfg(unix)]
#[test]
fn max_file_bytes_holds_for_devices_and_stdin() {
    let out = callqa()
        .args(["score", "--format", "json", "--max-file-bytes", "100000", "/dev/zero"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errs = errors(&doc);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].0 == "/dev/zero" && errs[0].1.contains("more than the limit of 100000 bytes"), "{errs:?}");

    let big = format!("坐席：{}\n", "您好".repeat(5000));
    let out = callqa()
        .args(["score", "--format", "json", "--max-file-bytes", "1000", "-"])
        .write_stdin(big)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errs = errors(&doc);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].0 == "<stdin>" && errs[0].1.contains("--max-file-bytes"), "{errs:?}");
    // Under the limit, stdin is scored.
    let small = std::fs::read(repo("fixtures/dev/faithful_busy.txt")).unwrap();
    let out = callqa().args(["score", "--format", "json", "-"]).write_stdin(small).output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ids(&doc).len(), 1);
}

/// 「特点：保证绝对不降速」 on its own line became a turn of a new speaker 特点, and the critical
/// OP001 in it went unseen.
#[test]
fn a_colon_inside_an_agent_turn_is_not_a_new_speaker() {
    let dir = tempfile::tempdir().unwrap();
    let text = "坐席：您好，我是长江移动的客服李明，现在有两分钟吗？\n客户：你说。\n\
                坐席：乐享畅聊套有三个\n特点：保证绝对不降速，流量多，通话多。\n客户：哦，知道了。\n";
    let f = write(dir.path(), "h1.txt", text);
    let doc = score_json(&[&f]);
    let call = &doc["calls"][0];
    let turns = call["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 4, "{turns:?}");
    assert_eq!(turns[2]["speaker"], "坐席");
    assert!(turns[2]["text"].as_str().unwrap().contains("特点：保证绝对不降速"));
    let op001: Vec<&Value> = call["findings"].as_array().unwrap().iter().filter(|f| f["code"] == "OP001").collect();
    assert!(op001.iter().any(|f| f["turn"] == 2), "{:?}", call["findings"]);
    assert_eq!(call["verdict"], "fail");
}

/// A JSON array `[zz, aa, mm]` came out as zz, aa, mm from `score` and aa, mm, zz in `report`.
#[test]
fn a_json_array_keeps_the_files_order_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("[{}, {}, {}]", call_line("zz"), call_line("aa"), call_line("mm"));
    let f = write(dir.path(), "batch.json", text);
    assert_eq!(ids(&score_json(&[&f])), ["zz", "aa", "mm"]);
    let out = dir.path().join("out");
    callqa().arg("report").arg(&f).arg("--out").arg(&out).assert().success();
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(ids(&doc), ["zz", "aa", "mm"]);
    let csv = std::fs::read_to_string(out.join("calls.csv")).unwrap();
    let order: Vec<usize> = ["zz", "aa", "mm"].iter().map(|id| csv.find(&format!("{id},")).unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{csv}");
}

/// A UTF-32 file with a BOM was decoded as UTF-16 and scored as NUL-interleaved text.
#[test]
fn utf32_with_a_bom_scores_like_its_utf8_twin() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(repo("fixtures/dev/faithful_busy.txt")).unwrap();
    for big_endian in [false, true] {
        let bytes: Vec<u8> = std::iter::once('\u{FEFF}')
            .chain(original.chars())
            .flat_map(|c| if big_endian { (c as u32).to_be_bytes() } else { (c as u32).to_le_bytes() })
            .collect();
        let utf8 = write(dir.path(), "faithful_busy.txt", &original);
        let want = score_json(&[&utf8]);
        let f = write(dir.path(), "faithful_busy.txt", bytes);
        let got = score_json(&[&f]);
        assert!(errors(&got).is_empty(), "{:?}", errors(&got));
        assert_eq!(got["calls"], want["calls"]);
    }
}

/// A results.json with no evaluated call passed `--max-auto-fail 0`.
#[test]
fn the_gate_fails_on_an_empty_run_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "bad.jsonl", "{\"turns\": [}\n{\"turns\": [}\n");
    let out = callqa().args(["score", "--format", "json", &f]).output().unwrap();
    let results = write(dir.path(), "results.json", &out.stdout);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((ids(&doc).len(), errors(&doc).len()), (0, 2));
    let gate = callqa().args(["gate", &results, "--max-auto-fail", "0"]).output().unwrap();
    assert_eq!(gate.status.code(), Some(1), "{}", String::from_utf8_lossy(&gate.stdout));
    let text = String::from_utf8_lossy(&gate.stdout);
    assert!(text.contains("FAIL evaluated calls: 0") && text.contains("--allow-empty"), "{text}");
    callqa().args(["gate", &results, "--max-auto-fail", "0", "--allow-empty"]).assert().code(0);
}

/// A baseline scored with another rubric (or rubric version) passed silently.
#[test]
fn a_baseline_of_another_rubric_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = repo("fixtures/dev/faithful_busy.txt").display().to_string();
    let out = callqa().args(["score", "--format", "json", &fixture]).output().unwrap();
    let new = write(dir.path(), "new.json", &out.stdout);
    let mut old: Value = serde_json::from_slice(&out.stdout).unwrap();
    let version = old["rubric"]["version"].as_str().unwrap().to_string();
    old["rubric"]["version"] = Value::from("0.9-old");
    let baseline = write(dir.path(), "baseline.json", serde_json::to_vec(&old).unwrap());
    let refused = callqa().args(["gate", &new, "--baseline", &baseline, "--max-drop", "5"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("another rubric") && err.contains("--allow-rubric-change"), "{err}");
    let allowed = callqa()
        .args(["gate", &new, "--baseline", &baseline, "--max-drop", "5", "--allow-rubric-change"])
        .output()
        .unwrap();
    assert_eq!(allowed.status.code(), Some(0));
    let text = String::from_utf8_lossy(&allowed.stdout);
    assert!(text.contains(&format!("version 0.9-old → {version}")), "{text}");
}

/// A call with too many turns is an error naming it, in `errors`; the batch goes on.
#[test]
fn max_turns_caps_a_call_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut long = String::new();
    for i in 0..30 {
        long.push_str(if i % 2 == 0 { "坐席：好的，您说。\n" } else { "客户：嗯。\n" });
    }
    let f = write(dir.path(), "long.txt", long);
    let ok = repo("fixtures/dev/faithful_busy.txt").display().to_string();
    let doc = score_json(&["--max-turns", "20", &f, &ok]);
    assert_eq!(ids(&doc), ["faithful_busy"]);
    let errs = errors(&doc);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].0.ends_with("long.txt:21:1"), "{errs:?}");
    assert!(errs[0].1.contains("call \"long\" has 30 turns") && errs[0].1.contains("--max-turns"), "{errs:?}");
    // Under the default cap the call is scored.
    assert_eq!(ids(&score_json(&[&f])), ["long"]);
}

/// `-j 100000` started a hundred thousand threads; absurd values are usage errors now.
#[test]
fn absurd_thread_counts_are_usage_errors() {
    let fixture = repo("fixtures/dev/faithful_busy.txt").display().to_string();
    for j in ["0", "100000"] {
        let out = callqa().args(["score", "-j", j, &fixture]).timeout(Duration::from_secs(60)).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "-j {j}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("is not in 1..=1024"), "-j {j}");
    }
    // A large but sane value is capped at the cores and the work, and runs.
    callqa().args(["score", "-j", "1024", &fixture]).timeout(Duration::from_secs(60)).assert().success();
}

mod accounting {
    use callqa::transcript::{ReadOptions, read_bytes};
    use proptest::prelude::*;

    /// A good record: ASCII or Chinese text, so that damaged lines beside it cannot pass the whole
    /// file off as GB18030.
    fn good(i: usize, chinese: bool) -> Vec<u8> {
        let text = if chinese { "您好，我是客服。" } else { "hello there" };
        format!("{{\"id\": \"g{i}\", \"turns\": [{{\"speaker\": \"坐席\", \"text\": \"{text}\"}}]}}").into_bytes()
    }

    /// A line: good, or junk bytes (anything but a line break).
    fn line() -> impl Strategy<Value = Option<Vec<u8>>> {
        prop_oneof![
            2 => Just(None),
            1 => proptest::collection::vec(any::<u8>().prop_filter("no line break", |b| *b != b'\n' && *b != b'\r'), 0..40)
                .prop_map(Some),
            1 => proptest::sample::select(&["#", "[", "{", "{\"turns\": [", "A: hi", "\u{FEFF}x", "\0"][..])
                .prop_map(|s| Some(s.as_bytes().to_vec())),
        ]
    }

    /// Whether a line is a record: anything but whitespace (a line that is not UTF-8 always is).
    fn is_record(line: &[u8]) -> bool {
        std::str::from_utf8(line).map_or(true, |t| !t.trim().is_empty())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Issue 18: any JSON Lines byte string with good lines mixed in accounts for every line:
        /// one call or one error per non-blank line, each good line a call from its own line.
        #[test]
        fn every_line_is_a_call_or_an_error(
            lines in proptest::collection::vec(line(), 1..30),
            chinese in any::<bool>(),
            crlf in any::<bool>(),
        ) {
            prop_assume!(lines.iter().any(Option::is_none));
            let mut bytes = Vec::new();
            let mut records = 0;
            let mut good_lines = Vec::new();
            for (n, l) in lines.iter().enumerate() {
                let l = match l {
                    None => {
                        good_lines.push(n + 1);
                        good(n, chinese)
                    }
                    Some(junk) => junk.clone(),
                };
                // A BOM is only a BOM at the very start of the file.
                let body = if n == 0 { l.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&l) } else { &l[..] };
                records += usize::from(is_record(body));
                bytes.extend_from_slice(&l);
                bytes.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
            let out = read_bytes("d/calls.jsonl", &bytes, &ReadOptions::default());
            prop_assert_eq!(out.len(), records, "{:?}", out);
            let calls: Vec<&str> = out.iter().flatten().map(|c| c.source.as_str()).collect();
            let want: Vec<String> = good_lines.iter().map(|n| format!("d/calls.jsonl:{n}")).collect();
            // Junk can never parse as a call; every good line is one.
            prop_assert_eq!(calls, want.iter().map(String::as_str).collect::<Vec<_>>());
            // The same bytes in a file not named as JSON Lines: detected from content, past any
            // bad first line, and still one record per line.
            let detected = read_bytes("d/calls.txt", &bytes, &ReadOptions::default());
            let n = detected.iter().flatten().count();
            prop_assert!(detected.len() == records || (n == 1 && records == 1), "{:?}", detected);
            prop_assert_eq!(n, good_lines.len());
        }
    }
}
