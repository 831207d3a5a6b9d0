//! The timing pictures of the HTML report, as inline SVG (no script, no network): each timed
//! call drawn as a timeline — who speaks when, dead air and overtalk marked, findings pinned at
//! their moment — and, in the overview, the distribution of dead air and speech rate over the
//! batch. Every string from a transcript goes through [`super::html::escape`].

use super::Results;
use super::html::escape;
use crate::eval::result::{CallResult, TurnResult};
use crate::rubric::model::Severity;
use crate::timing::Metric;
use crate::transcript::Role;
use std::fmt::{self, Write};

const W: f64 = 560.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 10.0;
/// Dead air at least this long is marked on a timeline (seconds).
const MARK_GAP_S: f64 = 2.0;

fn px(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

fn secs(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

fn lane(role: Role) -> (f64, &'static str, &'static str) {
    match role {
        Role::Agent => (22.0, "#2f6fde", "坐席"),
        Role::Customer => (48.0, "#15a37f", "客户"),
    }
}

fn sev_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#c62828",
        Severity::Major => "#e4572e",
        Severity::Minor => "#d9a400",
        Severity::Info => "#7a7a7a",
    }
}

/// The timed turns of a call: `(index, role, start, end)`.
fn spans(c: &CallResult) -> Vec<(&TurnResult, f64, f64)> {
    c.turns.iter().filter_map(|t| Some((t, t.start?, t.end?))).collect()
}

