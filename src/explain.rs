//! `callqa explain`: one call, turn by turn, with every decision spelled out.
//!
//! The output reads like a compiler's: each turn of the call in order, and under the turn each
//! finding as a diagnostic — `error[OP001]` (critical and major), `warning[SY005]` (minor) or
//! `note[AN004]` (info) — with the turn, the turn's text and `^` under the exact characters the
//! finding points at, the rule that fired with its rubric line
//! (`rubrics/changjiang-plan-upsell.toml:449 rule absolute-guarantee`) and a `help:` line (the
//! rule's help; for a missing step, the step's first model line). Then every step that was not
//! covered, with the agent turn that came closest and its similarity — so a reviewer can tell a
//! step worded differently from a step skipped — and a summary: verdict and why, score, end
//! condition, criteria, roles.
//!
//! Carets line up under CJK text: columns are counted in terminal cells (CJK and full-width
//! characters take two). Long turns are shown as a window around the span. Colors (ANSI) are
//! written only when asked for; plain output contains no escape sequences.
//!
//! The text is shown as it is in the [`CallResult`]: to mask personal data, run
//! [`crate::report::redact::Redactor::call`] on the call first (masks keep span lengths, so the
//! carets still point at the right characters).
//!
//! ```no_run
//! use callqa::{rubric, Engine, Options};
//! use std::io::IsTerminal;
//! let engine = Engine::new(rubric::default_rubric().unwrap(), Options::default());
//! let call = engine.score_path(std::path::Path::new("call.txt")).remove(0).unwrap();
//! let mut out = std::io::stdout();
//! let color = out.is_terminal();
//! callqa::explain::explain(&call, &engine.rubric, color, &mut out).unwrap();
//! ```

use crate::eval::result::{CallResult, Finding, StepResult, TurnResult, Verdict};
use crate::rubric::CompiledRubric;
use crate::rubric::model::Severity;
use std::io::{self, Write};

/// Longest line of turn text shown in a diagnostic, in terminal columns; longer lines are shown
/// as a window around the span.
const MAX_COLUMNS: usize = 100;
/// Context kept before a span when a long line is windowed, in characters.
const CONTEXT_BEFORE: usize = 12;

/// Terminal columns of one character: 2 for East Asian wide and full-width characters (CJK,
/// kana, hangul, full-width forms, most emoji), 0 for combining marks, zero-width characters and
/// controls, 1 otherwise.
pub fn char_width(c: char) -> usize {
    let u = c as u32;
    if u < 0x20 || (0x7f..0xa0).contains(&u) {
        return 0;
    }
    let zero = matches!(u,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x0610..=0x061A | 0x064B..=0x065F
        | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x2064
        | 0x20D0..=0x20FF | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F | 0xFEFF | 0xE0100..=0xE01EF);
    if zero {
        return 0;
    }
    let wide = matches!(u,
        0x1100..=0x115F | 0x231A..=0x231B | 0x2329..=0x232A | 0x23E9..=0x23EC | 0x23F0 | 0x23F3
        | 0x25FD..=0x25FE | 0x2614..=0x2615 | 0x2648..=0x2653 | 0x267F | 0x2693 | 0x26A1
        | 0x26AA..=0x26AB | 0x26BD..=0x26BE | 0x26C4..=0x26C5 | 0x26CE | 0x26D4 | 0x26EA
        | 0x26F2..=0x26F3 | 0x26F5 | 0x26FA | 0x26FD | 0x2705 | 0x270A..=0x270B | 0x2728 | 0x274C
        | 0x274E | 0x2753..=0x2755 | 0x2757 | 0x2795..=0x2797 | 0x27B0 | 0x27BF | 0x2B1B..=0x2B1C
        | 0x2B50 | 0x2B55 | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xA960..=0xA97F | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE10..=0xFE19
        | 0xFE30..=0xFE6F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x16FE0..=0x16FE4 | 0x17000..=0x18CFF
        | 0x1B000..=0x1B2FF | 0x1F004 | 0x1F0CF | 0x1F18E | 0x1F191..=0x1F19A | 0x1F200..=0x1F251
        | 0x1F300..=0x1F320 | 0x1F32D..=0x1F335 | 0x1F337..=0x1F37C | 0x1F37E..=0x1F393
        | 0x1F3A0..=0x1F3CA | 0x1F3CF..=0x1F3D3 | 0x1F3E0..=0x1F3F0 | 0x1F3F4 | 0x1F3F8..=0x1F43E
        | 0x1F440 | 0x1F442..=0x1F4FC | 0x1F4FF..=0x1F53D | 0x1F54B..=0x1F54E | 0x1F550..=0x1F567
        | 0x1F57A | 0x1F595..=0x1F596 | 0x1F5A4 | 0x1F5FB..=0x1F64F | 0x1F680..=0x1F6C5 | 0x1F6CC
        | 0x1F6D0..=0x1F6D2 | 0x1F6D5..=0x1F6D7 | 0x1F6DC..=0x1F6DF | 0x1F6EB..=0x1F6EC
        | 0x1F6F4..=0x1F6FC | 0x1F7E0..=0x1F7EB | 0x1F7F0 | 0x1F90C..=0x1F93A | 0x1F93C..=0x1F945
        | 0x1F947..=0x1F9FF | 0x1FA70..=0x1FAFF | 0x20000..=0x2FFFD | 0x30000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

/// Terminal columns of a string (see [`char_width`]).
pub fn str_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// What a severity is shown as.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::Major => "error",
        Severity::Minor => "warning",
        Severity::Info => "note",
    }
}

