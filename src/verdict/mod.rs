//! The verdict: from the checks' outcomes to what the run concludes. Blocking (which failures only follow
//! from another), the diagnosis (what to fix first) and the exit code are decided here, once; the
//! renderers in `report/` only show this structure.

mod blocking;
pub mod diagnosis;

use schemars::JsonSchema;
use serde::Serialize;

use crate::catalogue::{CheckId, Operation, Section};
use crate::checks::{self, Measure, Outcome, Selection, Status};
use crate::exit::ExitCode;
use crate::facts::{Facts, StoreQuery, Subject, TargetFacts};

pub use blocking::blockers;
pub use diagnosis::{diagnose, Diagnosis};

/// Raised when a field of the JSON report changes meaning or disappears.
pub const REPORT_SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Verdict {
    pub schema_version: u32,
    pub tool_version: String,
    pub region: String,
    pub facts_gathered_at: String,
    pub targets: Vec<TargetVerdict>,
    pub summary: Summary,
    /// The lowest status that fails the run (`--fail-on`): with `warn`, a warning counts as a failure.
    pub fail_on: FailOn,
    pub exit_code: ExitCode,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TargetVerdict {
    pub label: String,
    pub store: Option<StoreSummary>,
    /// Present when the store is FAILED or a check fails: what to fix first.
    pub diagnosis: Option<Diagnosis>,
    pub summary: Summary,
    pub checks: Vec<CheckVerdict>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StoreSummary {
    pub id: String,
    pub name: Option<String>,
    pub connectivity: Option<String>,
    pub connection_state: Option<String>,
    pub connection_error_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CheckVerdict {
    pub id: CheckId,
    pub section: Section,
    pub title: &'static str,
    pub status: Status,
    pub evidence: String,
    pub remedy: Option<String>,
    /// The failing (or itself blocked) check that keeps this one from being judged on its own. Followed
    /// from check to check, it always ends at a failure that is counted and that the diagnosis names.
    pub blocked_by: Option<CheckId>,
    pub kms_says: &'static [&'static str],
    /// What KMS answers, per operation, while this requirement is broken.
    pub kms_answers: Vec<KmsAnswer>,
    /// The figures the check judged (round trip, days left, latency, key manager states).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<Measure>,
}

impl CheckVerdict {
    /// A row the reader has to act on: a failure of its own, a warning, or a check that could not run.
    pub fn needs_attention(&self) -> bool {
        self.blocked_by.is_none() && matches!(self.status, Status::Fail | Status::Warn | Status::Error)
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KmsAnswer {
    pub operation: Operation,
    pub answer: &'static str,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Summary {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skipped: usize,
    pub error: usize,
    /// Checks that fail, or could not run, only because another check failed; not in the counts above.
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

    /// Failed when a requirement failed (a blocked check always has a failed one behind it), or warned
    /// under `--fail-on warn`; else Incomplete when a check could not run, else Ok.
    pub fn exit_code(&self, fail_on: FailOn) -> ExitCode {
        if self.fail > 0 || self.blocked > 0 || (fail_on == FailOn::Warn && self.warn > 0) {
            ExitCode::Failed
        } else if self.error > 0 {
            ExitCode::Incomplete
        } else {
            ExitCode::Ok
        }
    }
}

/// The lowest status that fails the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailOn {
    #[default]
    Fail,
    Warn,
}

/// What a run judges and what fails it.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub selection: Selection,
    pub fail_on: FailOn,
}

/// The verdict on every target of the facts.
pub fn judge(facts: &Facts, options: &Options) -> Verdict {
    let targets: Vec<TargetVerdict> = facts
        .targets
        .iter()
        .map(|target| judge_target(facts, target, checks::run_target(facts, target, &options.selection)))
        .collect();
    let mut summary = Summary::default();
    for target in &targets {
        summary.merge(target.summary);
    }
    Verdict {
        schema_version: REPORT_SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        region: facts.region.clone(),
        facts_gathered_at: facts.gathered_at.clone(),
        targets,
        exit_code: summary.exit_code(options.fail_on),
        fail_on: options.fail_on,
        summary,
    }
}

fn label(facts: &Facts, target: &TargetFacts, store: Option<&StoreSummary>) -> String {
    match (&target.subject, store) {
        (_, Some(s)) => format!("store {}{}", s.id, s.name.as_deref().map(|n| format!(" \"{n}\"")).unwrap_or_default()),
        (Subject::Store { query: StoreQuery::Id(id) }, None) => format!("store {id}"),
        (Subject::Store { query: StoreQuery::Name(name) }, None) => format!("store \"{name}\""),
        (Subject::AllStores, _) => format!("all external key stores in {}", facts.region),
        (Subject::Planned(_), _) => "planned settings".to_string(),
    }
}

fn judge_target(facts: &Facts, target: &TargetFacts, results: Vec<(CheckId, Outcome)>) -> TargetVerdict {
    let store = facts.store_of(target).map(|s| StoreSummary {
        id: s.id.clone(),
        name: s.name.clone(),
        connectivity: s.xks.as_ref().and_then(|x| x.connectivity.clone()),
        connection_state: s.connection_state.clone(),
        connection_error_code: s.connection_error_code.clone(),
    });
    let blocked = blockers(&results);
    let reported = store.as_ref().filter(|s| s.connection_state.as_deref() == Some("FAILED"));
    let reported = reported.map(|s| s.connection_error_code.as_deref().unwrap_or("no ConnectionErrorCode"));
    let diagnosis = diagnose(reported, &results, &blocked);
    let mut summary = Summary::default();
    let checks = results
        .into_iter()
        .zip(blocked)
        .map(|((id, outcome), blocked_by)| {
            summary.add(outcome.status, blocked_by.is_some());
            let requirement = id.requirement();
            CheckVerdict {
                id,
                section: requirement.section,
                title: requirement.title,
                status: outcome.status,
                evidence: outcome.evidence,
                remedy: outcome.remedy,
                blocked_by,
                kms_says: requirement.kms_says,
                kms_answers: requirement
                    .kms_answers
                    .iter()
                    .map(|(operation, answer)| KmsAnswer { operation: *operation, answer })
                    .collect(),
                measures: outcome.measures,
            }
        })
        .collect();
    TargetVerdict { label: label(facts, target, store.as_ref()), store, diagnosis, summary, checks }
}
