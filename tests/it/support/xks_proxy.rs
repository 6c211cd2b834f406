//! An XKS proxy written for the tests from the specification: the four APIs behind SigV4 verified with
//! aws-sigv4 (scope, time and signature), JSON errors, POST only, requests validated, AES-256-GCM over the
//! specification's AAD construction with ciphertextMetadata bound in; and the misbehaving variants real
//! proxies show.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};

pub const ACCESS_KEY_ID: &str = "AKSE2VPZ7WQ4XKS3PROXY5AB";
pub const SECRET: &str = "c2VjcmV0LWZvci14a3MtcHJlZmxpZ2h0LXRlc3RzLTQ0Ynl0";
/// The credential a rotation moves to: the proxy accepts it only in the variants that hold it.
pub const NEXT_ACCESS_KEY_ID: &str = "NEXT2VPZ7WQ4XKS3PROXY5AB";
pub const NEXT_SECRET: &str = "bmV4dC1zZWNyZXQtZm9yLXhrcy1wcmVmbGlnaHQtdGVzdHMtNDQ";
pub const REGION: &str = "us-east-1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Follows the specification.
    Faithful,
    /// Serves calls whatever their signature.
    ServesUnsigned,
    /// Answers 200 on any path.
    AnyPath,
    /// Every external key manager UNAVAILABLE.
    AllUnavailable,
    /// Error bodies in plain text.
    PlainErrors,
    /// A Date header an hour ahead.
    ClockAhead,
    /// Denies GetHealthStatus by its own authorization rules.
    DeniesHealth,
    /// Reports its AES key as `{"keySpec":"RSA_0","keyUsage":[]}`, as one build of the sample proxy did.
    Rsa0,
    /// Denies the key APIs by its own authorization rules.
    DeniesKeys,
    /// Decrypts what does not verify.
    DecryptsTampered,
    /// Answers GET like POST.
    AcceptsGet,
    /// Its clock is an hour ahead, and it refuses signatures more than 5 minutes from its own clock, as
    /// SigV4 verifiers do: every signed call gets 401.
    ClockAheadRefuses,
    /// A health answer with a byte that is not UTF-8 inside an otherwise faithful body.
    NotUtf8Body,
    /// A health answer of a megabyte: the faithful body after a megabyte of spaces.
    HugeBody,
    /// Error messages of 2,000 characters.
    LongErrorMessage,
    /// Error messages with a line break and a bell character.
    ControlErrorMessage,
    /// Serves requests that carry no requestMetadata.
    AcceptsWithoutMetadata,
    /// Encrypts an absent plaintext as an empty one.
    AcceptsWithoutPlaintext,
    /// Answers 500 InternalException for an external key it does not hold.
    UnknownKey500,
    /// Serves an external key it does not hold as if it were its own.
    UnknownKey200,
    /// Refuses a kmsOperation it does not know with 400 ValidationException.
    RefusesUnknownOperation,
    /// Refuses ARNs over 1,024 characters with 400 ValidationException.
    RefusesLongArns,
    /// Answers 8-byte initialization vectors (and decrypts with them, zero-padded).
    ShortIv,
    /// Answers 12-byte authentication tags, keeping the other 4 bytes in ciphertextMetadata.
    ShortTag,
    /// Answers ciphertexts 4 bytes longer than the plaintext (and strips them to decrypt).
    LongCiphertext,
    /// Answers 32 bytes of ciphertextMetadata (bound into the AAD).
    LargeMetadata,
    /// Answers ciphertextMetadata that the AAD does not bind.
    UnboundMetadata,
    /// Accepts a signature under any access key ID.
    AcceptsUnknownAccessKeyId,
    /// Accepts signatures for any Region.
    AcceptsOtherRegion,
    /// Accepts signatures for any service.
    AcceptsOtherService,
    /// Accepts signatures of any age.
    AcceptsStale,
    /// Computes the ciphertext data integrity value without the ciphertextMetadata.
    IntegrityWithoutMetadata,
    /// Checks signatures on GetHealthStatus only: the key APIs serve any signature.
    KeysUnauthenticated,
    /// Serves the key APIs below any path prefix.
    KeysAnyPrefix,
    /// Fails with 500 InternalException on a GetHealthStatus without a complete requestMetadata.
    MalformedHealth500,
    /// Completes TLS and reads requests, but never answers one.
    Silent,
    /// Answers GetHealthStatus, but never answers a key API call.
    SilentOnKeys,
    /// Answers its first call, then never another: a proxy that hangs once a run has begun.
    SilentAfterFirst,
    /// Takes this many milliseconds to answer every call: an external key manager that is slow to work.
    AnswersAfter(u64),
    /// Checks the signature before the method, as many HTTP stacks do: a badly signed GET gets 401.
    AuthenticatesFirst,
    /// Holds the current and the next credential at once, as the specification says a proxy should
    /// during a rotation.
    TwoCredentials,
    /// Switched to the next credential too early: the current one is refused.
    OnlyNextCredential,
    /// Creates the external key a GetKeyMetadata asks about when its kmsOperation is CreateKey, as Cosmian
    /// KMS does (REFERENCE.md §1.14); every key it holds, the created ones too, is in `XksProxy::keys`.
    CreatesOnCreateKey,
    /// Encrypt and Decrypt answer in Base64url without padding (`-` and `_`), as toyxks does.
    Base64Url,
    /// Encrypt and Decrypt answer standard Base64 with its `=` padding cut off.
    UnpaddedBase64,
    /// Leaves ciphertextDataIntegrityValue out even when SHA_256 is asked for, as toyxks does.
    NoIntegrityValue,
    /// Refuses a Decrypt that does not verify with 500 InternalException, not 400 InvalidCiphertextException.
    Tampered500,
    /// Refuses GET with 501 UnsupportedOperationException, not 405.
    Get501,
    /// Answers the same health report whatever its key manager does, while the key manager itself is out of
    /// reach: every key API call gets 503 DependencyTimeoutException.
    StaticHealth,
    /// Reports its key as `AES_128`.
    Aes128,
    /// Reports its key as `RSA_2048`, with ENCRYPT and DECRYPT usage.
    Rsa2048,
    /// Holds every call that arrives in the first this-many milliseconds of a wall-clock second until
    /// they have passed: a proxy (or its HSM) that stalls once a second.
    StallsEverySecond(u64),
    /// Serves at most `concurrent` calls at once, each taking `ms`: a capacity of `concurrent * 1000 / ms`
    /// calls a second, past which calls queue.
    LimitedTo { concurrent: usize, ms: u64 },
    /// Answers every call after the first with 500 and an errorName of its own (`InternalException-7`),
    /// as a proxy that writes a request ID into it would.
    UniqueErrorNames,
    /// Of every ten calls, from the first: five faithful, then 401 AuthenticationFailedException, 500
    /// InternalException, 503 DependencyTimeoutException, a 200 whose body is not a health report, and
    /// a connection closed with no answer.
    Mixed,
}

