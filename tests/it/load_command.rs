//! `xks-preflight load` against the test proxy and its variants: the open loop keeps its schedule and
//! shows a stall as latency, errors are counted by kind, a ramp finds a known capacity, merged runs add
//! up, Ctrl-C and --duration end with figures, the secret never shows, and an unreachable proxy ends
//! the run within one timeout. The JSON report is read with jsonschema and its histogram with the
//! PyPI hdrhistogram package: readers that are not ours.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rustls::version::{TLS12, TLS13};
use serde_json::Value;

use crate::support::pki::Ca;
use crate::support::readers::{kept_schema_is_derived, python, schema_errors_against};
use crate::support::servers::{closed_port, Speaks, TlsServer};
use crate::support::xks_proxy::{SeenRequest, Variant, XksProxy, ACCESS_KEY_ID, KEY_ID, SECRET};
use crate::support::{command, process, run, Run};

const HOST: &str = "xks.example.test";
const PATH: &str = "/tenant-a/kms/xks/v1";
pub const LOAD_SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/load.schema.json");

/// Held by each test while its proxy lives: the runs measure latencies, and two at once on this
/// machine's cores would measure each other.
static ONE_RUN_AT_A_TIME: Mutex<()> = Mutex::new(());

struct Proxy {
    server: TlsServer,
    proxy: Arc<XksProxy>,
    _alone: MutexGuard<'static, ()>,
}

fn proxy(variant: Variant) -> Proxy {
    let alone = ONE_RUN_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let root = Ca::root("xks-preflight Test Root");
    let leaf = root.server(&[HOST], 1, 365);
    let proxy = Arc::new(XksProxy::new(vec!["/tenant-a".into()], variant));
    let server = TlsServer::start(leaf.chain(&[]), leaf.private_key(), &[&TLS13, &TLS12], Speaks::Xks(proxy.clone()));
    Proxy { server, proxy, _alone: alone }
}

fn arguments<'a>(connect_to: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "load",
        "--endpoint",
        "https://xks.example.test",
        "--path",
        PATH,
        "--access-key-id",
        ACCESS_KEY_ID,
        "--connect-to",
        connect_to,
        "--probe-timeout",
        "1",
    ];
    args.extend_from_slice(extra);
    args
}

/// `load` against `connect_to` with the secret in the environment and `extra` arguments.
fn load_at(connect_to: &str, extra: &[&str]) -> Run {
    let mut cmd = command(None);
    cmd.env("XKS_PROXY_SECRET_ACCESS_KEY", SECRET);
    run(cmd, &arguments(connect_to, extra))
}

fn load(proxy: &Proxy, extra: &[&str]) -> Run {
    load_at(&proxy.server.connect_to(), extra)
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr))
}

fn f(report: &Value, pointer: &str) -> f64 {
    report.pointer(pointer).and_then(Value::as_f64).unwrap_or_else(|| panic!("no {pointer} in {report}"))
}

/// Validates a load report with Python's jsonschema against docs/load.schema.json.
fn schema_errors(report: &str) -> Result<(), String> {
    schema_errors_against(LOAD_SCHEMA, report)
}

