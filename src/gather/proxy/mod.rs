//! Calls to the XKS proxy API as KMS makes them: JSON over HTTP/1.1 on kept-alive TLS connections, signed
//! with SigV4, and the calls a proxy must refuse. The calls that do not depend on each other run at once
//! over the target's pool; every one is bounded by the probe timeout, and once the proxy stops answering
//! the rest are not sent.

mod keys;
mod pool;
mod requests;
mod sign;

use futures_util::future::join_all;
use http_body_util::Full;
use hyper::body::Bytes;
use serde_json::{Map, Value};

pub use pool::Pool;
pub use sign::sign_at;

use self::pool::Unanswered;
use self::sign::Signature;
use crate::facts::{
    AbsentKeyFacts, HttpVersion, KeptAliveFacts, ProbeFailure, Probed, ProxyExchange, ProxyFacts, SignatureFault,
    SignatureProbe, Why, UNKNOWN_OPERATION,
};
use crate::user_input::Secret;

/// How many signed calls measure the kept-alive latency.
const KEPT_ALIVE_CALLS: usize = 10;

/// What the calls need to be made as KMS makes them.
#[derive(Debug, Clone)]
pub struct ProxyInputs {
    pub region: String,
    pub kms_operation: &'static str,
    pub access_key_id: Option<String>,
    pub secret: Option<Secret>,
    /// The credential a rotation moves to (access key ID and secret), when it is rehearsed.
    pub next: Option<(String, Secret)>,
    /// External key IDs to call the key APIs with, and the ARN of the KMS key that uses each, if known.
    pub keys: Vec<(String, Option<String>)>,
}

/// A path prefix no proxy serves, put before the configured path: the answer must be 404.
const WRONG_PREFIX: &str = "/xks-preflight-no-such-prefix";

/// One request to the proxy.
pub struct Call<'a> {
    method: &'static str,
    uri: String,
    signature: Signature<'a>,
    /// The JSON body's fields besides requestMetadata; `None` for a request with no body.
    fields: Option<Map<String, Value>>,
    /// requestMetadata, to which the call adds a fresh kmsRequestId; `None` leaves it out.
    metadata: Option<Map<String, Value>>,
}

impl<'a> Call<'a> {
    pub fn post(
        uri: String,
        signature: Signature<'a>,
        fields: Map<String, Value>,
        metadata: Option<Map<String, Value>>,
    ) -> Self {
        Call { method: "POST", uri, signature, fields: Some(fields), metadata }
    }

