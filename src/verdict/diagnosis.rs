//! From a target's results to what to fix first: which failing checks explain the code KMS reported, and
//! the order to work in (settings, then the VPC side, name resolution, TCP, TLS, authentication, keys).

use schemars::JsonSchema;
use serde::Serialize;

use crate::catalogue::CheckId;
use crate::checks::{MeasureName, Outcome, Status};
use crate::kms_errors::topic_for_name;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Diagnosis {
    /// The ConnectionErrorCode of a FAILED store.
    pub reported: Option<String>,
    /// Failing checks (not blocked) that bear on the reported code.
    pub explained_by: Vec<CheckId>,
    /// Every failing check that is a problem in its own right (not blocked), in the order to fix them.
    pub problems: Vec<CheckId>,
    /// For a reported code: its checks that could not be judged in this run.
    pub unchecked: Vec<CheckId>,
    pub summary: String,
}

/// Whether the checks that explain the code are all readings of what KMS saw that come and go.
fn comes_and_goes(explained_by: &[CheckId]) -> bool {
    let intermittent = [CheckId::MonitorLatency, CheckId::MonitorErrors, CheckId::MonitorThrottle];
    !explained_by.is_empty() && explained_by.iter().all(|id| intermittent.contains(id))
}

/// The failures in the order to fix them: a cause before every failure downstream of it (by the
/// catalogue's blocking graph, or because the failing outcome names it), else in catalogue order, which
/// is section order. Each step takes the first failure that nothing still waiting is upstream of.
fn in_fixing_order(mut waiting: Vec<(CheckId, Option<CheckId>)>) -> Vec<CheckId> {
    // CheckId's order is the catalogue's.
    waiting.sort_by_key(|(id, _)| *id);
    let mut ordered = Vec::with_capacity(waiting.len());
    while !waiting.is_empty() {
        let upstream_of = |(id, because): &(CheckId, Option<CheckId>), other: CheckId| {
            other != *id && (id.depends_on(other) || *because == Some(other))
        };
        // The blocking graph is acyclic, so some failure has nothing waiting upstream of it; were it not,
        // the first one still goes next and the loop still ends.
        let next =
            waiting.iter().position(|entry| !waiting.iter().any(|(other, _)| upstream_of(entry, *other))).unwrap_or(0);
        ordered.push(waiting.remove(next).0);
    }
    ordered
}

/// The intermittent case in figures: what KMS recorded (the first clause of each explaining check's
/// evidence), against what this run's own calls to the proxy took.
fn what_kms_saw_and_what_is_seen_now(explained_by: &[CheckId], results: &[(CheckId, Outcome)]) -> String {
    let outcome_of = |id: CheckId| results.iter().find(|(judged, _)| *judged == id).map(|(_, outcome)| outcome);
    let seen: Vec<&str> = explained_by
        .iter()
        .filter_map(|id| outcome_of(*id))
        .map(|outcome| outcome.evidence.split(';').next().unwrap_or_default().trim().trim_end_matches('.'))
        .filter(|clause| !clause.is_empty())
        .collect();
    let mut text = String::new();
    if !seen.is_empty() {
        text.push_str(&format!("{}. ", seen.join("; ")));
    }
    let now = outcome_of(CheckId::ProxyLatency).and_then(|outcome| {
        outcome.measures.iter().find(|m| m.name == MeasureName::ProxyLatencyWorstMs).map(|m| m.value)
    });
    match now {
        Some(ms) => text.push_str(&format!("This run's calls to the proxy took at most {ms:.0} ms and its ")),
        None => text.push_str("This run's "),
    }
    text.push_str(
        "probes find nothing wrong now: the failure is intermittent, so look at what changes over the day \
         (load, the external key manager, the network). ",
    );
    // Latency that comes and goes is most often latency under traffic, which one call at a time cannot show.
    if explained_by.contains(&CheckId::MonitorLatency) {
        text.push_str(
            "`xks-preflight load` sends KMS's rate to the proxy and shows whether it answers within 250 ms, \
             and at what rate it stops. ",
        );
    }
    text
}

pub fn diagnose(
    reported: Option<&str>,
    results: &[(CheckId, Outcome)],
    blocked: &[Option<CheckId>],
) -> Option<Diagnosis> {
    let failed: Vec<(CheckId, Option<CheckId>)> = results
        .iter()
        .zip(blocked)
        .filter(|((_, outcome), blocked)| outcome.status == Status::Fail && blocked.is_none())
        .map(|((id, outcome), _)| (*id, outcome.because))
        .collect();
    if failed.is_empty() && reported.is_none() {
        return None;
    }
    let problems = in_fixing_order(failed);
    let topic = reported.and_then(topic_for_name);
    let related: Vec<CheckId> = topic.map(|t| t.checks()).unwrap_or_default();
    // The state check restates the code; the others show its cause.
    let explained_by: Vec<CheckId> =
        problems.iter().copied().filter(|id| related.contains(id) && *id != CheckId::ConfigConnectionState).collect();
    // The state check restates the code: it is never what was left unjudged.
    let unchecked: Vec<CheckId> = related
        .iter()
        .copied()
        .filter(|id| *id != CheckId::ConfigConnectionState)
        .filter(|id| {
            results
                .iter()
                .find(|(judged, _)| judged == id)
                .is_none_or(|(_, outcome)| matches!(outcome.status, Status::Skipped | Status::Error))
        })
        .collect();

    let names = |ids: &[CheckId]| ids.iter().map(|id| id.as_str()).collect::<Vec<_>>().join(", ");
    let mut summary = String::new();
    if let Some(code) = reported {
        match topic {
            Some(topic) => summary.push_str(&format!("KMS reported {code}: {}. ", topic.title)),
            None => summary.push_str(&format!("KMS reported {code}. ")),
        }
        if explained_by.is_empty() {
            summary.push_str("No check of this run fails for it");
            if unchecked.is_empty() {
                summary.push_str(". ");
            } else {
                summary.push_str(&format!("; these could not be judged here: {}. ", names(&unchecked)));
            }
        } else {
            summary.push_str(&format!("Failing checks that explain it: {}. ", names(&explained_by)));
            // Only what KMS recorded explains it: this run's own probes of the same things pass.
            // Said only of what comes and goes (latency, errors), and only when the probes that would
            // have seen it were made.
            if comes_and_goes(&explained_by) && unchecked.is_empty() {
                summary.push_str(&what_kms_saw_and_what_is_seen_now(&explained_by, results));
            }
        }
    }
    let fixes: Vec<CheckId> = problems.iter().copied().filter(|id| *id != CheckId::ConfigConnectionState).collect();
    if let Some(first) = fixes.first() {
        summary.push_str(&format!("Fix first: {first} ({}).", first.requirement().title));
        if fixes.len() > 1 {
            summary.push_str(&format!(" Then: {}.", names(&fixes[1..])));
        }
    }
    Some(Diagnosis {
        reported: reported.map(str::to_string),
        explained_by,
        problems,
        unchecked,
        summary: summary.trim().to_string(),
    })
}
