//! JUnit XML, for CI systems: a test suite per target, a test case per check.

use std::fmt::Write;

use crate::checks::Status;
use crate::verdict::{FailOn, Summary, Verdict};

fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c if c.is_control() && c != '\n' && c != '\t' => " ".to_string(),
            c => c.to_string(),
        })
        .collect()
}

pub fn render(report: &Verdict) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let summary = &report.summary;
    let failures = |s: &Summary| s.fail + if report.fail_on == FailOn::Warn { s.warn } else { 0 };
    let total = summary.pass + summary.warn + summary.fail + summary.skipped + summary.error + summary.blocked;
    let _ = writeln!(
        out,
        "<testsuites name=\"xks-preflight\" tests=\"{total}\" failures=\"{}\" errors=\"{}\">",
        failures(summary),
        summary.error
    );
    for target in &report.targets {
        let s = &target.summary;
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            escape(&target.label),
            target.checks.len(),
            failures(s),
            s.error,
            s.skipped + s.blocked
        );
        for check in &target.checks {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\">",
                check.section.prefix(),
                escape(check.id.as_str())
            );
            let message = escape(&check.evidence);
            let remedy = escape(check.remedy.as_deref().unwrap_or_default());
            match (check.status, check.blocked_by) {
                (_, Some(blocker)) if check.status != Status::Pass => {
                    let _ = write!(out, "<skipped message=\"blocked by {blocker}: {message}\"/>");
                }
                (Status::Fail, _) => {
                    let _ = write!(out, "<failure message=\"{message}\">{remedy}</failure>");
                }
                (Status::Error, _) => {
                    let _ = write!(out, "<error message=\"{message}\">{remedy}</error>");
                }
                (Status::Skipped, _) => {
                    let _ = write!(out, "<skipped message=\"{message}\"/>");
                }
                // Under --fail-on warn a warning fails the run, so CI must see it as a failure too.
                (Status::Warn, _) if report.fail_on == FailOn::Warn => {
                    let _ = write!(out, "<failure message=\"warning: {message}\">{remedy}</failure>");
                }
                (Status::Warn, _) => {
                    let _ = write!(out, "<system-out>warning: {message} · {remedy}</system-out>");
                }
                (Status::Pass, _) => {
                    let _ = write!(out, "<system-out>{message}</system-out>");
                }
            }
            out.push_str("</testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
