//! The diagnosis at the top of a report: what KMS reported, which failing checks explain it, what to
//! fix first, and which failures only follow from an earlier one.

use xks_preflight::catalogue::CheckId;
use xks_preflight::checks::Outcome;
use xks_preflight::verdict::{blockers, diagnose};

use crate::replay::EXAMPLE;
use crate::support::{command, dns_server, run};

fn result(id: &str, outcome: Outcome) -> (CheckId, Outcome) {
    (CheckId::parse(id).unwrap(), outcome)
}

fn fail(id: &str) -> (CheckId, Outcome) {
    result(id, Outcome::fail("seen", "fix"))
}

/// A failure the check itself put down to another check.
fn fail_because(id: &str, because: CheckId) -> (CheckId, Outcome) {
    result(id, Outcome::fail("seen", "fix").because(because))
}

fn pass(id: &str) -> (CheckId, Outcome) {
    result(id, Outcome::pass("seen"))
}

#[test]
fn failed_store_report_opens_with_the_requirement_behind_its_code() {
    let out = run(command(None), &["check", "--facts", EXAMPLE, "--output", "json"]);
    let diagnosis = &out.json()["targets"][0]["diagnosis"];
    assert_eq!(diagnosis["reported"], "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION");
    assert_eq!(diagnosis["explained_by"], serde_json::json!(["vpc.acceptance_required"]));
    assert!(diagnosis["summary"].as_str().unwrap().contains("Fix first: vpc.acceptance_required"));
    let table = run(command(None), &["check", "--facts", EXAMPLE]).stdout;
    let diagnosis_at = table.find("Diagnosis").expect("a diagnosis in the table");
    assert!(diagnosis_at < table.find("Key store settings").unwrap());
}

#[test]
fn failing_check_states_what_kms_answers_per_operation() {
    let out = run(command(None), &["check", "--facts", EXAMPLE, "--output", "json"]);
    let check = out.check("vpc.acceptance_required");
    let answers = check["kms_answers"].as_array().unwrap();
    assert!(answers.iter().any(|a| a["operation"] == "create_or_update_store"
        && a["answer"] == "XksProxyVpcEndpointServiceInvalidConfigurationException"));
    assert!(answers
        .iter()
        .any(|a| a["operation"] == "connect_store" && a["answer"] == "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION"));
    let table = run(command(None), &["check", "--facts", EXAMPLE]).stdout;
    assert!(table.contains("KMS answers: Create/UpdateCustomKeyStore →"), "{table}");
}

#[test]
fn name_resolution_failure_blocks_the_connection_checks() {
    let dns = dns_server();
    let out = run(
        command(None),
        &["check", "--output", "json", "--no-aws", "--endpoint", "https://missing.example.test", "--dns-server", &dns],
    );
    assert_eq!(out.check("net.tcp_connect")["blocked_by"], "dns.resolves");
    assert_eq!(out.check("tls.version")["blocked_by"], "dns.resolves");
    let report = out.json();
    let diagnosis = &report["targets"][0]["diagnosis"];
    assert_eq!(diagnosis["problems"][0], "dns.resolves");
    assert_eq!(report["summary"]["fail"], 1);
    assert!(report["summary"]["blocked"].as_u64().unwrap() >= 9);
}

#[test]
fn fixes_are_ordered_settings_dns_network_tls_authentication_keys() {
    let results = vec![
        fail_because("key.metadata", CheckId::ProxyCredentialAccepted),
        result("proxy.ekm_available", Outcome::blocked(CheckId::ProxyHealth, "no 200")),
        result("proxy.health", Outcome::blocked(CheckId::ProxyCredentialAccepted, "401")),
        fail("proxy.credential_accepted"),
        fail("tls.validity"),
        pass("tls.version"),
        fail("config.path_format"),
    ];
    let blocked = blockers(&results);
    let diagnosis = diagnose(None, &results, &blocked).unwrap();
    // A refused credential fails every signed call after it: the health and key failures follow from it.
    assert_eq!(
        diagnosis.problems,
        vec![CheckId::ConfigPathFormat, CheckId::TlsValidity, CheckId::ProxyCredentialAccepted]
    );
    assert_eq!(blocked[0], Some(CheckId::ProxyCredentialAccepted));
    assert_eq!(blocked[1], Some(CheckId::ProxyHealth), "a chain of blockers: ekm_available ← health ← credential");
    assert_eq!(blocked[2], Some(CheckId::ProxyCredentialAccepted));
    assert!(diagnosis.summary.starts_with("Fix first: config.path_format"), "{}", diagnosis.summary);
}

