//! The preconditions the checks share: a fact, or the outcome that stands in for it. A missing fact
//! is said in words here, and names the check that judges it, so that the verdict can mark a check
//! blocked only when that check failed. The section files depend on this module, never on each other.

use super::aws_call;
use super::body::{self, answered};
use super::context::Ctx;
use super::outcome::Outcome;
use super::text::quote;
use crate::catalogue::CheckId;
use crate::facts::{
    ExternalKeyFacts, Fact, Flag, HttpVersion, NetworkFacts, Observed, ProbeFailure, Probed, ProxyExchange, ProxyFacts,
    Settings, Why,
};

impl<'a> Ctx<'a> {
    /// The settings, or why there are none to judge.
    pub fn settings(&self) -> Result<&Settings, Outcome> {
        if let Some(settings) = &self.settings {
            return Ok(settings);
        }
        Err(match (&self.target.subject, &self.facts.region_stores, self.store) {
            (_, Observed::Failed(_), _) => Outcome::blocked(CheckId::ConfigStoreFound, "the store could not be read"),
            (_, Observed::NotGathered(why), _) => missing(why),
            (crate::facts::Subject::Store { .. }, _, Some(_)) => {
                Outcome::blocked(CheckId::ConfigStoreType, "the store has no external key store proxy configuration")
            }
            _ => Outcome::blocked(CheckId::ConfigStoreFound, "no store to check"),
        })
    }

    /// Nothing, or the outcome for a setting a plan leaves unknown until it is applied (named by its
    /// Terraform attribute): it is reported as such, never guessed.
    pub fn known(&self, attribute: &str) -> Result<(), Outcome> {
        match &self.target.iac {
            Some(iac) if iac.known_after_apply.iter().any(|a| a == attribute) => {
                let why = words(&Why::KnownAfterApply { address: iac.address.clone() });
                Err(Outcome::skipped(format!("{attribute} is {why}")))
            }
            _ => Ok(()),
        }
    }

    /// A fact read from AWS, or the outcome that stands in for it: an error naming the call and whose
    /// permission it needs, or why it was not read.
    pub fn aws<'f, T>(&self, observed: &'f Observed<T>) -> Result<&'f T, Outcome> {
        match observed {
            Observed::Seen(value) => Ok(value),
            Observed::Failed(failure) => Err(aws_call::outcome(failure, self.facts.role_arn.as_deref())),
            Observed::NotGathered(why) => Err(missing(why)),
        }
    }
}

/// A fact probed over the network, or the outcome that stands in for it.
pub fn seen<T>(probed: &Probed<T>) -> Result<&T, Outcome> {
    match probed {
        Probed::Seen(value) => Ok(value),
        Probed::Failed(failure) => Err(probe_failed(failure)),
        Probed::NotGathered(why) => Err(missing(why)),
    }
}

/// A probe that did not answer: an error, never a pass.
pub fn probe_failed(failure: &ProbeFailure) -> Outcome {
    let how = if failure.timed_out { "timed out" } else { "failed" };
    Outcome::error(
        format!("{} {how}: {}", failure.step, quote(&failure.message)),
        "Check that this host can reach the endpoint (or use --connect-to), then run it again.",
    )
}

/// The outcome of a check that needed a fact gathering did not try to get: skipped, naming the check
/// that judges the missing fact where one does.
pub fn missing(why: &Why) -> Outcome {
    match judged_by(why) {
        Some(check) => Outcome::blocked(check, words(why)),
        None => Outcome::skipped(words(why)),
    }
}

/// The check that judges the fact whose absence `why` reports.
fn judged_by(why: &Why) -> Option<CheckId> {
    let fact = match why {
        Why::Needs { fact } => fact,
        Why::PrivateName => return Some(CheckId::DnsResolves),
        Why::ClientCertificateRequired => return Some(CheckId::TlsClientCertificate),
        _ => return None,
    };
    Some(match fact {
        Fact::Settings | Fact::StoreList => CheckId::ConfigStoreFound,
        Fact::EndpointHost => CheckId::ConfigEndpointFormat,
        Fact::EndpointName | Fact::Ipv4Address => CheckId::DnsResolves,
        Fact::KmsTlsSession => CheckId::TlsCipherSuite,
        Fact::Ciphertext => CheckId::KeyRoundTrip,
        Fact::ServiceName | Fact::ServiceConfiguration => CheckId::VpcServiceFound,
        Fact::Listeners => CheckId::VpcNlbListener,
        Fact::LoadBalancerVpc => return None,
    })
}

