//! Benchmark: `check --all` over many stores behind one proxy, under the common open-file limit of 1024,
//! and the wall time of a check of a proxy that never answers.
//!
//! ```text
//! cargo build --release --bin xks-preflight --example bench_fleet
//! scripts/with-services target/release/examples/bench_fleet [STORES…]   # default: 1 50 200
//! ```
//!
//! For each count, the tests' fleet (one XKS proxy on 127.0.0.1 serving every store under its own path
//! prefix, and a local KMS that lists the stores) is checked RUNS times (env `RUNS`, default 3) by the
//! release binary under `ulimit -n 1024`. Printed per count: the wall times, the ratio of the median
//! to the one-store median, the peak number of sockets the tool held open and its peak resident memory
//! (sampled from /proc every 2 ms), and how many (store, check) results differ from a check of the first
//! store alone. Then a proxy that completes TLS and never answers is checked with 1 and 10 external keys.
//! The proxy runs in this process on one thread: at 200 stores its CPU, not the tool, sets the floor.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[allow(dead_code, unused_imports)]
#[path = "../tests/it/support/mod.rs"]
mod support;

use support::fake_monitor::{healthy, recommended_alarms, FakeMonitor};
use support::fleet::{differences, fleet, statuses, Fleet};
use support::xks_proxy::{Variant, SECRET};

const OPEN_FILES: u32 = 1024;

/// One run of the binary: its wall time, CPU time (its own, and this process's: the proxy and the local
/// KMS), its peaks, and its JSON report.
struct Measured {
    seconds: f64,
    tool_cpu: f64,
    servers_cpu: f64,
    peak_sockets: usize,
    peak_rss_kib: u64,
    report: serde_json::Value,
}

fn sockets_of(pid: u32) -> usize {
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return 0 };
    entries
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().starts_with("socket:"))
        .count()
}

