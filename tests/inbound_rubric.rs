//! The third shipped rubric, written only in the rubric language: `rubrics/inbound-service.toml`
//! (华川电信 10077 hotline, inbound customer service) against its blind-labelled calls in
//! `fixtures/inbound/`, through the real binary. The calls are recorded-hotline ASR with generic
//! speaker labels, so the roles callqa infers are checked against the labels too.

mod common;
use common::*;
use serde_json::Value;

const RUBRIC: &str = "rubrics/inbound-service.toml";

/// Agreements on the held-out `fixtures/inbound/test` split (16 calls, written before the rubric
/// and never read while writing or tuning it), measured when the rubric was committed — roles
/// 16/16, verdicts 15/16, end conditions 13/16 — and again after the rebase onto 9427e42 (a
/// wrong or missing answer always fails `answers`), which turned one more pass into a fail:
/// verdicts 14/16. Below issue 17's 0.90 for both, and not tuned afterwards: a change that
/// lowers any of them fails.
const TEST_FLOOR: &[(&str, u64)] = &[("roles", 16), ("verdict", 14), ("end_condition", 13), ("style", 16)];

/// On the dev split (24 calls, tuned on) every verdict, end condition and role agrees.
const DEV_FLOOR: &[(&str, u64)] = &[("roles", 24), ("verdict", 24), ("end_condition", 24), ("steps", 24)];

fn calibrate(split: &str) -> Value {
    let out = callqa()
        .args(["calibrate", split, "--labels", split, "--rubric", RUBRIC, "--format", "json"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn check_floor(split: &str, n: u64, floor: &[(&str, u64)]) {
    let d = calibrate(split);
    assert_eq!(d["rubric"]["id"], "inbound-service");
    assert_eq!(d["verdict"]["n"], n, "every call of {split} compared");
    assert_eq!(d["roles"]["n"], n, "every call of {split} has labelled roles");
    for (what, floor) in floor {
        let agree = match *what {
            "verdict" | "end_condition" | "roles" => d[*what]["agree"].as_u64(),
            id => d["criteria"].as_array().unwrap().iter().find(|c| c["id"] == id).and_then(|c| c["agree"].as_u64()),
        }
        .unwrap_or_else(|| panic!("{what} missing from the calibration"));
        assert!(agree >= *floor, "{what}: {agree} agreements on {split}, the floor is {floor}\n{}", d["disagreements"]);
    }
}

#[test]
fn the_inbound_rubric_is_valid_tested_and_lint_clean() {
    let out = callqa().args(["rubric", "check", RUBRIC]).current_dir(repo("")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = callqa().args(["rubric", "test", RUBRIC]).current_dir(repo("")).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(" 0 failed") && !text.contains("no examples:"), "{text}");
    let out = callqa().args(["rubric", "lint", RUBRIC, "--deny-warnings"]).current_dir(repo("")).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn inbound_dev_split_agrees_on_roles_verdicts_and_end_conditions() {
    check_floor("fixtures/inbound/dev", 24, DEV_FLOOR);
}

#[test]
fn inbound_held_out_agreement_does_not_fall_below_the_recorded_floor() {
    check_floor("fixtures/inbound/test", 16, TEST_FLOOR);
}

/// Issue 17's "done when": every held-out call's roles are right and none of them is left
/// unsure, and no call is lost to `--strict-roles`.
#[test]
fn inbound_roles_are_sure_on_every_call() {
    for split in ["fixtures/inbound/dev", "fixtures/inbound/test"] {
        let doc =
            score_json(&["--rubric", repo(RUBRIC).to_str().unwrap(), "--strict-roles", repo(split).to_str().unwrap()]);
        assert_eq!(doc["errors"].as_array().unwrap().len(), 0, "{split}: {}", doc["errors"]);
        for c in doc["calls"].as_array().unwrap() {
            let conf =
                c["role_confidence"].as_f64().unwrap_or_else(|| panic!("{}: roles were not inferred", c["call_id"]));
            assert!(conf >= 0.5 && c.get("role_warning").is_none(), "{}: confidence {conf}", c["call_id"]);
        }
    }
}
