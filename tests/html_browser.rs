//! `report.html` in a real browser: `callqa report` writes the page, headless Chromium renders it
//! from a `file://` URL (as from a mail attachment or a CI artifact), and the rendered DOM is
//! checked: the charts and every call are there, the inline JS ran without an error and sorts and
//! filters, and hostile transcripts stayed text. A screenshot is saved for people to look at.
//!
//! Needs Debian's `chromium` (`scripts/test.sh` installs it); `CALLQA_CHROMIUM` points at another binary.
//! `CALLQA_UPDATE_SCREENSHOT=1` also rewrites `reports/report.png` from `reports/report.html`.

mod common;
use common::*;
use serde_json::Value;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The charts of a batch with info-level findings (AN004 in the dev fixtures): those have a
/// chart of their own beside the findings that cost points.
const CHARTS: [&str; 6] =
    ["chart-histogram", "chart-steps", "chart-criteria", "chart-findings", "chart-findings-info", "chart-end"];

/// The Chromium binary, or a failure that says how to install it.
fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("CALLQA_CHROMIUM") {
        return PathBuf::from(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "Chromium is not installed, and this test renders report.html in a real headless browser.\n\
         Install it with `apt-get update && apt-get install -y --no-install-recommends chromium` (Debian; \
         scripts/test.sh does this), or set CALLQA_CHROMIUM to a Chromium or Chrome binary."
    );
}

/// What one headless run printed.
struct Run {
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium on `page` with `extra` arguments (never touching the network), with a
/// fresh profile and a time limit.
fn headless(page: &str, extra: &[OsString], work: &Path) -> Run {
    let profile = tempfile::tempdir_in(work).unwrap();
    let (out_path, err_path) = (profile.path().join("stdout.txt"), profile.path().join("stderr.txt"));
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            "--enable-logging=stderr",
        ])
        .arg(format!("--user-data-dir={}", profile.path().join("profile").display()))
        .args(extra)
        .arg(page)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).unwrap())
        .stderr(fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start Chromium ({e}); install it with `apt-get install chromium`"));
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "Chromium did not finish within 120 s on {page} (an injected alert() that ran would block the \
                 page like this)"
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let run = Run {
        stdout: fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: fs::read_to_string(&err_path).unwrap_or_default(),
    };
    assert!(status.success(), "Chromium failed ({status}) on {page}:\n{}", run.stderr);
    run
}

fn file_url(p: &Path) -> String {
    format!("file://{}", p.canonicalize().unwrap().display())
}

/// Renders `page` and returns the DOM after its scripts ran; fails on a script error or on
/// anything the page tried to load.
fn dump_dom(page: &str, work: &Path) -> String {
    let run = headless(page, &["--dump-dom".into()], work);
    for line in run.stderr.lines().filter(|l| l.contains(":CONSOLE")) {
        assert!(!line.contains("Uncaught"), "a script error in the page: {line}");
        assert!(!line.contains("Refused to"), "the page tried to load something: {line}");
    }
    assert!(run.stdout.contains("</html>"), "no DOM dumped:\n{}", run.stderr);
    run.stdout
}

/// Saves a screenshot of `page` to `png` and checks it is a non-trivial PNG.
fn screenshot(page: &str, png: &Path, work: &Path) {
    let _ = fs::remove_file(png);
    if let Some(dir) = png.parent() {
        fs::create_dir_all(dir).unwrap();
    }
    let arg = OsString::from(format!("--screenshot={}", png.display()));
    headless(page, &[arg, "--window-size=1280,2000".into(), "--hide-scrollbars".into()], work);
    let bytes = fs::read(png).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", png.display()));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 20_000, "not a real screenshot");
}

/// The text of serialized HTML: tags dropped, the entities a serializer writes decoded.
fn text_of(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => in_tag = true,
            (true, '>') => in_tag = false,
            (false, c) => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The opening tag of the first `<name` element.
fn open_tag<'a>(dom: &'a str, name: &str) -> &'a str {
    let start = dom.find(&format!("<{name}")).unwrap_or_else(|| panic!("no <{name}> in the DOM"));
    let end = dom[start..].find('>').map_or(dom.len(), |e| start + e + 1);
    &dom[start..end]
}

