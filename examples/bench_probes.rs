//! Benchmark: the network probes of one endpoint cost about their longest chain (a TLS handshake, then
//! the proxy calls that follow one another on its connection), not the sum of all probes.
//!
//! `cargo run --example bench_probes [DELAY_MS] [RUNS]` starts the tests' XKS proxy on 127.0.0.1 behind a
//! relay that holds every chunk for DELAY_MS (default 20) in each direction, as a distant proxy would,
//! gathers the facts for `https://localhost` through it RUNS times (default 5), and prints, per run, the
//! wall time of the whole probe set beside the sum of the probes' own durations and the slowest of them.
//! Then it times the full check of one store with one external key straight on loopback: every proxy
//! call the checks judge (health, signatures, paths, methods, malformed and unusual requests, a key that
//! does not exist), ten kept-alive calls, and the key's metadata, round trips and refused Decrypts; per
//! run its wall time, the slowest round-trip sample and the longest pause between samples, then the
//! median and the mean CPU time of a run (the proxy's included: it runs in this process).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use xks_preflight::facts::{NetworkFacts, PlannedSettings, Probed};
use xks_preflight::gather::{self, NetworkOptions, Request, WayIn};
use xks_preflight::user_input::Secret;

// The tests' proxy; the benchmark uses its faithful variant only.
#[allow(dead_code)]
#[path = "../tests/it/support/xks_proxy.rs"]
mod xks_proxy;

#[path = "shared/loopback.rs"]
mod loopback;

async fn tls_server() -> std::net::SocketAddr {
    loopback::serve(Arc::new(xks_proxy::XksProxy::new(vec![String::new()], xks_proxy::Variant::Faithful))).await
}

/// Copies one direction, holding every chunk for `delay`.
async fn pipe(mut from: tokio::net::tcp::OwnedReadHalf, mut to: tokio::net::tcp::OwnedWriteHalf, delay: Duration) {
    let mut buffer = vec![0u8; 16 * 1024];
    while let Ok(read) = from.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        tokio::time::sleep(delay).await;
        if to.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

async fn slow_relay(target: std::net::SocketAddr, delay: Duration) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(target).await else { return };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::join!(pipe(client_read, server_write, delay), pipe(server_read, client_write, delay));
            });
        }
    });
    address
}

/// Each probe's own duration, as the facts record it.
fn probe_durations(net: &NetworkFacts) -> Vec<f64> {
    let mut durations = Vec::new();
    for answer in [&net.ipv4, &net.ipv6] {
        if let Probed::Seen(answer) = answer {
            durations.push(answer.duration_ms);
        }
    }
    if let Probed::Seen(tcp) = &net.tcp {
        durations.push(tcp.connect_ms);
    }
    if let Probed::Seen(rtt) = &net.rtt {
        durations.extend(&rtt.samples_ms);
    }
    for attempt in &net.tls {
        if let Probed::Seen(handshake) = &attempt.outcome {
            durations.push(handshake.tcp_ms + handshake.handshake_ms);
        }
    }
    if let Probed::Seen(proxy) = &net.proxy {
        for call in
            [&proxy.unsigned_health, &proxy.signed_health, &proxy.wrongly_signed_health, &proxy.wrong_path, &proxy.get]
        {
            if let Probed::Seen(exchange) = call {
                durations.push(exchange.duration_ms);
            }
        }
    }
    durations
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let delay = Duration::from_millis(args.next().and_then(|a| a.parse().ok()).unwrap_or(20));
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let relay = slow_relay(tls_server().await, delay).await;
    println!("probe set for one endpoint, relay delay {} ms each way, {runs} runs", delay.as_millis());
    println!("{:>10} {:>16} {:>14} {:>8}", "wall ms", "sum of probes ms", "slowest ms", "probes");
    for _ in 0..runs {
        let request = request(relay, None, Vec::new());
        let started = Instant::now();
        let facts = gather::gather(request, &Default::default()).await.expect("planned settings gather").remove(0);
        let wall = started.elapsed().as_secs_f64() * 1000.0;
        let Probed::Seen(net) = &facts.targets[0].network else { panic!("the probes did not run") };
        let durations = probe_durations(net);
        let sum: f64 = durations.iter().sum();
        let slowest = durations.iter().copied().fold(0.0, f64::max);
        println!("{wall:>10.1} {sum:>16.1} {slowest:>14.1} {:>8}", durations.len());
    }

    let direct = tls_server().await;
    println!("\nfull check of one store with one external key, straight on loopback, {runs} runs");
    println!("{:>10} {:>8} {:>12} {:>14}", "wall ms", "calls", "rtt max ms", "rtt pause ms");
    let cpu_before = cpu_seconds();
    let mut walls = Vec::new();
    for _ in 0..runs {
        let secret = Secret::new(xks_proxy::SECRET.to_string());
        let request = request(direct, Some(secret), vec![xks_proxy::KEY_ID.to_string()]);
        let started = Instant::now();
        let facts = gather::gather(request, &Default::default()).await.expect("planned settings gather").remove(0);
        let wall = started.elapsed().as_secs_f64() * 1000.0;
        let Probed::Seen(net) = &facts.targets[0].network else { panic!("the probes did not run") };
        let Probed::Seen(proxy) = &net.proxy else { panic!("the proxy was not called") };
        let answered = proxy.calls().iter().filter(|c| c.seen().is_some()).count();
        let calls = answered + proxy.kept_alive.seen().map(|k| k.durations_ms.len()).unwrap_or(0);
        let Probed::Seen(rtt) = &net.rtt else { panic!("the round trips were not sampled") };
        let slowest = rtt.samples_ms.iter().copied().fold(0.0, f64::max);
        let pause = rtt.spacing_ms.map_or("-".to_string(), |ms| ms.to_string());
        println!("{wall:>10.1} {calls:>8} {slowest:>12.2} {pause:>14}");
        walls.push(wall);
    }
    walls.sort_by(f64::total_cmp);
    let cpu = (cpu_seconds() - cpu_before) * 1000.0 / runs as f64;
    println!(
        "median {:.1} ms wall; {cpu:.0} ms of CPU a run (the tool and the proxy: both in this process)",
        walls[runs / 2]
    );
}

/// This process's CPU time so far (user and system, all threads), from /proc: in clock ticks of 10 ms,
/// so only the mean over several runs means anything.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |index: usize| fields.get(index).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line; the state, field 3, is the first after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn request(connect_to: std::net::SocketAddr, secret: Option<Secret>, keys: Vec<String>) -> Request {
    Request {
        way_in: WayIn::Planned(PlannedSettings {
            uri_endpoint: Some("https://localhost".into()),
            uri_path: Some("/kms/xks/v1".into()),
            access_key_id: Some(xks_proxy::ACCESS_KEY_ID.into()),
            ..PlannedSettings::default()
        }),
        regions: vec![xks_proxy::REGION.into()],
        all_regions: false,
        role_arns: Vec::new(),
        profile: None,
        proxy_config: None,
        secret: None,
        proxy_secret: secret,
        next_credential: None,
        xks_key_ids: keys,
        use_aws: false,
        aws_timeout: Duration::from_secs(5),
        run_timeout: Duration::from_secs(60),
        connections: Default::default(),
        network: Some(NetworkOptions {
            dns_server: None,
            connect_to: Some(connect_to.to_string()),
            rtt_samples: 10,
            timeout: Duration::from_secs(5),
            extra_roots: Vec::new(),
            client: None,
        }),
        // Planned settings: KMS has seen nothing of them.
        monitor: None,
    }
}
