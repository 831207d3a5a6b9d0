//! The registry of finding codes (`callqa rules`): every code a rubric can produce, with its
//! documentation, ruff-style.
//!
//! Two kinds of codes exist:
//!
//! - **built in**: produced by callqa's own logic whatever the rubric says — `SC001` (a step the
//!   reached end condition requires is missing) and `SC002` (steps out of script order). They are
//!   documented here, in [`BUILT_IN`].
//! - **rubric codes**: every `[[rules]]` entry of the rubric carries a `code`; its `summary`,
//!   `message`, `help`, severity, criterion, rule id and rubric line document it. Several rules
//!   may share one code.
//!
//! On top of that, `docs/rules.md` (embedded with `include_str!`, see [`RULES_DOC`]) holds the
//! long form for the default rubric's codes: what the code flags, why it matters, an example
//! violation and what to say instead. [`show`] prints the rubric's data followed by that section;
//! a unit test fails when a code the default rubric (or callqa itself) uses has no section.
//!
//! ```no_run
//! let rubric = callqa::rubric::default_rubric().unwrap();
//! let mut out = std::io::stdout();
//! callqa::codes::list(&rubric, &mut out).unwrap();
//! callqa::codes::show(&rubric, "OP001", &mut out).unwrap();
//! ```

use crate::eval::steps;
use crate::rubric::CompiledRubric;
use crate::rubric::model::Severity;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;
use std::io::{self, Write};

/// The long-form documentation of the default rubric's codes (`docs/rules.md`): one `## CODE`
/// section per code with the subsections *What it flags*, *Why it matters*, *Example* and
/// *Say instead*.
pub const RULES_DOC: &str = include_str!("../docs/rules.md");

/// A code produced by callqa's own logic rather than by a rubric rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuiltIn {
    /// The code (`SC001`).
    pub code: &'static str,
    /// The criterion its findings count against.
    pub criterion: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// One-line summary.
    pub summary: &'static str,
    /// The `rule` field its findings carry.
    pub rule: &'static str,
    /// The message its findings carry, as a template.
    pub message: &'static str,
    /// Where its findings' `help` comes from.
    pub help: &'static str,
}

/// The built-in codes, in output order.
pub const BUILT_IN: &[BuiltIn] = &[
    BuiltIn {
        code: steps::MISSING,
        criterion: "steps",
        severity: Severity::Major,
        summary: "A step the reached end condition requires is not covered.",
        rule: "steps.<step id>",
        message: "必需的话术步骤「{title}」({step}) 未覆盖；最接近的是第{turn}轮（相似度 {similarity}）",
        help: "the step's first model line",
    },
    BuiltIn {
        code: steps::OUT_OF_ORDER,
        criterion: "steps",
        severity: Severity::Minor,
        summary: "A step comes 2+ turns before a step the script puts first.",
        rule: "steps.order",
        message: "步骤「{step}」在第{turn}轮，早于话术中排在它前面的「{earlier}」（第{earlier_turn}轮）",
        help: "none",
    },
];

/// One rule (or built-in check) that produces a code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleInfo {
    /// Rule id (`absolute-guarantee`), or the built-in rule (`steps.order`).
    pub id: String,
    /// Rule type (`forbid`, `require`, `respond`, `claims`, `turn_length`, `repetition`), or
    /// `built-in`.
    pub kind: String,
    /// Criterion its findings count against.
    pub criterion: String,
    /// Severity of its findings.
    pub severity: Severity,
    /// The rule's `summary` (the built-in summary for built-in codes).
    pub summary: Option<String>,
    /// Message template.
    pub message: String,
    /// What a compliant line looks like.
    pub help: Option<String>,
    /// `path:line` of the rule in the rubric; `None` for built-in codes.
    pub location: Option<String>,
}

/// One code with everything known about it for a given rubric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeInfo {
    /// The code (`OP001`).
    pub code: String,
    /// Criterion of its (first) rule.
    pub criterion: String,
    /// Severity of its (first) rule; see [`CodeInfo::rules`] when rules sharing a code differ.
    pub severity: Severity,
    /// One-line summary: the first rule's `summary`, else its message template.
    pub summary: String,
    /// Whether callqa itself produces it (rather than a rubric rule).
    pub built_in: bool,
    /// The rules producing it, in rubric order.
    pub rules: Vec<RuleInfo>,
}

