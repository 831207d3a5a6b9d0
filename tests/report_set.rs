//! `report` writes a set: the destination always holds every file of one run and a manifest
//! that names it, whatever stops the run — a second run into the same folder, SIGINT, `kill -9`
//! — temporaries are never at a predictable path, and the reports are never read back as
//! inputs.

mod common;
use common::*;
use serde_json::Value;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

/// FNV-1a 64 of `bytes`, as the manifest lists it.
fn fnv1a(bytes: &[u8]) -> String {
    format!(
        "{:016x}",
        bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    )
}

/// Asserts that `dir` holds exactly the set its manifest names, and returns the manifest.
fn assert_whole_set(dir: &Path) -> Value {
    let manifest: Value = serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["schema"], "callqa/report-set/v1");
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 5);
    for f in files {
        let name = f["name"].as_str().unwrap();
        let bytes = fs::read(dir.join(name)).unwrap();
        assert_eq!(f["bytes"].as_u64().unwrap(), bytes.len() as u64, "{name}");
        assert_eq!(f["fnv1a"].as_str().unwrap(), fnv1a(&bytes), "{name} is not of the run the manifest names");
    }
    manifest
}

/// A batch of `n` calls of `turns` turns each, in one JSON Lines file.
fn batch(path: &Path, n: usize, turns: usize) {
    let mut text = String::new();
    for i in 0..n {
        let mut t = Vec::new();
        for k in 0..turns {
            let (speaker, line) = if k % 2 == 0 {
                ("坐席", "您好，我是长江移动的客服，今天给您推荐一个流量套餐，每月三十个G，首月半价")
            } else {
                ("客户", "嗯，你说说看，多少钱一个月？")
            };
            t.push(serde_json::json!({"speaker": speaker, "text": line}));
        }
        text.push_str(
            &serde_json::json!({"id": format!("c{i}"), "meta": {"team": format!("t{}", i % 3)}, "turns": t})
                .to_string(),
        );
        text.push('\n');
    }
    fs::write(path, text).unwrap();
}

#[test]
fn a_second_run_into_the_same_folder_replaces_the_whole_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    callqa().arg("report").arg(repo("fixtures/dev")).arg("--out").arg(&out).assert().code(0);
    let first = assert_whole_set(&out);
    batch(&dir.path().join("few.jsonl"), 3, 4);
    callqa().arg("report").arg(dir.path().join("few.jsonl")).arg("--out").arg(&out).assert().code(0);
    let second = assert_whole_set(&out);
    assert_ne!(first["run"], second["run"]);
    let results: Value = serde_json::from_slice(&fs::read(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["calls"].as_array().unwrap().len(), 3);
    let names: Vec<String> =
        fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "no temporary left beside the folder: {names:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_planted_symlink_at_a_temporary_path_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let victim = dir.path().join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    // The PIDs the next process will likely get: a temporary named after its PID would be one.
    let last: u32 = fs::read_to_string("/proc/sys/kernel/ns_last_pid").unwrap().trim().parse().unwrap();
    for pid in last + 1..last + 400 {
        for name in ["results.json", "calls.csv", "summary.md", "junit.xml", "report.html"] {
            let _ = std::os::unix::fs::symlink(&victim, out.join(format!(".{name}.tmp-{pid}")));
        }
    }
    callqa().arg("report").arg(repo("fixtures/dev/faithful_contact.txt")).arg("--out").arg(&out).assert().code(0);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert_whole_set(&out);
}

