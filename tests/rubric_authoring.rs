//! Rubric authoring through the real binary: `rubric new`, `schema`, `test`, `lint`, includes,
//! and the shipped rubrics passing their own examples and the lint (issue #8).

mod common;

use common::{callqa, repo};
use predicates::prelude::*;

fn stdout(cmd: &mut assert_cmd::Command) -> String {
    String::from_utf8(cmd.output().unwrap().stdout).unwrap()
}

/// Every shipped rubric (rubrics/*.toml).
fn shipped_rubrics() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(repo("rubrics"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn a_new_user_can_start_from_the_starter_rubric() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    callqa().args(["rubric", "new"]).arg(&path).assert().success().stderr(predicate::str::contains("next: edit it"));
    // The schema for editors lands next to it, as the starter's `#:schema` line expects.
    let schema = std::fs::read_to_string(dir.path().join("rubric.schema.json")).unwrap();
    assert!(std::fs::read_to_string(&path).unwrap().starts_with("#:schema ./rubric.schema.json"));
    assert!(schema.contains("\"examples\""));

    callqa().args(["rubric", "check"]).arg(&path).assert().success();
    let out = stdout(callqa().args(["rubric", "test"]).arg(&path));
    assert!(out.contains("test result: ok."), "{out}");
    assert!(!out.contains("no examples: step") && !out.contains(", rule "), "{out}");

    // It scores a call written for it.
    let call = dir.path().join("call.txt");
    std::fs::write(
        &call,
        "坐席：您好，我是示例宽带的小王\n客户：什么事\n坐席：您的宽带下个月到期，续约每月99元\n客户：行，那就续吧\n坐席：好的，感谢您的接听，再见\n",
    )
    .unwrap();
    let out = stdout(callqa().args(["score", "--format", "json", "--rubric"]).arg(&path).arg(&call));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["calls"][0]["end_condition"], "agreed", "{out}");
    assert_eq!(v["calls"][0]["verdict"], "pass", "{out}");

    // Never overwritten by accident.
    callqa()
        .args(["rubric", "new"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists; pass --force"));
    // Without a file it prints to stdout.
    assert!(stdout(callqa().args(["rubric", "new"])).contains("[rubric]"));
}

#[test]
fn a_wrong_example_fails_the_test_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.toml");
    let starter = stdout(callqa().args(["rubric", "new"]));
    let broken = starter.replace(
        "examples.no_match = [\"网速不能保证一直满速，以实际测速为准\"]",
        "examples.no_match = [\"网速不能保证一直满速，以实际测速为准\", \"我们保证不掉线\"]",
    );
    assert_ne!(broken, starter);
    std::fs::write(&path, &broken).unwrap();
    let line = broken.lines().position(|l| l.contains("我们保证不掉线")).unwrap() + 1;
    let out = callqa().args(["rubric", "test"]).arg(&path).assert().code(1).get_output().stdout.clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains(&format!("FAIL {}:{line}:", path.display())), "{out}");
    assert!(out.contains("rule `guarantee` no_match: 我们保证不掉线"), "{out}");
    assert!(out.contains("should not match, but: reported OP001 on 「保证」"), "{out}");
    assert!(out.contains("test result: FAILED."), "{out}");

    let json = stdout(callqa().args(["rubric", "test", "--format", "json"]).arg(&path));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let failed: Vec<&serde_json::Value> =
        v[0]["examples"].as_array().unwrap().iter().filter(|e| e["passed"] == false).collect();
    assert_eq!(failed.len(), 1, "{json}");
    assert_eq!(failed[0]["line"], line);
}

