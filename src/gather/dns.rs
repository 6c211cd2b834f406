//! DNS lookups with hickory-resolver: the system's resolver, or the one `--dns-server` names.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::{ResolveError, Resolver, TokioResolver};

use crate::facts::{DnsAnswer, ProbeFailure, Probed};

#[derive(Clone)]
pub struct Dns {
    resolver: TokioResolver,
    pub label: String,
    /// The servers asked, as an error names them.
    servers: String,
    /// `--probe-timeout`, for a whole lookup: the resolver alone may try a server over UDP, then TCP.
    timeout: Duration,
}

impl Dns {
    pub fn new(server: Option<SocketAddr>, timeout: Duration) -> Result<Dns, String> {
        let (config, mut options, label) = match server {
            Some(address) => (
                ResolverConfig::from_parts(
                    None,
                    vec![],
                    NameServerConfigGroup::from_ips_clear(&[address.ip()], address.port(), true),
                ),
                ResolverOpts::default(),
                address.to_string(),
            ),
            None => {
                let (config, options) = hickory_resolver::system_conf::read_system_conf()
                    .map_err(|e| format!("cannot read the system's resolver configuration: {e}"))?;
                (config, options, "system".to_string())
            }
        };
        let mut servers: Vec<String> = config.name_servers().iter().map(|ns| ns.socket_addr.to_string()).collect();
        servers.dedup();
        let servers = match server {
            Some(address) => format!("the resolver {address}"),
            None => format!("the system's resolver ({})", servers.join(", ")),
        };
        options.timeout = timeout;
        options.attempts = 1;
        // Every answer is a fresh observation.
        options.cache_size = 0;
        let resolver =
            Resolver::builder_with_config(config, TokioConnectionProvider::default()).with_options(options).build();
        Ok(Dns { resolver, label, servers, timeout })
    }

    /// A lookup bounded by the probe timeout as a whole; no answer in time is said of the servers asked.
    async fn bounded<T>(
        &self,
        step: &str,
        lookup: impl std::future::Future<Output = Result<T, ResolveError>>,
    ) -> Result<Result<T, ResolveError>, ProbeFailure> {
        tokio::time::timeout(self.timeout, lookup).await.map_err(|_| ProbeFailure {
            step: step.to_string(),
            message: format!("{} did not answer within {} s (--probe-timeout)", self.servers, self.timeout.as_secs()),
            timed_out: true,
        })
    }

    pub async fn ipv4(&self, host: &str) -> Probed<DnsAnswer> {
        let started = Instant::now();
        let step = format!("A lookup of {host}");
        match self.bounded(&step, self.resolver.ipv4_lookup(fqdn(host))).await {
            Ok(answer) => {
                address_facts(step, answer.map(|l| l.iter().map(|a| a.to_string()).collect()), started, &self.servers)
            }
            Err(failure) => Probed::Failed(failure),
        }
    }

    pub async fn ipv6(&self, host: &str) -> Probed<DnsAnswer> {
        let started = Instant::now();
        let step = format!("AAAA lookup of {host}");
        match self.bounded(&step, self.resolver.ipv6_lookup(fqdn(host))).await {
            Ok(answer) => {
                address_facts(step, answer.map(|l| l.iter().map(|a| a.to_string()).collect()), started, &self.servers)
            }
            Err(failure) => Probed::Failed(failure),
        }
    }

    /// The name servers of `domain`; empty when it has none.
    pub async fn name_servers(&self, domain: &str) -> Probed<Vec<String>> {
        let step = format!("NS lookup of {domain}");
        let answer = match self.bounded(&step, self.resolver.ns_lookup(fqdn(domain))).await {
            Ok(answer) => answer,
            Err(failure) => return Probed::Failed(failure),
        };
        match answer {
            Ok(lookup) => {
                Probed::Seen(lookup.iter().map(|ns| ns.to_string().trim_end_matches('.').to_string()).collect())
            }
            Err(error) if is_empty_answer(&error) => Probed::Seen(Vec::new()),
            Err(error) => Probed::Failed(failure(step, &error, &self.servers)),
        }
    }

    /// The TXT strings at `name`, each record's pieces joined; empty when there are none.
    pub async fn txt(&self, name: &str) -> Probed<Vec<String>> {
        let step = format!("TXT lookup of {name}");
        let answer = match self.bounded(&step, self.resolver.txt_lookup(fqdn(name))).await {
            Ok(answer) => answer,
            Err(failure) => return Probed::Failed(failure),
        };
        match answer {
            Ok(lookup) => Probed::Seen(
                lookup
                    .iter()
                    .map(|txt| txt.txt_data().iter().map(|piece| String::from_utf8_lossy(piece)).collect::<String>())
                    .collect(),
            ),
            Err(error) if is_empty_answer(&error) => Probed::Seen(Vec::new()),
            Err(error) => Probed::Failed(failure(step, &error, &self.servers)),
        }
    }
}

/// A trailing dot keeps the resolver's search domains out of it.
fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

fn is_empty_answer(error: &ResolveError) -> bool {
    error.is_nx_domain() || error.is_no_records_found()
}

fn address_facts(
    step: String,
    answer: Result<Vec<String>, ResolveError>,
    started: Instant,
    servers: &str,
) -> Probed<DnsAnswer> {
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    match answer {
        Ok(addresses) => Probed::Seen(DnsAnswer { addresses, name_exists: true, duration_ms }),
        Err(error) if is_empty_answer(&error) => {
            Probed::Seen(DnsAnswer { addresses: Vec::new(), name_exists: !error.is_nx_domain(), duration_ms })
        }
        Err(error) => Probed::Failed(failure(step, &error, servers)),
    }
}

/// A lookup that failed, said of the servers asked.
fn failure(step: String, error: &ResolveError, servers: &str) -> ProbeFailure {
    let cause = error.to_string();
    let timed_out = cause.contains("timed out") || cause.contains("timeout");
    let message = match timed_out {
        true => format!("{servers} did not answer in time"),
        false => format!("{servers} answered with an error: {cause}"),
    };
    ProbeFailure { step, timed_out, message }
}
