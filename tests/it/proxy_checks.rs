//! `proxy.*` against the test XKS proxy and its misbehaving variants: each variant turns exactly the
//! matching check to fail, with the KMS error it causes named.

use std::sync::Arc;

use rustls::version::{TLS12, TLS13};

use crate::support::pki::Ca;
use crate::support::servers::{ClientAuth, Speaks, TlsServer};
use crate::support::xks_proxy::{Variant, XksProxy, ACCESS_KEY_ID, NOT_UTF8_AT, SECRET};
use crate::support::{write, Run};
use xks_preflight::catalogue::{CheckId, Section};

pub const HOST: &str = "xks.example.test";

pub struct Setup {
    /// The proxy, to read what it received.
    pub proxy: Arc<XksProxy>,
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

/// The test proxy behind a TLS server that asks for, or requires, a client certificate of `client_auth`'s CA.
pub fn proxy_with_client_auth(variant: Variant, client_auth: ClientAuth) -> Setup {
    let root = Ca::root("xks-preflight Test Root");
    let leaf = root.server(&[HOST], 1, 365);
    let files = tempfile::tempdir().unwrap();
    let ca_file = write(files.path(), "root.pem", &root.pem());
    let xks = Arc::new(XksProxy::new(vec!["/tenant-a".into()], variant));
    let server =
        TlsServer::start_with_client_auth(leaf.chain(&[]), leaf.private_key(), client_auth, Speaks::Xks(xks.clone()));
    Setup { connect_to: server.connect_to(), proxy: xks, _server: server, _files: files, ca_file }
}

fn proxy_at(place: Option<(&str, std::net::IpAddr)>, variant: Variant) -> Setup {
    let root = Ca::root("xks-preflight Test Root");
    let leaf = root.server(&[HOST], 1, 365);
    let files = tempfile::tempdir().unwrap();
    let ca_file = write(files.path(), "root.pem", &root.pem());
    let xks = Arc::new(XksProxy::new(vec!["/tenant-a".into()], variant));
    let speaks = Speaks::Xks(xks.clone());
    let server = match place {
        Some((netns, ip)) => TlsServer::start_in(netns, ip, leaf.chain(&[]), leaf.private_key(), speaks),
        None => TlsServer::start(leaf.chain(&[]), leaf.private_key(), &[&TLS13, &TLS12], speaks),
    };
    Setup { connect_to: server.connect_to(), proxy: xks, _server: server, _files: files, ca_file }
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

/// `check` of the existing store `store`, as the KMS stand-in at `aws` describes it, against the test
/// proxy with the secret in the environment, and `extra` arguments.
pub fn check_store(setup: &Setup, aws: &str, store: &str, extra: &[&str]) -> Run {
    let dns = crate::support::dns_server();
    let mut command = crate::support::command(Some(aws));
    command.env("XKS_PROXY_SECRET_ACCESS_KEY", SECRET);
    let mut args = vec!["check", "--output", "json", "--no-monitor", "--custom-key-store-id", store];
    args.extend(["--dns-server", &dns, "--connect-to", &setup.connect_to, "--ca-file", &setup.ca_file]);
    args.extend(["--rtt-samples", "3", "--probe-timeout", "2"]);
    args.extend_from_slice(extra);
    crate::support::run(command, &args)
}

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
    // Without an external key, the long ARNs have no call to go in; without a next credential, no rotation
    // is rehearsed.
    assert!(
        proxy_checks.iter().all(|s| s.ends_with("=pass")
            || s == "proxy.long_metadata=skipped"
            || s == "proxy.credential_rotation=skipped"),
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

/// A client certificate and its key in PEM files, from a client CA of its own; the CA's certificate for
/// the server to trust.
struct ClientIdentity {
    ca: rustls::pki_types::CertificateDer<'static>,
    cert_file: String,
    key_file: String,
    _files: tempfile::TempDir,
}

fn client_identity() -> ClientIdentity {
    let ca = Ca::root("xks-preflight Test Client Root");
    let leaf = ca.client("cks.kms.us-east-1.amazonaws.com");
    let files = tempfile::tempdir().unwrap();
    let cert_file = write(files.path(), "client.pem", &leaf.cert.pem());
    let key_file = write(files.path(), "client-key.pem", &leaf.key.serialize_pem());
    ClientIdentity { ca: ca.cert.der().clone(), cert_file, key_file, _files: files }
}

/// Every proxy and TLS check but the client certificate's warning and the private root judged as against a
/// proxy without mutual TLS.
fn judged_as_usual(run: &Run) {
    let not_passing: Vec<String> = run.json()["targets"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| ["proxy", "tls", "key"].contains(&c["section"].as_str().unwrap()) && c["status"] != "pass")
        .map(|c| format!("{}={}", c["id"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    let expected = [
        "tls.trusted_ca=fail",
        "tls.client_certificate=warn",
        "proxy.credential_rotation=skipped",
        "key.unique=skipped",
        "key.kms_key_state=skipped",
    ];
    let unexpected: Vec<&String> = not_passing.iter().filter(|found| !expected.contains(&found.as_str())).collect();
    assert!(unexpected.is_empty(), "{unexpected:?}\n{}", run.stdout);
}

#[test]
fn a_proxy_requiring_a_client_certificate_is_judged_whole_with_one_given() {
    let identity = client_identity();
    let setup = proxy_with_client_auth(Variant::Faithful, ClientAuth::Requires(identity.ca.clone()));
    let args = ["--xks-key-id", "foo", "--client-cert", &identity.cert_file, "--client-key", &identity.key_file];
    let run = check_with(&setup, Some(SECRET), PATH, &args);
    judged_as_usual(&run);
    let evidence = run.evidence("tls.client_certificate");
    assert!(evidence.contains("presented the one given with --client-cert"), "{evidence}");
    assert!(run.remedy("tls.client_certificate").contains("March 2026"));
    assert!(setup.proxy.seen().iter().any(|r| r.path.ends_with("/encrypt")), "the key calls went through");
}

#[test]
fn a_proxy_requiring_a_client_certificate_gets_no_call_without_one() {
    let identity = client_identity();
    let setup = proxy_with_client_auth(Variant::Faithful, ClientAuth::Requires(identity.ca.clone()));
    let run = check_with(&setup, Some(SECRET), PATH, &["--xks-key-id", "foo"]);
    assert!(run.evidence("tls.client_certificate").contains("requires a client certificate"));
    assert_eq!(run.status("tls.version"), "error");
    for id in ["proxy.health", "proxy.credential_accepted", "key.metadata"] {
        assert_eq!(run.status(id), "skipped", "{id}");
        assert!(run.evidence(id).contains("requires a client certificate"), "{id}: {}", run.evidence(id));
    }
    assert!(setup.proxy.seen().is_empty(), "{:?}", setup.proxy.seen());
}

#[test]
fn a_proxy_asking_for_a_client_certificate_is_judged_whole_with_or_without_one() {
    let identity = client_identity();
    let setup = proxy_with_client_auth(Variant::Faithful, ClientAuth::Asks(identity.ca.clone()));
    let without = check_with(&setup, Some(SECRET), PATH, &["--xks-key-id", "foo"]);
    judged_as_usual(&without);
    assert!(without.evidence("tls.client_certificate").contains("goes on without one"));
    let args = ["--xks-key-id", "foo", "--client-cert", &identity.cert_file, "--client-key", &identity.key_file];
    let with = check_with(&setup, Some(SECRET), PATH, &args);
    judged_as_usual(&with);
    assert!(with.evidence("tls.client_certificate").contains("presented the one given"));
}

/// The certificate goes only to a server that asks for one, and only when given: the facts say which
/// handshakes presented it.
#[test]
fn a_client_certificate_is_sent_only_when_given_and_asked_for() {
    let identity = client_identity();
    let sent = |setup: &Setup, with_cert: bool| -> Vec<bool> {
        let files = tempfile::tempdir().unwrap();
        let facts = files.path().join("facts.json").display().to_string();
        let mut args = vec!["--save-facts", facts.as_str()];
        if with_cert {
            args.extend(["--client-cert", &identity.cert_file, "--client-key", &identity.key_file]);
        }
        check_with(setup, Some(SECRET), PATH, &args);
        let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&facts).unwrap()).unwrap();
        saved["targets"][0]["network"]["seen"]["tls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|attempt| attempt["client_certificate_sent"].as_bool().unwrap())
            .collect()
    };
    let asks = proxy_with_client_auth(Variant::Faithful, ClientAuth::Asks(identity.ca.clone()));
    assert!(sent(&asks, false).iter().all(|s| !s), "sent without being given");
    assert!(sent(&asks, true).iter().all(|s| *s), "given and asked for, but not sent");
    let never_asks = proxy(Variant::Faithful);
    assert!(sent(&never_asks, true).iter().all(|s| !s), "sent to a server that did not ask");
}

#[test]
fn a_client_key_that_does_not_go_with_the_certificate_is_refused_with_exit_2() {
    let identity = client_identity();
    let other = client_identity();
    let setup = proxy(Variant::Faithful);
    let args = ["--client-cert", &identity.cert_file, "--client-key", &other.key_file];
    let run = check_with(&setup, Some(SECRET), PATH, &args);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("does not go with the first certificate"), "{}", run.stderr);
    assert!(!run.stderr.contains("PRIVATE KEY"), "{}", run.stderr);
}
