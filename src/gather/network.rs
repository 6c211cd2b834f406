//! The network side of one endpoint: DNS, TCP, round trips, TLS and HTTP/1.1, run concurrently so
//! that the whole set costs about its slowest probe. Every step is bounded by the probe timeout.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::version::{TLS12, TLS13};
use tokio::sync::OnceCell;

use super::budget::Budget;
use super::dns::Dns;
use super::proxy::{self, Pool, ProxyInputs};
use super::tls;
use crate::facts::*;

#[derive(Clone)]
pub struct NetworkOptions {
    pub dns_server: Option<SocketAddr>,
    /// `HOST:PORT` that receives the endpoint's connections instead.
    pub connect_to: Option<String>,
    pub rtt_samples: usize,
    pub timeout: Duration,
    /// `--ca-file` certificates, DER.
    pub extra_roots: Vec<Vec<u8>>,
    /// `--client-cert` and `--client-key`: presented only to a server that asks for a client certificate.
    pub client: tls::Client,
}

const HTTPS_PORT: u16 = 443;

/// The probes that depend on the endpoint alone (its address and name), not on the store: the TCP
/// connection, the round-trip samples and three of the four TLS handshakes. Stores behind one endpoint
/// (many stores on one proxy fleet, each under its own path) share them: they would all measure the
/// same thing, and measuring it once per store only loads the proxy with the tool's own handshakes.
/// The TLS 1.3 handshake with KMS's suites stays each store's own: its connection carries the store's
/// proxy calls.
#[derive(Default)]
pub struct SharedProbes(Mutex<HashMap<Endpoint, Arc<OnceCell<EndpointProbes>>>>);

/// Where the probes go and the name they give (SNI).
type Endpoint = (SocketAddr, String);

#[derive(Clone)]
struct EndpointProbes {
    tcp: Probed<TcpFacts>,
    rtt: Probed<RttFacts>,
    kms12: TlsAttemptFacts,
    any13: TlsAttemptFacts,
    any12: TlsAttemptFacts,
}

impl SharedProbes {
    /// The endpoint's probes: measured by the first store that asks, awaited by the others (and measured
    /// by the next one if the first is cut short).
    async fn of(
        &self,
        budget: &Arc<Budget>,
        address: SocketAddr,
        host: &str,
        options: &NetworkOptions,
    ) -> EndpointProbes {
        let cell = {
            let mut cells = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            cells.entry((address, host.to_string())).or_default().clone()
        };
        let timeout = options.timeout;
        // Every connection closes as soon as its probe ends: one kept open while the probes beside it
        // wait for leave would hold what they, and other targets, wait for.
        let attempt = |version, kms_suites_only| async move {
            tls::handshake(budget, address, host, (version, kms_suites_only), &options.client, timeout).await.0
        };
        let measure = || async {
            let (tcp, rtt, kms12, any13, any12) = tokio::join!(
                tls::tcp(budget, address, timeout),
                round_trips(budget.clone(), address, options.rtt_samples, timeout),
                attempt(&TLS12, true),
                attempt(&TLS13, false),
                attempt(&TLS12, false),
            );
            EndpointProbes { tcp, rtt, kms12, any13, any12 }
        };
        cell.get_or_init(measure).await.clone()
    }
}

/// The round-trip samples in a task of their own: beside the handshakes in one task, a sample's end
/// would be seen only once the handshakes polled with it had done their cryptography, and it would count
/// that time as the link's. The task ends with the probes that wait for it (a set aborts on drop).
async fn round_trips(budget: Arc<Budget>, address: SocketAddr, samples: usize, timeout: Duration) -> Probed<RttFacts> {
    let mut task = tokio::task::JoinSet::new();
    task.spawn(async move { tls::rtt(&budget, address, samples, timeout).await });
    match task.join_next().await {
        Some(Ok(facts)) => facts,
        Some(Err(error)) => Probed::Failed(ProbeFailure {
            step: "the round-trip samples".into(),
            timed_out: false,
            message: format!("xks-preflight failed while sampling round trips ({error})"),
        }),
        None => unreachable!("the set holds the task just spawned"),
    }
}

