//! ASR vendor exports (issue #20): every fixture under fixtures/asr, built from its vendor's
//! documented example, is detected from content and read into the same turns, roles and times.

mod common;
use common::*;
use serde_json::Value;

fn score(path: &str) -> Value {
    let out = callqa().args(["score", "--format", "json", path]).current_dir(repo("")).output().unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1), "{path}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (role, start, end, text) of each turn.
fn turns(call: &Value) -> Vec<(String, f64, f64, String)> {
    call["turns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["role"].as_str().unwrap().to_string(),
                t["start"].as_f64().unwrap(),
                t["end"].as_f64().unwrap(),
                t["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const CHINESE_FIXTURES: &[&str] = &[
    "fixtures/asr/aliyun-filetrans.json",
    "fixtures/asr/tencent-describetaskstatus.json",
    "fixtures/asr/aws-transcribe.json",
    "fixtures/asr/aws-transcribe-items.json",
    "fixtures/asr/whisperx.json",
    "fixtures/asr/subtitles.vtt",
    "fixtures/asr/subtitles-prefixed.srt",
];

#[test]
fn every_vendor_fixture_reads_into_the_same_turns_roles_and_times() {
    let expected: Vec<(&str, f64, f64)> = vec![
        ("customer", 0.3, 1.1),
        ("agent", 1.5, 6.9),
        ("customer", 7.4, 8.2),
        // Two sentences of the agent, one turn for judging.
        ("agent", 8.6, 19.0),
        ("customer", 18.5, 21.0),
        ("agent", 20.4, 24.0),
        ("customer", 33.5, 36.0),
        ("agent", 42.1, 45.7),
        ("customer", 46.8, 49.0),
        ("agent", 49.5, 53.0),
        ("customer", 53.2, 53.9),
    ];
    for path in CHINESE_FIXTURES {
        let results = score(path);
        assert_eq!(results["errors"].as_array().unwrap().len(), 0, "{path}: {}", results["errors"]);
        let call = &results["calls"][0];
        let got = turns(call);
        let shape: Vec<(&str, f64, f64)> = got.iter().map(|(r, s, e, _)| (r.as_str(), *s, *e)).collect();
        assert_eq!(shape, expected, "{path}");
        assert_eq!(
            got[3].3,
            "张先生您好，看到您最近流量用得比较多，我们有一个乐享畅聊套餐，每月三十GB流量，五百分钟通话。首月半价只要五十九元。",
            "{path}"
        );
        // Channel and speaker numbers are generic labels: the roles were inferred from what
        // each side said, and the result says so.
        let roles = call["roles"].as_array().unwrap();
        let agent = roles.iter().find(|r| r["role"] == "agent").unwrap();
        let generic = !path.ends_with(".vtt") && !path.ends_with(".srt");
        let how = agent["source"].as_str().unwrap();
        if generic {
            assert!(how == "inferred" || how == "remaining", "{path}: {how}");
        } else {
            assert_eq!(how, "alias", "{path}");
        }
    }
}

#[test]
fn vendor_fields_are_kept_in_the_turn_meta() {
    let text = std::fs::read_to_string(repo("fixtures/asr/aliyun-filetrans.json")).unwrap();
    let calls = callqa::transcript::read_bytes("a.json", text.as_bytes(), &Default::default());
    let call = calls[0].as_ref().unwrap();
    assert_eq!(call.meta["task_id"], "f2a9c1d8e3b64a5f9e0d7c6b5a493827");
    // SpeechRate is 字/分钟 per sentence; the merged agent turn keeps the duration-weighted mean.
    assert_eq!(call.turns[1].meta["speech_rate"], "256");
    assert_eq!(call.turns[3].sentences.len(), 2);
    assert_eq!(call.turns[4].meta["emotion"], "6");
}

#[test]
fn wrong_or_missing_times_name_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "a.json",
            "{\"Result\": {\"Sentences\": [\n  {\"BeginTime\": 300, \"EndTime\": 1100, \"Text\": \"喂\", \"ChannelId\": 1},\n  {\"BeginTime\": 5000, \"EndTime\": 1500, \"Text\": \"您好\", \"ChannelId\": 0}\n]}}\n",
            ":3:3",
            "EndTime is before BeginTime",
        ),
        (
            "t.json",
            "{\"Response\": {\"Data\": {\"ResultDetail\": [\n  {\"FinalSentence\": \"喂\", \"EndMs\": 800}\n]}}}\n",
            ":2:",
            "missing field `StartMs`",
        ),
        (
            "w.json",
            "{\"segments\": [\n  {\"start\": \"soon\", \"end\": 1.0, \"text\": \"喂\", \"speaker\": \"A\"}\n]}\n",
            ":2:",
            "invalid type",
        ),
        (
            "c.srt",
            "1\n00:00:01,000 --> 00:00:02,000\n坐席：您好\n\n2\n00:00:05,000 --> 00:00:03,000\n客户：喂\n",
            ":6:1",
            "the end is before the start",
        ),
    ];
    for (name, body, at, why) in cases {
        let path = tmp.path().join(name);
        std::fs::write(&path, body).unwrap();
        let out = callqa().args(["score", "--format", "json"]).arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let results: Value = serde_json::from_slice(&out.stdout).unwrap();
        let e = &results["errors"][0];
        let source = e["source"].as_str().unwrap();
        assert!(source.starts_with(&path.display().to_string()) && source.contains(at), "{name}: {source}");
        assert!(e["message"].as_str().unwrap().contains(why), "{name}: {e}");
    }
}

