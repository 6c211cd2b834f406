//! `dns.*`, `net.*` and `tls.*` against servers on 127.0.0.1 (rustls with rcgen chains, Debian's
//! `openssl s_server`) and a dnsmasq resolver on a loopback port, both started for the tests.

use rustls::version::{TLS12, TLS13};
use serde_json::Value;

use crate::support::fake_aws::{fixture, FakeAws};
use crate::support::moto::{self, VpcSpec};
use crate::support::pki::{Ca, Leaf};
use crate::support::servers::{closed_port, ClientAuth, OpensslServer, Speaks, TlsServer};
use crate::support::{check_json, command, dns_server, run, write, Hanging, Run, Store};

const HOST: &str = "xks.example.test";

fn probe(host: &str, connect_to: &str, extra: &[&str]) -> Run {
    crate::support::probe(host, "/kms/xks/v1", connect_to, None, extra)
}

struct Pki {
    intermediate: Ca,
    root_file: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let root = Ca::root("xks-preflight Test Root");
        let intermediate = root.intermediate("xks-preflight Test Intermediate");
        let root_file = tempfile::tempdir().unwrap();
        write(root_file.path(), "root.pem", &root.pem());
        Pki { intermediate, root_file }
    }

    fn ca_file(&self) -> String {
        self.root_file.path().join("root.pem").display().to_string()
    }

    /// A server sending `names`' certificate and the intermediate.
    fn serve(&self, names: &[&str], from_days_ago: i64, days: i64) -> TlsServer {
        let leaf = self.intermediate.server(names, from_days_ago, days);
        TlsServer::start(leaf.chain(&[&self.intermediate]), leaf.private_key(), &[&TLS13, &TLS12], Speaks::Http11)
    }
}

fn statuses(run: &Run, ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| format!("{id}={}", run.status(id))).collect()
}

#[test]
fn proxy_with_a_full_chain_from_a_private_ca_passes_all_but_the_trusted_root() {
    let pki = Pki::new();
    let server = pki.serve(&[HOST], 1, 365);
    let run = probe(HOST, &server.connect_to(), &["--ca-file", &pki.ca_file()]);
    let ids = [
        "dns.resolves",
        "net.tcp_connect",
        "net.rtt",
        "tls.version",
        "tls.cipher_suite",
        "tls.hostname",
        "tls.validity",
        "tls.chain_complete",
        "tls.http11",
        "tls.client_certificate",
    ];
    assert!(statuses(&run, &ids).iter().all(|s| s.ends_with("=pass")), "{:?}\n{}", statuses(&run, &ids), run.stdout);
    assert_eq!(run.status("tls.trusted_ca"), "fail");
    assert!(
        run.evidence("tls.trusted_ca").contains("xks-preflight Test Root")
            && run.evidence("tls.trusted_ca").contains("--ca-file")
    );
    assert!(run.evidence("tls.chain_complete").contains("a root from --ca-file"));
    assert!(run.evidence("tls.version").contains("TLS 1.3") && run.evidence("tls.version").contains("TLS 1.2"));
    assert!(run.evidence("tls.http11").contains("HTTP/1.1 401"));
    let tcp = run.evidence("net.tcp_connect");
    assert!(tcp.contains("DNS ") && tcp.contains("TCP ") && tcp.contains("TLS "), "{tcp}");
    assert!(run.evidence("net.rtt").contains("3 handshakes"));
    assert!(run.evidence("dns.resolves").contains("127.0.0.1"));
    assert_eq!(run.status("dns.public_parent"), "skipped");
}

#[test]
fn expired_certificate_fails_validity_with_its_date() {
    let pki = Pki::new();
    let server = pki.serve(&[HOST], 400, 365);
    let run = probe(HOST, &server.connect_to(), &["--ca-file", &pki.ca_file()]);
    assert_eq!(run.status("tls.validity"), "fail");
    assert!(run.evidence("tls.validity").contains("expired on"), "{}", run.evidence("tls.validity"));
}

#[test]
fn certificate_not_yet_valid_fails_validity() {
    let pki = Pki::new();
    let server = pki.serve(&[HOST], -10, 365);
    let run = probe(HOST, &server.connect_to(), &["--ca-file", &pki.ca_file()]);
    assert_eq!(run.status("tls.validity"), "fail");
    assert!(run.evidence("tls.validity").contains("not valid before"));
}

