//! `report.html`: the batch as one self-contained page for people — a mail attachment or a CI
//! artifact that opens anywhere, with no network (inline CSS, inline SVG and a few lines of inline
//! JS; a Content-Security-Policy forbids every fetch).
//!
//! The page has three parts:
//! - **Overview**: cards (calls, pass rate, mean score, auto-fails, input errors) and charts drawn
//!   as inline SVG from the [`Aggregate`] — score histogram, step coverage in script order (where
//!   calls drop the script), criteria, findings by code, end conditions — then the lowest-scoring
//!   calls, the per-group rows of `--group-by` and the input errors.
//! - **Calls**: every call with verdict, score, end condition, criteria and top finding. Inline JS
//!   sorts (click a header) and filters (verdict, failed criterion, finding code, text); without
//!   JS every row is visible and links to its call.
//! - **Call details**: one `<details>` per call: the transcript as a conversation (agent left,
//!   customer right), each turn with the steps it covered and its findings, the evidence spans
//!   marked in the text, and beside it the steps covered and missed, the end condition, the
//!   criteria and every finding with its code, message and suggested wording.
//!
//! Every string that comes from the input, the rubric or the results goes through [`escape`].
//! Spans are character offsets into a turn's original text; a span out of range is clamped (or
//! dropped), never a panic. No timestamps and fixed-decimal floats: the same results give the same
//! bytes.

use super::aggregate::{Aggregate, CodeCount};
use super::{Results, RubricRef};
use crate::eval::result::{CallResult, Finding, TurnResult, Verdict};
use crate::rubric::model::{QuestionStatus, Severity};
use crate::transcript::{Role, RoleSource};
use std::fmt::{self, Write as _};
use std::io::{self, Write};

/// Escapes `s` for HTML text and for quoted attribute values (`& < > " '`). The one helper through
/// which every input-derived string reaches the page.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Renders the whole page.
pub fn render(results: &Results) -> String {
    let mut page = String::with_capacity(64 * 1024 + results.calls.len() * 16 * 1024);
    // Writing into a String cannot fail.
    let _ = page_into(results, None, &mut page);
    page
}

/// Writes `report.html`.
pub fn write(results: &Results, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(render(results).as_bytes())
}

/// Calls on one page of `report.html`: beyond this, the call list continues on
/// `report-2.html`, `report-3.html` … (each page with the whole overview).
pub const PAGE_CALLS: usize = 2000;

/// Which page of a paged report a page is.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// 1-based page number.
    pub number: usize,
    /// Number of pages.
    pub pages: usize,
    /// Calls in the whole batch.
    pub calls: usize,
}

impl Page {
    /// The file name of page `number` (1 is `report.html`).
    pub fn file_name(number: usize) -> String {
        if number <= 1 { "report.html".to_string() } else { format!("report-{number}.html") }
    }

    /// The pages `calls` calls take.
    pub fn count(calls: usize) -> usize {
        calls.div_ceil(PAGE_CALLS).max(1)
    }
}

/// Writes one page of a paged `report.html`: the overview of the whole batch (in `results`'
/// aggregate and errors), the page's calls (`results.calls`) and links to every page.
pub fn write_page(results: &Results, page: &Page, out: &mut dyn Write) -> io::Result<()> {
    let mut text = String::with_capacity(64 * 1024 + results.calls.len() * 16 * 1024);
    let _ = page_into(results, Some(page), &mut text);
    out.write_all(text.as_bytes())
}

/// The links between pages, above the call list.
fn pager(page: &Page, o: &mut String) -> fmt::Result {
    let first = (page.number - 1) * PAGE_CALLS + 1;
    let last = (page.number * PAGE_CALLS).min(page.calls);
    write!(
        o,
        "<nav class=\"pager\" aria-label=\"pages\"><p>通话 {first}–{last} / {}（第 {} / {} 页，每页 {PAGE_CALLS} 通）：",
        page.calls, page.number, page.pages
    )?;
    for n in 1..=page.pages {
        if n == page.number {
            write!(o, " <strong>{n}</strong>")?;
        } else {
            write!(o, " <a href=\"{}\">{n}</a>", Page::file_name(n))?;
        }
    }
    o.push_str("</p></nav>\n");
    Ok(())
}

/// The font stack: system UI fonts, then the system CJK fonts of macOS, Windows and Linux.
const FONTS: &str = "-apple-system, BlinkMacSystemFont, \"Segoe UI\", \"PingFang SC\", \"Hiragino Sans GB\", \
                     \"Microsoft YaHei\", \"Noto Sans CJK SC\", \"Source Han Sans SC\", \"WenQuanYi Micro Hei\", \
                     sans-serif";

