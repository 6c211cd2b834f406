//! GitHub Actions workflow commands: one annotation per check that needs attention, so that a pull
//! request shows each problem of a plan or template on its file, titled with the Terraform address or
//! logical ID. Passes and skips, and checks blocked by another failure, make no annotation; the last
//! line sums the run up.

use std::fmt::Write;

use crate::checks::Status;
use crate::verdict::{CheckVerdict, TargetVerdict, Verdict};

/// A command's message: `%`, CR and LF encoded as GitHub's runner decodes them.
fn message(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A command's property value: the message encoding, and `:` and `,`, which end a property.
fn property(text: &str) -> String {
    message(text).replace(':', "%3A").replace(',', "%2C")
}

/// The annotation level: an error for what fails the run, a warning for what only warns.
fn level(check: &CheckVerdict) -> Option<&'static str> {
    match check.status {
        _ if check.blocked_by.is_some() => None,
        Status::Fail | Status::Error => Some("error"),
        Status::Warn if check.fails_run => Some("error"),
        Status::Warn => Some("warning"),
        Status::Pass | Status::Skipped => None,
    }
}

fn annotation(target: &TargetVerdict, check: &CheckVerdict, level: &str) -> String {
    // Title first, then file: the order GitHub's own toolkit (@actions/core) writes them in.
    let file = match &target.declared_in {
        Some(declared) => format!(",file={}", property(&declared.file)),
        None => String::new(),
    };
    let title = format!("{} {}: {}", target.label, check.id, check.title);
    let mut text = format!("{}: {}", target.label, check.evidence);
    if let Some(remedy) = &check.remedy {
        let _ = write!(text, "\nFix: {remedy}");
    }
    // Each command on a line of its own, as the annotation shows lines, so that it can be copied whole.
    for command in check.commands.iter() {
        let _ = write!(text, "\n  {command}");
    }
    format!("::{level} title={}{file}::{}", property(&title), message(&text))
}

pub fn render(report: &Verdict) -> String {
    let mut out = String::new();
    for scope in &report.scopes {
        if let Some(problem) = &scope.aws_problem {
            let text = format!("{} in {}: {}\nFix: {}", problem.action, scope.region, problem.message, problem.remedy);
            let _ =
                writeln!(out, "::error title={}::{}", property("xks-preflight: AWS could not be read"), message(&text));
        }
    }
    for target in &report.targets {
        for check in &target.checks {
            if let Some(level) = level(check) {
                let _ = writeln!(out, "{}", annotation(target, check, level));
            }
        }
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "::notice title=xks-preflight::{} target(s): {} pass, {} warn, {} fail, {} skipped, {} error, {} blocked; exit {}",
        report.targets.len(),
        s.pass,
        s.warn,
        s.fail,
        s.skipped,
        s.error,
        s.blocked,
        i32::from(report.exit_code)
    );
    out
}
