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

use serde_json::{json, Value};

use super::input::Secret;
use super::tls;
use crate::facts::{
    probe_bytes, BodyProblem, ExternalKeyFacts, HttpVersion, KeptAliveFacts, ProbeFailure, Probed, ProxyExchange,
    ProxyFacts,
};

const SERVICE: &str = "kms-xks-proxy";
/// How many signed calls measure the kept-alive latency.
const KEPT_ALIVE_CALLS: usize = 10;
/// Enough for an Encrypt answer at the specification's largest plaintext (4300 bytes, 5736 in base64).
const BODY_LIMIT: usize = 64 * 1024;

/// What the calls need to be made as KMS makes them.
#[derive(Debug, Clone)]
pub struct ProxyInputs {
    pub region: String,
    pub kms_operation: &'static str,
    pub access_key_id: Option<String>,
    pub secret: Option<Secret>,
    /// External key IDs to call the key APIs with, and the ARN of the KMS key that uses each, if known.
    pub keys: Vec<(String, Option<String>)>,
}

/// A kept-alive HTTP/1.1 connection over TLS with KMS's suites, opened again if the proxy closes it.
struct Session<'a> {
    address: SocketAddr,
    host: &'a str,
    region: &'a str,
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

    /// Sends one request and reads its answer, the body at most `BODY_LIMIT` bytes of it.
    async fn send(&mut self, request: http::Request<Full<Bytes>>) -> Result<Answer, String> {
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
            let (parts, mut body) = response.into_parts();
            let mut bytes = Vec::new();
            // Bounded by the limit: a body that goes on is not read further (and its connection is dropped).
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| e.to_string())?;
                let Ok(data) = frame.into_data() else { continue };
                bytes.extend_from_slice(&data);
                if bytes.len() > BODY_LIMIT {
                    bytes.truncate(BODY_LIMIT);
                    return Ok(Answer { parts, bytes, too_large: true });
                }
            }
            Ok(Answer { parts, bytes, too_large: false })
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(Ok(answer)) if answer.too_large => {
                self.sender = None;
                Ok(answer)
            }
            Ok(result) => result,
            Err(_) => {
                self.sender = None;
                Err(format!("no answer within {} ms", self.timeout.as_millis()))
            }
        }
    }
}

/// An answer as read: its head, and its body up to the limit.
struct Answer {
    parts: http::response::Parts,
    bytes: Vec<u8>,
    too_large: bool,
}

impl Answer {
    /// The body as text, strictly: up to the first byte that is not UTF-8, and what stopped it.
    fn body(&self) -> (String, Option<BodyProblem>) {
        let (text, not_utf8) = match std::str::from_utf8(&self.bytes) {
            Ok(text) => (text, None),
            Err(error) => {
                let offset = error.valid_up_to();
                // A multi-byte character cut by the read limit is the limit's doing, not the proxy's.
                let cut_by_limit = self.too_large && error.error_len().is_none();
                let valid = std::str::from_utf8(&self.bytes[..offset]).expect("valid up to here");
                (valid, (!cut_by_limit).then_some(BodyProblem::NotUtf8 { offset }))
            }
        };
        let problem = if self.too_large { Some(BodyProblem::TooLarge { limit_bytes: BODY_LIMIT }) } else { not_utf8 };
        (text.to_string(), problem)
    }
}

fn http_version(version: http::Version) -> HttpVersion {
    match version {
        http::Version::HTTP_09 => HttpVersion::Http09,
        http::Version::HTTP_10 => HttpVersion::Http10,
        http::Version::HTTP_2 => HttpVersion::Http2,
        http::Version::HTTP_3 => HttpVersion::Http3,
        _ => HttpVersion::Http11,
    }
}

/// Signs a request the way KMS does, now; only `host` and `x-amz-date` are signed.
fn sign_request(
    request: &mut http::Request<Full<Bytes>>,
    body: &[u8],
    host: &str,
    access_key_id: &str,
    secret: &str,
    region: &str,
) -> Result<(), String> {
    let identity: Identity = Credentials::new(access_key_id, secret, None, None, "xks-preflight").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SERVICE)
        .time(SystemTime::now())
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
    /// The `kmsOperation` of a POST, with the request's other fields and its extra requestMetadata.
    post: Option<(&'a str, Value, Value)>,
}