impl CodeInfo {
    /// The severities of its rules, distinct, most severe first, joined with `/`.
    pub fn severities(&self) -> String {
        let mut s: Vec<Severity> = self.rules.iter().map(|r| r.severity).collect();
        if s.is_empty() {
            s.push(self.severity);
        }
        s.sort();
        s.dedup();
        s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("/")
    }
}

/// A code neither the rubric, callqa nor `docs/rules.md` knows.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unknown finding code `{code}`{}; valid codes: {}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(), valid.join(", "))]
pub struct UnknownCode {
    /// The code asked for.
    pub code: String,
    /// The closest valid code, when one is close.
    pub suggestion: Option<String>,
    /// Every valid code: the rubric's, the built-in ones and the documented ones.
    pub valid: Vec<String>,
}

/// Why [`show`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ShowError {
    /// The code is unknown (the CLI exits 2).
    #[error(transparent)]
    Unknown(#[from] UnknownCode),
    /// Writing failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

fn kind_name<T: Serialize>(kind: &T) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "rule".to_string(),
    }
}

/// Position of a criterion in the rubric's output order (unknown criteria last).
fn criterion_rank(rubric: &CompiledRubric, criterion: &str) -> usize {
    rubric.criteria.iter().position(|(id, _)| id == criterion).unwrap_or(usize::MAX)
}

/// Every code the rubric can produce: the built-in codes, then the rubric's (rules of disabled
/// criteria do not run and are left out), ordered by criterion (the rubric's criterion order),
/// then code.
pub fn registry(rubric: &CompiledRubric) -> Vec<CodeInfo> {
    let mut out: Vec<CodeInfo> = BUILT_IN
        .iter()
        .map(|b| CodeInfo {
            code: b.code.to_string(),
            criterion: b.criterion.to_string(),
            severity: b.severity,
            summary: b.summary.to_string(),
            built_in: true,
            rules: vec![RuleInfo {
                id: b.rule.to_string(),
                kind: "built-in".to_string(),
                criterion: b.criterion.to_string(),
                severity: b.severity,
                summary: Some(b.summary.to_string()),
                message: b.message.to_string(),
                help: Some(b.help.to_string()),
                location: None,
            }],
        })
        .collect();
    for rule in &rubric.rules {
        let summary = rubric.file.rules.iter().find(|r| r.id.get_ref() == &rule.id).and_then(|r| r.summary.clone());
        let info = RuleInfo {
            id: rule.id.clone(),
            kind: kind_name(&rule.kind),
            criterion: rule.criterion.clone(),
            severity: rule.severity,
            summary: summary.clone(),
            message: rule.message.clone(),
            help: rule.help.clone(),
            location: Some(format!("{}:{}", rubric.path, rule.line)),
        };
        match out.iter_mut().find(|c| c.code == rule.code) {
            // Rules sharing a code (or reusing a built-in one) are listed together.
            Some(c) => c.rules.push(info),
            None => out.push(CodeInfo {
                code: rule.code.clone(),
                criterion: rule.criterion.clone(),
                severity: rule.severity,
                summary: summary.unwrap_or_else(|| rule.message.clone()),
                built_in: false,
                rules: vec![info],
            }),
        }
    }
    out.sort_by(|a, b| {
        (criterion_rank(rubric, &a.criterion), &a.code).cmp(&(criterion_rank(rubric, &b.criterion), &b.code))
    });
    out
}

/// The codes that have a section in `docs/rules.md`, in file order.
pub fn documented_codes() -> Vec<&'static str> {
    RULES_DOC.lines().filter_map(heading_code).collect()
}

/// The code a `## CODE …` heading documents.
fn heading_code(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("## ")?;
    let code = rest.split_whitespace().next()?;
    is_code(code).then_some(code)
}

/// `AB123` / `ABC123`: 2–3 capital letters and 3 digits.
fn is_code(s: &str) -> bool {
    let letters = s.chars().take_while(|c| c.is_ascii_uppercase()).count();
    (2..=3).contains(&letters) && s.len() == letters + 3 && s[letters..].chars().all(|c| c.is_ascii_digit())
}