/// What `Variant::Mixed` does with the calls of each ten, in order.
pub const MIXED_FAITHFUL: u64 = 5;

/// Ends the connection with no answer: hyper closes a connection whose service fails.
#[derive(Debug)]
pub struct Reset;

impl std::fmt::Display for Reset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the test proxy drops this connection")
    }
}

impl std::error::Error for Reset {}

/// One request as the test proxy received it, for the tests that prove what the tool sends.
#[derive(Clone, Debug)]
pub struct SeenRequest {
    pub method: String,
    pub path: String,
    /// requestMetadata.kmsOperation, when the body has one.
    pub kms_operation: Option<String>,
    /// When its body had been read.
    pub at: std::time::Instant,
}

/// The one external key the test proxy holds.
pub const KEY_ID: &str = "foo";
const KEY: [u8; 32] = *b"xks-preflight test AES key 32 by";

pub struct XksProxy {
    /// The path prefixes it serves, one per logical key store (tenant): `/tenant-a` serves
    /// `/tenant-a/kms/xks/v1/…`.
    pub prefixes: Vec<String>,
    pub variant: Variant,
    /// Every request received, in order.
    seen: std::sync::Mutex<Vec<SeenRequest>>,
    /// The external keys it holds: KEY_ID, and any CreatesOnCreateKey created.
    keys: std::sync::Mutex<Vec<String>>,
    /// The calls served at once (`LimitedTo`).
    gate: tokio::sync::Semaphore,
}