/// A call whose id, meta and turns try to run script when rendered as markup.
const HOSTILE: &str = r#"{"id": "evil\"><img src=x onerror=\"document.body.setAttribute('data-pwned','id')\">",
 "meta": {"team": "<script>document.title='PWNED-meta'</script>"},
 "turns": [
  {"speaker": "坐席", "text": "您好，我是长江移动的李明。<script>document.title='PWNED-text'</script>"},
  {"speaker": "客户", "text": "\"><svg onload=\"document.body.setAttribute('data-pwned','svg')\"></svg>不需要，谢谢。"},
  {"speaker": "坐席", "text": "好的，</textarea></details><b id=pwned-b>打扰了</b>，再见。"}
 ]}
"#;

/// Writes the report of the dev fixtures, `tests/data/injection.txt` and [`HOSTILE`].
fn hostile_report(work: &Path) -> (PathBuf, Value) {
    let input = work.join("hostile.json");
    fs::write(&input, HOSTILE).unwrap();
    let out_dir = work.join("out");
    let out = callqa()
        .arg("report")
        .arg("fixtures/dev")
        .arg("tests/data/injection.txt")
        .arg(&input)
        // Unmasked, so the payloads reach the page exactly as written.
        .args(["--show-pii", "--group-by", "team", "--out"])
        .arg(&out_dir)
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let results: Value = serde_json::from_slice(&fs::read(out_dir.join("results.json")).unwrap()).unwrap();
    (out_dir.join("report.html"), results)
}

#[test]
fn report_html_renders_every_call_and_chart_and_keeps_injected_markup_as_text() {
    let work = tempfile::tempdir().unwrap();
    let (page, results) = hostile_report(work.path());
    let calls = results["calls"].as_array().unwrap();
    assert!(calls.len() >= 44, "the dev fixtures, injection.txt and the hostile call");
    let dom = dump_dom(&file_url(&page), work.path());

    // The page's own script ran: it marks the root and counts the rows.
    assert!(open_tag(&dom, "html").contains("lang=\"zh-CN\""));
    assert!(open_tag(&dom, "html").contains("class=\"js\""), "the inline script did not run");
    assert!(dom.contains(&format!("显示 {0} / {0}", calls.len())), "the filter did not count the rows");

    // Charts: inline SVG with ids, and no other SVG.
    for id in CHARTS {
        assert!(dom.contains(&format!("<svg id=\"{id}\"")), "chart {id} missing");
    }
    // Timed calls add their timeline and the overview its two timing charts (issue #20).
    let timed = calls.iter().filter(|c| !c["timing"].is_null()).count();
    let timing_charts = if timed > 0 { 2 } else { 0 };
    assert_eq!(dom.matches("-timeline\" class=\"chart\"").count(), timed, "one timeline per timed call");
    assert_eq!(dom.matches("<svg").count(), CHARTS.len() + timing_charts + timed, "an SVG element that is not a chart");
    assert!(dom.contains("id=\"groups-table\""), "--group-by rows");

    // Every call: a table row, a <details> and its id as text.
    let text = text_of(&dom);
    assert_eq!(dom.matches("<details class=\"call").count(), calls.len());
    for (i, c) in calls.iter().enumerate() {
        let n = i + 1;
        assert!(dom.contains(&format!("id=\"row-{n}\"")) && dom.contains(&format!("id=\"call-{n}\"")), "call {n}");
        assert!(dom.contains(&format!("href=\"#call-{n}\"")), "no link to call {n}");
        let id = c["call_id"].as_str().unwrap();
        assert!(text.contains(id), "call id {id:?} not shown as text");
    }

    // Nothing injected ran or became an element; it all reads as text.
    let title = &dom[dom.find("<title>").unwrap()..dom.find("</title>").unwrap()];
    assert_eq!(text_of(title), "callqa 质检报告 · changjiang-plan-upsell");
    assert!(!open_tag(&dom, "body").contains("pwned"), "an injected handler ran: {}", open_tag(&dom, "body"));
    assert_eq!(dom.matches("<script").count(), 1, "only the page's own script");
    for element in ["<img", "<b ", "<b>", "<textarea", "id=\"pwned"] {
        assert!(!dom.contains(element), "an injected {element} element");
    }
    for shown in [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "<script>document.title='PWNED-text'</script>",
        "\"><svg onload=\"document.body.setAttribute('data-pwned','svg')\"></svg>",
        "</textarea></details><b id=pwned-b>",
        "<script>document.title='PWNED-meta'</script>",
        "evil\"><img src=x onerror=\"document.body.setAttribute('data-pwned','id')\">",
    ] {
        assert!(text.contains(shown), "not shown as text: {shown}");
    }

    let png = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html_browser_hostile.png");
    screenshot(&file_url(&page), &png, work.path());
}

