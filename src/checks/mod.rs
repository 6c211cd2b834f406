//! Judgement: each check is a pure function from the facts of one target to an outcome. Nothing here
//! calls AWS or the network.

mod chain;
mod config;
pub mod diagnosis;
mod dns;
mod key;
mod net;
mod proxy;
mod tls;
mod vpc;

use serde::Serialize;

use crate::catalogue::{self, Requirement};
use crate::facts::{
    CallFailure, Facts, NetworkFacts, Observed, ProbeFailure, Settings, StoreFacts, Subject, TargetFacts,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    /// Does not apply, or needs a fact that an earlier failure or a missing input left out.
    Skipped,
    /// Could not be judged: a fact could not be gathered.
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub status: Status,
    /// What was seen; for skipped and error, why.
    pub evidence: String,
    /// What to do, for anything but a pass.
    pub remedy: Option<String>,
}

impl Outcome {
    pub fn pass(evidence: impl Into<String>) -> Self {
        Outcome { status: Status::Pass, evidence: evidence.into(), remedy: None }
    }
    pub fn warn(evidence: impl Into<String>, remedy: impl Into<String>) -> Self {
        Outcome { status: Status::Warn, evidence: evidence.into(), remedy: Some(remedy.into()) }
    }
    pub fn fail(evidence: impl Into<String>, remedy: impl Into<String>) -> Self {
        Outcome { status: Status::Fail, evidence: evidence.into(), remedy: Some(remedy.into()) }
    }
    pub fn skipped(why: impl Into<String>) -> Self {
        Outcome { status: Status::Skipped, evidence: why.into(), remedy: None }
    }
    pub fn error(why: impl Into<String>, remedy: impl Into<String>) -> Self {
        Outcome { status: Status::Error, evidence: why.into(), remedy: Some(remedy.into()) }
    }

    /// An AWS call that did not answer: an error naming the IAM action, never a pass.
    pub fn from_failure(failure: &CallFailure) -> Self {
        let code = failure.code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
        if failure.access_denied {
            Outcome::error(
                format!("{} was refused{code}: {}", failure.action, failure.message),
                format!("Allow {} to the identity running xks-preflight, then run it again.", failure.action),
            )
        } else {
            Outcome::error(
                format!("{} failed{code}: {}", failure.action, failure.message),
                "Check the credentials, the Region and any AWS_ENDPOINT_URL setting, then run it again.",
            )
        }
    }
}

/// What an observation gives a check: the fact, or the outcome that stands in for it (an error
/// naming the refused call, or skipped with the reason it was not gathered).
pub fn seen<T, F: Failure>(observed: &Observed<T, F>) -> Result<&T, Outcome> {
    match observed {
        Observed::Seen(value) => Ok(value),
        Observed::Failed(failure) => Err(failure.outcome()),
        Observed::NotGathered(why) => Err(Outcome::skipped(why.clone())),
    }
}

/// A step that did not give its fact, as the outcome of a check that needed it.
pub trait Failure {
    fn outcome(&self) -> Outcome;
}

impl Failure for CallFailure {
    fn outcome(&self) -> Outcome {
        Outcome::from_failure(self)
    }
}

impl Failure for ProbeFailure {
    fn outcome(&self) -> Outcome {
        let how = if self.timed_out { "timed out" } else { "failed" };
        Outcome::error(
            format!("{} {how}: {}", self.step, self.message),
            "Check that this host can reach the endpoint (or use --connect-to), then run it again.",
        )
    }
}

/// The network facts, once a TCP connection was made: without one no handshake or call could be tried.
pub fn connected<'a>(ctx: &Ctx<'a>) -> Result<&'a NetworkFacts, Outcome> {
    let net = network(ctx)?;
    match &net.tcp {
        Observed::Seen(_) => Ok(net),
        _ => Err(Outcome::skipped("no TCP connection (see net.tcp_connect)")),
    }
}

/// The network facts of the target, or why there are none.
pub fn network<'a>(ctx: &Ctx<'a>) -> Result<&'a NetworkFacts, Outcome> {
    seen(&ctx.target.network)
}

/// `need!(expr)`: the `Ok` value, or return the `Err` outcome from the check. A check judges only
/// what it has; whatever it lacks has already said why.
macro_rules! need {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(outcome) => return outcome,
        }
    };
}
pub(crate) use need;

/// Everything one check may look at.
pub struct Ctx<'a> {
    pub facts: &'a Facts,
    pub target: &'a TargetFacts,
    pub store: Option<&'a StoreFacts>,
    pub settings: Option<Settings>,
}

impl<'a> Ctx<'a> {
    pub fn new(facts: &'a Facts, target: &'a TargetFacts) -> Self {
        Ctx { facts, target, store: facts.store_of(target), settings: facts.settings_of(target) }
    }

    pub fn is_planned(&self) -> bool {
        matches!(self.target.subject, Subject::Planned(_))
    }

    /// The settings, or why there are none to judge.
    pub fn settings(&self) -> Result<&Settings, Outcome> {
        if let Some(settings) = &self.settings {
            return Ok(settings);
        }
        Err(match (&self.target.subject, &self.facts.region_stores, self.store) {
            (_, Observed::Failed(_), _) => Outcome::skipped("the store could not be read (see config.store_found)"),
            (_, Observed::NotGathered(why), _) => Outcome::skipped(why.clone()),
            (Subject::Store { .. }, _, Some(_)) => {
                Outcome::skipped("the store has no external key store proxy configuration (see config.store_type)")
            }
            _ => Outcome::skipped("no store to check (see config.store_found)"),
        })
    }
}

pub type CheckFn = fn(&Ctx) -> Outcome;

/// A section's checks, each under its catalogue ID.
pub type Checks = &'static [(&'static str, CheckFn)];

/// Every check this version runs, in catalogue order.
pub fn registry() -> Vec<(&'static Requirement, CheckFn)> {
    let implemented: Vec<(&str, CheckFn)> =
        [config::CHECKS, vpc::CHECKS, dns::CHECKS, net::CHECKS, tls::CHECKS, proxy::CHECKS, key::CHECKS]
            .into_iter()
            .flatten()
            .copied()
            .collect();
    catalogue::CATALOGUE
        .iter()
        .filter_map(|r| implemented.iter().find(|(id, _)| *id == r.id).map(|(_, check)| (r, *check)))
        .collect()
}

#[derive(Debug, Clone)]
pub struct CheckResult {
    pub requirement: &'static Requirement,
    pub outcome: Outcome,
}

/// Whether `--skip` patterns (`tls.trusted_ca`, or a whole section as `tls.*`) name this check.
pub fn skipped_by(patterns: &[String], id: &str) -> bool {
    patterns.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => p == id,
    })
}

pub fn run_target(facts: &Facts, target: &TargetFacts, skip: &[String]) -> Vec<CheckResult> {
    let ctx = Ctx::new(facts, target);
    registry()
        .into_iter()
        .map(|(requirement, check)| {
            let outcome =
                if skipped_by(skip, requirement.id) { Outcome::skipped("skipped with --skip") } else { check(&ctx) };
            CheckResult { requirement, outcome }
        })
        .collect()
}

/// The nearest-rank percentile of sorted, non-empty samples.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Joins names for evidence: `a, b and c`.
fn list(items: &[String]) -> String {
    match items {
        [] => "none".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
