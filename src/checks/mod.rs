//! Judgement: each check is a pure function from the facts of one target to an outcome. Nothing here
//! calls AWS or the network. Blocking, the diagnosis and the exit code are the verdict's business
//! (`crate::verdict`); a check only says which other check explains a fact it lacks (`gates`).
//!
//! The modules form layers, each using only those below it: this one (which runs the checks) over the
//! section files (`config` … `key`, one per catalogue section, never using each other), over `gates`
//! (the preconditions they share), over `context`, `outcome` and the helpers for text and bodies.

mod answers;
pub mod aws_call;
mod body;
mod chain;
mod config;
mod context;
mod dns;
mod figures;
mod gates;
mod iac;
mod key;
mod monitor;
mod net;
mod outcome;
mod proxy;
mod text;
mod tls;
mod vpc;

pub use context::{Ctx, Limits};
pub use key::integrity_value;
pub use outcome::{Measure, MeasureName, Outcome, Series, Status};
pub use text::{list, quote};

use crate::catalogue::CheckId;
use crate::facts::{Facts, TargetFacts};

/// Generates `judge` from the catalogue's declarations: each names the function that judges it. Its
/// pattern is the declaration grammar of `catalogue!` in catalogue.rs: change both together.
macro_rules! judge_each {
    ($(
        $variant:ident = $id:literal, $section:ident, $severity:ident, $title:literal,
        $requirement:literal,
        says [$($says:literal),* $(,)?],
        answers [$(($operation:ident, $answer:literal)),* $(,)?],
        after [$($after:ident),* $(,)?],
        check $($check:ident)::+;
    )*) => {
        /// Judges one requirement with the check its declaration names.
        pub fn judge(id: CheckId, ctx: &Ctx) -> Outcome {
            match id {
                $(CheckId::$variant => $($check)::+(ctx),)*
            }
        }
    };
}
crate::catalogue::requirements!(judge_each);

/// A check that a `--skip` or `--only` selection names: an ID, or a whole section as `tls.*`.
pub fn selected_by(patterns: &[String], id: CheckId) -> bool {
    patterns.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => id.as_str().starts_with(prefix),
        None => p == id.as_str(),
    })
}

/// Which checks a run judges: all but those `skip` names; with `only`, just those it names and the checks
/// they can be blocked by (so that a blocked check still points at a judged failure).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub skip: Vec<String>,
    pub only: Vec<String>,
}

impl Selection {
    /// Why `id` is left out (as skipped), if it is.
    pub fn leaves_out(&self, id: CheckId) -> Option<&'static str> {
        if selected_by(&self.skip, id) {
            Some("skipped with --skip")
        } else if !self.only.is_empty() && !CheckId::ALL.iter().any(|&chosen| self.wanted(chosen, id)) {
            Some("not selected with --only")
        } else {
            None
        }
    }

    /// Whether judging `chosen` (named by --only) needs `id` judged: itself, or one of its blockers.
    fn wanted(&self, chosen: CheckId, id: CheckId) -> bool {
        selected_by(&self.only, chosen) && (chosen == id || chosen.depends_on(id))
    }
}

/// Every check of one target, in catalogue order, leaving out (as skipped) those `selection` leaves out.
pub fn run_target(
    facts: &Facts,
    target: &TargetFacts,
    selection: &Selection,
    limits: &Limits,
) -> Vec<(CheckId, Outcome)> {
    let ctx = Ctx::new(facts, target, limits);
    CheckId::ALL
        .iter()
        .map(|&id| {
            let outcome = match selection.leaves_out(id) {
                Some(why) => Outcome::skipped(why),
                None => judge(id, &ctx),
            };
            (id, outcome)
        })
        .collect()
}
