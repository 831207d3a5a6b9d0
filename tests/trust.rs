//! `explain`, `rules` and `calibrate` through the real binary, and the agreement floor of the
//! held-out test split.

mod common;
use common::*;
use serde_json::Value;

/// Agreements reached on the held-out `fixtures/test` split (never tuned on) when this floor
/// was set: a change that lowers any of them fails CI.
const TEST_FLOOR: &[(&str, u64)] = &[
    ("verdict", 35),
    ("end_condition", 37),
    ("steps", 38),
    ("style", 38),
    ("overpromise", 37),
    ("privacy", 36),
    // 36 → 35 when a wrong or missing answer started to fail `answers` whatever else reports it
    // (issue 16): t31's privacy worry, which callqa already took for unanswered (PV002, one of
    // the two privacy disagreements), now counts against `answers` too.
    ("answers", 35),
    ("ending", 36),
    ("customer_style", 6),
];

fn calibrate_json(split: &str) -> Value {
    let out = callqa()
        .args(["calibrate", split, "--labels", split, "--format", "json"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn held_out_agreement_does_not_fall_below_the_recorded_floor() {
    let d = calibrate_json("fixtures/test");
    for (what, floor) in TEST_FLOOR {
        let agree = match *what {
            "verdict" | "end_condition" => d[*what]["agree"].as_u64(),
            id => d["criteria"].as_array().unwrap().iter().find(|c| c["id"] == id).and_then(|c| c["agree"].as_u64()),
        }
        .unwrap_or_else(|| panic!("{what} missing from the calibration"));
        assert!(agree >= *floor, "{what}: {agree} agreements on fixtures/test, the floor is {floor}");
    }
}

#[test]
fn dev_split_agrees_fully_and_min_agreement_gates() {
    callqa()
        .args(["calibrate", "fixtures/dev", "--labels", "fixtures/dev", "--min-agreement", "1.0"])
        .current_dir(repo(""))
        .assert()
        .code(0);
    // The held-out split is below 100%: the same flag fails it with exit 1.
    callqa()
        .args(["calibrate", "fixtures/test", "--labels", "fixtures/test", "--min-agreement", "1.0"])
        .current_dir(repo(""))
        .assert()
        .code(1);
    let md = callqa()
        .args(["calibrate", "fixtures/test", "--labels", "fixtures/test", "--format", "markdown"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&md.stdout).contains("callqa explain"), "disagreements link to explain");
}

#[test]
fn explain_shows_why_for_findings_and_missing_steps() {
    let out = callqa()
        .args(["explain", "--color", "never", "fixtures/dev/viol_op001_guarantee.txt"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("error[OP001]") && text.contains("^^^^"), "{text}");
    assert!(text.contains("rubrics/changjiang-plan-upsell.toml:") && text.contains("help:"), "{text}");
    assert!(text.contains("not covered; nearest: turn"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colors when piped");
    callqa()
        .args(["explain", "--call", "nope", "fixtures/dev/viol_op001_guarantee.txt"])
        .current_dir(repo(""))
        .assert()
        .code(2);
}

#[test]
fn rules_lists_and_documents_codes() {
    let list = callqa().arg("rules").output().unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    for code in ["SC001", "SY001", "OP001", "PV003", "EN001", "AN002", "CS001"] {
        assert!(text.contains(code), "{code} missing from `callqa rules`");
    }
    let one = callqa().args(["rules", "OP001"]).output().unwrap();
    assert!(String::from_utf8_lossy(&one.stdout).contains("Why it matters"));
    callqa().args(["rules", "XX999"]).assert().code(2);
}
