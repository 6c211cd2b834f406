//! `list-checks`: the catalogue as a person reads it (aligned columns) and as a script reads it (JSON).

use std::fmt::Write;

use serde::Serialize;

use crate::catalogue::{CheckId, Section, Severity};

#[derive(Serialize)]
struct Entry {
    id: CheckId,
    section: Section,
    title: &'static str,
    requirement: &'static str,
    severity: Severity,
    kms_says: &'static [&'static str],
    blocked_by: &'static [CheckId],
}

fn entries() -> impl Iterator<Item = Entry> {
    CheckId::ALL.iter().map(|id| {
        let r = id.requirement();
        Entry {
            id: *id,
            section: r.section,
            title: r.title,
            requirement: r.requirement,
            severity: r.severity,
            kms_says: r.kms_says,
            blocked_by: r.blocked_by,
        }
    })
}

pub fn json() -> String {
    let entries: Vec<Entry> = entries().collect();
    serde_json::to_string_pretty(&entries).expect("the catalogue is plain data") + "\n"
}

pub fn table() -> String {
    let id_width = CheckId::ALL.iter().map(|id| id.as_str().len()).max().unwrap_or(0);
    let mut out = String::new();
    let mut section = None;
    for entry in entries() {
        if section != Some(entry.section) {
            let _ = writeln!(out, "{}{}", if section.is_some() { "\n" } else { "" }, entry.section.heading());
            section = Some(entry.section);
        }
        let severity = match entry.severity {
            Severity::Fail => "fail",
            Severity::Warn => "warn",
        };
        let says = if entry.kms_says.is_empty() { String::new() } else { format!("  [{}]", entry.kms_says.join(", ")) };
        let _ = writeln!(out, "  {:id_width$}  {severity}  {}{says}", entry.id.as_str(), entry.title);
    }
    out
}
