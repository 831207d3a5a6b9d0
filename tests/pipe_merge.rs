//! Shards and streams that merge into one run, and merges that must be refused — through the
//! real binary. The pipe test does what examples/spark does, without Spark: frame each line of
//! the corpus with its file and line, cut the frames into partitions in a shuffled order, run
//! `score --framed --format jsonl -` on each, and merge the outputs.

mod common;
use common::*;
use serde_json::Value;
use std::fs;
use std::path::Path;

const REPORTS: [&str; 5] = ["results.json", "calls.csv", "summary.md", "junit.xml", "report.html"];

fn run_in(dir: &Path, args: &[&str], stdin: &[u8]) -> (i32, Vec<u8>, String) {
    let out = callqa().args(args).current_dir(dir).write_stdin(stdin.to_vec()).output().unwrap();
    (out.status.code().unwrap_or(-1), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn results(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

fn assert_same_reports(a: &Path, b: &Path) {
    for name in REPORTS {
        let (x, y) = (fs::read(a.join(name)).unwrap(), fs::read(b.join(name)).unwrap());
        assert!(x == y, "{name} differs between {} and {}", a.display(), b.display());
    }
}

/// A shard whose share holds only input errors still writes its part (issue 18): merging the 8
/// parts of fixtures/faults reads every record the single run reads.
#[test]
fn every_shard_writes_its_part_and_the_merge_loses_no_error() {
    let tmp = tempfile::tempdir().unwrap();
    let root = repo("");
    let whole = tmp.path().join("whole");
    let (code, _, err) = run_in(&root, &["report", "fixtures/faults", "--out", whole.to_str().unwrap()], b"");
    assert_eq!(code, 0, "{err}");
    let whole_read = results(&whole.join("results.json"))["aggregate"]["read"].as_u64().unwrap();
    assert_eq!(whole_read, 22);
    let mut parts = Vec::new();
    let mut errors_only = 0;
    for i in 1..=8 {
        let dir = tmp.path().join(format!("part{i}"));
        let shard = format!("{i}/8");
        let (code, _, err) =
            run_in(&root, &["report", "fixtures/faults", "--shard", &shard, "--out", dir.to_str().unwrap()], b"");
        assert_eq!(code, 0, "shard {shard}: {err}");
        let part = results(&dir.join("results.json"));
        assert_eq!(part["shard"], shard.as_str(), "a part records which shard it is");
        let a = &part["aggregate"];
        if a["calls"] == 0 && a["errors"].as_u64().unwrap() > 0 {
            errors_only += 1;
        }
        parts.push(dir.join("results.json"));
    }
    assert!(errors_only > 0, "fixtures/faults no longer has a shard of errors only at 8 shards");
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge".to_string()];
    args.extend(parts.iter().map(|p| p.display().to_string()));
    args.extend(["--out".to_string(), merged.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = run_in(&root, &args, b"");
    assert_eq!(code, 0, "{err}");
    assert_eq!(results(&merged.join("results.json"))["aggregate"]["read"], 22);
    assert_same_reports(&whole, &merged);
}

/// Parts that do not add up to one run are refused (issue 18): a part twice, shards missing
/// or overlapping, different rubrics.
#[test]
fn merges_that_would_miscount_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = repo("");
    let part = |name: &str, shard: &str, rubric: Option<&str>| {
        let dir = tmp.path().join(name);
        let mut args = vec!["report", "fixtures/dev", "--shard", shard, "--out", dir.to_str().unwrap()];
        if let Some(r) = rubric {
            args.extend(["--rubric", r]);
        }
        let (code, _, err) = run_in(&root, &args, b"");
        assert_eq!(code, 0, "{err}");
        dir.join("results.json").display().to_string()
    };
    let (p1, p2, p3) = (part("a", "1/3", None), part("b", "2/3", None), part("c", "3/3", None));
    let copy = tmp.path().join("copy.json");
    fs::copy(&p2, &copy).unwrap();
    let copy = copy.display().to_string();
    let merge = |parts: &[&str]| {
        let mut args = vec!["merge"];
        args.extend(parts);
        let (code, out, err) = run_in(&root, &args, b"");
        (code, out, err)
    };
    let (code, out, _) = merge(&[&p1, &p2, &p3]);
    assert_eq!(code, 0);
    assert!(!out.is_empty());

    let refused = |parts: &[&str], why: &str| {
        let (code, out, err) = merge(parts);
        assert_eq!(code, 2, "{parts:?} was merged: {err}");
        assert!(out.is_empty());
        assert!(err.contains(why), "{parts:?}: expected `{why}` in: {err}");
    };
    refused(&[&p1, &p2, &p3, &p2], "are the same part");
    refused(&[&p1, &p2, &p3, &copy], "shard 2/3 is given twice");
    refused(&[&p1, &p3], "shard 2/3 is missing");
    let other = part("bank", "2/3", Some("rubrics/bank-card-instalment.toml"));
    refused(&[&p1, &other, &p3], "parts of one run share a rubric");
    // A whole run beside its shards: every record twice.
    let whole = tmp.path().join("whole");
    assert_eq!(run_in(&root, &["report", "fixtures/dev", "--out", whole.to_str().unwrap()], b"").0, 0);
    let whole = whole.join("results.json").display().to_string();
    refused(&[&p1, &p2, &p3, &whole], "is no shard");
    // Unsharded parts that overlap: the same records in two of them.
    let jsonl = |name: &str, path: &str| {
        let (code, out, err) = run_in(&root, &["score", "--format", "jsonl", path], b"");
        assert_eq!(code, 0, "{err}");
        let p = tmp.path().join(name);
        fs::write(&p, out).unwrap();
        p.display().to_string()
    };
    let (s1, s2) = (jsonl("s1.jsonl", "fixtures/dev/calls_batch.jsonl"), jsonl("s2.jsonl", "fixtures/dev"));
    refused(&[&s1, &s2], "fixtures/dev/calls_batch.jsonl:1 is in both");
}

/// `score --format jsonl` writes one line per record, error records in place.
#[test]
fn the_jsonl_stream_has_a_line_for_every_record() {
    let good = fs::read_to_string(repo("fixtures/dev/calls_batch.jsonl")).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    let input =
        format!("{}\nnot json at all\n\n{}\n{{\"id\": \"cut\", \"turns\": [\n{}\n", lines[0], lines[1], lines[2]);
    let (code, out, err) =
        run_in(&repo(""), &["score", "--format", "jsonl", "--input-format", "jsonl", "-"], input.as_bytes());
    assert_eq!(code, 0, "{err}");
    let out: Vec<Value> = String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(out.len(), 5, "one line per non-blank input line");
    let kinds: Vec<bool> = out.iter().map(|l| l.get("error").is_some()).collect();
    assert_eq!(kinds, [false, true, false, true, false]);
    assert_eq!(out[1]["error"]["source"].as_str().unwrap().split(':').take(2).collect::<Vec<_>>(), ["<stdin>", "2"]);
    assert_eq!(out[3]["error"]["source"].as_str().unwrap().split(':').nth(1), Some("5"));
    assert!(out.iter().all(|l| l["rubric"]["id"] == "changjiang-plan-upsell"), "{:?}", out[0]["rubric"]);
    // The errors are on stderr too, as before.
    assert!(err.contains("<stdin>:2:"), "{err}");
}

/// The records of a day: two JSON Lines files with good calls, bad lines, a call id used twice,
/// a record without an id, blank lines and CRLF.
fn corpus(dir: &Path) {
    let good = fs::read_to_string(repo("fixtures/dev/calls_batch.jsonl")).unwrap();
    let calls: Vec<Value> = good.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let call = |i: usize, id: &str| {
        let mut c = calls[i % calls.len()].clone();
        c["id"] = Value::from(id);
        c.to_string()
    };
    let day = dir.join("day");
    fs::create_dir_all(day.join("team-b")).unwrap();
    let mut a = Vec::new();
    for i in 0..14 {
        a.push(call(i, &format!("a-{i:02}")));
        if i == 4 {
            a.push("{\"id\": \"a-cut\", \"turns\": [{\"speaker\": \"坐席\"".to_string());
        }
        if i == 9 {
            a.push(String::new());
            a.push("this line is no JSON".to_string());
        }
    }
    let mut no_id: Value = calls[1].clone();
    no_id.as_object_mut().unwrap().remove("id");
    a.push(no_id.to_string());
    a.push("{\"id\": \"a-empty\", \"turns\": []}".to_string());
    fs::write(day.join("a.jsonl"), a.join("\n") + "\n").unwrap();
    let mut b = Vec::new();
    for i in 0..9 {
        b.push(call(i, &format!("b-{i:02}")));
    }
    b.push(call(3, "a-03"));
    b.push("[1, 2, 3]".to_string());
    fs::write(day.join("team-b").join("b.jsonl"), b.join("\r\n")).unwrap();
}

/// Every non-blank line of every `.jsonl` file under `dir`, framed as examples/spark frames it.
fn frames(root: &Path, dir: &str) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![root.join(dir)];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "jsonl") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let source = f.strip_prefix(root).unwrap().display().to_string();
        let text = fs::read_to_string(&f).unwrap();
        let records = text.split('\n').filter(|l| !l.trim().is_empty()).count();
        let mut record = 0;
        for (i, line) in text.split('\n').enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            record += 1;
            let frame = serde_json::json!({"source": source, "line": i + 1, "record": record, "records": records, "text": line});
            out.push(frame.to_string());
        }
    }
    out
}