/// ANSI styling, or none.
struct Paint {
    color: bool,
}

impl Paint {
    fn wrap(&self, sgr: &str, s: &str) -> String {
        if self.color && !s.is_empty() { format!("\x1b[{sgr}m{s}\x1b[0m") } else { s.to_string() }
    }
    fn level(&self, s: Severity, text: &str) -> String {
        let sgr = match s {
            Severity::Critical | Severity::Major => "1;31",
            Severity::Minor => "1;33",
            Severity::Info => "1;36",
        };
        self.wrap(sgr, text)
    }
    fn gutter(&self, s: &str) -> String {
        self.wrap("1;34", s)
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn good(&self, s: &str) -> String {
        self.wrap("32", s)
    }
    fn bad(&self, s: &str) -> String {
        self.wrap("1;31", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
}

/// Everything the renderer needs, computed once.
struct Ctx<'a> {
    call: &'a CallResult,
    rubric: &'a CompiledRubric,
    p: Paint,
    /// Width of the turn-number gutter.
    gw: usize,
}

/// Writes the explanation of `call` scored with `rubric`: the call turn by turn with each
/// finding as a compiler-style diagnostic under its turn, every step not covered with its
/// nearest candidate, and a summary of the verdict. `color`: ANSI colors (pass
/// `stdout.is_terminal()`); without it the output has no escape sequences.
///
/// `rubric` should be the rubric the call was scored with: rule lines and help are looked up
/// in it by the findings' rule ids (a rule it lacks is shown without a line).
pub fn explain(call: &CallResult, rubric: &CompiledRubric, color: bool, out: &mut dyn Write) -> io::Result<()> {
    // Control characters of the input (a colour or hyperlink sequence, BEL) are shown, one
    // picture per character, so they cannot drive the terminal and spans still line up.
    let visible = crate::report::escape::terminal_call(call);
    let call = &visible;
    let last_turn = call.turns.len().saturating_sub(1);
    let cx = Ctx { call, rubric, p: Paint { color }, gw: last_turn.to_string().len().max(2) };
    cx.header(out)?;
    let mut shown = vec![false; call.findings.len()];
    for turn in &call.turns {
        writeln!(out)?;
        cx.turn(turn, out)?;
        for (i, f) in call.findings.iter().enumerate().filter(|(_, f)| f.turn == turn.index) {
            shown[i] = true;
            writeln!(out)?;
            cx.diagnostic(f, Some(turn), out)?;
        }
    }
    // Findings pointing at a turn the call does not have (a result edited by hand).
    for (i, f) in call.findings.iter().enumerate() {
        if !shown[i] {
            writeln!(out)?;
            cx.diagnostic(f, None, out)?;
        }
    }
    writeln!(out)?;
    cx.steps(out)?;
    writeln!(out)?;
    cx.summary(out)
}

impl Ctx<'_> {
    fn header(&self, out: &mut dyn Write) -> io::Result<()> {
        let c = self.call;
        let meta = &self.rubric.file.rubric;
        writeln!(out, "{} {} ({})", self.p.bold("call"), self.p.bold(&c.call_id), c.source)?;
        writeln!(
            out,
            "rubric {} v{} ({}) · spans count characters of a turn's text",
            meta.id, meta.version, self.rubric.path
        )
    }

    fn speaker(&self, t: &TurnResult) -> String {
        format!("turn {} · {}", t.index, t.speaker)
    }

    fn turn(&self, t: &TurnResult, out: &mut dyn Write) -> io::Result<()> {
        let mut head = format!("{} ({})", self.speaker(t), t.role.as_str());
        match (t.start, t.end) {
            // Times to the tenth, so that a gap or an overlap between two turns shows.
            (Some(s), Some(e)) => {
                head.push_str(&format!(" · {}–{} ({:.1} s)", clock_tenths(s), clock_tenths(e), e - s))
            }
            (Some(s), None) => head.push_str(&format!(" · {}", clock_tenths(s))),
            _ => {}
        }
        let mut marks = Vec::new();
        for s in &t.steps {
            marks.push(self.p.good(&format!("✓ {s}")));
        }
        if self.call.end_turn == Some(t.index) {
            marks.push(format!("◆ end: {}", self.call.end_condition));
        }
        if marks.is_empty() {
            writeln!(out, "{}", self.p.bold(&head))?;
        } else {
            writeln!(out, "{}  {}", self.p.bold(&head), marks.join("  "))?;
        }
        for line in t.text.split('\n') {
            writeln!(out, "  {}", clean(line))?;
        }
        Ok(())
    }

    /// `path:line kind id` of the rule behind a finding.
    fn rule_ref(&self, f: &Finding) -> String {
        let path = &self.rubric.path;
        if let Some(step_id) = f.rule.strip_prefix("steps.") {
            if let Some(step) = self.rubric.steps.iter().find(|s| s.id == step_id) {
                return format!("{path}:{} step {}", step.line, step.id);
            }
            return format!("built-in check {}", f.rule);
        }
        if let Some(end_id) = f.rule.strip_prefix("end_conditions.")
            && let Some(end) = self.rubric.ends.iter().find(|e| e.id == end_id)
        {
            return format!("{path}:{} end condition {}", end.line, end.id);
        }
        match self.rubric.rules.iter().find(|r| r.id == f.rule) {
            Some(r) => format!("{path}:{} rule {}", r.line, r.id),
            None => format!("rule {}", f.rule),
        }
    }

    fn help(&self, f: &Finding) -> Option<String> {
        f.help.clone().or_else(|| self.rubric.rules.iter().find(|r| r.id == f.rule).and_then(|r| r.help.clone()))
    }

    fn gutter_blank(&self) -> String {
        self.p.gutter(&format!("{} |", " ".repeat(self.gw)))
    }

    fn diagnostic(&self, f: &Finding, turn: Option<&TurnResult>, out: &mut dyn Write) -> io::Result<()> {
        let p = &self.p;
        let title = format!("{}[{}]", level(f.severity), f.code);
        writeln!(out, "{}: {}", p.level(f.severity, &title), p.bold(&clean(&f.message)))?;
        let arrow = p.gutter(&format!("{}-->", " ".repeat(self.gw)));
        match turn {
            Some(t) => match f.at_s {
                Some(at) => writeln!(
                    out,
                    "{arrow} {} · at {} · characters {}..{}",
                    self.speaker(t),
                    clock_tenths(at),
                    f.span[0],
                    f.span[1]
                )?,
                None => writeln!(out, "{arrow} {} · characters {}..{}", self.speaker(t), f.span[0], f.span[1])?,
            },
            None => writeln!(out, "{arrow} turn {} (not in this call) · 「{}」", f.turn, clean(&f.excerpt))?,
        }
        writeln!(out, "{}", self.gutter_blank())?;
        if let Some(t) = turn {
            let label = format!("{} · {}", f.severity.as_str(), f.criterion);
            self.snippet(t, f.span, f.severity, &label, out)?;
            writeln!(out, "{}", self.gutter_blank())?;
        }
        let eq = p.gutter(&format!("{} =", " ".repeat(self.gw)));
        writeln!(out, "{eq} {} {}", p.bold("rule:"), self.rule_ref(f))?;
        if let Some(h) = self.help(f) {
            writeln!(out, "{eq} {} {}", p.bold("help:"), clean(&h))?;
        }
        writeln!(out, "{eq} {} callqa rules {}", p.bold("docs:"), f.code)
    }

    /// The lines of turn `t` that `span` covers, with `^` under the span's characters.
    fn snippet(
        &self,
        t: &TurnResult,
        span: [usize; 2],
        sev: Severity,
        label: &str,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let chars: Vec<char> = t.text.chars().collect();
        let a = span[0].min(chars.len());
        let b = span[1].clamp(a, chars.len());
        let mut first = true;
        let mut line_start = 0;
        let lines: Vec<&[char]> = chars.split(|&c| c == '\n').collect();
        let last_line = lines.len() - 1;
        for (li, line) in lines.iter().enumerate() {
            let line_end = line_start + line.len();
            // The span's part of this line; an empty span marks the character at its position.
            let overlaps =
                if a == b { first && a >= line_start && a <= line_end } else { a < line_end && b > line_start };
            if overlaps {
                let (sa, sb) = (a.max(line_start) - line_start, b.min(line_end) - line_start);
                let num = if first { t.index.to_string() } else { String::new() };
                let (text, pad, carets) = window(line, sa, sb);
                writeln!(out, "{} {text}", self.p.gutter(&format!("{num:>w$} |", w = self.gw)))?;
                let last_part = b <= line_end || li == last_line;
                let tail = if last_part { format!(" {label}") } else { String::new() };
                writeln!(
                    out,
                    "{} {}{}",
                    self.gutter_blank(),
                    " ".repeat(pad),
                    self.p.level(sev, &format!("{}{tail}", "^".repeat(carets.max(1))))
                )?;
                first = false;
            }
            line_start = line_end + 1;
        }
        Ok(())
    }

    fn steps(&self, out: &mut dyn Write) -> io::Result<()> {
        let p = &self.p;
        let c = self.call;
        let required: Vec<&str> = c.steps.iter().filter(|s| s.required).map(|s| s.id.as_str()).collect();
        writeln!(
            out,
            "{} {}/{} covered · end condition `{}` requires {}",
            p.bold("steps"),
            c.steps.iter().filter(|s| s.covered).count(),
            c.steps.len(),
            c.end_condition,
            if required.is_empty() { "none".to_string() } else { required.join(", ") }
        )?;
        let covered: Vec<String> = c
            .steps
            .iter()
            .filter(|s| s.covered)
            .map(|s| {
                format!(
                    "{} (turn {}, {} {:.2})",
                    s.id,
                    s.turn.map_or("-".into(), |t| t.to_string()),
                    s.via.as_deref().unwrap_or("match"),
                    s.confidence
                )
            })
            .collect();
        if !covered.is_empty() {
            writeln!(out, "  {} {}", p.good("✓"), covered.join(", "))?;
        }
        for s in c.steps.iter().filter(|s| !s.covered) {
            self.uncovered(s, out)?;
        }
        Ok(())
    }

    fn uncovered(&self, s: &StepResult, out: &mut dyn Write) -> io::Result<()> {
        let p = &self.p;
        let step = self.rubric.file.steps.iter().find(|st| st.id.get_ref() == &s.id);
        let nearest = match (s.nearest_turn, step) {
            // Without model lines there is no similarity to speak of: the cue that came closest
            // says more (and where).
            (_, Some(st)) if st.cues.models.is_empty() => self.closest_cue(st),
            (Some(t), _) => {
                format!("nearest: turn {t} (similarity {:.2}) — worded differently or missing?", s.confidence)
            }
            (None, _) => "no agent turn to compare".to_string(),
        };
        let sev = if s.required { Severity::Major } else { Severity::Info };
        writeln!(out, "{}: step `{}` not covered; {nearest}", p.level(sev, "note"), s.id)?;
        let eq = p.gutter(&format!("{} =", " ".repeat(self.gw)));
        let need = if s.required {
            let rule = format!("steps.{}", s.id);
            match self.call.findings.iter().find(|f| f.rule == rule) {
                Some(f) => {
                    format!("required by `{}` (reported as {} at turn {})", self.call.end_condition, f.code, f.turn)
                }
                None => format!("required by `{}`", self.call.end_condition),
            }
        } else {
            format!("not required by `{}`", self.call.end_condition)
        };
        match self.rubric.steps.iter().find(|st| st.id == s.id) {
            Some(st) => {
                writeln!(
                    out,
                    "{eq} {} {}:{} step {} ({}) · {need} · a model line counts from similarity {:.2}",
                    p.bold("step:"),
                    self.rubric.path,
                    st.line,
                    st.id,
                    st.title,
                    st.cues.min_similarity
                )?;
                if let Some(m) = st.cues.models.first() {
                    writeln!(out, "{eq} {} {}", p.bold("help:"), clean(m))?;
                }
            }
            None => writeln!(out, "{eq} {} {} · {need}", p.bold("step:"), s.id)?,
        }
        Ok(())
    }

    /// Which of a step's cues came closest in the agent's turns, and why it did not match.
    fn closest_cue(&self, step: &crate::rubric::model::Step) -> String {
        let analyzed: Vec<(usize, crate::text::segment::Analyzed)> = self
            .call
            .turns
            .iter()
            .filter(|t| t.role == crate::transcript::Role::Agent)
            .map(|t| (t.index, self.rubric.analyzer.analyze(&t.text)))
            .collect();
        if analyzed.is_empty() {
            return "no agent turn to compare".into();
        }
        let turns: Vec<(usize, &crate::text::segment::Analyzed)> = analyzed.iter().map(|(i, a)| (*i, a)).collect();
        describe_closest_cue(self.rubric, step, &turns)
    }

    fn summary(&self, out: &mut dyn Write) -> io::Result<()> {
        let p = &self.p;
        let c = self.call;
        let meta = &self.rubric.file.rubric;
        let verdict = match c.verdict {
            Verdict::Pass => p.good("PASS"),
            Verdict::Fail => p.bad("FAIL"),
        };
        writeln!(out, "{}", p.bold("summary"))?;
        let reasons = self.fail_reasons();
        if reasons.is_empty() {
            writeln!(out, "  verdict    {verdict}")?;
        } else {
            writeln!(out, "  verdict    {verdict} — {}", reasons.join("; "))?;
        }
        if let Some(t) = &c.timing {
            writeln!(out, "  {}", crate::report::table::timing_line(t).replacen("timing: ", "timing     ", 1))?;
        }
        writeln!(
            out,
            "  score      {} (pass mark {}; a call also needs no failed criterion and nothing critical)",
            c.score.map_or("n/a".to_string(), |s| format!("{s:.1}")),
            meta.pass_score
        )?;
        let end_title = self
            .rubric
            .file
            .end_conditions
            .iter()
            .find(|e| e.id.get_ref() == &c.end_condition)
            .and_then(|e| e.title.clone());
        let mut end = c.end_condition.clone();
        if let Some(t) = end_title {
            end.push_str(&format!(" ({t})"));
        }
        match c.end_turn {
            Some(t) => writeln!(out, "  end        {end}, decided at turn {t}")?,
            None => writeln!(out, "  end        {end}")?,
        }
        if !c.roles.is_empty() {
            let roles: Vec<String> = c
                .roles
                .iter()
                .map(|r| {
                    let how = serde_json::to_value(r.source).ok().and_then(|v| v.as_str().map(str::to_string));
                    let mut how = how.unwrap_or_default();
                    if let Some(score) = r.evidence_score {
                        how.push_str(&format!(", agent-likeness {score:.2}"));
                    }
                    format!("{} → {} ({how})", r.speaker, r.role.as_str())
                })
                .collect();
            writeln!(out, "  roles      {}", roles.join(", "))?;
            if let Some(conf) = c.role_confidence {
                writeln!(out, "             inferred from what each speaker said, confidence {conf:.2}")?;
                for r in c.roles.iter().filter(|r| !r.evidence.is_empty()) {
                    let shown: Vec<&str> = r.evidence.iter().take(4).map(String::as_str).collect();
                    writeln!(out, "             {}: {}", r.speaker, shown.join("; "))?;
                }
            }
            if let Some(w) = &c.role_warning {
                writeln!(out, "  {}: {w}", p.bad("warning"))?;
            }
        }
        let counts = [Severity::Critical, Severity::Major, Severity::Minor, Severity::Info]
            .map(|s| format!("{} {}", c.findings.iter().filter(|f| f.severity == s).count(), s.as_str()));
        writeln!(out, "  findings   {}", counts.join(", "))?;
        writeln!(out, "  criteria")?;
        let w = c.criteria.iter().map(|k| k.id.len()).max().unwrap_or(0);
        for k in &c.criteria {
            let settings = self.rubric.criteria.iter().find(|(id, _)| *id == k.id).map(|(_, s)| s);
            let result = match k.passed {
                Some(true) => p.good("pass"),
                Some(false) => p.bad("FAIL"),
                None => "n/a ".to_string(),
            };
            let score = k.score.map_or("n/a".to_string(), |s| format!("{s:.1}"));
            let mut notes = Vec::new();
            if k.passed.is_none() {
                notes.push("not applicable: nothing to judge".to_string());
            }
            if let Some(s) = settings {
                if k.passed.is_some() {
                    notes.push(format!("passes from {}", s.pass_score));
                }
                if !s.affects_verdict {
                    notes.push("does not change the verdict".to_string());
                }
            }
            if k.findings > 0 {
                notes.push(format!("{} finding{}", k.findings, if k.findings == 1 { "" } else { "s" }));
            }
            writeln!(out, "    {:<w$}  {score:>5}  {result}  {}", k.id, p.dim(&notes.join(" · ")))?;
        }
        Ok(())
    }

    /// Why the call failed, in the order the scorer decides.
    fn fail_reasons(&self) -> Vec<String> {
        let c = self.call;
        if c.verdict == Verdict::Pass {
            return Vec::new();
        }
        let affects = |criterion: &str| {
            self.rubric.criteria.iter().find(|(id, _)| id == criterion).is_none_or(|(_, s)| s.affects_verdict)
        };
        let mut out = Vec::new();
        let critical: Vec<String> = c
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Critical && affects(&f.criterion))
            .map(|f| format!("{} at turn {}", f.code, f.turn))
            .collect();
        if !critical.is_empty() {
            out.push(format!("auto-fail: critical {}", critical.join(", ")));
        }
        let failed: Vec<&str> =
            c.criteria.iter().filter(|k| k.passed == Some(false) && affects(&k.id)).map(|k| k.id.as_str()).collect();
        if !failed.is_empty() {
            out.push(format!("failed: {}", failed.join(", ")));
        }
        match c.score {
            Some(s) if s + 1e-9 < self.rubric.file.rubric.pass_score => {
                out.push(format!("score {s:.1} below {}", self.rubric.file.rubric.pass_score));
            }
            None => out.push("no criterion could be judged".to_string()),
            _ => {}
        }
        out
    }
}

