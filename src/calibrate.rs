//! `callqa calibrate`: how far callqa agrees with human QA labels.
//!
//! Read the reviewers' labels ([`load_labels`]), score the same calls, and [`compare`] the two:
//! the [`CalibrationReport`] holds, for the verdict, the end condition, every criterion and every
//! script step, the confusion matrix and accuracy, Cohen's kappa, precision, recall and F1; the
//! agreement on finding codes; and every disagreement with the command that explains the call.
//! Write it with [`write_table`], [`write_json`] or [`write_markdown`]; gate CI on it with
//! [`min_agreement_failures`].
//!
//! # Label formats
//!
//! **JSON** — exactly the fixtures' `*.expect.json` format (see `fixtures/LABELS.md`):
//! `{"calls": [{"call_id", "note"?, "steps"?, "end_condition"?, "criteria"?, "verdict"?,
//! "codes"?}]}`, or a bare array of those objects. A directory is read as every `*.expect.json`
//! file in it (not recursively). In `criteria`, `true` is pass, `false` fail and `null` N/A; a
//! key that is absent is *not labelled* and is left out of the comparison, like any absent field.
//! Unknown keys are errors.
//!
//! **CSV** (a `.csv` file, UTF-8 with or without BOM, header row required, column order free):
//!
//! | column | value |
//! |---|---|
//! | `call_id` | required: the call id as callqa reports it |
//! | `verdict` | `pass` / `fail` |
//! | `end_condition` | an end condition id (`contact_captured`, `declined`, …) |
//! | `steps` | the step ids the agent covered, separated by spaces, `\|` or commas; `-` or an empty cell = none |
//! | `codes` | expected major/critical codes, separated the same way; `-` or an empty cell = none |
//! | `note` | free text, ignored |
//! | any other column | a criterion id (`steps`, `style`, `overpromise`, `privacy`, `ending`, …): `pass` / `fail` / `na` |
//!
//! Values are case-insensitive; `true`/`yes` mean pass, `false`/`no` fail, `n/a`/`null` N/A. An
//! empty cell of `verdict`, `end_condition` or a criterion means *not labelled*; `?` in any cell
//! means not labelled (use it to leave `steps` or `codes` unlabelled for one call).
//!
//! ```text
//! call_id,verdict,end_condition,steps,style,overpromise,privacy,ending,codes,note
//! h07,fail,contact_captured,greeting purpose pitch contact_request closing,pass,fail,pass,pass,OP001,保证
//! h08,pass,declined,greeting|closing,pass,pass,na,pass,-,
//! h09,fail,?,?,pass,,,,SY004,only the verdict and style were reviewed
//! ```
//!
//! # How N/A is handled
//!
//! A criterion has three outcomes: `fail`, `pass` and `n/a` (nothing to judge). Accuracy and
//! kappa use the full 3×3 confusion matrix: callqa saying `n/a` where the reviewer says `pass` is
//! a disagreement, like any other. Precision, recall and F1 treat `fail` as the positive class and
//! both `pass` and `n/a` as negative: a failure callqa judged N/A is a missed failure (a false
//! negative), and N/A on both sides is a true negative.
//!
//! # Metrics
//!
//! Rows of a confusion matrix are the human label, columns callqa. With `n` compared calls:
//! accuracy = agreeing calls / `n`; Cohen's kappa = (p_o − p_e) / (1 − p_e), where p_o is the
//! accuracy and p_e = Σ_k (row_k / n)(column_k / n) the agreement expected by chance — it is
//! `null` when undefined (both sides used one and the same class throughout, p_e = 1);
//! precision = TP / (TP + FP), recall = TP / (TP + FN), F1 their harmonic mean — each `null` when
//! its denominator is 0 (F1 is 0 when precision and recall are both 0). The positive class is
//! `fail` for the verdict and criteria (a QA reviewer cares about catching failures) and
//! `covered` for steps. Values are rounded to 4 decimals.
//!
//! # Agreement (for `--min-agreement`)
//!
//! *Agreement* is the accuracy of the verdict, of the end condition and of each criterion that
//! at least one matched call has a label for (N/A counted as its own value). Per-step coverage
//! and codes are reported but not gated: the `steps` criterion already gates coverage.
//! [`min_agreement_failures`] lists every one below the bar, and fails when no labelled call
//! matched a result at all.

use crate::eval::result::{CallResult, Verdict};
use crate::rubric::CompiledRubric;
use crate::rubric::model::Severity;
use crate::transcript::Role;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Write};
use std::path::Path;

/// `schema` of the JSON report.
pub const SCHEMA: &str = "callqa/calibration/v1";

/// A human reviewer's label of one call. Every field but `call_id` may be absent: an absent
/// field is not labelled and is left out of the comparison.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// The call id as callqa reports it.
    pub call_id: String,
    /// What the call tests (ignored).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The step ids the agent covered.
    #[serde(default)]
    pub steps: Option<BTreeSet<String>>,
    /// The end condition reached.
    #[serde(default)]
    pub end_condition: Option<String>,
    /// Per criterion id: `Some(true)` pass, `Some(false)` fail, `None` N/A. Absent = not labelled.
    #[serde(default)]
    pub criteria: BTreeMap<String, Option<bool>>,
    /// pass / fail.
    #[serde(default)]
    pub verdict: Option<Verdict>,
    /// The major and critical codes expected (a set).
    #[serde(default)]
    pub codes: Option<BTreeSet<String>>,
    /// Which speaker label is the agent (and which the customer), for calls whose labels are
    /// generic: compared with the roles callqa decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<RoleLabel>,
    /// Where the label was read (`file` or `file:line`), for messages.
    #[serde(skip)]
    pub origin: String,
}

/// The reviewer's roles: `{"agent": "SPEAKER 2", "customer": "SPEAKER 1"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleLabel {
    /// The speaker label that is the agent.
    pub agent: String,
    /// The speaker label that is the customer, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
}

/// Agreement on who is the agent, over the calls whose labels say it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolesAgreement {
    /// Calls with labelled roles.
    pub n: u64,
    /// Calls where callqa's agent (and customer, when labelled) is the reviewer's.
    pub agree: u64,
    /// `agree / n`.
    pub accuracy: Option<f64>,
}

/// A label file that could not be read, with where and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct LabelError {
    /// `path`, `path:line` or `path:line:column`.
    pub location: String,
    /// What is wrong.
    pub message: String,
}