impl XksProxy {
    pub fn new(prefixes: Vec<String>, variant: Variant) -> XksProxy {
        let concurrent = match variant {
            Variant::LimitedTo { concurrent, .. } => concurrent,
            _ => tokio::sync::Semaphore::MAX_PERMITS,
        };
        XksProxy {
            prefixes,
            variant,
            seen: Default::default(),
            keys: std::sync::Mutex::new(vec![KEY_ID.to_string()]),
            gate: tokio::sync::Semaphore::new(concurrent),
        }
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<SeenRequest> {
        self.seen.lock().unwrap().clone()
    }

    /// The external keys it holds now.
    pub fn keys(&self) -> Vec<String> {
        self.keys.lock().unwrap().clone()
    }

    /// The credentials (access key ID, secret) it accepts.
    fn credentials(&self) -> &'static [(&'static str, &'static str)] {
        match self.variant {
            Variant::TwoCredentials => &[(ACCESS_KEY_ID, SECRET), (NEXT_ACCESS_KEY_ID, NEXT_SECRET)],
            Variant::OnlyNextCredential => &[(NEXT_ACCESS_KEY_ID, NEXT_SECRET)],
            _ => &[(ACCESS_KEY_ID, SECRET)],
        }
    }
}

fn json(status: u16, body: serde_json::Value, date_offset: Duration) -> Response<Full<Bytes>> {
    let date = aws_sdk_kms::primitives::DateTime::from(SystemTime::now() + date_offset)
        .fmt(aws_sdk_kms::primitives::DateTimeFormat::HttpDate)
        .unwrap();
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("date", date)
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

/// Recomputes the signature with aws-sigv4 from what was received, independently of the tool's signer:
/// the access key ID, the Region and service of the credential scope, a signing time within 5 minutes of
/// `clock`, then the signature itself. A lenient variant skips its one part.
fn signature_verifies(
    parts: &http::request::Parts,
    body: &[u8],
    clock: SystemTime,
    variant: Variant,
    credentials: &[(&str, &str)],
) -> bool {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    let authorization = header("authorization");
    // Credential=<id>/<date>/<region>/<service>/aws4_request
    let Some(scope) =
        authorization.strip_prefix("AWS4-HMAC-SHA256 Credential=").and_then(|rest| rest.split(',').next())
    else {
        return false;
    };
    let scope: Vec<&str> = scope.split('/').collect();
    let [access_key_id, _, region, service, "aws4_request"] = scope[..] else { return false };
    if !authorization.contains("SignedHeaders=host;x-amz-date,") {
        return false;
    }
    let secret = match credentials.iter().find(|(id, _)| *id == access_key_id) {
        Some((_, secret)) => *secret,
        None if variant == Variant::AcceptsUnknownAccessKeyId => credentials[0].1,
        None => return false,
    };
    if region != REGION && variant != Variant::AcceptsOtherRegion {
        return false;
    }
    if service != "kms-xks-proxy" && variant != Variant::AcceptsOtherService {
        return false;
    }
    let amz = header("x-amz-date");
    if amz.len() != 16 {
        return false;
    }
    let rfc3339 =
        format!("{}-{}-{}T{}:{}:{}Z", &amz[0..4], &amz[4..6], &amz[6..8], &amz[9..11], &amz[11..13], &amz[13..15]);
    let Ok(time) =
        aws_sdk_kms::primitives::DateTime::from_str(&rfc3339, aws_sdk_kms::primitives::DateTimeFormat::DateTime)
    else {
        return false;
    };
    let Ok(time) = SystemTime::try_from(time) else { return false };
    let apart = clock.duration_since(time).or_else(|_| time.duration_since(clock)).unwrap_or_default();
    if apart > Duration::from_secs(300) && variant != Variant::AcceptsStale {
        return false;
    }
    // The signature itself, under the scope the request names.
    let identity: Identity = Credentials::new(access_key_id, secret, None, None, "test proxy").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let host = header("host");
    let uri = format!("https://{host}{}", parts.uri);
    let signable =
        SignableRequest::new(parts.method.as_str(), uri, std::iter::once(("host", host)), SignableBody::Bytes(body))
            .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let verified = instructions.headers().any(|(name, value)| name == "authorization" && value == authorization);
    verified
}

/// The kmsOperation values the RefusesUnknownOperation variant knows.
const KNOWN_OPERATIONS: &[&str] = &[
    "CreateCustomKeyStore",
    "ConnectCustomKeyStore",
    "UpdateCustomKeyStore",
    "KmsHealthCheck",
    "CreateKey",
    "DescribeKey",
    "Encrypt",
    "Decrypt",
    "ReEncrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
];

impl XksProxy {
    pub async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Reset> {
        let (parts, body) = request.into_parts();
        let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let number = {
            let mut seen = self.seen.lock().unwrap();
            seen.push(SeenRequest {
                method: parts.method.to_string(),
                path: parts.uri.path().to_string(),
                kms_operation: request["requestMetadata"]["kmsOperation"].as_str().map(str::to_string),
                at: std::time::Instant::now(),
            });
            seen.len() as u64 - 1
        };
        // After the body is read: an answer before it would make hyper close the connection.
        match self.variant {
            Variant::StallsEverySecond(ms) => {
                let into_second = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().subsec_millis();
                if u64::from(into_second) < ms {
                    tokio::time::sleep(Duration::from_millis(ms - u64::from(into_second))).await;
                }
            }
            Variant::LimitedTo { ms, .. } => {
                let _served = self.gate.acquire().await.unwrap();
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            Variant::UniqueErrorNames if number > 0 => {
                let body =
                    serde_json::json!({"errorName": format!("InternalException-{number}"), "errorMessage": "unique"});
                return Ok(json(500, body, Duration::ZERO));
            }
            Variant::Mixed => {
                let error = |status: u16, name: &str| {
                    Ok(json(status, serde_json::json!({"errorName": name, "errorMessage": "mixed"}), Duration::ZERO))
                };
                match number % 10 {
                    n if n < MIXED_FAITHFUL => {}
                    5 => return error(401, "AuthenticationFailedException"),
                    6 => return error(500, "InternalException"),
                    7 => return error(503, "DependencyTimeoutException"),
                    8 => return Ok(json(200, serde_json::json!({"xksProxyFleetSize": 2}), Duration::ZERO)),
                    _ => return Err(Reset),
                }
            }
            _ => {}
        }
        let offset = if matches!(self.variant, Variant::ClockAhead | Variant::ClockAheadRefuses) {
            Duration::from_secs(3600)
        } else {
            Duration::ZERO
        };
        // Only this variant checks signing times against its own (wrong) clock.
        let clock =
            if self.variant == Variant::ClockAheadRefuses { SystemTime::now() + offset } else { SystemTime::now() };
        let silent = match self.variant {
            Variant::Silent => true,
            Variant::SilentOnKeys => parts.uri.path().contains("/keys/"),
            Variant::SilentAfterFirst => number > 0,
            _ => false,
        };
        if silent {
            // Until the client gives up and the connection goes.
            std::future::pending::<()>().await;
        }
        if let Variant::AnswersAfter(ms) = self.variant {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        let error = |status: u16, name: &str| {
            if self.variant == Variant::PlainErrors {
                Response::builder()
                    .status(status)
                    .header("content-type", "text/plain")
                    .body(Full::new(Bytes::from(format!("{name}\n"))))
                    .unwrap()
            } else {
                let message = match self.variant {
                    Variant::LongErrorMessage => "refused ".repeat(250),
                    Variant::ControlErrorMessage => "refused\nby the test proxy\u{7}".to_string(),
                    _ => "refused by the test proxy".to_string(),
                };
                json(status, serde_json::json!({"errorName": name, "errorMessage": message}), offset)
            }
        };
        let key_call = parts.uri.path().contains("/kms/xks/v1/keys/");
        let checks_signature = match self.variant {
            Variant::ServesUnsigned => false,
            Variant::KeysUnauthenticated => !key_call,
            _ => true,
        };
        let refuses_method = parts.method != http::Method::POST && self.variant != Variant::AcceptsGet;
        let method_refusal = || match self.variant {
            Variant::Get501 => error(501, "UnsupportedOperationException"),
            _ => error(405, "ValidationException"),
        };
        if refuses_method && self.variant != Variant::AuthenticatesFirst {
            return Ok(method_refusal());
        }
        if checks_signature && !signature_verifies(&parts, &body, clock, self.variant, self.credentials()) {
            return Ok(error(401, "AuthenticationFailedException"));
        }
        if refuses_method {
            return Ok(method_refusal());
        }
        let path = parts.uri.path();
        let prefix = self.prefixes.iter().find(|p| path.starts_with(&format!("{p}/kms/xks/v1/")));
        let base = format!("{}/kms/xks/v1", prefix.or(self.prefixes.first()).map(String::as_str).unwrap_or_default());
        let health = format!("{base}/health");
        let get = parts.method == http::Method::GET;
        let metadata = &request["requestMetadata"];
        let incomplete = metadata["kmsRequestId"].as_str().is_none() || metadata["kmsOperation"].as_str().is_none();
        if !get && incomplete && self.variant == Variant::MalformedHealth500 && parts.uri.path().ends_with("/health") {
            return Ok(error(500, "InternalException"));
        }
        if !get && incomplete && self.variant != Variant::AcceptsWithoutMetadata {
            return Ok(error(400, "ValidationException"));
        }
        let kms_operation = metadata["kmsOperation"].as_str().unwrap_or_default();
        if self.variant == Variant::RefusesUnknownOperation && !incomplete && !KNOWN_OPERATIONS.contains(&kms_operation)
        {
            return Ok(error(400, "ValidationException"));
        }
        let too_long =
            ["awsPrincipalArn", "kmsKeyArn"].iter().any(|f| metadata[f].as_str().is_some_and(|a| a.len() > 1024));
        if self.variant == Variant::RefusesLongArns && too_long {
            return Ok(error(400, "ValidationException"));
        }
        let keys_below = if self.variant == Variant::KeysAnyPrefix {
            parts.uri.path().split_once("/kms/xks/v1/keys/").map(|(_, rest)| rest)
        } else {
            parts.uri.path().strip_prefix(&format!("{base}/keys/"))
        };
        if let Some(rest) = keys_below {
            let Some((key, operation)) = rest.split_once('/') else { return Ok(error(404, "InvalidUriPathException")) };
            if self.variant == Variant::DeniesKeys {
                return Ok(error(403, "AccessDeniedException"));
            }
            if self.variant == Variant::StaticHealth {
                return Ok(error(503, "DependencyTimeoutException"));
            }
            let creates = self.variant == Variant::CreatesOnCreateKey && kms_operation == "CreateKey";
            let held = self.keys.lock().unwrap().iter().any(|held| held == key);
            if !held && creates && operation == "metadata" {
                self.keys.lock().unwrap().push(key.to_string());
            } else if !held {
                match self.variant {
                    Variant::UnknownKey500 => return Ok(error(500, "InternalException")),
                    Variant::UnknownKey200 => {}
                    _ => return Ok(error(404, "KeyNotFoundException")),
                }
            }
            let answer = match operation {
                "metadata" if self.variant == Variant::Rsa0 => {
                    Ok(serde_json::json!({"keySpec": "RSA_0", "keyUsage": [], "keyStatus": "ENABLED"}))
                }
                "metadata" if matches!(self.variant, Variant::Aes128 | Variant::Rsa2048) => {
                    let spec = if self.variant == Variant::Aes128 { "AES_128" } else { "RSA_2048" };
                    Ok(serde_json::json!({"keySpec": spec, "keyUsage": ["ENCRYPT", "DECRYPT"], "keyStatus": "ENABLED"}))
                }
                "metadata" => Ok(
                    serde_json::json!({"keySpec": "AES_256", "keyUsage": ["ENCRYPT", "DECRYPT"], "keyStatus": "ENABLED"}),
                ),
                "encrypt" => encrypt(&request, self.variant),
                "decrypt" => decrypt(&request, self.variant),
                _ => return Ok(error(404, "InvalidUriPathException")),
            };
            return Ok(match answer {
                Ok(body) => json(200, body, offset),
                Err("InvalidCiphertextException") if self.variant == Variant::Tampered500 => {
                    error(500, "InternalException")
                }
                Err(name) => error(400, name),
            });
        }
        if parts.uri.path() != health && self.variant != Variant::AnyPath {
            return Ok(error(404, "InvalidUriPathException"));
        }
        if self.variant == Variant::DeniesHealth {
            return Ok(error(403, "AccessDeniedException"));
        }
        let status = if self.variant == Variant::AllUnavailable { "UNAVAILABLE" } else { "ACTIVE" };
        let health = serde_json::json!({
            "xksProxyFleetSize": 2,
            "xksProxyVendor": "xks-preflight tests",
            "xksProxyModel": "test proxy",
            "ekmVendor": "xks-preflight tests",
            "ekmFleetDetails": [
                {"id": "hsm-1", "model": "test HSM", "healthStatus": status},
                {"id": "hsm-2", "model": "test HSM", "healthStatus": status}
            ]
        });
        let raw = |bytes: Vec<u8>| {
            Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(bytes)))
                .unwrap()
        };
        Ok(match self.variant {
            Variant::NotUtf8Body => {
                let text = health.to_string();
                let (head, tail) = text.split_at(NOT_UTF8_AT);
                raw([head.as_bytes(), &[0xff], tail.as_bytes()].concat())
            }
            Variant::HugeBody => raw([vec![b' '; 1 << 20], health.to_string().into_bytes()].concat()),
            _ => json(200, health, offset),
        })
    }
}

/// Where NotUtf8Body puts its stray byte.
pub const NOT_UTF8_AT: usize = 40;

fn decoded(request: &serde_json::Value, field: &str) -> Result<Vec<u8>, &'static str> {
    use base64::Engine;
    match request.get(field).and_then(|v| v.as_str()) {
        Some(text) => base64::engine::general_purpose::STANDARD.decode(text).map_err(|_| "ValidationException"),
        None => Ok(Vec::new()),
    }
}