#[test]
fn harper_valley_real_calls_are_read_with_roles_from_the_export() {
    let results = score("fixtures/asr/harper-valley/transcripts_compact.jsonl");
    let calls = results["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[0]["call_id"], "0002f70f7386445b");
    assert!(calls[0]["roles"].as_array().unwrap().iter().all(|r| r["source"] == "format"));
    // Upstream order is by index; the reader orders by start_ms (not monotonic upstream).
    for c in calls {
        let starts: Vec<f64> = c["turns"].as_array().unwrap().iter().map(|t| t["start"].as_f64().unwrap()).collect();
        assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
    }
    let full = score("fixtures/asr/harper-valley/0002f70f7386445b.json");
    let t = turns(&full["calls"][0]);
    assert_eq!(
        t[0],
        (
            "agent".into(),
            1.669,
            7.699,
            "hello this is harper valley national bank my name is elizabeth how can i help you today".into()
        )
    );
    // The caller's last segment is only "[noise]": no speech, no turn.
    assert_eq!(t.last().unwrap().3, "bye");
}

/// The timing object of the first call, parsed.
fn timing(results: &Value) -> &Value {
    &results["calls"][0]["timing"]
}

#[test]
fn timing_figures_match_a_computation_by_hand_in_every_vendor_shape() {
    // By hand from fixtures/asr/README.md's table (agent sentences 5.4 + 7.8 + 2.2 + 3.6 + 3.6
    // + 3.5 = 26.1 s; customer 0.8 + 0.8 + 2.5 + 2.5 + 2.2 + 0.7 = 9.5 s; gaps 0.4 + 0.5 + 0.4
    // + 0.4 + 9.5 + 6.1 + 1.1 + 0.5 + 0.2 = 19.1 s; 136 agent and 38 customer characters).
    let expected = serde_json::json!({
        "duration_s": 53.6,
        "talk_s": {"agent": 26.1, "customer": 9.5},
        "agent_talk_share": 0.73,
        "silence_total_s": 19.1,
        "silence_max_s": 9.5,
        "overtalk_count": {"agent": 1, "customer": 1},
        "overtalk_s": {"agent": 0.6, "customer": 0.5},
        "agent_chars_per_min": 312.64,
        "customer_chars_per_min": 240.0,
        "agent_response_s": {"median": 0.45, "max": 6.1}
    });
    for path in CHINESE_FIXTURES {
        let results = score(path);
        let mut expected = expected.clone();
        if path.ends_with("aws-transcribe-items.json") {
            // Grouped from words, the agent's 0.4 s pause at 16.4 s is inside one sentence
            // (under transcribe::PAUSE_S): 0.4 s more talk, 0.4 s less silence.
            expected["talk_s"]["agent"] = 26.5.into();
            expected["agent_talk_share"] = 0.74.into();
            expected["silence_total_s"] = 18.7.into();
            expected["agent_chars_per_min"] = 307.92.into();
        }
        assert_eq!(timing(&results), &expected, "{path}");
        // The rules fire with the turn and the time as evidence.
        let findings = results["calls"][0]["findings"].as_array().unwrap();
        let dead_air = findings.iter().find(|f| f["code"] == "TM001").unwrap_or_else(|| panic!("{path}: no TM001"));
        assert_eq!((dead_air["turn"].as_u64(), dead_air["at_s"].as_f64()), (Some(6), Some(24.0)), "{path}");
        assert_eq!(dead_air["severity"], "major");
        let slow = findings.iter().find(|f| f["code"] == "TM004").unwrap();
        assert_eq!((slow["turn"].as_u64(), slow["at_s"].as_f64()), (Some(7), Some(36.0)), "{path}");
        assert!(findings.iter().any(|f| f["code"] == "TM002"), "{path}: 313 字/分 is over 280");
        // One agent overtalk is within the limit of two.
        assert!(!findings.iter().any(|f| f["code"] == "TM003"), "{path}");
    }
}

#[test]
fn harper_valley_timing_by_hand() {
    // 0002f70f7386445b: end = start_ms + duration_ms of each segment. By hand:
    // agent 2.67 + 1.14 + 1.23 + 1.83 + 1.14 + 2.4 + 1.86 = 12.27 s, caller 8.46 s (the last
    // "[noise]" segment is not speech); the longest gap 7.699 → 12.89 = 5.191 s; the agent
    // starts twice before the caller ends (29.569 < 29.81: 0.241 s; 43.639 < 44.32: 0.681 s);
    // replies 20.0 → 21.539 and 36.09 → 36.139; 47 agent words, 33 caller words.
    let results = score("fixtures/asr/harper-valley/0002f70f7386445b.json");
    let expected = serde_json::json!({
        "duration_s": 47.57,
        "talk_s": {"agent": 12.27, "customer": 8.46},
        "agent_talk_share": 0.59,
        "silence_total_s": 27.76,
        "silence_max_s": 5.19,
        "overtalk_count": {"agent": 2, "customer": 0},
        "overtalk_s": {"agent": 0.92, "customer": 0.0},
        "agent_chars_per_min": 229.83,
        "customer_chars_per_min": 234.04,
        "agent_response_s": {"median": 0.79, "max": 1.54}
    });
    assert_eq!(timing(&results), &expected);
    // The compact lines have start times only: no timing, and the timing rules do not apply.
    let compact = score("fixtures/asr/harper-valley/transcripts_compact.jsonl");
    for c in compact["calls"].as_array().unwrap() {
        assert!(c["timing"].is_null());
        assert!(!c["findings"].as_array().unwrap().iter().any(|f| f["code"].as_str().unwrap().starts_with("TM")));
    }
}

#[test]
fn calls_without_timestamps_have_null_timing_and_no_timing_findings() {
    let results = score("fixtures/dev");
    let calls = results["calls"].as_array().unwrap();
    assert!(calls.iter().all(|c| c.get("timing").is_some()), "timing is always in the contract");
    let untimed: Vec<&Value> = calls.iter().filter(|c| c["timing"].is_null()).collect();
    assert!(untimed.len() > 10);
    for c in untimed {
        assert!(
            !c["findings"].as_array().unwrap().iter().any(|f| f["code"].as_str().unwrap().starts_with("TM")),
            "{}",
            c["call_id"]
        );
    }
}

#[test]
fn timing_reaches_csv_markdown_table_and_the_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let mut inputs: Vec<&str> = CHINESE_FIXTURES.to_vec();
    // The upstream Harper Valley call (with durations) and an untimed call.
    inputs.extend(["fixtures/asr/harper-valley/0002f70f7386445b.json", "fixtures/dev/faithful_contact.txt"]);
    let out = callqa()
        .arg("report")
        .args(&inputs)
        .arg("--out")
        .arg(tmp.path())
        .args(["--group-by", "task_id"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(tmp.path().join("calls.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(&bytes[3..]);
    let headers = rdr.headers().unwrap().clone();
    let col = headers.iter().position(|h| h == "timing:silence_max_s").expect("a timing column");
    let id = headers.iter().position(|h| h == "call_id").unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let cell = |call: &str, source_end: &str| {
        let row = rows.iter().find(|r| &r[id] == call && r[1].ends_with(source_end)).unwrap();
        row[col].to_string()
    };
    assert_eq!(cell("aliyun-filetrans", ".json"), "9.5");
    assert_eq!(cell("whisperx", ".json"), "9.5");
    assert_eq!(cell("0002f70f7386445b", "0002f70f7386445b.json"), "5.19");
    // A call without timestamps: an empty cell.
    assert_eq!(cell("faithful_contact", ".txt"), "");
    let md = std::fs::read_to_string(tmp.path().join("summary.md")).unwrap();
    assert!(md.contains("### Timing ("), "{md}");
    assert!(md.contains("| silence_max_s | 9.5 | 9.5 |"), "{md}");
    let results: Value = serde_json::from_slice(&std::fs::read(tmp.path().join("results.json")).unwrap()).unwrap();
    assert_eq!(results["errors"], serde_json::json!([]), "every fixture reads, with a unique call id");
    let t = &results["aggregate"]["timing"];
    assert_eq!(t["calls"], 8, "seven Chinese shapes and one Harper Valley call with durations");
    assert!(results["aggregate"]["groups"][0]["aggregate"]["timing"]["metrics"].is_array());

    // The gate bounds a percentile; a batch without timestamps cannot meet such a bound.
    let gate = |path: &str, bound: &str| {
        callqa()
            .args(["score", "--format", "json", path, "--max-metric", bound])
            .current_dir(repo(""))
            .output()
            .unwrap()
    };
    let said = |o: &std::process::Output| {
        format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
    };
    let held = gate("fixtures/asr/whisperx.json", "silence_max_s:p90=10");
    assert_eq!(held.status.code(), Some(0), "{}", said(&held));
    let failed = gate("fixtures/asr/whisperx.json", "silence_max_s:p50=8");
    assert_eq!(failed.status.code(), Some(1));
    assert!(said(&failed).contains("silence_max_s p50"), "{}", said(&failed));
    let untimed = gate("fixtures/dev/faithful_contact.txt", "silence_max_s:p90=8");
    assert_eq!(untimed.status.code(), Some(1));
    assert!(said(&untimed).contains("no call has timestamps"), "{}", said(&untimed));
    let bad = gate("fixtures/asr/whisperx.json", "dead_air:p90=8");
    assert_eq!(bad.status.code(), Some(2));
    assert!(said(&bad).contains("silence_max_s"), "{}", said(&bad));
}