fn label_err(location: impl Into<String>, message: impl Into<String>) -> LabelError {
    LabelError { location: location.into(), message: message.into() }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelFile {
    calls: Vec<Label>,
}

/// Reads labels from a JSON file (`{"calls": [...]}` or a bare array), a CSV file (by the
/// `.csv` extension) or a directory of `*.expect.json` files (sorted by name). A call id labelled
/// twice is an error naming both places.
pub fn load_labels(path: &Path) -> Result<Vec<Label>, LabelError> {
    let shown = path.display().to_string();
    let mut files = Vec::new();
    if path.is_dir() {
        let entries =
            std::fs::read_dir(path).map_err(|e| label_err(&shown, format!("cannot read the directory: {e}")))?;
        for entry in entries {
            let p = entry.map_err(|e| label_err(&shown, format!("cannot read the directory: {e}")))?.path();
            if p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".expect.json")) {
                files.push(p);
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(label_err(&shown, "no *.expect.json label files in this directory"));
        }
    } else {
        files.push(path.to_path_buf());
    }
    let mut labels: Vec<Label> = Vec::new();
    for f in files {
        let name = f.display().to_string();
        let bytes = std::fs::read(&f).map_err(|e| label_err(&name, format!("cannot read: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            label_err(&name, format!("not UTF-8 (byte {}); save the labels as UTF-8", e.utf8_error().valid_up_to()))
        })?;
        let is_csv = f.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        let parsed = if is_csv { parse_csv(&name, &text)? } else { parse_json(&name, &text)? };
        labels.extend(parsed);
    }
    check_unique(&labels)?;
    Ok(labels)
}

fn check_unique(labels: &[Label]) -> Result<(), LabelError> {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for l in labels {
        if let Some(first) = seen.insert(&l.call_id, &l.origin) {
            return Err(label_err(&l.origin, format!("call `{}` is already labelled at {first}", l.call_id)));
        }
    }
    Ok(())
}

/// Parses JSON labels: `{"calls": [...]}` (the `*.expect.json` format) or a bare array of label
/// objects. `name` is used in messages and as each label's origin.
pub fn parse_json(name: &str, text: &str) -> Result<Vec<Label>, LabelError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let pos = |e: &serde_json::Error| {
        let msg = e.to_string();
        let msg = msg.rsplit_once(" at line ").map_or(msg.as_str(), |(m, _)| m).to_string();
        label_err(format!("{name}:{}:{}", e.line(), e.column()), msg)
    };
    let labels = match text.trim_start().chars().next() {
        Some('[') => serde_json::from_str::<Vec<Label>>(text).map_err(|e| pos(&e))?,
        Some('{') => serde_json::from_str::<LabelFile>(text).map_err(|e| pos(&e))?.calls,
        _ => return Err(label_err(name, "expected a JSON object {\"calls\": [...]} or an array of labels")),
    };
    let mut out = Vec::with_capacity(labels.len());
    for (i, mut l) in labels.into_iter().enumerate() {
        l.origin = format!("{name} (label {})", i + 1);
        if l.call_id.trim().is_empty() {
            return Err(label_err(&l.origin, "empty call_id"));
        }
        out.push(l);
    }
    Ok(out)
}

/// Parses CSV labels (see the module docs for the columns). `name` is used in messages.
///
/// ```
/// let csv = "call_id,verdict,end_condition,steps,style,privacy,codes\n\
///            c1,fail,declined,greeting|closing,pass,na,OP001\n\
///            c2,pass,contact_captured,greeting purpose pitch contact_request closing,pass,pass,\n";
/// let labels = callqa::calibrate::parse_csv("labels.csv", csv).unwrap();
/// assert_eq!(labels[0].criteria["privacy"], None);
/// assert_eq!(labels[1].codes.as_ref().map(|c| c.len()), Some(0));
/// ```
pub fn parse_csv(name: &str, text: &str) -> Result<Vec<Label>, LabelError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| label_err(format!("{name}:1"), format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let mut seen = BTreeSet::new();
    for h in &headers {
        if h.is_empty() {
            return Err(label_err(format!("{name}:1"), "empty column name in the header row"));
        }
        if !seen.insert(h.as_str()) {
            return Err(label_err(format!("{name}:1"), format!("column `{h}` appears twice")));
        }
    }
    let Some(id_col) = headers.iter().position(|h| h == "call_id") else {
        return Err(label_err(
            format!("{name}:1"),
            format!(
                "no `call_id` column; columns: {}; expected call_id, verdict, end_condition, steps, codes, note and one column per criterion",
                headers.join(", ")
            ),
        ));
    };
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(String::new(), |p| format!(":{}", p.line()));
            label_err(format!("{name}{line}"), e.to_string())
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        if rec.iter().all(|v| v.is_empty()) {
            continue;
        }
        let at = |col: usize| format!("{name}:{line}:{}", col + 1);
        let mut label = Label { origin: format!("{name}:{line}"), ..Label::default() };
        label.call_id = rec.get(id_col).unwrap_or("").to_string();
        if label.call_id.is_empty() {
            return Err(label_err(at(id_col), "empty call_id"));
        }
        for (col, (h, v)) in headers.iter().zip(rec.iter()).enumerate() {
            if col == id_col || v == "?" {
                continue;
            }
            let lower = v.to_ascii_lowercase();
            match h.as_str() {
                "note" => label.note = v.to_string(),
                "verdict" => {
                    label.verdict = match lower.as_str() {
                        "" => None,
                        "pass" => Some(Verdict::Pass),
                        "fail" => Some(Verdict::Fail),
                        _ => return Err(label_err(at(col), format!("verdict `{v}`: expected pass or fail"))),
                    }
                }
                "end_condition" => label.end_condition = (!v.is_empty()).then(|| lower.clone()),
                "steps" => label.steps = Some(id_list(v)),
                "codes" => label.codes = Some(id_list(v).into_iter().map(|c| c.to_ascii_uppercase()).collect()),
                criterion => {
                    let value = match lower.as_str() {
                        "" => continue,
                        "pass" | "true" | "yes" => Some(true),
                        "fail" | "false" | "no" => Some(false),
                        "na" | "n/a" | "null" => None,
                        _ => {
                            return Err(label_err(
                                at(col),
                                format!("criterion `{criterion}`: `{v}` is not pass, fail or na"),
                            ));
                        }
                    };
                    label.criteria.insert(criterion.to_string(), value);
                }
            }
        }
        out.push(label);
    }
    Ok(out)
}

/// Ids separated by spaces, `|` or commas; `-` alone means none.
fn id_list(v: &str) -> BTreeSet<String> {
    if v.trim() == "-" {
        return BTreeSet::new();
    }
    v.split(|c: char| c.is_whitespace() || c == '|' || c == ',').filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// A confusion matrix: rows are the human label, columns callqa's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Confusion {
    /// The classes, in row/column order.
    pub classes: Vec<String>,
    /// `matrix[human][callqa]` counts.
    pub matrix: Vec<Vec<u64>>,
}

impl Confusion {
    /// An empty matrix over `classes`.
    pub fn new<S: AsRef<str>>(classes: &[S]) -> Self {
        let classes: Vec<String> = classes.iter().map(|c| c.as_ref().to_string()).collect();
        let n = classes.len();
        Confusion { classes, matrix: vec![vec![0; n]; n] }
    }

    fn index(&mut self, class: &str) -> usize {
        if let Some(i) = self.classes.iter().position(|c| c == class) {
            return i;
        }
        self.classes.push(class.to_string());
        for row in &mut self.matrix {
            row.push(0);
        }
        self.matrix.push(vec![0; self.classes.len()]);
        self.classes.len() - 1
    }