pub async fn probe(
    settings: &Settings,
    options: &NetworkOptions,
    dns: &Result<Dns, String>,
    budget: &Arc<Budget>,
    shared: &SharedProbes,
    inputs: &ProxyInputs,
) -> Probed<NetworkFacts> {
    let Some(host) = settings.endpoint_host() else {
        return Probed::NotGathered(Why::Needs { fact: Fact::EndpointHost });
    };
    let dns = match dns {
        Ok(dns) => dns,
        Err(message) => {
            return Probed::Failed(ProbeFailure {
                step: "DNS resolver".into(),
                timed_out: false,
                message: message.clone(),
            })
        }
    };
    // Only a VPC store's private DNS name must lie under a public domain.
    let parents = if settings.is_vpc() { parent_domains(host) } else { Vec::new() };
    let looked_up = async {
        let mut tasks = tokio::task::JoinSet::new();
        for domain in parents.clone() {
            let dns = dns.clone();
            tasks.spawn(async move { ParentDomainFacts { name_servers: dns.name_servers(&domain).await, domain } });
        }
        let mut found = tasks.join_all().await;
        found.sort_by_key(|p| parents.iter().position(|d| *d == p.domain));
        found
    };
    let path = settings.uri_path.as_deref().unwrap_or("/kms/xks/v1");
    // The connections wait only for their address: with --connect-to not even for DNS, and never for
    // the AAAA and parent-domain lookups, which run beside them.
    let addressed_and_connected = async {
        let connected = |address: Result<SocketAddr, Probed<std::convert::Infallible>>| async move {
            match address {
                // Boxed: every probe of the target is in this future, which sits beside the lookups.
                Ok(address) => Box::pin(connections(budget, shared, address, host, path, options, inputs)).await,
                Err(why) => (why.cast(), why.cast(), Vec::new(), why.cast()),
            }
        };
        match connect_to_address(options).await {
            Some(overridden) => {
                let address = overridden.map_err(Probed::Failed);
                tokio::join!(dns.ipv4(host), connected(address))
            }
            None => {
                let ipv4 = dns.ipv4(host).await;
                let address = match ipv4.seen() {
                    Some(answer) => match answer.addresses.first().and_then(|a| a.parse().ok()) {
                        Some(ip) => Ok(SocketAddr::new(ip, HTTPS_PORT)),
                        None if settings.is_vpc() => Err(Probed::NotGathered(Why::PrivateName)),
                        None => Err(Probed::NotGathered(Why::Needs { fact: Fact::Ipv4Address })),
                    },
                    None => Err(Probed::NotGathered(Why::Needs { fact: Fact::EndpointName })),
                };
                let connections = connected(address).await;
                (ipv4, connections)
            }
        }
    };
    let (ipv6, parent_facts, (ipv4, (tcp, rtt, tls, proxy))) =
        tokio::join!(dns.ipv6(host), looked_up, addressed_and_connected);
    Probed::Seen(NetworkFacts {
        host: host.to_string(),
        port: HTTPS_PORT,
        connect_to: options.connect_to.clone(),
        measured_from: local_host_name(),
        resolver: dns.label.clone(),
        ipv4,
        ipv6,
        parent_domains: settings.is_vpc().then_some(parent_facts),
        verification_txt: None,
        tcp,
        rtt,
        tls,
        proxy,
        extra_roots: options.extra_roots.iter().map(|der| tls::base64_der(der)).collect(),
    })
}

