//! The verdict: from the checks' outcomes to what the run concludes. Blocking (which failures only follow
//! from another), the diagnosis (what to fix first) and the exit code are decided here, once; the
//! renderers in `report/` only show this structure.

mod blocking;
pub mod diagnosis;

use schemars::JsonSchema;
use serde::Serialize;

use crate::catalogue::{CheckId, Operation, Section};
use crate::checks::{self, Measure, Outcome, Selection, Series, Status};
use crate::exit::ExitCode;
use crate::facts::{CallFailure, Facts, StoreQuery, Subject, TargetFacts};

pub use blocking::blockers;
pub use diagnosis::{diagnose, Diagnosis};

/// Raised when a field of the JSON report changes meaning or disappears.
pub const REPORT_SCHEMA_VERSION: u32 = 3;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Verdict {
    pub schema_version: u32,
    pub tool_version: String,
    /// Each account and Region read, in the order asked.
    pub scopes: Vec<ScopeVerdict>,
    /// The targets of every scope, in the scopes' order.
    pub targets: Vec<TargetVerdict>,
    pub summary: Summary,
    /// The lowest status that fails the run (`--fail-on`): with `warn`, a warning counts as a failure.
    pub fail_on: FailOn,
    pub exit_code: ExitCode,
}

/// One account in one Region.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ScopeVerdict {
    pub region: String,
    /// Named when a role was assumed into it (`--role-arn`).
    pub account: Option<String>,
    pub role_arn: Option<String>,
    pub facts_gathered_at: String,
    /// What kept AWS from being read here at all; the run is then incomplete.
    pub aws_problem: Option<AwsProblem>,
    /// How many targets of the report are in this scope.
    pub targets: usize,
    /// How long its facts took to gather, when they were timed.
    pub gathering_seconds: Option<f64>,
    /// Found by `--all-regions` among the account's enabled Regions.
    pub all_regions: bool,
}

/// No AWS call of a scope could be answered: said once instead of by every check that reads AWS.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AwsProblem {
    /// The call that found it, e.g. `kms:DescribeCustomKeyStores` or `sts:AssumeRole`.
    pub action: String,
    pub code: Option<String>,
    pub message: String,
    pub remedy: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TargetVerdict {
    pub label: String,
    pub region: String,
    pub account: Option<String>,
    /// How long its VPC reads and probes took, when they were timed.
    pub gathering_seconds: Option<f64>,
    pub store: Option<StoreSummary>,
    /// Where a Terraform plan or a CloudFormation template declares the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_in: Option<DeclaredIn>,
    /// Present when the store is FAILED or a check fails: what to fix first.
    pub diagnosis: Option<Diagnosis>,
    pub summary: Summary,
    pub checks: Vec<CheckVerdict>,
}

/// A target's place in a plan or template: the file, and the Terraform address or logical ID in it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DeclaredIn {
    pub file: String,
    pub address: String,
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
    /// The commands the remedy asks to run, each whole and in order: an `aws` command names the Region,
    /// and the profile when one was given. Optional in the schema: earlier reports do not have it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<String>,
    /// The failing (or itself blocked) check that keeps this one from being judged on its own. Followed
    /// from check to check, it always ends at a failure that is counted and that the diagnosis names.
    pub blocked_by: Option<CheckId>,
    /// Whether this check fails the run on its own: a failure, or a warning under `--fail-on warn`. A
    /// blocked check never does; the check it is blocked by does.
    // Optional in the schema: earlier reports of schema version 3 do not have it.
    #[serde(default)]
    pub fails_run: bool,
    pub kms_says: &'static [&'static str],
    /// What KMS answers, per operation, while this requirement is broken.
    pub kms_answers: Vec<KmsAnswer>,
    /// The figures the check judged (round trip, days left, latency, key manager states).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<Measure>,
    /// The figures over time the check judged (what KMS saw over the window), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<Series>,
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
}

/// The lowest status that fails the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailOn {
    #[default]
    Fail,
    Warn,
}

impl FailOn {
    /// Whether a check's outcome fails the run: the one place `--fail-on` is applied. A blocked check
    /// has a failure behind it, which is the one that counts.
    fn fails_run(self, status: Status, blocked: bool) -> bool {
        !blocked && (status == Status::Fail || (self == FailOn::Warn && status == Status::Warn))
    }
}

/// What a run judges and what fails it.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub selection: Selection,
    pub limits: checks::Limits,
    pub fail_on: FailOn,
    /// `--profile`, written into the `aws` commands of the remedies.
    pub profile: Option<String>,
}

