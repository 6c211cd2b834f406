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
}

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

/// Recomputes the signature with aws-sigv4 from what was received, independently of the tool's signer.
fn signature_verifies(parts: &http::request::Parts, body: &[u8]) -> bool {
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
        let offset = if self.variant == Variant::ClockAhead { Duration::from_secs(3600) } else { Duration::ZERO };
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
                json(
                    status,
                    serde_json::json!({"errorName": name, "errorMessage": "refused by the test proxy"}),
                    offset,
                )
            }
        };
        if parts.method != http::Method::POST {
            return Ok(error(405, "ValidationException"));
        }
        if self.variant != Variant::ServesUnsigned && !signature_verifies(&parts, &body) {
            return Ok(error(401, "AuthenticationFailedException"));
        }
        let health = format!("{}/kms/xks/v1/health", self.prefix);
        if parts.uri.path() != health && self.variant != Variant::AnyPath {
            return Ok(error(404, "InvalidUriPathException"));
        }
        let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if request["requestMetadata"]["kmsRequestId"].as_str().is_none()
            || request["requestMetadata"]["kmsOperation"].as_str().is_none()
        {
            return Ok(error(400, "ValidationException"));
        }
        if self.variant == Variant::DeniesHealth {
            return Ok(error(403, "AccessDeniedException"));
        }
        let status = if self.variant == Variant::AllUnavailable { "UNAVAILABLE" } else { "ACTIVE" };
        Ok(json(
            200,
            serde_json::json!({
                "xksProxyFleetSize": 2,
                "xksProxyVendor": "xks-preflight tests",
                "xksProxyModel": "test proxy",
                "ekmVendor": "xks-preflight tests",
                "ekmFleetDetails": [
                    {"id": "hsm-1", "model": "test HSM", "healthStatus": status},
                    {"id": "hsm-2", "model": "test HSM", "healthStatus": status}
                ]
            }),
            offset,
        ))
    }
}
