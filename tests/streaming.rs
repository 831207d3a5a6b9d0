//! Streaming through the real binary: `score` writes calls as they are scored, a big JSON Lines
//! file is read a chunk at a time, and the output is byte for byte what the collected path
//! (the same command with a gate, which holds every call) writes — with 1 or 2 threads.

mod common;

use common::{callqa, repo};
use std::io::Write;

/// A JSON Lines file of `n` calls past the streaming threshold (8 MiB): each line carries 4 KB
/// of metadata (cheap to score, so the test stays fast in a debug build), and a bad line, a
/// line of invalid UTF-8, a blank line and a duplicate id are mixed in.
fn big_jsonl(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let path = dir.join("big.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let padding = "x".repeat(4096);
    for i in 0..n {
        match i {
            7 => writeln!(f, "{{\"id\": \"c7\", \"turns\": [}}").unwrap(),
            11 => f.write_all(b"{\"id\": \"c11\", \"turns\": \xFF}\n").unwrap(),
            13 => writeln!(f).unwrap(),
            _ => {
                let id = if i == 20 { "c19".to_string() } else { format!("c{i}") };
                writeln!(
                    f,
                    "{{\"id\": \"{id}\", \"meta\": {{\"team\": \"t{}\", \"padding\": \"{padding}\"}}, \"turns\": [{{\"speaker\": \"坐席\", \"text\": \"您好，我是长江移动的客服李明，给您介绍新推出的乐享畅聊套餐\"}}, {{\"speaker\": \"客户\", \"text\": \"不需要，我在忙，手机13800138000\"}}]}}",
                    i % 3
                )
                .unwrap()
            }
        }
    }
    f.flush().unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() > 8 * 1024 * 1024);
    path
}

fn run(args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = callqa().args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_big_jsonl_file_streams_to_the_same_bytes_as_the_collected_path() {
    let dir = tempfile::tempdir().unwrap();
    let big = big_jsonl(dir.path(), 2_200);
    let big = big.to_str().unwrap();
    // A gate that always holds makes `score` collect every call before writing.
    let (code, collected, stderr) =
        run(&["score", "--format", "json", "--group-by", "team", "--max-auto-fail", "999999", big]);
    assert_eq!(code, 0, "{stderr}");
    for threads in ["1", "2"] {
        let (code, streamed, stderr) = run(&["score", "--format", "json", "--group-by", "team", "-j", threads, big]);
        assert_eq!(code, 0, "{stderr}");
        assert!(streamed == collected, "streamed JSON differs from the collected one with -j {threads}");
    }
    let v: serde_json::Value = serde_json::from_slice(&collected).unwrap();
    // 2,200 lines: one blank, three errors (bad JSON, bad UTF-8, the second c19).
    assert_eq!(v["aggregate"]["read"], 2_199);
    assert_eq!(v["aggregate"]["errors"], 3);
    let errors: Vec<String> =
        v["errors"].as_array().unwrap().iter().map(|e| e["source"].as_str().unwrap().to_string()).collect();
    assert!(errors[0].ends_with("big.jsonl:8:24"), "{errors:?}");
    assert!(errors[1].ends_with("big.jsonl:12:24"), "{errors:?}");
    assert!(errors[2].ends_with("big.jsonl:21"), "{errors:?}");
    assert!(v["errors"][1]["message"].as_str().unwrap().contains("invalid UTF-8 at byte offset"));
    // Personal data is masked in the streamed output too.
    assert!(!String::from_utf8_lossy(&collected).contains("13800138000"));

    // JSON Lines: one line per record, the same calls in the same order, error records in place.
    let (_, jsonl, _) = run(&["score", "--format", "jsonl", "-j", "2", big]);
    let lines: Vec<serde_json::Value> =
        String::from_utf8(jsonl).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), v["calls"].as_array().unwrap().len() + 3);
    let (errors, calls): (Vec<_>, Vec<_>) = lines.iter().partition(|l| l.get("error").is_some());
    assert_eq!(calls[500]["call_id"], v["calls"][500]["call_id"]);
    assert_eq!(errors.iter().map(|e| e["error"].clone()).collect::<Vec<_>>(), *v["errors"].as_array().unwrap());
}

#[test]
fn the_table_streams_too() {
    let dev = repo("fixtures/dev");
    let dev = dev.to_str().unwrap();
    let (_, streamed, _) = run(&["score", dev]);
    let (_, collected, _) = run(&["score", "--max-auto-fail", "999999", dev]);
    assert!(streamed == collected);
    assert!(String::from_utf8_lossy(&streamed).contains("lowest-scoring failed calls"));
}

#[test]
fn finding_no_transcript_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(&["score", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no transcripts found"), "{stderr}");
}

#[test]
fn calibrating_against_labels_of_other_calls_is_an_error() {
    let (code, _, stderr) = run(&[
        "calibrate",
        repo("fixtures/test").to_str().unwrap(),
        "--labels",
        repo("fixtures/bank/dev").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no labelled call matches"), "{stderr}");
}
