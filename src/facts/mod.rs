//! What was seen: plain, serialisable records of every fact the checks judge. A facts file written with
//! `--save-facts` is this structure; `--facts` replays it with no AWS and no network. Never a secret.

mod iac;
mod keys;
mod monitor;
mod network;
mod proxy;
mod settings;
mod store;
mod vpc;
mod why;
mod wire;

pub use iac::*;
pub use keys::*;
pub use monitor::*;
pub use network::*;
pub use proxy::*;
pub use settings::*;
pub use store::*;
pub use vpc::*;
pub use why::*;
pub use wire::*;

use serde::{Deserialize, Serialize};

/// Raised when the meaning of a field changes; a facts file of another version is refused.
pub const SCHEMA_VERSION: u32 = 2;
/// The versions this one still reads: version 1 said why a fact was missing in words (read as
/// [`Why::Recorded`]), where version 2 says it as data.
pub const READABLE_SCHEMA_VERSIONS: std::ops::RangeInclusive<u32> = 1..=SCHEMA_VERSION;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Facts {
    pub schema_version: u32,
    pub tool_version: String,
    /// RFC 3339, UTC.
    pub gathered_at: String,
    pub region: String,
    /// The account read, when it is known: the account of the role assumed with `--role-arn`. Without
    /// a role the caller's own account is read and not named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// The Region was found by `--all-regions` among the account's enabled ones, not named.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all_regions: bool,
    /// What kept every AWS call of this account and Region from answering: no credentials, a role that
    /// could not be assumed, an expired token, an endpoint that cannot be reached. Said once; the AWS
    /// facts below are then not gathered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_problem: Option<CallFailure>,
    /// How long this account and Region took to gather, its stores' probes included, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub took_ms: Option<u64>,
    /// Every custom key store of the account in this Region (all types): the named store is found in
    /// it, and uniqueness and quota are judged against it.
    pub region_stores: Observed<Vec<StoreFacts>>,
    /// The KMS keys of custom key stores in this Region (ListKeys, DescribeKey), when a store is checked.
    pub store_keys: Observed<Vec<KmsKeyFacts>>,
    pub targets: Vec<TargetFacts>,
}

/// What `--save-facts` writes and `--facts` reads: one account and Region as a single object (as
/// before several could be checked in one run), several as an array.
pub fn to_file(scopes: &[Facts]) -> String {
    let text = match scopes {
        [one] => serde_json::to_string_pretty(one),
        several => serde_json::to_string_pretty(several),
    };
    text.expect("facts are plain data and always serialise") + "\n"
}

/// One thing to check: an existing store, or the settings planned for a new one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TargetFacts {
    pub subject: Subject,
    pub proxy_config: Option<ProxyConfigFacts>,
    pub secret: Option<SecretShape>,
    /// Present when the settings use VPC endpoint service connectivity.
    pub vpc: Option<VpcFacts>,
    /// DNS, TCP, TLS and the proxy API as seen from where the tool ran.
    pub network: Observed<NetworkFacts, ProbeFailure>,
    /// How long this target's VPC reads and probes took, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub took_ms: Option<u64>,
    /// What KMS saw of an existing store over the window; `None` for planned settings, and in facts
    /// written before it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor: Option<Observed<MonitorFacts>>,
    /// Where a Terraform plan or a CloudFormation template declares this target; `None` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iac: Option<IacFacts>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Subject {
    /// A store named on the command line, to be found in `region_stores`.
    Store {
        query: StoreQuery,
    },
    /// `--all`, when the stores could not be listed: there is nothing more specific to check.
    AllStores,
    Planned(PlannedSettings),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StoreQuery {
    Id(String),
    Name(String),
}

impl StoreQuery {
    pub fn matches(&self, store: &StoreFacts) -> bool {
        match self {
            StoreQuery::Id(id) => store.id == *id,
            StoreQuery::Name(name) => store.name.as_deref() == Some(name.as_str()),
        }
    }
}

impl std::fmt::Display for StoreQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreQuery::Id(id) => write!(f, "ID {id}"),
            StoreQuery::Name(name) => write!(f, "name \"{name}\""),
        }
    }
}

/// The outcome of one gathering step: an AWS call (failing with a [`CallFailure`]) or a network
/// probe (failing with a [`ProbeFailure`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Observed<T, F = CallFailure> {
    Seen(T),
    /// The call was made and did not answer with the fact.
    Failed(F),
    /// The step was not attempted, for this reason.
    NotGathered(#[serde(deserialize_with = "Why::read")] Why),
}

impl<F: Clone> Observed<std::convert::Infallible, F> {
    /// An outcome with no fact, standing in for the outcome of any step it kept from running.
    pub fn cast<T>(&self) -> Observed<T, F> {
        match self {
            Observed::Seen(never) => match *never {},
            Observed::Failed(failure) => Observed::Failed(failure.clone()),
            Observed::NotGathered(why) => Observed::NotGathered(why.clone()),
        }
    }
}

/// A network probe's outcome.
pub type Probed<T> = Observed<T, ProbeFailure>;

impl<T, F> Observed<T, F> {
    pub fn seen(&self) -> Option<&T> {
        match self {
            Observed::Seen(value) => Some(value),
            _ => None,
        }
    }
}

/// An AWS call that did not give its answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CallFailure {
    /// The IAM action of the call, e.g. `ec2:DescribeVpcEndpointServicePermissions`.
    pub action: String,
    pub access_denied: bool,
    /// The AWS error code, when the service answered with one.
    pub code: Option<String>,
    pub message: String,
    /// No answer in time: the SDK's attempts, or the run's deadline, ran out.
    #[serde(default)]
    pub out_of_time: bool,
}

/// AWS error codes for a permission the identity lacks: the call's own refusal; other calls may still be
/// allowed.
pub const PERMISSION_CODES: &[&str] = &["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"];
/// AWS error codes for temporary credentials past their time.
pub const EXPIRED_CODES: &[&str] = &["ExpiredToken", "ExpiredTokenException", "RequestExpired"];
/// AWS error codes for credentials the service does not accept at all.
pub const CREDENTIAL_CODES: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "AuthFailure",
];

impl CallFailure {
    /// The credentials themselves were refused, or have expired.
    pub fn refuses_credentials(&self) -> bool {
        self.code.as_deref().is_some_and(|code| EXPIRED_CODES.contains(&code) || CREDENTIAL_CODES.contains(&code))
    }

    /// No other call of the same account and Region would escape it: no answer at all (no credentials,
    /// an endpoint that cannot be reached or does not answer in time), or the credentials refused.
    pub fn is_scope_wide(&self) -> bool {
        self.code.is_none() || self.refuses_credentials()
    }
}

/// A network probe that did not give its answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProbeFailure {
    /// What was tried, e.g. `TCP connect to 203.0.113.10:443`.
    pub step: String,
    pub timed_out: bool,
    pub message: String,
}