    /// Counts one decision; an unknown class is appended.
    pub fn add(&mut self, human: &str, callqa: &str) {
        let (h, c) = (self.index(human), self.index(callqa));
        self.matrix[h][c] += 1;
    }

    /// Number of decisions.
    pub fn total(&self) -> u64 {
        self.matrix.iter().flatten().sum()
    }

    /// Decisions where both agree (the diagonal).
    pub fn agree(&self) -> u64 {
        (0..self.classes.len()).map(|i| self.matrix[i][i]).sum()
    }

    /// Share of agreeing decisions; `None` when empty.
    pub fn accuracy(&self) -> Option<f64> {
        let n = self.total();
        (n > 0).then(|| self.agree() as f64 / n as f64)
    }

    /// Cohen's kappa; `None` when empty or undefined (expected agreement 1).
    pub fn kappa(&self) -> Option<f64> {
        let n = self.total() as f64;
        if n == 0.0 {
            return None;
        }
        let k = self.classes.len();
        let po = self.agree() as f64 / n;
        let pe: f64 = (0..k)
            .map(|i| {
                let row: u64 = self.matrix[i].iter().sum();
                let col: u64 = self.matrix.iter().map(|r| r[i]).sum();
                (row as f64 / n) * (col as f64 / n)
            })
            .sum();
        (1.0 - pe > 1e-12).then(|| (po - pe) / (1.0 - pe))
    }

    /// True positives, false positives, false negatives and true negatives for `positive`
    /// (every other class is negative).
    pub fn binary(&self, positive: &str) -> [u64; 4] {
        let Some(p) = self.classes.iter().position(|c| c == positive) else {
            return [0, 0, 0, self.total()];
        };
        let tp = self.matrix[p][p];
        let fp: u64 = self.matrix.iter().map(|r| r[p]).sum::<u64>() - tp;
        let fn_: u64 = self.matrix[p].iter().sum::<u64>() - tp;
        [tp, fp, fn_, self.total() - tp - fp - fn_]
    }
}

/// Precision, recall and F1 from counts; `None` where a denominator is 0.
fn prf(tp: u64, fp: u64, fn_: u64) -> (Option<f64>, Option<f64>, Option<f64>) {
    let precision = (tp + fp > 0).then(|| tp as f64 / (tp + fp) as f64);
    let recall = (tp + fn_ > 0).then(|| tp as f64 / (tp + fn_) as f64);
    let f1 = match (precision, recall) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
        (Some(_), Some(_)) => Some(0.0),
        _ => None,
    };
    (precision, recall, f1)
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Agreement metrics of one decision (verdict, end condition, a criterion, a step).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// Calls compared (labelled by the reviewer and judged by callqa).
    pub n: u64,
    /// Calls where both agree.
    pub agree: u64,
    /// `agree / n`.
    pub accuracy: Option<f64>,
    /// Cohen's kappa over the whole confusion matrix.
    pub kappa: Option<f64>,
    /// The positive class of precision/recall/F1 (`fail`, `covered`); `None` for the end
    /// condition, which has none.
    pub positive: Option<String>,
    /// TP / (TP + FP).
    pub precision: Option<f64>,
    /// TP / (TP + FN).
    pub recall: Option<f64>,
    /// Harmonic mean of precision and recall.
    pub f1: Option<f64>,
    /// The confusion matrix (rows human, columns callqa).
    pub confusion: Confusion,
}

impl Metrics {
    /// Computes the metrics of a confusion matrix, with `positive` as the positive class.
    pub fn from_confusion(confusion: Confusion, positive: Option<&str>) -> Self {
        let (precision, recall, f1) = match positive {
            Some(p) => {
                let [tp, fp, fn_, _] = confusion.binary(p);
                prf(tp, fp, fn_)
            }
            None => (None, None, None),
        };
        Metrics {
            n: confusion.total(),
            agree: confusion.agree(),
            accuracy: confusion.accuracy().map(round4),
            kappa: confusion.kappa().map(round4),
            positive: positive.map(str::to_string),
            precision: precision.map(round4),
            recall: recall.map(round4),
            f1: f1.map(round4),
            confusion,
        }
    }
}

/// Metrics of one criterion or step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedMetrics {
    /// Criterion or step id.
    pub id: String,
    /// Its metrics.
    #[serde(flatten)]
    pub metrics: Metrics,
}

/// Agreement on one finding code (present in a call or not).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeMetrics {
    /// The code.
    pub code: String,
    /// Calls where both have it.
    pub tp: u64,
    /// Calls where only callqa has it.
    pub fp: u64,
    /// Calls where only the reviewer has it.
    #[serde(rename = "fn")]
    pub fn_: u64,
    /// TP / (TP + FP).
    pub precision: Option<f64>,
    /// TP / (TP + FN).
    pub recall: Option<f64>,
    /// Harmonic mean.
    pub f1: Option<f64>,
}

/// Agreement on the set of major and critical codes per call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodesAgreement {
    /// Calls with labelled codes.
    pub n: u64,
    /// Calls where callqa's set of major/critical codes is exactly the reviewer's.
    pub exact: u64,
    /// `exact / n`.
    pub exact_rate: Option<f64>,
    /// Per code, sorted.
    pub per_code: Vec<CodeMetrics>,
}

/// One thing the reviewer and callqa see differently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// `verdict`, `end_condition`, `criterion <id>`, `step <id>` or `code <CODE>`.
    pub what: String,
    /// The reviewer's value.
    pub human: String,
    /// callqa's value.
    pub callqa: String,
}

/// Every difference of one call, with the command that explains it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disagreement {
    /// Call id.
    pub call_id: String,
    /// Where the call was read.
    pub source: String,
    /// What differs.
    pub differences: Vec<Difference>,
    /// `callqa explain SOURCE --call ID` (with `--rubric` when not the default rubric).
    pub command: String,
}

/// The rubric the calls were scored with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RubricRef {
    /// Rubric id.
    pub id: String,
    /// Rubric version.
    pub version: String,
    /// Where it was loaded from.
    pub path: String,
}

/// Which calls were compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallCounts {
    /// Labels read.
    pub labelled: u64,
    /// Calls scored.
    pub scored: u64,
    /// Labels with a scored call of the same id.
    pub matched: u64,
    /// Labelled call ids with no scored call (wrong inputs, or the call could not be read).
    pub unscored: Vec<String>,
    /// Scored call ids without a label.
    pub unlabelled: Vec<String>,
}