impl<'a> Call<'a> {
    fn health(uri: String, signature: Signature<'a>, kms_operation: &'a str) -> Self {
        Call { method: "POST", uri, signature, post: Some((kms_operation, json!({}), json!({}))) }
    }
}

async fn call(session: &mut Session<'_>, call: Call<'_>) -> Probed<ProxyExchange> {
    let kms_request_id = uuid::Uuid::new_v4().to_string();
    let body = match call.post {
        Some((kms_operation, Value::Object(mut fields), Value::Object(mut metadata))) => {
            metadata.insert("kmsRequestId".into(), json!(kms_request_id));
            metadata.insert("kmsOperation".into(), json!(kms_operation));
            fields.insert("requestMetadata".into(), Value::Object(metadata));
            Value::Object(fields).to_string()
        }
        _ => String::new(),
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
        if let Err(error) =
            sign_request(&mut request, body.as_bytes(), session.host, access_key_id, secret, session.region)
        {
            return Probed::Failed(failure(format!("could not sign: {error}"), false));
        }
    }
    // Added after signing: KMS signs only host and x-amz-date.
    request.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    let started = Instant::now();
    match session.send(request).await {
        Ok(answer) => {
            let header = |name: http::header::HeaderName| {
                answer.parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
            };
            let (body, body_problem) = answer.body();
            Probed::Seen(ProxyExchange {
                request: label,
                signed,
                http_version: http_version(answer.parts.version),
                kms_request_id,
                status: answer.parts.status.as_u16(),
                content_type: header(http::header::CONTENT_TYPE),
                date: header(http::header::DATE),
                received_at: super::now_rfc3339(),
                body,
                body_problem,
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
    let mut session = Session { address, host, region: &inputs.region, timeout, sender: None, reconnects: 0 };
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

    let operation = inputs.kms_operation;
    let unsigned_health = call(&mut session, Call::health(health.clone(), Signature::None, operation)).await;
    let signed_health = match credential {
        Some((id, secret)) => {
            call(&mut session, Call::health(health.clone(), Signature::With(id, secret), operation)).await
        }
        None => no_secret(inputs),
    };
    // A secret of the allowed shape that no proxy issued: the signature must not verify.
    let wrong_secret = "xksPreflightWrongSecretxksPreflightWrongSecret0";
    let wrongly_signed_health = match &inputs.access_key_id {
        Some(id) => {
            call(&mut session, Call::health(health.clone(), Signature::With(id, wrong_secret), operation)).await
        }
        None => no_secret(inputs),
    };
    let wrong_path = match credential {
        Some((id, secret)) => {
            let uri = format!("/xks-preflight-no-such-prefix{health}");
            call(&mut session, Call::health(uri, Signature::With(id, secret), operation)).await
        }
        None => no_secret(inputs),
    };
    let get_signature = match credential {
        Some((id, secret)) => Signature::With(id, secret),
        None => Signature::None,
    };
    let get =
        call(&mut session, Call { method: "GET", uri: health.clone(), signature: get_signature, post: None }).await;
    let kept_alive = match (&signed_health, credential) {
        (Probed::Seen(first), Some((id, secret))) if first.status == 200 => {
            let mut facts = KeptAliveFacts { durations_ms: Vec::new(), failures: Vec::new(), reconnects: 0 };
            for _ in 0..KEPT_ALIVE_CALLS {
                let call = Call::health(health.clone(), Signature::With(id, secret), operation);
                match call_on(&mut session, call).await {
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
    let mut keys = Vec::new();
    for (xks_key_id, kms_key_arn) in &inputs.keys {
        let arn = kms_key_arn
            .clone()
            .unwrap_or_else(|| format!("arn:aws:kms:{}:000000000000:key/xks-preflight-probe", inputs.region));
        keys.push(match credential {
            Some(credential) => external_key(&mut session, base, xks_key_id, &arn, credential).await,
            None => ExternalKeyFacts {
                xks_key_id: xks_key_id.clone(),
                kms_key_arn: arn,
                plaintext_bytes: PLAINTEXT_BYTES,
                aad_bytes: AAD_BYTES,
                metadata: no_secret(inputs),
                encrypt: no_secret(inputs),
                decrypt: no_secret(inputs),
                decrypt_flipped: no_secret(inputs),
                decrypt_other_aad: no_secret(inputs),
            },
        });
    }
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
        keys,
    }
}

/// The specification's largest sizes: what a proxy must handle.
const PLAINTEXT_BYTES: usize = 4300;
const AAD_BYTES: usize = 8192;
/// Who KMS says is calling; the tool is nobody's principal.
const PRINCIPAL: &str = "AWS Internal";

/// GetKeyMetadata, then Encrypt and Decrypt with AAD and a ciphertext data integrity value, then the two
/// decryptions that must be refused.
async fn external_key(
    session: &mut Session<'_>,
    base: &str,
    xks_key_id: &str,
    kms_key_arn: &str,
    (id, secret): (&str, &str),
) -> ExternalKeyFacts {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    let signed = || Signature::With(id, secret);
    let uri = |operation: &str| format!("{base}/keys/{xks_key_id}/{operation}");
    let plaintext = probe_bytes(PLAINTEXT_BYTES, 1);
    let aad = STANDARD.encode(probe_bytes(AAD_BYTES, 2));
    let metadata = call(
        session,
        Call {
            method: "POST",
            uri: uri("metadata"),
            signature: signed(),
            post: Some(("CreateKey", json!({}), json!({"awsPrincipalArn": PRINCIPAL}))),
        },
    )
    .await;
    // call() adds kmsOperation and kmsRequestId.
    let crypto_metadata = || json!({"awsPrincipalArn": PRINCIPAL, "kmsKeyArn": kms_key_arn});
    let encrypt = call(
        session,
        Call {
            method: "POST",
            uri: uri("encrypt"),
            signature: signed(),
            post: Some((
                "Encrypt",
                json!({"plaintext": STANDARD.encode(&plaintext), "encryptionAlgorithm": "AES_GCM",
                   "additionalAuthenticatedData": aad, "ciphertextDataIntegrityValueAlgorithm": "SHA_256"}),
                crypto_metadata(),
            )),
        },
    )
    .await;
    let encrypted: Option<Value> =
        encrypt.seen().filter(|e| e.status == 200).and_then(|e| serde_json::from_str(&e.body).ok());
    let not_encrypted = || Probed::NotGathered("Encrypt did not answer 200 (see key.round_trip)".to_string());
    let (decrypt, decrypt_flipped, decrypt_other_aad) = match encrypted {
        Some(answer) => {
            let field = |name: &str| answer.get(name).cloned().unwrap_or(Value::Null);
            let decrypt_call = |ciphertext: Value, aad: &str| {
                let mut fields = json!({"ciphertext": ciphertext, "encryptionAlgorithm": "AES_GCM",
                    "additionalAuthenticatedData": aad, "initializationVector": field("initializationVector"),
                    "authenticationTag": field("authenticationTag")});
                if let Some(metadata) = answer.get("ciphertextMetadata") {
                    fields["ciphertextMetadata"] = metadata.clone();
                }
                Call {
                    method: "POST",
                    uri: uri("decrypt"),
                    signature: signed(),
                    post: Some(("Decrypt", fields, crypto_metadata())),
                }
            };
            let ciphertext = field("ciphertext");
            let flipped = ciphertext
                .as_str()
                .and_then(|c| STANDARD.decode(c).ok())
                .filter(|bytes| !bytes.is_empty())
                .map(|mut bytes| {
                    bytes[0] ^= 0x01;
                    json!(STANDARD.encode(bytes))
                })
                .unwrap_or(Value::Null);
            let other_aad = STANDARD.encode(probe_bytes(AAD_BYTES, 3));
            (
                call(session, decrypt_call(ciphertext, &aad)).await,
                call(session, decrypt_call(flipped, &aad)).await,
                call(session, decrypt_call(field("ciphertext"), &other_aad)).await,
            )
        }
        None => (not_encrypted(), not_encrypted(), not_encrypted()),
    };
    ExternalKeyFacts {
        xks_key_id: xks_key_id.to_string(),
        kms_key_arn: kms_key_arn.to_string(),
        plaintext_bytes: PLAINTEXT_BYTES,
        aad_bytes: AAD_BYTES,
        metadata,
        encrypt,
        decrypt,
        decrypt_flipped,
        decrypt_other_aad,
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
async fn call_on(session: &mut Session<'_>, request: Call<'_>) -> Result<f64, String> {
    match call(session, request).await {
        Probed::Seen(exchange) if exchange.status == 200 => Ok(exchange.duration_ms),
        Probed::Seen(exchange) => Err(format!("answered {}", exchange.status)),
        Probed::Failed(failure) => Err(failure.message),
        Probed::NotGathered(why) => Err(why),
    }
}
