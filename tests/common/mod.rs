//! Shared helpers for the end-to-end tests: run the real binary, parse contract-v1 output,
//! read label files.
#![allow(dead_code)]

use assert_cmd::Command;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The callqa binary.
pub fn callqa() -> Command {
    Command::cargo_bin("callqa").expect("binary builds")
}

/// Path under the repository root.
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// One label (see fixtures/LABELS.md).
#[derive(Debug, Deserialize)]
pub struct Label {
    pub call_id: String,
    #[serde(default)]
    pub note: String,
    pub steps: BTreeSet<String>,
    pub end_condition: String,
    pub criteria: BTreeMap<String, Option<bool>>,
    pub verdict: String,
    pub codes: BTreeSet<String>,
}

#[derive(Debug, Deserialize)]
struct LabelFile {
    calls: Vec<Label>,
}

/// Every label under `dir`, keyed by call id.
pub fn labels(dir: &Path) -> BTreeMap<String, Label> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.to_string_lossy().ends_with(".expect.json") {
            let f: LabelFile = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            for l in f.calls {
                out.insert(l.call_id.clone(), l);
            }
        }
    }
    out
}

/// Scores `args` with `--format json` and returns the parsed document.
pub fn score_json(args: &[&str]) -> Value {
    let out = callqa().arg("score").arg("--format").arg("json").args(args).output().unwrap();
    assert!(out.status.code().is_some(), "killed by a signal");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Compares one call result with its label; returns the differences.
pub fn diff(call: &Value, label: &Label) -> Vec<String> {
    let mut d = Vec::new();
    let covered: BTreeSet<String> = call["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["covered"] == true)
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    if covered != label.steps {
        let missing: Vec<_> = label.steps.difference(&covered).collect();
        let extra: Vec<_> = covered.difference(&label.steps).collect();
        d.push(format!("steps: missed {missing:?}, extra {extra:?}"));
    }
    if call["end_condition"] != label.end_condition.as_str() {
        d.push(format!("end_condition: got {}, want {}", call["end_condition"], label.end_condition));
    }
    for (id, want) in &label.criteria {
        let got =
            call["criteria"].as_array().unwrap().iter().find(|c| c["id"] == id.as_str()).map(|c| c["passed"].as_bool());
        let got = got.flatten();
        if got != *want {
            d.push(format!("criterion {id}: got {got:?}, want {want:?}"));
        }
    }
    if call["verdict"] != label.verdict.as_str() {
        d.push(format!("verdict: got {}, want {}", call["verdict"], label.verdict));
    }
    let codes: BTreeSet<String> = call["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "major" || f["severity"] == "critical")
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    if codes != label.codes {
        let missing: Vec<_> = label.codes.difference(&codes).collect();
        let extra: Vec<_> = codes.difference(&label.codes).collect();
        let detail: Vec<String> = call["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| extra.iter().any(|c| f["code"] == c.as_str()))
            .map(|f| format!("{} t{} 「{}」", f["code"], f["turn"], f["excerpt"].as_str().unwrap_or("")))
            .collect();
        d.push(format!("codes: missed {missing:?}, extra {extra:?} {detail:?}"));
    }
    d
}
