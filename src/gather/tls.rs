//! TCP connections, round trips and TLS handshakes with rustls, each within the connection budget.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::ResolvesClientCert;
use rustls::crypto::{aws_lc_rs, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme, SupportedProtocolVersion};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use super::budget::{Budget, Permit};
use crate::facts::{
    CipherSuite, ProbeFailure, Probed, RttFacts, TcpFacts, TlsAlert, TlsAttemptFacts, TlsHandshakeFacts, TlsVersion,
};

/// A certificate as the facts keep it.
pub fn base64_der(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn probe_failure(step: &str, timed_out: bool, message: impl Into<String>) -> ProbeFailure {
    ProbeFailure { step: step.to_string(), timed_out, message: message.into() }
}

/// A TCP connection within the budget, and how long its handshake took (not counting the wait for leave).
async fn connect(
    budget: &Budget,
    address: SocketAddr,
    timeout: Duration,
) -> Result<(TcpStream, Permit, f64), ProbeFailure> {
    connect_with(budget.connection(address).await, address, timeout).await
}

/// A TCP connection under leave already granted.
async fn connect_with(
    permit: Permit,
    address: SocketAddr,
    timeout: Duration,
) -> Result<(TcpStream, Permit, f64), ProbeFailure> {
    let step = format!("TCP connect to {address}");
    let started = Instant::now();
    match tokio::time::timeout(timeout, TcpStream::connect(address)).await {
        Ok(Ok(stream)) => {
            let connect_ms = ms(started);
            // As KMS's and any HTTP client's sockets: a small request never waits for the ACK of the
            // handshake's last flight (Nagle's algorithm), which would add a round trip to the first call.
            stream.set_nodelay(true).map_err(|error| probe_failure(&step, false, error.to_string()))?;
            Ok((stream, permit, connect_ms))
        }
        Ok(Err(error)) => Err(probe_failure(&step, false, error.to_string())),
        Err(_) => Err(probe_failure(&step, true, format!("no answer within {} ms", timeout.as_millis()))),
    }
}

pub async fn tcp(budget: &Budget, address: SocketAddr, timeout: Duration) -> Probed<TcpFacts> {
    match connect(budget, address, timeout).await {
        Ok((_, _, connect_ms)) => Probed::Seen(TcpFacts { address: address.to_string(), connect_ms }),
        Err(failure) => Probed::Failed(failure),
    }
}

/// The shortest pause between round-trip samples: one sample's close is sent before the next one's SYN.
pub const RTT_MIN_SPACING_MS: u64 = 1;
/// The longest pause: what every link got before the pause followed the round trip, and what the
/// slow-link tests proved accurate.
pub const RTT_MAX_SPACING_MS: u64 = 10;

/// The pause before the next sample, after samples whose fastest took `fastest_ms` (none when none
/// connected): two of that round trip, so that the close of one connection is over before the next
/// handshake starts and no sample waits behind another, within the floor and the ceiling above. The
/// fastest sample, not the last, since a loaded machine only ever adds to a sample: the pause follows the
/// link, not this host's scheduler. A fixed pause sized for distant links made the samples the slowest
/// probe of a near proxy.
pub fn rtt_spacing_ms(fastest_ms: Option<f64>) -> u64 {
    match fastest_ms {
        Some(ms) if ms.is_finite() => ((2.0 * ms).ceil() as u64).clamp(RTT_MIN_SPACING_MS, RTT_MAX_SPACING_MS),
        _ => RTT_MAX_SPACING_MS,
    }
}

/// `samples` TCP handshakes one after another, each after a pause that follows the round trips measured
/// so far (`rtt_spacing_ms`): never two at once, so that each measures the path and not a queue the tool
/// made itself. The facts keep the longest pause used.
pub async fn rtt(budget: &Budget, address: SocketAddr, samples: usize, timeout: Duration) -> Probed<RttFacts> {
    let mut facts =
        RttFacts { address: address.to_string(), samples_ms: Vec::new(), failures: Vec::new(), spacing_ms: None };
    for sample in 0..samples {
        if sample > 0 {
            let fastest = facts.samples_ms.iter().copied().reduce(f64::min);
            let pause = rtt_spacing_ms(fastest);
            facts.spacing_ms = facts.spacing_ms.max(Some(pause));
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
        match connect(budget, address, timeout).await {
            Ok((_, _, ms)) => facts.samples_ms.push(ms),
            Err(failure) => facts.failures.push(failure.message),
        }
    }
    Probed::Seen(facts)
}

/// The four suites KMS offers, two per protocol version.
fn kms_suites() -> Vec<rustls::SupportedCipherSuite> {
    use aws_lc_rs::cipher_suite::*;
    vec![
        TLS13_AES_256_GCM_SHA384,
        TLS13_CHACHA20_POLY1305_SHA256,
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ]
}

/// Accepts any certificate so that the chain can be judged on its own, and records nothing itself:
/// the chain is read from the connection. Handshake signatures are still verified.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn version_name(version: &'static SupportedProtocolVersion) -> TlsVersion {
    if version.version == rustls::ProtocolVersion::TLSv1_3 {
        TlsVersion::Tls13
    } else {
        TlsVersion::Tls12
    }
}

/// A TLS connection and its leave in the budget, dropped together.
pub type Connection = (TlsStream<TcpStream>, Permit);

/// The client certificate and key to present when a server asks for one (`--client-cert`), if any.
pub type Client = Option<Arc<CertifiedKey>>;

/// One handshake limited to `version` and, when `kms_suites_only`, to KMS's suites. On success the
/// connection is handed back so that requests can follow on it. `client` is presented only if the server
/// asks for a certificate.
pub async fn handshake(
    budget: &Budget,
    address: SocketAddr,
    host: &str,
    limits: (&'static SupportedProtocolVersion, bool),
    client: &Client,
    timeout: Duration,
) -> (TlsAttemptFacts, Option<Connection>) {
    handshake_with(budget.connection(address).await, address, host, limits, client, timeout).await
}

/// `handshake`, under leave already granted.
pub async fn handshake_with(
    permit: Permit,
    address: SocketAddr,
    host: &str,
    (version, kms_suites_only): (&'static SupportedProtocolVersion, bool),
    client: &Client,
    timeout: Duration,
) -> (TlsAttemptFacts, Option<Connection>) {
    let name = version_name(version);
    let step = format!("{} handshake with {address}", name.label());
    let asked = Arc::new(ClientCertificate { identity: client.clone(), ..ClientCertificate::default() });
    let ended = attempt(permit, address, host, &step, (version, kms_suites_only), asked.clone(), timeout).await;
    let (outcome, server_alert, connection) = match ended {
        Ok((facts, connection)) => (Probed::Seen(facts), None, Some(connection)),
        Err((failure, alert)) => (Probed::Failed(failure), alert, None),
    };
    let requested = asked.requested.load(Ordering::Relaxed);
    let attempt = TlsAttemptFacts {
        version: name,
        kms_suites_only,
        server_alert,
        client_certificate_requested: Some(requested),
        client_certificate_sent: requested && client.is_some(),
        outcome,
    };
    (attempt, connection)
}

/// One handshake of `version`, with every suite or with KMS's only; a failure comes with the alert the
/// server ended it with, if any.
async fn attempt(
    permit: Permit,
    address: SocketAddr,
    host: &str,
    step: &str,
    (version, kms_suites_only): (&'static SupportedProtocolVersion, bool),
    asked: Arc<ClientCertificate>,
    timeout: Duration,
) -> Result<(TlsHandshakeFacts, Connection), (ProbeFailure, Option<TlsAlert>)> {
    let failed = |message: String| (probe_failure(step, false, message), None);
    let mut provider = aws_lc_rs::default_provider();
    if kms_suites_only {
        provider.cipher_suites = kms_suites();
    }
    let provider = Arc::new(provider);
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[version])
        .map_err(|error| failed(error.to_string()))?;
    let mut config = config
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
        .with_client_cert_resolver(asked.clone());
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let server_name = ServerName::try_from(host.to_string())
        .map_err(|error| failed(format!("{host} is not a server name: {error}")))?;
    let (tcp, permit, tcp_ms) = connect_with(permit, address, timeout).await.map_err(|failure| (failure, None))?;
    let started = Instant::now();
    let connecting = TlsConnector::from(Arc::new(config)).connect(server_name, tcp);
    match tokio::time::timeout(timeout, connecting).await {
        Ok(Ok(mut stream)) => {
            let handshake_ms = ms(started);
            if asked.requested.load(Ordering::Relaxed) && version == &rustls::version::TLS13 {
                refused_after_finished(&mut stream, tcp_ms, timeout)
                    .await
                    .map_err(|error| (probe_failure(step, false, error.to_string()), server_alert(&error)))?;
            }
            let (_, connection) = stream.get_ref();
            let facts = TlsHandshakeFacts {
                cipher_suite: CipherSuite(
                    connection.negotiated_cipher_suite().expect("a completed handshake has a suite").suite().into(),
                ),
                alpn: connection.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned()),
                chain: connection.peer_certificates().unwrap_or_default().iter().map(|c| base64_der(c)).collect(),
                tcp_ms,
                handshake_ms,
            };
            Ok((facts, (stream, permit)))
        }
        Ok(Err(error)) => Err((probe_failure(step, false, error.to_string()), server_alert(&error))),
        Err(_) => Err((probe_failure(step, true, format!("no handshake within {} ms", timeout.as_millis())), None)),
    }
}

/// A TLS 1.3 client finishes its handshake before the server has judged its certificate, so a server
/// that requires one it did not get says so only afterwards, with an alert. After a CertificateRequest
/// the probe waits a few round trips for that alert: the server speaks first only to refuse, since an
/// HTTP server waits for the request.
async fn refused_after_finished(
    stream: &mut TlsStream<TcpStream>,
    tcp_ms: f64,
    timeout: Duration,
) -> Result<(), std::io::Error> {
    let round_trips = Duration::from_millis((3.0 * tcp_ms).ceil() as u64 + 50).min(timeout);
    match tokio::time::timeout(round_trips, stream.read(&mut [0u8; 1])).await {
        Ok(Err(error)) => Err(error),
        Ok(Ok(0)) => Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the connection after the handshake",
        )),
        // Nothing came (the server waits for a request), or it spoke first: either way it went on.
        Ok(Ok(_)) | Err(_) => Ok(()),
    }
}

/// Offers the client certificate given (`--client-cert`), or none, as KMS offers none unless the store was
/// set up for mutual TLS, and notes whether the server asked for one: rustls asks its resolver only on a
/// CertificateRequest.
#[derive(Debug, Default)]
struct ClientCertificate {
    identity: Client,
    requested: AtomicBool,
}

impl ResolvesClientCert for ClientCertificate {
    fn resolve(&self, _issuers: &[&[u8]], _schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        self.requested.store(true, Ordering::Relaxed);
        self.identity.clone()
    }

    /// True so that rustls keeps what it needs to answer a request, and so asks the resolver.
    fn has_certs(&self) -> bool {
        true
    }
}

/// The alert the server sent, when the handshake ended with one.
fn server_alert(error: &std::io::Error) -> Option<TlsAlert> {
    let inner = error.get_ref()?.downcast_ref::<rustls::Error>()?;
    match inner {
        rustls::Error::AlertReceived(alert) => Some(TlsAlert(u8::from(*alert))),
        _ => None,
    }
}
