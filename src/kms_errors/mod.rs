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
    /// Every check the causes name, in the order of the causes, once each.
    pub fn checks(&self) -> Vec<CheckId> {
        let mut checks: Vec<CheckId> = Vec::new();
        for check in self.causes.iter().flat_map(|c| c.checks.iter().copied()) {
            if !checks.contains(&check) {
                checks.push(check);
            }
        }
        checks
    }
}