#[test]
fn lint_reports_problems_with_codes_and_deny_warnings_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.toml");
    let starter = stdout(callqa().args(["rubric", "new"]));
    // An end condition that can never win, and a signal nothing uses.
    let changed = starter.replace(
        "[[end_conditions]]\nid = \"agreed\"",
        "[[signals]]\nid = \"orphan\"\ncues = { any = [\"稍等\"] }\n\n[[end_conditions]]\nid = \"fallback\"\n\n[[end_conditions]]\nid = \"agreed\"",
    );
    assert_ne!(changed, starter);
    std::fs::write(&path, &changed).unwrap();
    let out = stdout(callqa().args(["rubric", "lint"]).arg(&path));
    assert!(out.contains("warning[RL004]: end condition `agreed` can never be reached: `fallback`"), "{out}");
    assert!(out.contains("warning[RL008]: signal `orphan` is used by no end condition and no rule"), "{out}");
    callqa().args(["rubric", "lint", "--deny-warnings"]).arg(&path).assert().code(1);
    callqa()
        .args(["rubric", "lint", "--deny-warnings", "--allow", "RL004", "--allow", "RL008"])
        .arg(&path)
        .assert()
        .success();
    callqa()
        .args(["rubric", "lint", "--allow", "XX123"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such check"));
}

#[test]
fn lint_against_calls_names_what_never_fires() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.toml");
    std::fs::write(&path, stdout(callqa().args(["rubric", "new"]))).unwrap();
    let call = dir.path().join("calls/c.txt");
    std::fs::create_dir_all(call.parent().unwrap()).unwrap();
    std::fs::write(&call, "坐席：您好，我是示例宽带的小王\n客户：不用了\n坐席：好的，再见\n").unwrap();
    let out = stdout(callqa().args(["rubric", "lint", "--against"]).arg(dir.path().join("calls")).arg(&path));
    assert!(out.contains("rule `guarantee` (OP001) reports nothing on the 1 call(s) given with --against"), "{out}");
    assert!(out.contains("end condition `agreed` is never reached"), "{out}");
    assert!(!out.contains("end condition `declined` is never reached"), "{out}");
    assert!(out.contains("against 1 call(s)"), "{out}");
}

#[test]
fn committed_schemas_match_the_binary() {
    for (flag, file) in
        [(None, "rubrics/schema/rubric.schema.json"), (Some("--include-file"), "rubrics/schema/include.schema.json")]
    {
        let mut cmd = callqa();
        cmd.args(["rubric", "schema"]);
        if let Some(f) = flag {
            cmd.arg(f);
        }
        let now = stdout(&mut cmd);
        let committed = std::fs::read_to_string(repo(file)).unwrap();
        assert!(
            now == committed,
            "{file} is stale: regenerate with `cargo run -- rubric schema {} > {file}`",
            flag.unwrap_or("")
        );
    }
}

#[test]
fn include_problems_are_reported_with_the_included_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("common")).unwrap();
    std::fs::write(dir.path().join("common/lists.toml"), "[lexicons]\nbusy = [\"在开会\"]\n[steps]\n").unwrap();
    let path = dir.path().join("r.toml");
    std::fs::write(
        &path,
        "include = [\"common/lists.toml\", \"common/missing.toml\"]\n[rubric]\nid = \"t\"\nversion = \"1\"\n[[steps]]\nid = \"g\"\ncues = { any = [\"您好\"] }\n",
    )
    .unwrap();
    let err = callqa().args(["rubric", "check"]).arg(&path).assert().code(2).get_output().stderr.clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("lists.toml:3:2: unknown field `steps`"), "{err}");
    assert!(
        err.contains(&format!("{}:1:33: cannot read the included file `common/missing.toml`", path.display())),
        "{err}"
    );
}

/// Each shipped rubric with the labelled calls it is linted against.
const SHIPPED: &[(&str, &str)] = &[
    ("rubrics/bank-card-instalment.toml", "fixtures/bank/dev"),
    ("rubrics/changjiang-plan-upsell.toml", "fixtures/dev"),
    // Invented calls beside the dev split trigger what no dev call happens to (wrong number …).
    ("rubrics/inbound-service.toml", "fixtures/inbound/dev tests/data/inbound-lint"),
];

#[test]
fn shipped_rubrics_pass_their_examples_and_the_lint() {
    let listed: Vec<std::path::PathBuf> = SHIPPED.iter().map(|(r, _)| repo(r)).collect();
    assert_eq!(shipped_rubrics(), listed, "list every rubrics/*.toml in SHIPPED with its calls");
    for (rubric, calls) in SHIPPED {
        let out = stdout(callqa().args(["rubric", "test"]).arg(repo(rubric)));
        assert!(out.contains("test result: ok."), "{rubric}:\n{out}");
        assert!(
            !out.contains("no examples: step") && !out.contains(", rule ") && !out.contains(": rule "),
            "{rubric}:\n{out}"
        );
        let mut lint = callqa();
        lint.args(["rubric", "lint", "--deny-warnings"]);
        for c in calls.split(' ') {
            lint.arg("--against").arg(repo(c));
        }
        let lint = lint.arg(repo(rubric)).output().unwrap();
        let out = String::from_utf8(lint.stdout).unwrap();
        assert_eq!(lint.status.code(), Some(0), "{rubric}:\n{out}");
    }
}
