//! `calls.csv`: one row per call, a column per criterion, per step and per timing metric
//! (`timing:silence_max_s` …, empty for a call without timestamps). UTF-8 with a BOM so Excel
//! shows Chinese correctly. A cell that a spreadsheet would read as a formula is written as text
//! ([`csv_cell`]).

use super::Results;
use super::escape::csv_cell;
use super::store::Calls;
use std::io::{self, Write};

/// Writes the CSV.
pub fn write(results: &Results, out: &mut dyn Write) -> io::Result<()> {
    write_calls(results, &Calls::Memory(&results.calls), out)
}

/// Writes the CSV of `results` (its aggregate names the columns) with the rows of `calls`, one
/// call at a time.
pub fn write_calls(results: &Results, calls: &Calls, out: &mut dyn Write) -> io::Result<()> {
    out.write_all("\u{feff}".as_bytes())?;
    let criteria: Vec<String> = results.aggregate.criteria.iter().map(|c| c.id.clone()).collect();
    let steps: Vec<String> = results.aggregate.steps.iter().map(|s| s.id.clone()).collect();
    let mut w = ::csv::Writer::from_writer(out);
    let mut header: Vec<String> =
        ["call_id", "source", "verdict", "score", "auto_fail", "end_condition", "findings", "top_finding"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    header.extend(criteria.iter().map(|c| format!("criterion:{c}")));
    header.extend(steps.iter().map(|s| format!("step:{s}")));
    header.extend(crate::timing::Metric::ALL.iter().map(|m| format!("timing:{m}")));
    w.write_record(header.iter().map(|h| csv_cell(h).into_owned()))?;
    calls.each(0..calls.len(), &mut |c| {
        // Text from the input or the rubric cannot start a formula.
        let text = |s: &str| csv_cell(s).into_owned();
        let mut row = vec![
            text(&c.call_id),
            text(&c.source),
            c.verdict.as_str().to_string(),
            c.score.map(|s| format!("{s:.1}")).unwrap_or_default(),
            c.auto_fail.to_string(),
            text(&c.end_condition),
            c.findings.len().to_string(),
            text(&super::markdown::top_finding(c).unwrap_or_default()),
        ];
        for id in &criteria {
            let v = c.criteria.iter().find(|x| &x.id == id).and_then(|x| x.passed);
            row.push(match v {
                Some(true) => "pass".into(),
                Some(false) => "fail".into(),
                None => "n/a".into(),
            });
        }
        for id in &steps {
            let s = c.steps.iter().find(|x| &x.id == id);
            row.push(match s.and_then(|s| s.turn) {
                Some(t) => format!("turn {t}"),
                None => String::new(),
            });
        }
        for &m in crate::timing::Metric::ALL {
            row.push(c.timing.as_ref().and_then(|t| t.get(m)).map(|v| v.to_string()).unwrap_or_default());
        }
        w.write_record(&row)?;
        Ok(())
    })?;
    w.flush()
}
