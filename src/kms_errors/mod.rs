//! What KMS's terse answers mean: for every exception name, connection error code and error message
//! KMS gives for external key stores, what KMS was doing, the likely causes in order with the checks
//! that confirm or rule out each, and what to do, all in the tool's own words. The `explain` subcommand
//! recognises these in pasted text; the checks and the diagnosis explain a store's error code with them.
//! What KMS answers per operation while a requirement is broken is declared with the requirement, in
//! `catalogue`.

mod names;
mod topics;

pub use names::{guide_messages, MESSAGE_TOPICS, NAMES};
pub use topics::{topic, Cause, Topic, TopicId, TOPICS};

use crate::catalogue::CheckId;

/// The topic of an exception name or connection error code.
pub fn topic_for_name(name: &str) -> Option<&'static Topic> {
    NAMES.iter().find(|(known, _)| *known == name).map(|(_, id)| topic(*id))
}

impl Topic {
    /// The exception names and connection error codes this topic explains.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        NAMES.iter().filter(|(_, id)| *id == self.id).map(|(name, _)| *name)
    }

    /// The checks the catalogue ties to this topic: those whose requirement KMS reports with one of the
    /// topic's names (`Requirement::kms_says`). The catalogue decides which; the causes only order them.
    pub fn checks(&self) -> Vec<CheckId> {
        let names: Vec<&str> = self.names().collect();
        let named: Vec<CheckId> = self.causes.iter().flat_map(|cause| cause.checks.iter().copied()).collect();
        let mut checks: Vec<CheckId> = CheckId::ALL
            .iter()
            .copied()
            .filter(|id| id.requirement().kms_says.iter().any(|said| names.contains(said)))
            .collect();
        checks.sort_by_key(|id| named.iter().position(|cause_check| cause_check == id).unwrap_or(usize::MAX));
        checks
    }
}
