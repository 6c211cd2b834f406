use serde::{Deserialize, Serialize};

use super::{ExternalKeyFacts, HttpVersion, Probed, Why};

/// The proxy API as KMS would use it: SigV4-signed calls, and the calls that must be refused.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProxyFacts {
    /// The configured base path, e.g. `/tenant-a/kms/xks/v1`.
    pub uri_path: String,
    /// The `kmsOperation` sent: CreateCustomKeyStore, ConnectCustomKeyStore or KmsHealthCheck.
    pub kms_operation: String,
    pub access_key_id: Option<String>,
    /// GetHealthStatus signed with the store's credential.
    pub signed_health: Probed<ProxyExchange>,
    /// GetHealthStatus with no signature.
    pub unsigned_health: Probed<ProxyExchange>,
    /// GetHealthStatus signed with a secret the proxy cannot know.
    pub wrongly_signed_health: Probed<ProxyExchange>,
    /// A signed POST below a path prefix the proxy does not serve.
    pub wrong_path: Probed<ProxyExchange>,
    /// A GET on the health URI (signed when the secret is known).
    pub get: Probed<ProxyExchange>,
    /// Signed health calls repeated on the kept-alive connection.
    pub kept_alive: Probed<KeptAliveFacts>,
    /// The key APIs, for each external key named with --xks-key-id or used by the store's KMS keys.
    pub keys: Vec<ExternalKeyFacts>,
    /// GetHealthStatus signed with the store's secret but wrongly in another way: each must get 401.
    #[serde(default)]
    pub refused_signatures: Vec<SignatureProbe>,
    /// GetHealthStatus whose kmsOperation names an operation no proxy knows: it must be served.
    #[serde(default = "not_gathered")]
    pub unknown_operation_health: Probed<ProxyExchange>,
    /// GetHealthStatus with no requestMetadata, and with an empty one: each must get 400 ValidationException.
    #[serde(default = "not_gathered")]
    pub health_without_metadata: Probed<ProxyExchange>,
    #[serde(default = "not_gathered")]
    pub health_with_empty_metadata: Probed<ProxyExchange>,
    /// GetKeyMetadata and Encrypt for an external key ID that does not exist.
    #[serde(default)]
    pub absent_key: Option<AbsentKeyFacts>,
    /// The access key ID a rotation moves to (`--next-access-key-id`), when one was given.
    #[serde(default)]
    pub next_access_key_id: Option<String>,
    /// GetHealthStatus signed with the next credential: the rotation rehearsal.
    #[serde(default = "not_gathered")]
    pub next_signed_health: Probed<ProxyExchange>,
}

impl ProxyFacts {
    /// Every single call made to the proxy (the kept-alive series aside), the key calls included.
    pub fn calls(&self) -> Vec<&Probed<ProxyExchange>> {
        let mut calls = vec![&self.signed_health, &self.unsigned_health, &self.wrongly_signed_health, &self.wrong_path];
        calls.push(&self.get);
        calls.extend(self.refused_signatures.iter().map(|probe| &probe.exchange));
        calls.extend([&self.unknown_operation_health, &self.health_without_metadata, &self.health_with_empty_metadata]);
        calls.push(&self.next_signed_health);
        calls.extend(self.absent_key.iter().flat_map(|absent| [&absent.metadata, &absent.encrypt]));
        calls.extend(self.keys.iter().flat_map(ExternalKeyFacts::calls));
        calls
    }
}

/// The length of the ARNs in the fullest requestMetadata the tool sends: the longest the specification
/// requires a proxy to accept.
pub const LONG_ARN_CHARS: usize = 2048;
/// The kmsOperation of the calls that name an operation no proxy can know: KMS adds operations, and the
/// specification requires they be served. The hyphen keeps it from ever being a real one (AWS names its
/// operations in letters and digits alone), so no proxy can take it for an operation that changes something.
pub const UNKNOWN_OPERATION: &str = "XksPreflight-NoSuchOperation";

/// What a field of a facts file written before the field existed reads as.
pub fn not_gathered<T>() -> Probed<T> {
    Probed::NotGathered(Why::OlderFacts)
}

/// How a signed call was made wrong on purpose.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SignatureFault {
    /// Signed with the store's secret under an access key ID the proxy never issued.
    UnknownAccessKeyId,
    /// Signed for another Region than the store's.
    OtherRegion,
    /// Signed for another service than kms-xks-proxy.
    OtherService,
    /// Signed with a time ten minutes ago, outside SigV4's five-minute window.
    TenMinutesOld,
}

impl SignatureFault {
    pub fn label(self) -> &'static str {
        match self {
            SignatureFault::UnknownAccessKeyId => "a call signed under an unknown access key ID",
            SignatureFault::OtherRegion => "a call signed for another Region",
            SignatureFault::OtherService => "a call signed for another service",
            SignatureFault::TenMinutesOld => "a call signed ten minutes ago",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SignatureProbe {
    pub fault: SignatureFault,
    pub exchange: Probed<ProxyExchange>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AbsentKeyFacts {
    /// An ID no external key manager holds.
    pub xks_key_id: String,
    pub metadata: Probed<ProxyExchange>,
    pub encrypt: Probed<ProxyExchange>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProxyExchange {
    /// `POST /…/health`.
    pub request: String,
    pub signed: bool,
    pub http_version: HttpVersion,
    /// The fresh ID sent in requestMetadata, to find the request in the proxy's logs.
    pub kms_request_id: String,
    pub status: u16,
    pub content_type: Option<String>,
    /// The proxy's `Date` header.
    pub date: Option<String>,
    /// When the answer arrived, by the local clock (RFC 3339).
    pub received_at: String,
    /// The answer body as UTF-8: all of it, or what came before the problem `body_problem` names.
    pub body: String,
    /// Why the body is not all there: larger than the tool reads, or not UTF-8.
    #[serde(default)]
    pub body_problem: Option<BodyProblem>,
    pub duration_ms: f64,
    /// Whether the call opened a connection of its own, or went over one an earlier call had used.
    #[serde(default)]
    pub new_connection: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KeptAliveFacts {
    /// Durations of the calls that were answered 200.
    pub durations_ms: Vec<f64>,
    /// Calls that failed or were answered otherwise.
    pub failures: Vec<String>,
    /// How often the connection had to be opened again.
    pub reconnects: usize,
    /// How many of the failures got no answer in time, or were not sent after a call that did not.
    #[serde(default)]
    pub timed_out: usize,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum BodyProblem {
    /// The body went on past `limit_bytes`; the rest was not read.
    TooLarge { limit_bytes: usize },
    /// The byte at `offset` does not continue valid UTF-8.
    NotUtf8 { offset: usize },
}
