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
    "fixtures/asr/call.vtt",
    "fixtures/asr/call.srt",
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
