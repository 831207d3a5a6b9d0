//! The second script, written only in the rubric language: `rubrics/bank-card-instalment.toml`
//! (江南银行 credit-card bill instalments) against its own labelled calls in `fixtures/bank/`,
//! through the real binary.

mod common;
use common::*;
use serde_json::Value;

const RUBRIC: &str = "rubrics/bank-card-instalment.toml";

/// Agreements on the held-out `fixtures/bank/test` split (12 calls, written before the rubric and
/// never tuned on) when the rubric was committed: a change that lowers any of them fails.
const TEST_FLOOR: &[(&str, u64)] = &[
    ("verdict", 12),
    ("end_condition", 11),
    ("steps", 12),
    ("style", 12),
    ("overpromise", 11),
    ("privacy", 12),
    ("answers", 12),
    ("ending", 12),
    ("steps_overall", 116),
    ("codes_exact", 11),
];

#[test]
fn the_bank_rubric_is_valid() {
    let out = callqa().args(["rubric", "check", RUBRIC]).current_dir(repo("")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(": ok"), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn every_example_of_the_bank_rubric_holds() {
    let out = callqa().args(["rubric", "test", RUBRIC]).current_dir(repo("")).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("test result: ok.") && text.contains(" 0 failed"), "{text}");
    assert!(!text.contains("no examples:"), "every signal, step, entry and rule carries examples:\n{text}");
    let count: usize = text
        .split_once(": ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(count >= 150, "only {count} examples:\n{text}");
}

#[test]
fn bank_dev_calls_match_their_labels() {
    let dir = repo("fixtures/bank/dev");
    let labels = labels(&dir);
    assert!(labels.len() >= 18, "expected at least 18 labelled calls, found {}", labels.len());
    let doc = score_json(&["--rubric", repo(RUBRIC).to_str().unwrap(), dir.to_str().unwrap()]);
    assert_eq!(doc["rubric"]["id"], "bank-card-instalment");
    assert_eq!(doc["errors"].as_array().unwrap().len(), 0, "errors: {}", doc["errors"]);
    let calls = doc["calls"].as_array().unwrap();
    assert_eq!(calls.len(), labels.len(), "every dev call is labelled");
    let mut failures = Vec::new();
    for (id, label) in &labels {
        match calls.iter().find(|c| c["call_id"] == id.as_str()) {
            None => failures.push(format!("{id}: not in the output")),
            Some(call) => {
                for d in diff(call, label) {
                    failures.push(format!("{id} ({}): {d}", call["source"].as_str().unwrap_or("")));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
}

fn calibrate(split: &str) -> Value {
    let out = callqa()
        .args(["calibrate", split, "--labels", split, "--rubric", RUBRIC, "--format", "json"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn bank_held_out_agreement_does_not_fall_below_the_recorded_floor() {
    let d = calibrate("fixtures/bank/test");
    assert_eq!(d["rubric"]["id"], "bank-card-instalment");
    assert_eq!(d["verdict"]["n"], 12, "every test call compared");
    for (what, floor) in TEST_FLOOR {
        let agree = match *what {
            "verdict" | "end_condition" | "steps_overall" => d[*what]["agree"].as_u64(),
            "codes_exact" => d["codes"]["exact"].as_u64(),
            id => d["criteria"].as_array().unwrap().iter().find(|c| c["id"] == id).and_then(|c| c["agree"].as_u64()),
        }
        .unwrap_or_else(|| panic!("{what} missing from the calibration"));
        assert!(agree >= *floor, "{what}: {agree} agreements on fixtures/bank/test, the floor is {floor}");
    }
}

#[test]
fn bank_dev_split_agrees_fully() {
    callqa()
        .args(["calibrate", "fixtures/bank/dev", "--labels", "fixtures/bank/dev", "--rubric", RUBRIC])
        .args(["--min-agreement", "1.0"])
        .current_dir(repo(""))
        .assert()
        .code(0);
}
