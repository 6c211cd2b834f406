//! Calls to the XKS proxy API as KMS makes them: JSON over HTTP/1.1 on a kept-alive TLS connection,
//! signed with SigV4 (service `kms-xks-proxy`, the store's Region, signed headers `host;x-amz-date`),
//! and the calls a proxy must refuse. Every call is bounded by the probe timeout.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use rustls::version::{TLS12, TLS13};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::input::Secret;
use super::tls;
use crate::facts::{KeptAliveFacts, ProbeFailure, Probed, ProxyExchange, ProxyFacts};

pub const SERVICE: &str = "kms-xks-proxy";
/// How many signed calls measure the kept-alive latency.
const KEPT_ALIVE_CALLS: usize = 10;
const BODY_LIMIT: usize = 4096;

/// What the calls need to be made as KMS makes them.
#[derive(Debug, Clone)]
pub struct ProxyInputs {
    pub region: String,
    pub kms_operation: &'static str,
    pub access_key_id: Option<String>,
    pub secret: Option<Secret>,
}

/// A kept-alive HTTP/1.1 connection over TLS with KMS's suites, opened again if the proxy closes it.
struct Session<'a> {
    address: SocketAddr,
    host: &'a str,
    timeout: Duration,
    sender: Option<SendRequest<Full<Bytes>>>,
    reconnects: usize,
}

impl Session<'_> {
    async fn adopt(&mut self, stream: TlsStream<TcpStream>) -> Result<(), String> {
        let (sender, connection) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        self.sender = Some(sender);
        Ok(())
    }

    async fn open(&mut self) -> Result<(), String> {
        for version in [&TLS13, &TLS12] {
            if let (_, Some(stream)) = tls::handshake(self.address, self.host, version, true, self.timeout).await {
                return self.adopt(stream).await;
            }
        }
        Err("no TLS handshake with KMS's cipher suites succeeded".into())
    }

    async fn send(&mut self, request: http::Request<Full<Bytes>>) -> Result<http::Response<Bytes>, String> {
        if self.sender.as_ref().is_none_or(|sender| sender.is_closed()) {
            if self.sender.is_some() {
                self.reconnects += 1;
            }
            self.open().await?;
        }
        let sender = self.sender.as_mut().expect("opened above");
        let exchange = async {
            sender.ready().await.map_err(|e| e.to_string())?;
            let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
            Ok(http::Response::from_parts(parts, body))
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => {
                self.sender = None;
                Err(format!("no answer within {} ms", self.timeout.as_millis()))
            }
        }
    }
}

/// Signs a request the way KMS does; only `host` and `x-amz-date` are signed.
pub fn sign_request(
    request: &mut http::Request<Full<Bytes>>,
    body: &[u8],
    host: &str,
    access_key_id: &str,
    secret: &str,
    region: &str,
    time: SystemTime,
) -> Result<(), String> {
    let identity: Identity = Credentials::new(access_key_id, secret, None, None, "xks-preflight").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SERVICE)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let uri = format!("https://{host}{}", request.uri());
    let signable = SignableRequest::new(
        request.method().as_str(),
        uri,
        std::iter::once(("host", host)),
        SignableBody::Bytes(body),
    )
    .map_err(|e| e.to_string())?;
    let (instructions, _) = sign(signable, &params).map_err(|e| e.to_string())?.into_parts();
    instructions.apply_to_request_http1x(request);
    Ok(())
}

enum Signature<'a> {
    None,
    With(&'a str, &'a str),
}

struct Call<'a> {
    method: &'static str,
    uri: String,
    signature: Signature<'a>,
}

async fn call(session: &mut Session<'_>, inputs: &ProxyInputs, call: Call<'_>) -> Probed<ProxyExchange> {
    let kms_request_id = uuid::Uuid::new_v4().to_string();
    let body = if call.method == "POST" {
        serde_json::json!({"requestMetadata": {"kmsRequestId": kms_request_id, "kmsOperation": inputs.kms_operation}})
            .to_string()
    } else {
        String::new()
    };
    let label = format!("{} {}", call.method, call.uri);
    let failure = |message: String, timed_out: bool| ProbeFailure { step: label.clone(), timed_out, message };
    let mut request = match http::Request::builder()
        .method(call.method)
        .uri(&call.uri)
        .header(http::header::HOST, session.host)
        .body(Full::new(Bytes::from(body.clone())))
    {
        Ok(request) => request,
        Err(error) => return Probed::Failed(failure(error.to_string(), false)),
    };
    let signed = matches!(call.signature, Signature::With(..));
    if let Signature::With(access_key_id, secret) = call.signature {
        if let Err(error) = sign_request(
            &mut request,
            body.as_bytes(),
            session.host,
            access_key_id,
            secret,
            &inputs.region,
            SystemTime::now(),
        ) {
            return Probed::Failed(failure(format!("could not sign: {error}"), false));
        }
    }
    // Added after signing: KMS signs only host and x-amz-date.
    request.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    let started = Instant::now();
    match session.send(request).await {
        Ok(response) => {
            let header = |name: http::header::HeaderName| {
                response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
            };
            let body = response.body();
            let cut = &body[..body.len().min(BODY_LIMIT)];
            Probed::Seen(ProxyExchange {
                request: label,
                signed,
                http_version: format!("{:?}", response.version()),
                kms_request_id,
                status: response.status().as_u16(),
                content_type: header(http::header::CONTENT_TYPE),
                date: header(http::header::DATE),
                received_at: super::now_rfc3339(),
                body: String::from_utf8_lossy(cut).into_owned(),
                duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            })
        }
        Err(message) => {
            let timed_out = message.starts_with("no answer within");
            Probed::Failed(failure(message, timed_out))
        }
    }
}

