//! One test proxy serving many logical key stores (`/tenant-0` …), and the stores in a fake KMS that
//! point at it: what `check --all` meets at a provider that hosts many tenants on one proxy fleet. The
//! load tests and the fleet benchmark share it.

use std::collections::BTreeMap;
use std::sync::Arc;

use rustls::version::{TLS12, TLS13};
use serde_json::Value;

use super::fake_aws::FakeAws;
use super::pki::Ca;
use super::servers::{Speaks, TlsServer};
use super::xks_proxy::{Variant, XksProxy, SECRET};
use super::{dns_server, run, write, Run, Store};

const HOST: &str = "xks.example.test";

pub struct Fleet {
    pub aws: FakeAws,
    server: TlsServer,
    _files: tempfile::TempDir,
    ca_file: String,
    pub ids: Vec<String>,
}

/// `stores` stores behind one proxy of the given variant.
pub fn fleet(stores: usize, variant: Variant) -> Fleet {
    let root = Ca::root("xks-preflight Load Root");
    let leaf = root.server(&[HOST], 1, 365);
    let files = tempfile::tempdir().unwrap();
    let ca_file = write(files.path(), "root.pem", &root.pem());
    let prefixes = (0..stores).map(|i| format!("/tenant-{i}")).collect();
    let proxy = Arc::new(XksProxy::new(prefixes, variant));
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
    /// The arguments of a `check` of the fleet, JSON out, with `which` (`--all`, a store ID …) added.
    pub fn args(&self, which: &[&str]) -> Vec<String> {
        let mut args: Vec<String> =
            ["check", "--output", "json", "--no-monitor", "--dns-server", &dns_server()].map(String::from).into();
        args.extend(["--connect-to".into(), self.server.connect_to(), "--ca-file".into(), self.ca_file.clone()]);
        args.extend(["--rtt-samples", "3", "--probe-timeout", "5"].map(String::from));
        args.extend(which.iter().map(|arg| arg.to_string()));
        args
    }

    /// TCP connections the proxy has accepted so far.
    pub fn connections(&self) -> usize {
        self.server.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Runs `command` (with the proxy's secret in its environment) on the fleet.
    pub fn check(&self, command: assert_cmd::Command, which: &[&str]) -> Run {
        let mut command = command;
        command.env("XKS_PROXY_SECRET_ACCESS_KEY", SECRET);
        let args = self.args(which);
        run(command, &args.iter().map(String::as_str).collect::<Vec<_>>())
    }
}

/// Each target's `check id → status`, from a JSON report.
pub fn statuses(report: &Value) -> Vec<BTreeMap<String, String>> {
    report["targets"]
        .as_array()
        .unwrap_or_else(|| panic!("no targets in the report: {report}"))
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

/// The checks that judge a time measured on this machine. Probing many stores at once on two cores
/// slows the tool's own handshakes and calls, so their status may differ from a store checked alone by
/// load alone; the sharing these comparisons are about changes which probes run, not what a time means.
const TIMED: [&str; 2] = ["net.rtt", "proxy.latency"];

/// Every (store, check) of `report` whose status is not the one in `alone`, with the store's evidence;
/// the timed checks are left out.
pub fn differences(report: &Value, alone: &BTreeMap<String, String>) -> Vec<String> {
    let targets = report["targets"].as_array().unwrap_or_else(|| panic!("no targets in the report: {report}"));
    targets
        .iter()
        .enumerate()
        .flat_map(|(index, target)| {
            target["checks"].as_array().unwrap().iter().filter_map(move |c| {
                let (id, status) = (c["id"].as_str().unwrap(), c["status"].as_str().unwrap());
                (!TIMED.contains(&id) && alone.get(id).map(String::as_str) != Some(status))
                    .then(|| format!("store {index} {id}: {status}, alone {} ({})", alone[id], c["evidence"]))
            })
        })
        .collect()
}