/// The process's high-water mark of resident memory, VmHWM.
fn peak_rss_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User and system CPU seconds of this process (`RUSAGE_SELF`) or of its waited-for children.
fn cpu_seconds(who: libc::c_int) -> f64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// One run over `fleet`; with `monitor`, reading what KMS saw from that CloudWatch and CloudTrail
/// stand-in, else with --no-monitor.
fn measure(fleet: &Fleet, which: &[&str], monitor: Option<&FakeMonitor>) -> Measured {
    let (children_before, self_before) = (cpu_seconds(libc::RUSAGE_CHILDREN), cpu_seconds(libc::RUSAGE_SELF));
    let mut process = support::process_with_open_files(OPEN_FILES, Some(&fleet.aws.url));
    let mut args = fleet.args(which);
    if let Some(monitor) = monitor {
        args.retain(|arg| arg != "--no-monitor");
        process.env("AWS_ENDPOINT_URL_CLOUDWATCH", &monitor.url).env("AWS_ENDPOINT_URL_CLOUDTRAIL", &monitor.url);
    }
    process.env("XKS_PROXY_SECRET_ACCESS_KEY", SECRET).args(args);
    process.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::null());
    let started = Instant::now();
    let mut child = process.spawn().expect("start xks-preflight");
    let pid = child.id();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let (mut sockets, mut rss) = (0, 0);
            // Until the run ends; every turn sleeps 2 ms.
            while !done.load(Ordering::SeqCst) {
                sockets = sockets.max(sockets_of(pid));
                rss = peak_rss_of(pid).unwrap_or(rss).max(rss);
                std::thread::sleep(Duration::from_millis(2));
            }
            (sockets, rss)
        })
    };
    let text = reader.join().unwrap().expect("read the report");
    let status = child.wait().unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let tool_cpu = cpu_seconds(libc::RUSAGE_CHILDREN) - children_before;
    let servers_cpu = cpu_seconds(libc::RUSAGE_SELF) - self_before;
    done.store(true, Ordering::SeqCst);
    let (peak_sockets, peak_rss_kib) = sampler.join().unwrap();
    let report = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the report is not JSON ({e}, exit status {status}): {text}"));
    Measured { seconds, tool_cpu, servers_cpu, peak_sockets, peak_rss_kib, report }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let binary = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("xks-preflight");
    assert!(binary.exists(), "{} is missing: cargo build --release --bin xks-preflight", binary.display());
    // Read by the tests' support (assert_cmd's convention) to find the binary.
    std::env::set_var("CARGO_BIN_EXE_xks-preflight", &binary);
    let runs: usize = std::env::var("RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let mut counts: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("a number of stores")).collect();
    if counts.is_empty() {
        counts = vec![1, 50, 200];
    }

    println!("check --all, ulimit -n {OPEN_FILES}, {runs} runs each, binary {}", binary.display());
    let mut first = None;
    for &count in &counts {
        let fleet = fleet(count, Variant::Faithful);
        let alone = statuses(&measure(&fleet, &["--custom-key-store-id", &fleet.ids[0]], None).report)[0].clone();
        let measured: Vec<Measured> = (0..runs).map(|_| measure(&fleet, &["--all"], None)).collect();
        let differing: Vec<String> = measured.iter().flat_map(|m| differences(&m.report, &alone)).collect();
        let targets = statuses(&measured[0].report).len();
        assert_eq!(targets, count, "every store is in the report");
        let times: Vec<f64> = measured.iter().map(|m| m.seconds).collect();
        let typical = median(times.clone());
        let base = *first.get_or_insert(typical);
        println!(
            "{count:>4} stores: {} s (median {typical:.2} s, {:.1}× the first count); CPU per run: tool {:.2} s, proxy and \
             KMS {:.2} s; peak {} sockets, {:.0} MiB; {} of {} results differ from the first store checked alone",
            times.iter().map(|t| format!("{t:.2}")).collect::<Vec<_>>().join(" "),
            typical / base,
            measured.iter().map(|m| m.tool_cpu).sum::<f64>() / runs as f64,
            measured.iter().map(|m| m.servers_cpu).sum::<f64>() / runs as f64,
            measured.iter().map(|m| m.peak_sockets).max().unwrap(),
            measured.iter().map(|m| m.peak_rss_kib).max().unwrap() as f64 / 1024.0,
            differing.len(),
            runs * count * alone.len(),
        );
        for difference in differing.iter().take(5) {
            println!("      {difference}");
        }
        // The same run reading what KMS saw of every store (healthy metrics and the four alarms each):
        // alternated with runs without, so that both see the same machine.
        let monitor = FakeMonitor::start()
            .with_series(fleet.ids.iter().flat_map(|id| healthy(id, |_| 40.0)).collect())
            .with_alarms(fleet.ids.iter().flat_map(|id| recommended_alarms(id)).collect());
        let (mut with, mut without) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            with.push(measure(&fleet, &["--all"], Some(&monitor)).seconds);
            without.push(measure(&fleet, &["--all"], None).seconds);
        }
        let cloudwatch = monitor.calls().iter().filter(|(service, _)| service == "cloudwatch").count() / runs;
        println!(
            "      reading what KMS saw: median {:.2} s, without {:.2} s ({:.2}×); {cloudwatch} CloudWatch calls a run",
            median(with.clone()),
            median(without.clone()),
            median(with) / median(without),
        );
    }

    let silent = fleet(1, Variant::Silent);
    for keys in [1, 10] {
        let ids: Vec<String> = (0..keys).map(|i| format!("key-{i}")).collect();
        let mut which = vec!["--custom-key-store-id", silent.ids[0].as_str()];
        for id in &ids {
            which.extend(["--xks-key-id", id.as_str()]);
        }
        let measured = measure(&silent, &which, None);
        let latency = &measured.report["targets"][0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "proxy.latency")
            .unwrap()["status"];
        println!(
            "a proxy that never answers, {keys:>2} external keys, --probe-timeout 5: {:.2} s (proxy.latency {latency})",
            measured.seconds
        );
    }
}
