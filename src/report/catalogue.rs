//! `list-checks`: the catalogue as a person reads it (aligned columns) and as a script reads it (JSON).

use std::fmt::Write;

use serde::Serialize;

use super::wrap::{fill, hanging};
use crate::catalogue::{guide, CheckId, Section, Severity};

#[derive(Serialize)]
struct Entry {
    id: CheckId,
    section: Section,
    title: &'static str,
    requirement: &'static str,
    severity: Severity,
    kms_says: &'static [&'static str],
    kms_answers: Vec<(&'static str, &'static str)>,
    how_checked: &'static str,
    fix: &'static str,
    blocked_by: &'static [CheckId],
}

fn entry(id: CheckId) -> Entry {
    let r = id.requirement();
    Entry {
        id,
        section: r.section,
        title: r.title,
        requirement: r.requirement,
        severity: r.severity,
        kms_says: r.kms_says,
        kms_answers: r.kms_answers.iter().map(|(operation, answer)| (operation.label(), *answer)).collect(),
        how_checked: guide::how_checked(r.section),
        fix: guide::fix(id),
        blocked_by: r.blocked_by,
    }
}

/// The checks named, or every check, as JSON.
pub fn json(ids: &[CheckId]) -> String {
    let entries: Vec<Entry> = chosen(ids).map(entry).collect();
    serde_json::to_string_pretty(&entries).expect("the catalogue is plain data") + "\n"
}

fn chosen(ids: &[CheckId]) -> impl Iterator<Item = CheckId> + '_ {
    let all = if ids.is_empty() { CheckId::ALL } else { ids };
    all.iter().copied()
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Fail => "fail",
        Severity::Warn => "warn (AWS recommends it)",
    }
}

/// Below this width the table is stacked: the ID and severity on a line, the text under them.
const STACKED_BELOW: usize = 100;

/// Every check as a table under a header: ID, severity, and its title and requirement wrapped to `width`.
pub fn table(width: usize) -> String {
    let width = width.max(40);
    let id_width = CheckId::ALL.iter().map(|id| id.as_str().len()).max().unwrap_or(0);
    let stacked = width < STACKED_BELOW;
    let indent = if stacked { 6 } else { 2 + id_width + 2 + 4 + 2 };
    let text_width = width.saturating_sub(indent).max(20);
    let mut out = String::new();
    if stacked {
        let _ = writeln!(out, "  ID{}  SEVERITY\n      REQUIREMENT", " ".repeat(id_width - 2));
    } else {
        let _ = writeln!(out, "  {:id_width$}  {:4}  REQUIREMENT", "ID", "SEV.");
    }
    let mut section = None;
    for entry in CheckId::ALL.iter().map(|id| entry(*id)) {
        if section != Some(entry.section) {
            let _ = writeln!(out, "\n{} ({}.*)", entry.section.heading(), entry.section.prefix());
            section = Some(entry.section);
        }
        let level = match entry.severity {
            Severity::Fail => "fail",
            Severity::Warn => "warn",
        };
        let mut text = format!("{}. {}", entry.title, entry.requirement);
        if !entry.kms_says.is_empty() {
            let _ = write!(text, "\nKMS says: {}", entry.kms_says.join(", "));
        }
        let body = fill(&text, text_width);
        let pad = " ".repeat(indent);
        if stacked {
            let _ = writeln!(out, "  {}  {level}", entry.id.as_str());
            for line in body.lines() {
                let _ = writeln!(out, "{pad}{line}");
            }
        } else {
            let mut lines = body.lines();
            let _ = writeln!(out, "  {:id_width$}  {level}  {}", entry.id.as_str(), lines.next().unwrap_or_default());
            for line in lines {
                let _ = writeln!(out, "{pad}{line}");
            }
        }
    }
    let _ = writeln!(out, "\n`xks-preflight explain <ID>` says how a check is made and what usually fixes it.");
    out
}

/// Everything about the checks named: requirement, severity, what KMS says and answers while it is
/// broken, how the tool checks it, and the usual fix, filled to `width`.
pub fn explained(ids: &[CheckId], width: usize) -> String {
    let width = width.max(40);
    let mut out = String::new();
    for (index, id) in ids.iter().enumerate() {
        let entry = entry(*id);
        if index > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "{}", fill(&format!("{}: {}", entry.id.as_str(), entry.title), width));
        let mut paragraph = |label: &str, text: &str| {
            let _ = writeln!(out, "\n{label}:\n{}", hanging("  ", text, width));
        };
        paragraph("Requirement", entry.requirement);
        paragraph("Severity", severity(entry.severity));
        if !entry.kms_says.is_empty() {
            paragraph("What KMS says when it is broken", &entry.kms_says.join(", "));
        }
        for (operation, answer) in &entry.kms_answers {
            paragraph(&format!("KMS answers {operation}"), answer);
        }
        paragraph("How xks-preflight checks it", entry.how_checked);
        paragraph("Fix", entry.fix);
        if !entry.blocked_by.is_empty() {
            let ids: Vec<&str> = entry.blocked_by.iter().map(|id| id.as_str()).collect();
            paragraph("Judged after", &ids.join(", "));
        }
    }
    out
}
