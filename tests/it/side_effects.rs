//! The tool only reads: every request a full check sends is recorded by the test proxy, and none names
//! an operation that could create or change anything, even on a proxy that creates keys when asked to.

use serde_json::json;

use crate::proxy_checks::{check_store, check_with, proxy, PATH};
use crate::support::fake_aws::FakeAws;
use crate::support::xks_proxy::{SeenRequest, Variant, KEY_ID, NEXT_ACCESS_KEY_ID, NEXT_SECRET, SECRET};
use crate::support::{write, Store};
use xks_preflight::facts::UNKNOWN_OPERATION;

/// What KMS itself sends with GetHealthStatus (SPEC §GetHealthStatus): a report on the proxy that names no
/// key, so there is nothing for it to create.
const HEALTH_OPERATIONS: &[&str] = &["CreateCustomKeyStore", "ConnectCustomKeyStore", "KmsHealthCheck"];
/// The only kmsOperation values a key API call may carry: KMS operations that read, and the cryptographic
/// ones, which use a key and keep nothing.
const KEY_OPERATIONS: &[&str] = &["DescribeKey", "Encrypt", "Decrypt"];

/// Why `request` could change something on a proxy, if it could.
fn could_change(request: &SeenRequest) -> Option<String> {
    let api = request.path.rsplit('/').next().unwrap_or_default();
    let allowed = match (request.method.as_str(), api) {
        ("POST", "health") => HEALTH_OPERATIONS,
        ("GET", "health") => return None,
        ("POST", "metadata" | "encrypt" | "decrypt") => KEY_OPERATIONS,
        _ => return Some(format!("{} {} is no XKS API the tool needs", request.method, request.path)),
    };
    match request.kms_operation.as_deref() {
        // The requests that leave requestMetadata out on purpose, and the operation no proxy can know.
        None => None,
        Some(operation) if operation == UNKNOWN_OPERATION || allowed.contains(&operation) => None,
        Some(operation) => Some(format!("{} {} with kmsOperation {operation}", request.method, request.path)),
    }
}

/// A full check of the test proxy with its key, the secret and a next credential: every probe the tool has.
fn full_check(variant: Variant) -> (crate::support::Run, Vec<SeenRequest>, Vec<String>) {
    let setup = proxy(variant);
    let files = tempfile::tempdir().unwrap();
    let next = write(files.path(), "next-secret", NEXT_SECRET);
    let extra =
        ["--xks-key-id", KEY_ID, "--next-access-key-id", NEXT_ACCESS_KEY_ID, "--next-secret-access-key-file", &next];
    let run = check_with(&setup, Some(SECRET), PATH, &extra);
    (run, setup.proxy.seen(), setup.proxy.keys())
}

#[test]
fn no_request_of_a_full_check_names_an_operation_that_changes_anything() {
    let (run, seen, _) = full_check(Variant::TwoCredentials);
    assert_eq!(run.status("key.round_trip"), "pass", "{}", run.stdout);
    assert_eq!(run.status("proxy.credential_rotation"), "pass", "{}", run.stdout);
    // The recording is whole: every API was called, the key metadata as DescribeKey.
    for api in ["/health", "/metadata", "/encrypt", "/decrypt"] {
        assert!(seen.iter().any(|r| r.path.ends_with(api)), "no call to {api}: {seen:?}");
    }
    let metadata: Vec<&SeenRequest> = seen.iter().filter(|r| r.path.ends_with("/metadata")).collect();
    assert!(metadata.iter().any(|r| r.kms_operation.as_deref() == Some("DescribeKey")), "{metadata:?}");
    assert!(seen.len() > 40, "{} requests", seen.len());
    let changing: Vec<String> = seen.iter().filter_map(could_change).collect();
    assert!(changing.is_empty(), "requests that could change something: {changing:?}");
}

#[test]
fn a_proxy_that_creates_keys_on_create_key_is_left_with_the_keys_it_had() {
    let (run, seen, keys) = full_check(Variant::CreatesOnCreateKey);
    assert!(seen.iter().any(|r| r.path.contains("/keys/xks-preflight-absent-")), "the not-found probe ran: {seen:?}");
    assert_eq!(keys, vec![KEY_ID.to_string()], "the proxy created keys:\n{}", run.stdout);
    // The not-found probe was answered as the specification says, not by a key made for it.
    assert_eq!(run.status("key.not_found"), "pass", "{}", run.evidence("key.not_found"));
}

/// An existing, connected store with a KMS key on the external key: the health calls say KmsHealthCheck,
/// and the key calls carry the KMS key's ARN, as KMS's do.
#[test]
fn no_request_for_an_existing_store_and_its_key_names_an_operation_that_changes_anything() {
    let setup = proxy(Variant::CreatesOnCreateKey);
    let store = "cks-3c4d5e6f7a8b9c0d1";
    let arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-0000-4000-8000-00000000b001";
    let aws = FakeAws::start(None)
        .with_stores(vec![Store::public(store, "https://xks.example.test").json()])
        .with_keys(vec![json!({
            "KeyId": "1234abcd-0000-4000-8000-00000000b001",
            "Arn": arn,
            "KeyState": "Enabled",
            "Origin": "EXTERNAL_KEY_STORE",
            "CustomKeyStoreId": store,
            "XksKeyConfiguration": {"Id": KEY_ID},
        })]);
    let files = tempfile::tempdir().unwrap();
    let next = write(files.path(), "next-secret", NEXT_SECRET);
    let run = check_store(
        &setup,
        &aws.url,
        store,
        &["--next-access-key-id", NEXT_ACCESS_KEY_ID, "--next-secret-access-key-file", &next],
    );
    assert_eq!(run.status("key.round_trip"), "pass", "{}", run.stdout);
    let seen = setup.proxy.seen();
    let health: Vec<&SeenRequest> = seen.iter().filter(|r| r.path.ends_with("/health") && r.method == "POST").collect();
    assert!(health.iter().any(|r| r.kms_operation.as_deref() == Some("KmsHealthCheck")), "{health:?}");
    let changing: Vec<String> = seen.iter().filter_map(could_change).collect();
    assert!(changing.is_empty(), "requests that could change something: {changing:?}");
    assert_eq!(setup.proxy.keys(), vec![KEY_ID.to_string()]);
}

#[test]
fn the_side_effect_rule_refuses_what_would_create_a_key() {
    let request = |path: &str, operation: &str| SeenRequest {
        method: "POST".into(),
        path: path.into(),
        kms_operation: Some(operation.into()),
        at: std::time::Instant::now(),
    };
    assert!(could_change(&request("/tenant-a/kms/xks/v1/keys/foo/metadata", "CreateKey")).is_some());
    assert!(could_change(&request("/tenant-a/kms/xks/v1/keys/foo/metadata", "ScheduleKeyDeletion")).is_some());
    assert!(could_change(&request("/tenant-a/kms/xks/v1/health", "UpdateCustomKeyStore")).is_some());
    assert!(could_change(&request("/tenant-a/kms/xks/v1/keys/foo/metadata", "DescribeKey")).is_none());
}