/// Draws call `c` (whose turns link to `#{anchor}-t{n}`) as a timeline, when it has timing.
pub fn call_svg(anchor: &str, c: &CallResult, o: &mut String) -> fmt::Result {
    let Some(timing) = &c.timing else { return Ok(()) };
    let turns = spans(c);
    let (Some(first), Some(last)) =
        (turns.iter().map(|t| t.1).min_by(f64::total_cmp), turns.iter().map(|t| t.2).max_by(f64::total_cmp))
    else {
        return Ok(());
    };
    let span = (last - first).max(1.0);
    let pw = W - LEFT - RIGHT;
    let x = |t: f64| LEFT + (t - first) / span * pw;
    let h = 96.0;
    writeln!(
        o,
        "<figure class=\"timeline\"><svg id=\"{anchor}-timeline\" class=\"chart\" viewBox=\"0 0 {W} {h}\" role=\"img\" \
         aria-label=\"通话时间线\"><title>通话时间线：{} 秒，最长静音 {} 秒，坐席抢话 {} 次</title>",
        secs(timing.duration_s),
        secs(timing.silence_max_s),
        timing.overtalk_count.agent
    )?;
    for role in [Role::Agent, Role::Customer] {
        let (y, _, name) = lane(role);
        writeln!(o, "<text x=\"4\" y=\"{}\" font-size=\"11\" fill=\"currentColor\">{name}</text>", px(y + 10.0))?;
    }
    // Axis: a tick every 10 s (every 60 s on calls over five minutes).
    let step = if span > 300.0 { 60.0 } else { 10.0 };
    let mut tick = (first / step).ceil() * step;
    while tick <= last {
        let tx = x(tick);
        writeln!(
            o,
            "<line x1=\"{0}\" x2=\"{0}\" y1=\"16\" y2=\"70\" stroke=\"currentColor\" stroke-opacity=\"0.12\"/>\
             <text x=\"{0}\" y=\"82\" font-size=\"9\" text-anchor=\"middle\" fill=\"currentColor\">{1}</text>",
            px(tx),
            crate::eval::timing::clock(tick)
        )?;
        tick += step;
    }
    // Dead air: gaps in everyone's speech.
    let mut sorted: Vec<(f64, f64)> = turns.iter().map(|t| (t.1, t.2)).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut reach = sorted.first().map_or(first, |s| s.1);
    for &(s, e) in sorted.iter().skip(1) {
        if s - reach >= MARK_GAP_S {
            writeln!(
                o,
                "<rect class=\"gap\" x=\"{}\" y=\"16\" width=\"{}\" height=\"54\" fill=\"#e4572e\" fill-opacity=\"0.14\">\
                 <title>静音 {} 秒（{}–{}）</title></rect>\
                 <text x=\"{}\" y=\"14\" font-size=\"9\" text-anchor=\"middle\" fill=\"#e4572e\">{} s</text>",
                px(x(reach)),
                px((x(s) - x(reach)).max(1.0)),
                secs(s - reach),
                crate::eval::timing::clock(reach),
                crate::eval::timing::clock(s),
                px((x(reach) + x(s)) / 2.0),
                secs(s - reach)
            )?;
        }
        reach = reach.max(e);
    }
    // Who speaks when.
    for &(t, s, e) in &turns {
        let (y, color, name) = lane(t.role);
        writeln!(
            o,
            "<a href=\"#{anchor}-t{}\"><rect class=\"speech {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"18\" rx=\"2\" \
             fill=\"{color}\"><title>第 {} 轮 · {name} {} · {}–{}：{}</title></rect></a>",
            t.index,
            t.role.as_str(),
            px(x(s)),
            px(y),
            px((x(e) - x(s)).max(1.0)),
            t.index,
            escape(&t.speaker),
            crate::eval::timing::clock(s),
            crate::eval::timing::clock(e),
            escape(&clip(&t.text, 40))
        )?;
    }
    // Overtalk: where agent and customer speech overlap.
    for &(a, a_s, a_e) in turns.iter().filter(|t| t.0.role == Role::Agent) {
        for &(_, c_s, c_e) in turns.iter().filter(|t| t.0.role == Role::Customer) {
            let (s, e) = (a_s.max(c_s), a_e.min(c_e));
            if e > s {
                let who = if a_s > c_s { "坐席抢话" } else { "客户抢话" };
                writeln!(
                    o,
                    "<rect class=\"overtalk\" x=\"{}\" y=\"20\" width=\"{}\" height=\"48\" fill=\"none\" stroke=\"#f59e0b\" \
                     stroke-width=\"2\"><title>{who} {} 秒（第 {} 轮）</title></rect>",
                    px(x(s)),
                    px((x(e) - x(s)).max(2.0)),
                    secs(e - s),
                    a.index
                )?;
            }
        }
    }
    // Findings, pinned at their time (or at the start of their turn).
    for f in &c.findings {
        let at = f.at_s.or_else(|| c.turns.get(f.turn).and_then(|t| t.start));
        let Some(at) = at else { continue };
        let px_at = x(at.clamp(first, last));
        writeln!(
            o,
            "<a href=\"#{anchor}-t{}\"><g class=\"pin\"><line x1=\"{0}\" x2=\"{0}\" y1=\"66\" y2=\"74\" stroke=\"{2}\" \
             stroke-width=\"2\"/><circle cx=\"{0}\" cy=\"88\" r=\"4\" fill=\"{2}\"/><title>{3} · 第 {1} 轮 · {4}：{5}</title></g></a>",
            px(px_at),
            f.turn,
            sev_color(f.severity),
            escape(&f.code),
            crate::eval::timing::clock(at),
            escape(&f.message)
        )
        .map(|_| ())?;
    }
    o.push_str("</svg>\n<figcaption class=\"hint\">蓝：坐席 · 绿：客户 · 红底：2 秒以上静音 · 橙框：抢话 · 圆点：问题（悬停看详情，点击跳到该轮）</figcaption></figure>\n");
    Ok(())
}

/// The first `n` characters of `s`.
fn clip(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().nth(n).is_some() {
        out.push('…');
    }
    out
}

