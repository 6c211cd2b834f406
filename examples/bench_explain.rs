//! Benchmark: `explain` costs time in proportion to its input. `cargo run --release --example bench_explain
//! [MB ...]` (default 1 5 20) builds a log of that size (ordinary lines with unique tokens, one KMS
//! connection error code in the middle), explains it three times, and prints the best time and the time
//! per megabyte, which stays flat when the cost is linear.

use std::time::Instant;

fn log(megabytes: usize) -> String {
    let mut text = String::with_capacity(megabytes << 20);
    let mut line = 0usize;
    while text.len() < megabytes << 20 {
        if line == 1000 {
            text.push_str("ERROR ConnectCustomKeyStore: ConnectionErrorCode XKS_PROXY_TIMED_OUT\n");
        }
        text.push_str(&format!(
            "2026-12-01T10:00:00Z INFO request_id={line:08x} latency_ms={} status=200 path=/kms/xks/v1/health \
             token=QUJDREVGR0hJSktMTU5PUFFSU1RVVldY{line:08}\n",
            line % 97
        ));
        line += 1;
    }
    text
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![1, 5, 20] } else { sizes };
    println!("{:>6} {:>10} {:>10}  topic", "MB", "best ms", "ms per MB");
    for megabytes in sizes {
        let text = log(megabytes);
        let mut best = f64::MAX;
        let mut topic = None;
        for _ in 0..3 {
            let started = Instant::now();
            let answer = xks_preflight::explain::explain(&text);
            best = best.min(started.elapsed().as_secs_f64() * 1000.0);
            topic = answer.topic.map(|t| t.title);
        }
        println!("{megabytes:>6} {best:>10.0} {:>10.0}  {}", best / megabytes as f64, topic.unwrap_or("none"));
    }
}
