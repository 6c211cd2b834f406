//! `fixtures/examples/healthy-stores.json`: facts of three healthy targets, recorded by the tool against
//! the local AWS endpoint, moto, dnsmasq and the test proxy. A public store (with a KMS key and its
//! external key), a VPC store, and planned settings. The public store's chain is then replaced by a
//! real public chain (`fixtures/chains/amazon-root-ca-1.pem`) and its host by one that chain names, at a
//! moment inside its validity: no chain made here could pass tls.trusted_ca. The verdict walk
//! (`verdict_walk.rs`) breaks this baseline one requirement at a time.

use base64::Engine;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use serde_json::{json, Value};

use crate::proxy_checks::{proxy, PATH};
use crate::support::fake_aws::{fixture, FakeAws};
use crate::support::fake_monitor::{healthy, recommended_alarms, FakeMonitor};
use crate::support::moto::{self, VpcSpec};
use crate::support::xks_proxy::{Variant, ACCESS_KEY_ID, KEY_ID, SECRET};
use crate::support::{check_seen, command, dns_server, run, write, Store};

pub const HEALTHY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/examples/healthy-stores.json");
pub const PUBLIC_STORE: &str = "cks-0a1b2c3d4e5f6a7b8";
pub const VPC_STORE: &str = "cks-1b2c3d4e5f6a7b8c9";
/// A host the real chain's `*.1password.com` names.
pub const PUBLIC_HOST: &str = "xks.1password.com";
/// Inside the real chain's validity (its server certificate: 2024-05-24 to 2025-06-22).
pub const GATHERED_AT: &str = "2025-01-15T12:00:00Z";
const PRIVATE_DNS_NAME: &str = "xks-proxy.payments.test";

/// Records the three targets and merges them into one facts document.
async fn record() -> Value {
    let built = moto::build(VpcSpec { private_dns_name: Some(PRIVATE_DNS_NAME.into()), ..VpcSpec::default() }).await;
    let mut public = Store::public(PUBLIC_STORE, "https://xks.example.test");
    public.name = "payments-public".into();
    let mut vpc = Store::vpc(VPC_STORE, PRIVATE_DNS_NAME, &built.service_name);
    vpc.name = "payments-vpc".into();
    vpc.path = "/tenant-b/kms/xks/v1".into();
    let verified = fixture(
        "ec2/describe-vpc-endpoint-service-configurations.xml",
        &[
            ("service_id", &built.service_id),
            ("service_name", &built.service_name),
            ("nlb_arn", &built.nlb_arn.replace(":loadbalancer/app/", ":loadbalancer/net/")),
            ("private_dns_name", PRIVATE_DNS_NAME),
            ("verification_state", "verified"),
            ("service_state", "Available"),
            ("ip_address_type", "ipv4"),
        ],
    );
    let aws = FakeAws::start(Some(&moto::url()))
        .with_stores(vec![public.json(), vpc.json()])
        .with_keys(vec![json!({
            "KeyId": "1234abcd-0000-4000-8000-00000000a001",
            "Arn": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-0000-4000-8000-00000000a001",
            "KeyState": "Enabled",
            "Origin": "EXTERNAL_KEY_STORE",
            "CustomKeyStoreId": PUBLIC_STORE,
            "XksKeyConfiguration": {"Id": KEY_ID},
        })])
        .with_canned("ec2", "DescribeVpcEndpointServiceConfigurations", 200, verified)
        .with_network_load_balancer(&built.nlb_arn);
    let setup = proxy(Variant::Faithful);
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "proxy-configuration.json",
        &format!(
            r#"{{"XksProxyUriPath": "{PATH}", "XksProxyAuthenticationCredential": {{"AccessKeyId": "{ACCESS_KEY_ID}", "RawSecretAccessKey": "{SECRET}"}}}}"#
        ),
    );
    let dns = dns_server();
    // Both stores connected and well, as KMS saw them over the last three hours.
    let stores = [PUBLIC_STORE, VPC_STORE];
    let monitor = FakeMonitor::start()
        .with_series(stores.iter().flat_map(|store| healthy(store, |_| 40.0)).collect())
        .with_alarms(stores.iter().flat_map(|store| recommended_alarms(store)).collect());
    let saved = |name: &str| dir.path().join(name).display().to_string();
    let recorded =
        |file: &str| -> Value { serde_json::from_str(&std::fs::read_to_string(saved(file)).unwrap()).unwrap() };
    let public_run = check_seen(
        &aws.url,
        &monitor,
        &[
            "--custom-key-store-id",
            PUBLIC_STORE,
            "--dns-server",
            &dns,
            "--connect-to",
            setup.connect_to(),
            "--proxy-config",
            &config,
            "--rtt-samples",
            "3",
            "--save-facts",
            &saved("public.json"),
        ],
    );
    assert_ne!(public_run.code, 2, "{}", public_run.stderr);
    check_seen(
        &aws.url,
        &monitor,
        &["--custom-key-store-id", VPC_STORE, "--dns-server", &dns, "--save-facts", &saved("vpc.json")],
    );
    run(
        command(Some(&aws.url)),
        &[
            "check",
            "--output",
            "json",
            "--endpoint",
            "https://xks-next.example.test",
            "--path",
            "/kms/xks/v1",
            "--access-key-id",
            ACCESS_KEY_ID,
            "--save-facts",
            &saved("planned.json"),
        ],
    );
    let mut facts = recorded("public.json");
    for other in ["vpc.json", "planned.json"] {
        let target = recorded(other)["targets"][0].clone();
        facts["targets"].as_array_mut().unwrap().push(target);
    }
    put_real_chain(&mut facts);
    facts
}

