//! Many stores behind one proxy, tight open-file limits, bounded tasks: the tool's own load must never
//! change a verdict, and what it cannot do within the host's limits it says, once, with exit code 2.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rustls::version::{TLS12, TLS13};
use serde_json::Value;

use crate::support::fake_aws::FakeAws;
use crate::support::pki::Ca;
use crate::support::servers::{Speaks, TlsServer};
use crate::support::xks_proxy::{Variant, XksProxy, SECRET};
use crate::support::{command, command_with_open_files, dns_server, run, write, Run, Store};

const HOST: &str = "xks.example.test";

/// One proxy serving `stores` logical key stores (`/tenant-0` …), and the stores that point at it.
struct Fleet {
    aws: FakeAws,
    server: TlsServer,
    _files: tempfile::TempDir,
    ca_file: String,
    ids: Vec<String>,
}

fn fleet(stores: usize) -> Fleet {
    let root = Ca::root("xks-preflight Load Root");
    let leaf = root.server(&[HOST], 1, 365);
    let files = tempfile::tempdir().unwrap();
    let ca_file = write(files.path(), "root.pem", &root.pem());
    let prefixes = (0..stores).map(|i| format!("/tenant-{i}")).collect();
    let proxy = Arc::new(XksProxy { prefixes, variant: Variant::Faithful });
    let server = TlsServer::start(leaf.chain(&[]), leaf.private_key(), &[&TLS13, &TLS12], Speaks::Xks(proxy));
    let ids: Vec<String> = (0..stores).map(|i| format!("cks-{i:017x}")).collect();
    let entries = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let mut store = Store::public(id, &format!("https://{HOST}"));
            store.path = format!("/tenant-{i}/kms/xks/v1");
            store.json()
        })
        .collect();
    let aws = FakeAws::start(None).with_stores(entries);
    Fleet { aws, server, _files: files, ca_file, ids }
}

impl Fleet {
    fn check(&self, command: assert_cmd::Command, which: &[&str]) -> Run {
        let mut command = command;
        command.env("XKS_PROXY_SECRET_ACCESS_KEY", SECRET);
        let (dns, connect_to) = (dns_server(), self.server.connect_to());
        let mut args = vec!["check", "--output", "json", "--dns-server", &dns, "--connect-to", &connect_to];
        args.extend(["--ca-file", &self.ca_file, "--rtt-samples", "3", "--probe-timeout", "5"]);
        args.extend_from_slice(which);
        run(command, &args)
    }
}

/// Each target's `check id → status`.
fn statuses(run: &Run) -> Vec<BTreeMap<String, String>> {
    let report: Value = run.json();
    report["targets"]
        .as_array()
        .unwrap_or_else(|| panic!("no targets: {}{}", run.stdout, run.stderr))
        .iter()
        .map(|target| {
            target["checks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c["id"].as_str().unwrap().to_string(), c["status"].as_str().unwrap().to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn forty_stores_behind_one_proxy_each_get_the_verdicts_of_one_checked_alone() {
    let fleet = fleet(40);
    let alone = statuses(&fleet.check(command(Some(&fleet.aws.url)), &["--custom-key-store-id", &fleet.ids[0]]));
    assert_eq!(alone[0]["proxy.health"], "pass", "{:?}", alone[0]);
    assert_eq!(alone[0]["net.rtt"], "pass");
    let all = fleet.check(command(Some(&fleet.aws.url)), &["--all"]);
    let together = statuses(&all);
    assert_eq!(together.len(), 40);
    for (index, target) in together.iter().enumerate() {
        let differing: Vec<String> = target
            .iter()
            .filter(|(id, status)| alone[0].get(*id) != Some(*status))
            .map(|(id, status)| format!("{id}: {status}, alone {}", alone[0][id]))
            .collect();
        assert!(differing.is_empty(), "store {index}: {differing:?}");
    }
}

#[test]
fn under_an_open_file_limit_of_128_many_stores_still_get_their_verdicts() {
    let fleet = fleet(24);
    let alone = statuses(&fleet.check(command(Some(&fleet.aws.url)), &["--custom-key-store-id", &fleet.ids[0]]));
    let all = fleet.check(command_with_open_files(128, Some(&fleet.aws.url)), &["--all"]);
    assert!(!all.stderr.contains("Too many open files"), "{}", all.stderr);
    for (index, target) in statuses(&all).iter().enumerate() {
        assert_eq!(target, &alone[0], "store {index}");
    }
}

#[test]
fn more_connections_than_the_open_file_limit_allows_is_refused_naming_the_limit() {
    let fleet = fleet(1);
    let run = fleet.check(command_with_open_files(128, Some(&fleet.aws.url)), &["--all", "--max-connections", "500"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("--max-connections '500'") && run.stderr.contains("at most 64"), "{}", run.stderr);
}

#[test]
fn an_open_file_limit_too_low_for_one_store_is_refused() {
    let fleet = fleet(1);
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