/// TCP, round trips and the four TLS handshakes at once (all but one shared with the other stores of
/// the endpoint); the proxy calls follow over the TLS 1.3 connection with KMS's suites and the others
/// they open, or over TLS 1.2 connections when only that version completed.
async fn connections(
    budget: &Arc<Budget>,
    shared: &SharedProbes,
    address: SocketAddr,
    host: &str,
    path: &str,
    options: &NetworkOptions,
    inputs: &ProxyInputs,
) -> (Probed<TcpFacts>, Probed<RttFacts>, Vec<TlsAttemptFacts>, Probed<ProxyFacts>) {
    let timeout = options.timeout;
    let pool = Pool::new(address, host, timeout, budget.clone(), options.client.clone());
    let calls = |connection: Option<tls::Connection>, version| {
        let pool = &pool;
        // Boxed: every proxy call of the target is in this future.
        Box::pin(async move {
            pool.prefer(version);
            if let Some(connection) = connection {
                pool.adopt(connection).await;
            }
            let facts = proxy::probe(pool, path, inputs).await;
            // The connections' leave goes back now, not when the other probes of the target are done.
            pool.close();
            facts
        })
    };
    let kms13_then_proxy = async {
        let (attempt, connection) =
            tls::handshake(budget, address, host, (&TLS13, true), &options.client, timeout).await;
        let proxy = match connection {
            Some(connection) => Some(calls(Some(connection), &TLS13).await),
            None => None,
        };
        (attempt, proxy)
    };
    let ((kms13, proxy13), endpoint) = tokio::join!(kms13_then_proxy, shared.of(budget, address, host, options));
    let proxy = match (proxy13, endpoint.kms12.outcome.seen()) {
        (Some(proxy), _) => Probed::Seen(proxy),
        (None, Some(_)) => Probed::Seen(calls(None, &TLS12).await),
        // Named apart from a TLS stack that is broken: with a certificate to give, the calls would follow.
        (None, None) if [&kms13, &endpoint.kms12].iter().any(|a| a.requires_client_certificate()) => {
            Probed::NotGathered(Why::ClientCertificateRequired)
        }
        (None, None) => Probed::NotGathered(Why::Needs { fact: Fact::KmsTlsSession }),
    };
    (endpoint.tcp, endpoint.rtt, vec![kms13, endpoint.kms12, endpoint.any13, endpoint.any12], proxy)
}

async fn connect_to_address(options: &NetworkOptions) -> Option<Result<SocketAddr, ProbeFailure>> {
    let target = options.connect_to.as_deref()?;
    let step = format!("--connect-to {target}");
    let resolved = tokio::time::timeout(options.timeout, tokio::net::lookup_host(target)).await;
    Some(match resolved {
        Ok(Ok(mut addresses)) => addresses.next().ok_or_else(|| ProbeFailure {
            step,
            timed_out: false,
            message: "resolves to no address".into(),
        }),
        Ok(Err(error)) => Err(ProbeFailure { step, timed_out: false, message: error.to_string() }),
        Err(_) => Err(ProbeFailure { step, timed_out: true, message: "no answer in time".into() }),
    })
}

/// `a.b.example.com` → `b.example.com`, `example.com`: the domains that can prove ownership of a name.
pub fn parent_domains(name: &str) -> Vec<String> {
    let labels: Vec<&str> = name.trim_end_matches('.').split('.').collect();
    (1..labels.len().saturating_sub(1)).map(|start| labels[start..].join(".")).collect()
}

/// The TXT lookups that would verify the private DNS name's domain, once EC2 has said which record.
pub async fn verification_txt(dns: &Dns, host: &str, vpc: &VpcFacts) -> Option<VerificationTxtFacts> {
    let record = vpc.provider_view.seen()?.as_ref()?.private_dns_verification.as_ref()?;
    let (name, value) = (record.record_name.as_deref()?, record.record_value.as_deref()?);
    let mut tasks = tokio::task::JoinSet::new();
    let records: Vec<String> = parent_domains(host).iter().map(|parent| format!("{name}.{parent}")).collect();
    for record in records.clone() {
        let dns = dns.clone();
        tasks.spawn(async move { TxtLookupFacts { values: dns.txt(&record).await, record } });
    }
    let mut lookups = tasks.join_all().await;
    lookups.sort_by_key(|l| records.iter().position(|r| *r == l.record));
    Some(VerificationTxtFacts { expected_value: value.to_string(), lookups })
}

fn local_host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "this host".to_string())
}