#[test]
fn report_html_sorts_filters_and_opens_a_call_from_a_link() {
    let work = tempfile::tempdir().unwrap();
    let (page, results) = hostile_report(work.path());
    let calls = results["calls"].as_array().unwrap();
    // A harness script, appended after the page's own, acts as a user and records what it saw.
    let harness = r#"<script>(function(){var d=document,b=d.body;
function visible(){return d.querySelectorAll('#calls-body tr:not([hidden])').length}
function pick(id,v){var s=d.getElementById(id);s.value=v;s.dispatchEvent(new Event('change'))}
var th=[].filter.call(d.querySelectorAll('#calls-table th'),function(h){return h.textContent.trim()==='分数'})[0];
th.click();b.setAttribute('data-lowest',d.querySelector('#calls-body tr').id);
th.click();b.setAttribute('data-highest',d.querySelector('#calls-body tr').id);
pick('f-verdict','fail');b.setAttribute('data-fail',visible());pick('f-verdict','');
pick('f-code','OP001');b.setAttribute('data-op001',visible());pick('f-code','');
pick('f-criterion','overpromise');b.setAttribute('data-overpromise',visible());
})();</script></body>"#;
    let html = fs::read_to_string(&page).unwrap().replace("</body>", harness);
    let harnessed = work.path().join("harness.html");
    fs::write(&harnessed, html).unwrap();
    let dom = dump_dom(&format!("{}#call-2-t1", file_url(&harnessed)), work.path());
    let body = open_tag(&dom, "body");
    let attr = |name: &str| -> String {
        let key = format!("{name}=\"");
        let start = body.find(&key).unwrap_or_else(|| panic!("{name} not recorded: {body}")) + key.len();
        body[start..].split('"').next().unwrap().to_string()
    };

    let position = |pick: fn(f64, f64) -> bool| {
        let mut best: Option<(usize, f64)> = None;
        for (i, c) in calls.iter().enumerate() {
            let s = c["score"].as_f64().unwrap_or(-1.0);
            if best.is_none_or(|(_, b)| pick(s, b)) {
                best = Some((i, s));
            }
        }
        format!("row-{}", best.unwrap().0 + 1)
    };
    assert_eq!(attr("data-lowest"), position(|s, b| s < b), "sorted by score, ascending");
    assert_eq!(attr("data-highest"), position(|s, b| s > b), "then descending");
    let count = |f: &dyn Fn(&Value) -> bool| calls.iter().filter(|c| f(c)).count().to_string();
    assert_eq!(attr("data-fail"), count(&|c| c["verdict"] == "fail"));
    let op001 = count(&|c| c["findings"].as_array().unwrap().iter().any(|f| f["code"] == "OP001"));
    assert_ne!(op001, "0");
    assert_eq!(attr("data-op001"), op001);
    let overpromise =
        count(&|c| c["criteria"].as_array().unwrap().iter().any(|x| x["id"] == "overpromise" && x["passed"] == false));
    assert_eq!(attr("data-overpromise"), overpromise);

    // The link to a turn opened exactly the call that holds it.
    let open: Vec<&str> = dom.match_indices("<details").map(|(i, _)| open_tag(&dom[i..], "details")).collect();
    let opened: Vec<&&str> = open.iter().filter(|t| t.contains(" open")).collect();
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert!(opened[0].contains("id=\"call-2\""), "{opened:?}");
}

