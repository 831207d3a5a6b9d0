//! Personal data from the fixtures never reaches a report unless `--show-pii` is given.

mod common;
use common::*;
use std::fs;

/// Phone numbers and contact ids that occur in the dev fixtures.
const KNOWN_PII: &[&str] = &["13800138000", "qz-zhang", "zhangq_2024", "zhangq下划线二零二四"];

fn all_outputs(extra: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let out = callqa()
        .args(["report", "fixtures/dev", "--out"])
        .arg(tmp.path())
        .args(extra)
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    text.push_str(&String::from_utf8_lossy(&out.stdout));
    for e in fs::read_dir(tmp.path()).unwrap() {
        text.push_str(&String::from_utf8_lossy(&fs::read(e.unwrap().path()).unwrap()));
    }
    for format in ["table", "json", "jsonl"] {
        let out = callqa()
            .args(["score", "--format", format, "fixtures/dev"])
            .args(extra)
            .current_dir(repo(""))
            .output()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    text
}

#[test]
fn no_known_pii_in_any_format_by_default() {
    let text = all_outputs(&[]);
    for pii in KNOWN_PII {
        assert!(!text.contains(pii), "{pii} leaked into a report");
    }
    // Masked, not dropped: the evidence stays readable.
    assert!(text.contains("138****8000") && text.contains("qz-*****"));
}

#[test]
fn show_pii_turns_masking_off() {
    let text = all_outputs(&["--show-pii"]);
    for pii in KNOWN_PII {
        assert!(text.contains(pii), "{pii} should be shown with --show-pii");
    }
}

#[test]
fn a_masked_contact_still_counts_as_captured() {
    let doc = score_json(&[&repo("fixtures/dev/para_contact_phone.txt").to_string_lossy()]);
    assert_eq!(doc["calls"][0]["end_condition"], "contact_captured");
}
