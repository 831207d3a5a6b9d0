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
        .stdout(predicate::str::contains("hotline.toml: ok (2 steps, 1 signal,"));
    // From another folder too, by an absolute path.
    callqa().current_dir(std::env::temp_dir()).args(["rubric", "check"]).arg(&path).assert().success();
}

#[test]
fn a_missing_include_names_the_lists_that_exist_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "hotline.toml", &rubric(r#""common/compliance.toml", "common/call-flow.toml""#, ""));
    let out = callqa().current_dir(dir.path()).args(["rubric", "check", "hotline.toml"]).assert().code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        err.starts_with("error: hotline.toml:1:12: cannot read the included file `common/compliance.toml`"),
        "{err}"
    );
    assert!(
        err.contains(
            "common/advertising-law.toml, common/call-centre.toml, common/call-flow.toml, common/privacy.toml, \
             common/sales-conduct.toml"
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
        String::from_utf8(out.stdout.clone()).unwrap().contains("ok (2 steps, 1 signal, 1 rule, 0 facts, 1 warning)")
    );
    // The lint reports it too, so CI's --deny-warnings catches it.
    callqa()
        .current_dir(dir.path())
        .args(["rubric", "lint", "--deny-warnings", "--allow", "RL009", "--allow", "RL008", "hotline.toml"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("warning[RL010]"));
}

/// An inbound hotline rubric using the dialogue predicates: requests that open and close, a
/// clarifying question with no place in the order, conditions on steps and the end.
fn hotline(clarify_ordered: bool) -> String {
    format!(
        r#"[rubric]
id = "inbound"
version = "1"

[[signals]]
id = "request"
role = "customer"
act = "request"
cues = {{ any = ["我想查", "帮我查", "帮我改"] }}

[[signals]]
id = "resolved"
role = "agent"
act = "resolve"
cues = {{ any = ["已经为您", "查好了", "办好了"] }}

[[signals]]
id = "asks_at_the_end"
role = "customer"
when = ["last_turn", "question"]
cues = {{ regex = ['.'] }}

[[steps]]
id = "greeting"
cues = {{ any = ["您好"] }}

[[steps]]
id = "clarify"
ordered = {clarify_ordered}
when = ["question"]
cues = {{ any = ["请问", "哪个号码"] }}

[[steps]]
id = "answer"
cues = {{ any = ["已经为您", "查好了", "办好了"] }}

[[steps]]
id = "closing"
cues = {{ any = ["再见"] }}

[[end_conditions]]
id = "left_asking"
any = ["asks_at_the_end"]
required_steps = ["greeting"]

[[end_conditions]]
id = "unresolved"
when = ["request_open"]
required_steps = ["greeting"]

[[end_conditions]]
id = "resolved"
when = ["covered:answer"]
required_steps = ["greeting", "answer", "closing"]

[[end_conditions]]
id = "other"
required_steps = ["greeting"]

[[rules]]
id = "bye-while-open"
code = "SV010"
criterion = "ending"
type = "forbid"
severity = "major"
message = "客户的诉求还没有解决就结束通话：「{{excerpt}}」"
when = ["request_open", "!question"]
cues = {{ any = ["再见"] }}
"#
    )
}

/// Scores `call` with [`hotline`]: (end condition, finding codes, clarify covered).
fn score_hotline(clarify_ordered: bool, call: &str) -> (String, Vec<String>, bool) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "inbound.toml", &hotline(clarify_ordered));
    write(dir.path(), "call.txt", call);
    callqa().current_dir(dir.path()).args(["rubric", "check", "inbound.toml"]).assert().success();
    let out = stdout(callqa().current_dir(dir.path()).args([
        "score",
        "--format",
        "json",
        "--rubric",
        "inbound.toml",
        "call.txt",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let c = &v["calls"][0];
    let codes = c["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect();
    let clarify = c["steps"].as_array().unwrap().iter().find(|s| s["id"] == "clarify").unwrap()["covered"] == true;
    (c["end_condition"].as_str().unwrap().to_string(), codes, clarify)
}

#[test]
fn an_unordered_step_is_left_out_of_the_order_check() {
    // The agent answers first and asks its clarifying question afterwards.
    let call = "坐席：您好\n客户：我想查一下话费\n坐席：已经为您查好了，还剩五十元\n客户：那流量呢\n坐席：请问您是问哪个号码？\n客户：就这个\n坐席：好的，再见\n";
    let (end, codes, clarify) = score_hotline(true, call);
    assert_eq!(end, "resolved");
    assert!(clarify && codes.contains(&"SC002".to_string()), "{codes:?}");
    let (end, codes, _) = score_hotline(false, call);
    assert_eq!(end, "resolved");
    assert!(!codes.contains(&"SC002".to_string()), "{codes:?}");
}

#[test]
fn predicates_find_open_requests_questions_and_the_customers_last_turn() {
    // A request never resolved: the end says so, and the goodbye is a finding.
    let call = "坐席：您好\n客户：帮我查一下话费\n坐席：这个我们这边看不到\n客户：哦\n坐席：好的，再见\n";
    let (end, codes, _) = score_hotline(false, call);
    assert_eq!(end, "unresolved");
    assert!(codes.contains(&"SV010".to_string()), "{codes:?}");
    // Resolved: the same goodbye is fine.
    let call = "坐席：您好\n客户：帮我查一下话费\n坐席：查好了，还剩五十元\n客户：好\n坐席：好的，再见\n";
    let (end, codes, _) = score_hotline(false, call);
    assert_eq!(end, "resolved");
    assert!(!codes.contains(&"SV010".to_string()), "{codes:?}");
    // The customer's last turn is a question: the call ended on it.
    let call = "坐席：您好\n客户：帮我查一下话费\n坐席：查好了，还剩五十元\n客户：那流量还有多少？\n";
    assert_eq!(score_hotline(false, call).0, "left_asking");
    // A 请问 that asks nothing does not cover the clarifying step (`when = ["question"]`).
    let call = "坐席：您好，请问\n客户：我想查话费\n坐席：查好了\n";
    assert!(!score_hotline(false, call).2);
}

#[test]
fn conditions_are_checked_where_they_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let text = hotline(false)
        .replace("when = [\"last_turn\", \"question\"]", "when = [\"exit_pending\", \"questoin\"]")
        .replace("when = [\"covered:answer\"]", "when = [\"covered:anwser\", \"last:2\"]");
    write(dir.path(), "inbound.toml", &text);
    let out = callqa().current_dir(dir.path()).args(["rubric", "check", "inbound.toml"]).assert().code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("inbound.toml:20:8: unknown condition `questoin`, expected one of exit_pending"), "{err}");
    let text = text.replace("questoin", "question");
    write(dir.path(), "inbound.toml", &text);
    let out = callqa().current_dir(dir.path()).args(["rubric", "check", "inbound.toml"]).assert().code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    for want in [
        "signal `asks_at_the_end` has `when = \"exit_pending\"`, which is known only once signals and steps are decided",
        "end condition `resolved` refers to undefined step `anwser`",
        "end condition `resolved` has `when = \"last:2\"`, which is about one turn",
    ] {
        assert!(err.contains(want), "missing `{want}` in:\n{err}");
    }
}

#[test]
fn lint_names_a_cue_that_never_falls_on_token_boundaries_and_what_it_stops() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"[rubric]
id = "reminder"
version = "1"

[[signals]]
id = "will_come"
role = "customer"
cues = { any = ["会去", "会来"] }

[[steps]]
id = "remind"
cues = { any = ["提醒您"] }
examples.match = ["提醒您明天复诊"]

[[end_conditions]]
id = "confirmed"
any = ["will_come"]

[[end_conditions]]
id = "other"
"#;
    write(dir.path(), "reminder.toml", text);
    write(dir.path(), "calls/a.txt", "坐席：您好，提醒您明天上午复诊\n客户：好的我会去的\n坐席：好的再见\n");
    write(dir.path(), "calls/b.txt", "坐席：您好，提醒您明天上午复诊\n客户：嗯我会来的，谢谢\n坐席：好的再见\n");
    let out = callqa()
        .current_dir(dir.path())
        .args(["rubric", "lint", "--deny-warnings", "--against", "calls", "reminder.toml"])
        .assert()
        .code(1);
    let out = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for want in [
        "reminder.toml:8:17: warning[RL001]: signal `will_come`: the cue `会去` occurs 1 time(s) in the rubric's lines and the calls but never on token boundaries, e.g. jieba cuts 「会去」 as 我会/去",
        "reminder.toml:6:6: warning[RL001]: signal `will_come` never fires",
        "reminder.toml:16:6: warning[RL004]: end condition `confirmed` is never reached: signal `will_come` never fires",
    ] {
        assert!(out.contains(want), "missing `{want}` in:\n{out}");
    }
}

