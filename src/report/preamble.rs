//! What a report says before its targets, the same in every human format: where the run looked, when,
//! each AWS problem once with the scopes it kept from being read, and the scopes with no store.

use crate::aws_names::scope_name;
use crate::verdict::{AwsProblem, Verdict};

/// Where the run looked, for a title: the scopes' names, or how many there were when that is long.
pub(super) fn place(report: &Verdict) -> String {
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
pub(super) fn gathered_at(report: &Verdict) -> &str {
    report.scopes.first().map(|s| s.facts_gathered_at.as_str()).unwrap_or("never")
}

/// One AWS problem and the scopes it kept from being read.
pub(super) struct Unread<'a> {
    pub problem: &'a AwsProblem,
    /// The scopes' names, or "any of the N Regions and accounts asked" when it is every one of several.
    pub place: String,
}

impl Unread<'_> {
    pub fn text(&self) -> String {
        format!("AWS could not be read in {}: {} ({})", self.place, self.problem.message, self.problem.action)
    }
}

/// Each AWS problem once, in the order of the scopes: scopes that met the same problem share it.
pub(super) fn unread(report: &Verdict) -> Vec<Unread<'_>> {
    let mut problems: Vec<(&AwsProblem, Vec<String>)> = Vec::new();
    for scope in &report.scopes {
        let Some(problem) = &scope.aws_problem else { continue };
        let name = scope_name(&scope.region, scope.account.as_deref());
        let same =
            |p: &&AwsProblem| p.action == problem.action && p.message == problem.message && p.remedy == problem.remedy;
        match problems.iter_mut().find(|(p, _)| same(p)) {
            Some((_, names)) => names.push(name),
            None => problems.push((problem, vec![name])),
        }
    }
    problems
        .into_iter()
        .map(|(problem, names)| Unread {
            problem,
            place: match names.len() {
                n if n > 1 && n == report.scopes.len() => format!("any of the {n} Regions and accounts asked"),
                _ => names.join(", "),
            },
        })
        .collect()
}

/// The scopes that were read and hold no external key store, said in one sentence.
pub(super) fn no_stores(report: &Verdict) -> Option<String> {
    let empty: Vec<String> = report
        .scopes
        .iter()
        .filter(|s| s.aws_problem.is_none() && s.targets == 0)
        .map(|s| scope_name(&s.region, s.account.as_deref()))
        .collect();
    (!empty.is_empty()).then(|| format!("No external key stores in {}.", empty.join(", ")))
}
