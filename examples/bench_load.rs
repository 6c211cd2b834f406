//! Benchmark: how fast `xks-preflight load` sends signed calls, against the tests' XKS proxy on loopback.
//!
//! `cargo run --release --example bench_load [RATE] [SECONDS] [CONNECTIONS] [EVERY]` starts the proxy (its
//! faithful variant, which verifies every SigV4 signature) on 127.0.0.1, runs the binary of the same
//! build's `load` at RATE (default 5000) for SECONDS (default 10) and prints its achieved rate, its p99, the
//! requests it counted beside those the proxy saw, and its resident memory every EVERY seconds (default
//! 1). When `oha` is
//! on the PATH, it then runs `oha` against the same proxy for as long with as many connections,
//! unsigned (the proxy answers each with 401), and prints its rate.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

// The tests' proxy; the benchmark uses its faithful variant only.
#[allow(dead_code)]
#[path = "../tests/it/support/xks_proxy.rs"]
mod xks_proxy;

#[path = "shared/loopback.rs"]
mod loopback;

/// Resident memory of `pid`, in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rate: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let connections: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(50);
    let every = Duration::from_secs(args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let proxy = Arc::new(xks_proxy::XksProxy::new(vec![String::new()], xks_proxy::Variant::Faithful));
    let address = runtime.block_on(loopback::serve(proxy.clone()));
    // The binary of the same build as this example: target/<profile>/xks-preflight.
    let binary = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("xks-preflight");
    assert!(binary.exists(), "{} is missing: cargo build --release --bin xks-preflight", binary.display());
    let mut child = Command::new(&binary)
        .env("XKS_PROXY_SECRET_ACCESS_KEY", xks_proxy::SECRET)
        .args(["load", "--endpoint", "https://localhost", "--path", "/kms/xks/v1"])
        .args(["--access-key-id", xks_proxy::ACCESS_KEY_ID, "--connect-to", &address.to_string()])
        .args(["--rate", &rate.to_string(), "--duration", &format!("{seconds}s")])
        .args([
            "--connections",
            &connections.to_string(),
            "--max-rate",
            &rate.max(10_000).to_string(),
            "--output",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start xks-preflight");
    // Read while it runs: a long run's report is larger than the pipe holds, and the run would wait on it.
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        stdout.read_to_string(&mut out).map(|_| out)
    });
    let mut memory = Vec::new();
    let mut next_sample = std::time::Instant::now() + every;
    // Looked at often, so that the run's end is not waited for; sampled every `every`.
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() >= next_sample {
            memory.extend(rss_kib(child.id()));
            next_sample += every;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = reader.join().unwrap().unwrap();
    let report: serde_json::Value = serde_json::from_str(&out).expect("a JSON report");
    let requests = report["requests"].as_u64().unwrap();
    let seen = proxy.seen().len() as u64;
    println!(
        "xks-preflight load: asked {rate}/s for {seconds} s over {connections} connections: achieved {:.0}/s, \
         p99 {} ms, errors {}, generator {}",
        report["achieved_rate"].as_f64().unwrap(),
        report["latency_ms"]["p99"],
        report["errors"],
        report["generator"]
    );
    println!("requests counted {requests} (+1 before the run), the proxy saw {seen}: equal {}", requests + 1 == seen);
    println!("resident memory, KiB, every {} s: {memory:?}", every.as_secs());
    let url = format!("https://{address}/kms/xks/v1/health");
    let oha = Command::new("oha")
        .args([
            "-z",
            &format!("{seconds}s"),
            "-c",
            &connections.to_string(),
            "--insecure",
            "--no-tui",
            "--output-format",
            "json",
        ])
        .args(["-m", "POST", "-d", "{}", &url])
        .output();
    match oha {
        Ok(output) if output.status.success() => {
            let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
            let oha_rate = summary["summary"]["requestsPerSec"].as_f64().unwrap_or(0.0);
            let ours = report["achieved_rate"].as_f64().unwrap();
            println!(
                "oha (unsigned, answered 401): {oha_rate:.0}/s; signed load's rate is {:.0}% of it",
                ours / oha_rate * 100.0
            );
        }
        Ok(output) => println!("oha failed: {}", String::from_utf8_lossy(&output.stderr)),
        Err(_) => println!("oha is not on the PATH: cargo install oha"),
    }
}
