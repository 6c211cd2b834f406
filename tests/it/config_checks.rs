//! `config.*`: planned settings judged without AWS, and stores read from KMS (served by the fake endpoint).

use crate::support::fake_aws::{fixture, FakeAws};
use crate::support::{check_json, command, run, write, Store, ACCESS_KEY_ID, PATH};

const SECRET: &str = "c2VjcmV0LWZvci14a3MtcHJlZmxpZ2h0LXRlc3RzLTQ0Ynl0";

/// `check --no-aws` on planned settings: no AWS endpoint at all.
fn planned(args: &[&str]) -> crate::support::Run {
    let mut all = vec!["check", "--output", "json", "--no-aws"];
    all.extend_from_slice(args);
    run(command(None), &all)
}

fn planned_endpoint(endpoint: &str) -> crate::support::Run {
    planned(&["--endpoint", endpoint, "--path", PATH, "--access-key-id", ACCESS_KEY_ID])
}

#[test]
fn well_formed_planned_settings_pass_every_format_check() {
    let run = planned_endpoint("https://xks.example.com");
    for id in [
        "config.endpoint_format",
        "config.path_format",
        "config.uri_length",
        "config.access_key_id_format",
        "config.region_supported",
    ] {
        assert_eq!(run.status(id), "pass", "{id}: {}", run.evidence(id));
    }
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn endpoint_with_a_port_fails_and_names_the_port() {
    let run = planned_endpoint("https://xks.example.com:8443");
    assert_eq!(run.status("config.endpoint_format"), "fail");
    assert!(run.evidence("config.endpoint_format").contains(":8443"), "{}", run.evidence("config.endpoint_format"));
    assert_eq!(run.code, 1);
}

#[test]
fn endpoint_with_a_path_fails() {
    let run = planned_endpoint("https://xks.example.com/kms");
    assert_eq!(run.status("config.endpoint_format"), "fail");
    assert!(run.evidence("config.endpoint_format").contains("path"));
}

#[test]
fn endpoint_that_is_an_ip_address_fails() {
    let run = planned_endpoint("https://203.0.113.10");
    assert_eq!(run.status("config.endpoint_format"), "fail");
    assert!(
        run.evidence("config.endpoint_format").contains("IPv4 address"),
        "{}",
        run.evidence("config.endpoint_format")
    );
}

/// Each way an endpoint can carry more than a host is named as such, from the URL parser's reading.
#[test]
fn endpoint_shapes_are_each_named_as_what_they_are() {
    for (endpoint, named) in [
        ("https://[::1]", "IPv6 address [::1]"),
        ("https://[2001:db8::10]", "IPv6 address"),
        ("https://xks.example.com:443", "has a port (:443)"),
        ("https://admin@xks.example.com", "user information (admin@)"),
        ("https://admin:pw@xks.example.com", "user information"),
        ("https://xks.example.com/", "has a path (/)"),
        ("https://xks.example.com?tenant=a", "has a query"),
        ("https://xks.bücher.example", "non-ASCII character 'ü'"),
        ("https://xks_proxy.example.com", "contains '_'"),
        ("https://xks..example.com", "empty label"),
        ("xks.example.com", "no scheme"),
        ("ftp://xks.example.com", "ftp:// instead of https://"),
    ] {
        let run = planned_endpoint(endpoint);
        assert_eq!(run.status("config.endpoint_format"), "fail", "{endpoint}");
        let evidence = run.evidence("config.endpoint_format");
        assert!(evidence.contains(named), "{endpoint}: {evidence}");
        // Nothing is probed at an endpoint KMS would refuse: the probes are blocked, not judged.
        assert_eq!(run.check("dns.resolves")["blocked_by"], "config.endpoint_format", "{endpoint}");
    }
}

#[test]
fn endpoint_over_plain_http_fails() {
    let run = planned_endpoint("http://xks.example.com");
    assert_eq!(run.status("config.endpoint_format"), "fail");
    assert!(run.evidence("config.endpoint_format").contains("https://"));
}

#[test]
fn path_with_a_bad_character_fails_and_names_it() {
    let run = planned(&["--endpoint", "https://xks.example.com", "--path", "/tenant.a/kms/xks/v1"]);
    assert_eq!(run.status("config.path_format"), "fail");
    assert!(run.evidence("config.path_format").contains("'.'"), "{}", run.evidence("config.path_format"));
}

#[test]
fn path_without_kms_xks_v1_fails() {
    let run = planned(&["--endpoint", "https://xks.example.com", "--path", "/tenant-a/xks/api"]);
    assert_eq!(run.status("config.path_format"), "fail");
    assert!(run.evidence("config.path_format").contains("/kms/xks/v1"));
}

#[test]
fn bare_kms_xks_path_passes() {
    let run = planned(&["--endpoint", "https://xks.example.com", "--path", "/kms/xks/v1"]);
    assert_eq!(run.status("config.path_format"), "pass");
}

#[test]
fn long_endpoint_and_path_leave_too_little_room_for_key_ids() {
    let endpoint = format!("https://{}.example.com", "x".repeat(100));
    let path = format!("/{}/kms/xks/v1", "p".repeat(100));
    let run = planned(&["--endpoint", &endpoint, "--path", &path]);
    assert_eq!(run.status("config.uri_length"), "warn", "{}", run.evidence("config.uri_length"));
}

#[test]
fn lowercase_access_key_id_fails() {
    let run = planned(&["--endpoint", "https://xks.example.com", "--access-key-id", "akse2vpz7wq4xks3proxy5ab"]);
    assert_eq!(run.status("config.access_key_id_format"), "fail");
    assert!(run.evidence("config.access_key_id_format").contains("lowercase"));
}

#[test]
fn access_key_id_with_digits_outside_base32_fails() {
    let run = planned(&["--endpoint", "https://xks.example.com", "--access-key-id", "AKSE2VPZ7WQ4XKS3PROXY0AB"]);
    assert_eq!(run.status("config.access_key_id_format"), "fail");
    assert!(run.evidence("config.access_key_id_format").contains('0'));
}

#[test]
fn short_access_key_id_fails() {
    let run = planned(&["--endpoint", "https://xks.example.com", "--access-key-id", "AKSE2VPZ7WQ4"]);
    assert_eq!(run.status("config.access_key_id_format"), "fail");
    assert!(run.evidence("config.access_key_id_format").contains("12 characters"));
}

#[test]
fn unsupported_region_fails_and_unknown_region_warns() {
    let run = planned(&["--region", "eu-central-2", "--endpoint", "https://xks.example.com"]);
    assert_eq!(run.status("config.region_supported"), "fail");
    let run = planned(&["--region", "xx-nowhere-9", "--endpoint", "https://xks.example.com"]);
    assert_eq!(run.status("config.region_supported"), "warn");
}

#[test]
fn secret_from_the_environment_is_judged_by_shape_and_never_shown() {
    let mut cmd = command(None);
    cmd.env("XKS_PROXY_SECRET_ACCESS_KEY", SECRET);
    let out = run(cmd, &["check", "--output", "json", "--no-aws", "--endpoint", "https://xks.example.com"]);
    assert_eq!(out.status("config.secret_format"), "pass", "{}", out.evidence("config.secret_format"));
    assert!(!out.stdout.contains(SECRET) && !out.stderr.contains(SECRET));

    let mut cmd = command(None);
    cmd.env("XKS_PROXY_SECRET_ACCESS_KEY", "too-short*secret");
    let out = run(cmd, &["check", "--output", "json", "--no-aws", "--endpoint", "https://xks.example.com"]);
    assert_eq!(out.status("config.secret_format"), "fail");
    assert!(!out.stdout.contains("too-short*secret"));
}

#[test]
fn secret_from_stdin_is_read_and_never_shown() {
    let mut cmd = command(None);
    cmd.write_stdin(format!("{SECRET}\n"));
    let out = run(
        cmd,
        &[
            "check",
            "--output",
            "json",
            "--no-aws",
            "--endpoint",
            "https://xks.example.com",
            "--secret-access-key-stdin",
        ],
    );
    assert_eq!(out.status("config.secret_format"), "pass");
    assert!(out.evidence("config.secret_format").contains("standard input"));
    assert!(!out.stdout.contains(SECRET));
}

#[test]
fn no_secret_skips_the_secret_check_with_where_to_put_it() {
    let run = planned_endpoint("https://xks.example.com");
    assert_eq!(run.status("config.secret_format"), "skipped");
    assert!(run.evidence("config.secret_format").contains("XKS_PROXY_SECRET_ACCESS_KEY"));
}

fn proxy_config(dir: &std::path::Path, path: &str, key_id: &str, secret: &str) -> String {
    let text = format!(
        r#"{{"XksProxyUriPath": "{path}", "XksProxyAuthenticationCredential": {{"AccessKeyId": "{key_id}", "RawSecretAccessKey": "{secret}"}}}}"#
    );
    write(dir, "proxy-config.json", &text)
}

#[test]
fn proxy_config_file_supplies_planned_path_credential_and_secret() {
    let dir = tempfile::tempdir().unwrap();
    let file = proxy_config(dir.path(), PATH, ACCESS_KEY_ID, SECRET);
    let run = planned(&["--endpoint", "https://xks.example.com", "--proxy-config", &file]);
    assert_eq!(run.status("config.path_format"), "pass");
    assert_eq!(run.evidence("config.path_format"), PATH);
    assert_eq!(run.status("config.access_key_id_format"), "pass");
    assert_eq!(run.status("config.secret_format"), "pass");
    assert_eq!(run.status("config.proxy_config_match"), "skipped");
    assert!(!run.stdout.contains(SECRET));
}

#[test]
fn proxy_config_file_that_disagrees_with_planned_flags_fails() {
    let dir = tempfile::tempdir().unwrap();
    let file = proxy_config(dir.path(), "/tenant-b/kms/xks/v1", ACCESS_KEY_ID, SECRET);
    let run = planned(&["--endpoint", "https://xks.example.com", "--path", PATH, "--proxy-config", &file]);
    assert_eq!(run.status("config.proxy_config_match"), "fail");
    assert!(run.evidence("config.proxy_config_match").contains("/tenant-b/kms/xks/v1"));
}

#[test]
fn proxy_config_file_that_disagrees_with_the_store_fails_naming_both_values() {
    let aws = FakeAws::start(None)
        .with_stores(vec![Store::public("cks-1a2b3c4d5e6f7a8b9", "https://xks.example.com").json()]);
    let dir = tempfile::tempdir().unwrap();
    let file = proxy_config(dir.path(), PATH, "BBSE2VPZ7WQ4XKS3PROXY5AB", SECRET);
    let run = check_json(&aws.url, &["--custom-key-store-id", "cks-1a2b3c4d5e6f7a8b9", "--proxy-config", &file]);
    assert_eq!(run.status("config.proxy_config_match"), "fail");
    let evidence = run.evidence("config.proxy_config_match");
    assert!(evidence.contains("BBSE2VPZ7WQ4XKS3PROXY5AB") && evidence.contains(ACCESS_KEY_ID), "{evidence}");
    assert!(!run.stdout.contains(SECRET));
}

#[test]
fn healthy_public_store_passes_and_exits_zero() {
    let aws = FakeAws::start(None)
        .with_stores(vec![Store::public("cks-1a2b3c4d5e6f7a8b9", "https://xks.example.com").json()]);
    let run = check_json(&aws.url, &["--custom-key-store-id", "cks-1a2b3c4d5e6f7a8b9"]);
    assert_eq!(run.with_status("fail"), Vec::<String>::new());
    assert_eq!(run.with_status("error"), Vec::<String>::new());
    assert_eq!(run.status("config.store_found"), "pass");
    assert_eq!(run.status("config.connection_state"), "pass");
    assert_eq!(run.status("config.endpoint_unique"), "pass");
    assert_eq!(run.status("vpc.service_found"), "skipped");
    assert_eq!(run.code, 0);
}

#[test]
fn store_found_by_name_after_following_the_marker_through_pages() {
    let stores: Vec<_> = (0..5)
        .map(|i| Store::public(&format!("cks-00000000000000{i:03}"), &format!("https://xks{i}.example.com")).json())
        .collect();
    let aws = FakeAws::start(None).with_stores(stores);
    let run = check_json(&aws.url, &["--custom-key-store-name", "store-cks-00000000000000004"]);
    assert_eq!(run.status("config.store_found"), "pass", "{}", run.evidence("config.store_found"));
    let pages = aws.seen().iter().filter(|(_, action)| action == "DescribeCustomKeyStores").count();
    assert_eq!(pages, 3, "five stores at two a page are three pages");
}

#[test]
fn missing_store_fails_store_found_and_skips_what_needs_it() {
    let aws = FakeAws::start(None)
        .with_stores(vec![Store::public("cks-1a2b3c4d5e6f7a8b9", "https://xks.example.com").json()]);
    let run = check_json(&aws.url, &["--custom-key-store-id", "cks-0000000000000dead"]);
    assert_eq!(run.status("config.store_found"), "fail");
    assert!(run.evidence("config.store_found").contains("cks-0000000000000dead"));
    assert_eq!(run.status("config.endpoint_format"), "skipped");
    assert_eq!(run.code, 1);
}

#[test]
fn two_stores_sharing_endpoint_and_path_fail_uniqueness() {
    let aws = FakeAws::start(None).with_stores(vec![
        Store::public("cks-1a2b3c4d5e6f7a8b9", "https://xks.example.com").json(),
        Store::public("cks-9b8a7f6e5d4c3b2a1", "https://xks.example.com").json(),
    ]);
    let run = check_json(&aws.url, &["--custom-key-store-id", "cks-1a2b3c4d5e6f7a8b9"]);
    assert_eq!(run.status("config.endpoint_unique"), "fail");
    let evidence = run.evidence("config.endpoint_unique");
    assert!(evidence.contains("cks-9b8a7f6e5d4c3b2a1") && evidence.contains("XksProxyUriInUseException"), "{evidence}");
}

#[test]
fn public_stores_sharing_an_endpoint_with_different_paths_are_allowed() {
    let mut other = Store::public("cks-9b8a7f6e5d4c3b2a1", "https://xks.example.com");
    other.path = "/tenant-b/kms/xks/v1".into();
    let aws = FakeAws::start(None)
        .with_stores(vec![Store::public("cks-1a2b3c4d5e6f7a8b9", "https://xks.example.com").json(), other.json()]);
    let run = check_json(&aws.url, &["--custom-key-store-id", "cks-1a2b3c4d5e6f7a8b9"]);
    assert_eq!(run.status("config.endpoint_unique"), "pass");
}

#[test]
fn public_store_on_a_vpc_stores_endpoint_fails_uniqueness() {
    let mut vpc = Store::vpc(
        "cks-9b8a7f6e5d4c3b2a1",
        "xks.example.com",
        "com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f6a7b8",
    );
    vpc.path = "/other/kms/xks/v1".into();
    let aws = FakeAws::start(None)
        .with_stores(vec![Store::public("cks-1a2b3c4d5e6f7a8b9", "https://xks.example.com").json(), vpc.json()]);
    let run = check_json(&aws.url, &["--custom-key-store-id", "cks-1a2b3c4d5e6f7a8b9"]);
    assert_eq!(run.status("config.endpoint_unique"), "fail");
    assert!(run.evidence("config.endpoint_unique").contains("XksProxyUriEndpointInUseException"));
}

#[test]
fn planned_settings_count_against_the_store_quota() {
    let stores: Vec<_> = (0..10)
        .map(|i| Store::public(&format!("cks-00000000000000{i:03}"), &format!("https://xks{i}.example.com")).json())
        .collect();
    let aws = FakeAws::start(None).with_stores(stores);
    let run = check_json(&aws.url, &["--endpoint", "https://new.example.com", "--path", PATH]);
    assert_eq!(run.status("config.store_quota"), "warn", "{}", run.evidence("config.store_quota"));
    let aws = FakeAws::start(None);
    let run = check_json(&aws.url, &["--endpoint", "https://new.example.com", "--path", PATH]);
    assert_eq!(run.status("config.store_quota"), "pass");
}

#[test]
fn kms_access_denied_is_an_error_naming_the_action_and_exits_three() {
    let aws = FakeAws::start(None).with_kms_error(400, fixture("kms/access-denied.json", &[]));
    let run = check_json(&aws.url, &["--custom-key-store-id", "cks-1a2b3c4d5e6f7a8b9"]);
    assert_eq!(run.status("config.store_found"), "error");
    assert!(run.evidence("config.store_found").contains("kms:DescribeCustomKeyStores"));
    assert!(run.remedy("config.store_found").contains("Allow kms:DescribeCustomKeyStores"));
    assert_eq!(run.with_status("pass"), vec!["config.region_supported".to_string()]);
    assert_eq!(run.code, 3);
}

#[test]
fn all_checks_every_external_key_store_and_only_those() {
    let mut cloudhsm = Store::public("cks-c1005000000000001", "https://unused.example.com").json();
    cloudhsm["CustomKeyStoreType"] = "AWS_CLOUDHSM".into();
    cloudhsm.as_object_mut().unwrap().remove("XksProxyConfiguration");
    let aws = FakeAws::start(None).with_stores(vec![
        Store::public("cks-1a2b3c4d5e6f7a8b9", "https://a.example.com").json(),
        cloudhsm,
        Store::public("cks-9b8a7f6e5d4c3b2a1", "https://b.example.com").failed("XKS_PROXY_TIMED_OUT").json(),
    ]);
    let run = check_json(&aws.url, &["--all"]);
    let report = run.json();
    let labels: Vec<&str> =
        report["targets"].as_array().unwrap().iter().map(|t| t["label"].as_str().unwrap()).collect();
    assert_eq!(labels.len(), 2, "{labels:?}");
    assert!(labels[0].contains("cks-1a2b3c4d5e6f7a8b9") && labels[1].contains("cks-9b8a7f6e5d4c3b2a1"));
    assert_eq!(report["summary"]["fail"], 1);
    assert_eq!(run.code, 1);
}

#[test]
fn cloudhsm_store_named_by_id_fails_the_store_type() {
    let mut cloudhsm = Store::public("cks-1a2b3c4d5e6f7a8b9", "https://unused.example.com").json();
    cloudhsm["CustomKeyStoreType"] = "AWS_CLOUDHSM".into();
    cloudhsm.as_object_mut().unwrap().remove("XksProxyConfiguration");
    let aws = FakeAws::start(None).with_stores(vec![cloudhsm]);
    let run = check_json(&aws.url, &["--custom-key-store-id", "cks-1a2b3c4d5e6f7a8b9"]);
    assert_eq!(run.status("config.store_type"), "fail");
    assert!(run.evidence("config.store_type").contains("AWS_CLOUDHSM"));
    assert_eq!(run.status("config.endpoint_format"), "skipped");
}

/// The example in docs/examples is read as a proxy hands it out, and its secret never shows.
#[test]
fn documented_example_proxy_configuration_is_read_and_its_secret_never_shown() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/examples/proxy-configuration.json");
    let out = run(
        command(None),
        &["check", "--no-aws", "--output", "json", "--endpoint", "https://xks.example.com", "--proxy-config", example],
    );
    assert_eq!(out.status("config.path_format"), "pass", "{}", out.stdout);
    assert_eq!(out.status("config.access_key_id_format"), "pass", "{}", out.evidence("config.access_key_id_format"));
    assert_eq!(out.status("config.secret_format"), "pass", "{}", out.evidence("config.secret_format"));
    let text: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(example).unwrap()).unwrap();
    let secret = text["XksProxyAuthenticationCredential"]["RawSecretAccessKey"].as_str().unwrap();
    assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret));
}