/// Agreement of callqa with human QA labels over a set of calls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationReport {
    /// [`SCHEMA`].
    pub schema: String,
    /// The rubric.
    pub rubric: RubricRef,
    /// Which calls were compared.
    pub calls: CallCounts,
    /// pass/fail; positive class `fail`.
    pub verdict: Metrics,
    /// The end condition (no positive class).
    pub end_condition: Metrics,
    /// Per criterion (3 classes: fail, pass, n/a; positive `fail`), in the rubric's order, then
    /// labelled criteria the rubric lacks.
    pub criteria: Vec<NamedMetrics>,
    /// Per script step (covered / not covered; positive `covered`), in script order.
    pub steps: Vec<NamedMetrics>,
    /// Every step decision of every call pooled (micro-average).
    pub steps_overall: Metrics,
    /// Major and critical codes.
    pub codes: CodesAgreement,
    /// Who is the agent, when the labels say it (`roles`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<RolesAgreement>,
    /// Calls where the reviewer and callqa differ, in label order.
    pub disagreements: Vec<Disagreement>,
    /// Things that make the comparison partial (unknown step ids, criteria callqa did not judge).
    pub warnings: Vec<String>,
}

const FAIL: &str = "fail";
const PASS: &str = "pass";
const NA: &str = "n/a";
const COVERED: &str = "covered";
const NOT_COVERED: &str = "not covered";

fn outcome(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => PASS,
        Some(false) => FAIL,
        None => NA,
    }
}

/// Quotes a command-line argument for a POSIX shell when it needs it.
fn shell_quote(s: &str) -> String {
    let safe = !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || "-_./:=@%+,".contains(c));
    if safe { s.to_string() } else { format!("'{}'", s.replace('\'', "'\\''")) }
}

/// The file part of a call source (`calls.jsonl:3` → `calls.jsonl`).
fn file_of(source: &str) -> &str {
    match source.rsplit_once(':') {
        Some((path, line)) if !path.is_empty() && !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) => path,
        _ => source,
    }
}

/// The command that explains one call: `callqa explain FILE --call ID`, plus `--rubric PATH`
/// when the rubric is not the embedded default.
pub fn explain_command(rubric: &CompiledRubric, call: &CallResult) -> String {
    let file = file_of(&call.source);
    let mut cmd = format!("callqa explain {} --call {}", shell_quote(file), shell_quote(&call.call_id));
    if rubric.path != crate::rubric::DEFAULT_RUBRIC_PATH {
        cmd.push_str(&format!(" --rubric {}", shell_quote(&rubric.path)));
    }
    cmd
}

/// Compares callqa's results with the reviewers' labels, matched by call id (the first result of
/// an id counts). `rubric` is the rubric the calls were scored with (class order, step order,
/// the explain command).
pub fn compare(labels: &[Label], calls: &[CallResult], rubric: &CompiledRubric) -> CalibrationReport {
    let mut by_id: HashMap<&str, &CallResult> = HashMap::new();
    for c in calls {
        by_id.entry(c.call_id.as_str()).or_insert(c);
    }
    let labelled_ids: BTreeSet<&str> = labels.iter().map(|l| l.call_id.as_str()).collect();
    let mut warnings = Vec::new();

    let mut verdict = Confusion::new(&[FAIL, PASS]);
    let end_classes: Vec<&str> = rubric.ends.iter().map(|e| e.id.as_str()).collect();
    let mut end = Confusion::new(&end_classes);
    let mut criteria: BTreeMap<String, Confusion> = BTreeMap::new();
    let mut not_judged: BTreeMap<String, u64> = BTreeMap::new();
    let mut steps: BTreeMap<String, Confusion> = BTreeMap::new();
    let mut steps_overall = Confusion::new(&[COVERED, NOT_COVERED]);
    let mut unknown_steps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut code_counts: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    let (mut codes_n, mut codes_exact) = (0u64, 0u64);
    let mut disagreements = Vec::new();
    let mut unscored = Vec::new();
    let mut matched = 0u64;
    let (mut roles_n, mut roles_agree) = (0u64, 0u64);

    for label in labels {
        let Some(call) = by_id.get(label.call_id.as_str()).copied() else {
            unscored.push(label.call_id.clone());
            continue;
        };
        matched += 1;
        let mut diffs = Vec::new();
        let mut differ = |what: String, human: String, callqa: String| diffs.push(Difference { what, human, callqa });

        if let Some(v) = label.verdict {
            verdict.add(v.as_str(), call.verdict.as_str());
            if v != call.verdict {
                differ("verdict".into(), v.as_str().into(), call.verdict.as_str().into());
            }
        }
        if let Some(want) = &label.roles {
            roles_n += 1;
            let agents: Vec<&str> =
                call.roles.iter().filter(|r| r.role == Role::Agent).map(|r| r.speaker.as_str()).collect();
            let customer_ok = want
                .customer
                .as_ref()
                .is_none_or(|c| call.roles.iter().any(|r| &r.speaker == c && r.role == Role::Customer));
            if agents == [want.agent.as_str()] && customer_ok {
                roles_agree += 1;
            } else {
                differ("roles".into(), format!("agent {}", want.agent), format!("agent {}", agents.join(", ")));
            }
        }
        if let Some(e) = &label.end_condition {
            end.add(e, &call.end_condition);
            if e != &call.end_condition {
                differ("end_condition".into(), e.clone(), call.end_condition.clone());
            }
        }
        for (id, want) in &label.criteria {
            let Some(got) = call.criteria.iter().find(|c| &c.id == id) else {
                *not_judged.entry(id.clone()).or_default() += 1;
                continue;
            };
            let (h, c) = (outcome(*want), outcome(got.passed));
            criteria.entry(id.clone()).or_insert_with(|| Confusion::new(&[FAIL, PASS, NA])).add(h, c);
            if h != c {
                differ(format!("criterion {id}"), h.into(), c.into());
            }
        }
        if let Some(want) = &label.steps {
            for s in want {
                if !call.steps.iter().any(|r| &r.id == s) {
                    unknown_steps.entry(s.clone()).or_default().insert(label.call_id.clone());
                }
            }
            for s in &call.steps {
                let h = if want.contains(&s.id) { COVERED } else { NOT_COVERED };
                let c = if s.covered { COVERED } else { NOT_COVERED };
                steps.entry(s.id.clone()).or_insert_with(|| Confusion::new(&[COVERED, NOT_COVERED])).add(h, c);
                steps_overall.add(h, c);
                if h != c {
                    let got = match (s.turn, s.nearest_turn) {
                        (Some(t), _) => format!("covered at turn {t}"),
                        (None, Some(t)) => format!("not covered (nearest turn {t}, similarity {:.2})", s.confidence),
                        (None, None) => NOT_COVERED.to_string(),
                    };
                    differ(format!("step {}", s.id), h.into(), got);
                }
            }
        }
        if let Some(want) = &label.codes {
            codes_n += 1;
            let got: BTreeMap<&str, usize> = call
                .findings
                .iter()
                .filter(|f| matches!(f.severity, Severity::Major | Severity::Critical))
                .fold(BTreeMap::new(), |mut m, f| {
                    m.entry(f.code.as_str()).or_insert(f.turn);
                    m
                });
            let got_set: BTreeSet<&str> = got.keys().copied().collect();
            let want_set: BTreeSet<&str> = want.iter().map(String::as_str).collect();
            if got_set == want_set {
                codes_exact += 1;
            }
            for code in want_set.union(&got_set) {
                let counts = code_counts.entry(code.to_string()).or_default();
                match (want_set.contains(code), got.get(code)) {
                    (true, Some(_)) => counts[0] += 1,
                    (false, Some(t)) => {
                        counts[1] += 1;
                        differ(format!("code {code}"), "absent".into(), format!("present (turn {t})"));
                    }
                    (true, None) => {
                        counts[2] += 1;
                        differ(format!("code {code}"), "present".into(), "absent".into());
                    }
                    (false, None) => {}
                }
            }
        }
        if !diffs.is_empty() {
            disagreements.push(Disagreement {
                call_id: call.call_id.clone(),
                source: call.source.clone(),
                differences: diffs,
                command: explain_command(rubric, call),
            });
        }
    }

    for (id, n) in &not_judged {
        warnings.push(format!(
            "criterion `{id}` is labelled for {n} call(s) but callqa did not judge it (not enabled in rubric `{}` or no rules); left out",
            rubric.file.rubric.id
        ));
    }
    for (id, calls) in &unknown_steps {
        let list: Vec<&str> = calls.iter().map(String::as_str).collect();
        warnings.push(format!(
            "step `{id}` (labelled in {}) is not a step of rubric `{}`; left out",
            list.join(", "),
            rubric.file.rubric.id
        ));
    }
    let known_ends: BTreeSet<&str> = end_classes.iter().copied().collect();
    for l in labels {
        if let Some(e) = &l.end_condition
            && !known_ends.contains(e.as_str())
        {
            warnings
                .push(format!("{}: end condition `{e}` is not one of rubric `{}`'s", l.origin, rubric.file.rubric.id));
        }
    }

    let rank = |id: &str| rubric.criteria.iter().position(|(c, _)| c == id).unwrap_or(usize::MAX);
    let mut criteria: Vec<NamedMetrics> = criteria
        .into_iter()
        .map(|(id, c)| NamedMetrics { id, metrics: Metrics::from_confusion(c, Some(FAIL)) })
        .collect();
    criteria.sort_by(|a, b| (rank(&a.id), &a.id).cmp(&(rank(&b.id), &b.id)));
    let step_rank = |id: &str| rubric.steps.iter().position(|s| s.id == id).unwrap_or(usize::MAX);
    let mut steps: Vec<NamedMetrics> = steps
        .into_iter()
        .map(|(id, c)| NamedMetrics { id, metrics: Metrics::from_confusion(c, Some(COVERED)) })
        .collect();
    steps.sort_by(|a, b| (step_rank(&a.id), &a.id).cmp(&(step_rank(&b.id), &b.id)));

    let per_code = code_counts
        .into_iter()
        .map(|(code, [tp, fp, fn_])| {
            let (precision, recall, f1) = prf(tp, fp, fn_);
            CodeMetrics {
                code,
                tp,
                fp,
                fn_,
                precision: precision.map(round4),
                recall: recall.map(round4),
                f1: f1.map(round4),
            }
        })
        .collect();
    let mut unlabelled: Vec<String> =
        calls.iter().filter(|c| !labelled_ids.contains(c.call_id.as_str())).map(|c| c.call_id.clone()).collect();
    unlabelled.dedup();

    CalibrationReport {
        schema: SCHEMA.to_string(),
        rubric: RubricRef {
            id: rubric.file.rubric.id.clone(),
            version: rubric.file.rubric.version.clone(),
            path: rubric.path.clone(),
        },
        calls: CallCounts { labelled: labels.len() as u64, scored: calls.len() as u64, matched, unscored, unlabelled },
        verdict: Metrics::from_confusion(verdict, Some(FAIL)),
        end_condition: Metrics::from_confusion(end, None),
        criteria,
        steps,
        steps_overall: Metrics::from_confusion(steps_overall, Some(COVERED)),
        codes: CodesAgreement {
            n: codes_n,
            exact: codes_exact,
            exact_rate: (codes_n > 0).then(|| round4(codes_exact as f64 / codes_n as f64)),
            per_code,
        },
        roles: (roles_n > 0).then(|| RolesAgreement {
            n: roles_n,
            agree: roles_agree,
            accuracy: Some(round4(roles_agree as f64 / roles_n as f64)),
        }),
        disagreements,
        warnings,
    }
}

