//! The checklist a person reads: one table per section, the remedy under each non-pass.

use std::fmt::Write;

use tabled::builder::Builder;
use tabled::settings::Style;

use crate::checks::Status;
use crate::verdict::{Summary, TargetVerdict, Verdict};

const DEFAULT_WIDTH: usize = 110;

pub fn render(report: &Verdict, width: Option<usize>) -> String {
    let width = width.unwrap_or(DEFAULT_WIDTH).max(60);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "xks-preflight {} · {} · facts gathered {}",
        report.tool_version, report.region, report.facts_gathered_at
    );
    if report.targets.is_empty() {
        let _ = writeln!(out, "\nNo external key stores in {}.", report.region);
    }
    for target in &report.targets {
        render_target(&mut out, target, width);
        if report.targets.len() > 1 {
            let _ = writeln!(out, "\n{}", counts(&target.summary));
        }
    }
    let _ = writeln!(out, "\n{} → exit {}", counts(&report.summary), i32::from(report.exit_code));
    out
}

fn render_target(out: &mut String, target: &TargetVerdict, width: usize) {
    let mut heading = target.label.clone();
    if let Some(store) = &target.store {
        for part in [&store.connectivity, &store.connection_state].into_iter().flatten() {
            heading.push_str(" · ");
            heading.push_str(part);
        }
        if let Some(code) = &store.connection_error_code {
            let _ = write!(heading, " ({code})");
        }
    }
    let _ = writeln!(out, "\n━━ {heading}");
    if let Some(diagnosis) = &target.diagnosis {
        let _ = writeln!(out, "\nDiagnosis");
        for line in wrap(&diagnosis.summary, width.saturating_sub(2)).lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    let mut sections: Vec<_> = target.checks.iter().map(|c| c.section).collect();
    sections.dedup();
    let id_width = target.checks.iter().map(|c| c.id.as_str().len()).max().unwrap_or(0);
    let text_width = width.saturating_sub(id_width + 14).max(30);
    for section in sections {
        let mut builder = Builder::default();
        for check in target.checks.iter().filter(|c| c.section == section) {
            let evidence = match check.blocked_by {
                Some(blocker) => format!("[blocked by {blocker}] {}", check.evidence),
                None => check.evidence.clone(),
            };
            let mut text = wrap(&evidence, text_width);
            if let Some(remedy) = check.remedy.as_ref().filter(|_| check.blocked_by.is_none()) {
                let lead = if check.status == Status::Error { "next" } else { "fix" };
                let _ = write!(text, "\n{}", wrap(&format!("{lead}: {remedy}"), text_width));
            }
            if check.status == Status::Fail && check.blocked_by.is_none() && !check.kms_answers.is_empty() {
                let answers: Vec<String> =
                    check.kms_answers.iter().map(|a| format!("{} → {}", a.operation.label(), a.answer)).collect();
                let _ = write!(text, "\n{}", wrap(&format!("KMS answers: {}", answers.join("; ")), text_width));
            }
            builder.push_record([mark(check.status).to_string(), format!("{:id_width$}", check.id.as_str()), text]);
        }
        let mut table = builder.build();
        table.with(Style::blank());
        let _ = writeln!(out, "\n{}", section.heading());
        for line in table.to_string().lines() {
            let _ = writeln!(out, " {}", line.trim_end());
        }
    }
}

/// Wraps at spaces only: IDs, ARNs and commands keep their hyphens whole, so they can be copied.
fn wrap(text: &str, width: usize) -> String {
    textwrap::fill(text, textwrap::Options::new(width).word_splitter(textwrap::WordSplitter::NoHyphenation))
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASS",
        Status::Warn => "WARN",
        Status::Fail => "FAIL",
        Status::Skipped => "SKIP",
        Status::Error => "ERROR",
    }
}

fn counts(summary: &Summary) -> String {
    let blocked = if summary.blocked > 0 { format!(" · {} blocked", summary.blocked) } else { String::new() };
    format!(
        "{} pass · {} warn · {} fail · {} skipped · {} error{blocked}",
        summary.pass, summary.warn, summary.fail, summary.skipped, summary.error
    )
}