/// One histogram: `bins` upper bounds (the last bin is open), the values, a caption.
fn histogram(id: &str, aria: &str, unit: &str, bounds: &[f64], values: &[f64], o: &mut String) -> fmt::Result {
    let mut counts = vec![0usize; bounds.len() + 1];
    for &v in values {
        let i = bounds.iter().position(|&b| v < b).unwrap_or(bounds.len());
        counts[i] += 1;
    }
    let (h, top, bottom) = (150.0, 16.0, 28.0);
    let pw = W - LEFT - RIGHT;
    let ph = h - top - bottom;
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let bw = pw / counts.len() as f64;
    writeln!(
        o,
        "<svg id=\"{id}\" class=\"chart\" viewBox=\"0 0 {W} {h}\" role=\"img\" aria-label=\"{aria}\"><title>{aria}</title>"
    )?;
    for (i, &n) in counts.iter().enumerate() {
        let bh = n as f64 / max as f64 * ph;
        let label = match i {
            0 => format!("<{}", secs(bounds[0])),
            _ if i == bounds.len() => format!("≥{}", secs(bounds[i - 1])),
            _ => format!("{}–{}", secs(bounds[i - 1]), secs(bounds[i])),
        };
        // `<2` must not open a tag.
        let label = escape(&label);
        let bx = LEFT + i as f64 * bw;
        writeln!(
            o,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#2f6fde\"><title>{label} {unit}：{n} 通</title></rect>\
             <text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\" fill=\"currentColor\">{label}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\" fill=\"currentColor\">{n}</text>",
            px(bx + 2.0),
            px(top + ph - bh),
            px((bw - 4.0).max(1.0)),
            px(bh),
            px(bx + bw / 2.0),
            px(h - 12.0),
            px(bx + bw / 2.0),
            px((top + ph - bh - 3.0).max(10.0))
        )?;
    }
    o.push_str("</svg>\n");
    Ok(())
}

/// The overview's timing panels: the distribution of dead air (longest silence per call) and
/// of the agent's speech rate, over the calls with timestamps. Nothing without any.
pub fn distributions(r: &Results, o: &mut String) -> fmt::Result {
    let Some(stats) = &r.aggregate.timing else { return Ok(()) };
    let values =
        |m: Metric| -> Vec<f64> { r.calls.iter().filter_map(|c| c.timing.as_ref().and_then(|t| t.get(m))).collect() };
    let p = |m: Metric| {
        stats.metric(m.name()).map_or_else(String::new, |s| format!("P50 {} · P90 {}", secs(s.p50), secs(s.p90)))
    };
    writeln!(
        o,
        "<div class=\"charts\" id=\"timing\"><div class=\"col\"><figure class=\"panel\"><figcaption><h3>最长静音\
         <span class=\"en\">dead air</span></h3><p class=\"hint\">每通通话中最长的无人说话时长（秒），{} 通有时间戳的通话。{}</p>\
         </figcaption>",
        stats.calls,
        p(Metric::SilenceMaxS)
    )?;
    histogram(
        "chart-dead-air",
        "最长静音分布",
        "秒",
        &[2.0, 4.0, 6.0, 8.0, 10.0, 15.0],
        &values(Metric::SilenceMaxS),
        o,
    )?;
    writeln!(
        o,
        "</figure></div><div class=\"col\"><figure class=\"panel\"><figcaption><h3>坐席语速<span class=\"en\">agent \
         speech rate</span></h3><p class=\"hint\">坐席每分钟说的字数（按说话时间计）。{}</p></figcaption>",
        p(Metric::AgentCharsPerMin)
    )?;
    histogram(
        "chart-speech-rate",
        "坐席语速分布",
        "字/分",
        &[160.0, 200.0, 240.0, 280.0, 320.0],
        &values(Metric::AgentCharsPerMin),
        o,
    )?;
    o.push_str("</figure></div></div>\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_bins_values() {
        let mut o = String::new();
        histogram("h", "a", "s", &[2.0, 4.0], &[0.5, 2.0, 3.9, 9.0], &mut o).unwrap();
        assert!(o.contains("&lt;2 s：1 通"), "{o}");
        assert!(!o.contains("<2"), "{o}");
        assert!(o.contains("2–4 s：2 通"), "{o}");
        assert!(o.contains("≥4 s：1 通"), "{o}");
    }
}