#[test]
fn certificate_expiring_within_30_days_warns() {
    let pki = Pki::new();
    let server = pki.serve(&[HOST], 355, 365);
    let run = probe(HOST, &server.connect_to(), &["--ca-file", &pki.ca_file()]);
    assert_eq!(run.status("tls.validity"), "warn");
    assert!(run.evidence("tls.validity").contains("days left"));
}

#[test]
fn certificate_for_another_host_fails_hostname_naming_its_names() {
    let pki = Pki::new();
    let server = pki.serve(&["other.example.test"], 1, 365);
    let run = probe(HOST, &server.connect_to(), &["--ca-file", &pki.ca_file()]);
    assert_eq!(run.status("tls.hostname"), "fail");
    assert!(run.evidence("tls.hostname").contains("other.example.test") && run.evidence("tls.hostname").contains(HOST));
}

#[test]
fn wildcard_matches_one_label_only() {
    let pki = Pki::new();
    let server = pki.serve(&["*.example.test"], 1, 365);
    let run = probe(HOST, &server.connect_to(), &["--ca-file", &pki.ca_file()]);
    assert_eq!(run.status("tls.hostname"), "pass", "{}", run.evidence("tls.hostname"));
    let run = probe("a.xks.example.test", &server.connect_to(), &["--ca-file", &pki.ca_file()]);
    assert_eq!(run.status("tls.hostname"), "fail");
}

#[test]
fn missing_intermediate_fails_chain_completeness_and_skips_the_root_check() {
    let pki = Pki::new();
    let leaf = pki.intermediate.server(&[HOST], 1, 365);
    let server = TlsServer::start(leaf.chain(&[]), leaf.private_key(), &[&TLS13, &TLS12], Speaks::Http11);
    let run = probe(HOST, &server.connect_to(), &["--ca-file", &pki.ca_file()]);
    assert_eq!(run.status("tls.chain_complete"), "fail");
    assert!(run.evidence("tls.chain_complete").contains("xks-preflight Test Intermediate"));
    assert_eq!(run.status("tls.trusted_ca"), "skipped");
}

#[test]
fn self_signed_certificate_fails_the_trusted_root() {
    let leaf = Leaf::self_signed(HOST);
    let server = TlsServer::start(leaf.chain(&[]), leaf.private_key(), &[&TLS13, &TLS12], Speaks::Http11);
    let run = probe(HOST, &server.connect_to(), &[]);
    assert_eq!(run.status("tls.trusted_ca"), "fail");
    assert!(run.evidence("tls.trusted_ca").contains("self-signed"));
    assert_eq!(run.status("tls.chain_complete"), "pass");
}

#[test]
fn tls12_only_and_tls13_only_servers_pass_the_version_check() {
    let pki = Pki::new();
    for (version, spoken, refused) in [(&TLS12, "TLS 1.2", "TLS 1.3:"), (&TLS13, "TLS 1.3", "TLS 1.2:")] {
        let leaf = pki.intermediate.server(&[HOST], 1, 365);
        let server = TlsServer::start(leaf.chain(&[&pki.intermediate]), leaf.private_key(), &[version], Speaks::Http11);
        let run = probe(HOST, &server.connect_to(), &["--ca-file", &pki.ca_file()]);
        assert_eq!(run.status("tls.version"), "pass", "{spoken}");
        let evidence = run.evidence("tls.version");
        assert!(evidence.starts_with(spoken) && evidence.contains(refused), "{evidence}");
        assert_eq!(run.status("tls.cipher_suite"), "pass");
        assert_eq!(run.status("tls.http11"), "pass");
    }
}

#[test]
fn server_of_only_tls_1_0_and_1_1_fails_the_version_check() {
    let leaf = Leaf::self_signed(HOST);
    let server = OpensslServer::start(
        &leaf.cert.pem(),
        &leaf.key.serialize_pem(),
        &["-no_tls1_2", "-no_tls1_3", "-cipher", "ALL:@SECLEVEL=0"],
    );
    let run = probe(HOST, &server.address.to_string(), &[]);
    assert_eq!(run.status("tls.version"), "fail", "{}", run.evidence("tls.version"));
    assert!(run.evidence("tls.version").contains("alert protocol_version"), "{}", run.evidence("tls.version"));
    assert_eq!(run.status("tls.cipher_suite"), "skipped");
}