const CSS: &str = r#"
:root{--bg:#f4f6f9;--card:#fff;--fg:#1c2430;--muted:#5e6a7a;--line:#e2e6ed;--accent:#2f6fde;--accent-soft:#e7effc;
--pass:#16803c;--pass-soft:#e2f4e8;--fail:#c62828;--fail-soft:#fdecec;--crit:#c62828;--crit-soft:#fbd6d6;
--major:#cc5a0a;--major-soft:#fde3cc;--minor:#9a6f00;--minor-soft:#faefc2;--info:#58677a;--info-soft:#e5eaf0;
--na:#c3cad4;--agent:#e9f0fc;--customer:#f0f1f3;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#0f1318;--card:#171c23;--fg:#e3e8ee;--muted:#98a3b3;--line:#2a313b;
--accent:#6ea2ff;--accent-soft:#1b2a43;--pass:#4cc27a;--pass-soft:#14301e;--fail:#ff6b6b;--fail-soft:#3a1b1e;
--crit:#ff6b6b;--crit-soft:#4b1f23;--major:#ff9a4d;--major-soft:#46301b;--minor:#e6c04a;--minor-soft:#3d3415;
--info:#9aa5b4;--info-soft:#262d37;--na:#48515e;--agent:#1a2640;--customer:#222831}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font-size:14px;line-height:1.55}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
code,.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.wrap{max-width:1240px;margin:0 auto;padding:0 20px}
header.top{background:var(--card);border-bottom:1px solid var(--line);padding:16px 0 12px}
header.top .wrap{display:flex;align-items:flex-end;justify-content:space-between;gap:16px;flex-wrap:wrap}
h1{font-size:22px;margin:0}h1 small{font-size:13px;color:var(--muted);font-weight:400;margin-left:6px}
.sub{margin:4px 0 0;color:var(--muted)}
nav a{margin-left:16px;font-weight:500}
h2{font-size:18px;margin:28px 0 12px}h2 .en,h3 .en,.card .en{color:var(--muted);font-weight:400;font-size:12px;margin-left:6px}
h3{font-size:15px;margin:0}
.muted{color:var(--muted)}
.role-warning{color:var(--fail)}
.cards{display:grid;grid-template-columns:repeat(5,1fr);gap:12px}
.card,.panel{background:var(--card);border:1px solid var(--line);border-radius:10px}
.card{padding:14px 16px}
.card .label{color:var(--muted);font-size:13px}
.card .value{font-size:30px;font-weight:650;line-height:1.2;margin:4px 0 2px;font-variant-numeric:tabular-nums}
.card .note{color:var(--muted);font-size:12px}
.card.bad .value{color:var(--fail)}.card.good .value{color:var(--pass)}
.meter{height:6px;border-radius:3px;background:var(--fail-soft);overflow:hidden;margin-top:8px}
.meter i{display:block;height:100%;background:var(--pass)}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin-top:12px;align-items:start}
.charts .col{display:flex;flex-direction:column;gap:12px;min-width:0}
.panel{padding:14px 16px;margin:0}
.panel .hint{color:var(--muted);font-size:12px;margin:2px 0 8px}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{fill:var(--fg);font-size:12px}
svg.chart .lbl{fill:var(--muted)}
svg.chart .track{fill:var(--line);opacity:.55}
svg.chart .bar{fill:var(--accent)}
svg.chart .axis{stroke:var(--line);stroke-width:1}
svg.chart .mean{stroke:var(--fg);stroke-width:1.5;stroke-dasharray:4 3}
svg.chart .pass{fill:var(--pass)}svg.chart .fail{fill:var(--fail)}svg.chart .na{fill:var(--na)}
svg.chart .sev-critical{fill:var(--crit)}svg.chart .sev-major{fill:var(--major)}
svg.chart .sev-minor{fill:var(--minor)}svg.chart .sev-info{fill:var(--info)}
.legend{display:flex;gap:12px;flex-wrap:wrap;font-size:12px;color:var(--muted);margin:4px 0 0}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.legend .pass{background:var(--pass)}.legend .fail{background:var(--fail)}.legend .na{background:var(--na)}
.legend .sev-critical{background:var(--crit)}.legend .sev-major{background:var(--major)}
.legend .sev-minor{background:var(--minor)}.legend .sev-info{background:var(--info)}
ol.worst{margin:0;padding-left:22px}ol.worst li{margin:5px 0}
table{border-collapse:collapse;width:100%}
.tablebox{background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;background:var(--bg);white-space:nowrap}
tbody tr:last-child td{border-bottom:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.src{color:var(--muted);font-size:11.5px;overflow-wrap:anywhere}
#calls-table th:last-child{min-width:240px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap}
.badge.pass{color:var(--pass);background:var(--pass-soft)}.badge.fail{color:var(--fail);background:var(--fail-soft)}
.af{display:inline-block;margin-left:4px;padding:0 6px;border-radius:10px;font-size:11px;color:#fff;background:var(--crit);white-space:nowrap}
th.cm{font-size:11px;font-weight:500;text-align:center;white-space:normal;padding:7px 3px;line-height:1.2}
td.cm{text-align:center;font-weight:700;padding:7px 3px}
td.cm.ok{color:var(--pass)}td.cm.bad{color:var(--fail);background:var(--fail-soft)}td.cm.na{color:var(--muted);font-weight:400}
.code{display:inline-block;padding:0 5px;border-radius:4px;font-weight:600}
.code.sev-critical{color:var(--crit);background:var(--crit-soft)}.code.sev-major{color:var(--major);background:var(--major-soft)}
.code.sev-minor{color:var(--minor);background:var(--minor-soft)}.code.sev-info{color:var(--info);background:var(--info-soft)}
.filters{display:none;gap:14px;align-items:center;flex-wrap:wrap;margin:0 0 10px}
.js .filters{display:flex}
.filters label{font-size:13px;color:var(--muted)}
select,input,button{font:inherit;font-size:13px;color:var(--fg);background:var(--card);border:1px solid var(--line);border-radius:6px;padding:3px 6px}
button{cursor:pointer}
.js th[data-sort]{cursor:pointer}.js th[data-sort]:hover{color:var(--fg)}
th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
.rate{display:inline-block;width:80px;height:6px;border-radius:3px;background:var(--fail-soft);margin-right:6px;vertical-align:middle;overflow:hidden}
.rate i{display:block;height:100%;background:var(--pass)}
.tools{display:none;gap:8px;margin:-4px 0 10px}.js .tools{display:flex}
details.call{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--pass);border-radius:8px;margin:0 0 8px}
details.call.fail{border-left-color:var(--fail)}
details.call>summary{cursor:pointer;padding:9px 14px;display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
details.call>summary .cid{font-weight:600}
details.call>summary .score{font-variant-numeric:tabular-nums;font-weight:600}
details.call>summary .top{color:var(--muted);font-size:13px}
.chip{display:inline-block;font-size:12px;padding:0 7px;border-radius:9px;background:var(--info-soft);color:var(--fg);white-space:nowrap}
.call-body{display:grid;grid-template-columns:minmax(0,1fr) 360px;gap:18px;padding:6px 14px 14px;border-top:1px solid var(--line)}
.convo{display:flex;flex-direction:column;gap:8px;padding-top:8px}
.turn{max-width:78%}
.turn.customer{align-self:flex-end}
.turn-head{font-size:12px;color:var(--muted);display:flex;gap:8px;align-items:baseline}
.turn.customer .turn-head{justify-content:flex-end}
.who{font-weight:600;color:var(--fg)}
.bubble{white-space:pre-wrap;word-break:break-word;padding:8px 12px;border-radius:4px 12px 12px 12px;background:var(--agent);margin-top:2px}
.turn.customer .bubble{background:var(--customer);border-radius:12px 4px 12px 12px}
.turn.has-finding .bubble{box-shadow:inset 0 0 0 1px var(--fail)}
.turn:target .bubble{outline:2px solid var(--accent)}
mark{color:inherit;border-radius:3px;padding:0 1px;border-bottom:2px solid}
mark.sev-critical{background:var(--crit-soft);border-color:var(--crit)}mark.sev-major{background:var(--major-soft);border-color:var(--major)}
mark.sev-minor{background:var(--minor-soft);border-color:var(--minor)}mark.sev-info{background:var(--info-soft);border-color:var(--info)}
.turn-tags{display:flex;flex-wrap:wrap;gap:4px;margin-top:4px;font-size:12px}
.turn.customer .turn-tags{justify-content:flex-end}
.step-tag{color:var(--pass);background:var(--pass-soft);padding:0 7px;border-radius:9px}
.end-tag{color:var(--accent);background:var(--accent-soft);padding:0 7px;border-radius:9px}
ul.tfind{list-style:none;margin:4px 0 0;padding:0;font-size:12.5px}
ul.tfind li{margin:2px 0}
.side h4{font-size:13px;margin:14px 0 6px}
.side dl{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:8px 0 0;font-size:13px}
.side dt{color:var(--muted)}.side dd{margin:0;word-break:break-all}
.side table td{padding:3px 6px;font-size:13px}
ol.steps{margin:0;padding:0;list-style:none;font-size:13px}
ol.steps li{padding:2px 0;display:flex;gap:6px;align-items:baseline}
ol.steps .mark{width:16px;font-weight:700;text-align:center}
ol.steps .ok .mark{color:var(--pass)}ol.steps .miss .mark{color:var(--muted)}
ol.steps .miss.req .mark,ol.steps .miss.req .sid{color:var(--fail)}
ol.steps .miss .sid{color:var(--muted)}
ul.questions{margin:0;padding:0;list-style:none;font-size:13px}ul.questions li{padding:2px 0}
ul.questions .ok strong{color:var(--pass)}ul.questions .bad strong{color:var(--fail)}ul.questions .muted strong{color:var(--muted);font-weight:400}
.req{font-size:11px;color:var(--fail);border:1px solid var(--fail);border-radius:8px;padding:0 5px}
ul.findings{list-style:none;margin:0;padding:0}
ul.findings li{border-left:3px solid var(--line);padding:4px 0 4px 10px;margin:0 0 8px;font-size:13px}
ul.findings li.sev-critical{border-color:var(--crit)}ul.findings li.sev-major{border-color:var(--major)}
ul.findings li.sev-minor{border-color:var(--minor)}ul.findings li.sev-info{border-color:var(--info)}
.ex{color:var(--muted)}.help{color:var(--muted);font-size:12.5px}
.empty{color:var(--muted);padding:12px}
ul.errors li{margin:4px 0}
footer{color:var(--muted);font-size:12px;padding:24px 0 40px}
@media (max-width:900px){.cards{grid-template-columns:repeat(2,1fr)}.charts{grid-template-columns:1fr}
.call-body{grid-template-columns:1fr}.turn{max-width:100%}}
@media print{.filters,.tools,nav{display:none}details.call{break-inside:avoid}}
"#;

/// Sorting, filtering, opening a call from a link. Reads only the DOM (`textContent`, `dataset`):
/// no HTML is ever built from data here.
const JS: &str = r#"
(function(){
var d=document;d.documentElement.classList.add('js');
function openHash(){var id=location.hash.slice(1);try{id=decodeURIComponent(id)}catch(e){}
if(!id)return;var el=d.getElementById(id);if(!el)return;var p=el.closest('details');if(p)p.open=true;el.scrollIntoView();}
window.addEventListener('hashchange',openHash);
var tb=d.getElementById('calls-body');var rows=tb?[].slice.call(tb.querySelectorAll('tr[data-verdict]')):[];
var fv=d.getElementById('f-verdict'),fc=d.getElementById('f-criterion'),fk=d.getElementById('f-code'),
fq=d.getElementById('f-text'),cnt=d.getElementById('f-count');
function has(list,v){return !v||(' '+list+' ').indexOf(' '+v+' ')>=0}
function apply(){var q=fq.value.trim().toLowerCase(),n=0;rows.forEach(function(r){
var ok=has(r.dataset.verdict,fv.value)&&has(r.dataset.failed,fc.value)&&has(r.dataset.codes,fk.value)&&
(!q||r.textContent.toLowerCase().indexOf(q)>=0);r.hidden=!ok;if(ok)n++;});cnt.textContent='显示 '+n+' / '+rows.length;}
if(fv){[fv,fc,fk].forEach(function(e){e.addEventListener('change',apply)});fq.addEventListener('input',apply);apply();}
[].forEach.call(d.querySelectorAll('#calls-table th[data-sort]'),function(th){th.addEventListener('click',function(){
var k=th.cellIndex,num=th.dataset.sort==='num',asc=th.getAttribute('aria-sort')!=='ascending';
[].forEach.call(th.parentNode.children,function(h){h.removeAttribute('aria-sort')});
th.setAttribute('aria-sort',asc?'ascending':'descending');
function key(r){var c=r.cells[k];var v=c.getAttribute('data-v');if(v===null)v=c.textContent.trim();return num?parseFloat(v):v;}
rows.sort(function(a,b){var x=key(a),y=key(b),o;if(num){x=isNaN(x)?-1:x;y=isNaN(y)?-1:y;o=x-y;}
else{o=x<y?-1:x>y?1:0;}if(!o)o=a.rowIndex-b.rowIndex;return asc?o:-o;});
rows.forEach(function(r){tb.appendChild(r)});});});
function all(open){[].forEach.call(d.querySelectorAll('details.call'),function(x){x.open=open})}
var ea=d.getElementById('expand-all'),ca=d.getElementById('collapse-all');
if(ea)ea.addEventListener('click',function(){all(true)});if(ca)ca.addEventListener('click',function(){all(false)});
openHash();
})();
"#;

/// A number with one decimal (never `-0.0`).
fn num1(x: f64) -> String {
    let x = if x == 0.0 { 0.0 } else { x };
    format!("{x:.1}")
}

/// A coordinate for SVG: one decimal.
fn px(x: f64) -> String {
    num1(if x.is_finite() { x } else { 0.0 })
}

/// A rate (0–1) as a percentage, `—` when absent.
fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |v| format!("{}%", num1(v * 100.0)))
}