/// The `docs/rules.md` section of `code`: from its `## CODE` heading (included) to the next
/// `## ` heading, trimmed. `None` when the code is not documented there.
pub fn doc_section(code: &str) -> Option<&'static str> {
    let mut start = None;
    let mut offset = 0;
    for line in RULES_DOC.split_inclusive('\n') {
        if line.starts_with("## ") {
            if let Some(s) = start {
                return Some(RULES_DOC[s..offset].trim());
            }
            if heading_code(line.trim_end()) == Some(code) {
                start = Some(offset);
            }
        }
        offset += line.len();
    }
    start.map(|s| RULES_DOC[s..].trim())
}

/// Writes the table of every code the rubric can produce (code, severity, criterion, summary),
/// in the order of [`registry`]. Built-in codes are marked `(built in)`.
pub fn list(rubric: &CompiledRubric, out: &mut dyn Write) -> io::Result<()> {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic).set_width(110);
    t.set_header(vec!["code", "severity", "criterion", "summary"]);
    for c in registry(rubric) {
        let summary = if c.built_in { format!("{} (built in)", c.summary) } else { c.summary.clone() };
        t.add_row(vec![c.code.clone(), c.severities(), c.criterion.clone(), summary]);
    }
    writeln!(out, "{t}")?;
    writeln!(out, "`callqa rules CODE` shows a code's rules, rubric lines and documentation.")
}

/// Looks a code up (case-insensitively) in the rubric's registry.
pub fn lookup(rubric: &CompiledRubric, code: &str) -> Result<CodeInfo, UnknownCode> {
    let wanted = code.trim().to_ascii_uppercase();
    registry(rubric).into_iter().find(|c| c.code == wanted).ok_or_else(|| unknown(rubric, code))
}

fn unknown(rubric: &CompiledRubric, code: &str) -> UnknownCode {
    let mut valid: Vec<String> = registry(rubric).into_iter().map(|c| c.code).collect();
    valid.extend(documented_codes().into_iter().map(str::to_string));
    valid.sort();
    valid.dedup();
    let wanted = code.trim().to_ascii_uppercase();
    let suggestion = valid
        .iter()
        .map(|v| (strsim::levenshtein(v, &wanted), v))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, v)| v.clone());
    UnknownCode { code: code.to_string(), suggestion, valid }
}

/// A penalty in points: "1 point", "0 points", "2.5 points".
fn points(p: f64) -> String {
    if p == 1.0 { "1 point".to_string() } else { format!("{p} points") }
}

fn severity_meaning(rubric: &CompiledRubric, r: &RuleInfo) -> String {
    let p = &rubric.penalties;
    let mut s = match r.severity {
        Severity::Major if r.kind == "built-in" && r.criterion == "steps" => {
            "fails the `steps` criterion (its score is the share of required steps covered)".to_string()
        }
        Severity::Critical => format!("costs {} and fails the call outright", points(p.critical)),
        Severity::Major => format!("costs {} of its criterion's 100", points(p.major)),
        Severity::Minor => format!("costs {} of its criterion's 100", points(p.minor)),
        Severity::Info => format!("reported; costs {}", points(p.info)),
    };
    let affects = rubric.criteria.iter().find(|(id, _)| *id == r.criterion).map(|(_, c)| c.affects_verdict);
    match affects {
        Some(false) => s.push_str(&format!("; `{}` never changes the verdict", r.criterion)),
        None => s.push_str(&format!("; criterion `{}` is not enabled in this rubric", r.criterion)),
        Some(true) => {}
    }
    s
}

