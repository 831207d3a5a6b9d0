//! Batches, report files, the gate, compare, shards and merge — all through the real binary.

mod common;
use common::*;
use serde_json::Value;
use std::fs;
use std::path::Path;

fn report_to(dir: &Path, extra: &[&str]) -> std::process::Output {
    callqa().arg("report").arg("fixtures/dev").arg("--out").arg(dir).args(extra).current_dir(repo("")).output().unwrap()
}

#[test]
fn report_writes_every_format_and_each_parses() {
    let tmp = tempfile::tempdir().unwrap();
    let out = report_to(tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let results: Value = serde_json::from_slice(&fs::read(tmp.path().join("results.json")).unwrap()).unwrap();
    let calls = results["calls"].as_array().unwrap().len();
    assert_eq!(results["aggregate"]["calls"], calls);
    assert_eq!(results["aggregate"]["read"], calls + results["errors"].as_array().unwrap().len());

    // JUnit: valid XML with one test case per call.
    let xml = fs::read_to_string(tmp.path().join("junit.xml")).unwrap();
    let junit = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit XML");
    assert_eq!(junit.tests, calls);
    assert_eq!(junit.failures, results["aggregate"]["failed"].as_u64().unwrap() as usize);

    // CSV: a BOM for Excel, then one row per call with a column per criterion and step.
    let bytes = fs::read(tmp.path().join("calls.csv")).unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()));
    let mut rdr = csv::Reader::from_reader(&bytes[3..]);
    let headers = rdr.headers().unwrap().clone();
    assert!(headers.iter().any(|h| h == "criterion:overpromise"));
    assert!(headers.iter().any(|h| h == "step:contact_request"));
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), calls);
    assert!(rows.iter().all(|r| r.len() == headers.len()));

    // The most frequent questions the knowledge base does not cover are counted across calls.
    let unmatched = results["aggregate"]["unmatched_questions"].as_array().unwrap();
    assert!(unmatched.iter().any(|q| q["count"].as_u64().unwrap() >= 2), "{unmatched:?}");

    let md = fs::read_to_string(tmp.path().join("summary.md")).unwrap();
    assert!(md.contains("### Script steps") && md.contains("| greeting |"));
    // No temporary files are left behind: the five reports and the manifest that names the set.
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 6);
    assert!(tmp.path().join("manifest.json").is_file());
}

#[test]
fn committed_sample_reports_match_the_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let out = report_to(tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
    for name in ["results.json", "calls.csv", "summary.md", "junit.xml", "report.html"] {
        let want = fs::read(repo("reports").join(name)).unwrap_or_default();
        let got = fs::read(tmp.path().join(name)).unwrap();
        assert!(
            want == got,
            "reports/{name} drifted from what the binary writes; if the change of the output is intended, \
             regenerate the samples with `scripts/regen-reports.sh`, review `git diff reports/` and commit it"
        );
    }
}

#[test]
fn output_is_identical_with_one_and_two_threads() {
    let run = |j: &str| {
        callqa()
            .args(["score", "--format", "json", "-j", j, "fixtures/dev"])
            .current_dir(repo(""))
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn shards_merge_into_exactly_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    assert!(report_to(&whole, &["--group-by", "team"]).status.success());
    let mut parts = Vec::new();
    for i in 1..=3 {
        let dir = tmp.path().join(format!("part{i}"));
        assert!(report_to(&dir, &["--shard", &format!("{i}/3"), "--group-by", "team"]).status.success());
        let part: Value = serde_json::from_slice(&fs::read(dir.join("results.json")).unwrap()).unwrap();
        assert!(part["aggregate"]["calls"].as_u64().unwrap() > 0, "shard {i} is empty");
        parts.push(dir.join("results.json"));
    }
    let merged = tmp.path().join("merged");
    let out = callqa().arg("merge").args(&parts).arg("--out").arg(&merged).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for name in ["results.json", "calls.csv", "summary.md", "junit.xml", "report.html"] {
        assert!(fs::read(whole.join(name)).unwrap() == fs::read(merged.join(name)).unwrap(), "{name} differs");
    }
}

#[test]
fn gate_holds_on_the_baseline_and_fails_when_a_call_regresses() {
    let baseline = repo("reports/results.json");
    let baseline = baseline.to_str().unwrap();
    // The committed baseline against the fixtures themselves: nothing dropped.
    let held = callqa()
        .args(["score", "--format", "json", "fixtures/dev", "--baseline", baseline, "--max-drop", "0"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(held.status.code(), Some(0), "{}", String::from_utf8_lossy(&held.stderr));

    // Edit a passing call: the agent now guarantees something and never pitches the plan.
    let tmp = tempfile::tempdir().unwrap();
    let calls = tmp.path().join("calls");
    fs::create_dir(&calls).unwrap();
    for e in fs::read_dir(repo("fixtures/dev")).unwrap() {
        let p = e.unwrap().path();
        fs::copy(&p, calls.join(p.file_name().unwrap())).unwrap();
    }
    let file = calls.join("faithful_contact.txt");
    let text = fs::read_to_string(&file).unwrap();
    let edited = text.replace("月底绝不断网", "我保证月底绝对不断网");
    assert_ne!(text, edited);
    fs::write(&file, edited).unwrap();
    let out_dir = tmp.path().join("out");
    let failed = callqa()
        .arg("report")
        .arg(&calls)
        .arg("--out")
        .arg(&out_dir)
        .args(["--baseline", baseline, "--max-drop", "0"])
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(1), "{}", String::from_utf8_lossy(&failed.stderr));
    let stdout = String::from_utf8_lossy(&failed.stdout);
    assert!(stdout.contains("pass → fail") && stdout.contains("faithful_contact"), "{stdout}");
    assert!(stdout.contains("OP001"), "the new finding is named: {stdout}");
    let md = fs::read_to_string(out_dir.join("summary.md")).unwrap();
    assert!(md.contains("Gate: FAILED") && md.contains("faithful_contact"));

    // The same through `gate` on the written results, and `compare` without a verdict.
    let results = out_dir.join("results.json");
    let gate = callqa().arg("gate").arg(&results).args(["--baseline", baseline, "--max-drop", "0"]).output().unwrap();
    assert_eq!(gate.status.code(), Some(1));
    let cmp = callqa().arg("compare").arg(baseline).arg(&results).output().unwrap();
    assert_eq!(cmp.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&cmp.stdout).contains("faithful_contact"));
}

#[test]
fn thresholds_fail_the_gate_and_can_live_in_a_config_file() {
    let strict = callqa()
        .args(["gate", "reports/results.json", "--min-pass-rate", "0.99"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&strict.stdout).contains("FAIL pass rate"));
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("callqa.toml");
    fs::write(&cfg, "[gate]\nmin_pass_rate = 0.3\nmin_criterion = { steps = 0.5 }\n").unwrap();
    let ok = callqa()
        .arg("gate")
        .arg("reports/results.json")
        .arg("--config")
        .arg(&cfg)
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stdout));
    fs::write(&cfg, "[gate]\nmin_pass_rat = 0.3\n").unwrap();
    let bad = callqa()
        .arg("gate")
        .arg("reports/results.json")
        .arg("--config")
        .arg(&cfg)
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("callqa.toml:2:1"));
}

#[test]
fn glob_filters_directory_inputs() {
    let doc = score_json(&["--glob", "**/*.jsonl", &repo("fixtures/dev").to_string_lossy()]);
    let calls = doc["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 3);
    assert!(calls.iter().all(|c| c["source"].as_str().unwrap().contains(".jsonl:")));
}