fn score_text(s: Option<f64>) -> String {
    s.map_or_else(|| "—".to_string(), num1)
}

fn sev_class(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "sev-critical",
        Severity::Major => "sev-major",
        Severity::Minor => "sev-minor",
        Severity::Info => "sev-info",
    }
}

fn sev_label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "严重",
        Severity::Major => "重要",
        Severity::Minor => "轻微",
        Severity::Info => "提示",
    }
}

fn verdict_badge(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "<span class=\"badge pass\">通过 PASS</span>",
        Verdict::Fail => "<span class=\"badge fail\">不通过 FAIL</span>",
    }
}

fn role_label(r: Role) -> &'static str {
    match r {
        Role::Agent => "坐席",
        Role::Customer => "客户",
    }
}

fn role_source_label(s: RoleSource) -> &'static str {
    match s {
        RoleSource::Format => "格式指定",
        RoleSource::Cli => "命令行指定",
        RoleSource::Alias => "别名匹配",
        RoleSource::Inferred => "按内容推断",
        RoleSource::Remaining => "余下的说话人",
    }
}

/// Shortens `s` to at most `max` characters (with `…`).
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// `m:ss.s` for a time in seconds.
fn clock(t: f64) -> Option<String> {
    if !t.is_finite() || t < 0.0 {
        return None;
    }
    let tenths = (t * 10.0).round() as u64;
    let (m, rest) = (tenths / 600, tenths % 600);
    Some(format!("{m}:{:02}.{}", rest / 10, rest % 10))
}

/// The call's most severe finding (info excluded), as in the other reports.
fn top_finding(c: &CallResult) -> Option<&Finding> {
    c.findings.iter().filter(|f| f.severity != Severity::Info).min_by_key(|f| (f.severity, f.turn))
}

/// The anchor id of the call at `index` (ids are positional: call ids need not be unique or
/// valid as HTML ids).
fn call_anchor(index: usize) -> String {
    format!("call-{}", index + 1)
}

/// The text of one turn with the spans of `findings` marked. Spans are `[start, end)` in
/// characters; they are clamped to the text, empty ones are dropped, and overlapping spans split
/// the text into segments so marks never nest.
fn highlight(text: &str, findings: &[&Finding]) -> String {
    let bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).chain(std::iter::once(text.len())).collect();
    let n = bytes.len() - 1;
    let spans: Vec<(usize, usize, &Finding)> = findings
        .iter()
        .filter_map(|f| {
            let (s, e) = (f.span[0].min(n), f.span[1].min(n));
            (s < e).then_some((s, e, *f))
        })
        .collect();
    let mut cuts: Vec<usize> = vec![0, n];
    for (s, e, _) in &spans {
        cuts.push(*s);
        cuts.push(*e);
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = String::with_capacity(text.len() * 2);
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let segment = text.get(bytes[a]..bytes[b]).unwrap_or("");
        let covering: Vec<&Finding> = spans.iter().filter(|(s, e, _)| *s <= a && b <= *e).map(|x| x.2).collect();
        match covering.iter().map(|f| f.severity).min() {
            None => out.push_str(&escape(segment)),
            Some(sev) => {
                let title: Vec<String> = covering.iter().map(|f| format!("{} {}", f.code, f.message)).collect();
                let codes: Vec<&str> = covering.iter().map(|f| f.code.as_str()).collect();
                let _ = write!(
                    out,
                    "<mark class=\"{}\" data-codes=\"{}\" title=\"{}\">{}</mark>",
                    sev_class(sev),
                    escape(&codes.join(" ")),
                    escape(&title.join("\n")),
                    escape(segment)
                );
            }
        }
    }
    out
}

fn page_into(r: &Results, page: Option<&Page>, o: &mut String) -> fmt::Result {
    let title = format!("callqa 质检报告 · {}", r.rubric.id);
    writeln!(
        o,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; \
         script-src 'unsafe-inline'\">\n<meta name=\"generator\" content=\"callqa\">\n<title>{}</title>\n\
         <style>\nbody{{font-family:{FONTS}}}{CSS}</style>\n</head>\n<body>",
        escape(&title)
    )?;
    header(r, o)?;
    o.push_str("<main class=\"wrap\">\n");
    overview(r, o)?;
    if let Some(p) = page {
        pager(p, o)?;
    }
    calls_table(r, o)?;
    details(r, o)?;
    o.push_str("</main>\n");
    writeln!(
        o,
        "<footer class=\"wrap\">由 callqa 生成 · 评分标准 <code>{}</code> v{} · 证据位置按字符计数（不是字节）。\
         不联网、不加载外部资源；没有 JavaScript 时所有内容照样可见。</footer>\n<script>{JS}</script>\n</body>\n</html>",
        escape(&r.rubric.id),
        escape(&r.rubric.version)
    )
}

fn header(r: &Results, o: &mut String) -> fmt::Result {
    let a = &r.aggregate;
    writeln!(
        o,
        "<header class=\"top\"><div class=\"wrap\"><div><h1>通话质检报告<small>callqa</small></h1>\
         <p class=\"sub\">评分标准 <code>{}</code> v{} · {} 通通话 · {} 条读取错误</p></div>\
         <nav><a href=\"#overview\">概览</a><a href=\"#calls\">通话列表</a><a href=\"#details\">通话详情</a></nav>\
         </div></header>",
        escape(&r.rubric.id),
        escape(&r.rubric.version),
        a.calls,
        a.errors
    )
}

fn card(o: &mut String, class: &str, zh: &str, en: &str, value: &str, note: &str, extra: &str) -> fmt::Result {
    writeln!(
        o,
        "<div class=\"card {class}\"><div class=\"label\">{zh}<span class=\"en\">{en}</span></div>\
         <div class=\"value\">{value}</div><div class=\"note\">{note}</div>{extra}</div>"
    )
}

