//! Issue 17: roles that are sure. Generic speaker labels are resolved from what each speaker
//! says and does (the shared call-centre list, embedded); every inferred call carries a
//! confidence, a near-tie carries a warning in the result, on stderr, in `explain` and in the
//! HTML report, and `--strict-roles` turns it into an input error. Run from a temporary folder
//! outside the repository.

mod common;
use common::*;
use serde_json::Value;

/// An invented inbound call where the customer greets first and is polite, the IVR prompt
/// sits on the customer's label, and the agent is the one who asks for verification.
const SURE: &str = "\
SPEAKER 1：欢迎致电_本次通话可能会被录音_正在为您转接人工服务_请稍候
SPEAKER 2：您好_工号一二三四_很高兴为您服务
SPEAKER 1：您好_麻烦问一下_我想查一下我这个月的话费
SPEAKER 2：好的_请您报一下机主身份证的后四位
SPEAKER 1：后四位是_幺二三四
SPEAKER 2：核实无误_请稍等_正在为您查询
";

/// Nobody says anything that tells who is who.
const TIE: &str = "\
A：喂
B：嗯_你说
A：我的卡好像有点问题
B：嗯
";

fn run(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, Value, String) {
    let out = callqa().args(args).current_dir(dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (out.status.code(), json, String::from_utf8_lossy(&out.stderr).to_string())
}

#[test]
fn inferred_roles_carry_a_confidence_and_a_near_tie_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sure.txt"), SURE).unwrap();
    std::fs::write(dir.path().join("tie.txt"), TIE).unwrap();
    let (code, doc, stderr) = run(dir.path(), &["score", "--format", "json", "sure.txt", "tie.txt"]);
    assert_eq!(code, Some(0), "{stderr}");
    let calls = doc["calls"].as_array().unwrap();
    let sure = &calls[0];
    let agent: Vec<&str> = sure["roles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["role"] == "agent")
        .map(|r| r["speaker"].as_str().unwrap())
        .collect();
    assert_eq!(agent, ["SPEAKER 2"], "{}", sure["roles"]);
    assert!(sure["role_confidence"].as_f64().unwrap() > 0.9, "{}", sure["role_confidence"]);
    assert!(sure.get("role_warning").is_none());
    let evidence = sure["roles"][0]["evidence"].to_string();
    assert!(evidence.contains("IVR prompt, not counted"), "{evidence}");
    assert!(evidence.contains("gives verification"), "{evidence}");

    let tie = &calls[1];
    assert!(tie["role_confidence"].as_f64().unwrap() < 0.2, "{}", tie["role_confidence"]);
    let warning = tie["role_warning"].as_str().unwrap();
    assert!(warning.starts_with("roles are a near-tie"), "{warning}");
    assert!(stderr.contains(&format!("warning: tie.txt: {warning}")), "{stderr}");
    assert!(!stderr.contains("sure.txt"), "{stderr}");

    // Labels that say who is who are sure: no confidence, no warning.
    std::fs::write(dir.path().join("labelled.txt"), "客户：喂\n坐席：嗯\n").unwrap();
    let (_, doc, stderr) = run(dir.path(), &["score", "--format", "json", "labelled.txt"]);
    assert!(doc["calls"][0].get("role_confidence").is_none(), "{}", doc["calls"][0]);
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn strict_roles_turns_a_near_tie_into_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sure.txt"), SURE).unwrap();
    std::fs::write(dir.path().join("tie.txt"), TIE).unwrap();
    let (code, doc, stderr) = run(dir.path(), &["score", "--format", "json", "--strict-roles", "sure.txt", "tie.txt"]);
    assert_eq!(code, Some(0), "one call scored, one input error: {stderr}");
    assert_eq!(doc["calls"].as_array().unwrap().len(), 1);
    assert_eq!(doc["aggregate"]["errors"], 1);
    let e = &doc["errors"][0];
    assert_eq!(e["source"], "tie.txt");
    assert!(
        e["message"].as_str().unwrap().contains("near-tie")
            && e["message"].as_str().unwrap().contains("--strict-roles")
    );
    assert!(stderr.contains("error: tie.txt: roles are a near-tie"), "{stderr}");
    // With --strict as well, the batch fails; --agent settles it.
    let (code, _, _) = run(dir.path(), &["score", "--strict", "--strict-roles", "tie.txt"]);
    assert_eq!(code, Some(2));
    let (code, doc, _) = run(dir.path(), &["score", "--format", "json", "--strict-roles", "--agent", "B", "tie.txt"]);
    assert_eq!(code, Some(0));
    assert!(doc["calls"][0].get("role_warning").is_none());
}

#[test]
fn explain_and_the_html_report_show_the_warning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tie.txt"), TIE).unwrap();
    let out = callqa().args(["explain", "tie.txt", "--color", "never"]).current_dir(dir.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("inferred from what each speaker said, confidence 0.1"), "{text}");
    assert!(text.contains("warning: roles are a near-tie"), "{text}");

    let out = callqa().args(["report", "tie.txt", "--out", "r"]).current_dir(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: tie.txt: roles are a near-tie"));
    let html = std::fs::read_to_string(dir.path().join("r/report.html")).unwrap();
    assert!(html.contains("class=\"role-warning\"") && html.contains("roles are a near-tie"), "warning in the page");
    assert!(html.contains("推断置信度 0.1"));
}
