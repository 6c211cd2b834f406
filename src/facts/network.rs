use serde::{Deserialize, Serialize};

use super::{CipherSuite, Probed, ProxyFacts, TlsAlert, TlsVersion};

/// What the network showed of a proxy endpoint, from the host the tool ran on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NetworkFacts {
    pub host: String,
    pub port: u16,
    /// `--connect-to`: where the connections went instead, keeping the endpoint's name for SNI and Host.
    pub connect_to: Option<String>,
    /// The host the measurements were made from.
    pub measured_from: String,
    /// `system`, or the `--dns-server` address.
    pub resolver: String,
    pub ipv4: Probed<DnsAnswer>,
    pub ipv6: Probed<DnsAnswer>,
    /// For a VPC store: each parent domain of the private DNS name and its name servers.
    pub parent_domains: Option<Vec<ParentDomainFacts>>,
    /// For a VPC store whose verification record is known: the TXT lookups that would verify it.
    pub verification_txt: Option<VerificationTxtFacts>,
    pub tcp: Probed<TcpFacts>,
    pub rtt: Probed<RttFacts>,
    pub tls: Vec<TlsAttemptFacts>,
    /// The proxy API, called over the first connection that completed a handshake with KMS's suites.
    pub proxy: Probed<ProxyFacts>,
    /// Certificates of `--ca-file`, base64 DER: private roots that help follow a chain, never trusted by KMS.
    pub extra_roots: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DnsAnswer {
    /// Empty when the name exists with no such record, or does not exist.
    pub addresses: Vec<String>,
    pub name_exists: bool,
    pub duration_ms: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ParentDomainFacts {
    pub domain: String,
    pub name_servers: Probed<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VerificationTxtFacts {
    pub expected_value: String,
    pub lookups: Vec<TxtLookupFacts>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TxtLookupFacts {
    pub record: String,
    pub values: Probed<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TcpFacts {
    pub address: String,
    pub connect_ms: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RttFacts {
    pub address: String,
    /// TCP handshake times of the samples that connected.
    pub samples_ms: Vec<f64>,
    /// Why the other samples did not.
    pub failures: Vec<String>,
    /// The longest pause between one sample's close and the next one's start (two of the fastest round
    /// trip so far, within 1 and 10 ms; a fixed 10 ms in facts written before): samples never overlap.
    #[serde(default)]
    pub spacing_ms: Option<u64>,
}

/// One TLS handshake, limited to one protocol version and to KMS's cipher suites or to every suite
/// the tool knows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TlsAttemptFacts {
    pub version: TlsVersion,
    pub kms_suites_only: bool,
    /// The TLS alert the server ended a failed handshake with, e.g. `protocol_version`.
    pub server_alert: Option<TlsAlert>,
    /// Whether the server asked for a client certificate (a CertificateRequest), whether or not the
    /// handshake then went on without one. `None` in facts written before it was looked at.
    #[serde(default)]
    pub client_certificate_requested: Option<bool>,
    /// Whether the handshake presented the client certificate given with `--client-cert` (only ever to a
    /// server that asked for one).
    #[serde(default)]
    pub client_certificate_sent: bool,
    pub outcome: Probed<TlsHandshakeFacts>,
}

impl TlsAttemptFacts {
    /// Whether the server asked for a client certificate, got none, and the handshake then failed: a proxy
    /// that requires one, rather than a TLS stack that is broken.
    pub fn requires_client_certificate(&self) -> bool {
        self.client_certificate_requested == Some(true)
            && !self.client_certificate_sent
            && matches!(self.outcome, Probed::Failed(_))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TlsHandshakeFacts {
    pub cipher_suite: CipherSuite,
    pub alpn: Option<String>,
    /// The certificates the server sent, leaf first, base64 DER.
    pub chain: Vec<String>,
    pub tcp_ms: f64,
    pub handshake_ms: f64,
}
