//! `key.*`: the test proxy's external key through GetKeyMetadata, Encrypt and Decrypt, its defective
//! variants, and a store's KMS keys read from KMS.

use serde_json::json;

use crate::proxy_checks::{check_with, failing, names_kms_error, proxy, PATH};
use crate::support::fake_aws::FakeAws;
use crate::support::xks_proxy::{Variant, KEY_ID, SECRET};
use crate::support::{check_json, Store};

#[test]
fn faithful_external_key_passes_metadata_round_trip_and_tamper_checks() {
    let setup = proxy(Variant::Faithful);
    let run = check_with(&setup, Some(SECRET), PATH, &["--xks-key-id", KEY_ID]);
    for id in ["key.metadata", "key.round_trip", "key.tamper_rejected"] {
        assert_eq!(run.status(id), "pass", "{id}: {}", run.evidence(id));
    }
    assert!(run.evidence("key.metadata").contains("AES_256"));
    assert!(run.evidence("key.round_trip").contains("4300 bytes, 8192 bytes of AAD"));
    assert!(run.evidence("key.tamper_rejected").contains("InvalidCiphertextException"));
    assert_eq!(run.status("key.unique"), "skipped");
    assert_eq!(failing(&run), vec!["tls.trusted_ca"]);
}

#[test]
fn key_reported_as_rsa_0_with_no_usage_fails_metadata() {
    let setup = proxy(Variant::Rsa0);
    let run = check_with(&setup, Some(SECRET), PATH, &["--xks-key-id", KEY_ID]);
    assert_eq!(failing(&run), vec!["tls.trusted_ca", "key.metadata"]);
    let evidence = run.evidence("key.metadata");
    assert!(evidence.contains("keySpec RSA_0") && evidence.contains("lacks ENCRYPT"), "{evidence}");
    assert!(names_kms_error(&run, "key.metadata", "XksKeyInvalidConfigurationException"));
}

#[test]
fn unknown_external_key_fails_metadata_as_not_found() {
    let setup = proxy(Variant::Faithful);
    let run = check_with(&setup, Some(SECRET), PATH, &["--xks-key-id", "no-such-key"]);
    assert_eq!(run.status("key.metadata"), "fail");
    assert!(run.evidence("key.metadata").contains("404 KeyNotFoundException"));
    assert!(names_kms_error(&run, "key.metadata", "XksKeyNotFoundException"));
}

#[test]
fn proxy_denying_the_key_apis_fails_access_and_blocks_the_key_checks() {
    let setup = proxy(Variant::DeniesKeys);
    let run = check_with(&setup, Some(SECRET), PATH, &["--xks-key-id", KEY_ID]);
    assert_eq!(run.status("proxy.access"), "fail");
    assert!(run.evidence("proxy.access").contains("/keys/foo/metadata was denied"));
    assert!(names_kms_error(&run, "proxy.access", "XKS_PROXY_ACCESS_DENIED"));
    assert_eq!(run.check("key.metadata")["blocked_by"], "proxy.access");
    let report = run.json();
    assert_eq!(report["summary"]["fail"], 2, "tls.trusted_ca and proxy.access only");
}

#[test]
fn proxy_that_decrypts_tampered_data_fails_the_tamper_check() {
    let setup = proxy(Variant::DecryptsTampered);
    let run = check_with(&setup, Some(SECRET), PATH, &["--xks-key-id", KEY_ID]);
    assert_eq!(failing(&run), vec!["tls.trusted_ca", "key.tamper_rejected"]);
    assert!(run.evidence("key.tamper_rejected").contains("was decrypted"));
}

#[test]
fn without_the_secret_the_key_calls_are_skipped_with_the_reason() {
    let setup = proxy(Variant::Faithful);
    let run = check_with(&setup, None, PATH, &["--xks-key-id", KEY_ID]);
    assert_eq!(run.status("key.metadata"), "skipped");
    assert!(run.evidence("key.metadata").contains("XKS_PROXY_SECRET_ACCESS_KEY"));
}