#[test]
fn server_of_only_suites_kms_does_not_offer_fails_the_suite_check() {
    let leaf = Leaf::self_signed(HOST);
    let server = OpensslServer::start(
        &leaf.cert.pem(),
        &leaf.key.serialize_pem(),
        &["-no_tls1_3", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"],
    );
    let run = probe(HOST, &server.address.to_string(), &[]);
    assert_eq!(run.status("tls.version"), "pass", "{}", run.evidence("tls.version"));
    assert_eq!(run.status("tls.cipher_suite"), "fail");
    assert!(
        run.evidence("tls.cipher_suite").contains("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
        "{}",
        run.evidence("tls.cipher_suite")
    );
}

#[test]
fn server_that_answers_garbage_after_tls_fails_http11() {
    let leaf = Leaf::self_signed(HOST);
    let server = TlsServer::start(leaf.chain(&[]), leaf.private_key(), &[&TLS13, &TLS12], Speaks::Garbage);
    let run = probe(HOST, &server.connect_to(), &[]);
    assert_eq!(run.status("tls.version"), "pass");
    assert_eq!(run.status("tls.http11"), "fail", "{}", run.evidence("tls.http11"));
}

#[test]
fn closed_port_fails_tcp_and_skips_what_needs_a_connection() {
    let run = probe(HOST, &closed_port().to_string(), &[]);
    assert_eq!(run.status("net.tcp_connect"), "fail");
    assert!(run.evidence("net.tcp_connect").to_lowercase().contains("refused"), "{}", run.evidence("net.tcp_connect"));
    for id in ["net.rtt", "tls.version", "tls.hostname", "tls.http11"] {
        assert_eq!(run.status(id), "skipped", "{id}");
    }
}

#[test]
fn endpoint_that_accepts_and_never_answers_fails_within_the_probe_timeout() {
    let hanging = Hanging::start();
    let address = hanging.url.trim_start_matches("http://").to_string();
    let started = std::time::Instant::now();
    let run = probe(HOST, &address, &[]);
    assert!(started.elapsed() < std::time::Duration::from_secs(15), "took {:?}", started.elapsed());
    assert_eq!(run.status("net.tcp_connect"), "pass");
    assert_eq!(run.status("tls.version"), "fail");
    assert!(run.evidence("tls.version").contains("no handshake within 2000 ms"), "{}", run.evidence("tls.version"));
}

#[test]
fn name_that_does_not_exist_fails_dns() {
    let run = probe("missing.example.test", &closed_port().to_string(), &[]);
    assert_eq!(run.status("dns.resolves"), "fail");
    assert!(run.evidence("dns.resolves").contains("NXDOMAIN"), "{}", run.evidence("dns.resolves"));
}

/// With --connect-to the probes reach the server whatever DNS says: what they measured is judged on its
/// own, and the name that does not resolve is one counted failure among them, never a blocker.
#[test]
fn connect_to_past_an_unresolvable_name_judges_everything_the_probes_measured() {
    let leaf = Leaf::self_signed("missing.example.test");
    let server = TlsServer::start(leaf.chain(&[]), leaf.private_key(), &[&TLS13, &TLS12], Speaks::Http11);
    let run = probe("missing.example.test", &server.connect_to(), &[]);
    assert_eq!(run.code, 1);
    assert_eq!(run.status("dns.resolves"), "fail");
    let report = run.json();
    let checks = report["targets"][0]["checks"].as_array().unwrap();
    let blocked: Vec<&Value> = checks.iter().filter(|c| c["blocked_by"] == "dns.resolves").collect();
    assert!(blocked.is_empty(), "{blocked:?}");
    for id in ["net.tcp_connect", "tls.version", "tls.hostname", "tls.chain_complete", "tls.http11"] {
        assert_eq!(run.status(id), "pass", "{id}: {}", run.evidence(id));
    }
    // A self-signed certificate: judged, failed, and counted for itself.
    assert_eq!(run.status("tls.trusted_ca"), "fail");
    assert!(run.check("tls.trusted_ca")["blocked_by"].is_null());
    assert_eq!(report["summary"]["fail"], 2);
    assert_eq!(report["summary"]["blocked"], 0);
    let problems = &report["targets"][0]["diagnosis"]["problems"];
    assert_eq!(problems, &serde_json::json!(["dns.resolves", "tls.trusted_ca"]));
}

#[test]
fn name_with_only_an_ipv6_address_fails_dns() {
    let run = probe("v6only.example.test", &closed_port().to_string(), &[]);
    assert_eq!(run.status("dns.resolves"), "fail");
    assert!(run.evidence("dns.resolves").contains("only IPv6") && run.evidence("dns.resolves").contains("::1"));
}

#[test]
fn without_connect_to_the_resolved_address_is_probed() {
    let dns = dns_server();
    let out = run(
        command(None),
        &["check", "--output", "json", "--no-aws", "--endpoint", "https://missing.example.test", "--dns-server", &dns],
    );
    assert_eq!(out.status("dns.resolves"), "fail");
    assert!(out.evidence("net.tcp_connect").contains("no IPv4 address"), "{}", out.evidence("net.tcp_connect"));
    assert_eq!(out.status("net.tcp_connect"), "skipped");
}

/// A VPC store whose service (built in moto, answered from the fixture) names `private_dns_name`.
async fn vpc_store_with_dns(private_dns_name: &str) -> Run {
    let built = moto::build(VpcSpec { private_dns_name: Some(private_dns_name.into()), ..VpcSpec::default() }).await;
    let xml = fixture(
        "ec2/describe-vpc-endpoint-service-configurations.xml",
        &[
            ("service_id", &built.service_id),
            ("service_name", &built.service_name),
            ("nlb_arn", &built.nlb_arn),
            ("private_dns_name", private_dns_name),
            ("verification_state", "pendingVerification"),
            ("service_state", "Available"),
            ("ip_address_type", "ipv4"),
        ],
    );
    let aws = FakeAws::start(Some(&moto::url()))
        .with_stores(vec![Store::vpc("cks-5e6f7a8b9c0d1e2f3", private_dns_name, &built.service_name).json()])
        .with_canned("ec2", "DescribeVpcEndpointServiceConfigurations", 200, xml);
    let dns = dns_server();
    check_json(
        &aws.url,
        &["--custom-key-store-id", "cks-5e6f7a8b9c0d1e2f3", "--dns-server", &dns, "--probe-timeout", "2"],
    )
}

#[tokio::test]
async fn published_verification_record_passes_under_a_public_parent() {
    let run = vpc_store_with_dns("xks-proxy.payments.test").await;
    assert_eq!(run.status("dns.public_parent"), "pass", "{}", run.evidence("dns.public_parent"));
    assert!(run.evidence("dns.public_parent").contains("ns1.payments.test"));
    assert_eq!(run.status("dns.verification_txt"), "pass", "{}", run.evidence("dns.verification_txt"));
    assert!(run.evidence("dns.verification_txt").contains("_6e86v84tqgqubxbwii1m.payments.test"));
    // The private name resolves only inside the VPC.
    assert_eq!(run.status("dns.resolves"), "skipped");
    assert_eq!(run.status("net.tcp_connect"), "skipped");
    assert!(run.evidence("net.tcp_connect").contains("--connect-to"));
}

#[tokio::test]
async fn missing_verification_record_fails_with_the_record_to_publish() {
    let run = vpc_store_with_dns("xks-proxy.example.test").await;
    assert_eq!(run.status("dns.verification_txt"), "fail");
    assert!(run.remedy("dns.verification_txt").contains("_6e86v84tqgqubxbwii1m.example.test"));
    assert!(run.remedy("dns.verification_txt").contains("vpce:l6p0ERxlTt45jevFwOCp"));
}

#[tokio::test]
async fn verification_record_with_another_value_fails_naming_it() {
    let run = vpc_store_with_dns("xks-proxy.wrongvalue.test").await;
    assert_eq!(run.status("dns.verification_txt"), "fail");
    assert!(
        run.evidence("dns.verification_txt").contains("vpce:stale-value"),
        "{}",
        run.evidence("dns.verification_txt")
    );
}

#[tokio::test]
async fn private_name_under_a_domain_without_name_servers_fails_public_parent() {
    let run = vpc_store_with_dns("xks-proxy.nowhere.test").await;
    assert_eq!(run.status("dns.public_parent"), "fail", "{}", run.evidence("dns.public_parent"));
    assert!(run.evidence("dns.public_parent").contains("nowhere.test"));
}

#[test]
fn kms_trusted_list_knows_amazon_root_ca_1_by_fingerprint_and_not_isrg_root_x2() {
    use sha2::{Digest, Sha256};
    use x509_parser::prelude::{FromDer, X509Certificate};
    let fingerprint_of = |common_name: &str| {
        webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .find(|der| {
                let (_, cert) = X509Certificate::from_der(der).unwrap();
                let named = cert.subject().iter_common_name().any(|cn| cn.as_str() == Ok(common_name));
                named
            })
            .map(|der| Sha256::digest(der).iter().map(|b| format!("{b:02X}")).collect::<String>())
            .unwrap_or_else(|| panic!("{common_name} is among the well-known roots"))
    };
    let amazon = xks_preflight::trusted_cas::by_fingerprint(&fingerprint_of("Amazon Root CA 1")).unwrap();
    assert_eq!(amazon.alias, "amazonrootca1");
    assert!(xks_preflight::trusted_cas::by_fingerprint(&fingerprint_of("ISRG Root X2")).is_none());
}

/// A real run's facts with the measurements replaced: the judgement of figures KMS cares about, on
/// figures loopback cannot produce.
fn replay_with(edit: impl Fn(&mut serde_json::Value)) -> Run {
    let pki = Pki::new();
    let server = pki.serve(&[HOST], 1, 365);
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("facts.json").display().to_string();
    probe(HOST, &server.connect_to(), &["--ca-file", &pki.ca_file(), "--save-facts", &facts]);
    let mut value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&facts).unwrap()).unwrap();
    edit(&mut value["targets"][0]["network"]["seen"]);
    std::fs::write(&facts, value.to_string()).unwrap();
    run(command(None), &["check", "--output", "json", "--facts", &facts])
}

