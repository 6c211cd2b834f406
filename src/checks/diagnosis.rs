//! From a target's results to what to fix first: which failures only follow from an earlier one,
//! which failing checks explain the code KMS reported, and the order to work in (name resolution before
//! TCP, TCP before TLS, TLS before authentication, authentication before keys).

use serde::Serialize;

use super::{CheckResult, Status};
use crate::explain::topic_for_name;

/// A failing check on the left keeps the checks on the right (by ID or `section.` prefix) from being
/// judged on their own: they fail or are skipped because of it. Listed upstream first.
const BLOCKS: &[(&str, &[&str])] = &[
    ("config.store_found", &["config.", "vpc.", "dns.", "net.", "tls.", "proxy.", "key."]),
    ("config.endpoint_format", &["dns.", "net.", "tls.", "proxy.", "key.", "vpc.private_dns_name"]),
    ("vpc.service_region", &["vpc."]),
    ("vpc.service_found", &["vpc.", "dns.verification_txt"]),
    ("vpc.load_balancer_type", &["vpc."]),
    ("dns.resolves", &["net.", "tls.", "proxy.", "key."]),
    ("net.tcp_connect", &["net.", "tls.", "proxy.", "key."]),
    ("tls.version", &["tls.", "proxy.", "key."]),
    ("tls.cipher_suite", &["tls.http11", "proxy.", "key."]),
    ("tls.http11", &["proxy.", "key."]),
    ("proxy.uri_path", &["proxy.", "key."]),
    ("proxy.credential_accepted", &["proxy.", "key."]),
    ("proxy.clock_skew", &["proxy.credential_accepted", "key."]),
    ("proxy.access", &["key."]),
];

fn covers(pattern: &str, id: &str) -> bool {
    if pattern.ends_with('.') {
        id.starts_with(pattern)
    } else {
        id == pattern
    }
}

/// For each result, the failing check that blocks it, if any.
pub fn blockers(results: &[CheckResult]) -> Vec<Option<&'static str>> {
    let failed = |id: &str| results.iter().any(|r| r.requirement.id == id && r.outcome.status == Status::Fail);
    results
        .iter()
        .map(|result| {
            let id = result.requirement.id;
            if result.outcome.status == Status::Pass {
                return None;
            }
            BLOCKS
                .iter()
                .find(|(upstream, downstream)| {
                    *upstream != id && failed(upstream) && downstream.iter().any(|pattern| covers(pattern, id))
                })
                .map(|(upstream, _)| *upstream)
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// The ConnectionErrorCode of a FAILED store.
    pub reported: Option<String>,
    /// Failing checks (not blocked) that bear on the reported code.
    pub explained_by: Vec<&'static str>,
    /// Failing checks that are problems in their own right, in the order to fix them.
    pub problems: Vec<&'static str>,
    /// For a reported code: its checks that could not be judged in this run.
    pub unchecked: Vec<&'static str>,
    pub summary: String,
}

/// Authentication before everything else the proxy does: a refused signature fails every signed call.
fn order(id: &str) -> u8 {
    match id {
        "proxy.clock_skew" | "proxy.credential_accepted" => 0,
        _ => 1,
    }
}

pub fn diagnose(
    reported: Option<&str>,
    results: &[CheckResult],
    blocked: &[Option<&'static str>],
) -> Option<Diagnosis> {
    let mut problems: Vec<(usize, &CheckResult)> = results
        .iter()
        .enumerate()
        .filter(|(index, r)| r.outcome.status == Status::Fail && blocked[*index].is_none())
        .collect();
    if problems.is_empty() && reported.is_none() {
        return None;
    }
    // Catalogue order is section order: settings, VPC, DNS, network, TLS, proxy, keys.
    problems.sort_by_key(|(index, r)| (r.requirement.section, order(r.requirement.id), *index));
    let problems: Vec<&'static str> = problems.iter().map(|(_, r)| r.requirement.id).collect();
    let topic = reported.and_then(topic_for_name);
    let related: Vec<&'static str> = topic.map(|t| t.checks()).unwrap_or_default();
    // The state check restates the code; the others show its cause.
    let explained_by: Vec<&'static str> =
        problems.iter().copied().filter(|id| related.contains(id) && *id != "config.connection_state").collect();
    let unchecked: Vec<&'static str> = related
        .iter()
        .copied()
        .filter(|id| {
            results
                .iter()
                .find(|r| r.requirement.id == *id)
                .is_none_or(|r| matches!(r.outcome.status, Status::Skipped | Status::Error))
        })
        .collect();

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
                summary.push_str(&format!("; these could not be judged here: {}. ", unchecked.join(", ")));
            }
        } else {
            summary.push_str(&format!("Failing checks that explain it: {}. ", explained_by.join(", ")));
        }
    }
    let fixes: Vec<&&str> = problems.iter().filter(|id| **id != "config.connection_state").collect();
    if let Some(first) = fixes.first() {
        let title = crate::catalogue::find(first).map(|r| r.title).unwrap_or_default();
        summary.push_str(&format!("Fix first: {first} ({title})."));
        if fixes.len() > 1 {
            let rest: Vec<&str> = fixes[1..].iter().map(|id| **id).collect();
            summary.push_str(&format!(" Then: {}.", rest.join(", ")));
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