/// Every proxy call, in order, on one kept-alive connection: `stream` when the TLS probe handed one over.
pub async fn probe(
    stream: Option<TlsStream<TcpStream>>,
    address: SocketAddr,
    host: &str,
    uri_path: &str,
    inputs: &ProxyInputs,
    timeout: Duration,
) -> ProxyFacts {
    let mut session = Session { address, host, timeout, sender: None, reconnects: 0 };
    if let Some(stream) = stream {
        // A connection that cannot carry HTTP is opened again by the first call.
        let _ = session.adopt(stream).await;
    }
    let base = uri_path.trim_end_matches('/');
    let health = format!("{base}/health");
    let credential = match (&inputs.access_key_id, &inputs.secret) {
        (Some(id), Some(secret)) => Some((id.as_str(), secret.expose())),
        _ => None,
    };

    let unsigned_health =
        call(&mut session, inputs, Call { method: "POST", uri: health.clone(), signature: Signature::None }).await;
    let signed_health = match credential {
        Some((id, secret)) => {
            call(
                &mut session,
                inputs,
                Call { method: "POST", uri: health.clone(), signature: Signature::With(id, secret) },
            )
            .await
        }
        None => no_secret(inputs),
    };
    // A secret of the allowed shape that no proxy issued: the signature must not verify.
    let wrong_secret = "xksPreflightWrongSecretxksPreflightWrongSecret0";
    let wrongly_signed_health = match &inputs.access_key_id {
        Some(id) => {
            call(
                &mut session,
                inputs,
                Call { method: "POST", uri: health.clone(), signature: Signature::With(id, wrong_secret) },
            )
            .await
        }
        None => no_secret(inputs),
    };
    let wrong_path = match credential {
        Some((id, secret)) => {
            let uri = format!("/xks-preflight-no-such-prefix{health}");
            call(&mut session, inputs, Call { method: "POST", uri, signature: Signature::With(id, secret) }).await
        }
        None => no_secret(inputs),
    };
    let get_signature = match credential {
        Some((id, secret)) => Signature::With(id, secret),
        None => Signature::None,
    };
    let get = call(&mut session, inputs, Call { method: "GET", uri: health.clone(), signature: get_signature }).await;
    let kept_alive = match (&signed_health, credential) {
        (Probed::Seen(first), Some((id, secret))) if first.status == 200 => {
            let mut facts = KeptAliveFacts { durations_ms: Vec::new(), failures: Vec::new(), reconnects: 0 };
            for _ in 0..KEPT_ALIVE_CALLS {
                let call = Call { method: "POST", uri: health.clone(), signature: Signature::With(id, secret) };
                match call_on(&mut session, inputs, call).await {
                    Ok(ms) => facts.durations_ms.push(ms),
                    Err(why) => facts.failures.push(why),
                }
            }
            facts.reconnects = session.reconnects;
            Probed::Seen(facts)
        }
        (_, None) => no_secret(inputs),
        _ => Probed::NotGathered("the signed GetHealthStatus did not answer 200 (see proxy.health)".into()),
    };
    ProxyFacts {
        uri_path: base.to_string(),
        kms_operation: inputs.kms_operation.to_string(),
        access_key_id: inputs.access_key_id.clone(),
        signed_health,
        unsigned_health,
        wrongly_signed_health,
        wrong_path,
        get,
        kept_alive,
    }
}

/// Why the signed calls were not made.
fn no_secret<T>(inputs: &ProxyInputs) -> Probed<T> {
    Probed::NotGathered(match inputs.access_key_id {
        None => "no access key ID to sign with".to_string(),
        Some(_) => "no secret access key supplied (XKS_PROXY_SECRET_ACCESS_KEY, --secret-access-key-file, \
                    --secret-access-key-stdin or the proxy configuration file)"
            .to_string(),
    })
}

/// One kept-alive call: its duration when answered 200, else why not.
async fn call_on(session: &mut Session<'_>, inputs: &ProxyInputs, request: Call<'_>) -> Result<f64, String> {
    match call(session, inputs, request).await {
        Probed::Seen(exchange) if exchange.status == 200 => Ok(exchange.duration_ms),
        Probed::Seen(exchange) => Err(format!("answered {}", exchange.status)),
        Probed::Failed(failure) => Err(failure.message),
        Probed::NotGathered(why) => Err(why),
    }
}
