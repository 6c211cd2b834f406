//! Real public certificate chains (`fixtures/chains/`, none made here), judged as KMS judges them: the
//! facts of a real run against a local server, with the chain the public server sent put in its place,
//! replayed through `--facts` at a moment inside the chain's validity. Then the faults no public chain
//! shows (an expired intermediate under a valid certificate, a signer that is not a CA, a flood of names),
//! on chains made here with rcgen.

use std::sync::OnceLock;

use base64::Engine;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::version::{TLS12, TLS13};
use serde_json::Value;

use crate::support::pki::{Ca, Leaf};
use crate::support::servers::{Speaks, TlsServer};
use crate::support::{command, run, Run};

const CHAINS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/chains");

/// The certificates of a fixture chain, leaf first, DER.
fn chain(file: &str) -> Vec<Vec<u8>> {
    let path = format!("{CHAINS}/{file}");
    CertificateDer::pem_file_iter(&path).unwrap().map(|c| c.unwrap().to_vec()).collect()
}

/// The facts of one probe of a local TLS server, recorded once for every test here.
fn template() -> &'static Value {
    static FACTS: OnceLock<Value> = OnceLock::new();
    FACTS.get_or_init(|| {
        let leaf = Leaf::self_signed("xks.example.test");
        let server = TlsServer::start(leaf.chain(&[]), leaf.private_key(), &[&TLS13, &TLS12], Speaks::Http11);
        let dir = tempfile::tempdir().unwrap();
        let facts = dir.path().join("facts.json").display().to_string();
        crate::support::probe("xks.example.test", "/kms/xks/v1", &server.connect_to(), None, &["--save-facts", &facts]);
        serde_json::from_str(&std::fs::read_to_string(&facts).unwrap()).unwrap()
    })
}

/// Replays the template as if `host` had sent `certificates` at `at` (RFC 3339).
fn replay(host: &str, certificates: &[Vec<u8>], at: &str) -> Run {
    replay_facts(template().clone(), host, certificates, at)
}

