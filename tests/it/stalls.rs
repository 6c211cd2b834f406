//! Proxies that stop answering: the check that saw it fails, every check that needed an answer is
//! blocked by it, and the rest of the run is not spent waiting out one timeout per call.

use crate::proxy_checks::{check_with, failing, proxy, PATH};
use crate::support::xks_proxy::{Variant, KEY_ID, SECRET};
use crate::support::Run;

fn run_with_keys(variant: Variant, keys: usize) -> Run {
    let mut args = Vec::new();
    let ids: Vec<String> = (0..keys).map(|i| if i == 0 { KEY_ID.to_string() } else { format!("key-{i}") }).collect();
    for id in &ids {
        args.extend(["--xks-key-id", id.as_str()]);
    }
    check_with(&proxy(variant), Some(SECRET), PATH, &args)
}

/// Where the chain of blockers from `id` ends.
fn root_blocker(run: &Run, id: &str) -> String {
    let mut at = id.to_string();
    for _ in 0..64 {
        match run.check(&at)["blocked_by"].as_str() {
            Some(next) => at = next.to_string(),
            None => break,
        }
    }
    at
}

#[test]
fn proxy_that_never_answers_fails_latency_alone_and_blocks_every_call_after_tls() {
    let run = run_with_keys(Variant::Silent, 3);
    assert_eq!(failing(&run), vec!["tls.trusted_ca", "proxy.latency"], "{}", run.stdout);
    let evidence = run.evidence("proxy.latency");
    assert!(evidence.contains("the proxy stopped answering"), "{evidence}");
    assert!(run.check("proxy.latency")["kms_says"].to_string().contains("XKS_PROXY_TIMED_OUT"));
    for id in ["tls.http11", "proxy.health", "proxy.auth_enforced", "key.metadata", "key.round_trip", "key.not_found"] {
        assert_eq!(root_blocker(&run, id), "proxy.latency", "{id}: {}", run.evidence(id));
    }
    // What TLS showed is judged on its own.
    for id in ["tls.version", "tls.cipher_suite", "tls.hostname", "tls.chain_complete"] {
        assert_eq!(run.status(id), "pass", "{id}");
    }
    assert_eq!(run.json()["exit_code"], 1);
    assert_eq!(run.json()["targets"][0]["diagnosis"]["problems"][1], "proxy.latency");
}

#[test]
fn proxy_that_stops_answering_the_key_calls_keeps_its_health_verdicts() {
    let run = run_with_keys(Variant::SilentOnKeys, 1);
    assert_eq!(failing(&run), vec!["tls.trusted_ca", "proxy.latency"], "{}", run.stdout);
    for id in ["proxy.health", "proxy.ekm_available", "proxy.credential_accepted", "proxy.clock_skew"] {
        assert_eq!(run.status(id), "pass", "{id}: {}", run.evidence(id));
    }
    for id in ["key.metadata", "key.round_trip", "key.tamper_rejected", "key.ciphertext_shape", "proxy.long_metadata"] {
        assert_eq!(root_blocker(&run, id), "proxy.latency", "{id}: {}", run.evidence(id));
    }
    assert!(
        run.evidence("key.metadata").contains("no answer within") || run.evidence("key.metadata").contains("not sent")
    );
}

#[test]
fn run_deadline_ends_probes_that_would_take_longer_and_reports_them_as_errors() {
    let setup = proxy(Variant::Silent);
    // Each call may take the probe timeout of 2 s; the run may not.
    let run = check_with(&setup, Some(SECRET), PATH, &["--timeout", "1"]);
    assert_eq!(run.status("tls.version"), "error", "{}", run.stdout);
    assert!(run.evidence("tls.version").contains("not finished within the run's --timeout of 1 s"));
    assert_eq!(run.code, 3, "nothing failed, but the run could not finish: {}", run.stdout);
}