/// Every agreement below `min` (0–1), one message each: the verdict, the end condition and each
/// labelled criterion, by accuracy (N/A counted as its own value). Also fails when no labelled
/// call matched a scored call. Empty = the check passed.
pub fn min_agreement_failures(report: &CalibrationReport, min: f64) -> Vec<String> {
    let mut out = Vec::new();
    if report.calls.matched == 0 {
        out.push(format!(
            "no labelled call matched a scored call ({} labels, {} calls): check the label ids and inputs",
            report.calls.labelled, report.calls.scored
        ));
        return out;
    }
    let mut check = |what: String, m: &Metrics| {
        if let Some(a) = m.accuracy
            && a + 1e-9 < min
        {
            out.push(format!("{what}: agreement {a:.3} ({}/{}) is below {min:.3}", m.agree, m.n));
        }
    };
    check("verdict".into(), &report.verdict);
    check("end condition".into(), &report.end_condition);
    for c in &report.criteria {
        check(format!("criterion {}", c.id), &c.metrics);
    }
    if let Some(r) = &report.roles
        && let Some(a) = r.accuracy
        && a + 1e-9 < min
    {
        out.push(format!("roles: agreement {a:.3} ({}/{}) is below {min:.3}", r.agree, r.n));
    }
    out
}

fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_string(), |v| format!("{v:.3}"))
}

fn table() -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic).set_width(110);
    t
}

const METRIC_HEADER: [&str; 8] = ["", "n", "agree", "accuracy", "kappa", "precision", "recall", "F1"];

fn metric_row(what: String, m: &Metrics) -> Vec<String> {
    vec![
        what,
        m.n.to_string(),
        m.agree.to_string(),
        num(m.accuracy),
        num(m.kappa),
        num(m.precision),
        num(m.recall),
        num(m.f1),
    ]
}

/// The rows of the overview: verdict, end condition, criteria, all steps, codes.
fn overview_rows(r: &CalibrationReport) -> Vec<Vec<String>> {
    let mut rows = vec![
        metric_row("verdict (positive: fail)".into(), &r.verdict),
        metric_row("end condition".into(), &r.end_condition),
    ];
    for c in &r.criteria {
        rows.push(metric_row(format!("criterion {}", c.id), &c.metrics));
    }
    rows.push(metric_row("steps, all (positive: covered)".into(), &r.steps_overall));
    if let Some(roles) = &r.roles {
        let none = || "–".to_string();
        rows.push(vec![
            "roles (who is the agent)".into(),
            roles.n.to_string(),
            roles.agree.to_string(),
            num(roles.accuracy),
            none(),
            none(),
            none(),
            none(),
        ]);
    }
    rows.push(vec![
        "codes, exact set".into(),
        r.codes.n.to_string(),
        r.codes.exact.to_string(),
        num(r.codes.exact_rate),
        "–".into(),
        "–".into(),
        "–".into(),
        "–".into(),
    ]);
    rows
}