/// Why a fact is missing, in the report's words.
pub fn words(why: &Why) -> String {
    match why {
        Why::TurnedOff { flag: Flag::NoAws } => "--no-aws: AWS was not asked".into(),
        Why::TurnedOff { flag: Flag::NoNetwork } => "--no-network: the endpoint was not probed".into(),
        Why::TurnedOff { flag: Flag::NoMonitor } => "--no-monitor: what KMS saw was not read".into(),
        Why::NoSecret => "no secret access key supplied (XKS_PROXY_SECRET_ACCESS_KEY, --secret-access-key-file, \
                          --secret-access-key-stdin or the proxy configuration file)"
            .into(),
        Why::NoAccessKeyId => "no access key ID to sign with".into(),
        Why::ClientCertificateRequired => "the proxy requires a client certificate and none was given: add \
                                           --client-cert FILE and --client-key FILE to probe behind it"
            .into(),
        Why::NoNextCredential => "no credential to rotate to was given: to rehearse a rotation, add \
                                  --next-access-key-id ID with --next-secret-access-key-file FILE (or \
                                  --next-secret-access-key-stdin)"
            .into(),
        Why::AwsUnreadable => "AWS could not be read here (the problem is said at the top)".into(),
        Why::StoreNotCreated => "planned settings: the store has no KMS keys yet".into(),
        Why::OwnerOnly => "only the account that owns the service can read this".into(),
        Why::OwnerViewRead => "this account owns the service; its own view has every field".into(),
        Why::PrivateName => "the private DNS name has no IPv4 address here (KMS resolves it inside its own VPC); \
                             --connect-to HOST:PORT reaches the load balancer or a proxy node from here"
            .into(),
        Why::EndlessPages { action } => format!("{action} kept answering with another page"),
        Why::KnownAfterApply { address } => format!("known only after {address} is applied"),
        Why::OlderFacts => "not gathered by the version of xks-preflight that wrote these facts".into(),
        Why::Recorded { text } => text.clone(),
        Why::Needs { fact } => match fact {
            Fact::Settings => "no settings to probe",
            Fact::EndpointHost => "no endpoint host to probe",
            Fact::EndpointName => "the endpoint's name could not be resolved",
            Fact::Ipv4Address => "the endpoint has no IPv4 address",
            Fact::KmsTlsSession => "no TLS handshake with KMS's cipher suites succeeded",
            Fact::Ciphertext => "Encrypt did not answer 200 with a ciphertext",
            Fact::StoreList => "the custom key stores could not be listed",
            Fact::ServiceName => "no well-formed VPC endpoint service name",
            Fact::ServiceConfiguration => "the service's own configuration could not be read",
            Fact::LoadBalancerVpc => "the load balancer does not say which VPC it is in",
            Fact::Listeners => "the listeners, which name the target groups, could not be read",
        }
        .into(),
    }
}

/// The network facts of the target, or why there are none.
pub fn network<'a>(ctx: &Ctx<'a>) -> Result<&'a NetworkFacts, Outcome> {
    match &ctx.target.network {
        Observed::Seen(net) => Ok(net),
        Observed::Failed(failure) => Err(probe_failed(failure)),
        Observed::NotGathered(why) => {
            // The probes need a store to read the endpoint from, and an endpoint KMS would accept: either
            // lacking is the first reason, whatever else (--no-network) also held them back.
            let settings = ctx.settings()?;
            if settings.uri_endpoint.is_some() && settings.endpoint_host().is_none() {
                return Err(missing(&Why::Needs { fact: Fact::EndpointHost }));
            }
            Err(missing(why))
        }
    }
}

/// The network facts, once a TCP connection was made: without one no handshake or call could be tried.
pub fn connected<'a>(ctx: &Ctx<'a>) -> Result<&'a NetworkFacts, Outcome> {
    let net = network(ctx)?;
    match &net.tcp {
        Observed::Seen(_) => Ok(net),
        Observed::Failed(_) => Err(Outcome::blocked(CheckId::NetTcpConnect, "no TCP connection")),
        Observed::NotGathered(why) => Err(missing(why)),
    }
}

