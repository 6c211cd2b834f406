//! Everything one check may look at: the facts of its account and Region, its target, and the store
//! and settings the target resolves to.

use crate::facts::{Facts, Settings, StoreFacts, Subject, TargetFacts};

/// Everything one check may look at.
pub struct Ctx<'a> {
    pub facts: &'a Facts,
    pub target: &'a TargetFacts,
    pub store: Option<&'a StoreFacts>,
    pub settings: Option<Settings>,
    pub limits: &'a Limits,
}

/// The thresholds a user may set for a run (the others are AWS's and fixed).
#[derive(Debug, Clone)]
pub struct Limits {
    /// `--max-credential-age`.
    pub max_credential_age_days: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_credential_age_days: 90 }
    }
}

impl<'a> Ctx<'a> {
    pub fn new(facts: &'a Facts, target: &'a TargetFacts, limits: &'a Limits) -> Self {
        Ctx { facts, target, store: facts.store_of(target), settings: facts.settings_of(target), limits }
    }

    /// An aws CLI command for this scope's Region: `aws <arguments> --region <region>`, whole, to be
    /// printed on a line of its own.
    pub fn aws_command(&self, arguments: &str) -> String {
        format!("aws {arguments} --region {}", self.facts.region)
    }

    pub fn is_planned(&self) -> bool {
        matches!(self.target.subject, Subject::Planned(_))
    }
}
