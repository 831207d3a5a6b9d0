//! Issue 19, "the first hour": what a new user trips over, each point through the real binary
//! (or the repository's scripts and files, where the point is about them).

mod common;
use common::*;
use serde_json::Value;
use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command as Std, Stdio};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `reports/results.json` with call `id` turned from pass into fail (score 40, one critical
/// finding) and the aggregate's mean and pass rate lowered: a regression for compare and the gate.
fn regressed_results(dir: &Path) -> std::path::PathBuf {
    let mut r: Value = serde_json::from_slice(&fs::read(repo("reports/results.json")).unwrap()).unwrap();
    let calls = r["calls"].as_array_mut().unwrap();
    let call = calls.iter_mut().find(|c| c["verdict"] == "pass").expect("a passing call");
    call["verdict"] = "fail".into();
    call["score"] = 40.0.into();
    call["auto_fail"] = true.into();
    call["findings"].as_array_mut().unwrap().push(serde_json::json!({
        "code": "OP001", "criterion": "overpromise", "severity": "critical", "turn": 0, "span": [0, 2],
        "excerpt": "保证", "message": "绝对化承诺：「保证」", "rule": "absolute-guarantee"
    }));
    let n = r["aggregate"]["calls"].as_f64().unwrap();
    let mean = r["aggregate"]["score"]["mean"].as_f64().unwrap();
    r["aggregate"]["score"]["mean"] = (mean - 3.0).into();
    let rate = r["aggregate"]["pass_rate"].as_f64().unwrap();
    r["aggregate"]["pass_rate"] = (rate - 1.0 / n).into();
    let path = dir.join("regressed.json");
    fs::write(&path, serde_json::to_vec_pretty(&r).unwrap()).unwrap();
    path
}

// 1. compare --format markdown gives the diff, not a verdict.

#[test]
fn compare_markdown_shows_the_diff_and_no_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let new = regressed_results(tmp.path());
    let out = callqa()
        .args(["compare", "reports/results.json"])
        .arg(&new)
        .args(["--format", "markdown"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let md = text(&out.stdout);
    assert!(!md.contains("Gate") && !md.contains("held") && !md.contains('✅'), "compare claims a verdict:\n{md}");
    assert!(md.contains("| mean score |") && md.contains("| pass rate |"), "{md}");
    assert!(md.contains("**Pass → fail (1):**"), "{md}");
    insta::assert_snapshot!("compare_markdown", md);
}

// 2. Unknown ids are usage errors that list the valid ones.

#[test]
fn a_misspelled_criterion_is_a_usage_error_not_a_gate_failure() {
    let out = callqa()
        .args(["gate", "reports/results.json", "--min-criterion", "overpromis=0.9"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.starts_with("error: --min-criterion overpromis: unknown criterion"), "{err}");
    assert!(err.contains("did you mean `overpromise`?"), "{err}");
    assert!(err.contains("steps, style, overpromise, privacy"), "{err}");
    assert!(out.stdout.is_empty(), "no FAIL line for a typo: {}", text(&out.stdout));

    // The same id from a config file names the file.
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("callqa.toml");
    fs::write(&config, "[gate]\nmin_criterion = { privcy = 0.9 }\n").unwrap();
    let out = callqa()
        .args(["score", "fixtures/dev/faithful_contact.txt", "--config"])
        .arg(&config)
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("min_criterion.privcy in ") && err.contains("did you mean `privacy`?"), "{err}");

    // A known criterion still gates.
    let ok = callqa()
        .args(["gate", "reports/results.json", "--min-criterion", "style=0.5"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stdout));
}

#[test]
fn an_unknown_group_by_field_is_a_usage_error_that_lists_the_fields() {
    for args in [
        &["score", "--format", "json"][..],
        &["score", "--format", "summary"],
        &["score", "--format", "json", "--min-score", "0"],
    ] {
        let out = callqa()
            .args(args)
            .args(["fixtures/dev/calls_batch.jsonl", "--group-by", "tem"])
            .current_dir(repo(""))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains("error: --group-by tem: no call has a `tem` meta field"), "{args:?}: {err}");
        assert!(err.contains("did you mean `team`?") && err.contains("agent, prompt_version, team"), "{err}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = callqa()
        .args(["report", "fixtures/dev", "--group-by", "Team", "--out"])
        .arg(tmp.path())
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0, "no reports for a typo");
    // A field some calls have is fine.
    let ok = callqa()
        .args(["score", "--format", "summary", "fixtures/dev", "--group-by", "team"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains("by team: "));
}

// 3. The README's examples write where nothing is committed; a script regenerates the samples.

#[test]
fn readme_examples_write_outside_committed_paths() {
    let readme = fs::read_to_string(repo("README.md")).unwrap();
    let mut outs = 0;
    for (i, _) in readme.match_indices("--out ") {
        let target: String = readme[i + 6..].chars().take_while(|c| !c.is_whitespace() && *c != '`').collect();
        outs += 1;
        let committed = ["reports", "fixtures", "rubrics", "src", "tests", "docs", "scripts"]
            .iter()
            .any(|d| target.trim_start_matches("./").starts_with(d));
        assert!(!committed, "README writes reports into a committed path: --out {target}");
    }
    assert!(outs >= 3, "README examples with --out: {outs}");
    assert!(readme.contains("scripts/regen-reports.sh"));
}

#[test]
fn the_regeneration_script_writes_exactly_the_committed_samples() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Std::new("bash")
        .arg(repo("scripts/regen-reports.sh"))
        .arg("--out")
        .arg(tmp.path())
        .env("CALLQA", env!("CARGO_BIN_EXE_callqa"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    for name in ["results.json", "calls.csv", "summary.md", "junit.xml", "report.html"] {
        assert!(
            fs::read(repo("reports").join(name)).unwrap() == fs::read(tmp.path().join(name)).unwrap(),
            "reports/{name}: the script does not regenerate what the drift test checks"
        );
    }
    let drift = fs::read_to_string(repo("tests/batch.rs")).unwrap();
    assert!(drift.contains("scripts/regen-reports.sh"), "the drift test's message names the script");
}

// 4. A closed stdout ends quietly.

fn closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Std::new(env!("CARGO_BIN_EXE_callqa"))
        .args(args)
        .current_dir(repo(""))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -1` that has already exited: the reader is gone before callqa writes.
    drop(child.stdout.take());
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (child.wait().unwrap().code(), err)
}

#[test]
fn a_closed_pipe_ends_quietly() {
    for args in [
        &["rules", "OP001"][..],
        &["rules"],
        &["rubric", "check", "rubrics/changjiang-plan-upsell.toml"],
        &["score", "fixtures/dev", "--format", "summary"],
        &["score", "fixtures/dev"],
        &["explain", "fixtures/dev/viol_op001_guarantee.txt"],
        &["compare", "reports/results.json", "reports/results.json"],
        &["--help"],
    ] {
        let (code, err) = closed_stdout(args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?} printed to stderr: {err}");
    }
}

// 5. Every help ends with examples and its own exit codes; explain has no batch flags.

const COMMANDS: &[&[&str]] = &[
    &[],
    &["score"],
    &["report"],
    &["gate"],
    &["compare"],
    &["merge"],
    &["explain"],
    &["rules"],
    &["calibrate"],
    &["rubric"],
    &["rubric", "check"],
    &["rubric", "new"],
    &["rubric", "schema"],
    &["rubric", "test"],
    &["rubric", "lint"],
];

#[test]
fn every_help_ends_with_examples_and_exit_codes() {
    let subcommands = ["score", "report", "gate", "compare", "merge", "explain", "rules", "calibrate", "rubric"];
    for cmd in COMMANDS {
        let out = callqa().args(*cmd).arg("--help").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{cmd:?}");
        let help = text(&out.stdout);
        let ex = help.find("\nExamples:\n").unwrap_or_else(|| panic!("{cmd:?} --help has no examples:\n{help}"));
        let codes = help.rfind("Exit codes:").unwrap_or_else(|| panic!("{cmd:?} --help has no exit codes"));
        assert!(ex < codes, "{cmd:?}: examples come before the exit codes");
        let examples: Vec<&str> =
            help[ex..].lines().skip(2).take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
        assert!((2..=3).contains(&examples.len()), "{cmd:?}: {examples:?}");
        for e in &examples {
            let words: Vec<&str> = e.split_whitespace().collect();
            assert_eq!(words[0], "callqa", "{cmd:?}: {e}");
            assert!(subcommands.contains(&words[1]), "{cmd:?}: not a command: {e}");
            if !cmd.is_empty() {
                assert!(
                    e.starts_with(&format!("callqa {}", cmd.join(" "))),
                    "{cmd:?}: an example of another command: {e}"
                );
            }
            // Paths of the repository that an example names exist.
            for w in &words {
                if ["fixtures/", "rubrics/", "reports/"].iter().any(|p| w.starts_with(p)) && !w.contains('*') {
                    assert!(repo(w).exists(), "{cmd:?}: {w} does not exist");
                }
            }
        }
        // Only the gate's commands promise the gate's exit code 1.
        let own = &help[codes..];
        let gated = matches!(cmd.first(), Some(&"score" | &"report" | &"gate"));
        assert_eq!(
            own.contains("gate failed") || own.contains("the gate held"),
            gated || cmd.is_empty(),
            "{cmd:?}:\n{own}"
        );
    }
    let explain = text(&callqa().args(["explain", "--help"]).output().unwrap().stdout);
    for flag in ["--shard", "--group-by", "--threads", "-j,", "--limit"] {
        assert!(!explain.contains(flag), "explain offers {flag}");
    }
    insta::assert_snapshot!("explain_help", explain);
}

#[test]
fn the_examples_of_score_and_explain_run() {
    for args in [
        &["score", "fixtures/dev/viol_op001_guarantee.txt"][..],
        &["score", "fixtures/dev", "--format", "summary", "--limit", "10"],
        &["explain", "fixtures/dev/calls_batch.jsonl", "--call", "dev-jsonl-multi-viol"],
        &["rules", "--rubric", "rubrics/bank-card-instalment.toml", "OP007"],
    ] {
        let out = callqa().args(args).current_dir(repo("")).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out.stderr));
    }
}

// 6. A summary format for big batches.

#[test]
fn summary_of_3000_calls_fits_in_under_100_lines() {
    let batch = fs::read_to_string(repo("fixtures/dev/calls_batch.jsonl")).unwrap();
    let lines: Vec<&str> = batch.lines().filter(|l| !l.trim().is_empty()).collect();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("calls.jsonl");
    let mut big = String::new();
    for i in 0..3000 {
        let mut call: Value = serde_json::from_str(lines[i % lines.len()]).unwrap();
        call["id"] = format!("call-{i:04}").into();
        big.push_str(&call.to_string());
        big.push('\n');
    }
    fs::write(&path, big).unwrap();
    let out = callqa().args(["score", "--format", "summary"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    let n = summary.lines().count();
    assert!(n < 100, "{n} lines");
    assert!(summary.starts_with("3000 calls: "), "{summary}");
    let failing = summary.lines().find(|l| l.starts_with("failing calls")).expect("failing calls listed");
    assert!(failing.contains("lowest score first"), "{failing}");
    assert!(summary.contains("… and "), "the rest is counted, not dropped silently");
}

#[test]
fn summary_lists_every_failing_call_with_its_top_finding() {
    let out = callqa().args(["score", "--format", "summary", "fixtures/dev"]).current_dir(repo("")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let summary = text(&out.stdout);
    // The collected path (gate flags) prints the same summary as the streaming one.
    let gated = callqa()
        .args(["score", "--format", "summary", "fixtures/dev", "--min-score", "0"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(text(&gated.stdout), summary);
    let results: Value = serde_json::from_slice(&fs::read(repo("reports/results.json")).unwrap()).unwrap();
    let failed = results["aggregate"]["failed"].as_u64().unwrap() as usize;
    let listed = summary.lines().filter(|l| l.starts_with("  ") && !l.contains("… and")).count();
    assert_eq!(listed, failed.min(50));
    assert!(summary.contains("OP001: "), "{summary}");
    insta::assert_snapshot!("score_summary_dev", summary);

    let bad = callqa().args(["score", "--limit", "5", "fixtures/dev"]).current_dir(repo("")).output().unwrap();
    assert_eq!(bad.status.code(), Some(2), "--limit without --format summary does nothing: an error");
}

// 7. Report wording.

#[test]
fn reports_use_titles_severity_order_and_proper_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let out =
        callqa().args(["report", "fixtures/dev", "--out"]).arg(tmp.path()).current_dir(repo("")).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let html = fs::read_to_string(tmp.path().join("report.html")).unwrap();
    // Steps by the rubric's titles (the id in small print / the tooltip).
    assert!(html.contains("开场问候与身份确认"), "step titles missing");
    assert!(html.contains(">1. 开场问候与"), "the funnel labels steps by title (clipped to the label column)");
    assert!(html.contains("开场问候与身份确认（greeting）："), "the tooltip has the full title and the id");
    // Findings by code: the first bar is not an info code; info codes have a chart of their own.
    let chart = &html[html.find("id=\"chart-findings\"").unwrap()..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    assert!(!chart.contains("提示"), "an info code among the costly findings");
    assert!(html.contains("id=\"chart-findings-info\""));
    let results: Value = serde_json::from_slice(&fs::read(tmp.path().join("results.json")).unwrap()).unwrap();
    let sev: Vec<&str> =
        results["aggregate"]["findings"].as_array().unwrap().iter().map(|f| f["severity"].as_str().unwrap()).collect();
    let rank = |s: &str| ["critical", "major", "minor", "info"].iter().position(|x| *x == s).unwrap();
    assert!(sev.windows(2).all(|w| rank(w[0]) <= rank(w[1])), "aggregate findings not severity first: {sev:?}");

    // One call: "1 call", not "1 calls".
    let one = callqa().args(["score", "fixtures/dev/faithful_contact.txt"]).current_dir(repo("")).output().unwrap();
    let one = text(&one.stdout);
    assert!(one.contains("1 call:") && !one.contains("1 calls"), "{one}");
    // The gate against an identical baseline: "+0.0 points", never "-0.0".
    let gate = callqa()
        .args(["gate", "reports/results.json", "--baseline", "reports/results.json", "--max-drop", "0"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    let gate = text(&gate.stdout);
    assert!(gate.contains("(+0.0 points") && !gate.contains("-0.0"), "{gate}");
    // rubric check counts in the right number.
    let check =
        callqa().args(["rubric", "check", "tests/data/broadband-renewal.toml"]).current_dir(repo("")).output().unwrap();
    let check = text(&check.stdout);
    for noun in ["steps", "signals", "rules", "facts"] {
        assert!(!check.contains(&format!(" 1 {noun}")) && !check.contains(&format!("(1 {noun}")), "{check}");
    }
}

#[test]
fn questions_for_the_knowledge_base_are_questions() {
    let out = callqa()
        .args(["score", "--format", "json", "fixtures/test/t03-paraphrase-upgrade.txt"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let asked: Vec<&str> =
        r["aggregate"]["unmatched_questions"].as_array().unwrap().iter().map(|q| q["text"].as_str().unwrap()).collect();
    for not_a_question in ["怎么对", "我比较在意这个"] {
        assert!(!asked.contains(&not_a_question), "{asked:?}");
    }
}

#[test]
fn a_missing_rubric_is_an_error_like_the_others() {
    for args in [&["score", "--rubric", "no-such.toml", "fixtures/dev"][..], &["rubric", "check", "no-such.toml"]] {
        let out = callqa().args(args).current_dir(repo("")).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(err.starts_with("error: no-such.toml"), "{args:?}: {err}");
    }
}

#[test]
fn readme_lists_every_report_file_and_installs_from_a_path() {
    let readme = fs::read_to_string(repo("README.md")).unwrap();
    for file in ["results.json", "calls.csv", "summary.md", "junit.xml", "report.html", "manifest.json"] {
        assert!(readme.contains(&format!("| `{file}` |")), "the report-file table lacks {file}");
    }
    assert!(!readme.contains("the gate's outcome then goes to stderr, or into"), "report's gate outcome is on stdout");
    assert!(!readme.contains("OWNER/"), "placeholder URL in the CI example");
    assert!(readme.contains("cargo install --path . --locked"));
}

// 8. Build weight: a small release binary, profiling kept possible.

#[test]
fn release_profile_ships_no_debug_info_and_profiling_keeps_it() {
    let manifest: toml::Table = fs::read_to_string(repo("Cargo.toml")).unwrap().parse().unwrap();
    let release = &manifest["profile"]["release"];
    assert_eq!(release.get("debug").and_then(|d| d.as_integer()), Some(0));
    assert_eq!(release.get("strip").and_then(|d| d.as_bool()), Some(true));
    let profiling = &manifest["profile"]["profiling"];
    assert_eq!(profiling["inherits"].as_str(), Some("release"));
    assert!(profiling["debug"].as_integer().unwrap_or(0) >= 1);
    // When the README's first command has been run, its binary is under 20 MB.
    let bin = repo("target/release/callqa");
    if let Ok(meta) = fs::metadata(&bin) {
        let built_after = fs::metadata(repo("Cargo.toml")).and_then(|m| m.modified()).ok() <= meta.modified().ok();
        if built_after {
            assert!(meta.len() < 20 * 1024 * 1024, "release binary is {} bytes", meta.len());
        }
    }
}

// 9. The README's CI example runs.

#[test]
fn the_ci_example_runs_and_gates_against_the_committed_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    let summary = tmp.path().join("step-summary.md");
    let run = |calls: &Path| {
        Std::new("bash")
            .arg(repo("scripts/ci-example.sh"))
            .arg(calls)
            .env("CALLQA", env!("CARGO_BIN_EXE_callqa"))
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .unwrap()
    };
    let held = run(&repo("fixtures/dev"));
    assert_eq!(held.status.code(), Some(0), "{}", text(&held.stderr));
    assert!(text(&held.stdout).contains("gate held"), "{}", text(&held.stdout));
    let md = fs::read_to_string(&summary).unwrap();
    assert!(md.contains("### Gate: held"), "{md}");

    // The same job on calls that regressed fails with exit 1 and still writes the summary.
    let calls = tmp.path().join("calls");
    fs::create_dir(&calls).unwrap();
    for f in fs::read_dir(repo("fixtures/dev")).unwrap() {
        let p = f.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if name.starts_with("viol_") && name.ends_with(".txt") {
            fs::copy(&p, calls.join(&name)).unwrap();
        }
    }
    fs::write(&summary, "").unwrap();
    let failed = run(&calls);
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed.stderr));
    assert!(fs::read_to_string(&summary).unwrap().contains("### Gate: FAILED"));
    assert!(
        text(&failed.stderr)
            .contains("artifact callqa-report: calls.csv junit.xml manifest.json report.html results.json summary.md")
    );
    let ci = fs::read_to_string(repo(".ci/run")).unwrap();
    assert!(ci.contains("scripts/ci-example.sh"), "CI runs the example");
}
