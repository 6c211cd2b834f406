//! The answer of `explain`, as text or JSON, and the list of everything it knows.

use std::fmt::Write;

use super::wrap::{fill, hanging};
use crate::explain::Answer;
use crate::kms_errors::{topic, MESSAGE_TOPICS, NAMES};
use crate::verdict::REPORT_SCHEMA_VERSION;

/// The answer filled to `width` columns (at least 40).
pub fn text(answer: &Answer, width: usize) -> String {
    let width = width.max(40);
    let hanging = |lead: &str, text: &str| hanging(lead, text, width);
    let mut out = String::new();
    let Some(topic) = answer.topic else {
        let unsure = "xks-preflight is not sure what this is: it matches no exception name, connection error code \
                      or KMS message it knows.";
        let _ = writeln!(out, "{}", fill(unsure, width));
        if answer.suggestions.is_empty() {
            let nothing = "Nothing known comes close; `xks-preflight explain --list` shows what it knows.";
            let _ = writeln!(out, "{}", fill(nothing, width));
        } else {
            let _ = writeln!(out, "\nClosest known:");
            for suggestion in &answer.suggestions {
                let _ = writeln!(out, "{}", hanging("  - ", suggestion));
            }
        }
        return out;
    };
    let _ = writeln!(out, "{}", fill(topic.title, width));
    let _ = writeln!(out, "\n{}", hanging("Recognised: ", &answer.recognised.join("; ")));
    let doing = match &answer.kms_operation {
        Some(operation) => format!("{operation} (as the text says). {}", topic.kms_doing),
        None => topic.kms_doing.to_string(),
    };
    let _ = writeln!(out, "\n{}", fill(&format!("What KMS was doing: {doing}"), width));
    let _ = writeln!(out, "\nLikely causes, most likely first:");
    for (index, cause) in topic.causes.iter().enumerate() {
        let _ = writeln!(out, "{}", hanging(&format!("  {}. ", index + 1), cause.text));
        if !cause.checks.is_empty() {
            let ids: Vec<&str> = cause.checks.iter().map(|id| id.as_str()).collect();
            let _ = writeln!(out, "{}", hanging("     checks: ", &ids.join(", ")));
        }
    }
    let _ = writeln!(out, "\n{}", fill(&format!("What to do: {}", topic.what_to_do), width));
    let checked: Vec<&str> = topic.checks().into_iter().map(|id| id.as_str()).collect();
    if checked.is_empty() {
        let _ = writeln!(out, "\nNo check of `xks-preflight check` is tied to this answer.");
    } else {
        let runs = format!("`xks-preflight check` runs {} against the store.", checked.join(", "));
        let _ = writeln!(out, "\n{}", fill(&runs, width));
    }
    out
}

pub fn json(answer: &Answer) -> String {
    let mut value = serde_json::to_value(answer).expect("the answer is plain data");
    value["schema_version"] = REPORT_SCHEMA_VERSION.into();
    let mut text = serde_json::to_string_pretty(&value).expect("the answer is plain data");
    text.push('\n');
    text
}

/// Every exception name and connection error code `explain` knows, then the message phrases it recognises.
pub fn list() -> String {
    let mut out = String::from("Connection error codes and exception names:\n");
    let width = NAMES.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    for (name, id) in NAMES {
        let _ = writeln!(out, "  {name:width$}  {}", topic(*id).title);
    }
    out.push_str("\nKMS error messages (recognised whole or in part):\n");
    for (phrase, _) in MESSAGE_TOPICS {
        let _ = writeln!(out, "  …{phrase}…");
    }
    out
}
