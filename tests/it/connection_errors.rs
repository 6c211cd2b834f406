//! A FAILED store: each connection error code KMS gives external key stores is explained, with the
//! reminder that a FAILED store must be disconnected before it connects again.

use xks_preflight::kms_errors::topic_for_name;

use crate::support::fake_aws::FakeAws;
use crate::support::{check_json, Store};

const XKS_CODES: &[&str] = &[
    "INTERNAL_ERROR",
    "INVALID_CREDENTIALS",
    "NETWORK_ERRORS",
    "XKS_PROXY_ACCESS_DENIED",
    "XKS_PROXY_INVALID_CONFIGURATION",
    "XKS_PROXY_INVALID_RESPONSE",
    "XKS_PROXY_INVALID_TLS_CONFIGURATION",
    "XKS_PROXY_NOT_REACHABLE",
    "XKS_PROXY_TIMED_OUT",
    "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION",
    "XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND",
];

#[test]
fn every_xks_connection_error_code_has_an_explanation() {
    for code in XKS_CODES {
        assert!(topic_for_name(code).is_some(), "{code}");
    }
}

#[test]
fn failed_store_is_explained_for_each_connection_error_code() {
    for code in XKS_CODES {
        let explanation = topic_for_name(code).unwrap();
        let aws =
            FakeAws::start(None).with_stores(vec![Store::public("cks-1a2b3c4d5e6f7a8b9", "https://xks.example.com")
                .failed(code)
                .json()]);
        let run = check_json(&aws.url, &["--custom-key-store-id", "cks-1a2b3c4d5e6f7a8b9"]);
        assert_eq!(run.status("config.connection_state"), "fail", "{code}");
        let evidence = run.evidence("config.connection_state");
        assert!(evidence.contains(code) && evidence.contains(explanation.title), "{code}: {evidence}");
        for check in explanation.checks() {
            assert!(evidence.contains(check.as_str()), "{code}: {check} missing from {evidence}");
        }
        let remedy = run.remedy("config.connection_state");
        assert!(remedy.starts_with(explanation.what_to_do), "{code}: {remedy}");
        let commands = run.commands("config.connection_state");
        let store = "--custom-key-store-id cks-1a2b3c4d5e6f7a8b9 --region us-east-1";
        assert_eq!(
            commands,
            [
                format!("aws kms disconnect-custom-key-store {store}"),
                format!("aws kms connect-custom-key-store {store}")
            ],
            "{code}"
        );
        assert_eq!(run.code, 1, "{code}");
        let report = run.json();
        assert_eq!(report["targets"][0]["store"]["connection_error_code"], *code);
    }
}

#[test]
fn failed_store_points_at_the_checks_that_can_show_the_cause() {
    let aws = FakeAws::start(None).with_stores(vec![Store::public("cks-1a2b3c4d5e6f7a8b9", "https://xks.example.com")
        .failed("XKS_PROXY_INVALID_TLS_CONFIGURATION")
        .json()]);
    let run = check_json(&aws.url, &["--custom-key-store-id", "cks-1a2b3c4d5e6f7a8b9"]);
    let evidence = run.evidence("config.connection_state");
    assert!(evidence.contains("tls.hostname") && evidence.contains("tls.trusted_ca"), "{evidence}");
}

#[test]
fn unknown_connection_error_code_still_fails_and_says_it_is_unknown() {
    let aws = FakeAws::start(None).with_stores(vec![Store::public("cks-1a2b3c4d5e6f7a8b9", "https://xks.example.com")
        .failed("CLUSTER_NOT_FOUND")
        .json()]);
    let run = check_json(&aws.url, &["--custom-key-store-id", "cks-1a2b3c4d5e6f7a8b9"]);
    assert_eq!(run.status("config.connection_state"), "fail");
    assert!(run.evidence("config.connection_state").contains("does not know"));
}

#[test]
fn disconnected_store_warns() {
    let mut store = Store::public("cks-1a2b3c4d5e6f7a8b9", "https://xks.example.com");
    store.state = "DISCONNECTED";
    let aws = FakeAws::start(None).with_stores(vec![store.json()]);
    let run = check_json(&aws.url, &["--custom-key-store-id", "cks-1a2b3c4d5e6f7a8b9"]);
    assert_eq!(run.status("config.connection_state"), "warn");
    assert_eq!(run.code, 0);
}
