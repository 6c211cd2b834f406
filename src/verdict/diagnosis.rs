//! From a target's results to what to fix first: which failing checks explain the code KMS reported, and
//! the order to work in (settings, then the VPC side, name resolution, TCP, TLS, authentication, keys).

use schemars::JsonSchema;
use serde::Serialize;

use crate::catalogue::CheckId;
use crate::checks::{Outcome, Status};
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

/// Authentication before everything else the proxy does: a refused signature fails every signed call.
fn order(id: CheckId) -> u8 {
    match id {
        CheckId::ProxyClockSkew | CheckId::ProxyCredentialAccepted => 0,
        _ => 1,
    }
}

pub fn diagnose(
    reported: Option<&str>,
    results: &[(CheckId, Outcome)],
    blocked: &[Option<CheckId>],
) -> Option<Diagnosis> {
    let mut problems: Vec<(usize, CheckId)> = results
        .iter()
        .enumerate()
        .filter(|(index, (_, outcome))| outcome.status == Status::Fail && blocked[*index].is_none())
        .map(|(index, (id, _))| (index, *id))
        .collect();
    if problems.is_empty() && reported.is_none() {
        return None;
    }
    // Catalogue order is section order: settings, VPC, DNS, network, TLS, proxy, keys.
    problems.sort_by_key(|(index, id)| (id.section(), order(*id), *index));
    let problems: Vec<CheckId> = problems.into_iter().map(|(_, id)| id).collect();
    let topic = reported.and_then(topic_for_name);
    let related: Vec<CheckId> = topic.map(|t| t.checks()).unwrap_or_default();
    // The state check restates the code; the others show its cause.
    let explained_by: Vec<CheckId> =
        problems.iter().copied().filter(|id| related.contains(id) && *id != CheckId::ConfigConnectionState).collect();
    let unchecked: Vec<CheckId> = related
        .iter()
        .copied()
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
