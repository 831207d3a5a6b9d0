//! The labelled dev fixtures: `callqa score --format json` must agree with every label.

mod common;
use common::*;

#[test]
fn dev_fixtures_match_their_labels() {
    let dir = repo("fixtures/dev");
    let labels = labels(&dir);
    assert!(labels.len() >= 30, "expected at least 30 labelled calls, found {}", labels.len());
    let doc = score_json(&[dir.to_str().unwrap()]);
    assert_eq!(doc["schema"], "callqa/results/v1");
    assert_eq!(doc["errors"].as_array().unwrap().len(), 0, "errors: {}", doc["errors"]);
    let calls = doc["calls"].as_array().unwrap();
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
