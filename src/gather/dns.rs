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
        options.timeout = timeout;
        options.attempts = 1;
        // Every answer is a fresh observation.
        options.cache_size = 0;
        let resolver =
            Resolver::builder_with_config(config, TokioConnectionProvider::default()).with_options(options).build();
        Ok(Dns { resolver, label })
    }

    pub async fn ipv4(&self, host: &str) -> Probed<DnsAnswer> {
        let started = Instant::now();
        let answer = self.resolver.ipv4_lookup(fqdn(host)).await.map(|l| l.iter().map(|a| a.to_string()).collect());
        address_facts(format!("A lookup of {host}"), answer, started)
    }

    pub async fn ipv6(&self, host: &str) -> Probed<DnsAnswer> {
        let started = Instant::now();
        let answer = self.resolver.ipv6_lookup(fqdn(host)).await.map(|l| l.iter().map(|a| a.to_string()).collect());
        address_facts(format!("AAAA lookup of {host}"), answer, started)
    }

    /// The name servers of `domain`; empty when it has none.
    pub async fn name_servers(&self, domain: &str) -> Probed<Vec<String>> {
        match self.resolver.ns_lookup(fqdn(domain)).await {
            Ok(lookup) => {
                Probed::Seen(lookup.iter().map(|ns| ns.to_string().trim_end_matches('.').to_string()).collect())
            }
            Err(error) if is_empty_answer(&error) => Probed::Seen(Vec::new()),
            Err(error) => Probed::Failed(failure(format!("NS lookup of {domain}"), &error)),
        }
    }

    /// The TXT strings at `name`, each record's pieces joined; empty when there are none.
    pub async fn txt(&self, name: &str) -> Probed<Vec<String>> {
        match self.resolver.txt_lookup(fqdn(name)).await {
            Ok(lookup) => Probed::Seen(
                lookup
                    .iter()
                    .map(|txt| txt.txt_data().iter().map(|piece| String::from_utf8_lossy(piece)).collect::<String>())
                    .collect(),
            ),
            Err(error) if is_empty_answer(&error) => Probed::Seen(Vec::new()),
            Err(error) => Probed::Failed(failure(format!("TXT lookup of {name}"), &error)),
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

fn address_facts(step: String, answer: Result<Vec<String>, ResolveError>, started: Instant) -> Probed<DnsAnswer> {
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    match answer {
        Ok(addresses) => Probed::Seen(DnsAnswer { addresses, name_exists: true, duration_ms }),
        Err(error) if is_empty_answer(&error) => {
            Probed::Seen(DnsAnswer { addresses: Vec::new(), name_exists: !error.is_nx_domain(), duration_ms })
        }
        Err(error) => Probed::Failed(failure(step, &error)),
    }
}

fn failure(step: String, error: &ResolveError) -> ProbeFailure {
    let message = error.to_string();
    ProbeFailure { step, timed_out: message.contains("timed out") || message.contains("timeout"), message }
}