/// The real chain in place of the test proxy's, its host for the test proxy's, at a moment it was valid.
fn put_real_chain(facts: &mut Value) {
    let chain: Vec<Value> =
        CertificateDer::pem_file_iter(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/chains/amazon-root-ca-1.pem"))
            .unwrap()
            .map(|der| base64::engine::general_purpose::STANDARD.encode(der.unwrap()).into())
            .collect();
    facts["gathered_at"] = GATHERED_AT.into();
    for store in facts["region_stores"]["seen"].as_array_mut().unwrap() {
        if store["id"] == PUBLIC_STORE {
            store["xks"]["uri_endpoint"] = format!("https://{PUBLIC_HOST}").into();
        }
    }
    let network = &mut facts["targets"][0]["network"]["seen"];
    network["host"] = PUBLIC_HOST.into();
    for attempt in network["tls"].as_array_mut().unwrap() {
        if let Some(handshake) = attempt["outcome"].get_mut("seen") {
            handshake["chain"] = chain.clone().into();
        }
    }
}

fn statuses(report: &Value) -> Vec<(String, String, String)> {
    report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| {
            t["checks"].as_array().unwrap().iter().map(|c| {
                (
                    t["label"].as_str().unwrap().to_string(),
                    c["id"].as_str().unwrap().to_string(),
                    c["status"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect()
}

/// With `XKS_RECORD_EXAMPLES=1` the recording replaces the file; otherwise a fresh recording must judge
/// every check of every target as the file does.
#[tokio::test]
async fn healthy_facts_file_is_what_the_tool_records_today() {
    let fresh = record().await;
    if std::env::var("XKS_RECORD_EXAMPLES").is_ok() {
        std::fs::write(HEALTHY, serde_json::to_string_pretty(&fresh).unwrap() + "\n").unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let fresh_file = write(dir.path(), "fresh.json", &fresh.to_string());
    let judge = |file: &str| run(command(None), &["check", "--output", "json", "--facts", file]).json();
    assert_eq!(statuses(&judge(&fresh_file)), statuses(&judge(HEALTHY)));
}

#[test]
fn healthy_stores_pass_every_check_that_applies_and_exit_zero() {
    let out = run(command(None), &["check", "--output", "json", "--facts", HEALTHY]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let report = out.json();
    assert_eq!(report["summary"]["fail"], 0);
    assert_eq!(report["summary"]["warn"], 0);
    assert_eq!(report["summary"]["error"], 0);
    assert_eq!(report["summary"]["blocked"], 0);
    let public = &report["targets"][0];
    let passed: Vec<&str> = public["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "pass")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    for id in [
        "tls.trusted_ca",
        "tls.chain_complete",
        "proxy.health",
        "key.round_trip",
        "key.unique",
        "config.proxy_config_match",
    ] {
        assert!(passed.contains(&id), "{id} does not pass on the healthy public store");
    }
    assert_eq!(
        report["targets"][1]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["id"].as_str().unwrap().starts_with("vpc.") && c["status"] == "pass")
            .count(),
        15
    );
    assert!(report["targets"][2]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == "config.store_quota" && c["status"] == "pass"));
}