/// The Base64 the Encrypt and Decrypt answers are written in: the standard alphabet with padding, as the
/// specification says, unless the variant bends it.
fn answer_engine(variant: Variant) -> base64::engine::GeneralPurpose {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    match variant {
        Variant::Base64Url => URL_SAFE_NO_PAD,
        Variant::UnpaddedBase64 => STANDARD_NO_PAD,
        _ => STANDARD,
    }
}

fn key() -> aws_lc_rs::aead::LessSafeKey {
    aws_lc_rs::aead::LessSafeKey::new(aws_lc_rs::aead::UnboundKey::new(&aws_lc_rs::aead::AES_256_GCM, &KEY).unwrap())
}

/// The ciphertextMetadata the test proxy answers: the specification's example, `key_version=1`.
const METADATA: &[u8] = b"key_version=1";

/// The AAD handed to AES-GCM, as the specification constructs it: len16be(AAD) ‖ AAD ‖ len8(metadata) ‖
/// metadata. The UnboundMetadata variant leaves the metadata out.
fn gcm_aad(aad: &[u8], metadata: &[u8], variant: Variant) -> Vec<u8> {
    let mut bound = (aad.len() as u16).to_be_bytes().to_vec();
    bound.extend_from_slice(aad);
    if variant != Variant::UnboundMetadata {
        bound.push(metadata.len() as u8);
        bound.extend_from_slice(metadata);
    }
    bound
}