#[test]
fn median_round_trip_over_35_ms_fails_and_at_35_passes() {
    let samples = |values: &[f64]| serde_json::json!(values);
    let run = replay_with(|net| {
        net["rtt"]["seen"]["samples_ms"] = samples(&[30.0, 33.0, 36.0, 41.0, 44.0]);
    });
    assert_eq!(run.status("net.rtt"), "fail");
    let evidence = run.evidence("net.rtt");
    assert!(
        evidence.contains("median 36.0 ms") && evidence.contains("p90 44.0") && evidence.contains("min 30.0"),
        "{evidence}"
    );
    assert!(names_region(&evidence), "{evidence}");
    let run = replay_with(|net| {
        net["rtt"]["seen"]["samples_ms"] = samples(&[20.0, 35.0, 90.0]);
    });
    assert_eq!(run.status("net.rtt"), "pass", "{}", run.evidence("net.rtt"));
}

/// The figure that follows `label` in `evidence`, e.g. `max 0.4` or `at most 1 ms apart`.
fn figure_after(evidence: &str, label: &str) -> f64 {
    let rest = evidence.split(label).nth(1).unwrap_or_else(|| panic!("no {label:?} in {evidence}"));
    let figure: String = rest.trim_start().chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    figure.parse().unwrap_or_else(|_| panic!("no figure after {label:?} in {evidence}"))
}