#[test]
fn tcp_failure_blocks_what_it_explains_but_a_passing_check_is_never_blocked() {
    let results = vec![
        fail("net.tcp_connect"),
        result("tls.hostname", Outcome::blocked(CheckId::NetTcpConnect, "no TCP connection")),
        pass("dns.resolves"),
        result("tls.http11", Outcome::pass("answered").because(CheckId::NetTcpConnect)),
    ];
    let blocked = blockers(&results);
    assert_eq!(blocked, vec![None, Some(CheckId::NetTcpConnect), None, None]);
}

#[test]
fn a_reason_that_did_not_fail_blocks_nothing() {
    // dns.resolves is skipped (a VPC store's private name), so what it would explain counts on its own.
    let results = vec![
        result("dns.resolves", Outcome::skipped("private name")),
        result("net.tcp_connect", Outcome::blocked(CheckId::DnsResolves, "no address")),
    ];
    assert_eq!(blockers(&results), vec![None, None]);
}

#[test]
fn a_reason_the_catalogue_does_not_declare_blocks_nothing() {
    // tls.version is no blocker of config.path_format: the outcome counts as a failure of its own.
    let results = vec![fail("tls.version"), fail_because("config.path_format", CheckId::TlsVersion)];
    assert_eq!(blockers(&results), vec![None, None]);
}

#[test]
fn reported_code_without_a_failing_check_says_what_could_not_be_judged() {
    let results = vec![
        pass("net.tcp_connect"),
        result("tls.hostname", Outcome::skipped("no handshake")),
        result("tls.trusted_ca", Outcome::skipped("no handshake")),
    ];
    let blocked = blockers(&results);
    let diagnosis = diagnose(Some("XKS_PROXY_INVALID_TLS_CONFIGURATION"), &results, &blocked).unwrap();
    assert!(diagnosis.explained_by.is_empty());
    assert!(diagnosis.summary.contains("No check of this run fails for it"), "{}", diagnosis.summary);
    assert!(
        diagnosis.unchecked.contains(&CheckId::TlsHostname) && diagnosis.unchecked.contains(&CheckId::TlsTrustedCa)
    );
}

#[test]
fn nothing_failing_and_nothing_reported_needs_no_diagnosis() {
    let results = vec![pass("config.store_found"), pass("dns.resolves")];
    assert!(diagnose(None, &results, &blockers(&results)).is_none());
}

/// The state check restates the reported code: when it was left out (--only, --skip), it is not named
/// among the checks that could not be judged.
#[test]
fn the_state_check_is_never_listed_as_unjudged() {
    let results = vec![
        result("config.connection_state", Outcome::skipped("not selected with --only")),
        result("proxy.latency", Outcome::skipped("not selected with --only")),
    ];
    let blocked = blockers(&results);
    let diagnosis = diagnose(Some("XKS_PROXY_TIMED_OUT"), &results, &blocked).unwrap();
    assert!(!diagnosis.unchecked.contains(&CheckId::ConfigConnectionState), "{:?}", diagnosis.unchecked);
    assert!(diagnosis.unchecked.contains(&CheckId::ProxyLatency), "{:?}", diagnosis.unchecked);
}

/// A store FAILED with XKS_PROXY_TIMED_OUT whose proxy answers well now is explained by what KMS saw,
/// and said to be intermittent, never "nothing fails", with `load` named for the latency under traffic.
#[test]
fn a_timed_out_store_whose_proxy_answers_now_is_explained_by_what_kms_saw() {
    let results =
        vec![fail("config.connection_state"), pass("net.rtt"), pass("proxy.latency"), fail("monitor.latency")];
    let blocked = blockers(&results);
    let diagnosis = diagnose(Some("XKS_PROXY_TIMED_OUT"), &results, &blocked).unwrap();
    assert_eq!(diagnosis.explained_by, vec![CheckId::MonitorLatency]);
    assert!(diagnosis.summary.contains("intermittent"), "{}", diagnosis.summary);
    assert!(!diagnosis.summary.contains("No check of this run fails"), "{}", diagnosis.summary);
    // Latency under traffic is what `load` measures: the operator is pointed at it.
    assert!(diagnosis.summary.contains("`xks-preflight load`"), "{}", diagnosis.summary);

    // Without the probes that would have seen it (--no-network), this run cannot call it intermittent.
    let results = vec![fail("config.connection_state"), fail("monitor.latency")];
    let blocked = blockers(&results);
    let diagnosis = diagnose(Some("XKS_PROXY_TIMED_OUT"), &results, &blocked).unwrap();
    assert!(!diagnosis.summary.contains("intermittent"), "{}", diagnosis.summary);

    // When a probe of this run fails too, it is no longer called intermittent.
    let results = vec![fail("config.connection_state"), fail("proxy.latency"), fail("monitor.latency")];
    let blocked = blockers(&results);
    let diagnosis = diagnose(Some("XKS_PROXY_TIMED_OUT"), &results, &blocked).unwrap();
    assert!(!diagnosis.summary.contains("intermittent"), "{}", diagnosis.summary);
}
