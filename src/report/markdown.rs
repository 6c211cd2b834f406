//! Markdown, for a ticket or a pull request: the diagnosis first, then a table of what needs attention,
//! then each section's counts. Text from the facts is escaped so that it cannot break the table or
//! start markup of its own.

use std::fmt::Write;

use super::preamble::{gathered_at, no_stores, place, unread};
use crate::checks::Status;
use crate::verdict::{CheckVerdict, Summary, Verdict};

/// One table cell: pipes, markup characters and line breaks made inert.
/// The evidence, and under it each figure over time as a line of bars in code (kept whole, not
/// escaped), so a spike is seen in the pull request or the ticket.
fn seen(check: &CheckVerdict) -> String {
    let mut text = cell(&check.evidence);
    for line in check.series.iter().filter_map(|series| super::sparkline::line(series, 100)) {
        text.push_str(&format!("<br>`{}`", line.replace('`', "'")));
    }
    text
}

fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '<' | '>' | '[' | ']' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅ pass",
        Status::Warn => "⚠️ warn",
        Status::Fail => "❌ fail",
        Status::Skipped => "⏭️ skipped",
        Status::Error => "❗ error",
    }
}

/// A check's status cell: its mark, and whether a warning fails the run (under --fail-on warn).
fn status(check: &CheckVerdict) -> String {
    match check.fails_run && check.status == Status::Warn {
        true => format!("{}, fails the run", mark(check.status)),
        false => mark(check.status).to_string(),
    }
}

fn counts(summary: &Summary) -> String {
    format!(
        "{} pass · {} warn · {} fail · {} skipped · {} error · {} blocked",
        summary.pass, summary.warn, summary.fail, summary.skipped, summary.error, summary.blocked
    )
}

pub fn render(report: &Verdict) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# xks-preflight report: {}\n", cell(&place(report)));
    let _ = writeln!(
        out,
        "xks-preflight {} · facts gathered {} · **{}** → exit {}",
        report.tool_version,
        gathered_at(report),
        counts(&report.summary),
        i32::from(report.exit_code)
    );
    for unread in unread(report) {
        let _ = writeln!(out, "\n> **{}**  \n> Next: {}", cell(&unread.text()), cell(&unread.problem.remedy));
    }
    if let Some(text) = no_stores(report) {
        let _ = writeln!(out, "\n{}", cell(&text));
    }
    for target in &report.targets {
        let _ = writeln!(out, "\n## {}\n", cell(&target.label));
        if let Some(store) = &target.store {
            let state = [&store.connectivity, &store.connection_state, &store.connection_error_code];
            let state: Vec<String> = state.into_iter().flatten().map(|s| format!("`{s}`")).collect();
            if !state.is_empty() {
                let _ = writeln!(out, "{}\n", state.join(" · "));
            }
        }
        if let Some(diagnosis) = &target.diagnosis {
            let _ = writeln!(out, "**Diagnosis:** {}\n", cell(&diagnosis.summary));
        }
        let attention: Vec<&CheckVerdict> = target.checks.iter().filter(|c| c.needs_attention()).collect();
        if attention.is_empty() {
            let _ = writeln!(out, "Nothing fails, warns or could not be checked.\n");
        } else {
            out.push_str("| Status | Check | Seen | What to do | KMS answers |\n|---|---|---|---|---|\n");
            for check in &attention {
                let remedy = check.remedy.as_deref().unwrap_or_default();
                // The remedy leads into its commands, which follow the table.
                let remedy = match check.commands.is_empty() {
                    true => remedy.to_string(),
                    false => format!("{} (the commands follow the table).", remedy.trim_end_matches([':', '.'])),
                };
                let answers: Vec<String> =
                    check.kms_answers.iter().map(|a| format!("{} → {}", a.operation.label(), a.answer)).collect();
                let _ = writeln!(
                    out,
                    "| {} | `{}` {} | {} | {} | {} |",
                    status(check),
                    check.id,
                    cell(check.title),
                    seen(check),
                    cell(&remedy),
                    cell(&answers.join("; "))
                );
            }
            out.push('\n');
            // A table cell cannot hold a command to paste: each check's commands follow as a code block.
            for check in attention.iter().filter(|c| !c.commands.is_empty()) {
                let _ = writeln!(out, "To fix `{}`:\n\n```sh\n{}\n```\n", check.id, check.commands.join("\n"));
            }
        }
        let _ = writeln!(out, "<details><summary>Every check ({})</summary>\n", counts(&target.summary));
        out.push_str("| Status | Check | Seen |\n|---|---|---|\n");
        for check in &target.checks {
            let status = match check.blocked_by {
                Some(blocker) => format!("{} (blocked by `{blocker}`)", mark(check.status)),
                None => status(check),
            };
            let _ = writeln!(out, "| {status} | `{}` | {} |", check.id, cell(&check.evidence));
        }
        out.push_str("\n</details>\n");
    }
    out
}
