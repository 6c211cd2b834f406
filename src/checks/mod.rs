//! Judgement: each check is a pure function from the facts of one target to an outcome. Nothing here
//! calls AWS or the network. Blocking, the diagnosis and the exit code are the verdict's business
//! (`crate::verdict`); a check only says which other check explains a fact it lacks.

mod body;
mod chain;
mod config;
mod dns;
mod key;
mod net;
mod proxy;
mod text;
mod tls;
mod vpc;

use schemars::JsonSchema;
use serde::Serialize;

use crate::catalogue::CheckId;
use crate::facts::{
    CallFailure, Facts, NetworkFacts, Observed, ProbeFailure, Settings, StoreFacts, Subject, TargetFacts,
};

pub use key::integrity_value;
pub use text::{list, quote};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    /// Does not apply, or needs a fact that an earlier failure or a missing input left out.
    Skipped,
    /// Could not be judged: a fact could not be gathered.
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    /// What was seen; for skipped and error, why.
    pub evidence: String,
    /// What to do, for anything but a pass.
    pub remedy: Option<String>,
    /// The check whose subject explains this outcome: the one that judged the fact this check lacked
    /// (or that made it fail). The verdict marks this outcome blocked only if that check failed.
    pub because: Option<CheckId>,
    /// Figures the check judged, for dashboards (the Prometheus output's gauges).
    pub measures: Vec<Measure>,
}

/// One figure a check judged: a round trip, days left, a latency, a key manager's state.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Measure {
    pub name: MeasureName,
    /// A label that tells apart several figures of one name (an external key manager's ID and state).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<(&'static str, String)>,
    pub value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureName {
    RoundTripMedianMs,
    CertificateDaysLeft,
    ProxyLatencyWorstMs,
    ExternalKeyManagerState,
}

impl Outcome {
    pub fn pass(evidence: impl Into<String>) -> Self {
        Outcome { status: Status::Pass, evidence: evidence.into(), remedy: None, because: None, measures: Vec::new() }
    }
    pub fn warn(evidence: impl Into<String>, remedy: impl Into<String>) -> Self {
        Outcome {
            status: Status::Warn,
            evidence: evidence.into(),
            remedy: Some(remedy.into()),
            because: None,
            measures: Vec::new(),
        }
    }
    pub fn fail(evidence: impl Into<String>, remedy: impl Into<String>) -> Self {
        Outcome {
            status: Status::Fail,
            evidence: evidence.into(),
            remedy: Some(remedy.into()),
            because: None,
            measures: Vec::new(),
        }
    }
    pub fn skipped(why: impl Into<String>) -> Self {
        Outcome { status: Status::Skipped, evidence: why.into(), remedy: None, because: None, measures: Vec::new() }
    }
    pub fn error(why: impl Into<String>, remedy: impl Into<String>) -> Self {
        Outcome {
            status: Status::Error,
            evidence: why.into(),
            remedy: Some(remedy.into()),
            because: None,
            measures: Vec::new(),
        }
    }

    /// Adds a figure the check judged.
    pub fn measured(self, name: MeasureName, value: f64) -> Self {
        self.measured_with(name, Vec::new(), value)
    }

    /// Adds a labelled figure.
    pub fn measured_with(mut self, name: MeasureName, labels: Vec<(&'static str, String)>, value: f64) -> Self {
        self.measures.push(Measure { name, labels, value });
        self
    }

    /// Names the check that explains this outcome.
    pub fn because(mut self, check: CheckId) -> Self {
        self.because = Some(check);
        self
    }

    /// Skipped for want of a fact that `check` judges, saying so.
    pub fn blocked(check: CheckId, why: impl std::fmt::Display) -> Self {
        Outcome::skipped(format!("{why} (see {check})")).because(check)
    }

    /// An AWS call that did not answer: an error naming the IAM action, never a pass.
    pub fn from_failure(failure: &CallFailure) -> Self {
        let code = failure.code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
        if failure.out_of_time {
            Outcome::error(
                format!("{} got no answer in time: {}", failure.action, quote(&failure.message)),
                "Run it again, with a longer --timeout or --aws-timeout if AWS is slow to answer from here.",
            )
        } else if failure.refuses_credentials() {
            Outcome::error(
                format!("{} was refused{code}: {}", failure.action, quote(&failure.message)),
                "Refresh or correct the credentials (aws sso login, aws configure, new temporary credentials), \
                 then run it again.",
            )
        } else if failure.access_denied {
            Outcome::error(
                format!("{} was refused{code}: {}", failure.action, quote(&failure.message)),
                format!(
                    "Allow {} to the identity that read this account (the role given with --role-arn, else the one \
                     running xks-preflight; docs/iam-policy.json), then run it again.",
                    failure.action
                ),
            )
        } else {
            Outcome::error(
                format!("{} failed{code}: {}", failure.action, quote(&failure.message)),
                "Check the credentials, the Region and any AWS_ENDPOINT_URL setting, then run it again.",
            )
        }
    }
}

/// What an observation gives a check: the fact, or the outcome that stands in for it (an error
/// naming the refused call, or skipped with the reason it was not gathered).
pub fn seen<T, F: Failure>(observed: &Observed<T, F>) -> Result<&T, Outcome> {
    match observed {
        Observed::Seen(value) => Ok(value),
        Observed::Failed(failure) => Err(failure.outcome()),
        Observed::NotGathered(why) => Err(Outcome::skipped(why.clone())),
    }
}

/// A step that did not give its fact, as the outcome of a check that needed it.
pub trait Failure {
    fn outcome(&self) -> Outcome;
}

impl Failure for CallFailure {
    fn outcome(&self) -> Outcome {
        Outcome::from_failure(self)
    }
}

impl Failure for ProbeFailure {
    fn outcome(&self) -> Outcome {
        let how = if self.timed_out { "timed out" } else { "failed" };
        Outcome::error(
            format!("{} {how}: {}", self.step, quote(&self.message)),
            "Check that this host can reach the endpoint (or use --connect-to), then run it again.",
        )
    }
}

/// The network facts, once a TCP connection was made: without one no handshake or call could be tried.
pub fn connected<'a>(ctx: &Ctx<'a>) -> Result<&'a NetworkFacts, Outcome> {
    let net = network(ctx)?;
    match &net.tcp {
        Observed::Seen(_) => Ok(net),
        Observed::Failed(_) => Err(Outcome::blocked(CheckId::NetTcpConnect, "no TCP connection")),
        Observed::NotGathered(why) => Err(not_connected(net, why)),
    }
}