#[test]
fn round_trip_samples_are_paused_by_two_of_their_round_trips_within_1_and_10_ms() {
    use xks_preflight::gather::rtt_spacing_ms;
    assert_eq!(rtt_spacing_ms(Some(0.08)), 1, "a loopback round trip gets the floor");
    assert_eq!(rtt_spacing_ms(Some(3.2)), 7, "two round trips, rounded up");
    assert_eq!(rtt_spacing_ms(Some(40.0)), 10, "a distant link gets the ceiling, the pause it always had");
    assert_eq!(rtt_spacing_ms(None), 10, "before any sample connected nothing was measured");
}

#[test]
fn round_trip_samples_on_loopback_record_a_pause_that_follows_their_round_trips() {
    let pki = Pki::new();
    let server = pki.serve(&[HOST], 1, 365);
    let run = probe(HOST, &server.connect_to(), &["--ca-file", &pki.ca_file()]);
    let evidence = run.evidence("net.rtt");
    let (slowest, pause) = (figure_after(&evidence, "max "), figure_after(&evidence, "at most "));
    // The longest pause follows from some sample, so from none slower than the slowest: a fixed pause
    // longer than two loopback round trips would break this (a loaded machine that slows every sample
    // past 5 ms leaves it true, never false).
    assert!(evidence.contains("3 handshakes one at a time"), "{evidence}");
    assert!((1.0..=10.0).contains(&pause), "{evidence}");
    assert!(pause <= (2.0 * (slowest + 0.05)).ceil().max(1.0), "{evidence}");
}