/// The proxy calls, once a TLS connection with KMS's suites was made for them.
pub fn calls<'a>(ctx: &Ctx<'a>) -> Result<&'a ProxyFacts, Outcome> {
    let net = connected(ctx)?;
    match &net.proxy {
        Probed::Seen(proxy) => Ok(proxy),
        Probed::Failed(failure) => Err(Outcome::skipped(quote(&failure.message))),
        Probed::NotGathered(why) => Err(missing(why)),
    }
}

/// The proxy calls, once the proxy answered HTTP/1.1 on that connection (tls.http11's finding).
pub fn http<'a>(ctx: &Ctx<'a>) -> Result<&'a ProxyFacts, Outcome> {
    let proxy = calls(ctx)?;
    match &proxy.unsigned_health {
        Probed::Seen(exchange) if exchange.http_version == HttpVersion::Http11 => Ok(proxy),
        Probed::NotGathered(why) => Err(missing(why)),
        probed => Err(stalled(probed)
            .unwrap_or_else(|| Outcome::blocked(CheckId::TlsHttp11, "the proxy gave no HTTP/1.1 answer"))),
    }
}

/// What stands in for a check that needs a call which got no answer in time, or was not sent because an
/// earlier one got none: proxy.latency's finding.
pub fn stalled(probed: &Probed<ProxyExchange>) -> Option<Outcome> {
    match probed {
        Probed::Failed(failure) if failure.timed_out => {
            Some(Outcome::blocked(CheckId::ProxyLatency, format!("{}: {}", failure.step, quote(&failure.message))))
        }
        _ => None,
    }
}

/// The first of `calls` that stalled, as the outcome that stands in for the check that needs them.
pub fn stalled_among<'a>(calls: impl IntoIterator<Item = &'a Probed<ProxyExchange>>) -> Option<Outcome> {
    calls.into_iter().find_map(stalled)
}

/// One call's answer, or what stands in for it: blocked by proxy.latency when it got no answer in time.
pub fn answer(probed: &Probed<ProxyExchange>) -> Result<&ProxyExchange, Outcome> {
    stalled(probed).map_or_else(|| seen(probed), Err)
}

/// The signed health call, once it got an answer. With no answer at all, proxy.health fails alone.
pub fn signed_health(proxy: &ProxyFacts) -> Result<&ProxyExchange, Outcome> {
    match &proxy.signed_health {
        Probed::Failed(failure) if !failure.timed_out => Err(Outcome::skipped(format!(
            "the signed call got no answer: {} (proxy.health fails for it)",
            quote(&failure.message)
        ))),
        other => answer(other),
    }
}

/// Why a signed call was not served, when another check judges the reason: the signature (401), the
/// path (404 InvalidUriPathException) or the proxy's authorization (403).
pub fn refused(exchange: &ProxyExchange) -> Option<Outcome> {
    let (check, why) = match exchange.status {
        401 => (CheckId::ProxyCredentialAccepted, "the proxy refused the signature"),
        403 => (CheckId::ProxyAccess, "the proxy's authorization denied the call"),
        404 if body::error_name(exchange).as_deref() != Some("KeyNotFoundException") => {
            (CheckId::ProxyUriPath, "the proxy does not serve the path")
        }
        _ => return None,
    };
    Some(Outcome::blocked(check, format!("{why}: {}", answered(exchange))))
}

/// What stands in for a check of other signed calls when the signed health call cannot vouch for them:
/// it was not made, got no answer, or was refused for a reason another check judges.
pub fn signed_gate(proxy: &ProxyFacts) -> Option<Outcome> {
    signed_health(proxy).map_or_else(Some, refused)
}

/// The external keys that were called, or why none were.
pub fn external_keys<'a>(ctx: &Ctx<'a>) -> Result<&'a [ExternalKeyFacts], Outcome> {
    let proxy = http(ctx)?;
    if proxy.keys.is_empty() {
        return Err(Outcome::skipped(
            "no external key to call: name one with --xks-key-id (an existing store's KMS keys are called too)",
        ));
    }
    Ok(&proxy.keys)
}
