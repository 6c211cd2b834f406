//! Facts replay: what `--save-facts` writes, `--facts` judges the same way with no AWS at all; and the
//! example the README runs is a file the tool recorded itself.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::support::fake_aws::FakeAws;
use crate::support::fake_monitor::FakeMonitor;
use crate::support::moto::{self, VpcSpec};
use crate::support::{check_json, check_seen, command, dns_server, run, write, Run, Store, ACCESS_KEY_ID, PATH};

const SECRET: &str = "c2VjcmV0LWZvci14a3MtcHJlZmxpZ2h0LXRlc3RzLTQ0Ynl0";
pub const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/examples/failed-vpc-store.json");
/// The example as version 0.1.0 recorded it, kept unchanged forever: every later version must read it.
const RELEASED_0_1_0: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/facts/0.1.0-failed-vpc-store.json");
const EXAMPLE_STORE: &str = "cks-7c1d2e3f4a5b6c7d8";

fn replay(facts: &str) -> Run {
    run(command(None), &["check", "--output", "json", "--facts", facts])
}

fn statuses(report: &Value) -> BTreeMap<String, String> {
    report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["checks"].as_array().unwrap())
        .map(|c| (c["id"].as_str().unwrap().to_string(), c["status"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn saved_facts_replay_to_the_same_report_without_aws() {
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("facts.json").display().to_string();
    let aws = FakeAws::start(None).with_stores(vec![
        Store::public("cks-1a2b3c4d5e6f7a8b9", "https://xks.example.com").failed("XKS_PROXY_NOT_REACHABLE").json(),
        Store::public("cks-9b8a7f6e5d4c3b2a1", "https://xks.example.com").json(),
    ]);
    let live = check_json(&aws.url, &["--custom-key-store-id", "cks-1a2b3c4d5e6f7a8b9", "--save-facts", &facts]);
    drop(aws);
    let replayed = replay(&facts);
    assert_eq!(live.json(), replayed.json());
    assert_eq!(live.code, replayed.code);
    assert_eq!(replayed.code, 1);
}

#[test]
fn facts_file_and_output_never_hold_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("facts.json").display().to_string();
    let config = write(
        dir.path(),
        "proxy.json",
        &format!(
            r#"{{"XksProxyUriPath": "{PATH}", "XksProxyAuthenticationCredential": {{"AccessKeyId": "{ACCESS_KEY_ID}", "RawSecretAccessKey": "{SECRET}"}}}}"#
        ),
    );
    let out = run(
        command(None),
        &[
            "check",
            "--no-aws",
            "--endpoint",
            "https://xks.example.com",
            "--proxy-config",
            &config,
            "--save-facts",
            &facts,
        ],
    );
    let saved = std::fs::read_to_string(&facts).unwrap();
    assert!(saved.contains("\"length\": 48"), "{saved}");
    for text in [&saved, &out.stdout, &out.stderr] {
        assert!(!text.contains(SECRET));
    }
}

#[test]
fn facts_file_of_another_schema_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let facts = write(dir.path(), "facts.json", r#"{"schema_version": 99}"#);
    let out = replay(&facts);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("schema_version 99"), "{}", out.stderr);
}

#[test]
fn example_facts_replay_to_a_failed_vpc_store() {
    let out = replay(EXAMPLE);
    assert_eq!(out.code, 1);
    assert_eq!(out.status("config.connection_state"), "fail");
    assert_eq!(out.status("vpc.acceptance_required"), "fail");
    assert_eq!(out.status("vpc.allowed_principal"), "warn");
    assert_eq!(out.status("vpc.subnets_private"), "warn");
    assert_eq!(out.status("dns.public_parent"), "pass");
    assert_eq!(out.status("dns.resolves"), "skipped");
}

/// Records the example in moto as the README's quick start shows it. With `XKS_RECORD_EXAMPLES=1` the
/// recording replaces the file; otherwise a fresh recording must judge every check as the file does.
#[tokio::test]
async fn example_facts_file_is_what_the_tool_records_today() {
    let built = moto::build(VpcSpec {
        acceptance_required: true,
        public_subnets: true,
        principals: vec!["*".into()],
        private_dns_name: Some("xks-proxy.payments.test".into()),
        ..VpcSpec::default()
    })
    .await;
    let mut store = Store::vpc(EXAMPLE_STORE, &built.private_dns_name, &built.service_name)
        .failed("XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION");
    store.name = "payments-xks".into();
    let aws =
        FakeAws::start(Some(&moto::url())).with_stores(vec![store.json()]).with_network_load_balancer(&built.nlb_arn);
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("facts.json").display().to_string();
    let dns = dns_server();
    // A FAILED store that never connected: KMS published no metric for it.
    let monitor = FakeMonitor::start();
    let args = ["--custom-key-store-id", EXAMPLE_STORE, "--save-facts", &fresh, "--dns-server", &dns];
    let live = check_seen(&aws.url, &monitor, &args);
    if std::env::var("XKS_RECORD_EXAMPLES").is_ok() {
        std::fs::copy(&fresh, EXAMPLE).unwrap();
    }
    assert_eq!(statuses(&live.json()), statuses(&replay(EXAMPLE).json()));
}

/// Facts files outlive versions: the file 0.1.0 wrote (Debug spellings of TLS values, no body_problem,
/// fewer checks) still loads, and judges its store as that version did, where the checks have not changed.
#[test]
fn facts_file_of_release_0_1_0_still_replays() {
    let out = replay(RELEASED_0_1_0);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for (id, status) in [
        ("config.connection_state", "fail"),
        ("vpc.acceptance_required", "fail"),
        ("vpc.allowed_principal", "warn"),
        ("vpc.subnets_private", "warn"),
        ("dns.public_parent", "pass"),
        ("dns.verification_txt", "warn"),
        ("vpc.load_balancer_type", "pass"),
    ] {
        assert_eq!(out.status(id), status, "{id}: {}", out.evidence(id));
    }
}

/// The README's example shows what AWS would show: a Network Load Balancer's ARN says net/.
#[test]
fn example_facts_name_the_network_load_balancer_as_aws_does() {
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    assert!(text.contains(":loadbalancer/net/") && !text.contains(":loadbalancer/app/"));
    assert_eq!(replay(EXAMPLE).status("vpc.load_balancer_type"), "pass");
}
