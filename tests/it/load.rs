//! Many stores behind one proxy, tight open-file limits, bounded tasks: the tool's own load must never
//! change a verdict, and what it cannot do within the host's limits it says, once, with exit code 2.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::support::fleet::{differences, fleet, statuses};
use crate::support::xks_proxy::Variant;
use crate::support::{command, command_with_open_files};

#[test]
fn forty_stores_behind_one_proxy_each_get_the_verdicts_of_one_checked_alone() {
    let fleet = fleet(40, Variant::Faithful);
    let alone = statuses(&fleet.check(command(Some(&fleet.aws.url)), &["--custom-key-store-id", &fleet.ids[0]]).json());
    assert_eq!(alone[0]["proxy.health"], "pass", "{:?}", alone[0]);
    assert_eq!(alone[0]["net.rtt"], "pass");
    let all = fleet.check(command(Some(&fleet.aws.url)), &["--all"]);
    assert_eq!(statuses(&all.json()).len(), 40);
    let differing = differences(&all.json(), &alone[0]);
    assert!(differing.is_empty(), "{differing:#?}");
}

#[test]
fn stores_behind_one_endpoint_share_its_tcp_round_trip_and_tls_probes() {
    let fleet = fleet(10, Variant::Faithful);
    let alone = fleet.check(command(Some(&fleet.aws.url)), &["--custom-key-store-id", &fleet.ids[0]]);
    let per_store = fleet.connections();
    let all = fleet.check(command(Some(&fleet.aws.url)), &["--all"]);
    let for_all = fleet.connections() - per_store;
    // Shared once: the TCP probe, the 3 round-trip samples (the fleet's --rtt-samples) and 3 of the 4
    // handshakes. Each store keeps its TLS 1.3 handshake and the pool its proxy calls use.
    let shared = 1 + 3 + 3;
    assert!(per_store > shared, "one store alone opened {per_store} connections");
    assert!(
        for_all <= per_store + 9 * (per_store - shared),
        "{for_all} connections for 10 stores, {per_store} for one"
    );
    let differing = differences(&all.json(), &statuses(&alone.json())[0]);
    assert!(differing.is_empty(), "sharing changes no verdict: {differing:#?}");
}

#[test]
fn under_an_open_file_limit_of_128_many_stores_still_get_their_verdicts() {
    let fleet = fleet(24, Variant::Faithful);
    let alone = statuses(&fleet.check(command(Some(&fleet.aws.url)), &["--custom-key-store-id", &fleet.ids[0]]).json());
    let all = fleet.check(command_with_open_files(128, Some(&fleet.aws.url)), &["--all"]);
    assert!(!all.stderr.contains("Too many open files"), "{}", all.stderr);
    assert_eq!(statuses(&all.json()).len(), 24);
    let differing = differences(&all.json(), &alone[0]);
    assert!(differing.is_empty(), "{differing:#?}");
}

#[test]
fn more_connections_than_the_open_file_limit_allows_is_refused_naming_the_limit() {
    let fleet = fleet(1, Variant::Faithful);
    let run = fleet.check(command_with_open_files(128, Some(&fleet.aws.url)), &["--all", "--max-connections", "500"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("--max-connections '500'") && run.stderr.contains("at most 64"), "{}", run.stderr);
}

#[test]
fn an_open_file_limit_too_low_for_one_store_is_refused() {
    let fleet = fleet(1, Variant::Faithful);
    let run = fleet.check(command_with_open_files(40, Some(&fleet.aws.url)), &["--all"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("open-file limit (ulimit -n) '40'"), "{}", run.stderr);
}

#[test]
fn bounded_tasks_run_at_most_so_many_at_once_and_a_panic_stays_in_its_task() {
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let jobs: Vec<_> = (0..20)
        .map(|i| {
            let (running, most) = (running.clone(), most.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                assert_ne!(i, 7, "store 7 broke");
                i * 10
            }
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_time().build().unwrap();
    let results = runtime.block_on(xks_preflight::gather::bounded(jobs, 3));
    assert_eq!(most.load(Ordering::SeqCst), 3);
    for (i, result) in results.iter().enumerate() {
        match result {
            Ok(value) => assert_eq!(*value, i * 10),
            Err(message) => assert!(i == 7 && message.contains("store 7 broke"), "{i}: {message}"),
        }
    }
    assert!(results[7].is_err());
}