#[test]
fn committed_sample_report_renders_and_is_photographed() {
    let work = tempfile::tempdir().unwrap();
    let page = repo("reports/report.html");
    let results: Value = serde_json::from_slice(&fs::read(repo("reports/results.json")).unwrap()).unwrap();
    let dom = dump_dom(&file_url(&page), work.path());
    let calls = results["calls"].as_array().unwrap().len();
    assert_eq!(dom.matches("<details class=\"call").count(), calls);
    for id in CHARTS {
        assert!(dom.contains(&format!("<svg id=\"{id}\"")), "chart {id} missing");
    }
    let png = if std::env::var_os("CALLQA_UPDATE_SCREENSHOT").is_some() {
        repo("reports/report.png")
    } else {
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("html_browser_report.png")
    };
    screenshot(&file_url(&page), &png, work.path());
}

/// Issue #20: a timed call is drawn as a timeline (lanes, dead air, overtalk, pinned findings)
/// and the overview shows the distributions of dead air and speech rate; the picture in the
/// README is taken from this page (`CALLQA_UPDATE_SCREENSHOT=1` rewrites docs/timeline.png).
#[test]
fn timeline_renders_and_is_photographed() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("r");
    let run = callqa()
        .args(["report", "fixtures/asr/aliyun-filetrans.json", "--out"])
        .arg(&out)
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert!(run.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&run.stderr));
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let dom = dump_dom(&file_url(&out.join("report.html")), work.path());
    assert!(dom.contains("<svg id=\"call-1-timeline\""), "no timeline");
    for id in ["chart-dead-air", "chart-speech-rate"] {
        assert!(dom.contains(&format!("<svg id=\"{id}\"")), "chart {id} missing");
    }
    let timeline = &dom[dom.find("<svg id=\"call-1-timeline\"").unwrap()..];
    let timeline = &timeline[..timeline.find("</svg>").unwrap()];
    // A bar per turn (11), the 9.5 s dead air, the two overlaps, the findings pinned at their time.
    assert_eq!(timeline.matches("class=\"speech ").count(), 11);
    assert!(timeline.contains("静音 9.5 秒"), "{timeline}");
    assert_eq!(timeline.matches("class=\"overtalk\"").count(), 2);
    assert!(timeline.contains("TM001 · 第 6 轮 · 0:24"), "{timeline}");
    // A page of just the timing pictures, with the report's own styles, for the screenshot.
    let head = &html[..html.find("<body>").unwrap() + "<body>".len()];
    let fig = &html[html.find("<figure class=\"timeline\">").unwrap()..];
    let fig = &fig[..fig.find("</figure>").unwrap() + "</figure>".len()];
    let dist = &html[html.find("<div class=\"charts\" id=\"timing\">").unwrap()..];
    let dist = &dist[..dist.find("</div></div>\n").unwrap() + "</div></div>".len()];
    let page = work.path().join("timeline.html");
    fs::write(&page, format!("{head}<main class=\"wrap\">{fig}{dist}</main></body></html>")).unwrap();
    let png = if std::env::var_os("CALLQA_UPDATE_SCREENSHOT").is_some() {
        repo("docs/timeline.png")
    } else {
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("html_browser_timeline.png")
    };
    let arg = OsString::from(format!("--screenshot={}", png.display()));
    headless(&file_url(&page), &[arg, "--window-size=1000,420".into(), "--hide-scrollbars".into()], work.path());
    let bytes = fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 10_000, "not a real screenshot");
}
