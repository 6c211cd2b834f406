//! An XKS proxy written for the tests from the specification: GetHealthStatus behind SigV4 verified
//! with aws-sigv4, JSON errors, POST only; and the misbehaving variants real proxies show.

use std::convert::Infallible;
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
pub const REGION: &str = "us-east-1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Follows the specification.
    Faithful,
    /// Serves calls whatever their signature.
    ServesUnsigned,
    /// Answers 200 on any path.
    AnyPath,
    /// Takes 300 ms for every answer.
    Slow,
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
}

/// The one external key the test proxy holds.
pub const KEY_ID: &str = "foo";
const KEY: [u8; 32] = *b"xks-preflight test AES key 32 by";

pub struct XksProxy {
    pub prefix: String,
    pub variant: Variant,
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

/// Recomputes the signature with aws-sigv4 from what was received, independently of the tool's signer,
/// and refuses a signing time more than 5 minutes from `clock`.
fn signature_verifies(parts: &http::request::Parts, body: &[u8], clock: SystemTime) -> bool {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    let authorization = header("authorization");
    let expected_prefix = format!("AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/");
    if !authorization.starts_with(&expected_prefix) || !authorization.contains("SignedHeaders=host;x-amz-date,") {
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
    if apart > Duration::from_secs(300) {
        return false;
    }
    let identity: Identity = Credentials::new(ACCESS_KEY_ID, SECRET, None, None, "test proxy").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("kms-xks-proxy")
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

impl XksProxy {
    pub async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
        let (parts, body) = request.into_parts();
        let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let offset = if matches!(self.variant, Variant::ClockAhead | Variant::ClockAheadRefuses) {
            Duration::from_secs(3600)
        } else {
            Duration::ZERO
        };
        // Only this variant checks signing times against its own (wrong) clock.
        let clock =
            if self.variant == Variant::ClockAheadRefuses { SystemTime::now() + offset } else { SystemTime::now() };
        if self.variant == Variant::Slow {
            tokio::time::sleep(Duration::from_millis(300)).await;
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
        if parts.method != http::Method::POST && self.variant != Variant::AcceptsGet {
            return Ok(error(405, "ValidationException"));
        }
        if self.variant != Variant::ServesUnsigned && !signature_verifies(&parts, &body, clock) {
            return Ok(error(401, "AuthenticationFailedException"));
        }
        let base = format!("{}/kms/xks/v1", self.prefix);
        let health = format!("{base}/health");
        let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let get = parts.method == http::Method::GET;
        let metadata = &request["requestMetadata"];
        if !get && (metadata["kmsRequestId"].as_str().is_none() || metadata["kmsOperation"].as_str().is_none()) {
            return Ok(error(400, "ValidationException"));
        }
        if let Some(rest) = parts.uri.path().strip_prefix(&format!("{base}/keys/")) {
            let Some((key, operation)) = rest.split_once('/') else { return Ok(error(404, "InvalidUriPathException")) };
            if self.variant == Variant::DeniesKeys {
                return Ok(error(403, "AccessDeniedException"));
            }
            if key != KEY_ID {
                return Ok(error(404, "KeyNotFoundException"));
            }
            let answer = match operation {
                "metadata" if self.variant == Variant::Rsa0 => {
                    Ok(serde_json::json!({"keySpec": "RSA_0", "keyUsage": [], "keyStatus": "ENABLED"}))
                }
                "metadata" => Ok(
                    serde_json::json!({"keySpec": "AES_256", "keyUsage": ["ENCRYPT", "DECRYPT"], "keyStatus": "ENABLED"}),
                ),
                "encrypt" => encrypt(&request),
                "decrypt" => decrypt(&request, self.variant == Variant::DecryptsTampered),
                _ => return Ok(error(404, "InvalidUriPathException")),
            };
            return Ok(match answer {
                Ok(body) => json(200, body, offset),
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

fn key() -> aws_lc_rs::aead::LessSafeKey {
    aws_lc_rs::aead::LessSafeKey::new(aws_lc_rs::aead::UnboundKey::new(&aws_lc_rs::aead::AES_256_GCM, &KEY).unwrap())
}

fn encrypt(request: &serde_json::Value) -> Result<serde_json::Value, &'static str> {
    use aws_lc_rs::aead::{Aad, Nonce};
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let engine = base64::engine::general_purpose::STANDARD;
    let mut data = decoded(request, "plaintext")?;
    let aad = decoded(request, "additionalAuthenticatedData")?;
    let iv: [u8; 12] = rand_iv();
    let tag = key()
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key(iv), Aad::from(&aad), &mut data)
        .map_err(|_| "InternalException")?;
    let mut answer = serde_json::json!({
        "ciphertext": engine.encode(&data),
        "initializationVector": engine.encode(iv),
        "authenticationTag": engine.encode(tag.as_ref()),
    });
    if request.get("ciphertextDataIntegrityValueAlgorithm").and_then(|v| v.as_str()) == Some("SHA_256") {
        let mut hash = Sha256::new();
        for part in [&aad[..], &iv[..], &data[..], tag.as_ref()] {
            hash.update(part);
        }
        answer["ciphertextDataIntegrityValue"] = engine.encode(hash.finalize()).into();
    }
    Ok(answer)
}

fn decrypt(request: &serde_json::Value, decrypts_anything: bool) -> Result<serde_json::Value, &'static str> {
    use aws_lc_rs::aead::{Aad, Nonce};
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let mut data = decoded(request, "ciphertext")?;
    data.extend(decoded(request, "authenticationTag")?);
    let aad = decoded(request, "additionalAuthenticatedData")?;
    let iv: [u8; 12] = decoded(request, "initializationVector")?.try_into().map_err(|_| "ValidationException")?;
    let length = data.len().saturating_sub(16);
    match key().open_in_place(Nonce::assume_unique_for_key(iv), Aad::from(&aad), &mut data) {
        Ok(plaintext) => Ok(serde_json::json!({"plaintext": engine.encode(plaintext)})),
        Err(_) if decrypts_anything => Ok(serde_json::json!({"plaintext": engine.encode(vec![0u8; length])})),
        Err(_) => Err("InvalidCiphertextException"),
    }
}

/// A fresh 96-bit IV for each encryption.
fn rand_iv() -> [u8; 12] {
    let mut iv = [0u8; 12];
    aws_lc_rs::rand::fill(&mut iv).unwrap();
    iv
}