    fn health(uri: String, signature: Signature<'a>, kms_operation: &str) -> Self {
        Call::post(uri, signature, Map::new(), Some(requests::health(kms_operation)))
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

/// Makes one call over the pool and records what it got.
pub async fn call(pool: &Pool, region: &str, call: Call<'_>) -> Probed<ProxyExchange> {
    let kms_request_id = uuid::Uuid::new_v4().to_string();
    let body = match call.fields {
        Some(mut fields) => {
            if let Some(mut metadata) = call.metadata {
                metadata.insert("kmsRequestId".into(), kms_request_id.clone().into());
                fields.insert("requestMetadata".into(), Value::Object(metadata));
            }
            Value::Object(fields).to_string()
        }
        None => String::new(),
    };
    let label = format!("{} {}", call.method, call.uri);
    let failure = |message: String, timed_out: bool| ProbeFailure { step: label.clone(), timed_out, message };
    let mut request = match http::Request::builder()
        .method(call.method)
        .uri(&call.uri)
        .header(http::header::HOST, pool.host())
        .body(Full::new(Bytes::from(body.clone())))
    {
        Ok(request) => request,
        Err(error) => return Probed::Failed(failure(error.to_string(), false)),
    };
    if let Err(error) = sign::apply(call.signature, &mut request, body.as_bytes(), pool.host(), region) {
        return Probed::Failed(failure(format!("could not sign: {error}"), false));
    }
    // Added after signing: KMS signs only host and x-amz-date.
    request.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    match pool.send(&label, request).await {
        Ok(answer) => {
            let header = |name: http::header::HeaderName| {
                answer.parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
            };
            let (body, body_problem) = answer.body();
            Probed::Seen(ProxyExchange {
                request: label,
                signed: call.signature.is_signed(),
                http_version: http_version(answer.parts.version),
                kms_request_id,
                status: answer.parts.status.as_u16(),
                content_type: header(http::header::CONTENT_TYPE),
                date: header(http::header::DATE),
                received_at: crate::dates::now(),
                body,
                body_problem,
                duration_ms: answer.duration.as_secs_f64() * 1000.0,
                new_connection: !answer.reused,
            })
        }
        Err(Unanswered { message, timed_out }) => Probed::Failed(failure(message, timed_out)),
    }
}

/// The store's credential, when both halves are known.
fn credential(inputs: &ProxyInputs) -> Option<(&str, &str)> {
    match (&inputs.access_key_id, &inputs.secret) {
        (Some(id), Some(secret)) => Some((id.as_str(), secret.expose())),
        _ => None,
    }
}

/// Why the signed calls were not made.
fn no_secret<T>(inputs: &ProxyInputs) -> Probed<T> {
    Probed::NotGathered(match inputs.access_key_id {
        None => Why::NoAccessKeyId,
        Some(_) => Why::NoSecret,
    })
}

/// A call signed as KMS signs, or why it was not made.
async fn signed(
    pool: &Pool,
    inputs: &ProxyInputs,
    make: impl FnOnce(Signature<'_>) -> Call<'_>,
) -> Probed<ProxyExchange> {
    match credential(inputs) {
        Some((access_key_id, secret)) => {
            call(pool, &inputs.region, make(Signature::Kms { access_key_id, secret })).await
        }
        None => no_secret(inputs),
    }
}

/// Signed health calls one after another, once nothing else runs, as KMS keeps calling over a
/// kept-alive connection: each that needed a new connection counts as a reconnection.
async fn kept_alive(pool: &Pool, inputs: &ProxyInputs, health: &str) -> Probed<KeptAliveFacts> {
    let Some((access_key_id, secret)) = credential(inputs) else { return no_secret(inputs) };
    let mut facts = KeptAliveFacts { durations_ms: Vec::new(), failures: Vec::new(), reconnects: 0, timed_out: 0 };
    for _ in 0..KEPT_ALIVE_CALLS {
        let request = Call::health(health.to_string(), Signature::Kms { access_key_id, secret }, inputs.kms_operation);
        match call(pool, &inputs.region, request).await {
            Probed::Seen(exchange) => {
                facts.reconnects += usize::from(exchange.new_connection);
                match exchange.status {
                    200 => facts.durations_ms.push(exchange.duration_ms),
                    status => facts.failures.push(format!("answered {status}")),
                }
            }
            Probed::Failed(failure) => {
                facts.timed_out += usize::from(failure.timed_out);
                facts.failures.push(failure.message)
            }
            // `call` always sends; a call it did not send is still one that failed.
            Probed::NotGathered(_) => facts.failures.push("not sent".into()),
        }
    }
    Probed::Seen(facts)
}

/// Every proxy call for one target, over `pool`. The unsigned health call goes first, alone: a proxy that
/// does not answer it answers nothing. Then the calls that do not depend on each other run at once.
pub async fn probe(pool: &Pool, uri_path: &str, inputs: &ProxyInputs) -> ProxyFacts {
    let base = uri_path.trim_end_matches('/');
    let health = format!("{base}/health");
    let operation = inputs.kms_operation;
    let region = inputs.region.as_str();
    let unsigned_health = call(pool, region, Call::health(health.clone(), Signature::None, operation)).await;

    let signed_health = signed(pool, inputs, |s| Call::health(health.clone(), s, operation));
    let wrongly_signed_health = async {
        match &inputs.access_key_id {
            Some(access_key_id) => {
                call(pool, region, Call::health(health.clone(), Signature::WrongSecret { access_key_id }, operation))
                    .await
            }
            None => no_secret(inputs),
        }
    };
    let refused_signatures = async {
        let probe = |fault: SignatureFault| {
            let health = &health;
            async move {
                let exchange = match credential(inputs) {
                    Some((access_key_id, secret)) => {
                        let signature = Signature::Faulty { access_key_id, secret, fault };
                        call(pool, region, Call::health(health.clone(), signature, operation)).await
                    }
                    None => no_secret(inputs),
                };
                SignatureProbe { fault, exchange }
            }
        };
        join_all([
            probe(SignatureFault::UnknownAccessKeyId),
            probe(SignatureFault::OtherRegion),
            probe(SignatureFault::OtherService),
            probe(SignatureFault::TenMinutesOld),
        ])
        .await
    };
    let wrong_path = signed(pool, inputs, |s| Call::health(format!("{WRONG_PREFIX}{health}"), s, operation));
    let get = async {
        let signature = match credential(inputs) {
            Some((access_key_id, secret)) => Signature::Kms { access_key_id, secret },
            None => Signature::None,
        };
        call(pool, region, Call { method: "GET", uri: health.clone(), signature, fields: None, metadata: None }).await
    };
    let unknown_operation_health = signed(pool, inputs, |s| Call::health(health.clone(), s, UNKNOWN_OPERATION));
    // The rotation rehearsal: the same call as KMS's, signed with the next credential.
    let next_signed_health = async {
        match &inputs.next {
            Some((access_key_id, secret)) => {
                let signature = Signature::Kms { access_key_id, secret: secret.expose() };
                call(pool, region, Call::health(health.clone(), signature, operation)).await
            }
            None => Probed::NotGathered(Why::NoNextCredential),
        }
    };
    let health_without_metadata = signed(pool, inputs, |s| Call::post(health.clone(), s, Map::new(), None));
    let health_with_empty_metadata =
        signed(pool, inputs, |s| Call::post(health.clone(), s, requests::empty_metadata(), None));
    let absent_key = async {
        credential(inputs)?;
        let xks_key_id = format!("xks-preflight-absent-{}", uuid::Uuid::new_v4().simple());
        let (metadata, encrypt) = tokio::join!(
            signed(pool, inputs, |s| {
                let metadata = requests::key_metadata(requests::DESCRIBE_KEY, &keys::probe_key_arn(region));
                keys::metadata_call(base, &xks_key_id, s, metadata)
            }),
            signed(pool, inputs, |s| keys::encrypt_call(base, &xks_key_id, s, &inputs.region, None)),
        );
        Some(AbsentKeyFacts { xks_key_id, metadata, encrypt })
    };
    let (
        signed_health,
        wrongly_signed_health,
        refused_signatures,
        wrong_path,
        get,
        unknown_operation_health,
        health_without_metadata,
        health_with_empty_metadata,
        absent_key,
        next_signed_health,
    ) = tokio::join!(
        signed_health,
        wrongly_signed_health,
        refused_signatures,
        wrong_path,
        get,
        unknown_operation_health,
        health_without_metadata,
        health_with_empty_metadata,
        absent_key,
        next_signed_health
    );

    // Boxed: each key's calls make a large future, which would not fit on a worker's stack by the dozen.
    let keys = join_all(inputs.keys.iter().map(|(xks_key_id, kms_key_arn)| {
        Box::pin(keys::probe(pool, base, inputs, xks_key_id, kms_key_arn.as_deref()))
    }))
    .await;
    let kept_alive = kept_alive(pool, inputs, &health).await;
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
        refused_signatures,
        unknown_operation_health,
        health_without_metadata,
        health_with_empty_metadata,
        absent_key,
        next_access_key_id: inputs.next.as_ref().map(|(id, _)| id.clone()),
        next_signed_health,
    }
}