/// A line of turn text as shown: tabs become spaces, other control characters are dropped (so
/// a transcript cannot smuggle escape sequences into the terminal).
fn clean(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c == '\t' {
                Some(' ')
            } else if c.is_control() {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

/// Characters `line` shown for span part `[a, b)`: the text (windowed with `...` when too wide),
/// the columns before the carets, and the number of carets (the span's columns).
fn window(line: &[char], a: usize, b: usize) -> (String, usize, usize) {
    let shown = |c: char| if c == '\t' { ' ' } else { c };
    let visible = |c: &char| !c.is_control() || *c == '\t';
    let cols = |cs: &[char]| cs.iter().filter(|c| visible(c)).map(|&c| char_width(shown(c))).sum::<usize>();
    let total = cols(line);
    let (mut ws, mut we) = (0, line.len());
    if total > MAX_COLUMNS {
        ws = a.saturating_sub(CONTEXT_BEFORE);
        // Extend to the right as far as the budget allows, keeping at least the span's start.
        let mut used = 0;
        we = ws;
        while we < line.len() {
            let w = if visible(&line[we]) { char_width(shown(line[we])) } else { 0 };
            if used + w > MAX_COLUMNS - 6 {
                break;
            }
            used += w;
            we += 1;
        }
        we = we.max(a.min(line.len()));
    }
    let prefix = if ws > 0 { "..." } else { "" };
    let suffix = if we < line.len() { "..." } else { "" };
    let text: String = line[ws..we].iter().filter(|c| visible(c)).map(|&c| shown(c)).collect();
    let pad = prefix.len() + cols(&line[ws..a.max(ws)]);
    let carets = if a == b { 1 } else { cols(&line[a.max(ws)..b.min(we).max(a.max(ws))]) };
    (format!("{prefix}{text}{suffix}"), pad, carets)
}

/// `mm:ss.s` (or `hh:mm:ss.s`) of a time in seconds.
fn clock_tenths(s: f64) -> String {
    let tenths = (s.max(0.0) * 10.0).round() as u64;
    let (t, frac) = (tenths / 10, tenths % 10);
    let (h, m, sec) = (t / 3600, t / 60 % 60, t % 60);
    if h > 0 { format!("{h:02}:{m:02}:{sec:02}.{frac}") } else { format!("{m:02}:{sec:02}.{frac}") }
}

/// Which of `step`'s cues came closest in `turns` (index, analyzed text), in words.
pub(crate) fn describe_closest_cue(
    rubric: &CompiledRubric,
    step: &crate::rubric::model::Step,
    turns: &[(usize, &crate::text::segment::Analyzed)],
) -> String {
    let c = &step.cues;
    let phrases: Vec<&str> = c
        .any
        .iter()
        .chain(&c.all)
        .chain(c.groups.iter().flatten())
        .flat_map(|p| match p.strip_prefix('@').and_then(|n| rubric.file.lexicons.get(n)) {
            Some(list) => list.iter().map(String::as_str).collect::<Vec<_>>(),
            None => vec![p.as_str()],
        })
        .collect();
    match closest_cue(&phrases, turns) {
        Some(c) => c.describe(),
        None if phrases.is_empty() => "no cue to compare (regex only)".into(),
        None => "no cue of it occurs, even in part".into(),
    }
}

/// The cue of a step that came closest to matching an agent turn.
#[derive(Debug, PartialEq)]
struct ClosestCue {
    cue: String,
    turn: usize,
    /// Characters of the cue (normalized) found in a row in the turn, and the cue's length.
    found: usize,
    len: usize,
    /// The part of the turn that holds them.
    text: String,
    /// When the whole cue is there: what stopped it (token boundaries, negation).
    why: Option<String>,
}

impl ClosestCue {
    fn describe(&self) -> String {
        let head = format!("closest cue: `{}` in turn {}", self.cue, self.turn);
        match &self.why {
            Some(why) => format!("{head}, where 「{}」 occurs but {why}", self.text),
            None => format!("{head} (「{}」, {} of its {} characters)", self.text, self.found, self.len),
        }
    }
}

/// The cue with the longest run of its characters in one turn (the whole cue first, the
/// earliest cue and turn on ties), or `None` when no character of any cue occurs.
fn closest_cue(phrases: &[&str], turns: &[(usize, &crate::text::segment::Analyzed)]) -> Option<ClosestCue> {
    let mut best: Option<ClosestCue> = None;
    for p in phrases {
        let cue: Vec<char> = crate::text::normalize::normalize(p).text.trim().chars().collect();
        if cue.is_empty() {
            continue;
        }
        for (index, a) in turns {
            let hay = &a.norm.chars;
            // Longest run of the cue's characters found in the turn (longest common substring).
            let mut run = (0, 0); // (length, start in the turn)
            for i in 0..cue.len() {
                for j in 0..hay.len() {
                    let mut k = 0;
                    while i + k < cue.len() && j + k < hay.len() && cue[i + k] == hay[j + k] {
                        k += 1;
                    }
                    if k > run.0 {
                        run = (k, j);
                    }
                }
            }
            if run.0 == 0 || best.as_ref().is_some_and(|b| b.found * cue.len() >= run.0 * b.len) {
                continue;
            }
            let (start, end) = (run.1, run.1 + run.0);
            let why = (run.0 == cue.len()).then(|| {
                if !(a.is_boundary(start) && a.is_boundary(end)) {
                    let toks: Vec<String> = a
                        .tokens
                        .iter()
                        .filter(|t| t.end > start && t.start < end)
                        .map(|t| a.slice(t.start, t.end))
                        .collect();
                    format!("not on token boundaries (jieba: {})", toks.join("/"))
                } else {
                    "negated, or vetoed by `none`".to_string()
                }
            });
            best = Some(ClosestCue {
                cue: p.to_string(),
                turn: *index,
                found: run.0,
                len: cue.len(),
                text: a.slice(start, end),
                why,
            });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, rubric::default_rubric};
    use std::path::Path;

    fn score(path: &str) -> (CallResult, Engine) {
        let engine = Engine::new(default_rubric().unwrap(), Default::default());
        let call = engine.score_path(Path::new(path)).remove(0).unwrap();
        (call, engine)
    }

    fn render(path: &str, color: bool) -> String {
        let (call, engine) = score(path);
        let mut buf = Vec::new();
        explain(&call, &engine.rubric, color, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn the_closest_cue_names_its_turn_and_what_stopped_it() {
        let an = crate::text::segment::Analyzer::new(&["帮您".to_string()]);
        let analyzed: Vec<(usize, crate::text::segment::Analyzed)> =
            [(0, "您好"), (2, "请问还有什么可以帮您"), (4, "已经办理好了")].map(|(i, t)| (i, an.analyze(t))).into();
        let turns: Vec<(usize, &crate::text::segment::Analyzed)> = analyzed.iter().map(|(i, a)| (*i, a)).collect();
        let c = closest_cue(&["可以帮", "办好了"], &turns).unwrap();
        assert_eq!(
            c.describe(),
            "closest cue: `可以帮` in turn 2, where 「可以帮」 occurs but not on token boundaries (jieba: 可以/帮您)"
        );
        let c = closest_cue(&["办好了"], &turns).unwrap();
        assert_eq!(c.describe(), "closest cue: `办好了` in turn 4 (「好了」, 2 of its 3 characters)");
        assert_eq!(closest_cue(&["谢谢"], &turns), None);
    }

    #[test]
    fn widths() {
        assert_eq!(char_width('a'), 1);
        assert_eq!(char_width('保'), 2);
        assert_eq!(char_width('，'), 2);
        assert_eq!(char_width('：'), 2);
        assert_eq!(char_width('Ａ'), 2);
        assert_eq!(char_width('😊'), 2);
        assert_eq!(char_width('\u{301}'), 0);
        assert_eq!(char_width('…'), 1);
        assert_eq!(str_width("30GB不限速"), 4 + 6);
    }

    #[test]
    fn carets_under_cjk() {
        let line: Vec<char> = "这个您放心，我保证您用了绝对不会后悔".chars().collect();
        let (text, pad, carets) = window(&line, 7, 9);
        assert_eq!(text, "这个您放心，我保证您用了绝对不会后悔");
        assert_eq!(pad, 14);
        assert_eq!(carets, 4);
        // Mixed scripts: ASCII is one column.
        let line: Vec<char> = "每月100GB流量".chars().collect();
        let (_, pad, carets) = window(&line, 2, 7);
        assert_eq!((pad, carets), (4, 5));
    }

    #[test]
    fn long_lines_are_windowed() {
        let s = format!("{}保证{}", "好".repeat(80), "的".repeat(80));
        let line: Vec<char> = s.chars().collect();
        let (text, pad, carets) = window(&line, 80, 82);
        assert!(text.starts_with("...") && text.ends_with("..."), "{text}");
        assert!(str_width(&text) <= MAX_COLUMNS, "{}", str_width(&text));
        assert_eq!(pad, 3 + 2 * CONTEXT_BEFORE);
        assert_eq!(carets, 4);
        let shown: Vec<char> = text.chars().collect();
        // The characters above the carets are the span's.
        assert_eq!(shown[3 + CONTEXT_BEFORE..3 + CONTEXT_BEFORE + 2].iter().collect::<String>(), "保证");
    }

    #[test]
    fn caret_column_matches_the_span_in_output() {
        let s = render("fixtures/dev/viol_op001_guarantee.txt", false);
        let lines: Vec<&str> = s.lines().collect();
        let i = lines.iter().position(|l| l.starts_with(" 6 | ")).expect("snippet line for turn 6");
        let text = &lines[i][5..];
        let carets = &lines[i + 1][5..];
        let col = carets.find('^').unwrap();
        let n = carets[col..].chars().take_while(|&c| c == '^').count();
        // The columns above the carets are exactly 保证 (2 characters × 2 columns).
        let mut acc = 0;
        let mut picked = String::new();
        for ch in text.chars() {
            if acc >= col && acc < col + n {
                picked.push(ch);
            }
            acc += char_width(ch);
        }
        assert_eq!(picked, "保证");
    }

    #[test]
    fn plain_has_no_escapes_and_color_has_them() {
        let plain = render("fixtures/dev/viol_op001_guarantee.txt", false);
        assert!(!plain.contains('\x1b'));
        assert!(plain.contains("error[OP001]: 绝对化承诺：「保证」"), "{plain}");
        assert!(plain.contains("rubrics/changjiang-plan-upsell.toml:"), "{plain}");
        assert!(plain.contains("rule absolute-guarantee"), "{plain}");
        assert!(plain.contains("step `probe` not covered; nearest: turn"), "{plain}");
        let color = render("fixtures/dev/viol_op001_guarantee.txt", true);
        assert!(color.contains("\x1b[1;31merror[OP001]\x1b[0m"), "{color}");
    }

    /// Rubric line numbers are replaced by `LINE` so that editing the rubric does not churn the
    /// snapshots; `rubric_lines_point_at_the_rule` checks the numbers themselves.
    fn without_lines(s: &str) -> String {
        regex::Regex::new(r"\.toml:\d+").unwrap().replace_all(s, ".toml:LINE").into_owned()
    }

    #[test]
    fn snapshot_failing_call() {
        insta::assert_snapshot!(without_lines(&render("fixtures/dev/viol_op001_guarantee.txt", false)));
    }

    #[test]
    fn snapshot_missing_steps_and_warning() {
        insta::assert_snapshot!(without_lines(&render("fixtures/dev/cutoff_no_closing.txt", false)));
    }

    #[test]
    fn rubric_lines_point_at_the_rule() {
        let re = regex::Regex::new(r"rubrics/changjiang-plan-upsell\.toml:(\d+) (?:rule|step) ([a-z_-]+)").unwrap();
        let rubric: Vec<&str> = crate::rubric::DEFAULT_RUBRIC.lines().collect();
        let mut seen = 0;
        for path in ["fixtures/dev/viol_op001_guarantee.txt", "fixtures/dev/cutoff_no_closing.txt"] {
            let out = render(path, false);
            for caps in re.captures_iter(&out) {
                let line: usize = caps[1].parse().unwrap();
                assert_eq!(rubric[line - 1], format!("id = \"{}\"", &caps[2]), "line {line}");
                seen += 1;
            }
        }
        assert!(seen >= 5, "{seen}");
    }

    #[test]
    fn findings_outside_the_call_do_not_panic() {
        let (mut call, engine) = score("fixtures/dev/viol_op001_guarantee.txt");
        call.findings[0].turn = 999;
        call.findings.push(Finding { span: [50, 9999], turn: 0, ..call.findings[0].clone() });
        call.turns[0].text.push_str("\n第二行\t\x1b[31m");
        let mut buf = Vec::new();
        explain(&call, &engine.rubric, false, &mut buf).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(s.contains("turn 999 (not in this call)"), "{s}");
        assert!(!s.contains('\x1b'));
    }
}
