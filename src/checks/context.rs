//! Everything one check may look at: the facts of its account and Region, its target, and the store
//! and settings the target resolves to.

use crate::facts::{Facts, Settings, StoreFacts, Subject, TargetFacts};

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
}
