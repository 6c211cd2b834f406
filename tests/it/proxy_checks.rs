//! `proxy.*` against the test XKS proxy and its misbehaving variants: each variant turns exactly the
//! matching check to fail, with the KMS error it causes named.

use std::sync::Arc;

use rustls::version::{TLS12, TLS13};

use crate::support::pki::Ca;
use crate::support::servers::{Speaks, TlsServer};
use crate::support::xks_proxy::{Variant, XksProxy, ACCESS_KEY_ID, NOT_UTF8_AT, SECRET};
use crate::support::{write, Run};
use xks_preflight::catalogue::{CheckId, Section};

pub const HOST: &str = "xks.example.test";

pub struct Setup {
    _server: TlsServer,
    _files: tempfile::TempDir,
    connect_to: String,
    pub ca_file: String,
}

pub fn proxy(variant: Variant) -> Setup {
    proxy_at(None, variant)
}

/// The test proxy listening on `ip` inside the network namespace `netns`.
pub fn proxy_in(netns: &str, ip: std::net::IpAddr, variant: Variant) -> Setup {
    proxy_at(Some((netns, ip)), variant)
}

fn proxy_at(place: Option<(&str, std::net::IpAddr)>, variant: Variant) -> Setup {
    let root = Ca::root("xks-preflight Test Root");
    let leaf = root.server(&[HOST], 1, 365);
    let files = tempfile::tempdir().unwrap();
    let ca_file = write(files.path(), "root.pem", &root.pem());
    let proxy = Speaks::Xks(Arc::new(XksProxy { prefixes: vec!["/tenant-a".into()], variant }));
    let server = match place {
        Some((netns, ip)) => TlsServer::start_in(netns, ip, leaf.chain(&[]), leaf.private_key(), proxy),
        None => TlsServer::start(leaf.chain(&[]), leaf.private_key(), &[&TLS13, &TLS12], proxy),
    };
    Setup { connect_to: server.connect_to(), _server: server, _files: files, ca_file }
}

impl Setup {
    pub fn connect_to(&self) -> &str {
        &self.connect_to
    }

    /// The flags that probe this proxy through the test resolver `dns`, trusting its CA, quickly.
    pub fn probe_flags<'a>(&'a self, dns: &'a str) -> [&'a str; 10] {
        [
            "--dns-server",
            dns,
            "--connect-to",
            &self.connect_to,
            "--ca-file",
            &self.ca_file,
            "--rtt-samples",
            "3",
            "--probe-timeout",
            "2",
        ]
    }
}

pub fn check(setup: &Setup, secret: Option<&str>, path: &str) -> Run {
    check_with(setup, secret, path, &[])
}

/// `check` of planned settings for the test proxy, with `extra` arguments.
pub fn check_with(setup: &Setup, secret: Option<&str>, path: &str, extra: &[&str]) -> Run {
    let mut args = vec!["--access-key-id", ACCESS_KEY_ID, "--ca-file", &setup.ca_file];
    args.extend_from_slice(extra);
    crate::support::probe(HOST, path, &setup.connect_to, secret, &args)
}

pub const PATH: &str = "/tenant-a/kms/xks/v1";

/// The failures the verdict counts on their own: not those another failure blocks.
pub fn failing(run: &Run) -> Vec<String> {
    let blocked = run.blocked();
    run.with_status("fail").into_iter().filter(|id| !blocked.contains(id)).collect()
}

pub fn names_kms_error(run: &Run, id: &str, kms_error: &str) -> bool {
    run.check(id)["kms_answers"].as_array().unwrap().iter().any(|a| a["answer"].as_str().unwrap().contains(kms_error))
}

