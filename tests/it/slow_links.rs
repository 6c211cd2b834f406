//! The round-trip and latency limits over links that are really slow: the test proxy sits in a network
//! namespace of its own behind a delay in each direction (support/netns.rs), so that every TCP, TLS
//! and HTTP exchange pays it as it would across a continent. Without a key, the proxy calls are small,
//! and what is measured is the link plus the proxy's own delay.

use std::time::Duration;

use crate::proxy_checks::{check_with, proxy_in, PATH};
use crate::support::netns::slow_link_or_skip;
use crate::support::xks_proxy::{Variant, SECRET};
use crate::support::Run;

/// A full check of the test proxy `one_way_ms` away, taking `proxy_delay_ms` to answer each call.
fn across(one_way_ms: u64, proxy_delay_ms: u64, test: &str) -> Option<Run> {
    let link = slow_link_or_skip(Duration::from_millis(one_way_ms), test)?;
    let setup = proxy_in(&link.netns, link.server_ip.into(), Variant::AnswersAfter(proxy_delay_ms));
    let run = check_with(&setup, Some(SECRET), PATH, &[]);
    eprintln!(
        "{test} over {}: net.rtt: {}; proxy.latency: {}",
        link.how,
        run.evidence("net.rtt"),
        run.evidence("proxy.latency")
    );
    Some(run)
}

/// The median of the round-trip samples the tool reports, in milliseconds.
fn median_ms(run: &Run) -> f64 {
    let evidence = run.evidence("net.rtt");
    let figure = evidence.strip_prefix("median ").and_then(|rest| rest.split(' ').next());
    figure.and_then(|ms| ms.parse().ok()).unwrap_or_else(|| panic!("no median in {evidence}"))
}

#[test]
fn round_trip_of_20_ms_passes_net_rtt() {
    let Some(run) = across(10, 0, "round_trip_of_20_ms_passes_net_rtt") else { return };
    assert_eq!(run.status("net.rtt"), "pass", "{}", run.evidence("net.rtt"));
    let median = median_ms(&run);
    assert!((19.0..35.0).contains(&median), "the link's 20 ms should be what is measured: {median}");
    // Two round trips of 20 ms are more than the ceiling: a distant link keeps the pause it always had.
    assert!(run.evidence("net.rtt").contains("one at a time, at most 10 ms apart"), "{}", run.evidence("net.rtt"));
    assert_eq!(run.status("proxy.latency"), "pass", "{}", run.evidence("proxy.latency"));
}

#[test]
fn round_trip_of_40_ms_fails_net_rtt_while_tls_and_the_proxy_pass() {
    // The catalogue's limit is 35 ms: 40 ms of round trip is over it.
    let Some(run) = across(20, 0, "round_trip_of_40_ms_fails_net_rtt_while_tls_and_the_proxy_pass") else { return };
    assert_eq!(run.status("net.rtt"), "fail", "{}", run.evidence("net.rtt"));
    assert!(median_ms(&run) >= 39.0, "{}", run.evidence("net.rtt"));
    assert!(run.check("net.rtt")["remedy"].as_str().unwrap().contains("35 ms"));
    for id in ["proxy.latency", "proxy.health", "tls.version", "tls.http11"] {
        assert_eq!(run.status(id), "pass", "{id}: {}", run.evidence(id));
    }
}

#[test]
fn round_trip_of_80_ms_fails_net_rtt_and_keeps_latency_within_its_limit() {
    let Some(run) = across(40, 0, "round_trip_of_80_ms_fails_net_rtt_and_keeps_latency_within_its_limit") else {
        return;
    };
    assert_eq!(run.status("net.rtt"), "fail", "{}", run.evidence("net.rtt"));
    assert!(median_ms(&run) >= 79.0, "{}", run.evidence("net.rtt"));
    // One exchange on a kept-alive connection costs one round trip: 80 ms is well inside 250 ms.
    assert_eq!(run.status("proxy.latency"), "pass", "{}", run.evidence("proxy.latency"));
}

#[test]
fn answers_taking_205_ms_over_the_link_warn_on_proxy_latency() {
    // 80 ms of round trip and 125 ms in the proxy: past the 200 ms warning, inside the 250 ms limit. Both
    // delays are floors, so the answer is never faster; 205 ms leaves the most room for a loaded machine's
    // tail below the limit.
    let Some(run) = across(40, 125, "answers_taking_205_ms_over_the_link_warn_on_proxy_latency") else { return };
    assert_eq!(run.status("proxy.latency"), "warn", "{}", run.evidence("proxy.latency"));
}

#[test]
fn answers_taking_280_ms_over_the_link_fail_proxy_latency_with_what_kms_answers() {
    let Some(run) = across(40, 200, "answers_taking_280_ms_over_the_link_fail_proxy_latency_with_what_kms_answers")
    else {
        return;
    };
    assert_eq!(run.status("proxy.latency"), "fail", "{}", run.evidence("proxy.latency"));
    assert!(run.check("proxy.latency")["kms_says"].to_string().contains("XKS_PROXY_TIMED_OUT"));
    assert_eq!(run.json()["exit_code"], 1);
}