fn headline(r: &CalibrationReport) -> String {
    format!(
        "calibration against human labels · rubric {} v{} · {} labelled, {} scored, {} compared",
        r.rubric.id, r.rubric.version, r.calls.labelled, r.calls.scored, r.calls.matched
    )
}

fn confusion_rows(c: &Confusion) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec!["human ↓ / callqa →".to_string()];
    header.extend(c.classes.iter().cloned());
    let rows = c
        .classes
        .iter()
        .zip(&c.matrix)
        .map(|(class, row)| {
            let mut r = vec![class.clone()];
            r.extend(row.iter().map(u64::to_string));
            r
        })
        .collect();
    (header, rows)
}

fn confusions(r: &CalibrationReport) -> Vec<(String, &Confusion)> {
    let mut v =
        vec![("verdict".to_string(), &r.verdict.confusion), ("end condition".to_string(), &r.end_condition.confusion)];
    for c in &r.criteria {
        v.push((format!("criterion {}", c.id), &c.metrics.confusion));
    }
    v
}

/// Writes the report for a terminal: the overview table, per-step and per-code tables, the
/// confusion matrices, then every disagreement with its explain command, and the warnings.
pub fn write_table(report: &CalibrationReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", headline(report))?;
    let mut t = table();
    t.set_header(METRIC_HEADER.to_vec());
    for row in overview_rows(report) {
        t.add_row(row);
    }
    writeln!(out, "{t}")?;
    if !report.steps.is_empty() {
        let mut t = table();
        let mut h = METRIC_HEADER.to_vec();
        h[0] = "step (positive: covered)";
        t.set_header(h);
        for s in &report.steps {
            t.add_row(metric_row(s.id.clone(), &s.metrics));
        }
        writeln!(out, "{t}")?;
    }
    if !report.codes.per_code.is_empty() {
        let mut t = table();
        t.set_header(vec!["code", "both", "callqa only", "human only", "precision", "recall", "F1"]);
        for c in &report.codes.per_code {
            t.add_row(vec![
                c.code.clone(),
                c.tp.to_string(),
                c.fp.to_string(),
                c.fn_.to_string(),
                num(c.precision),
                num(c.recall),
                num(c.f1),
            ]);
        }
        writeln!(out, "{t}")?;
    }
    for (name, c) in confusions(report) {
        if c.total() == 0 {
            continue;
        }
        writeln!(out, "{name}")?;
        let (header, rows) = confusion_rows(c);
        let mut t = table();
        t.set_header(header);
        for r in rows {
            t.add_row(r);
        }
        writeln!(out, "{t}")?;
    }
    if report.disagreements.is_empty() {
        writeln!(out, "no disagreements")?;
    } else {
        writeln!(
            out,
            "disagreements ({})",
            crate::report::wording::count(report.disagreements.len(), "call", "calls")
        )?;
        for d in &report.disagreements {
            writeln!(out, "{} ({})", d.call_id, d.source)?;
            for x in &d.differences {
                writeln!(out, "  {}: human {}, callqa {}", x.what, x.human, x.callqa)?;
            }
            writeln!(out, "  → {}", d.command)?;
        }
    }
    write_tail(report, out, "")
}

fn write_tail(report: &CalibrationReport, out: &mut dyn Write, bullet: &str) -> io::Result<()> {
    if !report.calls.unscored.is_empty() {
        writeln!(out, "{bullet}labelled but not scored: {}", report.calls.unscored.join(", "))?;
    }
    if !report.calls.unlabelled.is_empty() {
        writeln!(out, "{bullet}scored but not labelled: {}", report.calls.unlabelled.join(", "))?;
    }
    for w in &report.warnings {
        writeln!(out, "{bullet}warning: {w}")?;
    }
    Ok(())
}

/// Writes the report as pretty JSON (`schema: "callqa/calibration/v1"`, the fields of
/// [`CalibrationReport`]; unknown metrics are `null`), followed by a newline.
pub fn write_json(report: &CalibrationReport, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

fn md_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|").replace('\n', " ")
}

fn md_table(out: &mut dyn Write, header: &[String], rows: &[Vec<String>]) -> io::Result<()> {
    let esc: Vec<String> = header.iter().map(|h| md_escape(h)).collect();
    writeln!(out, "| {} |", esc.join(" | "))?;
    writeln!(out, "|{}", "---|".repeat(header.len()))?;
    for r in rows {
        let esc: Vec<String> = r.iter().map(|c| md_escape(c)).collect();
        writeln!(out, "| {} |", esc.join(" | "))?;
    }
    writeln!(out)
}