#[test]
fn faithful_proxy_passes_every_proxy_check() {
    let setup = proxy(Variant::Faithful);
    let run = check(&setup, Some(SECRET), PATH);
    let proxy_checks: Vec<String> = run.json()["targets"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["section"] == "proxy")
        .map(|c| format!("{}={}", c["id"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    let declared = CheckId::ALL.iter().filter(|id| id.section() == Section::Proxy).count();
    assert_eq!(proxy_checks.len(), declared);
    // Without an external key, the long ARNs have no call to go in.
    assert!(
        proxy_checks.iter().all(|s| s.ends_with("=pass") || s == "proxy.long_metadata=skipped"),
        "{proxy_checks:?}\n{}",
        run.stdout
    );
    // Only a public CA could satisfy the last one.
    assert_eq!(failing(&run), vec!["tls.trusted_ca"]);
    assert!(run.evidence("proxy.health").contains("kmsRequestId"), "{}", run.evidence("proxy.health"));
    assert!(run.evidence("proxy.health").contains("hsm-1 ACTIVE"));
    assert!(run.evidence("proxy.latency").contains("10 kept-alive calls"), "{}", run.evidence("proxy.latency"));
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
}

#[test]
fn without_the_secret_the_signed_checks_are_skipped_and_the_unsigned_ones_run() {
    let setup = proxy(Variant::Faithful);
    let run = check(&setup, None, PATH);
    for id in ["proxy.health", "proxy.credential_accepted", "proxy.uri_path"] {
        assert_eq!(run.status(id), "skipped", "{id}");
        assert!(run.evidence(id).contains("XKS_PROXY_SECRET_ACCESS_KEY"), "{id}: {}", run.evidence(id));
    }
    // The unsigned calls are timed all the same.
    assert_eq!(run.status("proxy.latency"), "pass");
    assert!(run.evidence("proxy.latency").contains("no kept-alive series without the secret"));
    assert_eq!(run.status("proxy.auth_enforced"), "pass");
    assert_eq!(run.status("proxy.method_post_only"), "pass");
    assert_eq!(run.status("tls.http11"), "pass");
}

#[test]
fn wrong_secret_fails_the_credential_and_blocks_what_follows() {
    let setup = proxy(Variant::Faithful);
    let run = check(&setup, Some("d3Jvbmctc2VjcmV0LWZvci14a3MtcHJlZmxpZ2h0LXRlc3Rz"), PATH);
    assert_eq!(run.status("proxy.credential_accepted"), "fail");
    assert!(names_kms_error(&run, "proxy.credential_accepted", "INVALID_CREDENTIALS"));
    assert_eq!(run.check("proxy.health")["blocked_by"], "proxy.credential_accepted");
    assert_eq!(failing(&run), vec!["tls.trusted_ca", "proxy.credential_accepted"]);
}

/// A proxy that checks the signature before the method refuses the badly signed GET with 401: that is
/// the credential's failure, and proxy.method_post_only is blocked by it, not failed.
#[test]
fn wrong_secret_blocks_every_check_that_needs_a_signed_answer_even_where_the_proxy_authenticates_first() {
    let setup = proxy(Variant::AuthenticatesFirst);
    let run = check(&setup, Some("d3Jvbmctc2VjcmV0LWZvci14a3MtcHJlZmxpZ2h0LXRlc3Rz"), PATH);
    assert_eq!(failing(&run), vec!["tls.trusted_ca", "proxy.credential_accepted"], "{}", run.stdout);
    assert_eq!(run.check("proxy.method_post_only")["blocked_by"], "proxy.credential_accepted", "{}", run.stdout);
    let right = check(&setup, Some(SECRET), PATH);
    assert_eq!(right.status("proxy.method_post_only"), "pass", "{}", right.stdout);
}

/// `kms_error`: what KMS answers because of it; `None` where KMS works on regardless (a security gap).
fn only_failure(variant: Variant, id: &str, kms_error: Option<&str>) -> Run {
    let setup = proxy(variant);
    let run = check(&setup, Some(SECRET), PATH);
    assert_eq!(failing(&run), vec!["tls.trusted_ca".to_string(), id.to_string()], "{variant:?}: {}", run.stdout);
    match kms_error {
        Some(kms_error) => assert!(names_kms_error(&run, id, kms_error), "{variant:?}: {id} does not name {kms_error}"),
        None => assert!(run.check(id)["kms_answers"].as_array().unwrap().is_empty()),
    }
    run
}

#[test]
fn proxy_that_serves_unsigned_calls_fails_auth_enforcement() {
    let run = only_failure(Variant::ServesUnsigned, "proxy.auth_enforced", None);
    assert!(run.evidence("proxy.auth_enforced").contains("unsigned call was served"));
}

#[test]
fn proxy_that_answers_any_path_fails_the_path_check() {
    only_failure(Variant::AnyPath, "proxy.uri_path", Some("XKS_PROXY_INVALID_CONFIGURATION"));
}

#[test]
fn proxy_answering_in_300_ms_fails_latency() {
    let run = only_failure(Variant::AnswersAfter(300), "proxy.latency", Some("XKS_PROXY_TIMED_OUT"));
    assert!(run.evidence("proxy.latency").contains("over 250 ms"));
}

#[test]
fn proxy_with_every_key_manager_unavailable_fails_availability() {
    only_failure(Variant::AllUnavailable, "proxy.ekm_available", Some("XKS_PROXY_NOT_REACHABLE"));
}

#[test]
fn proxy_with_plain_text_errors_fails_the_error_format() {
    let run = only_failure(Variant::PlainErrors, "proxy.error_format", Some("XKS_PROXY_INVALID_RESPONSE"));
    assert!(run.evidence("proxy.error_format").contains("not JSON"));
    // The unknown key's 404 may be right; KMS cannot read its name.
    assert_eq!(run.check("key.not_found")["blocked_by"], "proxy.error_format");
}

#[test]
fn proxy_an_hour_ahead_fails_the_clock_check() {
    let run = only_failure(Variant::ClockAhead, "proxy.clock_skew", Some("INVALID_CREDENTIALS"));
    assert!(run.evidence("proxy.clock_skew").contains("+3600 s") || run.evidence("proxy.clock_skew").contains("+359"));
}

/// An hour ahead, and refusing every signature for it: the clock is the one failure counted and named,
/// the refused credential follows from it, and nothing of it exits 0.
#[test]
fn proxy_an_hour_ahead_that_refuses_signatures_is_diagnosed_as_its_clock() {
    let setup = proxy(Variant::ClockAheadRefuses);
    let run = check(&setup, Some(SECRET), PATH);
    assert_eq!(run.code, 1);
    assert_eq!(run.status("proxy.clock_skew"), "fail");
    assert!(run.check("proxy.clock_skew")["blocked_by"].is_null());
    assert_eq!(run.status("proxy.credential_accepted"), "fail");
    assert_eq!(run.check("proxy.credential_accepted")["blocked_by"], "proxy.clock_skew");
    assert_eq!(run.check("proxy.health")["blocked_by"], "proxy.credential_accepted");
    let diagnosis = &run.json()["targets"][0]["diagnosis"];
    assert_eq!(diagnosis["problems"], serde_json::json!(["tls.trusted_ca", "proxy.clock_skew"]));
    assert!(diagnosis["summary"].as_str().unwrap().contains("proxy.clock_skew"));
}

#[test]
fn health_body_that_is_not_utf8_fails_naming_the_offset() {
    let run = only_failure(Variant::NotUtf8Body, "proxy.health", Some("XKS_PROXY_INVALID_RESPONSE"));
    let evidence = run.evidence("proxy.health");
    assert!(evidence.contains(&format!("not UTF-8 (invalid byte at offset {NOT_UTF8_AT})")), "{evidence}");
}

#[test]
fn health_body_of_a_megabyte_is_read_only_to_the_limit_and_fails_saying_so() {
    let run = only_failure(Variant::HugeBody, "proxy.health", Some("XKS_PROXY_INVALID_RESPONSE"));
    let evidence = run.evidence("proxy.health");
    assert!(evidence.contains("larger than 64 KiB"), "{evidence}");
}

#[test]
fn error_messages_that_are_long_or_hold_control_characters_fail_the_error_format() {
    let run = only_failure(Variant::LongErrorMessage, "proxy.error_format", Some("XKS_PROXY_INVALID_RESPONSE"));
    assert!(run.evidence("proxy.error_format").contains("2000 characters"), "{}", run.evidence("proxy.error_format"));
    let run = only_failure(Variant::ControlErrorMessage, "proxy.error_format", Some("XKS_PROXY_INVALID_RESPONSE"));
    let evidence = run.evidence("proxy.error_format");
    assert!(evidence.contains("'\\n'") && !evidence.contains('\n'), "{evidence}");
}

#[test]
fn proxy_denying_health_fails_the_access_check() {
    only_failure(Variant::DeniesHealth, "proxy.access", Some("XKS_PROXY_ACCESS_DENIED"));
}

#[test]
fn path_the_proxy_does_not_serve_fails_the_path_check() {
    let setup = proxy(Variant::Faithful);
    let run = check(&setup, Some(SECRET), "/tenant-b/kms/xks/v1");
    assert_eq!(run.status("proxy.uri_path"), "fail");
    assert!(run.evidence("proxy.uri_path").contains("/tenant-b/kms/xks/v1"));
    assert_eq!(run.check("proxy.health")["blocked_by"], "proxy.uri_path");
}

#[test]
fn proxy_that_answers_get_fails_the_post_only_check() {
    let run = only_failure(Variant::AcceptsGet, "proxy.method_post_only", None);
    assert!(run.evidence("proxy.method_post_only").contains("GET"));
}

#[test]
fn kept_alive_p99_between_200_and_250_ms_warns() {
    let setup = proxy(Variant::Faithful);
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("facts.json").display().to_string();
    check_with(&setup, Some(SECRET), PATH, &["--save-facts", &facts]);
    let mut value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&facts).unwrap()).unwrap();
    value["targets"][0]["network"]["seen"]["proxy"]["seen"]["kept_alive"]["seen"]["durations_ms"] =
        serde_json::json!([20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 230.0]);
    std::fs::write(&facts, value.to_string()).unwrap();
    let run = crate::support::run(crate::support::command(None), &["check", "--output", "json", "--facts", &facts]);
    assert_eq!(run.status("proxy.latency"), "warn", "{}", run.evidence("proxy.latency"));
    assert!(run.evidence("proxy.latency").contains("p99 230.0 ms"));
}