/// Writes the full documentation of `code` (case-insensitive): its summary; for each rule that
/// produces it the criterion, severity (and what it costs), rule id and type, rubric line,
/// message template and help; then its `docs/rules.md` section. A code documented in
/// `docs/rules.md` that this rubric does not produce is shown with a note saying so.
///
/// Errors with [`ShowError::Unknown`] (listing the valid codes) for any other code.
pub fn show(rubric: &CompiledRubric, code: &str, out: &mut dyn Write) -> Result<(), ShowError> {
    let wanted = code.trim().to_ascii_uppercase();
    let info = registry(rubric).into_iter().find(|c| c.code == wanted);
    let doc = doc_section(&wanted);
    let Some(info) = info else {
        let Some(doc) = doc else { return Err(unknown(rubric, code).into()) };
        writeln!(
            out,
            "{wanted}: not produced by rubric `{}` ({}): none of its rules has this code.",
            rubric.file.rubric.id, rubric.path
        )?;
        writeln!(
            out,
            "The documentation below (docs/rules.md) describes it in the rubric that defines it; \
             pass that rubric with --rubric to see its rules.\n"
        )?;
        writeln!(out, "{doc}")?;
        return Ok(());
    };
    writeln!(out, "{} — {}", info.code, info.summary)?;
    for r in &info.rules {
        writeln!(out)?;
        match &r.location {
            Some(loc) => writeln!(out, "  rule       {} ({}) at {loc}", r.id, r.kind)?,
            None => writeln!(out, "  rule       {} (built in)", r.id)?,
        }
        writeln!(out, "  criterion  {}", r.criterion)?;
        writeln!(out, "  severity   {} — {}", r.severity.as_str(), severity_meaning(rubric, r))?;
        if let Some(s) = r.summary.as_deref().filter(|s| *s != info.summary) {
            writeln!(out, "  summary    {s}")?;
        }
        writeln!(out, "  message    {}", r.message)?;
        if let Some(h) = &r.help {
            writeln!(out, "  help       {h}")?;
        }
        // The rule's own examples (checked by `callqa rubric test`) document any rubric's codes.
        if let Some(rule) = rubric.file.rules.iter().find(|x| x.id.get_ref() == &r.id) {
            for (label, lines) in [("flags", &rule.examples.matches), ("passes", &rule.examples.no_match)] {
                for (i, line) in lines.iter().enumerate() {
                    let head = if i == 0 { label } else { "" };
                    writeln!(out, "  {head:<10} {}", line.get_ref().replace('\n', " / "))?;
                }
            }
        }
    }
    if info.built_in && info.code == steps::MISSING {
        writeln!(out, "\n  The steps of rubric `{}` ({}):", rubric.file.rubric.id, rubric.path)?;
        for s in &rubric.steps {
            writeln!(out, "    {:<16} {}:{}  {}", s.id, rubric.path, s.line, s.title)?;
        }
    }
    writeln!(out)?;
    match doc {
        Some(doc) => writeln!(out, "{doc}")?,
        None => writeln!(
            out,
            "(docs/rules.md has no section for {}; the rubric's summary, help and examples above document it.)",
            info.code
        )?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric::default_rubric;
    use regex::Regex;

    /// The codes issue #7 requires docs for, whether or not the rubric has them yet.
    const REQUIRED: &[&str] = &[
        "SC001", "SC002", "SY001", "SY002", "SY003", "SY004", "SY005", "SY006", "OP001", "OP002", "OP003", "OP004",
        "OP005", "PV001", "PV002", "PV003", "PV004", "EN001", "EN002", "EN003", "CS001", "CS002", "AN001", "AN002",
        "AN003", "AN004", "TM001", "TM002", "TM003", "TM004",
    ];

    fn render(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut buf = Vec::new();
        f(&mut buf);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn every_code_in_use_has_a_doc_section() {
        let rubric = default_rubric().unwrap();
        let missing: Vec<String> =
            registry(&rubric).into_iter().map(|c| c.code).filter(|c| doc_section(c).is_none()).collect();
        assert!(missing.is_empty(), "codes without a `## CODE` section in docs/rules.md: {missing:?}");
        let missing: Vec<&&str> = REQUIRED.iter().filter(|c| doc_section(c).is_none()).collect();
        assert!(missing.is_empty(), "codes without a section in docs/rules.md: {missing:?}");
    }

    #[test]
    fn every_doc_section_has_the_four_parts() {
        for code in documented_codes() {
            let doc = doc_section(code).unwrap();
            for part in ["### What it flags", "### Why it matters", "### Example", "### Say instead"] {
                assert!(doc.contains(part), "{code}: section lacks `{part}`");
            }
        }
        let codes = documented_codes();
        let mut dedup = codes.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(codes.len(), dedup.len(), "a code is documented twice");
    }

    /// The `Criterion `x` · severity `y`` line of each section matches what the default rubric
    /// (or callqa itself) says, so the docs do not drift from the rubric.
    #[test]
    fn doc_metadata_matches_the_default_rubric() {
        let rubric = default_rubric().unwrap();
        let meta = Regex::new(r"Criterion `([a-z_]+)` · severity `([a-z]+)`").unwrap();
        for c in registry(&rubric) {
            let doc = doc_section(&c.code).unwrap();
            let caps = meta.captures(doc).unwrap_or_else(|| panic!("{}: no `Criterion … · severity …` line", c.code));
            assert_eq!(&caps[1], c.criterion, "{}: criterion in docs/rules.md", c.code);
            assert_eq!(&caps[2], c.severities(), "{}: severity in docs/rules.md", c.code);
        }
    }

    #[test]
    fn doc_section_stops_at_the_next_code() {
        let s = doc_section("OP001").unwrap();
        assert!(s.starts_with("## OP001"));
        assert!(!s.contains("## OP002"));
        assert!(doc_section("ZZ999").is_none());
        assert!(is_code("OP001") && is_code("ABC123") && !is_code("OP01") && !is_code("op001"));
    }

    #[test]
    fn registry_orders_by_criterion_and_knows_rule_lines() {
        let rubric = default_rubric().unwrap();
        let reg = registry(&rubric);
        assert_eq!(reg[0].code, "SC001");
        assert_eq!(reg[1].code, "SC002");
        let op1 = reg.iter().find(|c| c.code == "OP001").unwrap();
        assert_eq!(op1.criterion, "overpromise");
        assert_eq!(op1.severity, Severity::Critical);
        assert_eq!(op1.rules[0].id, "absolute-guarantee");
        assert_eq!(op1.rules[0].kind, "forbid");
        let loc = op1.rules[0].location.as_deref().unwrap();
        let line: usize = loc.rsplit(':').next().unwrap().parse().unwrap();
        let text: Vec<&str> = crate::rubric::DEFAULT_RUBRIC.lines().collect();
        assert_eq!(text[line - 1], "id = \"absolute-guarantee\"", "the location points at the rule's id");
    }

    #[test]
    fn list_shows_every_code() {
        let rubric = default_rubric().unwrap();
        let s = render(|b| list(&rubric, b).unwrap());
        for c in registry(&rubric) {
            assert!(s.contains(&c.code), "{} missing from the list", c.code);
        }
        assert!(s.contains("critical") && s.contains("overpromise"));
    }

    #[test]
    fn show_prints_rubric_data_and_docs() {
        let rubric = default_rubric().unwrap();
        let s = render(|b| show(&rubric, "op001", b).unwrap());
        assert!(s.starts_with("OP001 — "), "{s}");
        assert!(s.contains("absolute-guarantee (forbid) at rubrics/changjiang-plan-upsell.toml:"), "{s}");
        assert!(s.contains("severity   critical"), "{s}");
        assert!(s.contains("### Why it matters"), "{s}");
        let s = render(|b| show(&rubric, "SC001", b).unwrap());
        assert!(s.contains("steps.<step id> (built in)") && s.contains("greeting"), "{s}");
    }

    #[test]
    fn show_documented_code_the_rubric_lacks() {
        let rubric = crate::rubric::from_str(
            "tests/data/broadband-renewal.toml",
            include_str!("../tests/data/broadband-renewal.toml"),
        )
        .unwrap();
        let s = render(|b| show(&rubric, "OP001", b).unwrap());
        assert!(s.contains("not produced by rubric `broadband-renewal`"), "{s}");
        let s = render(|b| show(&rubric, "BB001", b).unwrap());
        assert!(s.contains("docs/rules.md has no section for BB001"), "{s}");
    }

    #[test]
    fn unknown_code_lists_the_valid_ones() {
        let rubric = default_rubric().unwrap();
        let err = match show(&rubric, "OP01", &mut Vec::new()) {
            Err(ShowError::Unknown(e)) => e,
            other => panic!("{other:?}"),
        };
        assert_eq!(err.suggestion.as_deref(), Some("OP001"));
        assert!(err.valid.iter().any(|c| c == "SC001") && err.valid.iter().any(|c| c == "PV004"));
        let msg = err.to_string();
        assert!(msg.starts_with("unknown finding code `OP01` (did you mean `OP001`?); valid codes: "), "{msg}");
        let err = lookup(&rubric, "XYZ").unwrap_err();
        assert!(err.suggestion.is_none());
    }
}