#[test]
fn explain_names_the_closest_cue_of_a_step_without_model_lines() {
    let dir = tempfile::tempdir().unwrap();
    let text = hotline(false).replace("cues = { any = [\"再见\"] }", "cues = { any = [\"还有什么可以帮\"] }")
        + "\n[dictionary]\nwords = [\"帮您\"]\n";
    write(dir.path(), "inbound.toml", &text);
    write(
        dir.path(),
        "call.txt",
        "坐席：您好\n客户：帮我查一下话费\n坐席：查好了，还剩五十元\n坐席：请问还有什么可以帮您\n客户：没有了\n",
    );
    let out = stdout(callqa().current_dir(dir.path()).args(["explain", "--rubric", "inbound.toml", "call.txt"]));
    assert!(
        out.contains("step `closing` not covered; closest cue: `还有什么可以帮` in turn 3, where 「还有什么可以帮」 occurs but not on token boundaries (jieba: 还有/什么/可以/帮您)"),
        "{out}"
    );
    assert!(!out.contains("similarity 0.00"), "{out}");
}

#[test]
fn rubric_test_says_why_a_step_example_did_not_match() {
    let dir = tempfile::tempdir().unwrap();
    let text = hotline(false)
        .replacen(
            "cues = { any = [\"再见\"] }",
            "cues = { any = [\"还有什么可以帮\"] }\nexamples.match = [\"请问还有什么可以帮您\"]",
            1,
        )
        .replace(
            "cues = { any = [\"请问\", \"哪个号码\"] }",
            "cues = { any = [\"您是指\", \"号码\"] }\nexamples.match = [\"号码已经记下了\"]",
        )
        + "\n[dictionary]\nwords = [\"帮您\"]\n";
    write(dir.path(), "inbound.toml", &text);
    let out = callqa().current_dir(dir.path()).args(["rubric", "test", "inbound.toml"]).assert().code(1);
    let out = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        out.contains("no cue matched; closest cue: `还有什么可以帮` in turn 0, where 「还有什么可以帮」 occurs but not on token boundaries (jieba: 还有/什么/可以/帮您)"),
        "{out}"
    );
    assert!(out.contains("matched 「号码」, but its `when` (question) does not hold there"), "{out}");
}
