//! Turns check results into what the user reads. Renderers only render: statuses come from the checks.

pub mod answer;
mod json;
mod junit;
mod prometheus;
mod table;

pub use json::render as render_json;
pub use junit::render as render_junit;
pub use prometheus::render as render_prometheus;
pub use table::render as render_table;

use serde::Serialize;

use crate::catalogue::{Section, CATALOGUE};
use crate::checks::diagnosis::{self, Diagnosis};
use crate::checks::{self, CheckResult, Status};
use crate::explain::{kms_answers, Operation};
use crate::facts::{Facts, StoreQuery, Subject, TargetFacts};

/// Raised when a field of the JSON report changes meaning or disappears.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_INCOMPLETE: i32 = 3;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool_version: String,
    pub region: String,
    pub facts_gathered_at: String,
    pub targets: Vec<TargetReport>,
    pub summary: Summary,
    /// Sections of the catalogue that this version does not check yet.
    pub not_checked: Vec<Section>,
    pub exit_code: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    pub label: String,
    pub store: Option<StoreSummary>,
    /// Present when the store is FAILED or a check fails: what to fix first.
    pub diagnosis: Option<Diagnosis>,
    pub summary: Summary,
    pub checks: Vec<CheckReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoreSummary {
    pub id: String,
    pub name: Option<String>,
    pub connectivity: Option<String>,
    pub connection_state: Option<String>,
    pub connection_error_code: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub id: &'static str,
    pub section: Section,
    pub title: &'static str,
    pub status: Status,
    pub evidence: String,
    pub remedy: Option<String>,
    /// The failing check whose failure keeps this one from being judged on its own.
    pub blocked_by: Option<&'static str>,
    pub kms_says: &'static [&'static str],
    /// What KMS answers, per operation, while this requirement is broken.
    pub kms_answers: Vec<KmsAnswer>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KmsAnswer {
    pub operation: Operation,
    pub answer: &'static str,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skipped: usize,
    pub error: usize,
    /// Checks that fail, or could not run, only because an earlier check failed; not in the counts above.
    pub blocked: usize,
}

impl Summary {
    fn add(&mut self, status: Status, blocked: bool) {
        if blocked {
            self.blocked += 1;
            return;
        }
        match status {
            Status::Pass => self.pass += 1,
            Status::Warn => self.warn += 1,
            Status::Fail => self.fail += 1,
            Status::Skipped => self.skipped += 1,
            Status::Error => self.error += 1,
        }
    }

    fn merge(&mut self, other: Summary) {
        self.pass += other.pass;
        self.warn += other.warn;
        self.fail += other.fail;
        self.skipped += other.skipped;
        self.error += other.error;
        self.blocked += other.blocked;
    }

    /// 1 when a requirement failed, else 3 when a check could not run, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.fail > 0 {
            EXIT_FAILED
        } else if self.error > 0 {
            EXIT_INCOMPLETE
        } else {
            EXIT_OK
        }
    }
}

/// The report of the facts' targets, leaving out (as skipped) the checks `skip` names.
pub fn build(facts: &Facts, skip: &[String]) -> Report {
    let targets: Vec<TargetReport> = facts
        .targets
        .iter()
        .map(|target| target_report(facts, target, checks::run_target(facts, target, skip)))
        .collect();
    let mut summary = Summary::default();
    for target in &targets {
        summary.merge(target.summary);
    }
    let checked: Vec<&str> = checks::registry().iter().map(|(r, _)| r.id).collect();
    let mut not_checked: Vec<Section> =
        CATALOGUE.iter().filter(|r| !checked.contains(&r.id)).map(|r| r.section).collect();
    not_checked.dedup();
    Report {
        schema_version: REPORT_SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        region: facts.region.clone(),
        facts_gathered_at: facts.gathered_at.clone(),
        targets,
        exit_code: summary.exit_code(),
        summary,
        not_checked,
    }
}

fn target_report(facts: &Facts, target: &TargetFacts, results: Vec<CheckResult>) -> TargetReport {
    let store = facts.store_of(target).map(|s| StoreSummary {
        id: s.id.clone(),
        name: s.name.clone(),
        connectivity: s.xks.as_ref().and_then(|x| x.connectivity.clone()),
        connection_state: s.connection_state.clone(),
        connection_error_code: s.connection_error_code.clone(),
    });
    let label = match (&target.subject, &store) {
        (_, Some(s)) => {
            format!("store {}{}", s.id, s.name.as_deref().map(|n| format!(" \"{n}\"")).unwrap_or_default())
        }
        (Subject::Store { query: StoreQuery::Id(id) }, None) => format!("store {id}"),
        (Subject::Store { query: StoreQuery::Name(name) }, None) => format!("store \"{name}\""),
        (Subject::AllStores, _) => format!("all external key stores in {}", facts.region),
        (Subject::Planned(_), _) => "planned settings".to_string(),
    };
    let blocked = diagnosis::blockers(&results);
    let reported = store.as_ref().filter(|s| s.connection_state.as_deref() == Some("FAILED"));
    let reported = reported.map(|s| s.connection_error_code.as_deref().unwrap_or("no ConnectionErrorCode"));
    let diagnosis = diagnosis::diagnose(reported, &results, &blocked);
    let mut summary = Summary::default();
    let checks = results
        .into_iter()
        .zip(blocked)
        .map(|(result, blocked_by)| {
            summary.add(result.outcome.status, blocked_by.is_some());
            CheckReport {
                id: result.requirement.id,
                section: result.requirement.section,
                title: result.requirement.title,
                status: result.outcome.status,
                evidence: result.outcome.evidence,
                remedy: result.outcome.remedy,
                blocked_by,
                kms_says: result.requirement.kms_says,
                kms_answers: kms_answers(result.requirement.id)
                    .iter()
                    .map(|(operation, answer)| KmsAnswer { operation: *operation, answer })
                    .collect(),
            }
        })
        .collect();
    TargetReport { label, store, diagnosis, summary, checks }
}
