//! End-to-end tests of the `callqa` binary: exit codes, error messages, the JSON contract,
//! determinism, and a second rubric written only in the rubric language.

mod common;
use common::*;
use predicates::prelude::*;
use serde_json::Value;

fn data(name: &str) -> String {
    repo(&format!("tests/data/{name}")).to_string_lossy().into_owned()
}

#[test]
fn unknown_format_is_exit_2_with_the_file() {
    callqa()
        .args(["score", &data("noformat.txt")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("noformat.txt").and(predicate::str::contains("input format")));
}

#[test]
fn unmappable_speakers_are_named() {
    callqa().args(["score", &data("unmappable.txt")]).assert().code(2).stderr(
        predicate::str::contains("\"甲\"")
            .and(predicate::str::contains("\"乙\""))
            .and(predicate::str::contains("--agent")),
    );
}

#[test]
fn agent_flag_maps_unknown_speakers() {
    let doc = score_json(&["--agent", "甲", &data("unmappable.txt")]);
    let call = &doc["calls"][0];
    assert_eq!(call["turns"][0]["role"], "agent");
    assert_eq!(call["turns"][1]["role"], "customer");
    assert_eq!(call["roles"][0]["source"], "cli");
}

#[test]
fn invalid_rubric_lists_every_problem_with_line_and_column() {
    let out = callqa().args(["rubric", "check", &data("bad-rubric.toml")]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "bad-rubric.toml:6:6",
        "invalid regex",
        "duplicate step id `greeting`",
        "undefined lexicon `@nope`",
        "undefined signal `undefined_signal`",
        "code `X1`",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
    // Scoring with it is refused the same way.
    callqa().args(["score", "--rubric", &data("bad-rubric.toml"), &data("renewal-good.txt")]).assert().code(2);
}

#[test]
fn rubric_check_locates_range_name_key_and_type_errors_in_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.toml");
    let shown = path.display().to_string();
    let check = |text: &str| {
        std::fs::write(&path, text).unwrap();
        let out = callqa().args(["rubric", "check", &shown]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let step = "[[steps]]\nid = \"greeting\"\ncues = { any = [\"您好\"] }\n";

    // Ranges and criterion names, once the file deserializes.
    let err = check(&format!(
        "[rubric]\nid = \"t\"\nversion = \"1\"\nmin_similarity = 2\n\n{step}\n[criteria.steps]\nweight = -5\npass_score = 101\n\n[criteria.bogus]\nweight = 1\n\n[penalties]\nminor = 300\n"
    ));
    for needle in [
        ":4:18: rubric.min_similarity = 2 is outside 0–1",
        ":11:10: criteria.steps.weight = -5 must be a number from 0 to 1000000",
        ":12:14: criteria.steps.pass_score = 101 is outside 0–100",
        ":14:11: unknown criterion `criteria.bogus`",
        ":18:9: penalties.minor = 300 is outside 0–100",
    ] {
        assert!(err.contains(&format!("{shown}{needle}")), "missing {needle:?} in:\n{err}");
    }
    assert!(err.contains("5 problems in the rubric"), "{err}");

    // Unknown keys and wrong types in different tables, all in one run.
    let err = check(&format!(
        "[rubric]\nid = \"t\"\nversion = 1\ncolour = \"red\"\n\n{step}\n[penalties]\nmajr = 40\n\n[roles]\nagent = \"坐席\"\n"
    ));
    for needle in [
        ":3:11: invalid type: integer `1`, expected a string",
        ":4:1: unknown field `colour`",
        ":11:1: unknown field `majr`",
        ":14:9: invalid type: string \"坐席\", expected a sequence",
    ] {
        assert!(err.contains(&format!("{shown}{needle}")), "missing {needle:?} in:\n{err}");
    }
    assert!(err.contains("4 problems in the rubric"), "{err}");
    assert!(!err.contains("missing field"), "{err}");
}

#[test]
fn the_default_rubric_checks_clean() {
    callqa()
        .args(["rubric", "check", &repo("rubrics/changjiang-plan-upsell.toml").to_string_lossy()])
        .assert()
        .success();
}

#[test]
fn a_bad_file_does_not_stop_the_batch() {
    let doc = score_json(&[&data("noformat.txt"), &repo("fixtures/dev/faithful_contact.txt").to_string_lossy()]);
    assert_eq!(doc["calls"].as_array().unwrap().len(), 1);
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(errors[0]["source"].as_str().unwrap().contains("noformat.txt"));
    assert_eq!(doc["aggregate"]["errors"], 1);
    // Some calls were scored, so the run succeeds unless --strict.
    callqa()
        .args(["score", &data("noformat.txt"), &repo("fixtures/dev/faithful_contact.txt").to_string_lossy()])
        .assert()
        .code(0);
    callqa()
        .args([
            "score",
            "--strict",
            &data("noformat.txt"),
            &repo("fixtures/dev/faithful_contact.txt").to_string_lossy(),
        ])
        .assert()
        .code(2);
}

#[test]
fn json_follows_contract_v1_and_spans_point_at_the_original_text() {
    let doc = score_json(&[&repo("fixtures/dev").to_string_lossy()]);
    assert_eq!(doc["schema"], "callqa/results/v1");
    assert_eq!(doc["rubric"]["id"], "changjiang-plan-upsell");
    let mut findings = 0;
    for call in doc["calls"].as_array().unwrap() {
        for key in [
            "call_id",
            "source",
            "score",
            "verdict",
            "auto_fail",
            "criteria",
            "steps",
            "end_condition",
            "findings",
            "turns",
        ] {
            assert!(call.get(key).is_some(), "{key} missing in {}", call["call_id"]);
        }
        let turns = call["turns"].as_array().unwrap();
        for f in call["findings"].as_array().unwrap() {
            findings += 1;
            let t = f["turn"].as_u64().unwrap() as usize;
            let text: Vec<char> = turns[t]["text"].as_str().unwrap().chars().collect();
            let (a, b) = (f["span"][0].as_u64().unwrap() as usize, f["span"][1].as_u64().unwrap() as usize);
            assert!(a <= b && b <= text.len(), "span out of range in {}", call["call_id"]);
            let excerpt = f["excerpt"].as_str().unwrap();
            let original: String = text[a..b].iter().collect();
            assert!(original.starts_with(excerpt.trim_end_matches('…')), "{excerpt} vs {original}");
            assert!(["critical", "major", "minor", "info"].contains(&f["severity"].as_str().unwrap()));
            assert!(!f["message"].as_str().unwrap().is_empty());
        }
        for c in call["criteria"].as_array().unwrap() {
            assert_eq!(c["score"].is_null(), c["passed"].is_null(), "N/A must be null in both fields");
        }
    }
    assert!(findings > 20, "the dev fixtures contain many violations");
}

#[test]
fn output_is_byte_identical_across_runs() {
    let run =
        || callqa().args(["score", "--format", "json", "fixtures/dev"]).current_dir(repo("")).output().unwrap().stdout;
    assert_eq!(run(), run());
}

#[test]
fn a_second_rubric_needs_no_code() {
    let rubric = data("broadband-renewal.toml");
    callqa().args(["rubric", "check", &rubric]).assert().success();
    let doc = score_json(&["--rubric", &rubric, &data("renewal-good.txt"), &data("renewal-bad.txt")]);
    assert_eq!(doc["rubric"]["id"], "broadband-renewal");
    let calls: Vec<&Value> = doc["calls"].as_array().unwrap().iter().collect();
    let good = calls.iter().find(|c| c["call_id"] == "renewal-good").unwrap();
    assert_eq!(good["verdict"], "pass", "{good:#}");
    assert_eq!(good["end_condition"], "renewed");
    assert!(good["steps"].as_array().unwrap().iter().all(|s| s["covered"] == true));
    let bad = calls.iter().find(|c| c["call_id"] == "renewal-bad").unwrap();
    assert_eq!(bad["verdict"], "fail");
    assert_eq!(bad["end_condition"], "declined");
    assert_eq!(bad["auto_fail"], true);
    let codes: Vec<&str> = bad["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"BB001") && codes.contains(&"BB002"), "{codes:?}");
}

#[test]
fn help_documents_exit_codes() {
    callqa().args(["score", "--help"]).assert().success().stdout(predicate::str::contains("Exit codes"));
}

#[test]
fn stdin_is_read_with_a_dash() {
    let text = std::fs::read(repo("fixtures/dev/faithful_contact.txt")).unwrap();
    let out = callqa().args(["score", "--format", "json", "-"]).write_stdin(text).output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["calls"][0]["source"], "<stdin>");
    assert_eq!(doc["calls"][0]["verdict"], "pass");
}

#[test]
fn markup_in_transcripts_is_kept_as_text() {
    let doc = score_json(&[&data("injection.txt")]);
    assert!(doc["calls"][0]["turns"][0]["text"].as_str().unwrap().contains("<script>"));
}

#[test]
fn duplicate_call_ids_are_reported_not_scored_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let src = repo("fixtures/dev/faithful_contact.txt");
    std::fs::create_dir(tmp.path().join("b")).unwrap();
    std::fs::copy(&src, tmp.path().join("a.txt")).unwrap();
    std::fs::copy(&src, tmp.path().join("b").join("a.txt")).unwrap();
    let doc = score_json(&[&tmp.path().to_string_lossy()]);
    assert_eq!(doc["calls"].as_array().unwrap().len(), 1);
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(errors[0]["message"].as_str().unwrap().contains("duplicate call id `a`"));
    assert_eq!(doc["aggregate"]["read"], 2);
}

#[test]
fn size_limits_are_configurable_and_explained() {
    let out = callqa()
        .args(["score", "--format", "json", "--max-turn-chars", "20"])
        .arg(repo("fixtures/dev/faithful_contact.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "nothing could be scored");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--max-turn-chars") && err.contains("faithful_contact.txt:"), "{err}");
    let out = callqa()
        .args(["score", "--format", "json", "--max-file-bytes", "100"])
        .arg(repo("fixtures/dev/faithful_contact.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-file-bytes"));
}
