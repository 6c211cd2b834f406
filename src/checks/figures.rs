//! Figures drawn from the facts: percentiles of samples, and a connection's phases in milliseconds.

use crate::facts::{NetworkFacts, Probed};

/// The nearest-rank percentile of samples, in any order.
pub fn percentile(samples: &[f64], p: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A curl-like line of where the time of one connection went.
pub fn phases(net: &NetworkFacts) -> String {
    let mut parts = Vec::new();
    if let Probed::Seen(answer) = &net.ipv4 {
        parts.push(format!("DNS {:.1} ms", answer.duration_ms));
    }
    let handshake = net.tls.iter().find_map(|attempt| attempt.outcome.seen().filter(|_| attempt.kms_suites_only));
    match (handshake, &net.tcp) {
        (Some(tls), _) => {
            parts.push(format!("TCP {:.1} ms", tls.tcp_ms));
            parts.push(format!("TLS {:.1} ms", tls.handshake_ms));
        }
        (None, Probed::Seen(tcp)) => parts.push(format!("TCP {:.1} ms", tcp.connect_ms)),
        _ => {}
    }
    if let Some(exchange) = net.proxy.seen().and_then(|proxy| proxy.unsigned_health.seen()) {
        parts.push(format!("HTTP {:.1} ms", exchange.duration_ms));
    }
    parts.join(" · ")
}