/// Writes the report as Markdown (for a PR comment or a CI summary): the same sections as
/// [`write_table`], with the explain commands in code spans.
pub fn write_markdown(report: &CalibrationReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# Calibration against human labels\n")?;
    writeln!(
        out,
        "Rubric `{}` v{} · {} labelled, {} scored, {} compared. Rows of a confusion matrix are the human label, columns callqa.\n",
        report.rubric.id, report.rubric.version, report.calls.labelled, report.calls.scored, report.calls.matched
    )?;
    let header: Vec<String> = METRIC_HEADER.iter().map(|s| s.to_string()).collect();
    md_table(out, &header, &overview_rows(report))?;
    if !report.steps.is_empty() {
        writeln!(out, "## Steps\n")?;
        let mut h = header.clone();
        h[0] = "step (positive: covered)".into();
        let rows: Vec<Vec<String>> =
            report.steps.iter().map(|s| metric_row(format!("`{}`", s.id), &s.metrics)).collect();
        md_table(out, &h, &rows)?;
    }
    if !report.codes.per_code.is_empty() {
        writeln!(out, "## Codes (major and critical)\n")?;
        let h: Vec<String> = ["code", "both", "callqa only", "human only", "precision", "recall", "F1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let rows: Vec<Vec<String>> = report
            .codes
            .per_code
            .iter()
            .map(|c| {
                vec![
                    format!("`{}`", c.code),
                    c.tp.to_string(),
                    c.fp.to_string(),
                    c.fn_.to_string(),
                    num(c.precision),
                    num(c.recall),
                    num(c.f1),
                ]
            })
            .collect();
        md_table(out, &h, &rows)?;
    }
    writeln!(out, "## Confusion matrices\n")?;
    for (name, c) in confusions(report) {
        if c.total() == 0 {
            continue;
        }
        writeln!(out, "**{name}**\n")?;
        let (h, rows) = confusion_rows(c);
        md_table(out, &h, &rows)?;
    }
    writeln!(out, "## Disagreements\n")?;
    if report.disagreements.is_empty() {
        writeln!(out, "None.\n")?;
    }
    for d in &report.disagreements {
        writeln!(out, "- **{}** ({})", md_escape(&d.call_id), md_escape(&d.source))?;
        for x in &d.differences {
            writeln!(
                out,
                "  - {}: human {}, callqa {}",
                md_escape(&x.what),
                md_escape(&x.human),
                md_escape(&x.callqa)
            )?;
        }
        writeln!(out, "  - `{}`", d.command.replace('`', "'"))?;
    }
    if !report.disagreements.is_empty() {
        writeln!(out)?;
    }
    write_tail(report, out, "- ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, rubric::default_rubric};

    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("defined");
        assert!((a - b).abs() < 1e-4, "{a} != {b}");
    }

    fn matrix(classes: &[&str], m: &[&[u64]]) -> Confusion {
        let mut c = Confusion::new(classes);
        c.matrix = m.iter().map(|r| r.to_vec()).collect();
        c
    }

    #[test]
    fn kappa_two_by_two() {
        // rows human [fail, pass]: p_o = 35/50 = 0.7, p_e = (25·30 + 25·20)/50² = 0.5, κ = 0.4.
        let m = Metrics::from_confusion(matrix(&["fail", "pass"], &[&[20, 5], &[10, 15]]), Some("fail"));
        assert_eq!((m.n, m.agree), (50, 35));
        close(m.accuracy, 0.7);
        close(m.kappa, 0.4);
        close(m.precision, 20.0 / 30.0);
        close(m.recall, 0.8);
        close(m.f1, 2.0 * (2.0 / 3.0) * 0.8 / (2.0 / 3.0 + 0.8));
    }

    #[test]
    fn kappa_three_by_three_with_na() {
        // rows human [fail, pass, n/a]; p_o = 33/40 = 0.825; rows 13, 23, 4; columns 13, 23, 4;
        // p_e = (13² + 23² + 4²)/40² = 714/1600 = 0.44625; κ = 0.37875/0.55375 = 0.683973.
        let c = matrix(&["fail", "pass", "n/a"], &[&[10, 2, 1], &[3, 20, 0], &[0, 1, 3]]);
        assert_eq!(c.binary("fail"), [10, 3, 3, 24]);
        let m = Metrics::from_confusion(c, Some("fail"));
        close(m.accuracy, 0.825);
        close(m.kappa, 0.683973);
        // fail is positive; pass and n/a are negative: TP 10, FP 3, FN 3.
        close(m.precision, 10.0 / 13.0);
        close(m.recall, 10.0 / 13.0);
    }

    #[test]
    fn kappa_worse_than_chance_and_undefined() {
        // Always opposite: p_o = 0, p_e = 0.5, κ = −1.
        let m = Metrics::from_confusion(matrix(&["fail", "pass"], &[&[0, 5], &[5, 0]]), Some("fail"));
        close(m.kappa, -1.0);
        assert_eq!(m.f1, Some(0.0));
        // One class on both sides: p_e = 1, κ undefined; no positives: precision/recall undefined.
        let m = Metrics::from_confusion(matrix(&["fail", "pass"], &[&[0, 0], &[0, 9]]), Some("fail"));
        close(m.accuracy, 1.0);
        assert_eq!((m.kappa, m.precision, m.recall, m.f1), (None, None, None, None));
        let m = Metrics::from_confusion(Confusion::new(&["fail", "pass"]), Some("fail"));
        assert_eq!((m.n, m.accuracy, m.kappa), (0, None, None));
    }

    #[test]
    fn confusion_grows_for_unknown_classes() {
        let mut c = Confusion::new(&["a", "b"]);
        c.add("a", "z");
        c.add("b", "b");
        assert_eq!(c.classes, vec!["a", "b", "z"]);
        assert_eq!(c.matrix, vec![vec![0, 0, 1], vec![0, 1, 0], vec![0, 0, 0]]);
        assert_eq!((c.total(), c.agree()), (2, 1));
    }

    #[test]
    fn json_labels_object_and_array() {
        let obj = r#"{"calls": [{"call_id": "a", "note": "x", "steps": ["greeting"], "end_condition": "declined",
            "criteria": {"steps": true, "privacy": null}, "verdict": "pass", "codes": []}]}"#;
        let l = parse_json("a.expect.json", obj).unwrap();
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].criteria.get("privacy"), Some(&None));
        assert_eq!(l[0].criteria.get("style"), None, "absent = not labelled");
        assert_eq!(l[0].verdict, Some(Verdict::Pass));
        let arr = r#"[{"call_id": "b", "verdict": "fail"}]"#;
        let l = parse_json("b.json", arr).unwrap();
        assert_eq!((l[0].verdict, &l[0].steps, &l[0].codes), (Some(Verdict::Fail), &None, &None));
        let err = parse_json("c.json", "{\"calls\": [{\"call_id\": \"c\", \"verdit\": \"pass\"}]}").unwrap_err();
        assert!(err.location.starts_with("c.json:1:"), "{err}");
        assert!(err.message.contains("verdit"), "{err}");
        let err = parse_json("d.json", r#"[{"call_id": "d", "verdict": "ok"}]"#).unwrap_err();
        assert!(err.to_string().contains("d.json:1:"), "{err}");
    }

    #[test]
    fn csv_labels() {
        let csv = "\u{feff}call_id,verdict,end_condition,steps,style,privacy,ending,codes,note\n\
                   c1,FAIL,declined,greeting|closing,pass,na,,OP001 PV003,rude\n\
                   c2,pass,contact_captured,\"greeting, purpose pitch\",true,N/A,fail,,\n\
                   c3,?,,?,,,,?,\n";
        let l = parse_csv("labels.csv", csv).unwrap();
        assert_eq!(l.len(), 3);
        assert_eq!(l[0].verdict, Some(Verdict::Fail));
        assert_eq!(l[0].end_condition.as_deref(), Some("declined"));
        assert_eq!(l[0].steps.as_ref().unwrap().iter().collect::<Vec<_>>(), ["closing", "greeting"]);
        assert_eq!(l[0].criteria.get("style"), Some(&Some(true)));
        assert_eq!(l[0].criteria.get("privacy"), Some(&None));
        assert_eq!(l[0].criteria.get("ending"), None, "empty cell = not labelled");
        assert_eq!(l[0].codes.as_ref().unwrap().len(), 2);
        assert_eq!(l[0].note, "rude");
        assert_eq!(l[0].origin, "labels.csv:2");
        assert_eq!(l[1].steps.as_ref().unwrap().len(), 3);
        assert_eq!(l[1].criteria.get("ending"), Some(&Some(false)));
        assert_eq!(l[1].codes.as_ref().map(|c| c.len()), Some(0), "empty codes = none");
        assert_eq!((l[2].verdict, &l[2].steps, &l[2].codes), (None, &None, &None), "? = not labelled");
        assert!(l[2].criteria.is_empty());

        let err = parse_csv("x.csv", "call_id,style\nc1,maybe\n").unwrap_err();
        assert_eq!(err.location, "x.csv:2:2");
        assert!(err.message.contains("not pass, fail or na"), "{err}");
        let err = parse_csv("x.csv", "id,verdict\nc1,pass\n").unwrap_err();
        assert!(err.message.contains("no `call_id` column"), "{err}");
        let err = parse_csv("x.csv", "call_id,verdict,verdict\nc1,pass,pass\n").unwrap_err();
        assert!(err.message.contains("appears twice"), "{err}");
    }

    #[test]
    fn directory_of_expect_files_and_duplicates() {
        let labels = load_labels(Path::new("fixtures/test")).unwrap();
        assert!(labels.len() >= 38, "{}", labels.len());
        assert!(labels.iter().all(|l| l.verdict.is_some() && l.steps.is_some()));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.expect.json"), r#"{"calls": [{"call_id": "x"}]}"#).unwrap();
        std::fs::write(dir.path().join("b.expect.json"), r#"[{"call_id": "x"}]"#).unwrap();
        std::fs::write(dir.path().join("calls.csv"), "call_id,speaker,text\n").unwrap();
        let err = load_labels(dir.path()).unwrap_err();
        assert!(err.message.contains("already labelled at"), "{err}");
        let csv = dir.path().join("labels.csv");
        std::fs::write(&csv, "call_id,verdict\nx,pass\n").unwrap();
        assert_eq!(load_labels(&csv).unwrap()[0].verdict, Some(Verdict::Pass));
    }

    fn score_dir(dir: &str) -> (Vec<CallResult>, Engine) {
        let engine = Engine::new(default_rubric().unwrap(), Default::default());
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let name = p.to_string_lossy();
                !name.ends_with(".expect.json") && !name.ends_with(".md")
            })
            .collect();
        paths.sort();
        let calls = paths.iter().flat_map(|p| engine.score_path(p)).filter_map(Result::ok).collect();
        (calls, engine)
    }

    #[test]
    fn dev_fixtures_agree_fully() {
        let labels = load_labels(Path::new("fixtures/dev")).unwrap();
        let (calls, engine) = score_dir("fixtures/dev");
        let r = compare(&labels, &calls, &engine.rubric);
        assert_eq!(r.calls.matched, labels.len() as u64);
        assert!(r.calls.unscored.is_empty() && r.calls.unlabelled.is_empty(), "{:?}", r.calls);
        assert!(r.disagreements.is_empty(), "{:#?}", r.disagreements);
        assert_eq!(r.verdict.accuracy, Some(1.0));
        assert_eq!(r.end_condition.confusion.classes.len(), 5);
        assert!(min_agreement_failures(&r, 1.0).is_empty());
        assert_eq!(r.codes.exact_rate, Some(1.0));
    }

    #[test]
    fn disagreements_name_the_difference_and_the_command() {
        let (calls, engine) = score_dir("fixtures/dev");
        let call = calls.iter().find(|c| c.call_id == "viol_op001_guarantee").unwrap();
        // A reviewer who thinks the call passed, with the privacy criterion N/A and no codes.
        let label = Label {
            call_id: call.call_id.clone(),
            verdict: Some(Verdict::Pass),
            end_condition: Some("declined".into()),
            criteria: BTreeMap::from([("privacy".into(), None), ("overpromise".into(), Some(true))]),
            steps: Some(
                ["greeting", "purpose", "needs", "pitch", "offer_details", "contact_request", "closing", "probe"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            ),
            codes: Some(BTreeSet::new()),
            ..Label::default()
        };
        let r = compare(&[label], std::slice::from_ref(call), &engine.rubric);
        let d = &r.disagreements[0];
        let what: Vec<&str> = d.differences.iter().map(|x| x.what.as_str()).collect();
        assert_eq!(
            what,
            ["verdict", "end_condition", "criterion overpromise", "criterion privacy", "step probe", "code OP001"]
        );
        assert_eq!(d.differences[3].human, "n/a");
        assert_eq!(d.differences[3].callqa, "pass");
        assert!(d.differences[4].callqa.starts_with("not covered (nearest turn"), "{:?}", d.differences[4]);
        assert_eq!(d.command, "callqa explain fixtures/dev/viol_op001_guarantee.txt --call viol_op001_guarantee");
        let fails = min_agreement_failures(&r, 0.9);
        assert_eq!(fails.len(), 4, "{fails:?}");
        assert!(fails[0].starts_with("verdict: agreement 0.000 (0/1) is below 0.900"), "{fails:?}");
        // N/A vs pass is a disagreement for accuracy but not a missed failure.
        let privacy = r.criteria.iter().find(|c| c.id == "privacy").unwrap();
        assert_eq!(privacy.metrics.accuracy, Some(0.0));
        assert_eq!(privacy.metrics.recall, None);

        let mut buf = Vec::new();
        write_table(&r, &mut buf).unwrap();
        let table = String::from_utf8(buf).unwrap();
        assert!(table.contains("→ callqa explain fixtures/dev/viol_op001_guarantee.txt"), "{table}");
        let mut buf = Vec::new();
        write_markdown(&r, &mut buf).unwrap();
        let md = String::from_utf8(buf).unwrap();
        assert!(md.contains("| verdict (positive: fail) | 1 | 0 |"), "{md}");
        assert!(md.contains("- `callqa explain fixtures/dev/viol_op001_guarantee.txt --call viol_op001_guarantee`"));
        let mut buf = Vec::new();
        write_json(&r, &mut buf).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["schema"], SCHEMA);
        assert_eq!(v["verdict"]["confusion"]["matrix"], serde_json::json!([[0, 0], [1, 0]]));
        assert_eq!(v["codes"]["per_code"][0]["fn"], 0);
    }

    #[test]
    fn unmatched_and_unjudged_are_reported() {
        let (calls, engine) = score_dir("fixtures/dev");
        let labels = vec![
            Label { call_id: "nope".into(), verdict: Some(Verdict::Pass), ..Label::default() },
            Label {
                call_id: "viol_op001_guarantee".into(),
                criteria: BTreeMap::from([("tone".into(), Some(true))]),
                steps: Some(BTreeSet::from(["greeting".to_string(), "smalltalk".to_string()])),
                ..Label::default()
            },
        ];
        let r = compare(&labels, &calls, &engine.rubric);
        assert_eq!(r.calls.unscored, vec!["nope"]);
        assert_eq!(r.calls.matched, 1);
        assert_eq!(r.calls.unlabelled.len(), calls.len() - 1);
        assert!(r.warnings.iter().any(|w| w.contains("criterion `tone`")), "{:?}", r.warnings);
        assert!(r.warnings.iter().any(|w| w.contains("step `smalltalk`")), "{:?}", r.warnings);
        assert_eq!(r.verdict.n, 0);
        assert!(min_agreement_failures(&r, 0.99).is_empty(), "nothing labelled is nothing to fail");
        let none = compare(&labels[..1], &calls, &engine.rubric);
        assert_eq!(min_agreement_failures(&none, 0.5).len(), 1);
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("fixtures/dev/a.txt"), "fixtures/dev/a.txt");
        assert_eq!(shell_quote("my calls/a b.txt"), "'my calls/a b.txt'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(file_of("fixtures/test/t30-batch.jsonl:3"), "fixtures/test/t30-batch.jsonl");
        assert_eq!(file_of("a.txt"), "a.txt");
        assert_eq!(file_of("dir:x/a.txt"), "dir:x/a.txt");
    }
}