/// The verdict on every target of every scope's facts.
pub fn judge(scopes: &[Facts], options: &Options) -> Verdict {
    let several = scopes.len() > 1;
    let mut targets = Vec::new();
    let mut scope_verdicts = Vec::new();
    for facts in scopes {
        let before = targets.len();
        for target in &facts.targets {
            let results = checks::run_target(facts, target, &options.selection, &options.limits);
            // With --role-arn the profile only assumes the roles: the commands are for the roles' accounts.
            let profile = options.profile.as_deref().filter(|_| facts.role_arn.is_none());
            targets.push(judge_target(facts, target, results, options.fail_on, profile, several));
        }
        scope_verdicts.push(ScopeVerdict {
            region: facts.region.clone(),
            account: facts.account.clone(),
            role_arn: facts.role_arn.clone(),
            facts_gathered_at: facts.gathered_at.clone(),
            aws_problem: facts.aws_problem.as_ref().map(|failure| aws_problem(failure, facts.role_arn.as_deref())),
            all_regions: facts.all_regions,
            targets: targets.len() - before,
            gathering_seconds: seconds(facts.took_ms),
        });
    }
    let mut summary = Summary::default();
    for target in &targets {
        summary.merge(target.summary);
    }
    let failing = targets.iter().flat_map(|t| &t.checks).any(|c| c.fails_run);
    // A check that could not run, or a whole account or Region unread: never a clean exit.
    let incomplete = summary.error > 0 || scope_verdicts.iter().any(|s| s.aws_problem.is_some());
    let exit_code = match (failing, incomplete) {
        (true, _) => ExitCode::Failed,
        (false, true) => ExitCode::Incomplete,
        (false, false) => ExitCode::Ok,
    };
    Verdict {
        schema_version: REPORT_SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        scopes: scope_verdicts,
        targets,
        exit_code,
        fail_on: options.fail_on,
        summary,
    }
}

fn seconds(millis: Option<u64>) -> Option<f64> {
    millis.map(|ms| ms as f64 / 1000.0)
}

/// A problem that kept a scope from being read, with the remedy a check would give for the same
/// failure; `role_arn` is the identity its calls were made as, when a role was assumed.
fn aws_problem(failure: &CallFailure, role_arn: Option<&str>) -> AwsProblem {
    AwsProblem {
        action: failure.action.clone(),
        code: failure.code.clone(),
        message: failure.message.clone(),
        remedy: checks::aws_call::remedy(failure, role_arn),
    }
}

fn label(facts: &Facts, target: &TargetFacts, store: Option<&StoreSummary>, several: bool) -> String {
    let name = match (&target.subject, store) {
        (_, Some(s)) => format!("store {}{}", s.id, s.name.as_deref().map(|n| format!(" \"{n}\"")).unwrap_or_default()),
        (Subject::Store { query: StoreQuery::Id(id) }, None) => format!("store {id}"),
        (Subject::Store { query: StoreQuery::Name(name) }, None) => format!("store \"{name}\""),
        (Subject::AllStores, _) => return format!("all external key stores in {}", scope_name(facts)),
        (Subject::Planned(_), _) => match &target.iac {
            Some(iac) => iac.address.clone(),
            None => "planned settings".to_string(),
        },
    };
    match several {
        true => format!("{name} in {}", scope_name(facts)),
        false => name,
    }
}

fn scope_name(facts: &Facts) -> String {
    crate::aws_names::scope_name(&facts.region, facts.account.as_deref())
}

/// An `aws` or `xks-preflight` command with `--profile` added when one was given: the account the
/// run read is the one its fixes must go to.
fn with_profile(command: String, profile: Option<&str>) -> String {
    let Some(profile) = profile else { return command };
    if !command.starts_with("aws ") && !command.starts_with("xks-preflight ") {
        return command;
    }
    // Before a pipe: the option belongs to the command, not to what reads its output.
    match command.find(" | ") {
        Some(at) => format!("{} --profile {profile}{}", &command[..at], &command[at..]),
        None => format!("{command} --profile {profile}"),
    }
}

fn judge_target(
    facts: &Facts,
    target: &TargetFacts,
    results: Vec<(CheckId, Outcome)>,
    fail_on: FailOn,
    profile: Option<&str>,
    several: bool,
) -> TargetVerdict {
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
                commands: outcome.commands.into_vec().into_iter().map(|c| with_profile(c, profile)).collect(),
                blocked_by,
                fails_run: fail_on.fails_run(outcome.status, blocked_by.is_some()),
                kms_says: requirement.kms_says,
                kms_answers: requirement
                    .kms_answers
                    .iter()
                    .map(|(operation, answer)| KmsAnswer { operation: *operation, answer })
                    .collect(),
                measures: outcome.measures,
                series: outcome.series,
            }
        })
        .collect();
    TargetVerdict {
        label: label(facts, target, store.as_ref(), several),
        declared_in: target.iac.as_ref().map(|iac| DeclaredIn { file: iac.file.clone(), address: iac.address.clone() }),
        region: facts.region.clone(),
        account: facts.account.clone(),
        gathering_seconds: seconds(target.took_ms),
        store,
        diagnosis,
        summary,
        checks,
    }
}
