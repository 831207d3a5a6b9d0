//! The rubric language as a user outside this repository meets it (issue #17): rubrics written
//! in a temporary folder, run through the real binary from that folder — includes of the
//! built-in lists and changes to them, an explicit dictionary, normalization warnings.

mod common;

use common::callqa;
use predicates::prelude::*;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn stdout(cmd: &mut assert_cmd::Command) -> String {
    String::from_utf8(cmd.output().unwrap().stdout).unwrap()
}

/// A small rubric for a hotline call: a greeting, a closing from the shared `closing` list.
fn rubric(include: &str, lexicons: &str) -> String {
    format!(
        r#"include = [{include}]

[rubric]
id = "hotline"
version = "1"

{lexicons}

[[signals]]
id = "privacy_worry"
role = "customer"
cues = {{ any = ["@privacy_worry"] }}

[[steps]]
id = "greeting"
cues = {{ any = ["您好"] }}

[[steps]]
id = "closing"
cues = {{ any = ["@closing"] }}
last = 1

[[end_conditions]]
id = "worried"
any = ["privacy_worry"]

[[end_conditions]]
id = "done"
"#
    )
}

#[test]
fn a_rubric_in_any_folder_includes_the_built_in_lists() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "hotline.toml", &rubric(r#""common/privacy.toml", "common/call-flow.toml""#, ""));
    callqa()
        .current_dir(dir.path())
        .args(["rubric", "check", "hotline.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("hotline.toml: ok (2 steps, 1 signals"));
    // From another folder too, by an absolute path.
    callqa().current_dir(std::env::temp_dir()).args(["rubric", "check"]).arg(&path).assert().success();
}

#[test]
fn a_missing_include_names_the_lists_that_exist_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "hotline.toml", &rubric(r#""common/compliance.toml", "common/call-flow.toml""#, ""));
    let out = callqa().current_dir(dir.path()).args(["rubric", "check", "hotline.toml"]).assert().code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.starts_with("hotline.toml:1:12: cannot read the included file `common/compliance.toml`"), "{err}");
    assert!(
        err.contains(
            "common/advertising-law.toml, common/call-flow.toml, common/privacy.toml, common/sales-conduct.toml"
        ),
        "{err}"
    );
    assert!(err.contains("(@privacy_worry) are checked once it loads"), "{err}");
    assert!(!err.contains("undefined lexicon"), "{err}");
    assert_eq!(err.matches("hotline.toml:").count(), 1, "only the include's error: {err}");
}

/// The closing step of `call` under a rubric whose `lexicons` part is `lexicons`.
fn closing_covered(lexicons: &str, call: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "hotline.toml", &rubric(r#""common/privacy.toml", "common/call-flow.toml""#, lexicons));
    write(dir.path(), "call.txt", call);
    let out = stdout(callqa().current_dir(dir.path()).args([
        "score",
        "--format",
        "json",
        "--rubric",
        "hotline.toml",
        "call.txt",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let steps = v["calls"][0]["steps"].as_array().unwrap();
    steps.iter().find(|s| s["id"] == "closing").unwrap()["covered"].as_bool().unwrap()
}

#[test]
fn removing_an_entry_of_an_included_list_changes_the_verdict() {
    let thanks_only = "坐席：您好，请问有什么可以帮您？\n客户：我查一下话费\n坐席：好的，已经为您查好了，谢谢\n";
    let goodbye = "坐席：您好，请问有什么可以帮您？\n客户：我查一下话费\n坐席：好的，已经为您查好了，再见\n";
    assert!(closing_covered("", thanks_only), "the shared list counts a bare 谢谢");
    let trimmed = "[lexicons.closing]\nremove = [\"谢谢\"]\nadd = [\"慢走\"]\n";
    assert!(!closing_covered(trimmed, thanks_only), "谢谢 was removed");
    assert!(closing_covered(trimmed, goodbye), "the rest of the shared list still counts");
    assert!(closing_covered(trimmed, "坐席：您好\n客户：嗯\n坐席：好的，您慢走\n"), "an added entry counts");
}

#[test]
fn removing_what_a_list_does_not_have_is_located() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "hotline.toml",
        &rubric(r#""common/privacy.toml", "common/call-flow.toml""#, "[lexicons.closing]\nremove = [\"谢谢啦\"]\n"),
    );
    let out = callqa().current_dir(dir.path()).args(["rubric", "check", "hotline.toml"]).assert().code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("hotline.toml:8:11: lexicon `closing` removes `谢谢啦`, which is not an entry of `closing` (from rubrics/common/call-flow.toml)"),
        "{err}"
    );
    assert!(err.contains("its entries: 感谢, 谢谢, 再见"), "{err}");
}

#[test]
fn the_starter_passes_check_test_and_lint_in_a_fresh_folder() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| callqa().current_dir(dir.path()).args(args).assert().success();
    run(&["rubric", "new", "mine.toml"]);
    let text = std::fs::read_to_string(dir.path().join("mine.toml")).unwrap();
    assert!(text.contains("\ninclude = [\"common/call-flow.toml\"]"), "the starter includes a built-in list");
    run(&["rubric", "check", "mine.toml"]).stderr(predicate::str::is_empty());
    run(&["rubric", "test", "mine.toml"]).stdout(predicate::str::contains("test result: ok."));
    run(&["rubric", "lint", "--deny-warnings", "mine.toml"]);
}

#[test]
fn check_warns_when_normalization_changes_a_phrase() {
    let dir = tempfile::tempdir().unwrap();
    let text = rubric(r#""common/privacy.toml", "common/call-flow.toml""#, "")
        + "\n[[rules]]\nid = \"refusal\"\ncode = \"SV001\"\ncriterion = \"style\"\ntype = \"forbid\"\nseverity = \"major\"\nmessage = \"推诿：「{excerpt}」\"\ncues = { any = [\"不归我管\", \"不知道啊\"] }\n";
    write(dir.path(), "hotline.toml", &text);
    let out = callqa().current_dir(dir.path()).args(["rubric", "check", "hotline.toml"]).assert().success();
    let out = out.get_output();
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    assert!(
        err.contains("hotline.toml:37:25: warning[RL010]: rule `refusal`: normalization changes the phrase `不知道啊` → `不知道` (removes 啊"),
        "{err}"
    );
    assert!(
        String::from_utf8(out.stdout.clone()).unwrap().contains("ok (2 steps, 1 signals, 1 rules, 0 facts, 1 warning)")
    );
    // The lint reports it too, so CI's --deny-warnings catches it.
    callqa()
        .current_dir(dir.path())
        .args(["rubric", "lint", "--deny-warnings", "--allow", "RL009", "--allow", "RL008", "hotline.toml"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("warning[RL010]"));
}