#[test]
fn reports_written_inside_an_input_folder_are_not_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let calls = dir.path().join("calls");
    fs::create_dir(&calls).unwrap();
    for name in ["faithful_contact.txt", "para_agreed.txt"] {
        fs::copy(repo("fixtures/dev").join(name), calls.join(name)).unwrap();
    }
    let mut outcomes = Vec::new();
    // Into a folder of its own inside the input folder, and into the input folder itself.
    for out in [calls.join("out"), calls.clone()] {
        for _ in 0..2 {
            callqa().arg("report").arg(&calls).arg("--out").arg(&out).assert().code(0);
            let results: Value = serde_json::from_slice(&fs::read(out.join("results.json")).unwrap()).unwrap();
            outcomes.push((results["aggregate"]["calls"].clone(), results["errors"].as_array().unwrap().len()));
        }
    }
    assert!(outcomes.iter().all(|o| *o == (Value::from(2), 0)), "{outcomes:?}");
    assert!(calls.join("faithful_contact.txt").is_file(), "the inputs stay");
}

/// Starts `report` on a batch big enough to be caught writing, waits until its staging folder
/// appears beside `out`, and sends `signal`.
#[cfg(target_os = "linux")]
fn interrupt_while_writing(signal: &str) -> (tempfile::TempDir, std::process::ExitStatus) {
    let dir = tempfile::tempdir().unwrap();
    batch(&dir.path().join("big.jsonl"), 600, 30);
    let out = dir.path().join("out");
    callqa().arg("report").arg(repo("fixtures/dev/faithful_contact.txt")).arg("--out").arg(&out).assert().code(0);
    let bin = assert_cmd::cargo::cargo_bin("callqa");
    let mut child = std::process::Command::new(bin)
        .arg("report")
        .arg(dir.path().join("big.jsonl"))
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    let staging = || {
        fs::read_dir(dir.path())
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().starts_with(".callqa-report-"))
    };
    while !staging() {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it was seen writing a staging folder");
        assert!(Instant::now() < deadline, "no staging folder appeared");
        std::thread::sleep(Duration::from_millis(2));
    }
    std::process::Command::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).status().unwrap();
    let status = child.wait().unwrap();
    (dir, status)
}

#[cfg(target_os = "linux")]
#[test]
fn sigint_while_writing_leaves_the_old_set_and_no_temporary() {
    let (dir, status) = interrupt_while_writing("INT");
    assert_eq!(status.code(), Some(130), "{status:?}");
    let names: Vec<String> =
        fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "temporaries left: {names:?}");
    let manifest = assert_whole_set(&dir.path().join("out"));
    let results: Value = serde_json::from_slice(&fs::read(dir.path().join("out/results.json")).unwrap()).unwrap();
    assert_eq!(results["calls"].as_array().unwrap().len(), 1, "the previous run's set, whole: {manifest}");
}

#[cfg(target_os = "linux")]
#[test]
fn kill_9_while_writing_leaves_the_old_set_whole() {
    let (dir, _) = interrupt_while_writing("KILL");
    assert_whole_set(&dir.path().join("out"));
}

#[test]
fn beyond_two_thousand_calls_report_html_pages_its_call_list() {
    let dir = tempfile::tempdir().unwrap();
    batch(&dir.path().join("many.jsonl"), 2001, 2);
    let out = dir.path().join("out");
    callqa().arg("report").arg(dir.path().join("many.jsonl")).arg("--out").arg(&out).assert().code(0);
    let first = fs::read_to_string(out.join("report.html")).unwrap();
    let second = fs::read_to_string(out.join("report-2.html")).unwrap();
    assert!(!out.join("report-3.html").exists());
    // Each page has the whole overview and its own calls, and links to the other page.
    for page in [&first, &second] {
        assert!(page.contains("id=\"overview\"") && page.contains("2001 通通话"));
    }
    assert!(first.contains("<a href=\"report-2.html\">2</a>") && second.contains("<a href=\"report.html\">1</a>"));
    assert_eq!(first.matches("<details class=\"call").count(), 2000);
    assert_eq!(second.matches("<details class=\"call").count(), 1);
    let manifest: Value = serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["files"].as_array().unwrap().len(), 6);
    let results: Value = serde_json::from_slice(&fs::read(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["calls"].as_array().unwrap().len(), 2001, "results.json holds every call");
}
