//! Text from the input cannot drive the formats other than HTML that show it (issue 18,
//! "Injection into formats other than HTML"): a call id, a turn text and a file name carrying
//! ESC/OSC/BEL sequences, Markdown that would close a code span and place an image, and a CSV
//! formula, plus a rubric whose step and end-condition ids do the same. The terminal (the table,
//! `explain`, stderr) shows control characters as pictures, `summary.md` renders no image or
//! link, and no `calls.csv` cell starts a formula.

mod common;
use common::*;
use std::fs;
use std::path::Path;

/// A step id and an end-condition id that try Markdown and a CSV formula.
const STEP_ID: &str = "g`![x](https://e.example/x.png)`=1+1";
const END_ID: &str = "=cmd|' /C calc'!A0";

/// Writes the shipped rubric with hostile step and end-condition ids (its includes beside it),
/// and two hostile calls; returns (rubric, calls folder).
fn hostile(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let rubrics = dir.join("rubrics");
    copy_dir(&repo("rubrics"), &rubrics);
    let text = fs::read_to_string(rubrics.join("changjiang-plan-upsell.toml")).unwrap();
    assert!(text.contains("\"greeting\"") && text.contains("\"declined\""), "the rubric still has these ids");
    let text = text.replace("\"greeting\"", &format!("{STEP_ID:?}")).replace("\"declined\"", &format!("{END_ID:?}"));
    let rubric = rubrics.join("hostile.toml");
    fs::write(&rubric, text).unwrap();
    let calls = dir.join("calls");
    fs::create_dir(&calls).unwrap();
    let call = serde_json::json!({
        "id": "c1`![p](https://e.example/p.png)` \u{1b}]0;pwned\u{7}",
        "turns": [
            {"speaker": "坐席", "text": "您好，我是长江移动的李明\u{1b}[2J，=HYPERLINK(\"http://e.example\")"},
            {"speaker": "客户", "text": "不需要，谢谢\u{9b}31m"},
            {"speaker": "坐席", "text": "好的，再见"},
        ],
    });
    fs::write(calls.join("calls.jsonl"), format!("{call}\n")).unwrap();
    // A file name with an escape sequence, whose content is an error (so stderr names it).
    fs::write(calls.join("bad\u{1b}[31m.txt"), "no speaker line here\n").unwrap();
    (rubric, calls)
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() { copy_dir(&p, &dest) } else { fs::copy(&p, &dest).map(|_| ()).unwrap() }
    }
}

/// Whether `s` holds a control character a terminal obeys (C0 but tab and newline, DEL, C1).
fn has_control(s: &str) -> bool {
    s.chars().any(|c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{7f}')
}

/// `s` without its Markdown code spans (a run of n backticks to the next run of exactly n).
fn outside_code_spans(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let run_at = |i: usize| chars[i..].iter().take_while(|&&c| c == '`').count();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' && i + 1 < chars.len() {
            // An escaped character is literal text, never syntax.
            i += 2;
            continue;
        }
        if chars[i] != '`' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let n = run_at(i);
        let mut j = i + n;
        let close = loop {
            if j >= chars.len() {
                break None;
            }
            if chars[j] == '`' {
                let m = run_at(j);
                if m == n {
                    break Some(j + m);
                }
                j += m;
            } else {
                j += 1;
            }
        };
        match close {
            Some(end) => i = end,
            None => {
                out.extend(std::iter::repeat_n('`', n));
                i += n;
            }
        }
    }
    out
}

#[test]
fn hostile_ids_text_and_file_names_drive_no_format() {
    let dir = tempfile::tempdir().unwrap();
    let (rubric, calls) = hostile(dir.path());
    let out = dir.path().join("out");
    let report =
        callqa().arg("report").arg(&calls).arg("--rubric").arg(&rubric).arg("--out").arg(&out).output().unwrap();
    assert_eq!(report.status.code(), Some(0), "{}", String::from_utf8_lossy(&report.stderr));
    let stderr = String::from_utf8_lossy(&report.stderr);
    assert!(stderr.contains("bad␛[31m.txt"), "the file's error is shown with the escape made visible: {stderr}");
    assert!(
        !has_control(&String::from_utf8_lossy(&report.stdout)) && !has_control(&stderr),
        "report's terminal output"
    );

    // The terminal: the table of score, explain, and their stderr.
    for args in [&["score"][..], &["score", "--format", "summary"], &["explain"]] {
        let run = callqa().args(args).arg(&calls).arg("--rubric").arg(&rubric).output().unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
        if args != ["score", "--format", "summary"] {
            // (the summary lists failing calls only; this one passes)
            assert!(stdout.contains("c1`![p](https://e.example/p.png)` ␛]0;pwned␇"), "{args:?}: {stdout}");
        }
        assert!(!has_control(&stdout), "{args:?} stdout obeys a control character");
        assert!(!has_control(&stderr), "{args:?} stderr obeys a control character");
    }

    // summary.md: the ids show, but outside code spans nothing is an image, a link or a span.
    let md = fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("e.example/x.png") && md.contains("calc"), "the rubric's ids are listed:\n{md}");
    let plain = outside_code_spans(&md);
    for syntax in ["![", "](", "`"] {
        assert!(!plain.contains(syntax), "summary.md has live Markdown `{syntax}` outside code spans:\n{plain}");
    }

    // calls.csv: no cell (header included) starts a formula.
    let csv = fs::read_to_string(out.join("calls.csv")).unwrap();
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let mut cells = 0;
    for row in reader.records() {
        for cell in row.unwrap().iter() {
            cells += 1;
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "calls.csv cell starts a formula: {cell:?}");
        }
    }
    assert!(cells > 20);
    assert!(csv.contains(&format!("'{END_ID}")), "the end condition is kept, as text");
    assert!(csv.contains("'=HYPERLINK") || !csv.contains("=HYPERLINK"), "a formula in a cell is text");
}
