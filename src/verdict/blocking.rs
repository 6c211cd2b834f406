//! Which outcomes only follow from another check's failure. A check that lacked a fact names the check
//! that judges it (`Outcome::because`); it is blocked when that check failed, or is itself blocked, so
//! that every chain of blockers ends at a failure that is counted. Only the edges the catalogue declares
//! (`Requirement::blocked_by`, an acyclic graph) are followed; anything else counts on its own.

use crate::catalogue::CheckId;
use crate::checks::{Outcome, Status};

/// For each result, the check that blocks it, if any. `results` may hold any subset of the checks.
pub fn blockers(results: &[(CheckId, Outcome)]) -> Vec<Option<CheckId>> {
    let mut memo: Vec<Option<Option<CheckId>>> = vec![None; CheckId::ALL.len()];
    results.iter().map(|(id, _)| blocker(*id, results, &mut memo)).collect()
}

fn blocker(id: CheckId, results: &[(CheckId, Outcome)], memo: &mut [Option<Option<CheckId>>]) -> Option<CheckId> {
    if let Some(known) = memo[id as usize] {
        return known;
    }
    let outcome = results.iter().find(|(judged, _)| *judged == id).map(|(_, outcome)| outcome);
    let resolved = match outcome.and_then(|o| o.because.filter(|_| o.status != Status::Pass).map(|b| (o, b))) {
        // The declared graph is acyclic, so following it ends.
        Some((_, because)) if id.depends_on(because) => {
            let upstream = results.iter().find(|(judged, _)| *judged == because).map(|(_, outcome)| outcome);
            let failed = upstream.is_some_and(|o| o.status == Status::Fail);
            if failed || blocker(because, results, memo).is_some() {
                Some(because)
            } else {
                None
            }
        }
        _ => None,
    };
    memo[id as usize] = Some(resolved);
    resolved
}
