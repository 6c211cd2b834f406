//! Proxy stand-ins on 127.0.0.1: a rustls server with a chosen chain and TLS versions, `openssl s_server`
//! for what rustls will not speak, and endpoints that misbehave at the TCP level.

use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, SupportedProtocolVersion};

use super::loopback::Loopback;

/// Runs until dropped: a thread with its own runtime, stopped through a channel.
pub struct TlsServer {
    pub address: SocketAddr,
    /// TCP connections accepted so far.
    pub accepted: Arc<std::sync::atomic::AtomicUsize>,
    _server: Loopback,
}

/// Whether the server asks the client for a certificate, trusting `CertificateDer` as the client CA.
pub enum ClientAuth {
    Off,
    /// Sends a CertificateRequest, and goes on when the client sends no certificate.
    Asks(CertificateDer<'static>),
    /// Sends a CertificateRequest, and ends the handshake when the client sends no certificate.
    Requires(CertificateDer<'static>),
}

pub enum Speaks {
    /// Answers every request with 401 and a specification-shaped error body.
    Http11,
    /// The XKS proxy API, as the test proxy implements it.
    Xks(Arc<super::xks_proxy::XksProxy>),
    /// Completes TLS, then writes bytes that are not HTTP and closes.
    Garbage,
}

impl TlsServer {
    pub fn start(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        versions: &[&'static SupportedProtocolVersion],
        speaks: Speaks,
    ) -> TlsServer {
        TlsServer::start_on(None, chain, key, versions, ClientAuth::Off, speaks)
    }

    /// A server on both TLS versions that asks for (or requires) a client certificate.
    pub fn start_with_client_auth(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        client_auth: ClientAuth,
        speaks: Speaks,
    ) -> TlsServer {
        TlsServer::start_on(None, chain, key, &[&rustls::version::TLS13, &rustls::version::TLS12], client_auth, speaks)
    }

    /// The same server, listening on `ip` in the test's network namespace `netns`.
    pub fn start_in(
        netns: &str,
        ip: std::net::IpAddr,
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        speaks: Speaks,
    ) -> TlsServer {
        let versions = [&rustls::version::TLS13, &rustls::version::TLS12];
        TlsServer::start_on(Some((netns, ip)), chain, key, &versions, ClientAuth::Off, speaks)
    }

    fn start_on(
        place: Option<(&str, std::net::IpAddr)>,
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        versions: &[&'static SupportedProtocolVersion],
        client_auth: ClientAuth,
        speaks: Speaks,
    ) -> TlsServer {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = ServerConfig::builder_with_provider(provider.clone()).with_protocol_versions(versions).unwrap();
        let verifier = |ca: CertificateDer<'static>| {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca).unwrap();
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        };
        let builder = match client_auth {
            ClientAuth::Off => builder.with_no_client_auth(),
            ClientAuth::Asks(ca) => {
                builder.with_client_cert_verifier(verifier(ca).allow_unauthenticated().build().unwrap())
            }
            ClientAuth::Requires(ca) => builder.with_client_cert_verifier(verifier(ca).build().unwrap()),
        };
        let config = builder.with_single_cert(chain, key).unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = accepted.clone();
        let on_connection = move |tcp| {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let acceptor = acceptor.clone();
            let garbage = matches!(speaks, Speaks::Garbage);
            let proxy = match &speaks {
                Speaks::Xks(proxy) => Some(proxy.clone()),
                _ => None,
            };
            async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                if garbage {
                    use tokio::io::AsyncWriteExt;
                    let _ = tls.write_all(b"\x00\x01 this is not HTTP\r\n\r\n").await;
                    let _ = tls.shutdown().await;
                    return;
                }
                let builder = hyper::server::conn::http1::Builder::new();
                let _ = match proxy {
                    Some(proxy) => {
                        let service = hyper::service::service_fn(move |r| proxy.clone().handle(r));
                        builder.serve_connection(TokioIo::new(tls), service).await
                    }
                    None => builder.serve_connection(TokioIo::new(tls), hyper::service::service_fn(answer)).await,
                };
            }
        };
        let server = match place {
            Some((netns, ip)) => Loopback::start_in(netns, ip, on_connection),
            None => Loopback::start(on_connection),
        };
        TlsServer { address: server.address, accepted, _server: server }
    }

    pub fn connect_to(&self) -> String {
        self.address.to_string()
    }
}

async fn answer(_request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::builder()
        .status(401)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(br#"{"errorName":"AuthenticationFailedException"}"#)))
        .unwrap())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits (at most five seconds) until something accepts on `address`.
fn wait_for(address: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {address}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Debian's `openssl s_server`, for protocol versions and suites rustls will not serve.
pub struct OpensslServer {
    pub address: SocketAddr,
    child: Child,
    _files: tempfile::TempDir,
}

impl OpensslServer {
    pub fn start(cert_pem: &str, key_pem: &str, options: &[&str]) -> OpensslServer {
        let files = tempfile::tempdir().unwrap();
        let cert = files.path().join("cert.pem");
        let key = files.path().join("key.pem");
        std::fs::write(&cert, cert_pem).unwrap();
        std::fs::write(&key, key_pem).unwrap();
        let address: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let child = Command::new("openssl")
            .args(["s_server", "-accept", &address.to_string(), "-cert"])
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .args(["-www", "-quiet"])
            .args(options)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl is installed (scripts/test needs Debian's openssl)");
        wait_for(address);
        OpensslServer { address, child, _files: files }
    }
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port where nothing listens.
pub fn closed_port() -> SocketAddr {
    format!("127.0.0.1:{}", free_port()).parse().unwrap()
}