/// The metadata a variant answers, before ShortTag appends its tag bytes.
fn metadata_for(variant: Variant) -> Vec<u8> {
    match variant {
        Variant::LargeMetadata => [METADATA, &[b'.'; 19]].concat(),
        _ => METADATA.to_vec(),
    }
}

fn encrypt(request: &serde_json::Value, variant: Variant) -> Result<serde_json::Value, &'static str> {
    use aws_lc_rs::aead::{Aad, Nonce};
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let engine = answer_engine(variant);
    if request.get("plaintext").is_none() && variant != Variant::AcceptsWithoutPlaintext {
        return Err("ValidationException");
    }
    let mut data = decoded(request, "plaintext")?;
    let aad = decoded(request, "additionalAuthenticatedData")?;
    let mut metadata = metadata_for(variant);
    let mut nonce: [u8; 12] = rand_iv();
    if variant == Variant::ShortIv {
        // The nonce's last 4 bytes are zero, so its first 8 carry it whole.
        nonce[8..].fill(0);
    }
    let bound = gcm_aad(&aad, &metadata, variant);
    let tag = key()
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(&bound), &mut data)
        .map_err(|_| "InternalException")?;
    let mut tag = tag.as_ref().to_vec();
    let iv = if variant == Variant::ShortIv { &nonce[..8] } else { &nonce[..] };
    match variant {
        Variant::ShortTag => metadata.extend(tag.split_off(12)),
        Variant::LongCiphertext => data.extend_from_slice(b"tail"),
        _ => {}
    }
    let mut answer = serde_json::json!({
        "ciphertext": engine.encode(&data),
        "initializationVector": engine.encode(iv),
        "authenticationTag": engine.encode(&tag),
        "ciphertextMetadata": engine.encode(&metadata),
    });
    let asked = request.get("ciphertextDataIntegrityValueAlgorithm").and_then(|v| v.as_str()) == Some("SHA_256");
    if asked && variant != Variant::NoIntegrityValue {
        let mut hash = Sha256::new();
        let hashed_metadata = if variant == Variant::IntegrityWithoutMetadata { &[][..] } else { &metadata[..] };
        for part in [&aad[..], hashed_metadata, iv, &data[..], &tag[..]] {
            hash.update(part);
        }
        answer["ciphertextDataIntegrityValue"] = engine.encode(hash.finalize()).into();
    }
    Ok(answer)
}