fn overview(r: &Results, o: &mut String) -> fmt::Result {
    let a = &r.aggregate;
    o.push_str("<section id=\"overview\">\n<h2>概览<span class=\"en\">Overview</span></h2>\n<div class=\"cards\">\n");
    card(o, "", "通话", "calls", &a.calls.to_string(), &format!("共读取 {} 条记录", a.read), "")?;
    let meter = a.pass_rate.map_or_else(String::new, |p| {
        format!("<div class=\"meter\"><i style=\"width:{}%\"></i></div>", px((p * 100.0).clamp(0.0, 100.0)))
    });
    card(o, "", "通过率", "pass rate", &pct(a.pass_rate), &format!("{} 通过 · {} 不通过", a.passed, a.failed), &meter)?;
    let (mean, note) = match &a.score {
        Some(s) => (num1(s.mean), format!("中位数 {} · P10 {} · P90 {}", num1(s.median), num1(s.p10), num1(s.p90))),
        None => ("—".to_string(), "没有可评分的通话".to_string()),
    };
    card(o, "", "平均分", "mean score", &mean, &note, "")?;
    card(
        o,
        if a.auto_failed > 0 { "bad" } else { "good" },
        "一票否决",
        "auto-fails",
        &a.auto_failed.to_string(),
        "出现严重问题，直接判不通过",
        "",
    )?;
    card(
        o,
        if a.errors > 0 { "bad" } else { "" },
        "读取错误",
        "input errors",
        &a.errors.to_string(),
        if a.errors > 0 { "见页面下方的错误列表" } else { "所有记录都已读取" },
        "",
    )?;
    o.push_str("</div>\n<div class=\"charts\">\n<div class=\"col\">\n");

    panel_open(o, "分数分布", "score histogram", "每 10 分一档；虚线为平均分。")?;
    histogram_svg(a, o)?;
    o.push_str("</figure>\n");

    panel_open(
        o,
        "话术步骤覆盖",
        "script steps, in script order",
        "按话术顺序，覆盖了每一步的通话占比：看通话在哪一步掉出话术。",
    )?;
    steps_svg(r, o)?;
    o.push_str("</figure>\n");

    panel_open(o, "各项标准", "criteria", "每项标准通过、不通过与不适用（N/A）的通话数；右侧为通过率（不计 N/A）。")?;
    criteria_svg(a, o)?;
    o.push_str(
        "<p class=\"legend\"><span><i class=\"pass\"></i>通过</span><span><i class=\"fail\"></i>不通过</span>\
         <span><i class=\"na\"></i>不适用</span></p></figure>\n",
    );

    panel_open(o, "结束方式", "end conditions", "每种结束方式的通话数与占比。")?;
    ends_svg(a, o)?;
    o.push_str("</figure>\n</div>\n<div class=\"col\">\n");

    panel_open(
        o,
        "问题代码",
        "findings by code",
        "每个问题代码出现的次数（右侧：涉及的通话数），先按严重程度、再按次数排序；仅提示（不扣分）的代码单列在下方。",
    )?;
    findings_svg(a, o)?;
    o.push_str(
        "<p class=\"legend\"><span><i class=\"sev-critical\"></i>严重</span><span><i class=\"sev-major\"></i>重要</span>\
         <span><i class=\"sev-minor\"></i>轻微</span><span><i class=\"sev-info\"></i>提示</span></p></figure>\n",
    );

    panel_open(o, "最低分的未通过通话", "lowest-scoring failed calls", "点击查看整通对话。")?;
    worst(r, o)?;
    o.push_str("</figure>\n");
    if !a.unmatched_questions.is_empty() {
        panel_open(
            o,
            "知识库未覆盖的问题",
            "unmatched questions",
            "客户问了、但知识库没有对应条目的问题（按提问的通话数排序）：值得补充进知识库。",
        )?;
        o.push_str("<ol class=\"worst unmatched\">\n");
        for q in &a.unmatched_questions {
            writeln!(o, "<li>「{}」 <span class=\"muted\">{} 通</span></li>", escape(&q.text), q.count)?;
        }
        o.push_str("</ol>\n</figure>\n");
    }
    o.push_str("</div>\n</div>\n");
    super::timeline::distributions(r, o)?;

    groups(a, o)?;
    errors(r, o)?;
    o.push_str("</section>\n");
    Ok(())
}

fn panel_open(o: &mut String, zh: &str, en: &str, hint: &str) -> fmt::Result {
    writeln!(
        o,
        "<figure class=\"panel\"><figcaption><h3>{zh}<span class=\"en\">{en}</span></h3>\
         <p class=\"hint\">{hint}</p></figcaption>"
    )
}

const CHART_W: f64 = 560.0;

fn histogram_svg(a: &Aggregate, o: &mut String) -> fmt::Result {
    let (h, left, right, top, bottom) = (220.0, 34.0, 10.0, 20.0, 30.0);
    let (pw, ph) = (CHART_W - left - right, h - top - bottom);
    let max = a.histogram.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let n = a.histogram.len().max(1);
    let bw = pw / n as f64;
    let total: usize = a.histogram.iter().map(|b| b.count).sum();
    writeln!(
        o,
        "<svg id=\"chart-histogram\" class=\"chart\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"分数分布\">\
         <title>分数分布：{} 通有分数的通话</title>",
        px(CHART_W),
        px(h),
        total
    )?;
    let mut ticks = vec![0, max.div_ceil(2), max];
    ticks.dedup();
    for t in ticks {
        let y = top + ph - ph * t as f64 / max as f64;
        writeln!(
            o,
            "<line class=\"axis\" x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\"/><text class=\"lbl\" x=\"{}\" y=\"{}\" \
             text-anchor=\"end\">{t}</text>",
            px(left),
            px(CHART_W - right),
            px(left - 6.0),
            px(y + 4.0),
            y = px(y)
        )?;
    }
    for (i, b) in a.histogram.iter().enumerate() {
        let bh = ph * b.count as f64 / max as f64;
        let x = left + i as f64 * bw + 3.0;
        let y = top + ph - bh;
        writeln!(
            o,
            "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"2\"><title>{}–{} 分：{} 通</title></rect>",
            px(x),
            px(y),
            px((bw - 6.0).max(1.0)),
            px(bh),
            num1(b.from),
            num1(b.to),
            b.count
        )?;
        if b.count > 0 {
            writeln!(
                o,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                px(x + (bw - 6.0) / 2.0),
                px(y - 4.0),
                b.count
            )?;
        }
    }
    let lo = a.histogram.first().map_or(0.0, |b| b.from);
    let hi = a.histogram.last().map_or(100.0, |b| b.to);
    let mut edges: Vec<f64> = a.histogram.iter().map(|b| b.from).collect();
    edges.push(hi);
    for (i, e) in edges.iter().enumerate() {
        writeln!(
            o,
            "<text class=\"lbl\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{:.0}</text>",
            px(left + i as f64 * bw),
            px(h - bottom + 16.0),
            e
        )?;
    }
    if let Some(s) = &a.score
        && hi > lo
    {
        let x = left + pw * ((s.mean - lo) / (hi - lo)).clamp(0.0, 1.0);
        let anchor = if x > CHART_W - 90.0 { "end" } else { "start" };
        let tx = if anchor == "end" { x - 5.0 } else { x + 5.0 };
        writeln!(
            o,
            "<line class=\"mean\" x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\"/><text x=\"{}\" y=\"{}\" \
             text-anchor=\"{anchor}\">平均 {}</text>",
            px(top - 8.0),
            px(top + ph),
            px(tx),
            px(top),
            num1(s.mean),
            x = px(x)
        )?;
    }
    o.push_str("</svg>\n");
    Ok(())
}