/// Why no connection was tried: for want of an address, which without --connect-to only DNS gives.
pub fn not_connected(net: &NetworkFacts, why: &str) -> Outcome {
    if net.connect_to.is_none() {
        Outcome::blocked(CheckId::DnsResolves, why)
    } else {
        Outcome::skipped(why)
    }
}

/// The network facts of the target, or why there are none.
pub fn network<'a>(ctx: &Ctx<'a>) -> Result<&'a NetworkFacts, Outcome> {
    match &ctx.target.network {
        Observed::Seen(net) => Ok(net),
        Observed::Failed(failure) => Err(failure.outcome()),
        Observed::NotGathered(why) => {
            // The probes need a settled endpoint: a store to read it from, in a form that names a host.
            let settings = ctx.settings()?;
            if settings.uri_endpoint.is_some() && settings.endpoint_host().is_none() {
                return Err(Outcome::blocked(CheckId::ConfigEndpointFormat, "no endpoint host to probe"));
            }
            Err(Outcome::skipped(why.clone()))
        }
    }
}

/// `need!(expr)`: the `Ok` value, or return the `Err` outcome from the check. A check judges only
/// what it has; whatever it lacks has already said why.
macro_rules! need {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(outcome) => return outcome,
        }
    };
}
pub(crate) use need;

/// Everything one check may look at.
pub struct Ctx<'a> {
    pub facts: &'a Facts,
    pub target: &'a TargetFacts,
    pub store: Option<&'a StoreFacts>,
    pub settings: Option<Settings>,
}

impl<'a> Ctx<'a> {
    pub fn new(facts: &'a Facts, target: &'a TargetFacts) -> Self {
        Ctx { facts, target, store: facts.store_of(target), settings: facts.settings_of(target) }
    }

    pub fn is_planned(&self) -> bool {
        matches!(self.target.subject, Subject::Planned(_))
    }

    /// The settings, or why there are none to judge.
    pub fn settings(&self) -> Result<&Settings, Outcome> {
        if let Some(settings) = &self.settings {
            return Ok(settings);
        }
        Err(match (&self.target.subject, &self.facts.region_stores, self.store) {
            (_, Observed::Failed(_), _) => Outcome::blocked(CheckId::ConfigStoreFound, "the store could not be read"),
            (_, Observed::NotGathered(why), _) => Outcome::skipped(why.clone()),
            (Subject::Store { .. }, _, Some(_)) => {
                Outcome::blocked(CheckId::ConfigStoreType, "the store has no external key store proxy configuration")
            }
            _ => Outcome::blocked(CheckId::ConfigStoreFound, "no store to check"),
        })
    }
}

