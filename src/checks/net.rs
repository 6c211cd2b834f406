//! `net.*`: TCP to port 443 and the round-trip time, measured from where the tool ran.

use super::context::Ctx;
use super::figures::{percentile, phases};
use super::gates::{connected, missing, network, seen};
use super::outcome::{need, MeasureName, Outcome};
use super::text::quote;
use crate::facts::{NetworkFacts, Probed};

const MAX_RTT_MS: f64 = 35.0;

/// `from host (via --connect-to …)`.
fn vantage(net: &NetworkFacts) -> String {
    match &net.connect_to {
        Some(target) => format!("from {} via --connect-to {target}", net.measured_from),
        None => format!("from {}", net.measured_from),
    }
}

pub(super) fn tcp_connect(ctx: &Ctx) -> Outcome {
    let net = need!(network(ctx));
    match &net.tcp {
        Probed::Seen(tcp) => Outcome::pass(format!("{} accepted {} ({})", tcp.address, vantage(net), phases(net))),
        Probed::Failed(failure) => Outcome::fail(
            format!("{} {}: {}", failure.step, vantage(net), quote(&failure.message)),
            "Let port 443 of the proxy (or its load balancer) accept connections: check that the proxy listens, \
             and the security groups, network ACLs and firewalls on the way.",
        ),
        Probed::NotGathered(why) => missing(why),
    }
}

/// The median of samples, in any order.
fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 0 {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    }
}

pub(super) fn rtt(ctx: &Ctx) -> Outcome {
    let net = need!(connected(ctx));
    let rtt = need!(seen(&net.rtt));
    let samples = &rtt.samples_ms;
    if samples.is_empty() {
        return Outcome::error(
            format!(
                "none of the {} handshakes to {} connected: {}",
                rtt.failures.len(),
                rtt.address,
                quote(&rtt.failures.join("; "))
            ),
            "Run the check again; connections that come and go point at an overloaded proxy or load balancer.",
        );
    }
    let lost = if rtt.failures.is_empty() { String::new() } else { format!(", {} failed", rtt.failures.len()) };
    let how = rtt.spacing_ms.map(|ms| format!(" one at a time, at most {ms} ms apart")).unwrap_or_default();
    let figures = format!(
        "median {:.1} ms (min {:.1}, p90 {:.1}, max {:.1}; {} handshakes{how}{lost}) to {} {}; KMS sees the time \
         from {}, which is what counts",
        median(samples),
        samples.iter().copied().fold(f64::INFINITY, f64::min),
        percentile(samples, 90.0),
        samples.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        samples.len(),
        rtt.address,
        vantage(net),
        ctx.facts.region
    );
    let outcome = if median(samples) <= MAX_RTT_MS {
        Outcome::pass(figures)
    } else {
        Outcome::fail(
            format!("{figures}; more than {MAX_RTT_MS} ms"),
            format!(
                "Bring the proxy and its external key manager within {MAX_RTT_MS} ms of {}: host them closer to the \
                 Region, or use a Region closer to them. Measure from an instance in {} to be sure.",
                ctx.facts.region, ctx.facts.region
            ),
        )
    };
    outcome.measured(MeasureName::RoundTripMedianMs, median(samples))
}
