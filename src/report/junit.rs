//! `junit.xml`: one test case per call (failure = the call failed; the message lists its top
//! findings), one test case per input error, so CI systems show callqa results natively.

use super::Results;
use super::store::Calls;
use crate::eval::result::Verdict;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::io::{self, Write};

/// Writes the JUnit XML.
pub fn write(results: &Results, out: &mut dyn Write) -> io::Result<()> {
    write_calls(results, &Calls::Memory(&results.calls), out)
}

/// Writes the JUnit XML of `results` with the test cases of `calls` (read one at a time; only
/// the test cases are held).
pub fn write_calls(results: &Results, calls: &Calls, out: &mut dyn Write) -> io::Result<()> {
    let mut report = Report::new(format!("callqa {}", results.rubric.id));
    let mut suite = TestSuite::new(format!("{} v{}", results.rubric.id, results.rubric.version));
    calls.each(0..calls.len(), &mut |c| {
        let status = match c.verdict {
            Verdict::Pass => TestCaseStatus::success(),
            Verdict::Fail => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let top: Vec<String> = c
                    .findings
                    .iter()
                    .filter(|f| f.severity <= crate::rubric::model::Severity::Major)
                    .take(3)
                    .map(|f| format!("{} turn {}: {}", f.code, f.turn, f.message))
                    .collect();
                let score = c.score.map_or("n/a".to_string(), |s| format!("{s:.1}"));
                s.set_message(if top.is_empty() { format!("score {score}") } else { top.join("; ") });
                s.set_type(if c.auto_fail { "auto-fail" } else { "fail" });
                let all: Vec<String> = c
                    .findings
                    .iter()
                    .map(|f| {
                        format!("{} [{}] turn {} 「{}」 {}", f.code, f.severity.as_str(), f.turn, f.excerpt, f.message)
                    })
                    .collect();
                s.set_description(all.join("\n"));
                s
            }
        };
        let mut case = TestCase::new(c.call_id.clone(), status);
        case.set_classname(c.source.clone());
        suite.add_test_case(case);
        Ok(())
    })?;
    for e in &results.errors {
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
        s.set_message(e.message.clone());
        s.set_type("input error");
        let mut case = TestCase::new(e.source.clone(), s);
        case.set_classname("input");
        suite.add_test_case(case);
    }
    report.add_test_suite(suite);
    report.serialize(&mut *out).map_err(io::Error::other)?;
    writeln!(out)
}