/// The Spark route without Spark: framed partitions in any order merge byte for byte into the
/// single `report` over the files, and every record is counted.
#[test]
fn framed_partitions_merge_into_exactly_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    corpus(root);
    let whole = root.join("whole");
    let (code, _, err) = run_in(root, &["report", "day", "--out", "whole"], b"");
    assert_eq!(code, 0, "{err}");
    let single = results(&whole.join("results.json"));
    let frames = frames(root, "day");
    assert_eq!(single["aggregate"]["read"].as_u64().unwrap() as usize, frames.len(), "read = records");
    assert!(single["aggregate"]["errors"].as_u64().unwrap() >= 5, "{}", single["errors"]);

    // Partitions as an engine cuts them: shuffled frames, round robin, one empty partition.
    let mut order: Vec<usize> = (0..frames.len()).collect();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for i in (1..order.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        order.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    let partitions = 5;
    let mut parts = Vec::new();
    for p in 0..partitions {
        let input: String = order.iter().skip(p).step_by(partitions - 1).map(|&i| frames[i].clone() + "\n").collect();
        let input = if p == partitions - 1 { String::new() } else { input };
        let (code, out, err) =
            run_in(root, &["score", "--framed", "--format", "jsonl", "-j", "2", "-"], input.as_bytes());
        assert_eq!(code, 0, "partition {p}: {err}");
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), input.lines().count(), "partition {p}: one line out per frame in");
        let name = format!("part-{p:05}");
        fs::write(root.join(&name), text).unwrap();
        parts.push(name);
    }
    let mut args = vec!["merge"];
    args.extend(parts.iter().rev().map(String::as_str));
    args.extend(["--out", "merged"]);
    let (code, _, err) = run_in(root, &args, b"");
    assert_eq!(code, 0, "{err}");
    assert_same_reports(&whole, &root.join("merged"));
    // Another order of the parts, and one of them from stdin: the same bytes.
    let stdin = fs::read(root.join(&parts[0])).unwrap();
    let (code, out, err) = run_in(root, &["merge", &parts[2], &parts[1], "-", &parts[3], &parts[4]], &stdin);
    assert_eq!(code, 0, "{err}");
    assert!(out == fs::read(whole.join("results.json")).unwrap());
    // A stream of another rubric is refused.
    let bank = root.join("bank.jsonl");
    let (_, out, _) = run_in(
        &repo(""),
        &["score", "--framed", "--format", "jsonl", "--rubric", "rubrics/bank-card-instalment.toml", "-"],
        (frames[0].clone() + "\n").as_bytes(),
    );
    fs::write(&bank, out).unwrap();
    let (code, _, err) = run_in(root, &["merge", &parts[0], &parts[1], &parts[2], &parts[3], "bank.jsonl"], b"");
    assert_eq!(code, 2);
    assert!(err.contains("share a rubric"), "{err}");
}

/// A stage of a pipeline: `--framed` needs `--format jsonl -`, and a bad frame is a record.
#[test]
fn framed_mode_is_a_pipe_stage() {
    let (code, _, err) = run_in(&repo(""), &["score", "--framed", "fixtures/dev"], b"");
    assert_eq!(code, 2);
    assert!(err.contains("--framed --format jsonl -"), "{err}");
    let (code, out, _) = run_in(&repo(""), &["score", "--framed", "--format", "jsonl", "-"], b"garbage\n");
    assert_eq!(code, 0, "errors are data in a pipe stage");
    let line: Value = serde_json::from_slice(&out).unwrap();
    assert!(line["error"]["message"].as_str().unwrap().contains("not a frame"));
    let (code, out, _) = run_in(&repo(""), &["score", "--framed", "--strict", "--format", "jsonl", "-"], b"garbage\n");
    assert_eq!(code, 2, "--strict fails on a bad record, after writing it");
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), 1);
}