fn names_region(evidence: &str) -> bool {
    evidence.contains("KMS sees the time from us-east-1")
}

/// A server of `pki` for HOST that asks for, or requires, a certificate from a client CA of its own.
fn serve_client_auth(pki: &Pki, requires: bool) -> TlsServer {
    let leaf = pki.intermediate.server(&[HOST], 1, 365);
    let client_ca = Ca::root("xks-preflight Test Client Root").cert.der().clone();
    let client_auth = if requires { ClientAuth::Requires(client_ca) } else { ClientAuth::Asks(client_ca) };
    TlsServer::start_with_client_auth(leaf.chain(&[&pki.intermediate]), leaf.private_key(), client_auth, Speaks::Http11)
}

/// AWS deprecated mutual TLS for external key stores: a proxy that asks for a client certificate is
/// warned about, and the handshakes that went on without one are judged as usual.
#[test]
fn proxy_that_asks_for_a_client_certificate_warns_and_the_other_tls_checks_still_judge() {
    let pki = Pki::new();
    let server = serve_client_auth(&pki, false);
    let run = probe(HOST, &server.connect_to(), &["--ca-file", &pki.ca_file()]);
    assert_eq!(run.status("tls.client_certificate"), "warn", "{}", run.stdout);
    let evidence = run.evidence("tls.client_certificate");
    assert!(
        evidence.contains("asks for a client certificate") && evidence.contains("goes on without one"),
        "{evidence}"
    );
    assert!(evidence.contains("TLS 1.2") && evidence.contains("TLS 1.3"), "{evidence}");
    assert!(run.remedy("tls.client_certificate").contains("March 2026"));
    let ids = ["tls.version", "tls.cipher_suite", "tls.hostname", "tls.chain_complete", "tls.http11"];
    assert!(statuses(&run, &ids).iter().all(|s| s.ends_with("=pass")), "{:?}", statuses(&run, &ids));
}

/// A proxy that ends the handshake without a client certificate is named as requiring one.
#[test]
fn proxy_that_requires_a_client_certificate_is_named_as_requiring_one() {
    let pki = Pki::new();
    let server = serve_client_auth(&pki, true);
    let run = probe(HOST, &server.connect_to(), &["--ca-file", &pki.ca_file()]);
    assert_eq!(run.status("tls.client_certificate"), "warn", "{}", run.stdout);
    let evidence = run.evidence("tls.client_certificate");
    assert!(evidence.contains("requires a client certificate"), "{evidence}");
    assert!(!evidence.contains("goes on without one"), "{evidence}");
    assert!(run.remedy("tls.client_certificate").contains("--client-cert FILE --client-key FILE"));
    // Not a broken TLS stack: tls.version says it could not judge, and why; what lies behind the handshake
    // waits for a certificate, saying so. Nothing fails, and the run says some checks could not run.
    assert_eq!(run.status("tls.version"), "error", "{}", run.evidence("tls.version"));
    assert!(run.evidence("tls.version").contains("requires a client certificate"), "{}", run.evidence("tls.version"));
    for id in ["tls.cipher_suite", "tls.hostname", "tls.chain_complete", "tls.http11"] {
        assert_eq!(run.status(id), "skipped", "{id}");
        assert!(run.evidence(id).contains("--client-cert"), "{id}: {}", run.evidence(id));
    }
    assert!(run.with_status("fail").is_empty(), "{:?}", run.with_status("fail"));
    assert_eq!(run.code, 3, "{}", run.stdout);
}
