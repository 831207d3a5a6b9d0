//! Snapshot tests of the report formats, built from one shared fixture.

mod common;
use common::*;

fn run(format: &str, file: &str) -> String {
    let out = callqa().args(["score", "--format", format, file]).current_dir(repo("")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn table_report() {
    insta::assert_snapshot!(run("table", "fixtures/dev/viol_op002_100gb.txt"));
}

#[test]
fn json_report() {
    insta::assert_snapshot!(run("json", "fixtures/dev/viol_op002_100gb.txt"));
}

#[test]
fn jsonl_report() {
    insta::assert_snapshot!(run("jsonl", "fixtures/dev/calls_batch.jsonl"));
}