/// One row of a horizontal bar chart.
struct HRow {
    label: String,
    /// Segments: share of the full width (0–1), CSS class, tooltip.
    segs: Vec<(f64, &'static str, String)>,
    value: String,
}

fn hbars_svg(id: &str, aria: &str, rows: &[HRow], o: &mut String) -> fmt::Result {
    let (row_h, pad, label_w, value_w) = (24.0, 4.0, 128.0, 104.0);
    let bar_w = CHART_W - label_w - value_w;
    if rows.is_empty() {
        return writeln!(
            o,
            "<svg id=\"{id}\" class=\"chart\" viewBox=\"0 0 {} 40\" role=\"img\" aria-label=\"{aria}\"><title>{aria}</title>\
             <text class=\"lbl\" x=\"{}\" y=\"24\" text-anchor=\"middle\">暂无数据</text></svg>",
            px(CHART_W),
            px(CHART_W / 2.0)
        );
    }
    let h = pad * 2.0 + rows.len() as f64 * row_h;
    writeln!(
        o,
        "<svg id=\"{id}\" class=\"chart\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{aria}\"><title>{aria}</title>",
        px(CHART_W),
        px(h)
    )?;
    for (i, r) in rows.iter().enumerate() {
        let y = pad + i as f64 * row_h;
        let mid = y + row_h / 2.0;
        write!(
            o,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect class=\"track\" x=\"{}\" y=\"{}\" width=\"{}\" \
             height=\"14\" rx=\"3\"/>",
            px(label_w - 8.0),
            px(mid + 4.0),
            escape(&clip(&r.label, 18)),
            px(label_w),
            px(mid - 7.0),
            px(bar_w)
        )?;
        let mut x = label_w;
        for (share, class, tip) in &r.segs {
            let w = bar_w * share.clamp(0.0, 1.0);
            if w > 0.0 {
                write!(
                    o,
                    "<rect class=\"{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"14\"><title>{}</title></rect>",
                    px(x),
                    px(mid - 7.0),
                    px(w),
                    escape(tip)
                )?;
            }
            x += w;
        }
        writeln!(o, "<text x=\"{}\" y=\"{}\">{}</text>", px(label_w + bar_w + 8.0), px(mid + 4.0), escape(&r.value))?;
    }
    o.push_str("</svg>\n");
    Ok(())
}

fn criteria_svg(a: &Aggregate, o: &mut String) -> fmt::Result {
    let rows: Vec<HRow> = a
        .criteria
        .iter()
        .map(|c| {
            let total = (c.passed + c.failed + c.na).max(1) as f64;
            HRow {
                label: c.id.clone(),
                segs: vec![
                    (c.passed as f64 / total, "pass", format!("{}：{} 通通过", c.id, c.passed)),
                    (c.failed as f64 / total, "fail", format!("{}：{} 通不通过", c.id, c.failed)),
                    (c.na as f64 / total, "na", format!("{}：{} 通不适用", c.id, c.na)),
                ],
                value: format!("{}  ({}✗)", pct(c.pass_rate), c.failed),
            }
        })
        .collect();
    hbars_svg("chart-criteria", "各项标准通过情况", &rows, o)
}

/// Shortens `s` to about `units` of display width (a CJK character counts 2, others 1), with `…`.
fn clip_width(s: &str, units: usize) -> String {
    let width = |c: char| if c.is_ascii() { 1 } else { 2 };
    if s.chars().map(width).sum::<usize>() <= units {
        return s.to_string();
    }
    let mut used = 1; // the `…`
    let mut out = String::new();
    for c in s.chars() {
        if used + width(c) > units {
            break;
        }
        used += width(c);
        out.push(c);
    }
    out.push('…');
    out
}

fn steps_svg(r: &Results, o: &mut String) -> fmt::Result {
    let a = &r.aggregate;
    let rows: Vec<HRow> = a
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| HRow {
            // The label column holds about 20 units: the rubric's title, clipped; the full
            // title and the id are in the tooltip.
            label: format!("{}. {}", i + 1, clip_width(r.rubric.step_title(&s.id), 16)),
            segs: vec![(
                s.rate,
                "bar",
                format!("{}（{}）：{} / {} 通覆盖", r.rubric.step_title(&s.id), s.id, s.covered, a.calls),
            )],
            value: format!("{}  ({}/{})", pct(Some(s.rate)), s.covered, a.calls),
        })
        .collect();
    hbars_svg("chart-steps", "话术步骤覆盖率", &rows, o)
}

fn findings_svg(a: &Aggregate, o: &mut String) -> fmt::Result {
    // Findings that cost points, most severe first; info-level codes (reported, no penalty) in
    // a chart of their own, so a frequent note never reads as the biggest problem.
    let (info, costly): (Vec<&CodeCount>, Vec<&CodeCount>) =
        a.findings.iter().partition(|f| f.severity == Severity::Info);
    let mut costly = costly;
    costly.sort_by(|x, y| x.severity.cmp(&y.severity).then(y.count.cmp(&x.count)).then(x.code.cmp(&y.code)));
    code_bars("chart-findings", "问题代码分布", &costly, o)?;
    if !info.is_empty() {
        o.push_str("<p class=\"legend\">仅提示，不扣分：</p>\n");
        code_bars("chart-findings-info", "提示代码分布", &info, o)?;
    }
    Ok(())
}

fn code_bars(id: &str, aria: &str, codes: &[&CodeCount], o: &mut String) -> fmt::Result {
    let max = codes.iter().map(|f| f.count).max().unwrap_or(0).max(1) as f64;
    let rows: Vec<HRow> = codes
        .iter()
        .map(|f| HRow {
            label: format!("{} {}", f.code, sev_label(f.severity)),
            segs: vec![(
                f.count as f64 / max,
                sev_class(f.severity),
                format!("{}（{}）：{} 次，{} 通通话", f.code, sev_label(f.severity), f.count, f.calls),
            )],
            value: format!("{} 次 · {} 通", f.count, f.calls),
        })
        .collect();
    hbars_svg(id, aria, &rows, o)
}

fn ends_svg(a: &Aggregate, o: &mut String) -> fmt::Result {
    let total = a.calls.max(1) as f64;
    let rows: Vec<HRow> = a
        .end_conditions
        .iter()
        .map(|e| HRow {
            label: e.id.clone(),
            segs: vec![(e.count as f64 / total, "bar", format!("{}：{} 通", e.id, e.count))],
            value: format!("{} 通 · {}", e.count, pct(Some(e.count as f64 / total))),
        })
        .collect();
    hbars_svg("chart-end", "结束方式分布", &rows, o)
}

fn worst(r: &Results, o: &mut String) -> fmt::Result {
    let a = &r.aggregate;
    if a.worst.is_empty() {
        o.push_str("<p class=\"empty\">没有未通过的通话。</p>\n");
        return Ok(());
    }
    o.push_str("<ol class=\"worst\">\n");
    for w in &a.worst {
        let index = r.calls.iter().position(|c| c.call_id == w.call_id && c.source == w.source);
        let name = match index {
            Some(i) => format!("<a href=\"#{}\">{}</a>", call_anchor(i), escape(&w.call_id)),
            None => escape(&w.call_id),
        };
        let sev = index.and_then(|i| top_finding(&r.calls[i])).map_or("sev-info", |f| sev_class(f.severity));
        write!(o, "<li>{name} <strong>{}</strong>", score_text(w.score))?;
        if let Some(code) = &w.top_code {
            write!(o, " <span class=\"code {sev}\">{}</span>", escape(code))?;
        }
        if let Some(m) = &w.top_message {
            write!(o, " <span class=\"muted\">{}</span>", escape(m))?;
        }
        o.push_str("</li>\n");
    }
    o.push_str("</ol>\n");
    Ok(())
}

fn groups(a: &Aggregate, o: &mut String) -> fmt::Result {
    let Some(first) = a.groups.first() else { return Ok(()) };
    writeln!(
        o,
        "<h2 id=\"groups\">按 <code>{field}</code> 分组<span class=\"en\">by {field}</span></h2>\n\
         <div class=\"tablebox\"><table id=\"groups-table\"><thead><tr><th>{field}</th><th class=\"num\">通话</th>\
         <th class=\"num\">通过</th><th class=\"num\">不通过</th><th>通过率</th><th class=\"num\">平均分</th>\
         <th class=\"num\">一票否决</th><th>最常见问题</th></tr></thead><tbody>",
        field = escape(&first.field)
    )?;
    for g in &a.groups {
        let ga = &g.aggregate;
        let rate = ga.pass_rate.map_or(0.0, |p| (p * 100.0).clamp(0.0, 100.0));
        let top = ga.findings.first().map_or_else(String::new, |f| {
            format!("<span class=\"code {}\">{}</span> × {}", sev_class(f.severity), escape(&f.code), f.count)
        });
        writeln!(
            o,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td><span class=\"rate\"><i style=\"width:{}%\"></i></span>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&g.value),
            ga.calls,
            ga.passed,
            ga.failed,
            px(rate),
            pct(ga.pass_rate),
            score_text(ga.score.as_ref().map(|s| s.mean)),
            ga.auto_failed,
            top
        )?;
    }
    o.push_str("</tbody></table></div>\n");
    Ok(())
}

fn errors(r: &Results, o: &mut String) -> fmt::Result {
    if r.errors.is_empty() {
        return Ok(());
    }
    o.push_str("<h2 id=\"errors\">读取错误<span class=\"en\">input errors</span></h2>\n<ul class=\"errors\">\n");
    for e in &r.errors {
        writeln!(o, "<li><code>{}</code> {}</li>", escape(&e.source), escape(&e.message))?;
    }
    o.push_str("</ul>\n");
    Ok(())
}

