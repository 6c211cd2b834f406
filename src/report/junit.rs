//! JUnit XML, for CI systems, written by quick-junit: a test suite per target, a test case per check,
//! each suite timed by how long its target's facts took to gather. An AWS problem that kept accounts and
//! Regions from being read at all is a suite of its own with one erroring case, so that CI shows it,
//! grouped and worded as the other formats say it.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::preamble::unread;
use crate::checks::Status;
use crate::verdict::{CheckVerdict, Verdict};

pub fn render(report: &Verdict) -> String {
    let mut junit = Report::new("xks-preflight");
    for unread in unread(report) {
        let mut suite = TestSuite::new(format!("AWS in {}", unread.place));
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(unread.text()).set_description(unread.problem.remedy.clone());
        let mut case = TestCase::new("aws.readable", status);
        case.set_classname("aws");
        suite.add_test_case(case);
        junit.add_test_suite(suite);
    }
    for target in &report.targets {
        let mut suite = TestSuite::new(target.label.clone());
        // A time that is no duration (a facts file can say anything) is left out rather than panicking.
        if let Some(time) = target.gathering_seconds.and_then(|seconds| Duration::try_from_secs_f64(seconds).ok()) {
            suite.set_time(time);
        }
        if let Some(diagnosis) = &target.diagnosis {
            suite.set_system_out(format!("Diagnosis: {}", diagnosis.summary));
        }
        suite.add_test_cases(target.checks.iter().map(test_case));
        junit.add_test_suite(suite);
    }
    let run_seconds = report.scopes.iter().filter_map(|s| s.gathering_seconds).fold(0.0, f64::max);
    if let Ok(time) = Duration::try_from_secs_f64(run_seconds) {
        junit.set_time(time);
    }
    junit.to_string().expect("a report built in memory always serialises")
}

fn test_case(check: &CheckVerdict) -> TestCase {
    // The commands follow the prose on lines of their own, as the description keeps line breaks.
    let remedy = std::iter::once(check.remedy.clone().unwrap_or_default())
        .chain(check.commands.iter().cloned())
        .collect::<Vec<_>>()
        .join("\n");
    let failing = |kind: NonSuccessKind, message: String| {
        let mut status = TestCaseStatus::non_success(kind);
        status.set_message(message).set_description(remedy.clone());
        status
    };
    let skipped = |message: String| {
        let mut status = TestCaseStatus::skipped();
        status.set_message(message);
        status
    };
    let mut out = None;
    // What fails the run is a failure here, so that CI fails with it: a warning too, under --fail-on warn.
    let status = match (check.status, check.blocked_by) {
        (Status::Pass, _) => {
            out = Some(check.evidence.clone());
            TestCaseStatus::success()
        }
        (_, Some(blocker)) => skipped(format!("blocked by {blocker}: {}", check.evidence)),
        (Status::Warn, None) if check.fails_run => {
            failing(NonSuccessKind::Failure, format!("warning: {}", check.evidence))
        }
        (Status::Warn, None) => {
            out = Some(format!("warning: {} · {remedy}", check.evidence));
            TestCaseStatus::success()
        }
        (Status::Fail, None) => failing(NonSuccessKind::Failure, check.evidence.clone()),
        (Status::Error, None) => failing(NonSuccessKind::Error, check.evidence.clone()),
        (Status::Skipped, None) => skipped(check.evidence.clone()),
    };
    let mut case = TestCase::new(check.id.as_str(), status);
    case.set_classname(check.section.prefix());
    if let Some(out) = out {
        case.set_system_out(out);
    }
    case
}