fn decrypt(request: &serde_json::Value, variant: Variant) -> Result<serde_json::Value, &'static str> {
    use aws_lc_rs::aead::{Aad, Nonce};
    use base64::Engine;
    let engine = answer_engine(variant);
    let mut data = decoded(request, "ciphertext")?;
    if variant == Variant::LongCiphertext {
        data.truncate(data.len().saturating_sub(4));
    }
    let mut metadata = decoded(request, "ciphertextMetadata")?;
    let mut tag = decoded(request, "authenticationTag")?;
    if variant == Variant::ShortTag {
        tag.extend(metadata.split_off(metadata.len().saturating_sub(4)));
    }
    let length = data.len();
    data.extend(tag);
    let aad = decoded(request, "additionalAuthenticatedData")?;
    let mut iv = decoded(request, "initializationVector")?;
    if variant == Variant::ShortIv && iv.len() == 8 {
        iv.extend([0; 4]);
    }
    let iv: [u8; 12] = iv.try_into().map_err(|_| "ValidationException")?;
    let bound = gcm_aad(&aad, &metadata, variant);
    match key().open_in_place(Nonce::assume_unique_for_key(iv), Aad::from(&bound), &mut data) {
        Ok(plaintext) => Ok(serde_json::json!({"plaintext": engine.encode(plaintext)})),
        Err(_) if variant == Variant::DecryptsTampered => {
            Ok(serde_json::json!({"plaintext": engine.encode(vec![0u8; length])}))
        }
        Err(_) => Err("InvalidCiphertextException"),
    }
}

/// A fresh 96-bit IV for each encryption.
fn rand_iv() -> [u8; 12] {
    let mut iv = [0u8; 12];
    aws_lc_rs::rand::fill(&mut iv).unwrap();
    iv
}