/// One cell per criterion of the batch: ✓ passed, ✗ failed, – not applicable, empty when the call
/// does not list it.
fn criteria_cells(ids: &[&str], c: &CallResult, o: &mut String) -> fmt::Result {
    for id in ids {
        match c.criteria.iter().find(|x| x.id == *id) {
            None => o.push_str("<td class=\"cm\" data-v=\"-2\"></td>"),
            Some(cr) => {
                let (class, mark, state) = match cr.passed {
                    Some(true) => ("ok", "✓", "通过"),
                    Some(false) => ("bad", "✗", "不通过"),
                    None => ("na", "–", "不适用"),
                };
                write!(
                    o,
                    "<td class=\"cm {class}\" data-v=\"{}\" title=\"{}\">{mark}</td>",
                    cr.score.map_or_else(|| "-1".to_string(), num1),
                    escape(&format!("{}：{} {}", cr.id, score_text(cr.score), state)),
                )?;
            }
        }
    }
    Ok(())
}

fn calls_table(r: &Results, o: &mut String) -> fmt::Result {
    let a = &r.aggregate;
    o.push_str("<section id=\"calls\">\n<h2>通话列表<span class=\"en\">calls</span></h2>\n<div class=\"filters\">\n");
    o.push_str(
        "<label>结果 <select id=\"f-verdict\"><option value=\"\">全部</option><option value=\"pass\">通过</option>\
         <option value=\"fail\">不通过</option><option value=\"auto-fail\">一票否决</option></select></label>\n",
    );
    o.push_str("<label>未通过的标准 <select id=\"f-criterion\"><option value=\"\">全部</option>");
    for c in &a.criteria {
        write!(o, "<option value=\"{0}\">{0}</option>", escape(&c.id))?;
    }
    o.push_str("</select></label>\n<label>问题代码 <select id=\"f-code\"><option value=\"\">全部</option>");
    let mut codes: Vec<&str> = a.findings.iter().map(|f| f.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    for code in codes {
        write!(o, "<option value=\"{0}\">{0}</option>", escape(code))?;
    }
    o.push_str(
        "</select></label>\n<label>搜索 <input id=\"f-text\" type=\"search\" placeholder=\"通话、来源、问题…\"></label>\n\
         <span id=\"f-count\" class=\"muted\"></span>\n</div>\n",
    );
    o.push_str(
        "<div class=\"tablebox\"><table id=\"calls-table\"><thead><tr><th class=\"num\" data-sort=\"num\">#</th>\
         <th data-sort=\"text\">通话</th><th data-sort=\"text\">结果</th><th class=\"num\" data-sort=\"num\">分数</th>\
         <th data-sort=\"text\">结束方式</th>",
    );
    let ids: Vec<&str> = a.criteria.iter().map(|c| c.id.as_str()).collect();
    for id in &ids {
        // Underscores may break the (narrow) header; `escape` never produces one.
        write!(
            o,
            "<th class=\"cm\" data-sort=\"num\" title=\"标准 {0}\">{1}</th>",
            escape(id),
            escape(id).replace('_', "_<wbr>")
        )?;
    }
    o.push_str(
        "<th class=\"num\" data-sort=\"num\">问题</th><th data-sort=\"text\">主要问题</th></tr></thead>\n\
         <tbody id=\"calls-body\">\n",
    );
    if r.calls.is_empty() {
        writeln!(o, "<tr><td colspan=\"{}\" class=\"empty\">没有通话。</td></tr>", 7 + ids.len())?;
    }
    for (i, c) in r.calls.iter().enumerate() {
        let mut verdicts = c.verdict.as_str().to_string();
        if c.auto_fail {
            verdicts.push_str(" auto-fail");
        }
        let failed: Vec<&str> = c.criteria.iter().filter(|x| x.passed == Some(false)).map(|x| x.id.as_str()).collect();
        let mut codes: Vec<&str> = c.findings.iter().map(|f| f.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        let anchor = call_anchor(i);
        write!(
            o,
            "<tr id=\"row-{n}\" data-verdict=\"{}\" data-failed=\"{}\" data-codes=\"{}\"><td class=\"num\">{n}</td>\
             <td><a href=\"#{anchor}\">{}</a><div class=\"src\">{}</div></td><td data-v=\"{}\">{}{}</td>\
             <td class=\"num\" data-v=\"{}\">{}</td><td><span class=\"chip\">{}</span></td>",
            escape(&verdicts),
            escape(&failed.join(" ")),
            escape(&codes.join(" ")),
            escape(&c.call_id),
            // Paths may break after a slash; `escape` never produces one.
            escape(&c.source).replace('/', "/<wbr>"),
            if c.auto_fail {
                "0"
            } else if c.verdict == Verdict::Fail {
                "1"
            } else {
                "2"
            },
            verdict_badge(c.verdict),
            if c.auto_fail { "<span class=\"af\">一票否决</span>" } else { "" },
            c.score.map_or_else(|| "-1".to_string(), num1),
            score_text(c.score),
            escape(&c.end_condition),
            n = i + 1
        )?;
        criteria_cells(&ids, c, o)?;
        write!(o, "<td class=\"num\">{}</td><td>", c.findings.len())?;
        if let Some(f) = top_finding(c) {
            write!(
                o,
                "<span class=\"code {}\">{}</span> {}",
                sev_class(f.severity),
                escape(&f.code),
                escape(&f.message)
            )?;
            let more = c.findings.iter().filter(|x| x.severity != Severity::Info).count().saturating_sub(1);
            if more > 0 {
                write!(o, " <span class=\"muted\">+{more}</span>")?;
            }
        }
        o.push_str("</td></tr>\n");
    }
    o.push_str("</tbody></table></div>\n</section>\n");
    Ok(())
}

fn details(r: &Results, o: &mut String) -> fmt::Result {
    o.push_str(
        "<section id=\"details\">\n<h2>通话详情<span class=\"en\">call details</span></h2>\n\
         <div class=\"tools\"><button id=\"expand-all\" type=\"button\">全部展开</button>\
         <button id=\"collapse-all\" type=\"button\">全部收起</button></div>\n",
    );
    if r.calls.is_empty() {
        o.push_str("<p class=\"empty\">没有通话。</p>\n");
    }
    for (i, c) in r.calls.iter().enumerate() {
        call(i, c, &r.rubric, o)?;
    }
    o.push_str("</section>\n");
    Ok(())
}

fn call(i: usize, c: &CallResult, rubric: &RubricRef, o: &mut String) -> fmt::Result {
    let anchor = call_anchor(i);
    write!(
        o,
        "<details class=\"call {}\" id=\"{anchor}\" data-call-id=\"{}\">\n<summary>{}{} <span class=\"cid\">{}</span> \
         <span class=\"score\">{} 分</span> <span class=\"chip\">结束：{}</span>",
        c.verdict.as_str(),
        escape(&c.call_id),
        verdict_badge(c.verdict),
        if c.auto_fail { "<span class=\"af\">一票否决</span>" } else { "" },
        escape(&c.call_id),
        score_text(c.score),
        escape(&c.end_condition)
    )?;
    if let Some(f) = top_finding(c) {
        write!(
            o,
            " <span class=\"top\"><span class=\"code {}\">{}</span> {}</span>",
            sev_class(f.severity),
            escape(&f.code),
            escape(&f.message)
        )?;
    }
    o.push_str("</summary>\n");
    super::timeline::call_svg(&anchor, c, o)?;
    o.push_str("<div class=\"call-body\">\n<div class=\"convo\">\n");
    if c.turns.is_empty() {
        o.push_str("<p class=\"empty\">这通通话没有任何对话轮次。</p>\n");
    }
    for t in &c.turns {
        turn(&anchor, c, t, o)?;
    }
    o.push_str("</div>\n<aside class=\"side\">\n");
    side(&anchor, c, rubric, o)?;
    o.push_str("</aside>\n</div>\n</details>\n");
    Ok(())
}

fn turn(anchor: &str, c: &CallResult, t: &TurnResult, o: &mut String) -> fmt::Result {
    let findings: Vec<&Finding> = c.findings.iter().filter(|f| f.turn == t.index).collect();
    let role = match t.role {
        Role::Agent => "agent",
        Role::Customer => "customer",
    };
    let label = role_label(t.role);
    let who = if t.speaker.is_empty() || t.speaker == label {
        label.to_string()
    } else {
        format!("{label} · {}", escape(&t.speaker))
    };
    write!(
        o,
        "<div class=\"turn {role}{}\" id=\"{anchor}-t{idx}\"><div class=\"turn-head\"><span class=\"who\">{}</span>\
         <a href=\"#{anchor}-t{idx}\">#{idx}</a>",
        if findings.is_empty() { "" } else { " has-finding" },
        who,
        idx = t.index
    )?;
    if let Some(start) = t.start.and_then(clock) {
        let end = t.end.and_then(clock).map_or_else(String::new, |e| format!("–{e}"));
        write!(o, "<span>{start}{end}</span>")?;
    }
    write!(o, "</div><div class=\"bubble\">{}</div>", highlight(&t.text, &findings))?;
    let is_end = c.end_turn == Some(t.index);
    if !t.steps.is_empty() || is_end {
        o.push_str("<div class=\"turn-tags\">");
        for s in &t.steps {
            write!(o, "<span class=\"step-tag\">✓ {}</span>", escape(s))?;
        }
        if is_end {
            write!(o, "<span class=\"end-tag\">结束方式：{}</span>", escape(&c.end_condition))?;
        }
        o.push_str("</div>");
    }
    if !findings.is_empty() {
        o.push_str("<ul class=\"tfind\">");
        for f in &findings {
            write!(
                o,
                "<li><span class=\"code {}\">{}</span> {} · {}</li>",
                sev_class(f.severity),
                escape(&f.code),
                sev_label(f.severity),
                escape(&f.message)
            )?;
        }
        o.push_str("</ul>");
    }
    o.push_str("</div>\n");
    Ok(())
}

/// The customer's questions and concerns, each with its knowledge entry, what happened to it
/// and the agent turn that answered it (the `answers` criterion's evidence as turn pairs).
fn questions(anchor: &str, c: &CallResult, o: &mut String) -> fmt::Result {
    if c.questions.is_empty() {
        return Ok(());
    }
    let answered = c.questions.iter().filter(|q| q.status == QuestionStatus::Answered).count();
    write!(
        o,
        "<h4>客户提问 <span class=\"muted\">已答 {answered} / {}</span></h4><ul class=\"questions\">",
        c.questions.len()
    )?;
    for q in &c.questions {
        let (class, label) = match q.status {
            QuestionStatus::Answered => ("ok", "已回答"),
            QuestionStatus::Unanswered => ("bad", "未回答"),
            QuestionStatus::Contradicted => ("bad", "与知识库矛盾"),
            QuestionStatus::Unsupported => ("bad", "回答无依据"),
            QuestionStatus::Unmatched => ("muted", "知识库无此问题"),
        };
        let text = c.turns.get(q.turn).map_or(String::new(), |t| {
            t.text.chars().skip(q.span[0]).take(q.span[1].saturating_sub(q.span[0])).collect()
        });
        write!(
            o,
            "<li class=\"{class}\"><a href=\"#{anchor}-t{t}\">#{t}</a> 「{}」 → <span class=\"sid\">{}</span> <strong>{label}</strong>",
            escape(&text),
            escape(q.entry.as_deref().unwrap_or("—")),
            t = q.turn
        )?;
        if let Some(a) = q.answered_turn {
            write!(o, " <span class=\"muted\">答于 <a href=\"#{anchor}-t{a}\">#{a}</a></span>")?;
        }
        if let Some(code) = &q.code {
            write!(o, " <span class=\"code\">{}</span>", escape(code))?;
        }
        o.push_str("</li>");
    }
    o.push_str("</ul>\n");
    Ok(())
}

/// A step as the call details name it: the rubric's title, with the id in small print (the id
/// alone when the rubric gives no title).
fn step_name(rubric: &RubricRef, id: &str) -> String {
    match rubric.step_titles.get(id) {
        Some(title) => {
            format!("<span class=\"sid\">{}</span> <code class=\"muted\">{}</code>", escape(title), escape(id))
        }
        None => format!("<span class=\"sid\">{}</span>", escape(id)),
    }
}

fn side(anchor: &str, c: &CallResult, rubric: &RubricRef, o: &mut String) -> fmt::Result {
    write!(
        o,
        "<dl><dt>来源</dt><dd>{}</dd><dt>分数</dt><dd>{}</dd><dt>结果</dt><dd>{}{}</dd><dt>结束方式</dt><dd>{}",
        escape(&c.source),
        score_text(c.score),
        verdict_badge(c.verdict),
        if c.auto_fail { "<span class=\"af\">一票否决</span>" } else { "" },
        escape(&c.end_condition)
    )?;
    if let Some(t) = c.end_turn {
        write!(o, "（<a href=\"#{anchor}-t{t}\">第 {t} 轮</a>）")?;
    }
    o.push_str("</dd>");
    for (k, v) in &c.meta {
        write!(o, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(v))?;
    }
    o.push_str("</dl>\n<h4>各项标准</h4><table class=\"crit-table\"><tbody>");
    for cr in &c.criteria {
        let state = match cr.passed {
            Some(true) => "<span class=\"badge pass\">通过</span>",
            Some(false) => "<span class=\"badge fail\">不通过</span>",
            None => "<span class=\"muted\">不适用</span>",
        };
        write!(
            o,
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{state}</td><td class=\"num muted\">权重 {}</td></tr>",
            escape(&cr.id),
            score_text(cr.score),
            num1(cr.weight)
        )?;
    }
    let covered = c.steps.iter().filter(|s| s.covered).count();
    write!(
        o,
        "</tbody></table>\n<h4>话术步骤 <span class=\"muted\">覆盖 {covered} / {}</span></h4><ol class=\"steps\">",
        c.steps.len()
    )?;
    for s in &c.steps {
        if s.covered {
            write!(o, "<li class=\"ok\"><span class=\"mark\">✓</span>{}", step_name(rubric, &s.id))?;
            if let Some(t) = s.turn {
                write!(o, " <a href=\"#{anchor}-t{t}\">#{t}</a>")?;
            }
            let via = s.via.as_deref().map_or_else(String::new, |v| format!("{} ", escape(v)));
            write!(o, " <span class=\"muted\">{via}{:.2}</span></li>", s.confidence)?;
        } else {
            write!(
                o,
                "<li class=\"miss{}\"><span class=\"mark\">✗</span>{}",
                if s.required { " req" } else { "" },
                step_name(rubric, &s.id)
            )?;
            if s.required {
                o.push_str(" <span class=\"req\">必需</span>");
            }
            if let Some(t) = s.nearest_turn {
                write!(
                    o,
                    " <span class=\"muted\">最接近 <a href=\"#{anchor}-t{t}\">#{t}</a> {:.2}</span>",
                    s.confidence
                )?;
            }
            o.push_str("</li>");
        }
    }
    o.push_str("</ol>\n");
    questions(anchor, c, o)?;
    write!(o, "<h4>问题 <span class=\"muted\">{} 条</span></h4>", c.findings.len())?;
    if c.findings.is_empty() {
        o.push_str("<p class=\"muted\">没有发现问题。</p>");
    } else {
        o.push_str("<ul class=\"findings\">");
        for f in &c.findings {
            write!(
                o,
                "<li class=\"{}\"><div><span class=\"code {}\">{}</span> {} · <a href=\"#{anchor}-t{t}\">第 {t} 轮</a> \
                 <span class=\"muted\">{}</span></div><div>{}</div>",
                sev_class(f.severity),
                sev_class(f.severity),
                escape(&f.code),
                sev_label(f.severity),
                escape(&f.criterion),
                escape(&f.message),
                t = f.turn
            )?;
            if !f.excerpt.is_empty() {
                write!(o, "<div class=\"ex\">原话：「{}」</div>", escape(&f.excerpt))?;
            }
            if let Some(h) = &f.help {
                write!(o, "<div class=\"help\">建议：{}</div>", escape(h))?;
            }
            o.push_str("</li>");
        }
        o.push_str("</ul>");
    }
    if !c.roles.is_empty() {
        o.push_str("\n<h4>角色判定</h4><ul class=\"findings\">");
        for r in &c.roles {
            write!(
                o,
                "<li>{} → {}<span class=\"muted\">（{}）</span></li>",
                escape(&r.speaker),
                role_label(r.role),
                role_source_label(r.source)
            )?;
        }
        if let Some(conf) = c.role_confidence {
            write!(o, "<li class=\"muted\">推断置信度 {conf:.2}</li>")?;
        }
        if let Some(w) = &c.role_warning {
            write!(o, "<li class=\"role-warning\"><strong>警告：</strong>{}</li>", escape(w))?;
        }
        o.push_str("</ul>");
    }
    o.push('\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::RubricRef;

    // Built from contract-v1 JSON, so fields added to the model later (with defaults) need no
    // change here.
    fn finding(code: &str, severity: Severity, turn: usize, span: [usize; 2]) -> Finding {
        serde_json::from_value(serde_json::json!({
            "code": code, "criterion": "overpromise", "severity": severity, "turn": turn, "span": span,
            "excerpt": "", "message": format!("message of {code}"), "rule": "r"
        }))
        .unwrap()
    }

    fn results(calls: Vec<CallResult>) -> Results {
        Results::new(RubricRef::new("demo", "1"), calls, Vec::new(), None)
    }

    fn call(id: &str, text: &str, findings: Vec<Finding>) -> CallResult {
        serde_json::from_value(serde_json::json!({
            "call_id": id, "source": format!("{id}.txt"), "meta": {"team": "<i>一组</i>"},
            "score": 75.84, "verdict": "fail", "auto_fail": true,
            "criteria": [{"id": "overpromise", "score": 0.0, "passed": false, "weight": 20.0, "findings": findings.len()}],
            "steps": [{"id": "greeting", "covered": true, "turn": 0, "confidence": 1.0, "required": true, "via": "cue"}],
            "end_condition": "declined", "end_turn": 0, "findings": findings,
            "turns": [{"index": 0, "role": "agent", "speaker": "<b>李明</b>", "text": text, "start": 65.25,
                       "steps": ["greeting"], "findings": []}],
            "roles": []
        }))
        .unwrap()
    }

    #[test]
    fn escape_covers_text_and_attributes() {
        assert_eq!(
            escape("<script>\"x\" & 'y'</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
        assert_eq!(escape("您好 😊"), "您好 😊");
    }

    #[test]
    fn spans_are_characters_in_cjk_text() {
        let f = finding("OP001", Severity::Critical, 0, [1, 3]);
        let html = highlight("我保证绝对不断网", &[&f]);
        assert!(html.starts_with("我<mark class=\"sev-critical\""), "{html}");
        assert!(html.ends_with(">保证</mark>绝对不断网"), "{html}");
    }

    #[test]
    fn spans_count_emoji_as_one_character() {
        // 您0 好1 😊2 ，3 再4 见5 👋6
        let a = finding("SY002", Severity::Major, 0, [2, 3]);
        let b = finding("SY002", Severity::Major, 0, [6, 7]);
        let html = highlight("您好😊，再见👋", &[&a, &b]);
        assert!(html.starts_with("您好<mark"), "{html}");
        assert!(html.contains(">😊</mark>，再见<mark"), "{html}");
        assert!(html.ends_with(">👋</mark>"), "{html}");
    }

    #[test]
    fn spans_out_of_range_empty_or_inverted_never_panic() {
        let text = "好的😊";
        let cases = [[1, 99], [10, 12], [2, 1], [3, 3], [usize::MAX - 1, usize::MAX]];
        for span in cases {
            let f = finding("X1", Severity::Minor, 0, span);
            let html = highlight(text, &[&f]);
            assert_eq!(html.matches("<mark").count(), html.matches("</mark>").count());
        }
        let f = finding("X1", Severity::Minor, 0, [1, 99]);
        assert!(highlight(text, &[&f]).ends_with(">的😊</mark>"));
        let f = finding("X1", Severity::Minor, 0, [10, 12]);
        assert_eq!(highlight(text, &[&f]), "好的😊");
        assert_eq!(highlight("", &[&f]), "");
    }

    #[test]
    fn overlapping_spans_split_instead_of_nesting() {
        let a = finding("OP003", Severity::Major, 0, [0, 3]);
        let b = finding("OP001", Severity::Critical, 0, [2, 5]);
        let html = highlight("全网最低保证", &[&a, &b]);
        assert_eq!(html.matches("<mark").count(), 3, "{html}");
        assert!(html.contains("<mark class=\"sev-major\" data-codes=\"OP003\""));
        assert!(html.contains("<mark class=\"sev-critical\" data-codes=\"OP003 OP001\""), "{html}");
        assert!(html.ends_with("保</mark>证"), "{html}");
    }

    #[test]
    fn highlighted_text_is_escaped() {
        let f = finding("OP001", Severity::Critical, 0, [3, 5]);
        let html = highlight("<b>保证</b>", &[&f]);
        assert_eq!(
            html,
            "&lt;b&gt;<mark class=\"sev-critical\" data-codes=\"OP001\" title=\"OP001 message of OP001\">保证</mark>&lt;/b&gt;"
        );
    }

    #[test]
    fn every_transcript_string_is_escaped() {
        let mut f = finding("OP001", Severity::Critical, 0, [0, 8]);
        f.message = "<script>alert(1)</script>".into();
        f.excerpt = "\"><img src=x onerror=alert(1)>".into();
        let c = call("\"><img src=x onerror=alert(2)>", "<script>alert(3)</script>", vec![f]);
        let html = render(&results(vec![c]));
        assert!(!html.contains("<img"), "an injected element");
        assert!(!html.contains("<script>alert"), "an injected script");
        assert!(!html.contains("<b>") && !html.contains("<i>"));
        assert!(html.contains("&lt;script&gt;</mark>alert(3)&lt;/script&gt;"), "marked and escaped");
        assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
        assert_eq!(html.matches("<script>").count(), 1, "only the page's own script");
    }

    #[test]
    fn a_call_renders_with_charts_anchors_and_times() {
        let c = call("c1", "我保证绝对不断网", vec![finding("OP001", Severity::Critical, 0, [1, 3])]);
        let html = render(&results(vec![c]));
        for id in ["chart-histogram", "chart-steps", "chart-criteria", "chart-findings", "chart-end"] {
            assert!(html.contains(&format!("<svg id=\"{id}\"")), "{id}");
        }
        assert!(html.contains("<details class=\"call fail\" id=\"call-1\""));
        assert!(html.contains("href=\"#call-1\""));
        assert!(html.contains("id=\"call-1-t0\""));
        assert!(html.contains("1:05.2") || html.contains("1:05.3"), "the start time as m:ss.s");
        assert!(html.contains("75.8"));
        assert!(html.contains("data-verdict=\"fail auto-fail\" data-failed=\"overpromise\" data-codes=\"OP001\""));
    }

    #[test]
    fn empty_batch_renders_a_complete_page() {
        let html = render(&results(Vec::new()));
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
        assert!(html.trim_end().ends_with("</html>"));
        assert!(html.contains("没有通话"));
        assert!(html.contains("id=\"chart-histogram\""));
        for bad in [">NaN", "\"NaN", ">inf", "\"inf", "-0.0"] {
            assert!(!html.contains(bad), "{bad}");
        }
    }

    #[test]
    fn page_is_self_contained_chinese_and_deterministic() {
        let c = call("c1", "你好", Vec::new());
        let r = results(vec![c]);
        let html = render(&r);
        assert_eq!(html, render(&r));
        for font in ["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "sans-serif"] {
            assert!(html.contains(font), "{font}");
        }
        assert!(html.contains("prefers-color-scheme:dark"));
        for remote in ["http://", "https://", "src=", "@import", "url("] {
            assert!(!html.contains(remote), "{remote}");
        }
    }

    #[test]
    fn groups_get_rows() {
        let mut a = call("a", "好", Vec::new());
        a.meta.insert("team".into(), "外呼一组".into());
        let mut b = call("b", "好", Vec::new());
        b.meta.insert("team".into(), "外呼二组".into());
        let r = Results::new(RubricRef::new("demo", "1"), vec![a, b], Vec::new(), Some("team"));
        assert_eq!(r.aggregate.groups.len(), 2);
        let html = render(&r);
        assert!(html.contains("id=\"groups-table\""));
        assert!(html.contains("<td>外呼一组</td>") && html.contains("<td>外呼二组</td>"));
    }
}