fn replay_facts(mut facts: Value, host: &str, certificates: &[Vec<u8>], at: &str) -> Run {
    facts["gathered_at"] = at.into();
    facts["targets"][0]["subject"]["uri_endpoint"] = format!("https://{host}").into();
    let network = &mut facts["targets"][0]["network"]["seen"];
    network["host"] = host.into();
    let encoded: Vec<Value> = certificates.iter().map(|der| base64(der).into()).collect();
    for attempt in network["tls"].as_array_mut().unwrap() {
        if let Some(handshake) = attempt["outcome"].get_mut("seen") {
            handshake["chain"] = encoded.clone().into();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("facts.json");
    std::fs::write(&path, facts.to_string()).unwrap();
    run(command(None), &["check", "--output", "json", "--facts", path.to_str().unwrap()])
}

fn base64(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}

/// Each real chain: its file, a host its certificate names, and a moment inside its validity.
const TRUSTED: &[(&str, &str, &str, &str)] = &[
    ("amazon-root-ca-1.pem", "xks.1password.com", "2025-01-15T00:00:00Z", "amazonrootca1"),
    ("digicert-global-root-ca.pem", "revoked.badssl.com", "2022-06-01T00:00:00Z", "digicertglobalrootca"),
    ("gts-root-r1.pem", "www.google.com", "2023-02-01T00:00:00Z", "gtsrootr1"),
    ("baltimore-cybertrust-root.pem", "blog.humminglab.io", "2023-01-15T00:00:00Z", "baltimorecybertrustroot"),
];

#[test]
fn real_chains_to_kms_roots_pass_hostname_chain_and_trust() {
    for (file, host, at, alias) in TRUSTED {
        let run = replay(host, &chain(file), at);
        for id in ["tls.hostname", "tls.validity", "tls.chain_complete", "tls.trusted_ca"] {
            assert_eq!(run.status(id), "pass", "{file} {id}: {}", run.evidence(id));
        }
        let trusted = run.evidence("tls.trusted_ca");
        assert!(trusted.contains(&format!("{alias} on KMS's list")), "{file}: {trusted}");
        assert!(run.evidence("tls.chain_complete").contains("every signature verified"), "{file}");
    }
}

/// KMS lists the 2016 GTS Root R1; Mozilla ships a re-issue with the same name and key. The path is
/// anchored by name and key, so the chain reaches KMS's copy although the server never sent a root.
#[test]
fn gts_chain_is_anchored_at_kms_copy_of_the_re_issued_root() {
    let run = replay("www.google.com", &chain("gts-root-r1.pem"), "2023-02-01T00:00:00Z");
    assert!(run.evidence("tls.trusted_ca").contains("CN=GTS Root R1"), "{}", run.evidence("tls.trusted_ca"));
}

#[test]
fn real_chains_without_their_intermediate_fail_chain_completeness_naming_the_missing_issuer() {
    for (file, host, at, _) in TRUSTED {
        let leaf_only = &chain(file)[..1];
        let run = replay(host, leaf_only, at);
        assert_eq!(run.status("tls.chain_complete"), "fail", "{file}");
        let evidence = run.evidence("tls.chain_complete");
        assert!(evidence.contains("an intermediate certificate is missing"), "{file}: {evidence}");
        assert_eq!(run.status("tls.trusted_ca"), "skipped", "{file}");
        assert_eq!(run.check("tls.trusted_ca")["blocked_by"], "tls.chain_complete", "{file}");
        // The certificate itself is still judged.
        assert_eq!(run.status("tls.hostname"), "pass", "{file}");
        assert_eq!(run.code, 1);
    }
}

/// The last byte of a certificate lies in its signature: flipping it must break that one link.
#[test]
fn a_flipped_signature_byte_fails_chain_completeness_at_that_link() {
    for (file, host, at, _) in TRUSTED {
        for (which, index) in [("intermediate", 1), ("server certificate", 0)] {
            let mut certificates = chain(file);
            *certificates[index].last_mut().unwrap() ^= 0x01;
            let run = replay(host, &certificates, at);
            assert_eq!(run.status("tls.chain_complete"), "fail", "{file} {which}");
            let evidence = run.evidence("tls.chain_complete");
            assert!(evidence.contains("does not verify with the key of its issuer"), "{file} {which}: {evidence}");
            assert_eq!(run.check("tls.trusted_ca")["blocked_by"], "tls.chain_complete");
        }
    }
}

#[test]
fn chain_to_a_root_not_on_kms_list_fails_trust_but_is_complete() {
    // lencr.org ← E6, issued by ISRG Root X2: Mozilla trusts X2, KMS's list (2022) does not.
    let certificates = chain("isrg-root-x2-cross-signed.pem");
    let run = replay("lencr.org", &certificates[..2], "2024-10-01T00:00:00Z");
    assert_eq!(run.status("tls.chain_complete"), "pass", "{}", run.evidence("tls.chain_complete"));
    assert_eq!(run.status("tls.trusted_ca"), "fail");
    let evidence = run.evidence("tls.trusted_ca");
    assert!(evidence.contains("ISRG Root X2") && evidence.contains("not on KMS's"), "{evidence}");
    assert_eq!(run.code, 1);
}

/// With the cross-signed ISRG Root X2 sent too, the path goes on to ISRG Root X1, which KMS trusts.
#[test]
fn cross_signed_intermediate_leads_the_path_to_a_kms_root() {
    let run = replay("lencr.org", &chain("isrg-root-x2-cross-signed.pem"), "2024-10-01T00:00:00Z");
    assert_eq!(run.status("tls.trusted_ca"), "pass", "{}", run.evidence("tls.trusted_ca"));
    assert!(run.evidence("tls.trusted_ca").contains("isrgrootx1 on KMS's list"));
}

#[test]
fn real_chain_replayed_after_its_intermediate_expired_fails_naming_it() {
    // Cloudflare Inc ECC CA-3 expired at the end of 2024, the server certificate in mid-2023: the path is
    // judged at the server certificate's last valid moment, where the intermediate was still valid.
    let run = replay("blog.humminglab.io", &chain("baltimore-cybertrust-root.pem"), "2025-06-01T00:00:00Z");
    assert_eq!(run.status("tls.validity"), "fail");
    assert_eq!(run.status("tls.chain_complete"), "pass", "{}", run.evidence("tls.chain_complete"));
    // Baltimore CyberTrust Root itself ended on 2025-05-12: KMS's list no longer vouches for it.
    assert_eq!(run.status("tls.trusted_ca"), "fail", "{}", run.evidence("tls.trusted_ca"));
    assert!(run.evidence("tls.trusted_ca").contains("validity ended on 2025-05-12"));
}

#[test]
fn wrong_host_fails_hostname_naming_the_certificate_names() {
    let run = replay("xks.example.com", &chain("amazon-root-ca-1.pem"), "2025-01-15T00:00:00Z");
    assert_eq!(run.status("tls.hostname"), "fail");
    let evidence = run.evidence("tls.hostname");
    assert!(evidence.contains("*.1password.com") && evidence.contains("xks.example.com"), "{evidence}");
    // A wildcard stands for one label only.
    let run = replay("a.b.1password.com", &chain("amazon-root-ca-1.pem"), "2025-01-15T00:00:00Z");
    assert_eq!(run.status("tls.hostname"), "fail");
}

#[test]
/// As many names as a certificate can hold (verifiers refuse certificates over 64 KiB).
fn certificate_with_thousands_of_names_is_quoted_in_bounds() {
    let root = Ca::root("xks-preflight Many Names Root");
    let names: Vec<String> = (0..2500).map(|n| format!("host-{n}.example.test")).collect();
    let leaf = root.server(&names.iter().map(String::as_str).collect::<Vec<_>>(), 1, 90);
    let certificates: Vec<Vec<u8>> = leaf.chain(&[]).iter().map(|c| c.to_vec()).collect();
    let run = replay_with_ca("xks.example.test", &certificates, &root);
    assert_eq!(run.status("tls.hostname"), "fail");
    let evidence = run.evidence("tls.hostname");
    assert!(evidence.contains("host-4.example.test and 2495 more"), "{evidence}");
    assert!(evidence.len() < 400, "{} characters of evidence", evidence.len());
}

#[test]
fn intermediate_that_expired_while_the_server_certificate_is_valid_fails_naming_it() {
    let root = Ca::root("xks-preflight Expired Path Root");
    let intermediate = root.intermediate_valid("xks-preflight Expired Intermediate", 400, 365);
    let leaf = intermediate.server(&["xks.example.test"], 1, 90);
    let certificates: Vec<Vec<u8>> = leaf.chain(&[&intermediate]).iter().map(|c| c.to_vec()).collect();
    let run = replay_with_ca("xks.example.test", &certificates, &root);
    assert_eq!(run.status("tls.validity"), "pass");
    assert_eq!(run.status("tls.chain_complete"), "fail");
    let evidence = run.evidence("tls.chain_complete");
    assert!(evidence.contains("xks-preflight Expired Intermediate") && evidence.contains("expired on"), "{evidence}");
}

#[test]
fn intermediate_that_is_not_a_ca_fails_naming_it() {
    let root = Ca::root("xks-preflight Not-a-CA Root");
    let impostor = root.end_entity_signer("xks-preflight Not A CA");
    let leaf = impostor.server(&["xks.example.test"], 1, 90);
    let certificates: Vec<Vec<u8>> = leaf.chain(&[&impostor]).iter().map(|c| c.to_vec()).collect();
    let run = replay_with_ca("xks.example.test", &certificates, &root);
    assert_eq!(run.status("tls.chain_complete"), "fail");
    let evidence = run.evidence("tls.chain_complete");
    assert!(evidence.contains("xks-preflight Not A CA") && evidence.contains("is not a CA"), "{evidence}");
}

/// The template with `root` as the run's --ca-file, at the template's own time (rcgen's certificates are
/// made now).
fn replay_with_ca(host: &str, certificates: &[Vec<u8>], root: &Ca) -> Run {
    let mut facts = template().clone();
    facts["targets"][0]["network"]["seen"]["extra_roots"] = vec![Value::from(base64(root.cert.der()))].into();
    let at = facts["gathered_at"].as_str().unwrap().to_string();
    replay_facts(facts, host, certificates, &at)
}