/// Judges one requirement. The match is exhaustive: every ID of the catalogue has its check.
pub fn judge(id: CheckId, ctx: &Ctx) -> Outcome {
    use CheckId::*;
    match id {
        ConfigStoreFound => config::store_found(ctx),
        ConfigStoreType => config::store_type(ctx),
        ConfigConnectionState => config::connection_state(ctx),
        ConfigEndpointFormat => config::endpoint_format(ctx),
        ConfigPathFormat => config::path_format(ctx),
        ConfigUriLength => config::uri_length(ctx),
        ConfigAccessKeyIdFormat => config::access_key_id_format(ctx),
        ConfigSecretFormat => config::secret_format(ctx),
        ConfigProxyConfigMatch => config::proxy_config_match(ctx),
        ConfigEndpointUnique => config::endpoint_unique(ctx),
        ConfigRegionSupported => config::region_supported(ctx),
        ConfigStoreQuota => config::store_quota(ctx),
        VpcServiceFound => vpc::service_found(ctx),
        VpcServiceRegion => vpc::service_region(ctx),
        VpcServiceState => vpc::service_state(ctx),
        VpcServiceType => vpc::service_type(ctx),
        VpcLoadBalancerType => vpc::load_balancer_type(ctx),
        VpcAvailabilityZones => vpc::availability_zones(ctx),
        VpcSubnetsPrivate => vpc::subnets_private(ctx),
        VpcNlbScheme => vpc::nlb_scheme(ctx),
        VpcNlbListener => vpc::nlb_listener(ctx),
        VpcTargetsHealthy => vpc::targets_healthy(ctx),
        VpcAcceptanceRequired => vpc::acceptance_required(ctx),
        VpcAllowedPrincipal => vpc::allowed_principal(ctx),
        VpcPrivateDnsName => vpc::private_dns_name(ctx),
        VpcPrivateDnsVerified => vpc::private_dns_verified(ctx),
        VpcIpAddressType => vpc::ip_address_type(ctx),
        DnsResolves => dns::resolves(ctx),
        DnsPublicParent => dns::public_parent(ctx),
        DnsVerificationTxt => dns::verification_txt(ctx),
        NetTcpConnect => net::tcp_connect(ctx),
        NetRtt => net::rtt(ctx),
        TlsVersion => tls::version(ctx),
        TlsCipherSuite => tls::cipher_suite(ctx),
        TlsHostname => tls::hostname(ctx),
        TlsValidity => tls::validity(ctx),
        TlsChainComplete => tls::chain_complete(ctx),
        TlsTrustedCa => tls::trusted_ca(ctx),
        TlsHttp11 => tls::http11(ctx),
        ProxyHealth => proxy::health(ctx),
        ProxyEkmAvailable => proxy::ekm_available(ctx),
        ProxyCredentialAccepted => proxy::credential_accepted(ctx),
        ProxyAuthEnforced => proxy::auth_enforced(ctx),
        ProxyUriPath => proxy::uri_path(ctx),
        ProxyAccess => proxy::access(ctx),
        ProxyMethodPostOnly => proxy::method_post_only(ctx),
        ProxyErrorFormat => proxy::error_format(ctx),
        ProxyLatency => proxy::latency(ctx),
        ProxyClockSkew => proxy::clock_skew(ctx),
        ProxyRequestValidation => proxy::request_validation(ctx),
        ProxyUnknownOperation => proxy::unknown_operation(ctx),
        ProxyLongMetadata => proxy::long_metadata(ctx),
        KeyMetadata => key::metadata(ctx),
        KeyRoundTrip => key::round_trip(ctx),
        KeyTamperRejected => key::tamper_rejected(ctx),
        KeyNotFound => key::not_found(ctx),
        KeyCiphertextShape => key::ciphertext_shape(ctx),
        KeyUnique => key::unique(ctx),
        KeyKmsKeyState => key::kms_key_state(ctx),
    }
}

/// A check that a `--skip` or `--only` selection names: an ID, or a whole section as `tls.*`.
pub fn selected_by(patterns: &[String], id: CheckId) -> bool {
    patterns.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => id.as_str().starts_with(prefix),
        None => p == id.as_str(),
    })
}

/// Which checks a run judges: all but those `skip` names; with `only`, just those it names and the checks
/// they can be blocked by (so that a blocked check still points at a judged failure).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub skip: Vec<String>,
    pub only: Vec<String>,
}

impl Selection {
    /// Why `id` is left out (as skipped), if it is.
    pub fn leaves_out(&self, id: CheckId) -> Option<&'static str> {
        if selected_by(&self.skip, id) {
            Some("skipped with --skip")
        } else if !self.only.is_empty() && !CheckId::ALL.iter().any(|&chosen| self.wanted(chosen, id)) {
            Some("not selected with --only")
        } else {
            None
        }
    }

    /// Whether judging `chosen` (named by --only) needs `id` judged: itself, or one of its blockers.
    fn wanted(&self, chosen: CheckId, id: CheckId) -> bool {
        selected_by(&self.only, chosen) && (chosen == id || chosen.depends_on(id))
    }
}

/// Every check of one target, in catalogue order, leaving out (as skipped) those `selection` leaves out.
pub fn run_target(facts: &Facts, target: &TargetFacts, selection: &Selection) -> Vec<(CheckId, Outcome)> {
    let ctx = Ctx::new(facts, target);
    CheckId::ALL
        .iter()
        .map(|&id| {
            let outcome = match selection.leaves_out(id) {
                Some(why) => Outcome::skipped(why),
                None => judge(id, &ctx),
            };
            (id, outcome)
        })
        .collect()
}

/// The nearest-rank percentile of samples, in any order.
fn percentile(samples: &[f64], p: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
