//! Turns the verdict into what the user reads. Renderers only render: statuses, blocking, the diagnosis
//! and the exit code come from `crate::verdict`.

pub mod answer;
pub mod checks;
mod json;
mod junit;
mod markdown;
mod prometheus;
mod table;

pub use json::render as render_json;
pub use junit::render as render_junit;
pub use markdown::render as render_markdown;
pub use prometheus::render as render_prometheus;
pub use table::{render as render_table, Detail, Layout};

use crate::aws_names::scope_name;
use crate::verdict::Verdict;

/// Where the run looked, for a title: the scopes' names, or how many there were when that is long.
fn place(report: &Verdict) -> String {
    let names: Vec<String> = report.scopes.iter().map(|s| scope_name(&s.region, s.account.as_deref())).collect();
    match names.len() {
        0 => "no Region".to_string(),
        1..=3 => names.join(", "),
        n => {
            let mut accounts: Vec<Option<&str>> = report.scopes.iter().map(|s| s.account.as_deref()).collect();
            accounts.sort();
            accounts.dedup();
            match accounts.len() {
                1 => format!("{n} Regions"),
                a => format!("{n} Regions of {a} accounts"),
            }
        }
    }
}

/// When the facts were gathered: the first scope's time (every scope of a run starts together).
fn gathered_at(report: &Verdict) -> &str {
    report.scopes.first().map(|s| s.facts_gathered_at.as_str()).unwrap_or("never")
}

/// What the report says before any target: each AWS problem once, with the scopes it kept from being
/// read, and each scope that holds no external key store.
struct Notice {
    text: String,
    remedy: Option<String>,
}

fn notices(report: &Verdict) -> Vec<Notice> {
    let mut problems: Vec<(&crate::verdict::AwsProblem, Vec<String>)> = Vec::new();
    let mut empty = Vec::new();
    for scope in &report.scopes {
        let name = scope_name(&scope.region, scope.account.as_deref());
        match &scope.aws_problem {
            Some(problem) => match problems.iter_mut().find(|(p, _)| p.message == problem.message) {
                Some((_, names)) => names.push(name),
                None => problems.push((problem, vec![name])),
            },
            None if scope.targets == 0 => empty.push(name),
            None => {}
        }
    }
    let mut notices: Vec<Notice> = problems
        .into_iter()
        .map(|(problem, names)| Notice {
            text: format!(
                "AWS could not be read in {}: {} ({})",
                match names.len() {
                    n if n > 1 && n == report.scopes.len() => format!("any of the {n} Regions and accounts asked"),
                    _ => names.join(", "),
                },
                problem.message,
                problem.action
            ),
            remedy: Some(problem.remedy.clone()),
        })
        .collect();
    if !empty.is_empty() {
        notices.push(Notice { text: format!("No external key stores in {}.", empty.join(", ")), remedy: None });
    }
    notices
}