fn kms_key(id: &str, store: &str, xks: &str, state: &str) -> serde_json::Value {
    json!({
        "KeyId": id,
        "Arn": format!("arn:aws:kms:us-east-1:111122223333:key/{id}"),
        "KeyState": state,
        "Origin": "EXTERNAL_KEY_STORE",
        "CustomKeyStoreId": store,
        "XksKeyConfiguration": {"Id": xks},
    })
}

#[test]
fn store_keys_sharing_an_external_key_fail_uniqueness_and_unusable_states_warn() {
    let store = "cks-1a2b3c4d5e6f7a8b9";
    let aws =
        FakeAws::start(None).with_stores(vec![Store::public(store, "https://xks.example.com").json()]).with_keys(vec![
            kms_key("1234abcd-0000-4000-8000-000000000001", store, "shared-key", "Enabled"),
            kms_key("1234abcd-0000-4000-8000-000000000002", store, "shared-key", "PendingDeletion"),
            kms_key("1234abcd-0000-4000-8000-000000000003", "cks-0ffe00000000000a1", "shared-key", "Enabled"),
        ]);
    let run = check_json(&aws.url, &["--custom-key-store-id", store]);
    assert_eq!(run.status("key.unique"), "fail");
    let evidence = run.evidence("key.unique");
    assert!(
        evidence.contains("000000000001") && evidence.contains("000000000002") && !evidence.contains("000000000003"),
        "{evidence}"
    );
    assert!(names_kms_error(&run, "key.unique", "XksKeyAlreadyInUseException"));
    assert_eq!(run.status("key.kms_key_state"), "warn");
    assert!(run.evidence("key.kms_key_state").contains("PendingDeletion"));
}

/// "0 KMS keys, each with its own external key" is no finding: with no keys there is nothing to judge.
#[test]
fn store_without_kms_keys_skips_uniqueness_rather_than_passing_it() {
    let store = "cks-1a2b3c4d5e6f7a8b9";
    let aws = FakeAws::start(None).with_stores(vec![Store::public(store, "https://xks.example.com").json()]);
    let run = check_json(&aws.url, &["--custom-key-store-id", store]);
    assert_eq!(run.status("key.unique"), "skipped");
    assert_eq!(run.evidence("key.unique"), "the store has no KMS keys");
    assert_eq!(run.status("key.kms_key_state"), "skipped");
}

#[test]
fn store_with_distinct_keys_in_use_passes_uniqueness_and_state() {
    let store = "cks-1a2b3c4d5e6f7a8b9";
    let aws =
        FakeAws::start(None).with_stores(vec![Store::public(store, "https://xks.example.com").json()]).with_keys(vec![
            kms_key("1234abcd-0000-4000-8000-000000000001", store, "key-a", "Enabled"),
            kms_key("1234abcd-0000-4000-8000-000000000002", store, "key-b", "Disabled"),
        ]);
    let run = check_json(&aws.url, &["--custom-key-store-id", store]);
    assert_eq!(run.status("key.unique"), "pass");
    assert_eq!(run.status("key.kms_key_state"), "pass");
}

#[test]
fn facts_of_a_signed_run_hold_the_calls_but_never_the_secret() {
    let setup = proxy(Variant::Faithful);
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("facts.json").display().to_string();
    let run = check_with(&setup, Some(SECRET), PATH, &["--xks-key-id", KEY_ID, "--save-facts", &facts]);
    let saved = std::fs::read_to_string(&facts).unwrap();
    assert!(!saved.contains(SECRET) && !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
    let value: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let proxy = &value["targets"][0]["network"]["seen"]["proxy"]["seen"];
    // Planned settings: KMS would be creating the store.
    assert_eq!(proxy["kms_operation"], "CreateCustomKeyStore");
    assert_eq!(proxy["signed_health"]["seen"]["status"], 200);
    assert!(proxy["signed_health"]["seen"]["kms_request_id"].as_str().unwrap().len() >= 32);
    // The replay judges the keys as the run did.
    let replayed =
        crate::support::run(crate::support::command(None), &["check", "--output", "json", "--facts", &facts]);
    assert_eq!(replayed.status("key.round_trip"), "pass");
    assert_eq!(replayed.status("proxy.latency"), run.status("proxy.latency"));
}