/// The histograms (base64 V2 compressed) as the PyPI hdrhistogram package decodes them, added up: its
/// total count and p50, p99 and max in microseconds.
fn decoded_by_python(histograms: &[&str]) -> Value {
    let script = "import json, sys\n\
                  from hdrh.histogram import HdrHistogram\n\
                  total = None\n\
                  for encoded in json.load(sys.stdin):\n\
                  \x20   h = HdrHistogram.decode(encoded)\n\
                  \x20   if total is None:\n\
                  \x20       total = HdrHistogram(1, 60000000, 3)\n\
                  \x20   total.add(h)\n\
                  print(json.dumps({'count': total.get_total_count(), 'p50': total.get_value_at_percentile(50),\n\
                  \x20   'p99': total.get_value_at_percentile(99), 'max': total.get_max_value()}))\n";
    let output = python(&["-c", script], &serde_json::to_string(histograms).unwrap());
    assert!(output.status.success(), "hdrhistogram refused it: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn load_keeps_a_modest_rate_within_5_percent_and_the_proxy_sees_every_request() {
    let proxy = proxy(Variant::Faithful);
    let started = Instant::now();
    let run = load(&proxy, &["--rate", "100", "--duration", "3s", "--output", "json"]);
    let took = started.elapsed();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = json(&run);
    let requests = f(&report, "/requests");
    assert!((f(&report, "/achieved_rate") - 100.0).abs() <= 5.0, "{report}");
    assert!((requests - 300.0).abs() <= 15.0, "{report}");
    assert_eq!(report["errors"], serde_json::json!({}));
    // Every request the report counts reached the proxy, and one more: the call before the run; each a
    // signed GetHealthStatus as KMS's health checks send it, and nothing else.
    let seen = proxy.proxy.seen();
    assert_eq!(seen.len() as f64, requests + 1.0);
    for request in &seen {
        let sent = (request.method.as_str(), request.path.as_str(), request.kms_operation.as_deref());
        assert_eq!(sent, ("POST", format!("{PATH}/health").as_str(), Some("KmsHealthCheck")), "{request:?}");
    }
    assert_eq!(report["verdict"]["outcome"], "held");
    assert!(f(&report, "/latency_ms/p99") < 250.0);
    // --duration ends the run: three seconds and the last answers, not more.
    assert!(took < Duration::from_secs(8), "took {took:?}");
    schema_errors(&run.stdout).unwrap();
}

/// With a key, the run sends the Encrypt and Decrypt KMS sends, to that key, and nothing else: no
/// CreateKey, no other path, no other kmsOperation.
#[test]
fn with_a_key_only_encrypt_and_decrypt_of_that_key_reach_the_proxy() {
    let proxy = proxy(Variant::Faithful);
    let run = load(&proxy, &["--xks-key-id", KEY_ID, "--rate", "50", "--duration", "2s", "--output", "json"]);
    let report = json(&run);
    assert_eq!(report["errors"], serde_json::json!({}), "{report}");
    assert_eq!(report["target"]["operations"], serde_json::json!(["Encrypt", "Decrypt"]));
    let seen = proxy.proxy.seen();
    // The run's requests, and the Encrypt before it whose ciphertext the Decrypts open.
    assert_eq!(seen.len() as f64, f(&report, "/requests") + 1.0);
    for request in &seen {
        let operation = request.kms_operation.as_deref();
        let expected = match operation {
            Some("Encrypt") => format!("{PATH}/keys/{KEY_ID}/encrypt"),
            Some("Decrypt") => format!("{PATH}/keys/{KEY_ID}/decrypt"),
            _ => panic!("sent {request:?}"),
        };
        assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", expected.as_str()));
    }
    let decrypts = seen.iter().filter(|r| r.kms_operation.as_deref() == Some("Decrypt")).count();
    assert!(decrypts * 2 + 1 >= seen.len() - 1, "half are Decrypts: {decrypts} of {}", seen.len());
}

#[test]
fn a_stall_once_a_second_shows_in_p99_and_over_250ms_not_as_a_lower_send_rate() {
    // The calls that arrive in the first 450 ms of each second wait until it has passed: those due in
    // its first 200 ms (a fifth of them) wait more than 250 ms. A slow rate and connections to spare,
    // so that neither a busy machine nor a queue for connections adds much to that.
    let proxy = proxy(Variant::StallsEverySecond(450));
    let run = load(&proxy, &["--rate", "50", "--duration", "4s", "--connections", "64", "--output", "json"]);
    let report = json(&run);
    // Open loop: the schedule is kept while the proxy stalls.
    assert!((f(&report, "/achieved_rate") - 50.0).abs() <= 2.5, "{report}");
    // Counted from when each request was due: the calls due early in a stall waited for its end.
    assert!(f(&report, "/latency_ms/p99") > 350.0, "{report}");
    let share = f(&report, "/over_250ms_share");
    assert!((0.1..0.45).contains(&share), "share over 250 ms {share}: {report}");
    assert_eq!(run.code, 1);
    assert_eq!(report["verdict"]["outcome"], "not_held");
}

/// The most requests that reached the proxy within any `window`.
fn busiest(seen: &[SeenRequest], window: Duration) -> usize {
    let mut arrivals: Vec<Instant> = seen.iter().map(|r| r.at).collect();
    arrivals.sort();
    let mut first = 0;
    let mut most = 0;
    for (last, at) in arrivals.iter().enumerate() {
        while *at - arrivals[first] >= window {
            first += 1;
        }
        most = most.max(last + 1 - first);
    }
    most
}

/// After a stall, the requests that waited for one of the two connections do not all leave at once:
/// they catch up at no more than --max-rate (here below twice the rate), and they do catch up.
#[test]
fn after_a_stall_the_waiting_requests_catch_up_within_max_rate_not_in_a_burst() {
    // 40 requests come due in each 400 ms stall; two of them hold the connections, the rest wait.
    let proxy = proxy(Variant::StallsEverySecond(400));
    let run = load(
        &proxy,
        &["--rate", "100", "--max-rate", "150", "--duration", "4s", "--connections", "2", "--output", "json"],
    );
    let report = json(&run);
    let seen = proxy.proxy.seen();
    // In any 200 ms: 150/s's 30, the pace's 20 ms of slack (3), and 50 ms for the machine's hiccups
    // bunching arrivals (8). All 38 waiting at once, on top of those due, would be over 50.
    let most = busiest(&seen[1..], Duration::from_millis(200));
    assert!(most <= 41, "{most} requests reached the proxy within 200 ms");
    let most = busiest(&seen[1..], Duration::from_secs(1));
    assert!(most <= 150 + 3 + 8, "{most} requests reached the proxy within a second");
    // They catch up: without it, 600 ms at 100/s and the two stalled calls, about 62 a second.
    assert!(f(&report, "/requests") >= 300.0, "{report}");
    assert!(f(&report, "/generator/waited_for_connection") > 0.0, "{report}");
    // Every request of the schedule is accounted for, once.
    let accounted = f(&report, "/requests") + f(&report, "/unfinished") + f(&report, "/generator/not_sent");
    assert_eq!(accounted, 400.0, "{report}");
    assert_eq!(seen.len() as f64 - 1.0, f(&report, "/requests") + f(&report, "/unfinished"), "{report}");
}

#[test]
fn errors_are_counted_by_status_error_name_malformed_answer_and_reset() {
    let proxy = proxy(Variant::Mixed);
    let run = load(&proxy, &["--rate", "100", "--duration", "2s", "--output", "json"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report = json(&run);
    let errors = report["errors"].as_object().unwrap();
    let count = |kind: &str| errors.get(kind).and_then(Value::as_u64).unwrap_or(0);
    // The proxy's calls 0..=200: the call before the run, then 200; one in ten of each kind.
    for kind in [
        "401 AuthenticationFailedException",
        "500 InternalException",
        "503 DependencyTimeoutException",
        "200 malformed body",
    ] {
        assert!((19..=21).contains(&count(kind)), "{kind}: {errors:?}");
    }
    let resets: u64 =
        errors.iter().filter(|(k, _)| k.starts_with("connection: ")).map(|(_, n)| n.as_u64().unwrap()).sum();
    assert!((19..=21).contains(&resets), "{errors:?}");
    assert_eq!(f(&report, "/connection_failures") as u64, resets);
    assert_eq!(errors.len(), 5, "{errors:?}");
    assert!((f(&report, "/error_rate") - 0.5).abs() < 0.02);
}

/// A proxy that names every error differently does not grow the report: past a few dozen kinds, the
/// rest are counted together, and every error is still counted.
#[test]
fn errors_of_more_kinds_than_a_report_keeps_are_counted_together() {
    let proxy = proxy(Variant::UniqueErrorNames);
    let run = load(&proxy, &["--rate", "200", "--duration", "1s", "--output", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json(&run);
    let errors = report["errors"].as_object().unwrap();
    assert_eq!(errors.len(), 32, "{errors:?}");
    let others = errors.iter().find(|(kind, _)| kind.starts_with("other errors")).map(|(_, n)| n.as_f64().unwrap());
    assert!(others.is_some_and(|n| n >= 150.0), "{errors:?}");
    let counted: f64 = errors.values().map(|n| n.as_f64().unwrap()).sum();
    assert_eq!(counted, f(&report, "/requests"), "{report}");
}

#[test]
fn a_ramp_finds_a_known_capacity_within_10_percent() {
    // One call at a time, 50 ms each: 20 calls a second. Slow, so that a busy machine's delays are small
    // beside the 200 ms between a call's time and KMS's 250 ms: at 22/s the queue grows by a call every
    // half second, and after the step's 4 s the last calls wait about 450 ms.
    let proxy = proxy(Variant::LimitedTo { concurrent: 1, ms: 50 });
    let run = load(
        &proxy,
        &["--ramp", "14..26", "--ramp-steps", "7", "--duration", "4s", "--connections", "16", "--output", "json"],
    );
    let report = json(&run);
    let capacity = f(&report, "/capacity/rate");
    assert!((18.0..=22.0).contains(&capacity), "capacity {capacity}: {}", report["steps"]);
    assert_eq!(report["capacity"]["bounded"], true);
    // Below KMS's 1800/s: the verdict fails.
    assert_eq!(run.code, 1);
    schema_errors(&run.stdout).unwrap();
}

#[test]
fn a_generator_that_cannot_keep_its_schedule_says_so_in_the_report_and_the_table() {
    // Far more signed calls a second than a debug build on this machine can sign.
    let proxy = proxy(Variant::Faithful);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("run.json");
    let run = load(
        &proxy,
        &["--rate", "50000", "--max-rate", "50000", "--duration", "1s", "--connections", "2"]
            .into_iter()
            .chain(["--json", saved.to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(report["generator"]["fell_behind"], true, "{report}");
    // Two connections carry far fewer: the rest waited for one, or never left.
    assert!(f(&report, "/generator/waited_for_connection") > 0.0, "{report}");
    assert!(f(&report, "/generator/not_sent") > 0.0, "{report}");
    // Every request of the schedule is accounted for, once.
    let accounted = f(&report, "/requests") + f(&report, "/unfinished") + f(&report, "/generator/not_sent");
    assert_eq!(accounted, 50_000.0, "{report}");
    assert!(run.stdout.contains("FELL BEHIND"), "{}", run.stdout);
    assert!(run.stdout.contains("all 2 connections carried a call"), "{}", run.stdout);
}

/// A proxy that stops answering once the run has begun holds every connection: the generator keeps at
/// most one call per connection on its way, so what it holds stays bounded, and the requests due
/// meanwhile are places in its schedule, counted as not sent, never a growing queue.
#[test]
fn a_proxy_that_stops_answering_gets_at_most_one_call_per_connection_at_a_time() {
    let proxy = proxy(Variant::SilentAfterFirst);
    let started = Instant::now();
    let run = load(&proxy, &["--rate", "200", "--duration", "3s", "--connections", "4", "--output", "json"]);
    let took = started.elapsed();
    let report = json(&run);
    // Each call holds its connection for the probe timeout (1 s): in 3 s and the drain, at most four
    // rounds of four.
    let started_calls = proxy.proxy.seen().len() - 1;
    assert!((4..=16).contains(&started_calls), "{started_calls} calls reached the proxy: {report}");
    assert_eq!(f(&report, "/requests") + f(&report, "/unfinished"), started_calls as f64, "{report}");
    assert_eq!(f(&report, "/generator/not_sent"), 600.0 - started_calls as f64, "{report}");
    assert!(f(&report, "/generator/waited_for_connection") > 0.0, "{report}");
    assert_eq!(report["generator"]["fell_behind"], true);
    // Nothing was answered: the run says nothing of the proxy's speed.
    assert_eq!(run.code, 3, "{}", run.stderr);
    // Its duration, then at most one timeout for the calls still out (loose, for a busy machine).
    assert!(took < Duration::from_secs(3 + 1 + 2), "took {took:?}");
    schema_errors(&run.stdout).unwrap();
}

#[test]
fn merge_of_two_runs_equals_one_run_of_both_as_another_hdr_reader_adds_them() {
    let proxy = proxy(Variant::StallsEverySecond(100));
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    let (a_arg, b_arg) = (a.to_str().unwrap(), b.to_str().unwrap());
    let first = load(&proxy, &["--rate", "150", "--duration", "2s", "--json", a_arg, "--output", "json"]);
    let second = load(&proxy, &["--rate", "100", "--duration", "2s", "--json", b_arg, "--output", "json"]);
    let (first, second) = (json(&first), json(&second));
    let merged = run(command(None), &["load", "merge", a_arg, b_arg, "--output", "json"]);
    schema_errors(&merged.stdout).unwrap();
    let merged = json(&merged);
    let sum = |pointer: &str| f(&first, pointer) + f(&second, pointer);
    assert_eq!(f(&merged, "/requests"), sum("/requests"));
    assert_eq!(f(&merged, "/over_250ms"), sum("/over_250ms"));
    assert_eq!(f(&merged, "/runs"), 2.0);
    let python = decoded_by_python(&[first["histogram"].as_str().unwrap(), second["histogram"].as_str().unwrap()]);
    assert_eq!(python["count"].as_f64().unwrap(), sum("/requests"));
    let theirs = decoded_by_python(&[merged["histogram"].as_str().unwrap()]);
    assert_eq!(theirs, python, "the merged histogram is the two added");
    // The percentiles the report states are the merged histogram's, in ms (HDR's equivalent values).
    let close = |ours: f64, micros: f64| (ours * 1000.0 - micros).abs() <= micros * 0.002 + 1.0;
    assert!(close(f(&merged, "/latency_ms/p99"), python["p99"].as_f64().unwrap()), "{merged} {python}");
    assert!(close(f(&merged, "/latency_ms/max"), python["max"].as_f64().unwrap()), "{merged} {python}");
}

#[test]
fn ctrl_c_stops_at_once_and_prints_the_figures_so_far() {
    let proxy = proxy(Variant::Faithful);
    let connect_to = proxy.server.connect_to();
    let mut child = process(None)
        .env("XKS_PROXY_SECRET_ACCESS_KEY", SECRET)
        .args(arguments(&connect_to, &["--rate", "100", "--duration", "60s", "--output", "json"]))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let interrupted = Instant::now();
    // SAFETY: a signal to the child this test started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "still running 10 s after Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Far sooner than the 57 s still to run; loose, for a busy machine.
    assert!(interrupted.elapsed() < Duration::from_secs(5), "took {:?} to stop", interrupted.elapsed());
    let output = child.wait_with_output().unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["interrupted"], true);
    let requests = f(&report, "/requests");
    assert!((50.0..400.0).contains(&requests), "{report}");
    // The figures so far are judged: the verdict's code, never "could not run".
    assert_eq!(output.status.code(), report["verdict"]["exit_code"].as_i64().map(|c| c as i32));
    assert_ne!(output.status.code(), Some(3));
}

#[test]
fn the_secret_never_appears_in_any_output() {
    let proxy = proxy(Variant::Mixed);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("run.json");
    for output in ["table", "json", "markdown"] {
        let run =
            load(&proxy, &["--rate", "50", "--duration", "1s", "--output", output, "--json", saved.to_str().unwrap()]);
        assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET), "{output}");
        assert!(!std::fs::read_to_string(&saved).unwrap().contains(SECRET));
    }
    // Nor in the plot.
    let plot = dir.path().join("run.svg");
    let plotted = load(&proxy, &["--rate", "50", "--duration", "1s", "--plot", plot.to_str().unwrap()]);
    assert!(!plotted.stdout.contains(SECRET) && !plotted.stderr.contains(SECRET));
    assert!(!std::fs::read_to_string(&plot).unwrap().contains(SECRET));
    // Nor when the run cannot start, or its input is refused, or the proxy's configuration file that
    // holds the secret is malformed.
    let config = dir.path().join("proxy.json");
    std::fs::write(&config, format!("{{\"XksProxyAuthenticationCredential\": {{\"RawSecretAccessKey\": \"{SECRET}\""))
        .unwrap();
    let config = config.to_str().unwrap();
    for refused in [
        load_at(&closed_port().to_string(), &["--rate", "50", "--duration", "1s"]),
        load(&proxy, &["--ramp", "1..x"]),
        load(&proxy, &["--rate", "50", "--duration", "1s", "--proxy-config", config]),
        run(command(None), &["load", "--endpoint", "https://xks.example.test", "--proxy-config", config]),
    ] {
        assert_ne!(refused.code, 0);
        assert!(!refused.stdout.contains(SECRET) && !refused.stderr.contains(SECRET), "{}", refused.stderr);
    }
}

#[test]
fn an_unreachable_or_silent_proxy_ends_within_the_duration_and_one_timeout() {
    let started = Instant::now();
    let refused = load_at(&closed_port().to_string(), &["--rate", "100", "--duration", "3s"]);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(refused.stderr.contains("could not run"), "{}", refused.stderr);
    assert!(started.elapsed() < Duration::from_secs(3 + 1 + 2));
    let silent = proxy(Variant::Silent);
    let started = Instant::now();
    let run = load(&silent, &["--rate", "100", "--duration", "3s"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(started.elapsed() < Duration::from_secs(3 + 1 + 2), "took {:?}", started.elapsed());
}

#[test]
fn load_refuses_no_target_too_high_a_rate_and_too_long_a_duration() {
    let bare = run(command(None), &["load", "--rate", "10"]);
    assert_eq!(bare.code, 2);
    assert!(bare.stderr.contains("explicit target"), "{}", bare.stderr);
    let proxy = proxy(Variant::Faithful);
    let fast = load(&proxy, &["--rate", "20000"]);
    assert_eq!(fast.code, 2);
    assert!(fast.stderr.contains("--max-rate"), "{}", fast.stderr);
    let long = load(&proxy, &["--duration", "11m"]);
    assert_eq!(long.code, 2);
    // A ramp's steps together are a run: at most ten minutes.
    let long_ramp = load(&proxy, &["--ramp", "100..1000", "--ramp-steps", "11", "--duration", "1m"]);
    assert_eq!(long_ramp.code, 2, "{}", long_ramp.stderr);
    assert!(long_ramp.stderr.contains("at most 10 minutes in all"), "{}", long_ramp.stderr);
    // A ramp's rates are whole: rounded fractions could step past --max-rate or down to nothing.
    for ramp in ["10..100.5", "0.3..5"] {
        let fractional = load(&proxy, &["--ramp", ramp, "--max-rate", "100.5"]);
        assert_eq!(fractional.code, 2, "{ramp}: {}", fractional.stderr);
        assert!(fractional.stderr.contains("two whole rates"), "{}", fractional.stderr);
    }
    // A rate too low to send one request in the duration would run for nothing.
    let nothing = load(&proxy, &["--rate", "0.04", "--duration", "10s"]);
    assert_eq!(nothing.code, 2, "{}", nothing.stderr);
    assert!(nothing.stderr.contains("at least one request"), "{}", nothing.stderr);
    assert!(proxy.proxy.seen().is_empty(), "nothing is sent on bad input");
}

/// `load merge` reads only reports that add up, and names the one that does not.
#[test]
fn merge_refuses_a_report_that_does_not_add_up_naming_that_file() {
    let proxy = proxy(Variant::Faithful);
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    let run = load(&proxy, &["--rate", "50", "--duration", "1s", "--json", good.to_str().unwrap()]);
    assert!(matches!(run.code, 0 | 1), "{}", run.stderr);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&good).unwrap()).unwrap();
    let edited = |name: &str, edit: &dyn Fn(&mut Value)| {
        let mut copy = report.clone();
        edit(&mut copy);
        let path = dir.path().join(name);
        std::fs::write(&path, copy.to_string()).unwrap();
        path
    };
    let cases = [
        (edited("future.json", &|r| r["schema_version"] = 99.into()), "schema_version 99"),
        (edited("more_succeeded.json", &|r| r["succeeded"] = (u64::MAX).into()), "does not add up"),
        (edited("more_requests.json", &|r| r["requests"] = 1_000_000.into()), "does not add up"),
        (
            edited("ramp.json", &|r| {
                let step = serde_json::json!({"rate": 50.0, "requests": r["requests"], "achieved_rate": 50.0,
                    "latency_ms": r["latency_ms"], "error_rate": 0.0, "held": true});
                r["steps"] = serde_json::json!([step]);
            }),
            "merge adds runs",
        ),
    ];
    for (bad, said) in &cases {
        // First or second, the file that does not add up is the one named.
        for order in [[bad, &good], [&good, bad]] {
            let merged = run_merge(&[order[0], order[1]]);
            assert_eq!(merged.code, 2, "{}", merged.stderr);
            assert!(merged.stderr.contains(bad.to_str().unwrap()), "{}", merged.stderr);
            assert!(merged.stderr.contains(said), "{}", merged.stderr);
            assert_eq!(merged.stderr.trim().lines().count(), 1, "{}", merged.stderr);
        }
    }
    assert_eq!(run_merge(&[&good, &good]).code, report["verdict"]["exit_code"].as_i64().unwrap() as i32);
}

fn run_merge(reports: &[&std::path::Path]) -> Run {
    let mut args = vec!["load", "merge"];
    args.extend(reports.iter().map(|p| p.to_str().unwrap()));
    run(command(None), &args)
}

#[test]
fn the_table_shows_a_histogram_and_a_sparkline_and_the_plot_is_svg_xml() {
    let proxy = proxy(Variant::Faithful);
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("load.svg");
    let run = load(&proxy, &["--rate", "100", "--duration", "2s", "--plot", plot.to_str().unwrap()]);
    // Held or not (a busy machine may slow the answers), but judged.
    assert!(matches!(run.code, 0 | 1), "{}", run.stderr);
    assert!(run.stdout.contains("p99 latency (ms) per second"), "{}", run.stdout);
    // The histogram's rows start at 1 ms, whatever the latencies.
    assert!(run.stdout.contains("≤ 1 ms"), "{}", run.stdout);
    assert!(run.stdout.contains("HELD: "), "{}", run.stdout);
    // What it will do, said before it starts.
    assert!(run.stderr.contains("200 requests"), "{}", run.stderr);
    let svg = std::fs::read_to_string(&plot).unwrap();
    let script = "import sys, xml.etree.ElementTree as ET\n\
                  root = ET.fromstring(sys.stdin.read())\n\
                  print(root.tag, len(list(root.iter('{http://www.w3.org/2000/svg}polyline'))))\n";
    let output = python(&["-c", script], &svg);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let parsed = String::from_utf8(output.stdout).unwrap();
    assert!(parsed.starts_with("{http://www.w3.org/2000/svg}svg"), "{parsed}");
}

/// `XKS_UPDATE_DERIVED=1` rewrites docs/load.schema.json from the types.
#[test]
fn load_schema_in_docs_is_the_one_the_types_give() {
    kept_schema_is_derived::<xks_preflight::load::LoadReport>(LOAD_SCHEMA);
}
